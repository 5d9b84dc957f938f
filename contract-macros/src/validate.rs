//! Checks across the items of a contract: names, hooks, the context type.

use std::collections::HashMap;

use quote::ToTokens;

use crate::diag::Errors;
use crate::model::{Contract, HookKind, Method};

/// The reserved name of Fabric's system contract.
const SYSTEM_CONTRACT: &str = "org.hyperledger.fabric";

/// Records every cross-item mistake of `contract` in `errors`.
pub fn contract(contract: &Contract, errors: &mut Errors) {
    names(contract, errors);
    hooks(contract, errors);
    context_types(contract, errors);
}

fn names(contract: &Contract, errors: &mut Errors) {
    if contract.name.is_empty() {
        errors.push(syn::Error::new(
            contract.name_span,
            "the contract name cannot be empty",
        ));
    } else if contract.name == SYSTEM_CONTRACT {
        errors.push(syn::Error::new(
            contract.name_span,
            format!(
                "the contract name `{SYSTEM_CONTRACT}` is reserved for Fabric's system contract"
            ),
        ));
    }
    let mut seen: HashMap<&str, &Method> = HashMap::new();
    for tx in &contract.transactions {
        if tx.wire_name.is_empty() {
            errors.push(syn::Error::new(
                tx.wire_span,
                "the transaction name cannot be empty",
            ));
            continue;
        }
        if tx.wire_name.contains(':') {
            errors.push(syn::Error::new(
                tx.wire_span,
                format!(
                    "the transaction name `{}` cannot contain `:`, which separates the contract name from the transaction name",
                    tx.wire_name
                ),
            ));
            continue;
        }
        if let Some(first) = seen.insert(&tx.wire_name, &tx.method) {
            errors.push(syn::Error::new(
                tx.wire_span,
                format!(
                    "duplicate transaction name `{}`: `fn {}` already has it; rename one with #[transaction(name = \"...\")]",
                    tx.wire_name, first.ident
                ),
            ));
        }
    }
    if contract.marked_transactions == 0 {
        errors.spanned(
            &contract.self_ty,
            "a contract needs at least one method marked #[transaction]",
        );
    }
}

fn hooks(contract: &Contract, errors: &mut Errors) {
    for kind in [HookKind::Before, HookKind::After, HookKind::Unknown] {
        let mut of_kind = contract.hooks.iter().filter(|h| h.kind == kind);
        let Some(first) = of_kind.next() else {
            continue;
        };
        for extra in of_kind {
            errors.spanned(
                &extra.attr,
                format!(
                    "a contract has at most one #[{}] hook, and `fn {}` already is",
                    kind.attribute(),
                    first.method.ident
                ),
            );
        }
    }
}

/// All transactions and hooks must take the same context type (compared as
/// written: `&Context` and `&fabric_contract_api::Context` differ).
fn context_types(contract: &Contract, errors: &mut Errors) {
    let mut methods: Vec<&Method> = contract
        .transactions
        .iter()
        .map(|t| &t.method)
        .chain(contract.hooks.iter().map(|h| &h.method))
        .collect();
    methods.sort_by_key(|m| m.index);
    let Some(first) = methods.first() else {
        return;
    };
    let expected = type_key(&first.context.ty);
    for method in &methods[1..] {
        if type_key(&method.context.ty) != expected {
            errors.spanned(
                &method.context.ty,
                format!(
                    "all transactions and hooks of a contract take the same context type: `fn {}` takes `&{}`, so this must be `&{}` too",
                    first.ident,
                    first.context.ty.to_token_stream(),
                    first.context.ty.to_token_stream()
                ),
            );
        }
    }
}

fn type_key(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string()
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::{ItemImpl, parse_quote};

    use crate::diag::Errors;
    use crate::parse;

    fn check(attr: proc_macro2::TokenStream, item: ItemImpl) -> Vec<String> {
        let mut errors = Errors::default();
        let args = parse::contract_args(attr, &mut errors);
        let contract = parse::contract(args, &item, &mut errors);
        assert!(errors.is_empty(), "parse errors");
        super::contract(&contract, &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn valid_contract_passes() {
        let m = check(
            quote!(),
            parse_quote! {
                impl C {
                    #[before_transaction] fn b(&self, ctx: &MyCtx) {}
                    #[transaction] fn create(&self, ctx: &MyCtx) {}
                    #[transaction(name = "create2")] fn create_again(&self, ctx: &MyCtx) {}
                }
            },
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn duplicate_wire_names() {
        let m = check(
            quote!(),
            parse_quote! {
                impl C {
                    #[transaction] fn create_asset(&self, ctx: &Context) {}
                    #[transaction(name = "CreateAsset")] fn other(&self, ctx: &Context) {}
                    #[transaction(name = "")] fn empty(&self, ctx: &Context) {}
                    #[transaction(name = "a:b")] fn colon(&self, ctx: &Context) {}
                }
            },
        );
        assert_eq!(
            m,
            [
                "duplicate transaction name `CreateAsset`: `fn create_asset` already has it; rename one with #[transaction(name = \"...\")]",
                "the transaction name cannot be empty",
                "the transaction name `a:b` cannot contain `:`, which separates the contract name from the transaction name",
            ]
        );
    }

    #[test]
    fn hooks_and_contexts() {
        let m = check(
            quote!(name = "org.hyperledger.fabric"),
            parse_quote! {
                impl C {
                    #[before_transaction] fn b1(&self, ctx: &Context) {}
                    #[before_transaction] fn b2(&self, ctx: &Context) {}
                    #[transaction] fn t(&self, ctx: &MyContext) {}
                }
            },
        );
        assert_eq!(
            m,
            [
                "the contract name `org.hyperledger.fabric` is reserved for Fabric's system contract",
                "a contract has at most one #[before_transaction] hook, and `fn b1` already is",
                "all transactions and hooks of a contract take the same context type: `fn b1` takes `&Context`, so this must be `&Context` too",
            ]
        );
    }

    #[test]
    fn at_least_one_transaction() {
        let m = check(quote!(), parse_quote! { impl C { fn helper(&self) {} } });
        assert_eq!(
            m,
            ["a contract needs at least one method marked #[transaction]"]
        );
    }
}
