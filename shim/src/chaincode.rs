//! The [`Chaincode`] trait a chaincode implements, and [`Response`] helpers.

use std::future::Future;

use bytes::Bytes;

pub use crate::proto::protos::Response;
use crate::stub::ChaincodeStub;

/// Status of a successful response.
pub const OK: i32 = 200;
/// Statuses from this value up are errors: the peer does not endorse them.
pub const ERROR_THRESHOLD: i32 = 400;
/// Status of an application error.
pub const ERROR: i32 = 500;

/// A successful response (status 200) carrying `payload`.
///
/// ```
/// let r = fabric_chaincode_shim::success("done");
/// assert_eq!((r.status, &r.payload[..]), (200, &b"done"[..]));
/// ```
pub fn success(payload: impl Into<Bytes>) -> Response {
    Response {
        status: OK,
        message: String::new(),
        payload: payload.into(),
    }
}

/// An error response (status 500) with `message`.
///
/// ```
/// let r = fabric_chaincode_shim::error("asset a1 does not exist");
/// assert_eq!((r.status, r.message.as_str()), (500, "asset a1 does not exist"));
/// ```
pub fn error(message: impl Into<String>) -> Response {
    Response {
        status: ERROR,
        message: message.into(),
        payload: Bytes::new(),
    }
}

/// A chaincode: what the peer calls for each transaction.
///
/// `invoke` runs for every TRANSACTION message and `init` for INIT messages
/// (sent only for chaincode definitions that require initialization); by
/// default `init` is `invoke`, as in Fabric's contract APIs. Both may run
/// concurrently for different transactions. Whatever they return is sent to
/// the peer in a COMPLETED message; a panic becomes a status-500 response for
/// that transaction only.
///
/// ```
/// use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
///
/// struct Counter;
///
/// impl Chaincode for Counter {
///     async fn invoke(&self, stub: &ChaincodeStub) -> Response {
///         let (function, _params) = stub.function_and_parameters();
///         match function.as_str() {
///             "Increment" => {
///                 let current = match stub.get_state("count").await {
///                     Ok(v) => v.map(|b| String::from_utf8_lossy(&b).parse::<u64>().unwrap_or(0)),
///                     Err(e) => return error(e.to_string()),
///                 };
///                 let next = current.unwrap_or(0) + 1;
///                 match stub.put_state("count", next.to_string()).await {
///                     Ok(()) => success(next.to_string()),
///                     Err(e) => error(e.to_string()),
///                 }
///             }
///             other => error(format!("unknown function {other}")),
///         }
///     }
/// }
/// ```
pub trait Chaincode: Send + Sync + 'static {
    /// Handles a TRANSACTION.
    fn invoke(&self, stub: &ChaincodeStub) -> impl Future<Output = Response> + Send;

    /// Handles an INIT; defaults to [`Chaincode::invoke`].
    fn init(&self, stub: &ChaincodeStub) -> impl Future<Output = Response> + Send {
        self.invoke(stub)
    }
}
