//! The [`Contract`] trait that `#[contract]` implements.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::context::Context;
use crate::error::ContractError;
use crate::metadata::{Info, MetadataBuilder, TransactionMetadata};

/// A boxed future, as returned by [`Contract::dispatch`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A contract: a named set of transactions. `#[contract]` implements it for
/// the struct whose `impl` block it annotates; implement it by hand only for
/// unusual routing needs.
pub trait Contract: Send + Sync + 'static {
    /// The contract's name: the `Contract` part of `Contract:Transaction`.
    fn name(&self) -> &str;

    /// Whether calls without a contract prefix come here. Without any
    /// default contract, the first one registered is the default (as in Go and Node).
    fn is_default(&self) -> bool {
        false
    }

    /// Descriptive info for the metadata.
    fn info(&self) -> Info {
        Info::new(self.name(), "latest")
    }

    /// Whether `function` names one of the transactions.
    fn has_transaction(&self, function: &str) -> bool;

    /// The transactions' metadata, in declaration order.
    fn transactions(&self, builder: &mut MetadataBuilder) -> Vec<TransactionMetadata>;

    /// Runs `function` with `args` (the arguments after the function name).
    /// Unknown functions go to the contract's unknown-transaction hook, or fail.
    fn dispatch<'a>(
        &'a self,
        ctx: Context,
        function: &'a str,
        args: &'a [Bytes],
    ) -> BoxFuture<'a, Result<Bytes, ContractError>>;
}
