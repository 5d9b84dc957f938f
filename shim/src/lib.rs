//! The Hyperledger Fabric chaincode shim: the process side of Fabric's
//! chaincode protocol.
//!
//! A chaincode is a process that talks to its peer over one gRPC stream of
//! `ChaincodeMessage`s. This crate owns that conversation:
//!
//! * [`transport`]: both connection modes — the chaincode dials the peer's
//!   `ChaincodeSupport.Register` ([`transport::dial`]), or serves
//!   `Chaincode.Connect` as chaincode-as-a-service
//!   ([`transport::ChaincodeServer`]) — with TLS and mutual TLS, configured
//!   from the environment variables and flags Fabric's launchers use, a
//!   graceful shutdown on SIGTERM and gRPC health checks;
//! * [`session`]: the handler state machine (REGISTER → REGISTERED → READY,
//!   concurrent transactions, replies routed by channel and transaction id,
//!   KEEPALIVE, COMPLETED/ERROR, panic isolation);
//! * [`ChaincodeStub`]: the whole stub API of the Go shim v2.3 — state,
//!   ranges, composite keys, rich queries, pagination, history, private data,
//!   key-level endorsement, events, calls to other chaincodes, proposal
//!   accessors, write batches and multi-get;
//! * [`logging`]: the log set-up of a chaincode process (text or JSON lines).
//!
//! Most contracts are written with `fabric-contract-api`, which builds on
//! this crate; implement [`Chaincode`] directly for full control:
//!
//! ```no_run
//! use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
//!
//! struct KeyValue;
//!
//! impl Chaincode for KeyValue {
//!     async fn invoke(&self, stub: &ChaincodeStub) -> Response {
//!         let (function, params) = stub.function_and_parameters();
//!         let result = match (function.as_str(), params.as_slice()) {
//!             ("Put", [key, value]) => stub.put_state(key, value.clone()).await.map(|()| Vec::new()),
//!             ("Get", [key]) => stub.get_state(key).await.map(|v| v.map(|b| b.to_vec()).unwrap_or_default()),
//!             _ => return error(format!("unknown function {function}")),
//!         };
//!         match result {
//!             Ok(payload) => success(payload),
//!             Err(e) => error(e.to_string()),
//!         }
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     fabric_chaincode_shim::logging::init();
//!     // Dials the peer (`--peer.address`, `CORE_CHAINCODE_ID_NAME`, ...) or,
//!     // with `CHAINCODE_SERVER_ADDRESS` set, serves it; stops gracefully on SIGTERM.
//!     match fabric_chaincode_shim::start(KeyValue) {
//!         Ok(()) => std::process::ExitCode::SUCCESS,
//!         Err(e) => {
//!             eprintln!("chaincode stopped: {e}");
//!             std::process::ExitCode::FAILURE
//!         }
//!     }
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod chaincode;
mod error;
mod keys;
#[cfg(feature = "runtime")]
pub mod logging;
pub mod message;
/// Fabric's protobuf types (the `fabric-protos` crate).
pub use fabric_protos as proto;
pub mod session;
mod stub;
#[cfg(feature = "runtime")]
pub mod transport;

pub use chaincode::{Chaincode, ERROR, ERROR_THRESHOLD, OK, Response, error, success};
pub use error::{Error, Result, error_chain};
pub use keys::{create_composite_key, split_composite_key};
pub use message::MessageType;
pub use session::PeerParams;
pub use stub::{
    ChaincodeStub, HistoryQueryIterator, QueryIterator, QueryResponseMetadata, StateQueryIterator,
};

/// Starts a chaincode in the mode its environment selects (see
/// [`transport::StartMode::from_sources`] and
/// [`transport::LifecycleConfig::from_sources`]) on a single-threaded
/// runtime, and returns when the connection ends or, on SIGTERM or Ctrl-C,
/// after a graceful shutdown (see [`transport::run`]): `Ok(())` when every
/// transaction completed (or when the peer closed the connection of a
/// dialling chaincode), [`Error::DrainTimeout`] when some had to be cut off.
///
/// It does not install a log subscriber: call [`logging::init`] first for
/// the one `fabric-contract-api` chaincodes use.
///
/// ```no_run
/// # use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, success};
/// struct Hello;
/// impl Chaincode for Hello {
///     async fn invoke(&self, _stub: &ChaincodeStub) -> Response { success("hello") }
/// }
///
/// fn main() {
///     if let Err(e) = fabric_chaincode_shim::start(Hello) {
///         eprintln!("chaincode stopped: {e}");
///         std::process::exit(1);
///     }
/// }
/// ```
#[cfg(feature = "runtime")]
pub fn start<C: Chaincode>(chaincode: C) -> Result<()> {
    let mode = transport::StartMode::from_env()?;
    let lifecycle = transport::LifecycleConfig::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Transport(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(transport::run(
        std::sync::Arc::new(chaincode),
        mode,
        &lifecycle,
    ))
}

static LOCAL_MSPID: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// The local MSP id of the peer (`CORE_PEER_LOCALMSPID`, which the peer sets
/// for the chaincodes it launches), as Go's `shim.GetMSPID`.
///
/// ```
/// fabric_chaincode_shim::set_local_mspid(Some("Org1MSP"));
/// assert_eq!(fabric_chaincode_shim::local_mspid().unwrap(), "Org1MSP");
/// ```
pub fn local_mspid() -> Result<String> {
    if let Some(mspid) = LOCAL_MSPID
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
    {
        return Ok(mspid);
    }
    std::env::var("CORE_PEER_LOCALMSPID")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Config("'CORE_PEER_LOCALMSPID' is not set".into()))
}

/// Sets (or with `None` clears) the value [`local_mspid`] returns instead of
/// the environment variable, for the whole process: for tests, where setting
/// environment variables is not thread-safe.
pub fn set_local_mspid(mspid: Option<&str>) {
    *LOCAL_MSPID.write().unwrap_or_else(|e| e.into_inner()) = mspid.map(str::to_owned);
}
