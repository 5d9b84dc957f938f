//! The `#[contract]` and `#[transaction]` attribute macros of
//! [`fabric-contract-api`](https://docs.rs/fabric-contract-api). Use them
//! through that crate: `use fabric_contract_api::contract;`.
//!
//! The crate is organised as parse → model → validate → codegen:
//! `parse` reads attribute options and method signatures into the
//! `model`, `validate` checks across items, `codegen` writes the
//! `Contract` implementation. Mistakes are collected and reported together.
#![forbid(unsafe_code)]

mod codegen;
mod diag;
mod model;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Turns an `impl` block into a Fabric contract: implements
/// `fabric_contract_api::Contract` for its type, so that the contract can be
/// added to a `ContractChaincode`.
///
/// ```
/// use fabric_contract_api::{contract, Context, ContractError};
///
/// #[derive(Default)]
/// pub struct AssetContract;
///
/// /// Manages assets (this doc comment is the contract's description).
/// #[contract(name = "basic", default, version = "1.0.0")]
/// impl AssetContract {
///     /// Creates an asset.
///     ///
///     /// * `id` - the asset's id
///     /// * `size` - its size
///     #[transaction]
///     pub async fn create_asset(&self, ctx: &Context, id: String, size: u32) -> Result<(), ContractError> {
///         ctx.stub().put_state(&id, size.to_string().into_bytes()).await?;
///         Ok(())
///     }
///
///     #[transaction(evaluate)]
///     pub async fn asset_exists(&self, ctx: &Context, id: String) -> Result<bool, ContractError> {
///         Ok(ctx.stub().get_state(&id).await?.is_some())
///     }
///
///     fn helper(&self) {} // no attribute: an ordinary method
/// }
/// ```
///
/// # Options
///
/// `#[contract(...)]` takes, all optional:
///
/// | option | meaning |
/// |---|---|
/// | `name = "..."` | the contract name, the `Contract` of `Contract:Transaction` (default: the type's name) |
/// | `default` | calls without a contract prefix come here |
/// | `title = "..."`, `version = "..."` | the metadata `info` (defaults: the contract name, `latest`) |
/// | `description = "..."` | the `info` description (default: the impl block's doc comment) |
/// | `terms_of_service = "..."` | `info.termsOfService` |
/// | `license = "..."` or `license(name = "...", url = "...")` | `info.license` |
/// | `contact(name = "...", email = "...", url = "...")` | `info.contact` |
///
/// # Transactions
///
/// Methods marked [`#[transaction]`](macro@transaction) are the contract's
/// transactions; other methods are left alone. A transaction:
///
/// * takes `&self` (a contract is shared by concurrent transactions: keep
///   state in the ledger), then the context, `ctx: &Context` or `&T` for a
///   custom context type `T: TransactionContext` (the same type, written
///   the same way, in every transaction and hook of the contract), then its
///   parameters, whose Rust names (without `r#`) are their metadata names;
/// * may be `async fn` or `fn`, and cannot be generic;
/// * names each parameter plainly (`id: String`, no patterns) and takes it by
///   value: any type that is `DeserializeOwned + JsonSchema`. Strings,
///   numbers and booleans arrive as text, `Vec<u8>` as raw bytes, everything
///   else as JSON;
/// * returns nothing, a value `T`, or `Result<T, E>` where `T: Serialize +
///   JsonSchema` and `E` is a `ContractError` (kept with its payload) or any
///   `Display` error (its message is sent). A return type is fallible when
///   it is written as a path ending in `Result` with one or two type
///   arguments (`Result<T, E>`, `std::result::Result<T, E>`, an alias such
///   as `my_crate::Result<T>`); an alias with another name
///   (`type Fallible<T> = ...`) looks like a plain value to the macro and is
///   rejected as one: spell it as `Result<...>`.
///
/// Every argument is decoded before the transaction runs: a bad argument
/// never runs it.
///
/// # Parameter descriptions
///
/// The metadata describes a parameter with its doc comment, written on the
/// parameter itself (`#[contract]` removes it before rustc, which does not
/// allow doc comments on parameters, sees it) or as an item of a list in the
/// method's doc comment, starting with the parameter's name, in backticks or
/// not, then `-` or `:`:
///
/// ```
/// # use fabric_contract_api::{contract, Context};
/// # struct Assets;
/// # #[contract]
/// # impl Assets {
/// /// Transfers an asset.
/// ///
/// /// # Arguments
/// /// * `id` - the asset's id
/// /// * new_owner: who receives it
/// #[transaction]
/// fn transfer(
///     &self,
///     ctx: &Context,
///     /// overrides the list
///     id: String,
///     new_owner: String,
/// ) {
/// }
/// # }
/// ```
///
/// # Hooks
///
/// At most one method of each:
///
/// * `#[before_transaction] fn before(&self, ctx: &C) [-> Result<(), E>]`
///   runs before every call, to a known function or not; an error is returned instead.
/// * `#[after_transaction] fn after(&self, ctx: &C[, payload: &[u8]]) [-> Result<(), E>]`
///   runs after every successful call, with the serialized result; an error replaces it.
/// * `#[unknown_transaction] fn unknown(&self, ctx: &C) [-> T | Result<T, E>]`
///   runs for functions the contract does not have; its result is sent like
///   a transaction's. Without it, such calls fail with
///   "Function X not found in contract Y".
///
/// Hooks may be `async` too. The hook attributes only mean something inside
/// a `#[contract]` impl block.
#[proc_macro_attribute]
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::contract(attr.into(), item.into()).into()
}

/// Marks a method of a [`#[contract]`](macro@contract) impl block as a
/// transaction; see there for the rules.
///
/// * `#[transaction]` or `#[transaction(submit)]`: a transaction that
///   changes the ledger (tags `submit`, `SUBMIT`, `submitTx`);
/// * `#[transaction(evaluate)]`: a query (tags `evaluate`, `EVALUATE`);
/// * `name = "..."`: the name clients call (default: the method name in
///   PascalCase, `create_asset` → `CreateAsset`), combinable with either:
///   `#[transaction(evaluate, name = "ReadIt")]`.
///
/// `#[contract]` consumes these attributes, so there is no need to import
/// this macro; it only runs, to report an error, on a method outside a
/// `#[contract]` impl block.
#[proc_macro_attribute]
pub fn transaction(_attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::transaction_outside_contract(item.into()).into()
}
