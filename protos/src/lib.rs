#![doc = include_str!("../README.md")]
//!
//! Module names follow the protobuf packages. Generated from `proto/*.proto`
//! by `cargo run -p protogen` and committed; do not edit `generated/` by hand.
#![forbid(unsafe_code)]
#![allow(clippy::all, clippy::pedantic)]

/// The transaction id of a proposal: lower-case hex of SHA-256 over its
/// signature header's nonce followed by its creator (an encoded
/// `msp.SerializedIdentity`). Peers recompute it and refuse a proposal whose
/// channel header says otherwise ("incorrectly computed txid").
///
/// ```
/// let id = fabric_protos::transaction_id(b"nonce", b"creator");
/// assert_eq!(id.len(), 64);
/// assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn transaction_id(nonce: &[u8], creator: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::new()
        .chain_update(nonce)
        .chain_update(creator)
        .finalize();
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Package `protos`: the chaincode stream, its payloads, proposals,
/// endorsements and transactions.
#[allow(missing_docs)]
pub mod protos {
    include!("generated/protos.rs");
}

/// Package `common`: headers, envelopes, signature policies and MSP principals.
#[allow(missing_docs)]
pub mod common {
    include!("generated/common.rs");
}

/// Package `msp`: serialized identities.
#[allow(missing_docs)]
pub mod msp {
    include!("generated/msp.rs");
}

/// Package `queryresult`: range, rich-query and history results.
#[allow(missing_docs)]
pub mod queryresult {
    include!("generated/queryresult.rs");
}

/// Package `rwset`: a transaction's read-write set per namespace.
#[allow(missing_docs)]
pub mod rwset {
    include!("generated/rwset.rs");
}

/// Package `kvrwset`: key-value reads (with versions) and writes.
#[allow(missing_docs)]
pub mod kvrwset {
    include!("generated/kvrwset.rs");
}

/// Package `orderer`: positions in a channel's chain of blocks.
#[allow(missing_docs)]
pub mod orderer {
    include!("generated/orderer.rs");
}

/// Package `gateway`: the Fabric Gateway service and its messages.
#[allow(missing_docs)]
pub mod gateway {
    include!("generated/gateway.rs");
}

/// Packages under `google`.
pub mod google {
    /// Package `google.rpc`: the rich error model of gRPC.
    #[allow(missing_docs)]
    pub mod rpc {
        include!("generated/google.rpc.rs");
    }
}
