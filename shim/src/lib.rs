//! Hyperledger Fabric chaincode shim.
pub mod proto;
