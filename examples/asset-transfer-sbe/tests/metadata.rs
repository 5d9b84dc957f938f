//! The contract metadata: valid against Fabric's schemas, and what tools read.

use asset_transfer_sbe::AssetContract;
use fabric_contract_api::ContractChaincode;
use serde_json::json;

#[test]
fn metadata_validates_and_describes_the_transactions() {
    let chaincode = ContractChaincode::new().add(AssetContract);
    let json: serde_json::Value =
        serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap();
    integration_tests::assert_valid_metadata(&json);

    let contract = &json["contracts"]["AssetContract"];
    assert_eq!(contract["default"], true);
    let submit = json!(["submit", "SUBMIT", "submitTx"]);
    let evaluate = json!(["evaluate", "EVALUATE"]);
    let transactions: Vec<(&str, &serde_json::Value)> = contract["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), &t["tag"]))
        .collect();
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
    assert_eq!(create["parameters"][0]["name"], "asset_id");
    assert_eq!(create["parameters"][0]["description"], "the asset's id");
    assert_eq!(create["parameters"][1]["schema"]["type"], "integer");
    assert!(create.get("returns").is_none());
    // ReadAsset returns the stored JSON as a string, as in TypeScript.
    assert_eq!(
        contract["transactions"][1]["returns"],
        json!({"type": "string"})
    );
    let transfer = &contract["transactions"][4];
    let parameters: Vec<&str> = transfer["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(parameters, ["asset_id", "new_owner", "new_owner_org"]);
    // The contract's info, as the TypeScript `@Info` decorator gives it.
    assert_eq!(contract["info"]["title"], "AssetContract");
    assert_eq!(
        contract["info"]["description"],
        "Asset Transfer Smart Contract, using State Based Endorsement(SBE), implemented in Rust"
    );
}
