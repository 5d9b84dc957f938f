//! The intermediate representation: what `#[contract]` understood of an
//! `impl` block, independent of how it was written. Built by [`crate::parse`],
//! checked by [`crate::validate`], turned into code by [`crate::codegen`].

use proc_macro2::{Span, TokenStream};
use syn::{Ident, LitStr, Type};

/// A contract: one annotated `impl` block.
pub struct Contract {
    /// The `impl`'s self type, as written.
    pub self_ty: Type,
    /// The contract name (the `Contract` of `Contract:Transaction`).
    pub name: String,
    /// Where the name comes from (the `name = "…"` literal, or the self type).
    pub name_span: Span,
    /// Whether unprefixed calls come here.
    pub default: bool,
    /// Descriptive info for the metadata.
    pub info: InfoAttrs,
    /// Transactions, in declaration order (those whose signature could be read).
    pub transactions: Vec<Transaction>,
    /// How many methods are marked `#[transaction]`, readable or not.
    pub marked_transactions: usize,
    /// Hooks, in declaration order (validation leaves at most one per kind).
    pub hooks: Vec<Hook>,
}

/// The `info` options of `#[contract(...)]`; `None` fields take defaults.
#[derive(Default)]
pub struct InfoAttrs {
    /// `title = "…"` (default: the contract name).
    pub title: Option<LitStr>,
    /// `version = "…"` (default: `latest`).
    pub version: Option<LitStr>,
    /// `description = "…"`, else the impl block's doc comment.
    pub description: Option<String>,
    /// `terms_of_service = "…"`.
    pub terms_of_service: Option<LitStr>,
    /// `license = "…"` or `license(name = "…", url = "…")`.
    pub license: Option<LicenseAttrs>,
    /// `contact(name = "…", email = "…", url = "…")`.
    pub contact: Option<ContactAttrs>,
}

/// `license(...)`.
pub struct LicenseAttrs {
    /// The license name.
    pub name: LitStr,
    /// Its URL.
    pub url: Option<LitStr>,
}

/// `contact(...)`.
#[derive(Default)]
pub struct ContactAttrs {
    /// Name.
    pub name: Option<LitStr>,
    /// E-mail.
    pub email: Option<LitStr>,
    /// URL.
    pub url: Option<LitStr>,
}

/// Submit (changes the ledger) or evaluate (only reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[transaction]`, `#[transaction(submit)]`.
    Submit,
    /// `#[transaction(evaluate)]`.
    Evaluate,
}

/// One `#[transaction]` method.
pub struct Transaction {
    /// The wire name clients call.
    pub wire_name: String,
    /// Where the wire name comes from (the `name = "…"` literal or the method name).
    pub wire_span: Span,
    /// Submit or evaluate.
    pub kind: Kind,
    /// The method.
    pub method: Method,
    /// The method's doc comment, line by line (for the typed client).
    pub doc: Vec<String>,
}

/// The three hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `#[before_transaction]`: runs before every call, known or not.
    Before,
    /// `#[after_transaction]`: runs after every successful call.
    After,
    /// `#[unknown_transaction]`: runs for functions the contract lacks.
    Unknown,
}

impl HookKind {
    /// The attribute's name.
    pub fn attribute(self) -> &'static str {
        match self {
            HookKind::Before => "before_transaction",
            HookKind::After => "after_transaction",
            HookKind::Unknown => "unknown_transaction",
        }
    }
}

/// One hook method.
pub struct Hook {
    /// Which hook.
    pub kind: HookKind,
    /// The method. For the after hook, `params` holds the payload parameter if declared.
    pub method: Method,
    /// The attribute's tokens, for error spans.
    pub attr: TokenStream,
}

/// What transactions and hooks share: a `&self` method taking the context first.
pub struct Method {
    /// The method's name, as written (possibly raw).
    pub ident: Ident,
    /// `async fn`.
    pub is_async: bool,
    /// The context parameter.
    pub context: ContextParam,
    /// The parameters after the context.
    pub params: Vec<Param>,
    /// The return type.
    pub ret: Return,
    /// Position among the items of the `impl` block.
    pub index: usize,
}

/// The context parameter `ctx: &T`.
pub struct ContextParam {
    /// `T`.
    pub ty: Type,
}

/// One decoded parameter.
pub struct Param {
    /// Its name in the metadata and error messages (without `r#`).
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// From the method's doc comment (see [`crate::parse::param_descriptions`]).
    pub description: Option<String>,
}

/// What the method returns.
#[allow(clippy::large_enum_variant)] // a handful per expansion
pub enum Return {
    /// Nothing (or `()`).
    Unit,
    /// A plain value.
    Value(Type),
    /// `Result<T, E>` or `Result<T>`: any path whose last segment is
    /// `Result` with one or two type arguments (the one-argument form is an
    /// alias such as `anyhow::Result<T>`, whose error type rustc infers).
    Result {
        /// `T`.
        ok: Type,
        /// `E`, when written.
        err: Option<Type>,
    },
}

impl Param {
    /// `T` when the parameter is written `Option<T>`: it may be left out.
    pub fn optional(&self) -> Option<&Type> {
        option_inner(&self.ty)
    }
}

/// `T` of a type written `Option<T>` (or `std::option::Option<T>`,
/// `core::option::Option<T>`). Recognised by how it is written: an alias of
/// `Option` is an ordinary JSON-encoded type.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return match ty {
            Type::Group(g) => option_inner(&g.elem),
            Type::Paren(p) => option_inner(&p.elem),
            _ => None,
        };
    };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let is_option = match segments.as_slice() {
        [one] => one == "Option",
        [krate, module, last] => {
            (krate == "std" || krate == "core") && module == "option" && last == "Option"
        }
        _ => false,
    };
    if !is_option {
        return None;
    }
    match &path.path.segments.last()?.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}
