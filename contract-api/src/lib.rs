//! Write Hyperledger Fabric smart contracts as plain Rust structs.

pub mod endorsement;
pub mod identity;
