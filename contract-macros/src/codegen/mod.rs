//! From the model to Rust: the `Contract` implementation and its type checks.
//!
//! Everything generated sits in `const _: () = { ... };`, names the runtime
//! only through `::fabric_contract_api::__private`, and prefixes its own
//! identifiers with `__fabric_`.

mod checks;
mod client;
mod dispatch;
mod metadata;
#[cfg(test)]
mod tests;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Item, ItemImpl};

use crate::diag::Errors;
use crate::model::{Contract, Return};
use crate::{parse, validate};

/// The expansion of `#[contract(attr)] item`.
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_impl = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Impl(item_impl)) => item_impl,
        Ok(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "#[contract] goes on an `impl` block: `#[contract] impl MyContract { ... }`",
            );
            return with_errors(item, error.to_compile_error());
        }
        Err(error) => return with_errors(item, error.to_compile_error()),
    };

    let mut errors = Errors::default();
    let args = parse::contract_args(attr, &mut errors);
    let model = parse::contract(args, &item_impl, &mut errors);
    validate::contract(&model, &mut errors);

    let mut cleaned = item_impl.clone();
    parse::strip(&mut cleaned);
    if !errors.is_empty() {
        // The impl (so that its methods exist), the errors, and a placeholder
        // `Contract` impl (so that code registering the contract does not add
        // errors of its own).
        let fallback = fallback(&item_impl);
        let errors = errors.to_compile_errors();
        return quote!(#cleaned #errors #fallback);
    }
    let generated = generate(&model);
    quote!(#cleaned #generated)
}

/// The expansion of `#[transaction]` when it runs by itself: `#[contract]`
/// removes the `#[transaction]`s of its impl before they can run, so this one
/// is not inside a contract.
pub fn transaction_outside_contract(item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        Span::call_site(),
        "#[transaction] must be used on a method inside an `impl` block annotated with #[contract]",
    );
    with_errors(item, error.to_compile_error())
}

fn with_errors(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#item #errors)
}

/// The path of the runtime's hidden module.
fn private() -> TokenStream {
    quote!(::fabric_contract_api::__private)
}

/// The `Ok` (or plain) type of a return, `None` for `()`.
fn value_type(ret: &Return) -> Option<&syn::Type> {
    match ret {
        Return::Unit => None,
        Return::Value(ty) | Return::Result { ok: ty, .. } => Some(ty),
    }
}

fn generate(contract: &Contract) -> TokenStream {
    let p = private();
    let self_ty = &contract.self_ty;
    let name = &contract.name;
    let default = contract.default;
    let info = metadata::info(contract);
    let transactions = metadata::transactions(contract);
    let wire_names = contract.transactions.iter().map(|t| &t.wire_name);
    let dispatch = dispatch::dispatch(contract);
    let checks = checks::checks(contract);
    let client = client::client(contract);
    quote! {
        const _: () = {
            #[allow(unused_imports)]
            use #p::{
                ArgUnsupported as _, ArgViaJson as _, ArgViaText as _, ErrorUnsupported as _,
                ErrorViaContractError as _, ErrorViaDisplay as _, RetUnsupported as _,
                RetViaJson as _, RetViaText as _,
            };

            #[automatically_derived]
            #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
            impl #p::Contract for #self_ty {
                fn name(&self) -> &str {
                    #name
                }

                fn is_default(&self) -> bool {
                    #default
                }

                fn info(&self) -> #p::Info {
                    #info
                }

                fn has_transaction(&self, __fabric_function: &str) -> bool {
                    ::core::matches!(__fabric_function, #(#wire_names)|*)
                }

                fn transactions(
                    &self,
                    __fabric_builder: &mut #p::MetadataBuilder,
                ) -> ::std::vec::Vec<#p::TransactionMetadata> {
                    #transactions
                }

                #dispatch
            }

            #checks
        };

        #client
    }
}

/// A `Contract` impl whose methods are never run, emitted with errors.
fn fallback(item: &ItemImpl) -> TokenStream {
    if item.trait_.is_some()
        || !item.generics.params.is_empty()
        || !matches!(&*item.self_ty, syn::Type::Path(_))
    {
        return TokenStream::new();
    }
    let p = private();
    let self_ty = item.self_ty.to_token_stream();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::Contract for #self_ty {
                fn name(&self) -> &str {
                    ::core::unreachable!()
                }
                fn has_transaction(&self, _: &str) -> bool {
                    ::core::unreachable!()
                }
                fn transactions(&self, _: &mut #p::MetadataBuilder) -> ::std::vec::Vec<#p::TransactionMetadata> {
                    ::core::unreachable!()
                }
                fn dispatch<'__fabric>(
                    &'__fabric self,
                    _: #p::Context,
                    _: &'__fabric str,
                    _: &'__fabric [#p::Bytes],
                ) -> #p::BoxFuture<'__fabric, ::core::result::Result<#p::Bytes, #p::ContractError>> {
                    ::core::unreachable!()
                }
            }
        };
    }
}
