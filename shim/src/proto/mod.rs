//! Protobuf types of the Fabric chaincode protocol.
//!
//! Generated from `shim/proto/*.proto` by `cargo run -p protogen` and committed
//! (see `shim/proto/README.md`); do not edit `generated/` by hand. Module names
//! follow the protobuf packages: [`protos`] (peer), [`common`], [`msp`] and
//! [`queryresult`].

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Package `protos`: the chaincode stream, its payloads, proposals and responses.
pub mod protos {
    include!("generated/protos.rs");
}

/// Package `common`: proposal headers, signature policies and MSP principals.
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
