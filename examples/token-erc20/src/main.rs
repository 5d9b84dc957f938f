//! The chaincode process: dials the peer or serves as chaincode-as-a-service,
//! as its environment says. `token-erc20 metadata` prints the contract
//! metadata without a peer.
#![forbid(unsafe_code)]

fabric_contract_api::main!(token_erc20::SmartContract);
