//! Building and naming `ChaincodeMessage`s: the one place that knows how a
//! frame is put together. Public for peer-side implementations (the
//! development peer, test harnesses).

use bytes::Bytes;
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
