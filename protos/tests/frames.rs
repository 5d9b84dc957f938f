//! `frames::ChaincodeFrame` and `protos::ChaincodeMessage` are the same bytes
//! on the wire.

use fabric_protos::frames::ChaincodeFrame;
use fabric_protos::protos::{ChaincodeEvent, ChaincodeMessage, SignedProposal};
use prost::Message;

fn message() -> ChaincodeMessage {
    ChaincodeMessage {
        r#type: 6,
        timestamp: Some(prost_types::Timestamp {
            seconds: 1,
            nanos: 2,
        }),
        payload: b"payload".to_vec().into(),
        txid: "5f3a0c".into(),
        proposal: Some(Box::new(SignedProposal {
            proposal_bytes: b"proposal".to_vec().into(),
            signature: b"signature".to_vec().into(),
        })),
        chaincode_event: Some(Box::new(ChaincodeEvent {
            chaincode_id: "cc".into(),
            tx_id: "5f3a0c".into(),
            event_name: "Moved".into(),
            payload: b"{}".to_vec().into(),
        })),
        channel_id: "mychannel".into(),
    }
}

#[test]
fn a_frame_decodes_what_a_message_encodes_and_encodes_the_same_bytes() {
    let msg = message();
    let wire = msg.encode_to_vec();
    let frame = ChaincodeFrame::decode(&wire[..]).unwrap();
    assert_eq!(&frame.txid[..], b"5f3a0c");
    assert_eq!(&frame.channel_id[..], b"mychannel");
    assert_eq!(frame.encode_to_vec(), wire);
    assert_eq!(
        ChaincodeMessage::decode(&frame.encode_to_vec()[..]).unwrap(),
        msg
    );
}

#[test]
fn conversions_keep_every_field() {
    let msg = message();
    let frame = ChaincodeFrame::from(msg.clone());
    assert_eq!(frame.encode_to_vec(), msg.encode_to_vec());
    assert_eq!(ChaincodeMessage::from(frame), msg);
}

#[test]
fn ids_that_are_not_utf8_become_replacement_characters_in_a_message() {
    let frame = ChaincodeFrame {
        txid: vec![b'a', 0xff].into(),
        ..Default::default()
    };
    assert_eq!(ChaincodeMessage::from(frame).txid, "a\u{fffd}");
}

#[test]
fn a_frame_is_small_enough_to_be_moved_without_a_call_to_memcpy() {
    // The shim moves each frame a few times between the stream, its queues
    // and the transaction waiting for it; up to 128 bytes the compiler does
    // that inline. Boxing the rare optional fields keeps it there.
    assert!(
        std::mem::size_of::<ChaincodeFrame>() <= 128,
        "ChaincodeFrame is {} bytes",
        std::mem::size_of::<ChaincodeFrame>()
    );
}
