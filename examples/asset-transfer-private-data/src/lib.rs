//! The fabric-samples `asset-transfer-private-data` contract, in Rust.
//!
//! Mirrors the Go version (`asset-transfer-private-data/chaincode-go`):
//! the same transactions, the same transient-data keys and JSON inputs, the
//! same collections (`assetCollection` shared by both organisations,
//! `<MSPID>PrivateCollection` per organisation, see `collections_config.json`),
//! the same stored JSON (fields in the Go structs' order) and the same error
//! messages, so the sample's client applications work unchanged.
//!
//! Private values never travel as arguments: they arrive in the transient
//! map, which is not recorded on the ledger. Transactions that touch an
//! organisation's private collection first check that the client belongs to
//! the organisation of the peer it called (`shim.GetMSPID()` in Go,
//! [`fabric_contract_api::shim::local_mspid`] here).
#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fabric_contract_api::shim::{create_composite_key, local_mspid};
use fabric_contract_api::{Context, ContractError, contract};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The collection both organisations can read: assets and transfer agreements.
pub const ASSET_COLLECTION: &str = "assetCollection";
/// The object type of the composite keys of transfer agreements.
pub const TRANSFER_AGREEMENT_OBJECT_TYPE: &str = "transferAgreement";

/// The main details of an asset, visible to all organisations (stored in
/// `assetCollection`). Fields in the Go struct's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    /// Distinguishes the kinds of objects in the state database.
    #[serde(rename = "objectType")]
    pub object_type: String,
    /// The asset's id, also its key.
    #[serde(rename = "assetID")]
    pub id: String,
    /// Colour.
    pub color: String,
    /// Size.
    pub size: i64,
    /// The owner's client identity (`x509::<subject>::<issuer>`).
    pub owner: String,
}

/// The details of an asset private to its owner's organisation (stored in
/// `<MSPID>PrivateCollection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AssetPrivateDetails {
    /// The asset's id.
    #[serde(rename = "assetID")]
    pub id: String,
    /// The appraised value.
    #[serde(rename = "appraisedValue")]
    pub appraised_value: i64,
}

/// Who agreed to buy an asset, as `ReadTransferAgreement` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TransferAgreement {
    /// The asset's id.
    #[serde(rename = "assetID")]
    pub id: String,
    /// The buyer's client identity.
    #[serde(rename = "buyerID")]
    pub buyer_id: String,
}

/// The transient `asset_properties` of `CreateAsset`. Missing fields are zero
/// values, as with Go's `json.Unmarshal`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssetTransientInput {
    #[serde(rename = "objectType")]
    object_type: String,
    #[serde(rename = "assetID")]
    id: String,
    color: String,
    size: i64,
    #[serde(rename = "appraisedValue")]
    appraised_value: i64,
}

/// The transient `asset_value` of `AgreeToTransfer`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssetValueInput {
    #[serde(rename = "assetID")]
    id: String,
    #[serde(rename = "appraisedValue")]
    appraised_value: i64,
}

/// The transient `asset_owner` of `TransferAsset`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssetTransferTransientInput {
    #[serde(rename = "assetID")]
    id: String,
    #[serde(rename = "buyerMSP")]
    buyer_msp: String,
}

/// The transient `asset_delete`, `asset_purge` or `agreement_delete`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssetIdInput {
    #[serde(rename = "assetID")]
    id: String,
}

/// Manages assets in private data collections.
#[derive(Debug, Default)]
pub struct SmartContract;

#[contract(
    default,
    title = "asset-transfer-private-data",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl SmartContract {
    /// Creates an asset from the transient `asset_properties`
    /// (`{"objectType","assetID","color","size","appraisedValue"}`): its main
    /// details, owned by the submitting client, go to `assetCollection`, its
    /// appraised value to the client organisation's private collection.
    #[transaction]
    pub async fn create_asset(&self, ctx: &Context) -> Result<(), ContractError> {
        let (_, input): (_, AssetTransientInput) = transient_json(
            ctx,
            "asset_properties",
            "asset not found in the transient map input",
        )?;
        if input.object_type.is_empty() {
            return Err("objectType field must be a non-empty string".into());
        }
        if input.id.is_empty() {
            return Err("assetID field must be a non-empty string".into());
        }
        if input.color.is_empty() {
            return Err("color field must be a non-empty string".into());
        }
        if input.size <= 0 {
            return Err("size field must be a positive integer".into());
        }
        if input.appraised_value <= 0 {
            return Err("appraisedValue field must be a positive integer".into());
        }

        let existing = ctx
            .stub()
            .get_private_data(ASSET_COLLECTION, &input.id)
            .await
            .map_err(|e| format!("failed to get asset: {e}"))?;
        if existing.is_some() {
            tracing::info!("Asset already exists: {}", input.id);
            return Err(format!("this asset already exists: {}", input.id).into());
        }

        let client_id = submitting_client_identity(ctx)?;
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("CreateAsset cannot be performed: Error {e}"))?;

        let asset = Asset {
            object_type: input.object_type,
            id: input.id.clone(),
            color: input.color,
            size: input.size,
            owner: client_id,
        };
        tracing::info!(
            "CreateAsset Put: collection {ASSET_COLLECTION}, ID {}, owner {}",
            asset.id,
            asset.owner
        );
        ctx.stub()
            .put_private_data(
                ASSET_COLLECTION,
                &asset.id,
                fabric_contract_api::json::to_vec_go(&asset)?,
            )
            .await
            .map_err(|e| format!("failed to put asset into private data collecton: {e}"))?;

        let details = AssetPrivateDetails {
            id: input.id,
            appraised_value: input.appraised_value,
        };
        let org_collection = collection_name(ctx)?;
        tracing::info!("Put: collection {org_collection}, ID {}", details.id);
        ctx.stub()
            .put_private_data(
                &org_collection,
                &details.id,
                fabric_contract_api::json::to_vec_go(&details)?,
            )
            .await
            .map_err(|e| format!("failed to put asset private details: {e}"))?;
        Ok(())
    }

    /// Records the buyer's agreement to the transient `asset_value`
    /// (`{"assetID","appraisedValue"}`): the value, byte for byte, in the
    /// buyer organisation's private collection, and the buyer's identity
    /// under the composite key `transferAgreement/<assetID>` in `assetCollection`.
    #[transaction]
    pub async fn agree_to_transfer(&self, ctx: &Context) -> Result<(), ContractError> {
        let client_id = submitting_client_identity(ctx)?;
        // The bytes are stored as they came, so that their hash matches the
        // owner's when both sides agreed to the same JSON.
        let (value_bytes, value): (_, AssetValueInput) = transient_json(
            ctx,
            "asset_value",
            "asset_value key not found in the transient map",
        )?;
        if value.id.is_empty() {
            return Err("assetID field must be a non-empty string".into());
        }
        if value.appraised_value <= 0 {
            return Err("appraisedValue field must be a positive integer".into());
        }

        let asset = self
            .read_asset(ctx, value.id.clone())
            .await
            .map_err(|e| format!("error reading asset: {e}"))?;
        if asset.is_none() {
            return Err(format!("{} does not exist", value.id).into());
        }
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("AgreeToTransfer cannot be performed: Error {e}"))?;

        let org_collection = collection_name(ctx)?;
        tracing::info!(
            "AgreeToTransfer Put: collection {org_collection}, ID {}",
            value.id
        );
        ctx.stub()
            .put_private_data(&org_collection, &value.id, value_bytes)
            .await
            .map_err(|e| format!("failed to put asset bid: {e}"))?;

        let agreement_key = transfer_agreement_key(&value.id)?;
        tracing::info!(
            "AgreeToTransfer Put: collection {ASSET_COLLECTION}, ID {}, Key {agreement_key:?}",
            value.id
        );
        ctx.stub()
            .put_private_data(ASSET_COLLECTION, &agreement_key, client_id.into_bytes())
            .await
            .map_err(|e| format!("failed to put asset bid: {e}"))?;
        Ok(())
    }

    /// Transfers an asset to the buyer who agreed to it, as named by the
    /// transient `asset_owner` (`{"assetID","buyerMSP"}`). Only the owner may
    /// transfer, and only when the hashes of the owner's and the buyer's
    /// appraised values are equal. Removes the owner organisation's private
    /// details and the transfer agreement.
    #[transaction]
    pub async fn transfer_asset(&self, ctx: &Context) -> Result<(), ContractError> {
        let (_, input): (_, AssetTransferTransientInput) = transient_json(
            ctx,
            "asset_owner",
            "asset owner not found in the transient map",
        )?;
        if input.id.is_empty() {
            return Err("assetID field must be a non-empty string".into());
        }
        if input.buyer_msp.is_empty() {
            return Err("buyerMSP field must be a non-empty string".into());
        }
        tracing::info!("TransferAsset: verify asset exists ID {}", input.id);
        let asset = self
            .read_asset(ctx, input.id.clone())
            .await
            .map_err(|e| format!("error reading asset: {e}"))?;
        let Some(mut asset) = asset else {
            return Err(format!("{} does not exist", input.id).into());
        };
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("TransferAsset cannot be performed: Error {e}"))?;

        self.verify_agreement(ctx, &input.id, &asset.owner, &input.buyer_msp)
            .await
            .map_err(|e| format!("failed transfer verification: {e}"))?;

        let agreement = self
            .read_transfer_agreement(ctx, input.id.clone())
            .await
            .map_err(|e| format!("failed ReadTransferAgreement to find buyerID: {e}"))?;
        // Go dereferences a missing agreement (and panics); an absent one is
        // reported like an empty buyer here.
        let buyer_id = agreement.map(|a| a.buyer_id).unwrap_or_default();
        if buyer_id.is_empty() {
            return Err(format!("BuyerID not found in TransferAgreement for {}", input.id).into());
        }

        asset.owner = buyer_id;
        let asset_json = fabric_contract_api::json::to_vec_go(&asset)
            .map_err(|e| format!("failed marshalling asset {}: {e}", input.id))?;
        tracing::info!(
            "TransferAsset Put: collection {ASSET_COLLECTION}, ID {}",
            input.id
        );
        ctx.stub()
            .put_private_data(ASSET_COLLECTION, &input.id, asset_json)
            .await?;

        let owners_collection = collection_name(ctx)?;
        ctx.stub()
            .del_private_data(&owners_collection, &input.id)
            .await?;
        let agreement_key = transfer_agreement_key(&input.id)?;
        ctx.stub()
            .del_private_data(ASSET_COLLECTION, &agreement_key)
            .await?;
        Ok(())
    }

    /// Deletes an asset named by the transient `asset_delete`
    /// (`{"assetID"}`), from `assetCollection` and from the client
    /// organisation's private collection, which must hold its details.
    #[transaction]
    pub async fn delete_asset(&self, ctx: &Context) -> Result<(), ContractError> {
        let (_, input): (_, AssetIdInput) = transient_json(
            ctx,
            "asset_delete",
            "asset to delete not found in the transient map",
        )?;
        if input.id.is_empty() {
            return Err("assetID field must be a non-empty string".into());
        }
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("DeleteAsset cannot be performed: Error {e}"))?;

        tracing::info!("Deleting Asset: {}", input.id);
        let value = ctx
            .stub()
            .get_private_data(ASSET_COLLECTION, &input.id)
            .await
            .map_err(|e| format!("failed to read asset: {e}"))?;
        if value.is_none() {
            return Err(format!("asset not found: {}", input.id).into());
        }

        let owner_collection = collection_name(ctx)?;
        let details = ctx
            .stub()
            .get_private_data(&owner_collection, &input.id)
            .await
            .map_err(|e| format!("failed to read asset from owner's Collection: {e}"))?;
        if details.is_none() {
            return Err(format!(
                "asset not found in owner's private Collection {owner_collection}: {}",
                input.id
            )
            .into());
        }

        ctx.stub()
            .del_private_data(ASSET_COLLECTION, &input.id)
            .await
            .map_err(|e| format!("failed to delete state: {e}"))?;
        ctx.stub()
            .del_private_data(&owner_collection, &input.id)
            .await?;
        Ok(())
    }

    /// Purges an asset named by the transient `asset_purge` (`{"assetID"}`)
    /// from `assetCollection` and the client organisation's private
    /// collection: deleted, and its private history removed (Fabric 2.5).
    /// Whether it still exists is not checked: it may have been deleted already.
    #[transaction]
    pub async fn purge_asset(&self, ctx: &Context) -> Result<(), ContractError> {
        let (_, input): (_, AssetIdInput) = transient_json(
            ctx,
            "asset_purge",
            "asset to purge not found in the transient map",
        )?;
        if input.id.is_empty() {
            return Err("assetID field must be a non-empty string".into());
        }
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("PurgeAsset cannot be performed: Error {e}"))?;

        tracing::info!("Purging Asset: {}", input.id);
        let owner_collection = collection_name(ctx)?;
        ctx.stub()
            .purge_private_data(ASSET_COLLECTION, &input.id)
            .await
            .map_err(|e| format!("failed to purge state from asset collection: {e}"))?;
        ctx.stub()
            .purge_private_data(&owner_collection, &input.id)
            .await
            .map_err(|e| format!("failed to purge state from owner collection: {e}"))?;
        Ok(())
    }

    /// Lets the buyer withdraw an agreement, named by the transient
    /// `agreement_delete` (`{"assetID"}`): removes the agreed value from the
    /// buyer organisation's collection and the agreement from
    /// `assetCollection`. (The name keeps the Go sample's spelling.)
    #[transaction(name = "DeleteTranferAgreement")]
    pub async fn delete_transfer_agreement(&self, ctx: &Context) -> Result<(), ContractError> {
        let (_, input): (_, AssetIdInput) = transient_json(
            ctx,
            "agreement_delete",
            "asset to delete not found in the transient map",
        )?;
        if input.id.is_empty() {
            return Err("transient input ID field must be a non-empty string".into());
        }
        verify_client_org_matches_peer_org(ctx)
            .map_err(|e| format!("DeleteTranferAgreement cannot be performed: Error {e}"))?;

        let org_collection = collection_name(ctx)?;
        let agreement_key = transfer_agreement_key(&input.id)?;
        let agreement = ctx
            .stub()
            .get_private_data(ASSET_COLLECTION, &agreement_key)
            .await
            .map_err(|e| format!("failed to read transfer_agreement: {e}"))?;
        if agreement.is_none() {
            return Err(format!("asset's transfer_agreement does not exist: {}", input.id).into());
        }

        tracing::info!("Deleting TranferAgreement: {}", input.id);
        ctx.stub()
            .del_private_data(&org_collection, &input.id)
            .await?;
        ctx.stub()
            .del_private_data(ASSET_COLLECTION, &agreement_key)
            .await?;
        Ok(())
    }

    /// Reads an asset from `assetCollection`; an empty response when it does
    /// not exist.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn read_asset(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<Option<Asset>, ContractError> {
        tracing::info!("ReadAsset: collection {ASSET_COLLECTION}, ID {asset_id}");
        let bytes = ctx
            .stub()
            .get_private_data(ASSET_COLLECTION, &asset_id)
            .await
            .map_err(|e| format!("failed to read asset: {e}"))?;
        let Some(bytes) = bytes else {
            tracing::info!("{asset_id} does not exist in collection {ASSET_COLLECTION}");
            return Ok(None);
        };
        Ok(Some(unmarshal(&bytes)?))
    }

    /// Reads an asset's private details from an organisation's collection;
    /// an empty response when they do not exist.
    ///
    /// * `collection` - e.g. `Org1MSPPrivateCollection`
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn read_asset_private_details(
        &self,
        ctx: &Context,
        collection: String,
        asset_id: String,
    ) -> Result<Option<AssetPrivateDetails>, ContractError> {
        tracing::info!("ReadAssetPrivateDetails: collection {collection}, ID {asset_id}");
        let bytes = ctx
            .stub()
            .get_private_data(&collection, &asset_id)
            .await
            .map_err(|e| format!("failed to read asset details: {e}"))?;
        let Some(bytes) = bytes else {
            tracing::info!(
                "AssetPrivateDetails for {asset_id} does not exist in collection {collection}"
            );
            return Ok(None);
        };
        Ok(Some(unmarshal(&bytes)?))
    }

    /// Reads who agreed to buy an asset; an empty response when nobody has.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn read_transfer_agreement(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<Option<TransferAgreement>, ContractError> {
        tracing::info!("ReadTransferAgreement: collection {ASSET_COLLECTION}, ID {asset_id}");
        let agreement_key = transfer_agreement_key(&asset_id)?;
        let buyer = ctx
            .stub()
            .get_private_data(ASSET_COLLECTION, &agreement_key)
            .await
            .map_err(|e| format!("failed to read TransferAgreement: {e}"))?;
        let Some(buyer) = buyer else {
            tracing::info!("TransferAgreement for {asset_id} does not exist");
            return Ok(None);
        };
        Ok(Some(TransferAgreement {
            id: asset_id,
            buyer_id: String::from_utf8_lossy(&buyer).into_owned(),
        }))
    }

    /// The assets of `assetCollection` with ids in `[start_key, end_key)`.
    /// Range queries over private data cannot be used in a transaction that
    /// also writes private data.
    #[transaction(evaluate)]
    pub async fn get_asset_by_range(
        &self,
        ctx: &Context,
        start_key: String,
        end_key: String,
    ) -> Result<Vec<Asset>, ContractError> {
        let mut results = ctx
            .stub()
            .get_private_data_by_range(ASSET_COLLECTION, &start_key, &end_key)
            .await?;
        let mut assets = Vec::new();
        while let Some(kv) = results.next().await? {
            assets.push(unmarshal(&kv.value)?);
        }
        Ok(assets)
    }

    /// The assets of `assetCollection` of a type and an owner (a rich query,
    /// CouchDB only).
    ///
    /// * `asset_type` - the `objectType`
    /// * `owner` - the owner's client identity
    #[transaction(evaluate)]
    pub async fn query_asset_by_owner(
        &self,
        ctx: &Context,
        asset_type: String,
        owner: String,
    ) -> Result<Vec<Asset>, ContractError> {
        // Interpolated without escaping, as in the Go sample.
        let query = format!(r#"{{"selector":{{"objectType":"{asset_type}","owner":"{owner}"}}}}"#);
        query_assets(ctx, &query).await
    }

    /// The assets of `assetCollection` matching a CouchDB query string,
    /// passed as is (CouchDB only).
    #[transaction(evaluate)]
    pub async fn query_assets(
        &self,
        ctx: &Context,
        query_string: String,
    ) -> Result<Vec<Asset>, ContractError> {
        query_assets(ctx, &query_string).await
    }
}

impl SmartContract {
    /// Checks that the submitter owns the asset and that the buyer has agreed
    /// to the same appraised value: the hashes of the owner's and the buyer's
    /// private values must be equal.
    async fn verify_agreement(
        &self,
        ctx: &Context,
        asset_id: &str,
        owner: &str,
        buyer_msp: &str,
    ) -> Result<(), ContractError> {
        let client_id = submitting_client_identity(ctx)?;
        if client_id != owner {
            return Err("error: submitting client identity does not own asset".into());
        }

        let collection_owner = collection_name(ctx)?;
        let collection_buyer = format!("{buyer_msp}PrivateCollection");

        let owner_hash = ctx
            .stub()
            .get_private_data_hash(&collection_owner, asset_id)
            .await
            .map_err(|e| {
                format!(
                    "failed to get hash of appraised value from owners collection {collection_owner}: {e}"
                )
            })?
            .ok_or_else(|| {
                format!(
                    "hash of appraised value for {asset_id} does not exist in collection {collection_owner}"
                )
            })?;
        let buyer_hash = ctx
            .stub()
            .get_private_data_hash(&collection_buyer, asset_id)
            .await
            .map_err(|e| {
                format!(
                    "failed to get hash of appraised value from buyer collection {collection_buyer}: {e}"
                )
            })?
            .ok_or_else(|| {
                format!(
                    "hash of appraised value for {asset_id} does not exist in collection {collection_buyer}. AgreeToTransfer must be called by the buyer first"
                )
            })?;

        if owner_hash != buyer_hash {
            // Go's wording, typo included.
            return Err(format!(
                "hash for appraised value for owner {} does not value for seller {}",
                hex(&owner_hash),
                hex(&buyer_hash)
            )
            .into());
        }
        Ok(())
    }
}

/// Reads and decodes a JSON value of the transient map; `missing` is the
/// error when the key is absent. Returns the raw bytes too.
fn transient_json<T: DeserializeOwned + Default>(
    ctx: &Context,
    key: &str,
    missing: &str,
) -> Result<(Vec<u8>, T), ContractError> {
    let bytes = ctx
        .stub()
        .transient()
        .get(key)
        .map(|b| b.to_vec())
        .ok_or_else(|| ContractError::new(missing))?;
    // Go's json.Unmarshal leaves the zero value for `null`.
    let value = serde_json::from_slice::<Option<T>>(&bytes)
        .map_err(|e| format!("failed to unmarshal JSON: {e}"))?
        .unwrap_or_default();
    Ok((bytes, value))
}

/// Decodes a stored JSON value.
fn unmarshal<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ContractError> {
    serde_json::from_slice(bytes).map_err(|e| format!("failed to unmarshal JSON: {e}").into())
}

/// Runs a rich query over `assetCollection`.
async fn query_assets(ctx: &Context, query: &str) -> Result<Vec<Asset>, ContractError> {
    let mut results = ctx
        .stub()
        .get_private_data_query_result(ASSET_COLLECTION, query)
        .await?;
    let mut assets = Vec::new();
    while let Some(kv) = results.next().await? {
        assets.push(unmarshal(&kv.value)?);
    }
    Ok(assets)
}

/// The composite key of an asset's transfer agreement.
fn transfer_agreement_key(asset_id: &str) -> Result<String, ContractError> {
    create_composite_key(TRANSFER_AGREEMENT_OBJECT_TYPE, &[asset_id])
        .map_err(|e| format!("failed to create composite key: {e}").into())
}

/// The private collection of the submitting client's organisation.
fn collection_name(ctx: &Context) -> Result<String, ContractError> {
    let msp_id = ctx
        .client_identity()
        .map_err(|e| {
            format!(
                "failed to infer private collection name for the org: failed to get verified MSPID: {e}"
            )
        })?
        .msp_id();
    Ok(format!("{msp_id}PrivateCollection"))
}

/// Checks that the client belongs to the organisation of the peer it called,
/// so that no organisation reads or writes private data through another's peer.
fn verify_client_org_matches_peer_org(ctx: &Context) -> Result<(), String> {
    let client_msp_id = ctx
        .client_identity()
        .map_err(|e| format!("failed getting the client's MSPID: {e}"))?
        .msp_id();
    let peer_msp_id = local_mspid().map_err(|e| format!("failed getting the peer's MSPID: {e}"))?;
    if client_msp_id != peer_msp_id {
        return Err(format!(
            "client from org {client_msp_id} is not authorized to read or write private data from an org {peer_msp_id} peer"
        ));
    }
    Ok(())
}

/// The submitting client's identity, decoded from Go's base64 `GetID` form:
/// `x509::<subject DN>::<issuer DN>`.
fn submitting_client_identity(ctx: &Context) -> Result<String, ContractError> {
    let b64_id = ctx
        .client_identity()
        .and_then(|identity| identity.id())
        .map_err(|e| format!("Failed to read clientID: {e}"))?;
    let decoded = STANDARD
        .decode(b64_id)
        .map_err(|e| format!("failed to base64 decode clientID: {e}"))?;
    Ok(String::from_utf8_lossy(&decoded).into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
