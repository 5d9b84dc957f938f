#![doc = include_str!("../README.md")]
//!
//! Module names follow the protobuf packages. Generated from `proto/*.proto`
//! by `cargo run -p protogen` and committed; do not edit `generated/` by hand.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Package `protos`: the chaincode stream, its payloads, proposals,
/// endorsements and transactions.
pub mod protos {
    include!("generated/protos.rs");
}

/// Package `common`: headers, envelopes, signature policies and MSP principals.
pub mod common {
    include!("generated/common.rs");
}

/// Package `msp`: serialized identities.
pub mod msp {
    include!("generated/msp.rs");
}

/// Package `queryresult`: range, rich-query and history results.
pub mod queryresult {
    include!("generated/queryresult.rs");
}

/// Package `rwset`: a transaction's read-write set per namespace.
pub mod rwset {
    include!("generated/rwset.rs");
}

/// Package `kvrwset`: key-value reads (with versions) and writes.
pub mod kvrwset {
    include!("generated/kvrwset.rs");
}

/// Package `orderer`: positions in a channel's chain of blocks.
pub mod orderer {
    include!("generated/orderer.rs");
}

/// Package `gateway`: the Fabric Gateway service and its messages.
pub mod gateway {
    include!("generated/gateway.rs");
}

/// Packages under `google`.
pub mod google {
    /// Package `google.rpc`: the rich error model of gRPC.
    pub mod rpc {
        include!("generated/google.rpc.rs");
    }
}
