//! Hyperledger Fabric chaincode shim.
#![forbid(unsafe_code)]

mod chaincode;
mod error;
mod keys;
pub mod message;
pub mod proto;
pub mod session;
mod stub;
pub mod transport;

use std::sync::Arc;

pub use chaincode::{Chaincode, ERROR, ERROR_THRESHOLD, OK, Response, error, success};
pub use error::{Error, Result};
pub use keys::{create_composite_key, split_composite_key};
pub use message::MessageType;
pub use session::PeerParams;
pub use stub::{
    ChaincodeStub, HistoryQueryIterator, QueryIterator, QueryResponseMetadata, StateQueryIterator,
};

/// Starts a chaincode in the mode its environment selects (see
/// [`transport::StartMode::from_sources`]) on a single-threaded runtime, and
/// returns when the connection ends or the server is stopped.
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
pub fn start<C: Chaincode>(chaincode: C) -> Result<()> {
    let mode = transport::StartMode::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Transport(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(transport::run(Arc::new(chaincode), mode))
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
