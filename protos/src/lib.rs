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

/// The chaincode stream as the Rust shim reads and writes it: [`frames::ChaincodeFrame`]
/// is `protos.ChaincodeMessage` with its transaction and channel ids as
/// shared bytes instead of strings (the same bytes on the wire), and
/// `frames::chaincode_support_client` / `frames::chaincode_server` are the
/// stream's two services (`protos.ChaincodeSupport/Register`,
/// `protos.Chaincode/Connect`) over it.
///
/// Decoding a frame slices its ids out of the receive buffer, and a frame
/// built for a running transaction shares them, where `String` ids cost two
/// allocations and copies per frame. [`From`] converts between the two
/// messages; towards `ChaincodeMessage`, ids that are not UTF-8 are replaced
/// lossily.
#[allow(missing_docs)]
pub mod frames {
    include!("generated/frames.rs");
    include!("generated/protos.ChaincodeSupport.rs");
    include!("generated/protos.Chaincode.rs");

    impl From<super::protos::ChaincodeMessage> for ChaincodeFrame {
        /// Moves the fields over; the id strings become bytes without a copy.
        fn from(msg: super::protos::ChaincodeMessage) -> Self {
            ChaincodeFrame {
                r#type: msg.r#type,
                timestamp: msg.timestamp.map(Box::new),
                payload: msg.payload,
                txid: msg.txid.into(),
                proposal: msg.proposal,
                chaincode_event: msg.chaincode_event,
                channel_id: msg.channel_id.into(),
            }
        }
    }

    impl From<ChaincodeFrame> for super::protos::ChaincodeMessage {
        /// Moves the fields over and copies the ids into strings.
        fn from(frame: ChaincodeFrame) -> Self {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            super::protos::ChaincodeMessage {
                r#type: frame.r#type,
                timestamp: frame.timestamp.map(|t| *t),
                payload: frame.payload,
                txid: text(&frame.txid),
                proposal: frame.proposal,
                chaincode_event: frame.chaincode_event,
                channel_id: text(&frame.channel_id),
            }
        }
    }
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
