//! Errors of the development peer.

/// What can go wrong in the development peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// No chaincode with that name is connected.
    #[error("chaincode {0} is not connected to this peer")]
    NotConnected(String),
    /// The chaincode broke the protocol or the stream ended.
    #[error("{0}")]
    Protocol(String),
    /// The chaincode did not answer within the execute timeout.
    #[error("timeout expired while executing transaction")]
    Timeout,
    /// The chaincode answered with an ERROR message.
    #[error("transaction returned with failure: {0}")]
    Chaincode(String),
    /// The ledger store failed.
    #[error("ledger storage error: {0}")]
    Storage(String),
    /// A request was refused by the peer's rules.
    #[error("{0}")]
    Rejected(String),
    /// Transport failure.
    #[error("transport error: {0}")]
    Transport(String),
}

/// Result type of the development peer.
pub type Result<T, E = PeerError> = std::result::Result<T, E>;
