use fabric_contract_api::contract;

#[contract]
struct Assets;

fn main() {}
