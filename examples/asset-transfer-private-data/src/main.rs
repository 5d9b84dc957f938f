//! The chaincode process: dials the peer or serves as chaincode-as-a-service,
//! as its environment says. `asset-transfer-private-data metadata` prints the
//! contract metadata without a peer.
//!
//! `CORE_PEER_LOCALMSPID` (set by the peer for the chaincodes it launches;
//! set it yourself for chaincode-as-a-service) is the organisation whose
//! clients may use this chaincode process for private data.
#![forbid(unsafe_code)]

fabric_contract_api::main!(asset_transfer_private_data::SmartContract);
