//! A local development peer for Hyperledger Fabric chaincode.
//!
//! It is the peer's side of the chaincode protocol with an embedded ledger:
//! chaincodes dial it (`ChaincodeSupport.Register`) or it dials them
//! (`Chaincode.Connect`), and it runs transactions as a Fabric peer does —
//! simulation against committed state, commit on successful submit, history,
//! private data, pagination, rich queries, events and calls between chaincodes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod connection;
mod error;
#[cfg(feature = "explorer")]
pub mod explorer;
pub mod gateway;
mod handler;
pub mod identity;
pub mod ledger;
pub mod msp;
pub mod network;
mod peer;
pub mod richquery;
pub mod scaffold;
pub mod simulation;

pub use connection::{
    ClientTls, Connection, RegisterServer, ServerTls, dial_chaincode, in_process,
};
pub use error::{PeerError, Result};
pub use handler::{ChaincodeHandle, MessageStats};
pub use identity::{DevIdentity, IdentitySpec};
pub use ledger::Ledger;
pub use peer::{CommittedEvent, DevPeer, Invocation, Mode, PeerConfig, TxOutcome};
#[doc(hidden)]
pub use prost_types as __prost_types;
