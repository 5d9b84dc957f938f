//! The metadata override file: any text gives merged metadata or an error.
#![no_main]

use std::sync::OnceLock;

use fabric_contract_api::{Context, ContractChaincode, contract};
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Sample;

#[contract]
impl Sample {
    #[transaction]
    fn put(&self, _ctx: &Context, key: String, value: u32) -> String {
        format!("{key}={value}")
    }
}

fn chaincode() -> &'static ContractChaincode {
    static CHAINCODE: OnceLock<ContractChaincode> = OnceLock::new();
    CHAINCODE.get_or_init(|| ContractChaincode::new().add(Sample))
}

fuzz_target!(|text: &str| {
    if let Ok(merged) = fabric_contract_api::__private::merge_metadata_override(chaincode(), text) {
        // Whatever merged must still serialize.
        let _ = fabric_contract_api::__private::serde_json::to_string(&merged).expect("serializes");
    }
});
