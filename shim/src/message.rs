//! Building and naming `ChaincodeMessage`s: the one place that knows how a
//! frame is put together. Public for peer-side implementations (the
//! development peer, test harnesses).

use std::cell::RefCell;

use bytes::{BufMut, Bytes, BytesMut};
use prost::Message;

use crate::proto::protos::ChaincodeMessage;
pub use crate::proto::protos::chaincode_message::Type as MessageType;

/// A frame of type `ty` for transaction `txid` on `channel_id`.
pub fn frame(ty: MessageType, payload: Bytes, txid: &str, channel_id: &str) -> ChaincodeMessage {
    ChaincodeMessage {
        r#type: ty as i32,
        payload,
        txid: txid.to_owned(),
        channel_id: channel_id.to_owned(),
        ..Default::default()
    }
}

/// Encodes a protobuf payload.
pub fn encode(payload: &impl Message) -> Bytes {
    Bytes::from(payload.encode_to_vec())
}

/// Encodes a payload of a frame the chaincode sends (see [`outgoing`]).
pub(crate) fn encode_outgoing(payload: &impl Message) -> Bytes {
    outgoing(payload.encoded_len(), |buf| {
        payload
            .encode(buf)
            .expect("the buffer has room for the encoded length");
    })
}

/// Encodes a message whose fields are all `string` or `bytes`, given in
/// field-number order, from borrowed values: the bytes prost writes for the
/// owned message (empty fields left out, as proto3 does), as an outgoing
/// payload ([`outgoing`]).
///
/// Written by hand because prost encodes only owned messages: a GET_STATE
/// or PUT_STATE (four per typical transaction) would first copy its key into
/// a `String` of its own. A unit test compares the output with prost's.
pub(crate) fn encode_fields(fields: &[(u32, &[u8])]) -> Bytes {
    let present = || fields.iter().filter(|(_, value)| !value.is_empty());
    let len: usize = present()
        .map(|(number, value)| {
            varint_len(u64::from(number << 3)) + varint_len(value.len() as u64) + value.len()
        })
        .sum();
    outgoing(len, |buf| {
        for (number, value) in present() {
            // Wire type 2: length-delimited.
            put_varint(buf, u64::from(number << 3 | 2));
            put_varint(buf, value.len() as u64);
            buf.put_slice(value);
        }
    })
}

/// Outgoing payloads up to this size share a buffer ([`outgoing`]).
const SHARED_UP_TO: usize = 1024;

/// The size of each buffer that small outgoing payloads share.
const SHARED_BUFFER: usize = 16 * 1024;

thread_local! {
    /// The unused rest of the buffer that small outgoing payloads are cut from.
    static SHARED: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// A payload of `len` bytes, which `write` writes, for a frame to the peer.
///
/// prost clones every `bytes` field it encodes. A `Bytes` built from a
/// `Vec` of its own is turned into a shared one at its first clone, which
/// allocates; one cut from a shared buffer only counts one more reference.
/// So a small payload is cut from a buffer of this thread that many
/// payloads share (`bytes`' own `split`), which also saves its own
/// allocation: two allocations fewer per request (about 1 000 instructions
/// per transfer). A buffer is freed when the last payload cut from it is
/// dropped (they are dropped once sent), or reused when none is left.
fn outgoing(len: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
    if len > SHARED_UP_TO {
        let mut buf = BytesMut::with_capacity(len);
        write(&mut buf);
        return buf.freeze();
    }
    // Taken out while `write` runs and put back after; a thread that is
    // ending (its buffer gone) gets a buffer of its own.
    let mut shared = SHARED.try_with(RefCell::take).unwrap_or_default();
    if shared.capacity() < len {
        shared.reserve(SHARED_BUFFER);
    }
    write(&mut shared);
    let payload = shared.split().freeze();
    let _ = SHARED.try_with(|rest| rest.replace(shared));
    payload
}

/// Appends `value` as a protobuf varint (seven bits per byte, low first).
fn put_varint(buf: &mut impl BufMut, mut value: u64) {
    while value >= 0x80 {
        buf.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

/// The number of bytes of `value` as a varint.
fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// The protocol name of a message type number, or `UNKNOWN(n)`.
pub fn type_name(ty: i32) -> String {
    match MessageType::try_from(ty) {
        Ok(t) => t.as_str_name().to_owned(),
        Err(_) => format!("UNKNOWN({ty})"),
    }
}

/// The key that correlates a transaction's messages: channel and transaction id.
///
/// Fabric concatenates the two; a separator that cannot occur in a channel
/// name keeps `("ab", "c")` and `("a", "bc")` apart.
pub fn tx_key(channel_id: &str, txid: &str) -> String {
    let mut key = String::with_capacity(channel_id.len() + 1 + txid.len());
    write_tx_key(&mut key, channel_id, txid);
    key
}

/// Writes the key of [`tx_key`] into `buffer`, replacing its content (for
/// lookups on the receive path without an allocation per message).
pub fn write_tx_key(buffer: &mut String, channel_id: &str, txid: &str) {
    buffer.clear();
    buffer.push_str(channel_id);
    buffer.push('\u{0}');
    buffer.push_str(txid);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::protos::{DelState, GetState, PutState};

    #[test]
    fn borrowed_fields_encode_as_prost_encodes_the_owned_message() {
        let long = "k".repeat(300);
        let keys = ["", "asset1", "\u{0}asset\u{0}7\u{0}", long.as_str()];
        let collections = ["", "private", long.as_str()];
        let values: [&[u8]; 3] = [b"", b"100", &[0xff; 200]];
        for key in keys {
            for collection in collections {
                let get = GetState {
                    key: key.to_owned(),
                    collection: collection.to_owned(),
                };
                let fields = [(1, key.as_bytes()), (2, collection.as_bytes())];
                assert_eq!(encode_fields(&fields), encode(&get), "{get:?}");
                let del = DelState {
                    key: key.to_owned(),
                    collection: collection.to_owned(),
                };
                assert_eq!(encode_fields(&fields), encode(&del), "{del:?}");
                for value in values {
                    let put = PutState {
                        key: key.to_owned(),
                        value: Bytes::copy_from_slice(value),
                        collection: collection.to_owned(),
                    };
                    let fields = [(1, key.as_bytes()), (2, value), (3, collection.as_bytes())];
                    assert_eq!(encode_fields(&fields), encode(&put), "{put:?}");
                }
            }
        }
    }

    #[test]
    fn payloads_cut_from_a_shared_buffer_keep_their_bytes() {
        // Enough payloads to use up several shared buffers, some of them
        // larger than what is shared; half of the first ones kept alive
        // while more are cut, some dropped at once (so that the buffer
        // they were cut from is reused), then more kept.
        let expected = |i: usize| {
            let key = format!("key{i}");
            let value = vec![i as u8; i % 1500];
            (key, value)
        };
        let encode_one = |i: usize| {
            let (key, value) = expected(i);
            encode_fields(&[(1, key.as_bytes()), (2, &value)])
        };
        let mut kept: Vec<(usize, Bytes)> = (0..2_000).map(|i| (i, encode_one(i))).collect();
        kept.retain(|(i, _)| i % 2 == 0);
        for i in 2_000..3_000 {
            drop(encode_one(i));
        }
        kept.extend((3_000..5_000).map(|i| (i, encode_one(i))));
        for (i, payload) in kept {
            let (key, value) = expected(i);
            let put = PutState {
                key,
                value: value.into(),
                collection: String::new(),
            };
            assert_eq!(payload, encode(&put), "payload {i}");
        }
    }

    #[test]
    fn varint_lengths_match_the_bytes_written() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, value);
            assert_eq!(buf.len(), varint_len(value), "{value}");
        }
    }
}
