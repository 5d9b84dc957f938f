//! [`ContractError`]: what a failing transaction returns to the client.

use std::fmt;

use bytes::Bytes;
use fabric_chaincode_shim::{ERROR, Response};

/// An error returned to the client as a response with status 500 (by
/// default), a message and an optional payload.
///
/// Any error type that implements `Display` can be returned from a
/// transaction; it becomes a `ContractError` with its message. Return a
/// `ContractError` yourself to attach a payload (Fabric's Gateway SDKs
/// expose it as the error's details) or another status of at least 400.
///
/// ```
/// use fabric_contract_api::ContractError;
///
/// let err = ContractError::new("asset a1 does not exist").with_payload(r#"{"code":"NOT_FOUND"}"#);
/// assert_eq!(err.status(), 500);
/// assert_eq!(err.to_string(), "asset a1 does not exist");
/// let response = err.into_response();
/// assert_eq!(&response.payload[..], br#"{"code":"NOT_FOUND"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    status: i32,
    message: String,
    payload: Bytes,
}

impl ContractError {
    /// An error with status 500 and `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ContractError {
            status: ERROR,
            message: message.into(),
            payload: Bytes::new(),
        }
    }

    /// Attaches a payload returned to the client with the error.
    pub fn with_payload(mut self, payload: impl Into<Bytes>) -> Self {
        self.payload = payload.into();
        self
    }

    /// Sets the status. Values below 400 would make the peer endorse the
    /// transaction as a success, so they are raised to 500.
    pub fn with_status(mut self, status: i32) -> Self {
        self.status = if status < fabric_chaincode_shim::ERROR_THRESHOLD {
            ERROR
        } else {
            status
        };
        self
    }

    /// The status sent to the client.
    pub fn status(&self) -> i32 {
        self.status
    }

    /// The message sent to the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The payload sent to the client (empty when none).
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The response the peer receives.
    pub fn into_response(self) -> Response {
        Response {
            status: self.status,
            message: self.message,
            payload: self.payload,
        }
    }
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ContractError {}

impl From<fabric_chaincode_shim::Error> for ContractError {
    fn from(e: fabric_chaincode_shim::Error) -> Self {
        ContractError::new(e.to_string())
    }
}

impl From<crate::identity::IdentityError> for ContractError {
    fn from(e: crate::identity::IdentityError) -> Self {
        ContractError::new(e.to_string())
    }
}

impl From<crate::endorsement::EndorsementError> for ContractError {
    fn from(e: crate::endorsement::EndorsementError) -> Self {
        ContractError::new(e.to_string())
    }
}

impl From<serde_json::Error> for ContractError {
    fn from(e: serde_json::Error) -> Self {
        ContractError::new(e.to_string())
    }
}

impl From<String> for ContractError {
    fn from(message: String) -> Self {
        ContractError::new(message)
    }
}

impl From<&str> for ContractError {
    fn from(message: &str) -> Self {
        ContractError::new(message)
    }
}
