//! `Contract::info` and `Contract::transactions`: the contract's part of the metadata.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{private, value_type};
use crate::model::{Contract, Kind, option_inner};

fn some_string(value: Option<String>) -> TokenStream {
    match value {
        Some(s) => quote!(::core::option::Option::Some(::std::string::String::from(#s))),
        None => quote!(::core::option::Option::None),
    }
}

/// The body of `fn info(&self) -> Info`.
pub fn info(contract: &Contract) -> TokenStream {
    let p = private();
    let info = &contract.info;
    let title = info
        .title
        .as_ref()
        .map_or_else(|| contract.name.clone(), |t| t.value());
    let version = info
        .version
        .as_ref()
        .map_or_else(|| "latest".to_owned(), |v| v.value());
    let mut fields = Vec::new();
    if let Some(description) = &info.description {
        let value = some_string(Some(description.clone()));
        fields.push(quote!(__fabric_info.description = #value;));
    }
    if let Some(terms) = &info.terms_of_service {
        let value = some_string(Some(terms.value()));
        fields.push(quote!(__fabric_info.terms_of_service = #value;));
    }
    if let Some(contact) = &info.contact {
        let name = some_string(contact.name.as_ref().map(|s| s.value()));
        let email = some_string(contact.email.as_ref().map(|s| s.value()));
        let url = some_string(contact.url.as_ref().map(|s| s.value()));
        fields.push(quote! {
            __fabric_info.contact = ::core::option::Option::Some({
                let mut __fabric_contact = <#p::Contact as ::core::default::Default>::default();
                __fabric_contact.name = #name;
                __fabric_contact.email = #email;
                __fabric_contact.url = #url;
                __fabric_contact
            });
        });
    }
    if let Some(license) = &info.license {
        let name = license.name.value();
        let url = some_string(license.url.as_ref().map(|s| s.value()));
        fields.push(quote! {
            __fabric_info.license = ::core::option::Option::Some(#p::License {
                name: ::std::string::String::from(#name),
                url: #url,
            });
        });
    }
    if fields.is_empty() {
        quote!(#p::Info::new(#title, #version))
    } else {
        quote! {
            let mut __fabric_info = #p::Info::new(#title, #version);
            #(#fields)*
            __fabric_info
        }
    }
}

/// The body of `fn transactions(&self, __fabric_builder) -> Vec<TransactionMetadata>`.
pub fn transactions(contract: &Contract) -> TokenStream {
    let p = private();
    let entries = contract.transactions.iter().map(|tx| {
        let wire = &tx.wire_name;
        let tag = match tx.kind {
            Kind::Submit => quote!(#p::submit_tags()),
            Kind::Evaluate => quote!(#p::evaluate_tags()),
        };
        let parameters = tx.method.params.iter().map(|param| {
            let name = &param.name;
            let description = some_string(param.description.clone());
            // An `Option<T>` is described as `T`, and not required.
            let required = param.optional().is_none();
            let ty = param.optional().unwrap_or(&param.ty);
            let schema = quote_spanned! {ty.span()=>
                (&#p::Codec::<#ty>::new()).arg_schema(__fabric_builder)
            };
            quote! {
                #p::ParameterMetadata {
                    name: ::std::string::String::from(#name),
                    description: #description,
                    required: #required,
                    schema: #schema,
                }
            }
        });
        let returns = match value_type(&tx.method.ret) {
            Some(ty) => {
                let ty = option_inner(ty).unwrap_or(ty);
                quote_spanned! {ty.span()=>
                    (&#p::Codec::<#ty>::new()).return_schema(__fabric_builder)
                }
            }
            None => quote!(::core::option::Option::None),
        };
        quote! {
            #p::TransactionMetadata {
                name: ::std::string::String::from(#wire),
                tag: #tag,
                parameters: ::std::vec::Vec::from([#(#parameters),*]),
                returns: #returns,
            }
        }
    });
    quote!(::std::vec::Vec::from([#(#entries),*]))
}
