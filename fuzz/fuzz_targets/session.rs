//! The session fed arbitrary message sequences from the peer: it answers or
//! ends, and never panics or hangs.
#![no_main]

use std::sync::Arc;

use arbitrary::Arbitrary;
use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::frames::ChaincodeFrame;
use fabric_chaincode_shim::proto::protos::ChaincodeInput;
use fabric_chaincode_shim::session::Session;
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, success};
use libfuzzer_sys::fuzz_target;

/// Reads a key, ranges over keys and writes one: enough to have requests in flight.
struct Busy;

impl Chaincode for Busy {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        let _ = stub.get_state("k").await;
        if let Ok(mut it) = stub.get_state_by_range("a", "z").await {
            let _ = it.next().await;
        }
        let _ = stub.put_state("k", "v").await;
        success("done")
    }
}

#[derive(Arbitrary, Debug)]
struct Msg {
    ty: u8,
    txid: u8,
    other_channel: bool,
    payload: Vec<u8>,
    /// Use a well-formed ChaincodeInput instead of `payload` for INIT/TRANSACTION.
    valid_input: bool,
}

#[derive(Arbitrary, Debug)]
struct Script {
    handshake: bool,
    ready_payload: Vec<u8>,
    messages: Vec<Msg>,
}

fuzz_target!(|script: Script| {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    runtime.block_on(async move {
        let (session, mut outgoing) = Session::new(Arc::new(Busy), "fuzz:1");
        let (to_session, inbound) = tokio::sync::mpsc::channel::<Result<ChaincodeFrame, tonic::Status>>(64);
        let run = tokio::spawn(session.run(tokio_stream::wrappers::ReceiverStream::new(inbound)));
        let drain = tokio::spawn(async move { while outgoing.recv().await.is_some() {} });
        if script.handshake {
            let _ = to_session.send(Ok(frame(MessageType::Registered, Bytes::new(), "", "").into())).await;
            let _ = to_session.send(Ok(frame(MessageType::Ready, Bytes::from(script.ready_payload), "", "").into())).await;
        }
        for m in script.messages {
            // One id in five is not UTF-8: the session reads ids as bytes.
            let txid = match m.txid % 5 {
                4 => Bytes::from_static(b"tx\xff"),
                n => Bytes::from(format!("tx{n}")),
            };
            let channel: &'static [u8] = if m.other_channel { b"other" } else { b"ch" };
            let payload = if m.valid_input {
                encode(&ChaincodeInput { args: vec![Bytes::from_static(b"f")], ..Default::default() })
            } else {
                Bytes::from(m.payload)
            };
            let msg = ChaincodeFrame { r#type: i32::from(m.ty % 27), payload, txid, channel_id: Bytes::from_static(channel), ..Default::default() };
            if to_session.send(Ok(msg)).await.is_err() {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(to_session);
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), run).await;
        let result = ended.expect("the session ends when the stream ends").expect("the session does not panic");
        assert!(result.is_err(), "a session always ends with the reason");
        drain.abort();
    });
});
