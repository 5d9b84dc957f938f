//! The transaction context passed to every transaction.

use std::sync::OnceLock;

use fabric_chaincode_shim::ChaincodeStub;

use crate::identity::{ClientIdentity, IdentityError};

/// What a transaction knows about itself: the stub (ledger access, proposal,
/// arguments) and the client identity of the submitter.
///
/// A new context is created for every transaction.
///
/// ```no_run
/// use fabric_contract_api::{Context, ContractError};
///
/// async fn read_owner(ctx: &Context, id: &str) -> Result<String, ContractError> {
///     let value = ctx.stub().get_state(id).await?;
///     let submitter = ctx.client_identity()?.id()?;
///     Ok(format!("{submitter} read {} bytes", value.map_or(0, |v| v.len())))
/// }
/// ```
#[derive(Debug)]
pub struct Context {
    stub: ChaincodeStub,
    function: String,
    /// Boxed: most transactions never parse it, and the context is part of
    /// every transaction's future (twice, as `dispatch` moves it).
    identity: OnceLock<Box<Result<ClientIdentity, IdentityError>>>,
}

impl Context {
    /// A context for the transaction of `stub`, running `function`.
    pub fn new(stub: ChaincodeStub, function: impl Into<String>) -> Self {
        Context {
            stub,
            function: function.into(),
            identity: OnceLock::new(),
        }
    }

    /// The stub: ledger access and the transaction's proposal.
    pub fn stub(&self) -> &ChaincodeStub {
        &self.stub
    }

    /// The name of the transaction function being run (without the contract prefix).
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The client identity of the transaction's creator, parsed on first use.
    pub fn client_identity(&self) -> Result<&ClientIdentity, IdentityError> {
        self.identity
            .get_or_init(|| Box::new(ClientIdentity::from_creator(self.stub.creator())))
            .as_ref()
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A custom transaction context: declare a transaction's context parameter
/// with your own type (`ctx: &MyContext`) and it is built from the standard
/// [`Context`] for every transaction (the Rust counterpart of Go's
/// `TransactionContextHandler` and Node's `createContext`). All transactions
/// and hooks of one contract use the same context type.
///
/// ```
/// use fabric_contract_api::{Context, TransactionContext};
///
/// struct AuditedContext {
///     base: Context,
///     started: std::time::Instant,
/// }
///
/// impl TransactionContext for AuditedContext {
///     fn from_context(base: Context) -> Self {
///         AuditedContext { base, started: std::time::Instant::now() }
///     }
///     fn context(&self) -> &Context {
///         &self.base
///     }
/// }
/// ```
pub trait TransactionContext: Send + Sync + Sized + 'static {
    /// Builds the context of one transaction.
    fn from_context(base: Context) -> Self;
    /// The standard context inside.
    fn context(&self) -> &Context;
}

impl TransactionContext for Context {
    fn from_context(base: Context) -> Self {
        base
    }

    fn context(&self) -> &Context {
        self
    }
}
