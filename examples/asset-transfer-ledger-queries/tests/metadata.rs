//! The contract metadata: valid against Fabric's schemas, and what tools read.

use asset_transfer_ledger_queries::SimpleChaincode;
use fabric_contract_api::ContractChaincode;
use serde_json::json;

fn metadata() -> serde_json::Value {
    let chaincode = ContractChaincode::new().add(SimpleChaincode);
    serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap()
}

#[test]
fn metadata_validates_against_both_fabric_schemas() {
    integration_tests::assert_valid_metadata(&metadata());
}

#[test]
fn transactions_are_the_go_samples_with_their_tags() {
    let json = metadata();
    let contract = &json["contracts"]["SimpleChaincode"];
    assert_eq!(contract["default"], true);
    let transactions = contract["transactions"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = transactions
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["tag"][0].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("CreateAsset", "submit"),
            ("ReadAsset", "evaluate"),
            ("DeleteAsset", "submit"),
            ("TransferAsset", "submit"),
            ("GetAssetsByRange", "evaluate"),
            ("TransferAssetByColor", "submit"),
            ("QueryAssetsByOwner", "evaluate"),
            ("QueryAssets", "evaluate"),
            ("GetAssetsByRangeWithPagination", "evaluate"),
            ("QueryAssetsWithPagination", "evaluate"),
            ("GetAssetHistory", "evaluate"),
            ("AssetExists", "evaluate"),
            ("InitLedger", "submit"),
        ]
    );
    let by_name = |name: &str| {
        transactions
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let create = by_name("CreateAsset");
    let params: Vec<(&str, &str)> = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["schema"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("asset_id", "string"),
            ("color", "string"),
            ("size", "integer"),
            ("owner", "string"),
            ("appraised_value", "integer"),
        ]
    );
    assert_eq!(
        create["parameters"][0]["description"],
        "the asset's id, also its key"
    );
    let paged = by_name("GetAssetsByRangeWithPagination");
    assert_eq!(
        paged["returns"],
        json!({"$ref": "#/components/schemas/PaginatedQueryResult"})
    );
    assert_eq!(
        by_name("GetAssetHistory")["returns"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/HistoryQueryResult"}})
    );
    assert_eq!(
        by_name("QueryAssets")["returns"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Asset"}})
    );
}

#[test]
fn components_have_the_go_json_names_in_order() {
    let json = metadata();
    let schemas = &json["components"]["schemas"];
    let keys = |name: &str| -> Vec<String> {
        schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}"))
            .keys()
            .cloned()
            .collect()
    };
    let required = |name: &str| schemas[name]["required"].clone();
    // `properties` is a JSON object (sorted here); `required` keeps the declaration order.
    assert_eq!(
        keys("Asset"),
        ["ID", "appraisedValue", "color", "docType", "owner", "size"]
    );
    assert_eq!(
        required("Asset"),
        json!(["docType", "ID", "color", "size", "owner", "appraisedValue"])
    );
    assert_eq!(
        required("PaginatedQueryResult"),
        json!(["records", "fetchedRecordsCount", "bookmark"])
    );
    assert_eq!(
        required("HistoryQueryResult"),
        json!(["record", "txId", "timestamp", "isDelete"])
    );
    assert_eq!(
        schemas["HistoryQueryResult"]["properties"]["timestamp"]["format"],
        "date-time"
    );
}
