//! The fabric-samples `asset-transfer-sbe` contract, in Rust.
//!
//! Mirrors the TypeScript version (`asset-transfer-sbe/chaincode-typescript`):
//! state-based endorsement (SBE). Every asset key carries a key-level
//! endorsement policy naming its owner's organisation: `CreateAsset` sets it
//! to the creating client's organisation, `TransferAsset` to the new owner's.
//! From then on, Fabric's validation only accepts changes to the key endorsed
//! by a member of that organisation, whatever the chaincode's own policy.
//!
//! Same transaction names, argument order, stored JSON (`ID`, `Value`,
//! `Owner`, `OwnerOrg`, as the TypeScript `Asset` class), error messages and
//! policy bytes (`AND('<Org>.member')`, as `KeyEndorsementPolicy.addOrgs('MEMBER', ...)`).
#![forbid(unsafe_code)]

use fabric_contract_api::endorsement::{KeyEndorsementPolicy, RoleType};
use fabric_contract_api::{Context, ContractError, contract};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An asset. Fields in the TypeScript class's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    /// The asset's id, also its key.
    #[serde(rename = "ID")]
    pub id: String,
    /// Its value.
    #[serde(rename = "Value")]
    pub value: i64,
    /// Its owner.
    #[serde(rename = "Owner")]
    pub owner: String,
    /// The MSP id of the owner's organisation, whose members must endorse
    /// changes to the asset.
    #[serde(rename = "OwnerOrg")]
    pub owner_org: String,
}

/// The contract (`AssetContract`, the default one).
#[derive(Debug, Default)]
pub struct AssetContract;

/// Asset Transfer Smart Contract, using State Based Endorsement(SBE), implemented in Rust
#[contract(
    default,
    title = "AssetContract",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl AssetContract {
    /// Creates an asset owned by `owner` of the client's organisation, and
    /// makes that organisation the only one whose endorsement can change it.
    ///
    /// * `asset_id` - the asset's id
    /// * `value` - its value
    /// * `owner` - its owner
    #[transaction]
    pub async fn create_asset(
        &self,
        ctx: &Context,
        asset_id: String,
        value: i64,
        owner: String,
    ) -> Result<(), ContractError> {
        if asset_exists(ctx, &asset_id).await? {
            return Err(format!("The asset {asset_id} already exists").into());
        }
        let owner_org = ctx.client_identity()?.msp_id().to_owned();
        let asset = Asset {
            id: asset_id.clone(),
            value,
            owner,
            owner_org: owner_org.clone(),
        };
        ctx.stub()
            .put_state(&asset_id, serde_json::to_vec(&asset)?)
            .await?;
        set_state_based_endorsement(ctx, &asset_id, &[&owner_org]).await
    }

    /// Returns the asset's JSON as stored.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn read_asset(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<String, ContractError> {
        let value = ctx.stub().get_state(&asset_id).await?;
        match value {
            Some(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            None => Err(format!("The asset {asset_id} does not exist").into()),
        }
    }

    /// Sets the asset's value; needs the endorsement of the owner's organisation.
    ///
    /// * `asset_id` - the asset's id
    /// * `new_value` - its new value
    #[transaction]
    pub async fn update_asset(
        &self,
        ctx: &Context,
        asset_id: String,
        new_value: i64,
    ) -> Result<(), ContractError> {
        let mut asset: Asset =
            serde_json::from_str(&self.read_asset(ctx, asset_id.clone()).await?)?;
        asset.value = new_value;
        ctx.stub()
            .put_state(&asset_id, serde_json::to_vec(&asset)?)
            .await?;
        Ok(())
    }

    /// Deletes the asset; needs the endorsement of the owner's organisation.
    ///
    /// * `asset_id` - the asset's id
    #[transaction]
    pub async fn delete_asset(&self, ctx: &Context, asset_id: String) -> Result<(), ContractError> {
        if !asset_exists(ctx, &asset_id).await? {
            return Err(format!("The asset {asset_id} does not exist").into());
        }
        ctx.stub().del_state(&asset_id).await?;
        Ok(())
    }

    /// Gives the asset a new owner in the organisation `new_owner_org` (an
    /// MSP id), which becomes the only one whose endorsement can change it.
    /// Needs the endorsement of the current owner's organisation.
    ///
    /// * `asset_id` - the asset's id
    /// * `new_owner` - the new owner
    /// * `new_owner_org` - the MSP id of the new owner's organisation
    #[transaction]
    pub async fn transfer_asset(
        &self,
        ctx: &Context,
        asset_id: String,
        new_owner: String,
        new_owner_org: String,
    ) -> Result<(), ContractError> {
        let mut asset: Asset =
            serde_json::from_str(&self.read_asset(ctx, asset_id.clone()).await?)?;
        asset.owner = new_owner;
        asset.owner_org = new_owner_org.clone();
        ctx.stub()
            .put_state(&asset_id, serde_json::to_vec(&asset)?)
            .await?;
        set_state_based_endorsement(ctx, &asset.id, &[&new_owner_org]).await
    }
}

/// Whether the asset exists (not a transaction, as in the TypeScript sample).
async fn asset_exists(ctx: &Context, asset_id: &str) -> Result<bool, ContractError> {
    Ok(ctx
        .stub()
        .get_state(asset_id)
        .await?
        .is_some_and(|v| !v.is_empty()))
}

/// Sets the key-level endorsement policy of `asset_id`: a member of every
/// organisation in `owner_orgs` must endorse future changes.
async fn set_state_based_endorsement(
    ctx: &Context,
    asset_id: &str,
    owner_orgs: &[&str],
) -> Result<(), ContractError> {
    let mut policy = KeyEndorsementPolicy::new();
    policy.add_orgs(RoleType::Member, owner_orgs)?;
    ctx.stub()
        .set_state_validation_parameter(asset_id, policy.policy()?)
        .await?;
    Ok(())
}
