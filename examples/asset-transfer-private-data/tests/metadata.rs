//! The contract metadata: valid against Fabric's schemas, and what tools read.

use asset_transfer_private_data::SmartContract;
use fabric_contract_api::ContractChaincode;
use serde_json::json;

#[test]
fn metadata_validates_and_describes_the_transactions() {
    let chaincode = ContractChaincode::new().add(SmartContract);
    let json: serde_json::Value =
        serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap();
    integration_tests::assert_valid_metadata(&json);

    let contract = &json["contracts"]["SmartContract"];
    assert_eq!(contract["default"], true);
    let transactions: Vec<(&str, &str)> = contract["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["tag"][0].as_str().unwrap()))
        .collect();
    assert_eq!(
        transactions,
        [
            ("CreateAsset", "submit"),
            ("AgreeToTransfer", "submit"),
            ("TransferAsset", "submit"),
            ("DeleteAsset", "submit"),
            ("PurgeAsset", "submit"),
            ("DeleteTranferAgreement", "submit"),
            ("ReadAsset", "evaluate"),
            ("ReadAssetPrivateDetails", "evaluate"),
            ("ReadTransferAgreement", "evaluate"),
            ("GetAssetByRange", "evaluate"),
            ("QueryAssetByOwner", "evaluate"),
            ("QueryAssets", "evaluate"),
        ]
    );
    let create = &contract["transactions"][0];
    assert_eq!(create["tag"], json!(["submit", "SUBMIT", "submitTx"]));
    // Private inputs come in the transient map, not as arguments.
    assert!(create["parameters"].as_array().is_none_or(Vec::is_empty));
    let details = &contract["transactions"][7];
    assert_eq!(details["tag"], json!(["evaluate", "EVALUATE"]));
    assert_eq!(details["parameters"][0]["name"], "collection");
    assert_eq!(
        details["returns"],
        json!({"$ref": "#/components/schemas/AssetPrivateDetails"})
    );
    let schemas = &json["components"]["schemas"];
    let keys = |name: &str| -> Vec<String> {
        schemas[name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    // (The schema lists properties by name; the stored JSON keeps Go's order.)
    assert_eq!(
        keys("Asset"),
        ["assetID", "color", "objectType", "owner", "size"]
    );
    assert_eq!(keys("AssetPrivateDetails"), ["appraisedValue", "assetID"]);
    assert_eq!(keys("TransferAgreement"), ["assetID", "buyerID"]);
}

#[test]
fn the_collections_config_names_the_collections_the_contract_uses() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/collections_config.json"
    ))
    .unwrap();
    let config: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = config
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            asset_transfer_private_data::ASSET_COLLECTION,
            "Org1MSPPrivateCollection",
            "Org2MSPPrivateCollection"
        ]
    );
    assert_eq!(
        config[0]["policy"],
        "OR('Org1MSP.member', 'Org2MSP.member')"
    );
    assert_eq!(config[0]["memberOnlyWrite"], true);
    assert_eq!(
        config[2]["endorsementPolicy"]["signaturePolicy"],
        "OR('Org2MSP.member')"
    );
    assert_eq!(config[1]["blockToLive"], 3);
}

#[test]
fn the_couchdb_index_covers_query_asset_by_owner() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/META-INF/statedb/couchdb/collections/assetCollection/indexes/indexOwner.json"
    ))
    .unwrap();
    let index: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(index["index"]["fields"], json!(["objectType", "owner"]));
    assert_eq!(index["type"], "json");
}
