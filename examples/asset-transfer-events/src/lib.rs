//! The fabric-samples `asset-transfer-events` contract, in Rust.
//!
//! Mirrors the Go version (`asset-transfer-events/chaincode-go`): every
//! transaction that changes an asset sets a chaincode event named after the
//! transaction, whose payload is the asset's JSON. Clients receive the events
//! once the transaction is committed. Same transaction names, argument order,
//! stored JSON (fields in alphabetical order, as in Go) and error messages.
#![forbid(unsafe_code)]

use fabric_contract_api::{Context, ContractError, contract};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Basic details of an asset. Fields in the Go struct's (alphabetical) order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    /// Appraised value.
    #[serde(rename = "AppraisedValue")]
    pub appraised_value: i64,
    /// Colour.
    #[serde(rename = "Color")]
    pub color: String,
    /// Unique id, also the ledger key.
    #[serde(rename = "ID")]
    pub id: String,
    /// Current owner.
    #[serde(rename = "Owner")]
    pub owner: String,
    /// Size.
    #[serde(rename = "Size")]
    pub size: i64,
}

/// Manages assets and emits an event for every change.
#[derive(Debug, Default)]
pub struct SmartContract;

#[contract(
    default,
    title = "asset-transfer-events",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl SmartContract {
    /// Issues a new asset to the world state; event `CreateAsset` with the asset.
    ///
    /// * `id` - the asset's id
    /// * `appraised_value` - its value
    #[transaction]
    pub async fn create_asset(
        &self,
        ctx: &Context,
        id: String,
        color: String,
        size: i64,
        owner: String,
        appraised_value: i64,
    ) -> Result<(), ContractError> {
        // As in Go, a failed read counts as "does not exist" here.
        if let Ok(Some(_)) = read_state(ctx, &id).await {
            return Err(format!("the asset {id} already exists").into());
        }
        let asset = Asset {
            appraised_value,
            color,
            id: id.clone(),
            owner,
            size,
        };
        let asset_json = fabric_contract_api::json::to_vec_go(&asset)?;
        ctx.stub().set_event("CreateAsset", asset_json.clone())?;
        ctx.stub().put_state(&id, asset_json).await?;
        Ok(())
    }

    /// Returns the asset stored in the world state with the given id.
    #[transaction(evaluate)]
    pub async fn read_asset(&self, ctx: &Context, id: String) -> Result<Asset, ContractError> {
        let bytes = existing_state(ctx, &id).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Replaces an existing asset; event `UpdateAsset` with the new asset.
    #[transaction]
    pub async fn update_asset(
        &self,
        ctx: &Context,
        id: String,
        color: String,
        size: i64,
        owner: String,
        appraised_value: i64,
    ) -> Result<(), ContractError> {
        existing_state(ctx, &id).await?;
        let asset = Asset {
            appraised_value,
            color,
            id: id.clone(),
            owner,
            size,
        };
        let asset_json = fabric_contract_api::json::to_vec_go(&asset)?;
        ctx.stub().set_event("UpdateAsset", asset_json.clone())?;
        ctx.stub().put_state(&id, asset_json).await?;
        Ok(())
    }

    /// Deletes an asset; event `DeleteAsset` with the asset as it was stored.
    #[transaction]
    pub async fn delete_asset(&self, ctx: &Context, id: String) -> Result<(), ContractError> {
        let asset_json = existing_state(ctx, &id).await?;
        ctx.stub().set_event("DeleteAsset", asset_json)?;
        ctx.stub().del_state(&id).await?;
        Ok(())
    }

    /// Gives an asset a new owner and returns the old one; event
    /// `TransferAsset` with the updated asset.
    #[transaction]
    pub async fn transfer_asset(
        &self,
        ctx: &Context,
        id: String,
        new_owner: String,
    ) -> Result<String, ContractError> {
        let mut asset = self.read_asset(ctx, id.clone()).await?;
        let old_owner = std::mem::replace(&mut asset.owner, new_owner);
        let asset_json = fabric_contract_api::json::to_vec_go(&asset)?;
        ctx.stub().set_event("TransferAsset", asset_json.clone())?;
        ctx.stub().put_state(&id, asset_json).await?;
        Ok(old_owner)
    }
}

/// Reads a key; `None` when it does not exist.
async fn read_state(ctx: &Context, id: &str) -> Result<Option<Vec<u8>>, ContractError> {
    let value = ctx
        .stub()
        .get_state(id)
        .await
        .map_err(|e| format!("failed to read from world state: {e}"))?;
    Ok(value.map(|v| v.to_vec()))
}

/// Reads a key that must exist (Go's `readState`).
async fn existing_state(ctx: &Context, id: &str) -> Result<Vec<u8>, ContractError> {
    read_state(ctx, id)
        .await?
        .ok_or_else(|| format!("the asset {id} does not exist").into())
}
