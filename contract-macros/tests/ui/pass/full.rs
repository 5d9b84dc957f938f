//! Every feature together: options, custom context, hooks, async and sync
//! transactions, all kinds of parameters and returns, raw identifiers.
use std::collections::BTreeMap;

use fabric_contract_api::{
    Context, ContractChaincode, ContractError, TransactionContext, contract,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    pub id: String,
    pub tags: BTreeMap<String, Vec<u8>>,
}

pub struct Audited {
    base: Context,
}

impl TransactionContext for Audited {
    fn from_context(base: Context) -> Self {
        Audited { base }
    }
    fn context(&self) -> &Context {
        &self.base
    }
}

#[derive(Debug)]
pub struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

/// A one-argument `Result` alias: recognised as fallible by its name.
mod api {
    pub type Result<T> = std::result::Result<T, super::MyError>;
}

#[derive(Default)]
pub struct Assets {
    prefix: String,
}

/// Manages assets.
#[contract(
    name = "assets",
    default,
    title = "Assets",
    version = "2.0.0",
    description = "explicit",
    terms_of_service = "none",
    license = "Apache-2.0",
    contact(name = "Ops", email = "ops@example.org", url = "https://example.org")
)]
impl Assets {
    /// * `id` - the id
    #[transaction]
    pub async fn create_asset(
        &self,
        ctx: &Audited,
        id: String,
        /** its size */
        size: u32,
    ) -> Result<Asset, ContractError> {
        let _ = (ctx.context().function(), size);
        Ok(Asset {
            id: format!("{}{id}", self.prefix),
            tags: BTreeMap::new(),
        })
    }

    #[transaction(evaluate, name = "ReadIt")]
    pub fn read(
        &self,
        _ctx: &Audited,
        r#type: String,
        ids: Vec<String>,
        limit: Option<u64>,
    ) -> Result<Vec<Asset>, MyError> {
        let _ = (r#type, ids, limit);
        Err(MyError)
    }

    #[transaction(submit)]
    async fn raw(
        &self,
        _ctx: &Audited,
        mut data: Vec<u8>,
        _flag: bool,
        _ratio: f64,
        _n: i64,
    ) -> Vec<u8> {
        data.reverse();
        data
    }

    #[fabric_contract_api::transaction]
    fn nothing(&self, _ctx: &Audited) -> () {}

    #[transaction]
    fn aliased(&self, _ctx: &Audited) -> api::Result<u8> {
        Ok(1)
    }

    #[transaction]
    fn unit_result(&self, _ctx: &Audited) -> Result<(), String> {
        Ok(())
    }

    fn helper(&self, x: u8) -> u8 {
        x
    }

    #[before_transaction]
    async fn before(&self, _ctx: &Audited) -> Result<(), ContractError> {
        Ok(())
    }

    #[after_transaction]
    fn after(&self, _ctx: &Audited, _payload: &[u8]) {}

    #[unknown_transaction]
    fn unknown(&self, ctx: &Audited) -> Result<String, MyError> {
        Ok(ctx.context().function().to_owned())
    }
}

fn main() {
    let metadata = ContractChaincode::new()
        .add(Assets::default())
        .metadata()
        .unwrap();
    let assets = &metadata.contracts["assets"];
    let names: Vec<&str> = assets
        .transactions
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "CreateAsset",
            "ReadIt",
            "Raw",
            "Nothing",
            "Aliased",
            "UnitResult"
        ]
    );
    assert_eq!(
        assets.transactions[0].parameters[1].description.as_deref(),
        Some("its size")
    );
    assert_eq!(assets.transactions[1].parameters[0].name, "type");
    assert_eq!(Assets::default().helper(3), 3);
}
