//! The contract metadata: valid against Fabric's schemas, and what tools read.

use asset_transfer_events::SmartContract;
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
    let transactions: Vec<(&str, &serde_json::Value)> = contract["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), &t["tag"]))
        .collect();
    let submit = json!(["submit", "SUBMIT", "submitTx"]);
    let evaluate = json!(["evaluate", "EVALUATE"]);
    assert_eq!(
        transactions,
        [
            ("CreateAsset", &submit),
            ("ReadAsset", &evaluate),
            ("UpdateAsset", &submit),
            ("DeleteAsset", &submit),
            ("TransferAsset", &submit),
        ]
    );
    let create = &contract["transactions"][0];
    let parameters: Vec<&str> = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        parameters,
        ["id", "color", "size", "owner", "appraised_value"]
    );
    assert_eq!(create["parameters"][2]["schema"]["type"], "integer");
    assert_eq!(
        contract["transactions"][1]["returns"],
        json!({"$ref": "#/components/schemas/Asset"})
    );
    assert_eq!(
        contract["transactions"][4]["returns"],
        json!({"type": "string"})
    );
    let asset = &json["components"]["schemas"]["Asset"];
    assert_eq!(
        asset["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["AppraisedValue", "Color", "ID", "Owner", "Size"]
    );
}
