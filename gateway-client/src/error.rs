//! Errors: the official clients' error model as Rust values.
//!
//! Every failed gRPC call becomes a [`GatewayError`]: the gRPC status code,
//! the server's message and the [`ErrorDetail`]s (one per peer or orderer
//! that failed) that the Gateway attaches in the `grpc-status-details-bin`
//! trailer. The step of a transaction that failed wraps it with the
//! transaction id: [`EndorseError`], [`SubmitError`], [`CommitStatusError`].
//! A transaction that was ordered but not committed as valid is a
//! [`CommitError`], which is not a gRPC failure. [`Error`] gathers them all.

use std::fmt;
use std::path::PathBuf;

use fabric_protos::protos::TxValidationCode;
use prost::Message;
use tonic::Code;

/// What one Fabric node (peer or orderer) reported when the Gateway's call
/// to it failed: `gateway.ErrorDetail`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The node's endpoint, e.g. `peer0.org1.example.com:7051` (may be empty).
    pub address: String,
    /// The MSP id of the node's organization.
    pub msp_id: String,
    /// The node's error message, e.g. `chaincode response 500, asset1 does not exist`.
    pub message: String,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.address.is_empty(), self.msp_id.is_empty()) {
            (false, false) => write!(f, "{} ({}): {}", self.address, self.msp_id, self.message),
            (false, true) => write!(f, "{}: {}", self.address, self.message),
            (true, false) => write!(f, "({}): {}", self.msp_id, self.message),
            (true, true) => f.write_str(&self.message),
        }
    }
}

/// A failed call to the Gateway service: gRPC code, message and details.
///
/// Displayed like the Node client's errors, `<code> <NAME>: <message>`, with
/// the details appended, e.g. `10 ABORTED: failed to endorse transaction, see
/// attached details for more info [details: peer0.org1.example.com:7051
/// (Org1MSP): chaincode response 500, asset70 does not exist]`.
#[derive(Clone, Debug)]
pub struct GatewayError {
    code: Code,
    message: String,
    details: Vec<ErrorDetail>,
    status: Option<tonic::Status>,
}

impl GatewayError {
    /// Reads code, message and [`ErrorDetail`]s from a gRPC status.
    ///
    /// Details other than `gateway.ErrorDetail`, and details that do not
    /// decode, are skipped.
    ///
    /// ```
    /// use fabric_gateway_client::{Code, GatewayError};
    ///
    /// let error = GatewayError::from_status(tonic::Status::unavailable("no orderers"));
    /// assert_eq!(error.code(), Code::Unavailable);
    /// assert_eq!(error.to_string(), "14 UNAVAILABLE: no orderers");
    /// ```
    #[must_use]
    pub fn from_status(status: tonic::Status) -> Self {
        Self {
            code: status.code(),
            message: status.message().to_owned(),
            details: details_from_status(status.details()),
            status: Some(status),
        }
    }

    /// A client-side failure with the given code, e.g. an expired deadline.
    #[must_use]
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
            status: None,
        }
    }

    /// The gRPC status code.
    #[must_use]
    pub fn code(&self) -> Code {
        self.code
    }

    /// The server's message (without code or details).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What each failing node reported.
    #[must_use]
    pub fn details(&self) -> &[ErrorDetail] {
        &self.details
    }

    /// The gRPC status as received, if this error came from the server or
    /// the connection (its metadata included).
    #[must_use]
    pub fn status(&self) -> Option<&tonic::Status> {
        self.status.as_ref()
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            i32::from(self.code),
            code_name(self.code),
            self.message
        )?;
        if !self.details.is_empty() {
            f.write_str(" [details: ")?;
            for (i, detail) in self.details.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{detail}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GatewayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The status's own cause (e.g. the connection error behind
        // UNAVAILABLE); the status itself only repeats code and message.
        self.status
            .as_ref()
            .and_then(|status| std::error::Error::source(status))
    }
}

macro_rules! transaction_error {
    ($(#[$doc:meta])* $name:ident, $step:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, thiserror::Error)]
        #[error("{} of transaction {transaction_id} failed: {error}", $step)]
        pub struct $name {
            transaction_id: String,
            error: GatewayError,
        }

        impl $name {
            pub(crate) fn new(transaction_id: impl Into<String>, error: GatewayError) -> Self {
                Self { transaction_id: transaction_id.into(), error }
            }

            /// The id of the transaction concerned.
            #[must_use]
            pub fn transaction_id(&self) -> &str {
                &self.transaction_id
            }

            /// The gRPC status code.
            #[must_use]
            pub fn code(&self) -> Code {
                self.error.code()
            }

            /// The server's message.
            #[must_use]
            pub fn message(&self) -> &str {
                self.error.message()
            }

            /// What each failing node reported.
            #[must_use]
            pub fn details(&self) -> &[ErrorDetail] {
                self.error.details()
            }

            /// The underlying gRPC failure.
            #[must_use]
            pub fn gateway_error(&self) -> &GatewayError {
                &self.error
            }
        }
    };
}

transaction_error!(
    /// Endorsement failed: the Gateway could not collect the endorsements
    /// (a chaincode error, an endorsement policy that cannot be met, a
    /// proposal the peers reject, ...).
    EndorseError,
    "endorse"
);
transaction_error!(
    /// The endorsed transaction could not be sent to ordering.
    SubmitError,
    "submit"
);
transaction_error!(
    /// The commit status could not be obtained (including an expired
    /// deadline while waiting for the commit).
    CommitStatusError,
    "commit status"
);

/// A transaction was ordered and committed, but marked invalid: its
/// writes were not applied.
///
/// ```
/// use fabric_gateway_client::CommitError;
///
/// let error = CommitError::new("c0ffee", 11);
/// assert_eq!(
///     error.to_string(),
///     "Transaction c0ffee failed to commit with status code 11 (MVCC_READ_CONFLICT)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Transaction {transaction_id} failed to commit with status code {code} ({})", validation_code_name(*.code))]
pub struct CommitError {
    transaction_id: String,
    code: i32,
}

impl CommitError {
    /// A commit failure with a `TxValidationCode` value.
    #[must_use]
    pub fn new(transaction_id: impl Into<String>, code: i32) -> Self {
        Self {
            transaction_id: transaction_id.into(),
            code,
        }
    }

    /// The id of the transaction concerned.
    #[must_use]
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The `TxValidationCode` value, e.g. 11 for `MVCC_READ_CONFLICT`.
    #[must_use]
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The validation code as the protobuf enum, if it is a known value.
    #[must_use]
    pub fn validation_code(&self) -> Option<TxValidationCode> {
        TxValidationCode::try_from(self.code).ok()
    }
}

/// Signing failed (the [`Signer`](crate::Signer) reported an error).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SignError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SignError {
    /// A signing failure with a message.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// A signing failure caused by another error (e.g. an HSM's).
    #[must_use]
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// Loading an identity, a private key or an MSP folder failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A folder that should hold a credential holds no file.
    #[error("no file in {}", path.display())]
    EmptyDirectory {
        /// The folder.
        path: PathBuf,
    },
    /// The private key could not be used.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The certificate could not be used.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
}

/// The connection to the peer could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    message: String,
    #[source]
    source: Option<tonic::transport::Error>,
}

impl TransportError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(message: impl Into<String>, source: tonic::transport::Error) -> Self {
        Self {
            message: message.into(),
            source: Some(source),
        }
    }
}

/// Everything this crate can fail with.
///
/// The gRPC failures keep their step: [`Error::Evaluate`], [`Error::Endorse`],
/// [`Error::Submit`], [`Error::CommitStatus`], [`Error::ChaincodeEvents`];
/// [`Error::code`], [`Error::details`] and [`Error::transaction_id`] read
/// them without matching.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Evaluate failed.
    #[error("evaluate failed: {0}")]
    Evaluate(GatewayError),
    /// Endorse failed.
    #[error(transparent)]
    Endorse(#[from] EndorseError),
    /// Submit failed.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// Getting the commit status failed.
    #[error(transparent)]
    CommitStatus(#[from] CommitStatusError),
    /// The transaction committed with a validation code other than `VALID`.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// The chaincode events call or stream failed.
    #[error("chaincode events failed: {0}")]
    ChaincodeEvents(GatewayError),
    /// The signer failed, or none is configured.
    #[error("signing failed: {0}")]
    Sign(#[from] SignError),
    /// Loading credentials failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Setting up the connection failed.
    #[error("connection failed: {0}")]
    Transport(#[from] TransportError),
    /// The Gateway answered with something that does not decode as expected.
    #[error("invalid response from the gateway: {0}")]
    InvalidResponse(String),
    /// Bytes given to the client (e.g. a serialized proposal to sign
    /// offline) are not what they should be.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A checkpoint could not be read or stored.
    #[error("checkpoint {}: {message}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// No random bytes for the proposal nonce.
    #[error("cannot generate a nonce: {0}")]
    Random(String),
}

impl Error {
    /// The underlying gRPC failure, whichever step it happened in.
    #[must_use]
    pub fn gateway_error(&self) -> Option<&GatewayError> {
        match self {
            Self::Evaluate(e) | Self::ChaincodeEvents(e) => Some(e),
            Self::Endorse(e) => Some(e.gateway_error()),
            Self::Submit(e) => Some(e.gateway_error()),
            Self::CommitStatus(e) => Some(e.gateway_error()),
            _ => None,
        }
    }

    /// The gRPC status code of a failed call (`None` for other errors).
    #[must_use]
    pub fn code(&self) -> Option<Code> {
        self.gateway_error().map(GatewayError::code)
    }

    /// The details of a failed call (empty for other errors).
    #[must_use]
    pub fn details(&self) -> &[ErrorDetail] {
        self.gateway_error().map_or(&[], GatewayError::details)
    }

    /// The transaction concerned, for failures of a transaction's steps.
    #[must_use]
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            Self::Endorse(e) => Some(e.transaction_id()),
            Self::Submit(e) => Some(e.transaction_id()),
            Self::CommitStatus(e) => Some(e.transaction_id()),
            Self::Commit(e) => Some(e.transaction_id()),
            _ => None,
        }
    }
}

/// gRPC's name for a status code, as the official clients print it.
#[must_use]
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The protobuf name of a `TxValidationCode` value (`UNKNOWN` if it has none).
///
/// ```
/// assert_eq!(fabric_gateway_client::validation_code_name(0), "VALID");
/// assert_eq!(fabric_gateway_client::validation_code_name(11), "MVCC_READ_CONFLICT");
/// assert_eq!(fabric_gateway_client::validation_code_name(99), "UNKNOWN");
/// ```
#[must_use]
pub fn validation_code_name(code: i32) -> &'static str {
    TxValidationCode::try_from(code).map_or("UNKNOWN", |c| c.as_str_name())
}

/// The `type_url` of a `gateway.ErrorDetail` packed in an `Any`.
pub(crate) const ERROR_DETAIL_TYPE_URL: &str = "type.googleapis.com/gateway.ErrorDetail";

/// `google.rpc.Status`, the message in the `grpc-status-details-bin` trailer.
use fabric_protos::google::rpc::Status as RpcStatus;

/// Decodes the `gateway.ErrorDetail`s of a `google.rpc.Status`; anything
/// else, or bytes that do not decode, give no detail.
fn details_from_status(bytes: &[u8]) -> Vec<ErrorDetail> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let Ok(status) = RpcStatus::decode(bytes) else {
        return Vec::new();
    };
    status
        .details
        .iter()
        .filter(|any| any.type_url == ERROR_DETAIL_TYPE_URL)
        .filter_map(|any| fabric_protos::gateway::ErrorDetail::decode(any.value.as_slice()).ok())
        .map(|d| ErrorDetail {
            address: d.address,
            msp_id: d.msp_id,
            message: d.message,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with(details: Vec<prost_types::Any>) -> tonic::Status {
        let body = RpcStatus {
            code: Code::Aborted as i32,
            message: "failed".into(),
            details,
        }
        .encode_to_vec();
        tonic::Status::with_details(Code::Aborted, "failed", body.into())
    }

    fn detail_any(address: &str, msp_id: &str, message: &str) -> prost_types::Any {
        prost_types::Any {
            type_url: ERROR_DETAIL_TYPE_URL.into(),
            value: fabric_protos::gateway::ErrorDetail {
                address: address.into(),
                msp_id: msp_id.into(),
                message: message.into(),
            }
            .encode_to_vec(),
        }
    }

    #[test]
    fn details_are_read_and_shown() {
        let error = GatewayError::from_status(status_with(vec![
            detail_any("peer0:7051", "Org1MSP", "chaincode response 500, boom"),
            prost_types::Any {
                type_url: "type.googleapis.com/google.rpc.DebugInfo".into(),
                value: vec![1, 2, 3],
            },
            detail_any("", "Org2MSP", "no answer"),
        ]));
        assert_eq!(error.code(), Code::Aborted);
        assert_eq!(error.details().len(), 2);
        assert_eq!(error.details()[0].msp_id, "Org1MSP");
        assert_eq!(
            error.to_string(),
            "10 ABORTED: failed [details: peer0:7051 (Org1MSP): chaincode response 500, boom; (Org2MSP): no answer]"
        );
    }

    #[test]
    fn undecodable_details_are_ignored() {
        let status = tonic::Status::with_details(Code::Unknown, "x", vec![0xff, 0xff, 0xff].into());
        let error = GatewayError::from_status(status);
        assert!(error.details().is_empty());
        let garbage = prost_types::Any {
            type_url: ERROR_DETAIL_TYPE_URL.into(),
            value: vec![0x0a, 0xff],
        };
        assert!(
            GatewayError::from_status(status_with(vec![garbage]))
                .details()
                .is_empty()
        );
    }

    #[test]
    fn transaction_errors_name_step_and_transaction() {
        let error = Error::from(EndorseError::new(
            "tx1",
            GatewayError::new(Code::Aborted, "failed to endorse transaction"),
        ));
        assert_eq!(
            error.to_string(),
            "endorse of transaction tx1 failed: 10 ABORTED: failed to endorse transaction"
        );
        assert_eq!(error.transaction_id(), Some("tx1"));
        assert_eq!(error.code(), Some(Code::Aborted));
    }
}
