#![doc = include_str!("../README.md")]
//!
//! ## Layers
//!
//! | module | owns |
//! |---|---|
//! | [`transport`] | the tonic [`Channel`] to a peer: plaintext, TLS, server name override, mutual TLS |
//! | [`identity`], [`signing`], [`msp`] | who signs: [`Identity`], the [`Signer`] trait, [`HashAlgorithm`], the built-in [`EcdsaSigner`], MSP folders |
//! | [`proposal`] | the `SignedProposal` layout, transaction ids, [`Proposal`] (evaluate / endorse) |
//! | [`transaction`] | the endorsed [`Transaction`], submitting it, [`Commit`] status |
//! | [`gateway`], [`network`], [`contract`] | the API: [`Gateway`] → [`Network`] → [`Contract`] |
//! | [`events`], [`checkpoint`] | chaincode event streams and checkpointers |
//! | [`error`] | the official clients' error model |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checkpoint;
pub mod contract;
pub mod error;
pub mod events;
pub mod gateway;
pub mod identity;
pub mod msp;
pub mod network;
pub mod proposal;
pub mod signing;
pub mod transaction;
pub mod transport;

pub use checkpoint::{Checkpointer, FileCheckpointer, InMemoryCheckpointer};
pub use contract::{Contract, NO_ARGS, ProposalBuilder};
pub use error::{
    CommitError, CommitStatusError, EndorseError, Error, ErrorDetail, GatewayError, IdentityError,
    SignError, SubmitError, TransportError, code_name, validation_code_name,
};
pub use events::{ChaincodeEvent, ChaincodeEventStream, ChaincodeEventsBuilder, EventsRequest};
pub use gateway::{Gateway, GatewayBuilder};
pub use identity::Identity;
pub use network::Network;
pub use proposal::Proposal;
pub use signing::{EcdsaSigner, FnSigner, HashAlgorithm, SignFuture, Signer, signer_fn};
pub use transaction::{Commit, Status, SubmittedTransaction, Transaction};
pub use transport::PeerEndpoint;

/// The protobuf `TxValidationCode` of commit statuses.
pub use fabric_protos::protos::TxValidationCode;
/// The gRPC status codes of [`GatewayError::code`].
pub use tonic::Code;
/// A tonic channel, for [`GatewayBuilder::connection`].
pub use tonic::transport::Channel;
