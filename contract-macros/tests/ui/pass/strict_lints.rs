//! The generated code passes strict lints of the user's crate.
#![deny(
    warnings,
    rust_2018_idioms,
    unused_qualifications,
    unused_results,
    unused_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    unreachable_pub,
    missing_docs
)]

use fabric_contract_api::{Context, ContractChaincode, ContractError, contract};

/// A contract.
#[derive(Default)]
pub struct Strict;

#[contract]
impl Strict {
    #[transaction]
    async fn store(&self, ctx: &Context, id: String, value: Vec<u8>) -> Result<u64, ContractError> {
        ctx.stub().put_state(&id, value).await?;
        Ok(1)
    }

    #[transaction(evaluate)]
    fn ping(&self, _ctx: &Context) {}

    #[before_transaction]
    fn before(&self, _ctx: &Context) -> Result<(), String> {
        Ok(())
    }

    #[after_transaction]
    async fn after(&self, _ctx: &Context, _payload: &[u8]) {}

    #[unknown_transaction]
    fn unknown(&self, _ctx: &Context) -> u32 {
        0
    }
}

fn main() {
    let _chaincode = ContractChaincode::new().add(Strict);
}
