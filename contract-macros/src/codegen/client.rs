//! The typed client: `<Contract>Client`, one method per transaction with the
//! transaction's own parameter and result types, for applications. It is
//! emitted inside `fabric_contract_api::__client!`, which keeps it only when
//! `fabric-contract-api`'s `client` feature is on; arguments are encoded and
//! results decoded by the same `Codec` as the chaincode's side.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{private, value_type};
use crate::model::{Contract, Kind, Transaction, option_inner};

/// `TypeName` of the contract's self type.
fn client_name(contract: &Contract) -> Option<syn::Ident> {
    match &contract.self_ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| format_ident!("{}Client", s.ident)),
        _ => None,
    }
}

/// The client's tokens (empty when the contract has no usable name).
pub fn client(contract: &Contract) -> TokenStream {
    let Some(name) = client_name(contract) else {
        return TokenStream::new();
    };
    let p = private();
    let contract_name = &contract.name;
    let open = if contract.default {
        quote!(network.contract(chaincode))
    } else {
        quote!(network.contract_with_name(chaincode, #contract_name))
    };
    let how = if contract.default {
        format!(
            "the default contract (`{contract_name}`) of a chaincode, called by unprefixed transaction names"
        )
    } else {
        format!(
            "the `{contract_name}` contract of a chaincode, called as `{contract_name}:<Transaction>`"
        )
    };
    let struct_doc = format!(
        "A typed client of {how}: one method per transaction, with its parameter and result types.\n\n\
         Each method returns a [`Call`]({p}::client::Call): `.await` it to evaluate or submit the \
         transaction as it is declared, or choose with `.evaluate()` / `.submit()` and add transient \
         data or endorsing organizations first.",
        p = "::fabric_contract_api"
    );
    let methods = contract.transactions.iter().map(method);
    let checks = contract.transactions.iter().flat_map(checks);
    let checks_fn = format_ident!("__{}_checks", name);
    quote! {
        ::fabric_contract_api::__client! {
            #[doc = #struct_doc]
            #[derive(::core::clone::Clone, ::core::fmt::Debug)]
            pub struct #name {
                contract: #p::client::gateway::Contract,
            }

            #[allow(clippy::all, clippy::pedantic, clippy::nursery)]
            impl #name {
                /// The contract in chaincode `chaincode` on `network`.
                pub fn new(network: &#p::client::gateway::Network, chaincode: &str) -> Self {
                    Self { contract: #open }
                }

                /// A client over a contract handle of the Gateway client.
                pub fn from_contract(contract: #p::client::gateway::Contract) -> Self {
                    Self { contract }
                }

                /// The Gateway client's contract handle, for calls by name.
                pub fn contract(&self) -> &#p::client::gateway::Contract {
                    &self.contract
                }

                #(#methods)*
            }

            #[doc(hidden)]
            #[allow(dead_code, non_snake_case, clippy::all)]
            fn #checks_fn() {
                #(#checks)*
            }
        }
    }
}

/// One transaction's method.
fn method(tx: &Transaction) -> TokenStream {
    let p = private();
    let ident = &tx.method.ident;
    let wire = &tx.wire_name;
    let kind = match tx.kind {
        Kind::Submit => quote!(#p::client::Kind::Submit),
        Kind::Evaluate => quote!(#p::client::Kind::Evaluate),
    };
    let mut params = Vec::new();
    let mut encodes = Vec::new();
    for param in &tx.method.params {
        let local = format_ident!("{}", param.name);
        let local = if syn::parse_str::<syn::Ident>(&param.name).is_ok() {
            local
        } else {
            format_ident!("r#{}", param.name)
        };
        let ty = &param.ty;
        params.push(quote!(#local: impl ::core::convert::Into<#ty>));
        encodes.push(match option_inner(ty) {
            Some(inner) => {
                let encode = quote_spanned! {inner.span()=>
                    (&#p::Codec::<#inner>::new()).encode_arg(__fabric_some)
                };
                quote! {
                    match &::core::convert::Into::<#ty>::into(#local) {
                        ::core::option::Option::Some(__fabric_some) => #encode,
                        ::core::option::Option::None => #p::Bytes::new(),
                    }
                }
            }
            None => quote_spanned! {ty.span()=>
                (&#p::Codec::<#ty>::new()).encode_arg(&::core::convert::Into::<#ty>::into(#local))
            },
        });
    }
    let (output, decode) = match value_type(&tx.method.ret) {
        None => (quote!(()), quote!(::core::result::Result::Ok(()))),
        Some(ty) => {
            let ty = client_result_type(ty);
            match option_inner(&ty) {
                Some(inner) => {
                    let decode = quote_spanned! {inner.span()=>
                        (&#p::Codec::<#inner>::new()).decode_return(__fabric_payload)
                    };
                    (
                        quote!(#ty),
                        quote! {
                            if __fabric_payload.is_empty() {
                                ::core::result::Result::Ok(::core::option::Option::None)
                            } else {
                                #decode.map(::core::option::Option::Some)
                            }
                        },
                    )
                }
                None => (
                    quote!(#ty),
                    quote_spanned! {ty.span()=> (&#p::Codec::<#ty>::new()).decode_return(__fabric_payload) },
                ),
            }
        }
    };
    let kind_doc = match tx.kind {
        Kind::Submit => "Submits",
        Kind::Evaluate => "Evaluates",
    };
    let mut doc: Vec<TokenStream> = tx.doc.iter().map(|line| quote!(#[doc = #line])).collect();
    if !doc.is_empty() {
        doc.push(quote!(#[doc = ""]));
    }
    let call_doc = format!("{kind_doc} `{wire}` (`.await` the returned call).");
    quote! {
        #(#doc)*
        #[doc = #call_doc]
        pub fn #ident(&self, #(#params),*) -> #p::client::Call<#output> {
            #[allow(unused_imports)]
            use #p::{
                DecodeRetUnsupported as _, DecodeRetViaJson as _, DecodeRetViaText as _,
                EncodeArgUnsupported as _, EncodeArgViaJson as _, EncodeArgViaText as _,
            };
            #p::client::Call::new(
                &self.contract,
                #wire,
                #kind,
                ::std::vec::Vec::from([#(#encodes),*]),
                |__fabric_payload: &[u8]| #decode,
            )
        }
    }
}

/// A result type as the client reads it: a borrowed `&str` is read as `String`.
fn client_result_type(ty: &syn::Type) -> syn::Type {
    if let syn::Type::Reference(r) = ty
        && matches!(&*r.elem, syn::Type::Path(p) if p.path.is_ident("str"))
    {
        return syn::parse_quote!(::std::string::String);
    }
    ty.clone()
}

/// What the client needs of the types: arguments it can encode, results it
/// can decode (one error each, at the type).
fn checks(tx: &Transaction) -> Vec<TokenStream> {
    let p = private();
    let mut out = Vec::new();
    for param in &tx.method.params {
        let ty = option_inner(&param.ty).unwrap_or(&param.ty);
        out.push(quote_spanned! {ty.span()=> #p::assert_client_argument::<#ty>(); });
    }
    if let Some(ty) = value_type(&tx.method.ret) {
        let ty = client_result_type(ty);
        let ty = option_inner(&ty).cloned().unwrap_or(ty);
        if !matches!(&ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
            out.push(quote_spanned! {ty.span()=> #p::assert_client_result::<#ty>(); });
        }
    }
    out
}
