//! Type requirements, checked where the user wrote the type: each parameter
//! must be decodable (`DeserializeOwned + JsonSchema`), each result encodable
//! (`Serialize + JsonSchema`), each error `Display`. The assertions sit in a
//! function that is never called; their spans make rustc report a missing
//! trait at the parameter's type rather than at `#[contract]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::model::{Contract, HookKind, Method, Return, option_inner};

/// The hidden function holding the assertions.
pub fn checks(contract: &Contract) -> TokenStream {
    let p = private();
    let mut assertions = Vec::new();
    for tx in &contract.transactions {
        for param in &tx.method.params {
            let ty = param.optional().unwrap_or(&param.ty);
            assertions.push(quote_spanned! {ty.span()=> #p::assert_parameter::<#ty>(); });
        }
        assertions.extend(return_assertions(&tx.method, true));
    }
    for hook in &contract.hooks {
        // Only the unknown hook's result is sent; the others' `Ok` is dropped.
        assertions.extend(return_assertions(
            &hook.method,
            hook.kind == HookKind::Unknown,
        ));
    }
    quote! {
        #[doc(hidden)]
        #[allow(dead_code, clippy::all)]
        fn __fabric_type_checks() {
            #(#assertions)*
        }
    }
}

fn return_assertions(method: &Method, sent: bool) -> Vec<TokenStream> {
    let p = private();
    match &method.ret {
        Return::Unit => Vec::new(),
        Return::Value(ty) if sent => {
            let ty = option_inner(ty).unwrap_or(ty);
            vec![quote_spanned! {ty.span()=> #p::assert_return::<#ty>(); }]
        }
        Return::Value(_) => Vec::new(),
        Return::Result { ok, err } => {
            let mut out = Vec::new();
            if sent && !matches!(ok, syn::Type::Tuple(t) if t.elems.is_empty()) {
                let ok = option_inner(ok).unwrap_or(ok);
                out.push(quote_spanned! {ok.span()=> #p::assert_return::<#ok>(); });
            }
            if let Some(err) = err {
                out.push(quote_spanned! {err.span()=> #p::assert_error::<#err>(); });
            }
            out
        }
    }
}
