//! The contract metadata: valid against Fabric's schemas, and what tools read.

use fabric_contract_api::ContractChaincode;
use serde_json::json;
use token_erc20::SmartContract;

fn metadata() -> serde_json::Value {
    let chaincode = ContractChaincode::new().add(SmartContract);
    serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap()
}

#[test]
fn metadata_validates_against_both_fabric_schemas() {
    integration_tests::assert_valid_metadata(&metadata());
}

#[test]
fn transactions_are_the_go_samples_with_their_tags() {
    let json = metadata();
    let contract = &json["contracts"]["SmartContract"];
    assert_eq!(contract["default"], true);
    let transactions = contract["transactions"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = transactions
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["tag"][0].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("Mint", "submit"),
            ("Burn", "submit"),
            ("Transfer", "submit"),
            ("BalanceOf", "evaluate"),
            ("ClientAccountBalance", "evaluate"),
            ("ClientAccountID", "evaluate"),
            ("TotalSupply", "evaluate"),
            ("Approve", "submit"),
            ("Allowance", "evaluate"),
            ("TransferFrom", "submit"),
            ("Name", "evaluate"),
            ("Symbol", "evaluate"),
            ("Initialize", "submit"),
        ]
    );
    let by_name = |name: &str| {
        transactions
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let parameters = |name: &str| -> Vec<(String, serde_json::Value)> {
        by_name(name)["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| (p["name"].as_str().unwrap().to_owned(), p["schema"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let int64 = json!({"type": "integer", "format": "int64"});
    let string = json!({"type": "string"});
    assert_eq!(
        parameters("TransferFrom"),
        [
            ("from".to_owned(), string.clone()),
            ("to".to_owned(), string.clone()),
            ("value".to_owned(), int64.clone()),
        ]
    );
    assert_eq!(
        parameters("Initialize"),
        [
            ("name".to_owned(), string.clone()),
            ("symbol".to_owned(), string.clone()),
            ("decimals".to_owned(), string.clone()),
        ]
    );
    assert!(parameters("ClientAccountID").is_empty());
    assert_eq!(by_name("Initialize")["returns"], json!({"type": "boolean"}));
    assert_eq!(by_name("BalanceOf")["returns"], int64);
    assert_eq!(by_name("ClientAccountID")["returns"], string);
    assert!(by_name("Mint").get("returns").is_none());
    assert_eq!(
        by_name("Transfer")["parameters"][0]["description"],
        "the recipient's account id, as `ClientAccountID` returns it"
    );
}
