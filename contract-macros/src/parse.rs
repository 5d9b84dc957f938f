//! From syntax to the model: attribute options and method signatures.
//!
//! Every function here records its mistakes in an [`Errors`] and goes on, so
//! that one expansion reports all of them.

use std::collections::HashSet;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, Lit, LitStr,
    Meta, Pat, PatType, PathArguments, Receiver, ReturnType, Signature, Token, Type,
};

use crate::diag::Errors;
use crate::model::{
    ContactAttrs, ContextParam, Contract, Hook, HookKind, InfoAttrs, Kind, LicenseAttrs, Method,
    Param, Return, Transaction,
};

/// The options of `#[contract(...)]`, listed in error messages.
pub const CONTRACT_OPTIONS: &str = "`name`, `default`, `title`, `version`, `description`, `terms_of_service`, `license`, `contact`";
/// The options of `#[transaction(...)]`.
pub const TRANSACTION_OPTIONS: &str = "`submit`, `evaluate`, `name`";

/// The options of `#[contract(...)]`.
#[derive(Default)]
pub struct ContractArgs {
    /// `name = "…"`.
    pub name: Option<LitStr>,
    /// `default`.
    pub default: bool,
    /// The descriptive options.
    pub info: InfoAttrs,
}

/// The options of `#[transaction(...)]`.
pub struct TransactionArgs {
    /// `submit` (the default) or `evaluate`.
    pub kind: Kind,
    /// `name = "…"`.
    pub name: Option<LitStr>,
}

/// An attribute this crate handles inside a `#[contract]` impl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `#[transaction]`.
    Transaction,
    /// A hook attribute.
    Hook(HookKind),
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::Transaction => "a transaction",
            Role::Hook(HookKind::Before) => "the #[before_transaction] hook",
            Role::Hook(HookKind::After) => "the #[after_transaction] hook",
            Role::Hook(HookKind::Unknown) => "the #[unknown_transaction] hook",
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            Role::Transaction => "transaction",
            Role::Hook(kind) => kind.attribute(),
        }
    }
}

/// Which of our attributes `attr` is: `transaction` and the hooks by their
/// bare names, and `fabric_contract_api::transaction` by its full path.
pub fn role_of(attr: &Attribute) -> Option<Role> {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = match segments.as_slice() {
        [name] if path.leading_colon.is_none() => name.as_str(),
        [krate, name] if krate == "fabric_contract_api" && name == "transaction" => name.as_str(),
        _ => return None,
    };
    match name {
        "transaction" => Some(Role::Transaction),
        "before_transaction" => Some(Role::Hook(HookKind::Before)),
        "after_transaction" => Some(Role::Hook(HookKind::After)),
        "unknown_transaction" => Some(Role::Hook(HookKind::Unknown)),
        _ => None,
    }
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// Removes our attributes from the items of `item`, and the doc comments
/// from the parameters of the methods that carry one (rustc rejects doc
/// comments on parameters; `#[contract]` reads them first).
pub fn strip(item: &mut ItemImpl) {
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        let before = attrs.len();
        attrs.retain(|a| role_of(a).is_none());
        let ours = attrs.len() != before;
        if let (true, ImplItem::Fn(f)) = (ours, impl_item) {
            for input in &mut f.sig.inputs {
                if let FnArg::Typed(pt) = input {
                    pt.attrs.retain(|a| !is_doc(a));
                }
            }
        }
    }
}

/// Lines of the doc comments in `attrs`, each without the one leading space `///` leaves.
pub fn doc_lines(attrs: &[Attribute]) -> Vec<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| is_doc(a)) {
        if let Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            for line in s.value().split('\n') {
                lines.push(line.strip_prefix(' ').unwrap_or(line).to_owned());
            }
        }
    }
    lines
}

/// The doc comment in `attrs` as one trimmed text, if not empty.
pub fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let text = doc_lines(attrs).join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The description of parameter `name` in a method's doc comment: a list
/// item starting with the name, in backticks or not, then `-` or `:`:
///
/// ```text
/// * `id` - the asset's id
/// - size: its size,
///   continued on an indented line
/// ```
pub fn param_description(lines: &[String], name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in lines {
        if let Some(text) = &mut found {
            // Indented, non-empty, non-item lines continue the item.
            let trimmed = line.trim_start();
            if line.starts_with("  ") && !trimmed.is_empty() && list_item(trimmed).is_none() {
                text.push(' ');
                text.push_str(trimmed.trim_end());
                continue;
            }
            break;
        }
        let Some(item) = list_item(line.trim_start()) else {
            continue;
        };
        let rest = if let Some(r) = item.strip_prefix('`') {
            match r.strip_prefix(name).and_then(|r| r.strip_prefix('`')) {
                Some(r) => r,
                None => continue,
            }
        } else {
            match item.strip_prefix(name) {
                Some(r) if !r.starts_with(|c: char| c.is_alphanumeric() || c == '_') => r,
                _ => continue,
            }
        };
        let rest = rest.trim_start();
        let Some(rest) = ["-", ":", "\u{2013}", "\u{2014}"]
            .iter()
            .find_map(|sep| rest.strip_prefix(sep))
        else {
            continue;
        };
        found = Some(rest.trim().to_owned());
    }
    found.filter(|d| !d.is_empty())
}

/// The text after a list bullet (`*`, `-` or `+` and a space).
fn list_item(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(['*', '-', '+'])?;
    rest.starts_with(char::is_whitespace)
        .then(|| rest.trim_start())
}

/// The wire name of a method: its name in PascalCase (`create_asset` → `CreateAsset`).
pub fn wire_name(ident: &syn::Ident) -> String {
    ident.unraw().to_string().to_upper_camel_case()
}

fn path_name(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

fn parse_metas(tokens: TokenStream) -> syn::Result<Punctuated<Meta, Token![,]>> {
    Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)
}

/// Rejects a second occurrence of an option.
struct Seen(HashSet<String>);

impl Seen {
    fn new() -> Self {
        Seen(HashSet::new())
    }

    fn first(&mut self, meta: &Meta, key: &str, errors: &mut Errors) -> bool {
        if self.0.insert(key.to_owned()) {
            true
        } else {
            errors.spanned(meta.path(), format!("duplicate option `{key}`"));
            false
        }
    }
}

fn string_value(meta: &Meta, key: &str) -> syn::Result<LitStr> {
    if let Meta::NameValue(nv) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) = &nv.value
    {
        return Ok(s.clone());
    }
    let span: &dyn ToTokens = match meta {
        Meta::NameValue(nv) => &nv.value,
        other => other,
    };
    Err(syn::Error::new_spanned(
        span,
        format!("expected a string: `{key} = \"...\"`"),
    ))
}

fn flag(meta: &Meta, key: &str, example: &str) -> syn::Result<()> {
    match meta {
        Meta::Path(_) => Ok(()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes no value: write `{example}`"),
        )),
    }
}

/// Parses the options of `#[contract(...)]`.
pub fn contract_args(tokens: TokenStream, errors: &mut Errors) -> ContractArgs {
    let mut args = ContractArgs::default();
    let Some(metas) = errors.take(parse_metas(tokens)) else {
        return args;
    };
    let mut seen = Seen::new();
    for meta in &metas {
        let key = path_name(meta.path());
        if !seen.first(meta, &key, errors) {
            continue;
        }
        let info = &mut args.info;
        match key.as_str() {
            "name" => args.name = errors.take(string_value(meta, &key)),
            "default" => {
                args.default = errors
                    .take(flag(meta, &key, "#[contract(default)]"))
                    .is_some()
            }
            "title" => info.title = errors.take(string_value(meta, &key)),
            "version" => info.version = errors.take(string_value(meta, &key)),
            "description" => {
                info.description = errors.take(string_value(meta, &key)).map(|s| s.value())
            }
            "terms_of_service" => info.terms_of_service = errors.take(string_value(meta, &key)),
            "license" => info.license = license(meta, errors),
            "contact" => info.contact = contact(meta, errors),
            _ => errors.spanned(
                meta.path(),
                format!(
                    "unknown option `{key}` of #[contract]; the options are {CONTRACT_OPTIONS}"
                ),
            ),
        }
    }
    args
}

fn license(meta: &Meta, errors: &mut Errors) -> Option<LicenseAttrs> {
    const USAGE: &str =
        "write `license = \"Apache-2.0\"` or `license(name = \"...\", url = \"...\")`";
    match meta {
        Meta::NameValue(_) => errors
            .take(string_value(meta, "license"))
            .map(|name| LicenseAttrs { name, url: None }),
        Meta::List(list) => {
            let metas = errors.take(parse_metas(list.tokens.clone()))?;
            let (mut name, mut url) = (None, None);
            let mut seen = Seen::new();
            for m in &metas {
                let key = path_name(m.path());
                if !seen.first(m, &key, errors) {
                    continue;
                }
                match key.as_str() {
                    "name" => name = errors.take(string_value(m, &key)),
                    "url" => url = errors.take(string_value(m, &key)),
                    _ => errors.spanned(
                        m.path(),
                        format!(
                            "unknown option `{key}` of `license`; the options are `name`, `url`"
                        ),
                    ),
                }
            }
            if name.is_none() && !seen.0.contains("name") {
                errors.spanned(list, format!("`license` needs a name: {USAGE}"));
            }
            name.map(|name| LicenseAttrs { name, url })
        }
        Meta::Path(p) => {
            errors.spanned(p, USAGE);
            None
        }
    }
}

fn contact(meta: &Meta, errors: &mut Errors) -> Option<ContactAttrs> {
    let Meta::List(list) = meta else {
        errors.spanned(
            meta,
            "write `contact(name = \"...\", email = \"...\", url = \"...\")`",
        );
        return None;
    };
    let metas = errors.take(parse_metas(list.tokens.clone()))?;
    let mut contact = ContactAttrs::default();
    let mut seen = Seen::new();
    for m in &metas {
        let key = path_name(m.path());
        if !seen.first(m, &key, errors) {
            continue;
        }
        match key.as_str() {
            "name" => contact.name = errors.take(string_value(m, &key)),
            "email" => contact.email = errors.take(string_value(m, &key)),
            "url" => contact.url = errors.take(string_value(m, &key)),
            _ => errors.spanned(
                m.path(),
                format!(
                    "unknown option `{key}` of `contact`; the options are `name`, `email`, `url`"
                ),
            ),
        }
    }
    Some(contact)
}

/// Parses the options of one `#[transaction(...)]` attribute.
pub fn transaction_args(attr: &Attribute, errors: &mut Errors) -> TransactionArgs {
    let mut args = TransactionArgs {
        kind: Kind::Submit,
        name: None,
    };
    let metas = match &attr.meta {
        Meta::Path(_) => return args,
        Meta::List(list) => match errors.take(parse_metas(list.tokens.clone())) {
            Some(metas) => metas,
            None => return args,
        },
        Meta::NameValue(nv) => {
            errors.spanned(
                nv,
                format!("write `#[transaction(...)]` with the options {TRANSACTION_OPTIONS}"),
            );
            return args;
        }
    };
    let mut seen = Seen::new();
    let mut kind_seen: Option<&'static str> = None;
    for meta in &metas {
        let key = path_name(meta.path());
        if !seen.first(meta, &key, errors) {
            continue;
        }
        match key.as_str() {
            "submit" | "evaluate" => {
                let (this, kind) = if key == "submit" { ("submit", Kind::Submit) } else { ("evaluate", Kind::Evaluate) };
                if errors.take(flag(meta, this, &format!("#[transaction({this})]"))).is_none() {
                    continue;
                }
                if let Some(other) = kind_seen {
                    errors.spanned(
                        meta.path(),
                        format!("`{this}` conflicts with `{other}`: a transaction is either submitted or evaluated"),
                    );
                    continue;
                }
                kind_seen = Some(this);
                args.kind = kind;
            }
            "name" => args.name = errors.take(string_value(meta, &key)),
            _ => errors.spanned(
                meta.path(),
                format!("unknown option `{key}` of #[transaction]; the options are {TRANSACTION_OPTIONS}"),
            ),
        }
    }
    args
}

/// Builds the model of a `#[contract]` impl block. Mistakes go to `errors`;
/// the model holds everything that could be understood.
pub fn contract(args: ContractArgs, item: &ItemImpl, errors: &mut Errors) -> Contract {
    if let Some((_, path, _)) = &item.trait_ {
        errors.spanned(
            path,
            "#[contract] goes on an inherent `impl` block (`impl MyContract { ... }`), not on a trait implementation",
        );
    }
    if !item.generics.params.is_empty() {
        errors.spanned(
            &item.generics,
            "contracts cannot be generic: the chaincode registers one concrete contract type",
        );
    } else if let Some(where_clause) = &item.generics.where_clause {
        errors.spanned(
            where_clause,
            "contracts cannot be generic: remove the `where` clause",
        );
    }
    let (type_name, type_span) = match &*item.self_ty {
        Type::Path(tp) if tp.qself.is_none() => match tp.path.segments.last() {
            Some(seg) => (seg.ident.unraw().to_string(), seg.ident.span()),
            None => (String::new(), item.self_ty.span()),
        },
        other => {
            errors.spanned(
                other,
                "#[contract] needs an `impl` block of a named struct or enum",
            );
            (String::new(), other.span())
        }
    };
    let (name, name_span) = match &args.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (type_name, type_span),
    };
    let mut info = args.info;
    if info.description.is_none() {
        info.description = doc_text(&item.attrs);
    }

    let mut transactions = Vec::new();
    let mut marked_transactions = 0;
    let mut hooks = Vec::new();
    for (index, impl_item) in item.items.iter().enumerate() {
        let ImplItem::Fn(f) = impl_item else {
            let attrs: &[Attribute] = match impl_item {
                ImplItem::Const(c) => &c.attrs,
                ImplItem::Type(t) => &t.attrs,
                ImplItem::Macro(m) => &m.attrs,
                _ => &[],
            };
            for attr in attrs {
                if let Some(role) = role_of(attr) {
                    errors.spanned(attr, format!("#[{}] goes on a method", role.attribute()));
                }
            }
            continue;
        };
        let mut ours = f.attrs.iter().filter_map(|a| role_of(a).map(|r| (a, r)));
        let Some((attr, role)) = ours.next() else {
            continue;
        };
        for (extra, extra_role) in ours {
            errors.spanned(
                extra,
                format!(
                    "#[{}] cannot be combined with #[{}]: a method is one transaction or one hook",
                    extra_role.attribute(),
                    role.attribute()
                ),
            );
        }
        match role {
            Role::Transaction => {
                marked_transactions += 1;
                let args = transaction_args(attr, errors);
                let Some(method) = method(f, index, role, errors) else {
                    continue;
                };
                let (wire_name, wire_span) = match &args.name {
                    Some(lit) => (lit.value(), lit.span()),
                    None => (wire_name(&f.sig.ident), f.sig.ident.span()),
                };
                transactions.push(Transaction {
                    wire_name,
                    wire_span,
                    kind: args.kind,
                    method,
                    doc: doc_lines(&f.attrs),
                });
            }
            Role::Hook(kind) => {
                if let Meta::List(_) | Meta::NameValue(_) = &attr.meta {
                    errors.spanned(attr, format!("#[{}] takes no options", kind.attribute()));
                }
                if let Some(method) = method(f, index, role, errors) {
                    hooks.push(Hook {
                        kind,
                        method,
                        attr: attr.to_token_stream(),
                    });
                }
            }
        }
    }
    Contract {
        self_ty: (*item.self_ty).clone(),
        name,
        name_span,
        default: args.default,
        info,
        transactions,
        marked_transactions,
        hooks,
    }
}

/// Reads a transaction's or hook's signature.
pub fn method(f: &ImplItemFn, index: usize, role: Role, errors: &mut Errors) -> Option<Method> {
    let sig = &f.sig;
    let what = role.describe();
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!("{what} cannot be generic: each parameter needs a concrete type to be decoded and described in the metadata"),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(where_clause, format!("{what} cannot have a `where` clause"));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, format!("{what} cannot be an `unsafe fn`"));
    }

    let mut inputs = sig.inputs.iter().peekable();
    match inputs.peek() {
        Some(FnArg::Receiver(receiver)) => {
            receiver_check(receiver, what, errors);
            inputs.next();
        }
        _ => errors.spanned(
            sig,
            format!(
                "{what} must be a method taking `&self`: add `&self` before the context parameter"
            ),
        ),
    }
    let rest: Vec<&PatType> = inputs
        .filter_map(|input| match input {
            FnArg::Typed(pt) => Some(pt),
            FnArg::Receiver(_) => None,
        })
        .collect();

    let (context, rest) = context_param(sig, &rest, errors);
    let doc = doc_lines(&f.attrs);
    let mut params = Vec::new();
    match role {
        Role::Transaction => params.extend(rest.iter().filter_map(|pt| param(pt, &doc, errors))),
        Role::Hook(HookKind::After) => {
            if let Some(payload) = rest.first() {
                params.extend(payload_param(payload, errors));
            }
            for extra in rest.iter().skip(1) {
                errors.spanned(
                    extra,
                    "the #[after_transaction] hook takes the context and, optionally, the serialized result (`payload: &[u8]`)",
                );
            }
        }
        Role::Hook(_) => {
            for extra in &rest {
                errors.spanned(extra, format!("{what} takes only `&self` and the context"));
            }
        }
    }

    let ret = return_type(sig, errors);
    if let (Role::Hook(HookKind::Before | HookKind::After), Return::Value(ty)) = (role, &ret) {
        errors.spanned(ty, format!("{what} returns nothing or a `Result<(), E>`"));
    }

    Some(Method {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        context: context?,
        params,
        ret,
        index,
    })
}

fn receiver_check(receiver: &Receiver, what: &str, errors: &mut Errors) {
    let Type::Reference(reference) = &*receiver.ty else {
        errors.spanned(
            receiver,
            format!("{what} takes `&self`, not `self` by value: one contract instance serves every transaction"),
        );
        return;
    };
    if reference.mutability.is_some() {
        errors.spanned(
            receiver,
            format!(
                "{what} takes `&self`, not `&mut self`: one contract instance serves concurrent transactions, \
                 so it cannot be mutated; keep state in the ledger (through the context)"
            ),
        );
    } else if !matches!(&*reference.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self"))
    {
        errors.spanned(receiver, format!("{what} takes `&self`"));
    }
}

/// Strips invisible groups and parentheses around a type.
fn bare(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => bare(&g.elem),
        Type::Paren(p) => bare(&p.elem),
        other => other,
    }
}

/// `str`, `[T]` and `[T; N]`: what a `&` parameter is when it is not a context.
fn is_borrowed_data(ty: &Type) -> bool {
    match bare(ty) {
        Type::Slice(_) | Type::Array(_) => true,
        Type::Path(p) => p.qself.is_none() && p.path.is_ident("str"),
        _ => false,
    }
}

fn is_context_like(ty: &Type) -> bool {
    matches!(bare(ty), Type::Reference(r) if !is_borrowed_data(&r.elem))
}

/// A first parameter that is meant as the context but taken by value:
/// named like one (`ctx`, `context`) or of a type named `...Context`.
fn is_context_by_value(pt: &PatType) -> bool {
    let named = matches!(&*pt.pat, Pat::Ident(pi) if {
        let name = pi.ident.unraw().to_string();
        matches!(name.trim_start_matches('_'), "ctx" | "context")
    });
    let typed = matches!(bare(&pt.ty), Type::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident.to_string().ends_with("Context")));
    named || typed
}

const CONTEXT_USAGE: &str =
    "`ctx: &Context` (or `&YourContext`, a type implementing `TransactionContext`)";

/// The context: the first parameter after `&self`. Returns it and the parameters after it.
fn context_param<'a>(
    sig: &Signature,
    rest: &[&'a PatType],
    errors: &mut Errors,
) -> (Option<ContextParam>, Vec<&'a PatType>) {
    let Some(first) = rest.first() else {
        errors.spanned(sig, format!("missing context parameter: the first parameter after `&self` must be {CONTEXT_USAGE}"));
        return (None, Vec::new());
    };
    if let Type::Reference(reference) = bare(&first.ty)
        && !is_borrowed_data(&reference.elem)
    {
        if let Some(mutability) = &reference.mutability {
            errors.spanned(
                mutability,
                "take the context by shared reference (`&Context`): it is shared with the hooks",
            );
        }
        return (
            Some(ContextParam {
                ty: (*reference.elem).clone(),
            }),
            rest[1..].to_vec(),
        );
    }
    if is_context_by_value(first) {
        errors.spanned(
            &first.ty,
            format!(
                "take the context by reference: `{}: &{}`",
                first.pat.to_token_stream(),
                bare(&first.ty).to_token_stream()
            ),
        );
        return (
            Some(ContextParam {
                ty: bare(&first.ty).clone(),
            }),
            rest[1..].to_vec(),
        );
    }
    if let Some(later) = rest[1..].iter().find(|pt| is_context_like(&pt.ty)) {
        errors.spanned(
            later,
            "the context must be the first parameter after `&self`",
        );
        let others = rest
            .iter()
            .filter(|pt| !std::ptr::eq(**pt, *later))
            .copied()
            .collect();
        return (None, others);
    }
    errors.spanned(
        sig,
        format!(
            "missing context parameter: the first parameter after `&self` must be {CONTEXT_USAGE}"
        ),
    );
    (None, rest.to_vec())
}

fn param(pt: &PatType, method_doc: &[String], errors: &mut Errors) -> Option<Param> {
    let mut ok = true;
    for attr in &pt.attrs {
        if attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr") {
            errors.spanned(
                attr,
                "transaction parameters cannot be conditional: the metadata lists them all",
            );
            ok = false;
        }
    }
    let ident = match &*pt.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(pi.ident.clone()),
        Pat::Wild(w) => {
            errors.spanned(
                w,
                "name this parameter: its name is part of the contract metadata (use `_name` to leave it unused)",
            );
            None
        }
        other => {
            errors.spanned(
                other,
                "transaction parameters must be plain names such as `id: String`: destructure the value in the body",
            );
            None
        }
    };
    match bare(&pt.ty) {
        Type::Reference(r) => {
            let hint = match bare(&r.elem) {
                Type::Path(p) if p.path.is_ident("str") => {
                    "take `String` instead of `&str`".to_owned()
                }
                Type::Slice(s) if matches!(bare(&s.elem), Type::Path(p) if p.path.is_ident("u8")) => {
                    "take `Vec<u8>` instead of `&[u8]`".to_owned()
                }
                elem => format!("take `{}` by value", elem.to_token_stream()),
            };
            errors.spanned(
                &pt.ty,
                format!("{hint}: arguments are decoded into owned values (only the context is a reference)"),
            );
            ok = false;
        }
        Type::ImplTrait(_) => {
            errors.spanned(
                &pt.ty,
                "`impl Trait` parameters are not supported: use a concrete type",
            );
            ok = false;
        }
        _ => {}
    }
    let ident = ident?;
    let name = ident.unraw().to_string();
    let description = doc_text(&pt.attrs).or_else(|| param_description(method_doc, &name));
    ok.then(|| Param {
        name,
        ty: (*pt.ty).clone(),
        description,
    })
}

fn payload_param(pt: &PatType, errors: &mut Errors) -> Option<Param> {
    if !matches!(bare(&pt.ty), Type::Reference(r) if r.mutability.is_none()) {
        errors.spanned(
            &pt.ty,
            "the #[after_transaction] hook receives the serialized result by reference: declare it as `payload: &[u8]`",
        );
        return None;
    }
    let name = match &*pt.pat {
        Pat::Ident(pi) => pi.ident.unraw().to_string(),
        _ => "payload".to_owned(),
    };
    Some(Param {
        name,
        ty: (*pt.ty).clone(),
        description: None,
    })
}

/// Reads the return type: nothing, `Result<T, E>` or a plain `T`.
pub fn return_type(sig: &Signature, errors: &mut Errors) -> Return {
    let ty = match &sig.output {
        ReturnType::Default => return Return::Unit,
        ReturnType::Type(_, ty) => bare(ty),
    };
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => Return::Unit,
        Type::ImplTrait(_) => {
            errors.spanned(
                ty,
                "`impl Trait` return types are not supported: return a concrete type",
            );
            Return::Unit
        }
        Type::Path(tp) if tp.qself.is_none() => {
            if let Some(last) = tp.path.segments.last()
                && last.ident == "Result"
                && let PathArguments::AngleBracketed(args) = &last.arguments
            {
                let types: Vec<&Type> = args
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                    .collect();
                match (types.as_slice(), args.args.len()) {
                    ([ok], 1) => {
                        return Return::Result {
                            ok: (*ok).clone(),
                            err: None,
                        };
                    }
                    ([ok, err], 2) => {
                        return Return::Result {
                            ok: (*ok).clone(),
                            err: Some((*err).clone()),
                        };
                    }
                    _ => {}
                }
            }
            Return::Value(ty.clone())
        }
        other => Return::Value(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use syn::parse_quote;

    fn parse(attr: TokenStream, item: ItemImpl) -> (Contract, Errors) {
        let mut errors = Errors::default();
        let args = contract_args(attr, &mut errors);
        let contract = contract(args, &item, &mut errors);
        (contract, errors)
    }

    fn messages(errors: Errors) -> Vec<String> {
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    fn ty(t: &Type) -> String {
        t.to_token_stream().to_string()
    }

    #[test]
    fn names_and_kinds() {
        let (c, errors) = parse(
            quote!(),
            parse_quote! {
                impl crate::assets::AssetContract {
                    #[transaction]
                    fn create_asset(&self, ctx: &Context, id: String) {}
                    #[transaction(evaluate, name = "ReadIt")]
                    async fn read_asset(&self, ctx: &Context, r#type: String) -> Result<Asset, ContractError> { todo!() }
                    #[fabric_contract_api::transaction(submit)]
                    fn get_asset_v2(&self, _ctx: &Context) -> u32 { 0 }
                    fn helper(&self) {}
                }
            },
        );
        assert!(errors.is_empty());
        assert_eq!(c.name, "AssetContract");
        assert!(!c.default);
        let names: Vec<_> = c
            .transactions
            .iter()
            .map(|t| (t.wire_name.as_str(), t.kind))
            .collect();
        assert_eq!(
            names,
            [
                ("CreateAsset", Kind::Submit),
                ("ReadIt", Kind::Evaluate),
                ("GetAssetV2", Kind::Submit)
            ]
        );
        let read = &c.transactions[1].method;
        assert!(read.is_async);
        assert_eq!(read.params[0].name, "type");
        assert!(
            matches!(&read.ret, Return::Result { ok, err: Some(err) } if ty(ok) == "Asset" && ty(err) == "ContractError")
        );
        assert!(matches!(&c.transactions[0].method.ret, Return::Unit));
        assert!(matches!(&c.transactions[2].method.ret, Return::Value(t) if ty(t) == "u32"));
        assert_eq!(ty(&c.transactions[0].method.context.ty), "Context");
    }

    #[test]
    fn return_types() {
        let ret = |sig: Signature| {
            let mut errors = Errors::default();
            let ret = return_type(&sig, &mut errors);
            assert!(errors.is_empty());
            ret
        };
        assert!(matches!(ret(parse_quote!(fn f())), Return::Unit));
        assert!(matches!(ret(parse_quote!(fn f() -> ())), Return::Unit));
        assert!(matches!(ret(parse_quote!(fn f() -> (u8))), Return::Value(t) if ty(&t) == "u8"));
        assert!(matches!(
            ret(parse_quote!(fn f() -> std::result::Result<Vec<u8>, E>)),
            Return::Result { ok, err: Some(err) } if ty(&ok) == "Vec < u8 >" && ty(&err) == "E"
        ));
        // A one-argument alias: the error type is left to rustc.
        assert!(matches!(
            ret(parse_quote!(fn f() -> anyhow::Result<String>)),
            Return::Result { ok, err: None } if ty(&ok) == "String"
        ));
        // Other aliases cannot be recognised: a plain value.
        assert!(matches!(
            ret(parse_quote!(fn f() -> Fallible<u8>)),
            Return::Value(_)
        ));
        assert!(matches!(
            ret(parse_quote!(fn f() -> Result<'a, u8>)),
            Return::Value(_)
        ));
    }

    #[test]
    fn wire_names() {
        for (ident, wire) in [
            ("create_asset", "CreateAsset"),
            ("r#type", "Type"),
            ("asset_exists", "AssetExists"),
            ("transfer_to_org2", "TransferToOrg2"),
            ("Already", "Already"),
        ] {
            let ident: syn::Ident = syn::parse_str(ident).unwrap();
            assert_eq!(wire_name(&ident), wire);
        }
    }

    #[test]
    fn contract_options() {
        let (c, errors) = parse(
            quote!(
                name = "basic",
                default,
                title = "T",
                version = "1.0.0",
                license = "Apache-2.0",
                contact(name = "n", email = "e@x.org")
            ),
            parse_quote! {
                /// Manages assets.
                ///
                /// Second paragraph.
                impl AssetContract { #[transaction] fn f(&self, ctx: &Context) {} }
            },
        );
        assert!(errors.is_empty());
        assert_eq!(c.name, "basic");
        assert!(c.default);
        assert_eq!(c.info.title.unwrap().value(), "T");
        assert_eq!(c.info.version.unwrap().value(), "1.0.0");
        assert_eq!(
            c.info.description.as_deref(),
            Some("Manages assets.\n\nSecond paragraph.")
        );
        assert_eq!(c.info.license.unwrap().name.value(), "Apache-2.0");
        let contact = c.info.contact.unwrap();
        assert_eq!(contact.name.unwrap().value(), "n");
        assert_eq!(contact.email.unwrap().value(), "e@x.org");
        assert!(contact.url.is_none());
    }

    #[test]
    fn option_mistakes_are_all_reported() {
        let (_, errors) = parse(
            quote!(nmae = "x", default, default, title = 3, license(url = "u")),
            parse_quote! {
                impl C {
                    #[transaction(evaluate, submit, evaluate, frobnicate, name = X)]
                    fn f(&self, ctx: &Context) {}
                }
            },
        );
        let m = messages(errors);
        assert_eq!(
            m,
            [
                format!("unknown option `nmae` of #[contract]; the options are {CONTRACT_OPTIONS}"),
                "duplicate option `default`".to_owned(),
                "expected a string: `title = \"...\"`".to_owned(),
                "`license` needs a name: write `license = \"Apache-2.0\"` or `license(name = \"...\", url = \"...\")`"
                    .to_owned(),
                "`submit` conflicts with `evaluate`: a transaction is either submitted or evaluated".to_owned(),
                "duplicate option `evaluate`".to_owned(),
                format!("unknown option `frobnicate` of #[transaction]; the options are {TRANSACTION_OPTIONS}"),
                "expected a string: `name = \"...\"`".to_owned(),
            ]
        );
    }

    #[test]
    fn signature_mistakes() {
        let (c, errors) = parse(
            quote!(),
            parse_quote! {
                impl<T> C<T> {
                    #[transaction] fn a(&mut self, ctx: &Context) {}
                    #[transaction] fn b(self, ctx: &Context) {}
                    #[transaction] fn c(ctx: &Context) {}
                    #[transaction] fn d(&self) {}
                    #[transaction] fn e(&self, id: String, ctx: &Context) {}
                    #[transaction] fn f(&self, ctx: &Context, (a, b): (u8, u8), s: &str, _: u8) {}
                    #[transaction] fn g<U>(&self, ctx: &Context, x: impl Into<u8>) -> impl Clone {}
                }
            },
        );
        let m = messages(errors);
        let expected_starts = [
            "contracts cannot be generic",
            "a transaction takes `&self`, not `&mut self`",
            "a transaction takes `&self`, not `self` by value",
            "a transaction must be a method taking `&self`",
            "missing context parameter",
            "the context must be the first parameter",
            "transaction parameters must be plain names",
            "take `String` instead of `&str`",
            "name this parameter",
            "a transaction cannot be generic",
            "`impl Trait` parameters are not supported",
            "`impl Trait` return types are not supported",
        ];
        assert_eq!(m.len(), expected_starts.len(), "{m:#?}");
        for (message, start) in m.iter().zip(expected_starts) {
            assert!(
                message.starts_with(start),
                "{message:?} should start with {start:?}"
            );
        }
        // Methods whose signature is otherwise readable stay in the model.
        assert_eq!(c.transactions.len(), 5);
    }

    #[test]
    fn hooks() {
        let (c, errors) = parse(
            quote!(),
            parse_quote! {
                impl C {
                    #[before_transaction] async fn before(&self, ctx: &Ctx) -> Result<(), E> { Ok(()) }
                    #[after_transaction] fn after(&self, ctx: &Ctx, payload: &[u8]) {}
                    #[unknown_transaction] fn unknown(&self, ctx: &Ctx) -> String { String::new() }
                    #[transaction] fn t(&self, ctx: &Ctx) {}
                }
            },
        );
        assert!(errors.is_empty());
        let kinds: Vec<_> = c.hooks.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [HookKind::Before, HookKind::After, HookKind::Unknown]
        );
        assert_eq!(c.hooks[1].method.params.len(), 1);
        assert!(c.hooks[0].method.is_async);
        assert_eq!(ty(&c.hooks[2].method.context.ty), "Ctx");

        let (_, errors) = parse(
            quote!(),
            parse_quote! {
                impl C {
                    #[before_transaction(x)] fn before(&self, ctx: &Ctx, extra: u8) -> u8 { 0 }
                    #[after_transaction] fn after(&self, ctx: &Ctx, payload: Vec<u8>) {}
                    #[transaction] #[unknown_transaction] fn both(&self, ctx: &Ctx) {}
                }
            },
        );
        let m = messages(errors);
        assert_eq!(
            m,
            [
                "#[before_transaction] takes no options",
                "the #[before_transaction] hook takes only `&self` and the context",
                "the #[before_transaction] hook returns nothing or a `Result<(), E>`",
                "the #[after_transaction] hook receives the serialized result by reference: declare it as `payload: &[u8]`",
                "#[unknown_transaction] cannot be combined with #[transaction]: a method is one transaction or one hook",
            ]
        );
    }

    #[test]
    fn parameter_descriptions() {
        let lines: Vec<String> = [
            "Creates an asset.",
            "",
            "# Arguments",
            "* `id` - the asset id",
            "* size: its size,",
            "  in bytes",
            "- owner \u{2014} who owns it",
            "* `idx` - not id",
            "- colour",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            param_description(&lines, "id").as_deref(),
            Some("the asset id")
        );
        assert_eq!(
            param_description(&lines, "size").as_deref(),
            Some("its size, in bytes")
        );
        assert_eq!(
            param_description(&lines, "owner").as_deref(),
            Some("who owns it")
        );
        assert_eq!(param_description(&lines, "colour"), None);
        assert_eq!(param_description(&lines, "i"), None);

        // A doc comment on the parameter itself wins.
        let (c, errors) = parse(
            quote!(),
            parse_quote! {
                impl C {
                    /// * `id` - from the list
                    /// * `size` - from the list too
                    #[transaction]
                    fn f(&self, ctx: &Context, /// the id itself
                         id: String, size: u32) {}
                }
            },
        );
        assert!(errors.is_empty());
        let params = &c.transactions[0].method.params;
        assert_eq!(params[0].description.as_deref(), Some("the id itself"));
        assert_eq!(params[1].description.as_deref(), Some("from the list too"));
    }

    #[test]
    fn strip_removes_only_our_attributes() {
        let mut item: ItemImpl = parse_quote! {
            impl C {
                /// Kept.
                #[transaction(evaluate)]
                #[inline]
                fn f(&self, ctx: &Context, /// gone
                     id: String) {}
                #[before_transaction]
                fn b(&self, ctx: &Context) {}
                #[allow(unused)]
                fn helper(&self, #[allow(unused)] x: u8) {}
            }
        };
        strip(&mut item);
        let expected: ItemImpl = parse_quote! {
            impl C {
                /// Kept.
                #[inline]
                fn f(&self, ctx: &Context, id: String) {}
                fn b(&self, ctx: &Context) {}
                #[allow(unused)]
                fn helper(&self, #[allow(unused)] x: u8) {}
            }
        };
        assert_eq!(item, expected);
    }
}
