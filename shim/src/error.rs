//! The shim's error type.

use std::fmt;

/// What can go wrong in a stub call or in the session with the peer.
///
/// Every stub method returns `Result<_, Error>`; nothing in the shim panics on
/// bad input from the peer or from the chaincode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer answered a request with an ERROR message; this is its text
    /// (for example `GET_STATE failed: transaction ID: 1a2b: no ledger context`).
    #[error("{0}")]
    Peer(String),
    /// The chaincode passed an argument the API rejects (an empty key, an
    /// invalid composite-key component, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// A stub call was made after its transaction had completed.
    #[error("transaction {txid} has already completed; its stub can no longer reach the ledger")]
    TransactionFinished {
        /// The transaction the stub belonged to.
        txid: String,
    },
    /// The stream to the peer is gone.
    #[error("the connection to the peer was lost")]
    Disconnected,
    /// The peer sent something that does not follow the protocol (a payload
    /// that does not decode, an unexpected message type, ...).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// Start-up configuration is missing or unreadable (the message names the setting).
    #[error("{0}")]
    Config(String),
    /// The gRPC transport failed (connect, TLS handshake, serve).
    #[error("transport error: {0}")]
    Transport(String),
    /// The peer ended the stream or closed its connection: what a peer that
    /// stops, restarts or drops the chaincode does, as opposed to a
    /// [`Transport`](Error::Transport) failure.
    #[error("the peer closed the stream")]
    PeerClosed,
    /// A graceful shutdown's drain deadline passed while transactions were
    /// still running: they were cut off (each one is also logged, and the
    /// peer received an ERROR for it).
    #[error(
        "the drain deadline of {deadline:?} passed with {} transaction(s) still running, cut off: {}",
        cut_off.len(),
        cut_off.join("; ")
    )]
    DrainTimeout {
        /// The deadline that passed.
        deadline: std::time::Duration,
        /// The transactions cut off, each as `txid <id> on channel <name>, function <name>`.
        cut_off: Vec<String>,
    },
}

impl Error {
    pub(crate) fn decode(what: &str, err: impl fmt::Display) -> Self {
        Error::Protocol(format!("cannot decode {what}: {err}"))
    }
}

/// The result type of the shim.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A gRPC status's message and its causes (its `Display` shows the code and
/// the causes' debug form).
pub(crate) fn status_text(status: &tonic::Status) -> String {
    let mut text = status.message().to_owned();
    if let Some(cause) = std::error::Error::source(status) {
        let causes = error_chain(cause);
        if !text.contains(&causes) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&causes);
        }
    }
    text
}

/// An error with its causes, which tonic's transport errors hide (their
/// `Display` alone often says only "transport error").
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
