//! A local development peer for Hyperledger Fabric chaincode.

pub mod richquery;
