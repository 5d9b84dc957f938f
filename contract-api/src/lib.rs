//! Write Hyperledger Fabric smart contracts as plain Rust structs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate self as fabric_contract_api;

mod chaincode;
pub mod codec;
mod context;
mod contract;
pub mod endorsement;
mod error;
pub mod identity;
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

/// Used by the code `#[contract]` generates; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::{
        ArgSite, ArgViaJson, ArgViaText, Codec, ErrorViaContractError, ErrorViaDisplay, ErrorWrap,
        RetViaJson, RetViaText, check_arity,
    };
    pub use crate::metadata::{
        Contact, ContractMetadata, Info, License, MetadataBuilder, ParameterMetadata,
        TransactionMetadata, evaluate_tags, submit_tags,
    };
    pub use crate::{BoxFuture, Context, Contract, ContractError, TransactionContext};
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
    pub fn assert_parameter<T: serde::de::DeserializeOwned + schemars::JsonSchema>() {}

    /// Asserts at compile time that a type can be returned.
    pub fn assert_return<T: serde::Serialize + schemars::JsonSchema>() {}

    /// Asserts at compile time that a type can be a transaction's error.
    pub fn assert_error<E: std::fmt::Display>() {}
}
