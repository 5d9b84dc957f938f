//! The contract metadata: valid against Fabric's schemas, and what tools read.

use asset_transfer_basic::SmartContract;
use fabric_contract_api::ContractChaincode;

#[test]
fn metadata_validates_and_describes_the_transactions() {
    let chaincode = ContractChaincode::new().add(SmartContract);
    let json: serde_json::Value =
        serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap();
    integration_tests::assert_valid_metadata(&json);

    let contract = &json["contracts"]["SmartContract"];
    assert_eq!(contract["default"], true);
    let names: Vec<&str> = contract["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "InitLedger",
            "CreateAsset",
            "ReadAsset",
            "UpdateAsset",
            "DeleteAsset",
            "AssetExists",
            "TransferAsset",
            "GetAllAssets"
        ]
    );
    let read = &contract["transactions"][2];
    assert_eq!(read["tag"], serde_json::json!(["evaluate", "EVALUATE"]));
    assert_eq!(
        read["returns"],
        serde_json::json!({"$ref": "#/components/schemas/Asset"})
    );
    let create = &contract["transactions"][1];
    assert_eq!(create["parameters"][0]["name"], "id");
    assert_eq!(create["parameters"][0]["description"], "the asset's id");
    assert_eq!(create["parameters"][2]["schema"]["type"], "integer");
    let asset = &json["components"]["schemas"]["Asset"];
    assert_eq!(asset["$id"], "Asset");
    assert_eq!(
        asset["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["AppraisedValue", "Color", "ID", "Owner", "Size"]
    );
}
