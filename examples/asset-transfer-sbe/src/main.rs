//! The chaincode process: dials the peer or serves as chaincode-as-a-service,
//! as its environment says. `asset-transfer-sbe metadata` prints the contract
//! metadata without a peer.
#![forbid(unsafe_code)]

fabric_contract_api::main!(asset_transfer_sbe::AssetContract);
