//! The transfer chaincode written with `#[contract]` / `#[transaction]`
//! (the `cc-contract` binary, also driven in-process by the micro-benchmarks):
//! the same functions as [`crate::transfer::TransferChaincode`], routed and
//! decoded by the contract API.

use fabric_contract_api::{Context, ContractChaincode, ContractError, Info, contract};

use crate::transfer::{transfer, transfer_multi};

/// The chaincode of the `cc-contract` binary.
pub fn chaincode() -> ContractChaincode {
    ContractChaincode::new()
        .with_info(Info::new("fabric-bench", env!("CARGO_PKG_VERSION")))
        .add(TransferContract)
}

/// Moves units between keys.
#[derive(Debug, Default)]
pub struct TransferContract;

#[contract(name = "TransferContract", default)]
impl TransferContract {
    /// Moves one unit from `from` to `to`: 2 GetState + 2 PutState.
    #[transaction]
    pub async fn transfer(
        &self,
        ctx: &Context,
        from: String,
        to: String,
    ) -> Result<(), ContractError> {
        transfer(ctx.stub(), &from, &to)
            .await
            .map_err(ContractError::new)
    }

    /// The same with a write batch: 2 GetState + 1 WRITE_BATCH_STATE.
    #[transaction]
    pub async fn transfer_batch(
        &self,
        ctx: &Context,
        from: String,
        to: String,
    ) -> Result<(), ContractError> {
        ctx.stub().start_write_batch();
        transfer(ctx.stub(), &from, &to)
            .await
            .map_err(ContractError::new)
    }

    /// The same with one GET_STATE_MULTIPLE: 1 GET_STATE_MULTIPLE + 2 PutState.
    #[transaction]
    pub async fn transfer_multi(
        &self,
        ctx: &Context,
        from: String,
        to: String,
    ) -> Result<(), ContractError> {
        transfer_multi(ctx.stub(), &from, &to)
            .await
            .map_err(ContractError::new)
    }

    /// Both: 1 GET_STATE_MULTIPLE + 1 WRITE_BATCH_STATE.
    #[transaction]
    pub async fn transfer_multi_batch(
        &self,
        ctx: &Context,
        from: String,
        to: String,
    ) -> Result<(), ContractError> {
        ctx.stub().start_write_batch();
        transfer_multi(ctx.stub(), &from, &to)
            .await
            .map_err(ContractError::new)
    }
}
