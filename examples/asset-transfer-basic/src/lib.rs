//! The fabric-samples `asset-transfer-basic` contract, in Rust.
//!
//! Same transaction names, argument order and encodings, stored JSON (fields
//! in alphabetical order) and error messages as the Go version, so the
//! samples' client applications work unchanged.
#![forbid(unsafe_code)]

use fabric_contract_api::{Context, ContractError, contract};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Basic details of an asset. Fields are declared in alphabetical order so
/// the stored JSON is byte-identical to the Go and Node samples.
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

/// Manages assets in the world state.
#[derive(Debug, Default)]
pub struct SmartContract;

#[contract(
    default,
    title = "asset-transfer-basic",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl SmartContract {
    /// Adds a base set of assets to the ledger.
    #[transaction]
    pub async fn init_ledger(&self, ctx: &Context) -> Result<(), ContractError> {
        let assets = [
            ("asset1", "blue", 5, "Tomoko", 300),
            ("asset2", "red", 5, "Brad", 400),
            ("asset3", "green", 10, "Jin Soo", 500),
            ("asset4", "yellow", 10, "Max", 600),
            ("asset5", "black", 15, "Adriana", 700),
            ("asset6", "white", 15, "Michel", 800),
        ];
        for (id, color, size, owner, appraised_value) in assets {
            let asset = Asset {
                appraised_value,
                color: color.into(),
                id: id.into(),
                owner: owner.into(),
                size,
            };
            ctx.stub()
                .put_state(id, fabric_contract_api::json::to_vec_go(&asset)?)
                .await
                .map_err(|e| ContractError::new(format!("failed to put to world state. {e}")))?;
        }
        Ok(())
    }

    /// Issues a new asset to the world state with the given details.
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
        if self.asset_exists(ctx, id.clone()).await? {
            return Err(ContractError::new(format!("the asset {id} already exists")));
        }
        let asset = Asset {
            appraised_value,
            color,
            id: id.clone(),
            owner,
            size,
        };
        ctx.stub()
            .put_state(&id, fabric_contract_api::json::to_vec_go(&asset)?)
            .await?;
        Ok(())
    }

    /// Returns the asset stored in the world state with the given id.
    #[transaction(evaluate)]
    pub async fn read_asset(&self, ctx: &Context, id: String) -> Result<Asset, ContractError> {
        let bytes = ctx
            .stub()
            .get_state(&id)
            .await
            .map_err(|e| ContractError::new(format!("failed to read from world state: {e}")))?
            .ok_or_else(|| ContractError::new(format!("the asset {id} does not exist")))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Updates an existing asset in the world state with the given details.
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
        if !self.asset_exists(ctx, id.clone()).await? {
            return Err(ContractError::new(format!("the asset {id} does not exist")));
        }
        let asset = Asset {
            appraised_value,
            color,
            id: id.clone(),
            owner,
            size,
        };
        ctx.stub()
            .put_state(&id, fabric_contract_api::json::to_vec_go(&asset)?)
            .await?;
        Ok(())
    }

    /// Deletes the given asset from the world state.
    #[transaction]
    pub async fn delete_asset(&self, ctx: &Context, id: String) -> Result<(), ContractError> {
        if !self.asset_exists(ctx, id.clone()).await? {
            return Err(ContractError::new(format!("the asset {id} does not exist")));
        }
        ctx.stub().del_state(&id).await?;
        Ok(())
    }

    /// Whether an asset with the given id exists in the world state.
    #[transaction(evaluate)]
    pub async fn asset_exists(&self, ctx: &Context, id: String) -> Result<bool, ContractError> {
        let value = ctx
            .stub()
            .get_state(&id)
            .await
            .map_err(|e| ContractError::new(format!("failed to read from world state: {e}")))?;
        Ok(value.is_some())
    }

    /// Gives the asset a new owner and returns the old one.
    #[transaction]
    pub async fn transfer_asset(
        &self,
        ctx: &Context,
        id: String,
        new_owner: String,
    ) -> Result<String, ContractError> {
        let mut asset = self.read_asset(ctx, id.clone()).await?;
        let old_owner = std::mem::replace(&mut asset.owner, new_owner);
        ctx.stub()
            .put_state(&id, fabric_contract_api::json::to_vec_go(&asset)?)
            .await?;
        Ok(old_owner)
    }

    /// Returns every asset in the world state (`[]` when there are none).
    #[transaction(evaluate)]
    pub async fn get_all_assets(&self, ctx: &Context) -> Result<Vec<Asset>, ContractError> {
        let mut results = ctx.stub().get_state_by_range("", "").await?;
        let mut assets = Vec::new();
        while let Some(kv) = results.next().await? {
            assets.push(serde_json::from_slice(&kv.value)?);
        }
        Ok(assets)
    }
}
