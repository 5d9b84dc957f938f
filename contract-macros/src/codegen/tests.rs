//! Snapshots of whole expansions, pretty-printed. Review changes with
//! `INSTA_UPDATE=always cargo test -p fabric-contract-macros` and `git diff`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(attr: TokenStream, item: TokenStream) -> String {
    let tokens = super::contract(attr, item);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => panic!("the expansion does not parse ({e}):\n{tokens}"),
    }
}

#[test]
fn minimal() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Greeter {
                #[transaction(evaluate)]
                fn hello(&self, _ctx: &Context, name: String) -> String {
                    format!("hello {name}")
                }
            }
        },
    ));
}

#[test]
fn async_custom_context_and_hooks() {
    insta::assert_snapshot!(expand(
        quote!(
            name = "basic",
            default,
            title = "Assets",
            version = "1.0.0",
            license = "Apache-2.0",
            contact(name = "Ops", email = "ops@example.org")
        ),
        quote! {
            /// Manages assets.
            impl AssetContract {
                /// Creates an asset.
                ///
                /// * `id` - the asset's id
                #[transaction]
                pub async fn create_asset(&self, ctx: &AuditContext, id: String, /// its size
                    size: u32) -> Result<(), ContractError> {
                    Ok(())
                }

                #[transaction(evaluate, name = "ReadIt")]
                pub async fn read_asset(&self, ctx: &AuditContext, id: String) -> Result<Asset, MyError> {
                    todo!()
                }

                #[before_transaction]
                async fn before(&self, ctx: &AuditContext) -> Result<(), ContractError> {
                    Ok(())
                }

                #[after_transaction]
                fn after(&self, ctx: &AuditContext, payload: &[u8]) {}

                #[unknown_transaction]
                async fn unknown(&self, ctx: &AuditContext) -> Result<String, ContractError> {
                    Ok(String::new())
                }

                fn helper(&self) {}
            }
        },
    ));
}

#[test]
fn all_argument_kinds() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Kinds {
                #[transaction]
                fn everything(
                    &self,
                    ctx: &Context,
                    text: String,
                    small: i32,
                    big: u64,
                    ratio: f64,
                    flag: bool,
                    raw: Vec<u8>,
                    asset: Asset,
                    assets: Vec<Asset>,
                    maybe: Option<u32>,
                    r#type: String,
                ) -> Vec<u8> {
                    raw
                }

                #[transaction(evaluate)]
                fn nothing(&self, ctx: &Context) {}
            }
        },
    ));
}

#[test]
fn errors_keep_the_impl() {
    insta::assert_snapshot!(expand(
        quote!(nmae = "x"),
        quote! {
            impl Broken {
                #[transaction(evaluate)]
                fn a(&mut self, ctx: &Context, s: &str) {}

                #[transaction(name = "A")]
                fn b(&self, ctx: &Context, /// a doc comment rustc would reject
                     id: String) {}

                fn helper(&self) {}
            }
        },
    ));
}

#[test]
fn not_an_impl() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote!(
            struct NotAnImpl;
        )
    ));
}
