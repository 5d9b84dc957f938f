//! The fabric-samples `asset-transfer-ledger-queries` contract, in Rust.
//!
//! Same transaction names, argument order and encodings, stored JSON (fields
//! in the Go struct's order, with its JSON names), result shapes and error
//! messages as the Go version, so the samples' client applications work
//! unchanged. It shows the ledger's query features:
//!
//! * a `color~name` composite-key index maintained next to every asset and
//!   queried by partial key ([`SimpleChaincode::transfer_asset_by_color`]);
//! * key ranges, with and without pagination;
//! * rich (CouchDB Mango) queries, with and without pagination, backed by the
//!   index in `META-INF/statedb/couchdb/indexes/indexOwner.json`;
//! * the history of a key.
#![forbid(unsafe_code)]

use fabric_contract_api::shim::{QueryResponseMetadata, StateQueryIterator, split_composite_key};
use fabric_contract_api::{Context, ContractError, contract, shim};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The object type of the composite keys that index assets by colour.
pub const INDEX: &str = "color~name";

/// An asset. Fields are declared in the Go struct's order with its JSON names,
/// so the stored JSON is byte-identical to the Go sample's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    /// Distinguishes the kinds of objects in the state database (always `asset`).
    #[serde(rename = "docType")]
    pub doc_type: String,
    /// Unique id, also the ledger key.
    #[serde(rename = "ID")]
    pub id: String,
    /// Colour, the first attribute of the `color~name` index.
    #[serde(rename = "color")]
    pub color: String,
    /// Size.
    #[serde(rename = "size")]
    pub size: i64,
    /// Current owner.
    #[serde(rename = "owner")]
    pub owner: String,
    /// Appraised value.
    #[serde(rename = "appraisedValue")]
    pub appraised_value: i64,
}

impl Asset {
    /// Decodes a stored value as Go's `json.Unmarshal` does into the struct:
    /// missing fields keep their zero value and unknown ones are ignored
    /// (rich queries with `fields` return partial documents).
    pub fn from_json(bytes: &[u8]) -> Result<Asset, ContractError> {
        /// [`Asset`] with every field optional; a separate type so that the
        /// metadata still lists every field of `Asset` as required, as Go's does.
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Lenient {
            #[serde(rename = "docType")]
            doc_type: String,
            #[serde(rename = "ID")]
            id: String,
            color: String,
            size: i64,
            owner: String,
            #[serde(rename = "appraisedValue")]
            appraised_value: i64,
        }
        let Lenient {
            doc_type,
            id,
            color,
            size,
            owner,
            appraised_value,
        } = serde_json::from_slice(bytes)?;
        Ok(Asset {
            doc_type,
            id,
            color,
            size,
            owner,
            appraised_value,
        })
    }
}

/// One modification of an asset, as [`SimpleChaincode::get_asset_history`] returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryQueryResult {
    /// The asset as written; for a delete, an asset with only its id set.
    #[serde(rename = "record")]
    pub record: Asset,
    /// The id of the transaction that wrote it.
    #[serde(rename = "txId")]
    pub tx_id: String,
    /// When it was written, RFC 3339 in UTC as Go marshals a `time.Time`.
    #[serde(rename = "timestamp")]
    #[schemars(extend("format" = "date-time"))]
    pub timestamp: String,
    /// Whether the transaction deleted the asset.
    #[serde(rename = "isDelete")]
    pub is_delete: bool,
}

/// One page of a paginated query and what the peer said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaginatedQueryResult {
    /// The assets of this page; `null` when there are none (a Go nil slice).
    #[serde(rename = "records")]
    #[schemars(required)]
    pub records: Option<Vec<Asset>>,
    /// How many records the peer fetched for this page.
    #[serde(rename = "fetchedRecordsCount")]
    pub fetched_records_count: i32,
    /// Where the next page starts; pass it back to get that page.
    #[serde(rename = "bookmark")]
    pub bookmark: String,
}

/// The contract. Its name is the Go type's, so `SimpleChaincode:Function`
/// calls and the metadata read the same.
#[derive(Debug, Default)]
pub struct SimpleChaincode;

#[contract(
    default,
    title = "asset-transfer-ledger-queries",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl SimpleChaincode {
    /// Initializes a new asset in the ledger, with its entry in the `color~name` index.
    ///
    /// * `asset_id` - the asset's id, also its key
    /// * `color` - its colour
    /// * `size` - its size
    /// * `owner` - its owner
    /// * `appraised_value` - its appraised value
    #[transaction]
    pub async fn create_asset(
        &self,
        ctx: &Context,
        asset_id: String,
        color: String,
        size: i64,
        owner: String,
        appraised_value: i64,
    ) -> Result<(), ContractError> {
        let exists = self
            .asset_exists(ctx, asset_id.clone())
            .await
            .map_err(|e| ContractError::new(format!("failed to get asset: {e}")))?;
        if exists {
            return Err(ContractError::new(format!(
                "asset already exists: {asset_id}"
            )));
        }
        let asset = Asset {
            doc_type: "asset".into(),
            id: asset_id.clone(),
            color,
            size,
            owner,
            appraised_value,
        };
        ctx.stub().put_state(&asset_id, go_json(&asset)?).await?;
        // The index entry: only the key matters. Its value is one NUL byte
        // because an empty value would delete the key.
        let index_key = shim::create_composite_key(INDEX, &[&asset.color, &asset.id])?;
        ctx.stub().put_state(&index_key, vec![0u8]).await?;
        Ok(())
    }

    /// Retrieves an asset from the ledger.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn read_asset(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<Asset, ContractError> {
        let bytes = ctx
            .stub()
            .get_state(&asset_id)
            .await
            .map_err(|e| ContractError::new(format!("failed to get asset {asset_id}: {e}")))?
            .ok_or_else(|| ContractError::new(format!("asset {asset_id} does not exist")))?;
        Asset::from_json(&bytes)
    }

    /// Removes an asset and its `color~name` index entry from the ledger.
    ///
    /// * `asset_id` - the asset's id
    #[transaction]
    pub async fn delete_asset(&self, ctx: &Context, asset_id: String) -> Result<(), ContractError> {
        let asset = self.read_asset(ctx, asset_id.clone()).await?;
        ctx.stub()
            .del_state(&asset_id)
            .await
            .map_err(|e| ContractError::new(format!("failed to delete asset {asset_id}: {e}")))?;
        let index_key = shim::create_composite_key(INDEX, &[&asset.color, &asset.id])?;
        ctx.stub().del_state(&index_key).await?;
        Ok(())
    }

    /// Transfers an asset by setting a new owner name on it.
    ///
    /// * `asset_id` - the asset's id
    /// * `new_owner` - who receives it
    #[transaction]
    pub async fn transfer_asset(
        &self,
        ctx: &Context,
        asset_id: String,
        new_owner: String,
    ) -> Result<(), ContractError> {
        let mut asset = self.read_asset(ctx, asset_id.clone()).await?;
        asset.owner = new_owner;
        ctx.stub().put_state(&asset_id, go_json(&asset)?).await?;
        Ok(())
    }

    /// The assets with keys in `[start_key, end_key)`; an empty key leaves
    /// that end of the range open. An empty result is an empty payload, as in Go.
    ///
    /// * `start_key` - the first key (inclusive)
    /// * `end_key` - the end of the range (exclusive)
    #[transaction(evaluate)]
    pub async fn get_assets_by_range(
        &self,
        ctx: &Context,
        start_key: String,
        end_key: String,
    ) -> Result<Option<Vec<Asset>>, ContractError> {
        let results = ctx.stub().get_state_by_range(&start_key, &end_key).await?;
        assets_from(results).await
    }

    /// Transfers every asset of a colour to a new owner, finding them with a
    /// partial-key query on the `color~name` index.
    ///
    /// * `color` - the colour to transfer
    /// * `new_owner` - who receives the assets
    #[transaction]
    pub async fn transfer_asset_by_color(
        &self,
        ctx: &Context,
        color: String,
        new_owner: String,
    ) -> Result<(), ContractError> {
        let mut entries = ctx
            .stub()
            .get_state_by_partial_composite_key(INDEX, &[&color])
            .await?;
        while let Some(entry) = entries.next().await? {
            let (_, attributes) = split_composite_key(&entry.key)?;
            if let Some(asset_id) = attributes.get(1) {
                let mut asset = self.read_asset(ctx, asset_id.clone()).await?;
                asset.owner = new_owner.clone();
                ctx.stub()
                    .put_state(asset_id, go_json(&asset)?)
                    .await
                    .map_err(|e| {
                        ContractError::new(format!("transfer failed for asset {asset_id}: {e}"))
                    })?;
            }
        }
        Ok(())
    }

    /// The assets of an owner, by a rich query with the owner baked in.
    ///
    /// * `owner` - the owner's name
    #[transaction(evaluate)]
    pub async fn query_assets_by_owner(
        &self,
        ctx: &Context,
        owner: String,
    ) -> Result<Option<Vec<Asset>>, ContractError> {
        // Interpolated as the Go sample does (a quote in `owner` breaks the query there too).
        let query = format!(r#"{{"selector":{{"docType":"asset","owner":"{owner}"}}}}"#);
        let results = ctx.stub().get_query_result(&query).await?;
        assets_from(results).await
    }

    /// The assets matching an ad hoc rich query (CouchDB Mango JSON), run as given.
    ///
    /// * `query_string` - the query, e.g. `{"selector":{"owner":"Tom"}}`
    #[transaction(evaluate)]
    pub async fn query_assets(
        &self,
        ctx: &Context,
        query_string: String,
    ) -> Result<Option<Vec<Asset>>, ContractError> {
        let results = ctx.stub().get_query_result(&query_string).await?;
        assets_from(results).await
    }

    /// One page of a key range. The bookmark is the key the next page starts
    /// at (empty after the last page). Only valid in read-only transactions.
    ///
    /// * `start_key` - the first key (inclusive)
    /// * `end_key` - the end of the range (exclusive)
    /// * `page_size` - at most this many assets
    /// * `bookmark` - empty for the first page, else the previous page's bookmark
    #[transaction(evaluate)]
    pub async fn get_assets_by_range_with_pagination(
        &self,
        ctx: &Context,
        start_key: String,
        end_key: String,
        page_size: i64,
        bookmark: String,
    ) -> Result<PaginatedQueryResult, ContractError> {
        let (results, metadata) = ctx
            .stub()
            // Go converts its `int` with `int32(pageSize)`, which wraps.
            .get_state_by_range_with_pagination(&start_key, &end_key, page_size as i32, &bookmark)
            .await?;
        page_from(results, metadata).await
    }

    /// One page of an ad hoc rich query. Only valid in read-only transactions.
    ///
    /// * `query_string` - the query, e.g. `{"selector":{"owner":"Tom"}}`
    /// * `page_size` - at most this many assets
    /// * `bookmark` - empty for the first page, else the previous page's bookmark
    #[transaction(evaluate)]
    pub async fn query_assets_with_pagination(
        &self,
        ctx: &Context,
        query_string: String,
        page_size: i64,
        bookmark: String,
    ) -> Result<PaginatedQueryResult, ContractError> {
        let (results, metadata) = ctx
            .stub()
            .get_query_result_with_pagination(&query_string, page_size as i32, &bookmark)
            .await?;
        page_from(results, metadata).await
    }

    /// The chain of custody of an asset since issuance, newest first.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn get_asset_history(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<Option<Vec<HistoryQueryResult>>, ContractError> {
        let mut modifications = ctx.stub().get_history_for_key(&asset_id).await?;
        let mut records = Vec::new();
        while let Some(modification) = modifications.next().await? {
            let record = if modification.value.is_empty() {
                // A delete: Go reports an asset with only its id.
                Asset {
                    id: asset_id.clone(),
                    ..Asset::default()
                }
            } else {
                Asset::from_json(&modification.value)?
            };
            let timestamp = modification
                .timestamp
                .ok_or_else(|| ContractError::new("timestamp: nil Timestamp"))?;
            records.push(HistoryQueryResult {
                record,
                tx_id: modification.tx_id,
                timestamp: rfc3339_nano(timestamp.seconds, timestamp.nanos)?,
                is_delete: modification.is_delete,
            });
        }
        Ok(non_empty(records))
    }

    /// Whether an asset with this id exists in the ledger.
    ///
    /// * `asset_id` - the asset's id
    #[transaction(evaluate)]
    pub async fn asset_exists(
        &self,
        ctx: &Context,
        asset_id: String,
    ) -> Result<bool, ContractError> {
        let value = ctx.stub().get_state(&asset_id).await.map_err(|e| {
            ContractError::new(format!(
                "failed to read asset {asset_id} from world state. {e}"
            ))
        })?;
        Ok(value.is_some())
    }

    /// Creates the initial set of assets in the ledger.
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
            self.create_asset(
                ctx,
                id.into(),
                color.into(),
                size,
                owner.into(),
                appraised_value,
            )
            .await?;
        }
        Ok(())
    }
}

/// Decodes every value of a query as an asset.
async fn collect_assets(mut results: StateQueryIterator) -> Result<Vec<Asset>, ContractError> {
    let mut assets = Vec::new();
    while let Some(kv) = results.next().await? {
        assets.push(Asset::from_json(&kv.value)?);
    }
    Ok(assets)
}

/// The assets of a query, `None` (an empty payload) when there are none.
async fn assets_from(results: StateQueryIterator) -> Result<Option<Vec<Asset>>, ContractError> {
    Ok(non_empty(collect_assets(results).await?))
}

async fn page_from(
    results: StateQueryIterator,
    metadata: QueryResponseMetadata,
) -> Result<PaginatedQueryResult, ContractError> {
    Ok(PaginatedQueryResult {
        records: non_empty(collect_assets(results).await?),
        fetched_records_count: metadata.fetched_records_count,
        bookmark: metadata.bookmark,
    })
}

/// A Go slice that was never appended to is nil: `null` in JSON, and an
/// empty payload when returned.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// JSON as Go's `encoding/json` writes it (see [`fabric_contract_api::json`]).
pub fn go_json<T: Serialize>(value: &T) -> Result<Vec<u8>, ContractError> {
    Ok(fabric_contract_api::json::to_vec_go(value)?)
}

/// A protobuf timestamp as Go marshals the `time.Time` it converts to:
/// RFC 3339 in UTC with the fraction's trailing zeros removed
/// (`2006-01-02T15:04:05.999999999Z`).
pub fn rfc3339_nano(seconds: i64, nanos: i32) -> Result<String, ContractError> {
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(ContractError::new(format!(
            "timestamp: nanos not in range [0, 1e9): {nanos}"
        )));
    }
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    if !(0..=9999).contains(&year) {
        return Err(ContractError::new(
            "Time.MarshalJSON: year outside of range [0,9999]",
        ));
    }
    let second_of_day = seconds.rem_euclid(86_400);
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    );
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    Ok(text)
}

/// The proleptic Gregorian date of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_as_go_time() {
        assert_eq!(rfc3339_nano(0, 0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_nano(1_700_000_000, 120_000_000).unwrap(),
            "2023-11-14T22:13:20.12Z"
        );
        assert_eq!(
            rfc3339_nano(951_782_400, 1).unwrap(),
            "2000-02-29T00:00:00.000000001Z"
        );
        assert_eq!(
            rfc3339_nano(-1, 999_999_999).unwrap(),
            "1969-12-31T23:59:59.999999999Z"
        );
        assert_eq!(
            rfc3339_nano(253_402_300_799, 0).unwrap(),
            "9999-12-31T23:59:59Z"
        );
        assert!(rfc3339_nano(253_402_300_800, 0).is_err());
        assert!(rfc3339_nano(0, 1_000_000_000).is_err());
    }

    #[test]
    fn json_escapes_like_go() {
        let asset = Asset {
            owner: "Tom & <Jerry>\u{2028}".into(),
            ..Asset::default()
        };
        assert_eq!(
            String::from_utf8(go_json(&asset).unwrap()).unwrap(),
            r#"{"docType":"","ID":"","color":"","size":0,"owner":"Tom \u0026 \u003cJerry\u003e\u2028","appraisedValue":0}"#
        );
    }
}
