//! `Contract::dispatch`: build the context, run the before hook, decode every
//! argument, call the transaction (or the unknown hook), encode its result,
//! run the after hook.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::model::{Contract, Hook, HookKind, Method, Return, Transaction, option_inner};

/// The `dispatch` method.
pub fn dispatch(contract: &Contract) -> TokenStream {
    let p = private();
    let hook = |kind: HookKind| contract.hooks.iter().find(|h| h.kind == kind);
    // Validation guarantees one context type, taken from any method.
    let context = contract
        .transactions
        .first()
        .map(|t| &t.method)
        .or_else(|| contract.hooks.first().map(|h| &h.method))
        .map(|m| &m.context.ty);
    let build_context = match context {
        Some(ty) => quote_spanned! {ty.span()=>
            <#ty as #p::TransactionContext>::from_context(__fabric_ctx)
        },
        None => quote!(__fabric_ctx),
    };
    let before = hook(HookKind::Before).map(|h| hook_call(h, quote!()));
    let after = hook(HookKind::After).map(|h| {
        let payload = (!h.method.params.is_empty()).then(|| quote!(&__fabric_payload));
        hook_call(h, quote!(#payload))
    });
    let arms = contract.transactions.iter().map(arm);
    let unknown = match hook(HookKind::Unknown) {
        Some(h) => call_and_encode(&h.method, quote!()),
        None => {
            let name = &contract.name;
            quote! {
                return ::core::result::Result::Err(#p::unknown_function(__fabric_function, #name))
            }
        }
    };
    quote! {
        fn dispatch<'__fabric>(
            &'__fabric self,
            __fabric_ctx: #p::Context,
            __fabric_function: &'__fabric str,
            __fabric_args: &'__fabric [#p::Bytes],
        ) -> #p::BoxFuture<'__fabric, ::core::result::Result<#p::Bytes, #p::ContractError>> {
            // Built before the future, which then holds it once: moved
            // inside, it would be kept twice in the future's state.
            let __fabric_ctx = #build_context;
            ::std::boxed::Box::pin(async move {
                #before
                let __fabric_payload: #p::Bytes = match __fabric_function {
                    #(#arms)*
                    _ => { #unknown }
                };
                #after
                ::core::result::Result::Ok::<#p::Bytes, #p::ContractError>(__fabric_payload)
            })
        }
    }
}

/// `self.method(&ctx, extra...)`, awaited when the method is `async`.
fn call(method: &Method, args: TokenStream) -> TokenStream {
    let ident = &method.ident;
    let awaited = method.is_async.then(|| quote!(.await));
    quote!(self.#ident(&__fabric_ctx, #args) #awaited)
}

/// A `Result` error turned into the `ContractError` to return (at the
/// error type, so that a type that is not `Display` is reported there).
fn return_error(err: Option<&syn::Type>) -> TokenStream {
    let p = private();
    let span = err.map_or_else(proc_macro2::Span::call_site, |e| e.span());
    quote_spanned! {span=>
        return ::core::result::Result::Err((&&#p::ErrorWrap(__fabric_error)).into_contract_error())
    }
}

/// A before or after hook: run it, and return its error if it fails.
fn hook_call(hook: &Hook, args: TokenStream) -> TokenStream {
    let call = call(&hook.method, args);
    match &hook.method.ret {
        Return::Result { err, .. } => {
            let fail = return_error(err.as_ref());
            quote! {
                if let ::core::result::Result::Err(__fabric_error) = #call {
                    #fail;
                }
            }
        }
        // Parsing lets only `()` and `Result` through for these hooks.
        Return::Unit | Return::Value(_) => quote!(#call;),
    }
}

/// The encoding of a result value held in `__fabric_value` (an `Option<T>`
/// as `T`, with `None` as an empty payload).
fn encode(ty: &syn::Type) -> TokenStream {
    let p = private();
    match option_inner(ty) {
        Some(inner) => {
            let some = quote_spanned! {inner.span()=>
                (&#p::Codec::<#inner>::new()).encode_return(__fabric_some)?
            };
            quote! {
                match __fabric_value {
                    ::core::option::Option::Some(__fabric_some) => #some,
                    ::core::option::Option::None => #p::Bytes::new(),
                }
            }
        }
        None => {
            quote_spanned! {ty.span()=> (&#p::Codec::<#ty>::new()).encode_return(__fabric_value)? }
        }
    }
}

/// Calls the method and evaluates to its encoded result (or returns its error).
fn call_and_encode(method: &Method, args: TokenStream) -> TokenStream {
    let p = private();
    let call = call(method, args);
    match &method.ret {
        Return::Unit => quote! {
            #call;
            #p::Bytes::new()
        },
        Return::Value(ty) => {
            let encode = encode(ty);
            quote! {
                let __fabric_value = #call;
                #encode
            }
        }
        Return::Result { ok, err } => {
            let encode = encode(ok);
            let fail = return_error(err.as_ref());
            quote! {
                match #call {
                    ::core::result::Result::Ok(__fabric_value) => #encode,
                    ::core::result::Result::Err(__fabric_error) => #fail,
                }
            }
        }
    }
}

/// How many arguments a call must have: the parameters up to the last one
/// that is not an `Option` (trailing `Option`s may be left out).
pub fn required_arguments(params: &[crate::model::Param]) -> usize {
    params
        .iter()
        .rposition(|p| p.optional().is_none())
        .map_or(0, |i| i + 1)
}

/// One `"WireName" => { ... }` arm: arity, every argument decoded, then the call.
fn arm(tx: &Transaction) -> TokenStream {
    let p = private();
    let wire = &tx.wire_name;
    let params = &tx.method.params;
    let names = params.iter().map(|param| &param.name);
    let required = required_arguments(params);
    let locals: Vec<_> = (0..params.len())
        .map(|i| format_ident!("__fabric_arg_{}", i))
        .collect();
    let decodes = params
        .iter()
        .zip(&locals)
        .enumerate()
        .map(|(i, (param, local))| {
            let ty = &param.ty;
            let name = &param.name;
            let position = i + 1;
            let site = quote!(#p::ArgSite { transaction: #wire, parameter: #name, position: #position });
            let decode = match param.optional() {
                // Empty, or left out at the end: `None`.
                Some(inner) => {
                    let some = quote_spanned! {inner.span()=>
                        (&#p::Codec::<#inner>::new()).decode_arg(__fabric_raw, #site)?
                    };
                    quote! {
                        match __fabric_args.get(#i) {
                            ::core::option::Option::Some(__fabric_raw) if !__fabric_raw.is_empty() => {
                                ::core::option::Option::Some(#some)
                            }
                            _ => ::core::option::Option::None,
                        }
                    }
                }
                None => quote_spanned! {ty.span()=>
                    (&#p::Codec::<#ty>::new()).decode_arg(&__fabric_args[#i], #site)?
                },
            };
            quote!(let #local: #ty = #decode;)
        });
    let body = call_and_encode(&tx.method, quote!(#(#locals),*));
    quote! {
        #wire => {
            #p::check_arity(#wire, __fabric_args, &[#(#names),*], #required)?;
            #(#decodes)*
            #body
        }
    }
}
