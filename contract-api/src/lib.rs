//! Write Hyperledger Fabric smart contracts as plain Rust structs.
//!
//! Annotate an `impl` block with [`#[contract]`](contract) and its methods
//! with [`#[transaction]`](transaction); the macros generate the routing by
//! transaction name (`Contract:Transaction`), argument decoding, result
//! encoding and the contract metadata that Fabric tooling reads, all checked
//! at compile time. Clients written for the Go or Node version of a contract
//! work unchanged: same names, encodings and status codes.
//!
//! ```
//! use fabric_contract_api::{contract, Context, ContractChaincode, ContractError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, schemars::JsonSchema)]
//! pub struct Asset {
//!     #[serde(rename = "ID")]
//!     pub id: String,
//!     #[serde(rename = "Owner")]
//!     pub owner: String,
//! }
//!
//! #[derive(Default)]
//! pub struct AssetContract;
//!
//! #[contract(default)]
//! impl AssetContract {
//!     /// Creates an asset; answers `CreateAsset`.
//!     #[transaction]
//!     pub async fn create_asset(&self, ctx: &Context, id: String, owner: String) -> Result<(), ContractError> {
//!         if ctx.stub().get_state(&id).await?.is_some() {
//!             return Err(ContractError::new(format!("the asset {id} already exists")));
//!         }
//!         let asset = Asset { id: id.clone(), owner };
//!         ctx.stub().put_state(&id, serde_json::to_vec(&asset)?).await?;
//!         Ok(())
//!     }
//!
//!     /// Reads an asset; answers `ReadAsset` with its JSON.
//!     #[transaction(evaluate)]
//!     pub async fn read_asset(&self, ctx: &Context, id: String) -> Result<Asset, ContractError> {
//!         let bytes = ctx.stub().get_state(&id).await?;
//!         let bytes = bytes.ok_or_else(|| ContractError::new(format!("the asset {id} does not exist")))?;
//!         Ok(serde_json::from_slice(&bytes)?)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // In a test: the same dispatch as production, on an in-memory ledger.
//! let kit = fabric_contract_api::testing::TestKit::new(ContractChaincode::new().add(AssetContract)).await;
//! assert_eq!(kit.submit(&["CreateAsset", "a1", "Tomoko"]).await.status(), 200);
//! assert_eq!(kit.evaluate(&["ReadAsset", "a1"]).await.payload_text(), r#"{"ID":"a1","Owner":"Tomoko"}"#);
//! # }
//! ```
//!
//! In the chaincode's `main`, one line registers the contracts and connects
//! to the peer in whichever mode the environment says:
//! `fabric_contract_api::main!(AssetContract);` (see [`main!`]).
//!
//! The modules: [`identity`] (client identity, compatible with Go's `cid`),
//! [`endorsement`] (key-level endorsement policies, byte-identical to Go's
//! `statebased`), [`metadata`], [`codec`] (the encodings), and, with the
//! `testing` feature, [`testing`](crate#testing) (the test kit).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate self as fabric_contract_api;

mod chaincode;
#[cfg(feature = "client")]
pub mod client;
pub mod codec;
mod context;
mod contract;
pub mod endorsement;
mod error;
pub mod identity;
pub mod json;
#[cfg(feature = "runtime")]
mod logging;
pub mod metadata;
mod override_file;
#[cfg(feature = "testing")]
pub mod testing;

pub use chaincode::ContractChaincode;
pub use context::{Context, TransactionContext};
pub use contract::{BoxFuture, Contract};
pub use error::ContractError;
pub use fabric_chaincode_shim as shim;
pub use fabric_chaincode_shim::ChaincodeStub;
pub use fabric_contract_macros::{contract, transaction};
pub use metadata::{Contact, Info, License};

/// Registers contracts and starts the chaincode: a one-line `main`.
///
/// ```no_run
/// # use fabric_contract_api::{contract, Context};
/// # #[derive(Default)] struct AssetContract;
/// # #[contract] impl AssetContract { #[transaction] fn ping(&self, _ctx: &Context) {} }
/// fabric_contract_api::main!(AssetContract::default());
/// ```
///
/// The chaincode's metadata `info` takes the crate's name and version.
/// Needs the `runtime` feature (on by default).
#[cfg(feature = "runtime")]
#[macro_export]
macro_rules! main {
    ($($contract:expr),+ $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            $crate::ContractChaincode::new()
                .with_info($crate::Info::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
                $(.add($contract))+
                .start()
        }
    };
}

/// Keeps the typed client `#[contract]` generates when the `client`
/// feature is on (used by the generated code).
#[cfg(feature = "client")]
#[doc(hidden)]
#[macro_export]
macro_rules! __client {
    ($($item:tt)*) => { $($item)* };
}

/// Drops the typed client `#[contract]` generates: the `client` feature is
/// off (used by the generated code).
#[cfg(not(feature = "client"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __client {
    ($($item:tt)*) => {};
}

/// Used by the code `#[contract]` generates; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::{
        ArgSite, ArgUnsupported, ArgViaJson, ArgViaText, Codec, DecodeRetUnsupported,
        DecodeRetViaJson, DecodeRetViaText, EncodeArgUnsupported, EncodeArgViaJson,
        EncodeArgViaText, ErrorUnsupported, ErrorViaContractError, ErrorViaDisplay, ErrorWrap,
        RetUnsupported, RetViaJson, RetViaText, check_arity,
    };
    pub use crate::metadata::{
        Contact, ContractMetadata, Info, License, MetadataBuilder, ParameterMetadata,
        TransactionMetadata, evaluate_tags, submit_tags,
    };
    pub use crate::{BoxFuture, Context, Contract, ContractError, TransactionContext};

    /// The typed clients' runtime.
    #[cfg(feature = "client")]
    pub use crate::client;
    pub use bytes::Bytes;
    pub use schemars;
    pub use serde;
    pub use serde_json;

    /// Merges the text of a metadata override file into the metadata of
    /// `chaincode` (for the fuzzer).
    pub fn merge_metadata_override(
        chaincode: &crate::ContractChaincode,
        text: &str,
    ) -> Result<crate::metadata::ChaincodeMetadata, ContractError> {
        let generated = chaincode.metadata()?;
        crate::override_file::merge(
            std::path::Path::new("META-INF/metadata.json"),
            text,
            generated,
        )
    }

    /// The error for a function the contract does not have.
    pub fn unknown_function(function: &str, contract: &str) -> ContractError {
        ContractError::new(format!(
            "Function {function} not found in contract {contract}"
        ))
    }

    /// Asserts at compile time, at the parameter's span, that a type can be a parameter.
    pub fn assert_parameter<T: crate::codec::Parameter>() {}

    /// Asserts at compile time that a type can be returned.
    pub fn assert_return<T: crate::codec::TransactionResult>() {}

    /// Asserts at compile time that a type can be a transaction's error.
    pub fn assert_error<E: crate::codec::TransactionError>() {}

    /// Asserts at compile time that a typed client can send a parameter type.
    pub fn assert_client_argument<T: crate::codec::ClientArgument>() {}

    /// Asserts at compile time that a typed client can read a result type.
    pub fn assert_client_result<T: crate::codec::ClientResult>() {}
}
