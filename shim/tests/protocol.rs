//! The session state machine against a scripted peer over real gRPC:
//! handshake, keepalive, interleaving, and every failure path.

mod common;

use std::time::Duration;

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeId, ChaincodeInput, ChaincodeMessage, GetState, Response,
    SignedProposal,
};
use fabric_dev_peer::{Connection, RegisterServer};
use futures_util::StreamExt;
use prost::Message;

/// The peer's end of one chaincode stream, driven by hand.
struct RawPeer {
    connection: Connection,
    chaincode: tokio::task::JoinHandle<fabric_chaincode_shim::Result<()>>,
}

impl RawPeer {
    /// Starts the probe dialling a new listener and accepts its stream.
    async fn start() -> RawPeer {
        let mut server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
        let address = server.local_addr().to_string();
        let chaincode = common::spawn_dialer(common::Probe, &address, "probe:1");
        let connection = tokio::time::timeout(Duration::from_secs(10), server.accept())
            .await
            .expect("the chaincode dials in")
            .unwrap();
        // Keep the listener alive as long as the test runs.
        std::mem::forget(server);
        RawPeer {
            connection,
            chaincode,
        }
    }

    async fn send(&self, msg: ChaincodeMessage) {
        self.connection.outgoing.send(msg).await.unwrap();
    }

    async fn recv(&mut self) -> ChaincodeMessage {
        tokio::time::timeout(Duration::from_secs(10), self.connection.incoming.next())
            .await
            .expect("a message within 10 s")
            .expect("the stream is open")
            .expect("no stream error")
    }

    /// Waits for the stream to end (the chaincode closed it).
    async fn expect_end(&mut self) {
        let next = tokio::time::timeout(Duration::from_secs(10), self.connection.incoming.next())
            .await
            .expect("the stream ends within 10 s");
        assert!(!matches!(next, Some(Ok(_))), "unexpected message: {next:?}");
    }

    /// Nothing arrives for `wait`.
    async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(next) = tokio::time::timeout(wait, self.connection.incoming.next()).await {
            panic!("expected silence, got {next:?}");
        }
    }

    async fn handshake(&mut self, ready: Bytes) {
        let register = self.recv().await;
        assert_eq!(register.r#type, MessageType::Register as i32);
        assert_eq!(
            ChaincodeId::decode(register.payload).unwrap().name,
            "probe:1"
        );
        self.send(frame(MessageType::Registered, Bytes::new(), "", ""))
            .await;
        self.send(frame(MessageType::Ready, ready, "", "")).await;
    }

    async fn transaction(&self, txid: &str, args: &[&str]) {
        let input = ChaincodeInput {
            args: args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect(),
            ..Default::default()
        };
        self.send(frame(MessageType::Transaction, encode(&input), txid, "ch"))
            .await;
    }

    /// Receives the COMPLETED of `txid` and decodes its response.
    async fn completed(&mut self, txid: &str) -> Response {
        let msg = self.recv().await;
        assert_eq!(msg.r#type, MessageType::Completed as i32, "{msg:?}");
        assert_eq!((msg.txid.as_str(), msg.channel_id.as_str()), (txid, "ch"));
        Response::decode(msg.payload).unwrap()
    }

    async fn chaincode_result(self) -> fabric_chaincode_shim::Result<()> {
        tokio::time::timeout(Duration::from_secs(10), self.chaincode)
            .await
            .unwrap()
            .unwrap()
    }
}

fn text(r: &Response) -> String {
    String::from_utf8_lossy(&r.payload).into_owned()
}

#[tokio::test]
async fn ready_params_are_read_from_ready() {
    let mut peer = RawPeer::start().await;
    let params = ChaincodeAdditionalParams {
        use_write_batch: true,
        max_size_write_batch: 7,
        use_get_multiple_keys: true,
        max_size_get_multiple_keys: 9,
    };
    peer.handshake(encode(&params)).await;
    peer.transaction("t1", &["params"]).await;
    assert_eq!(text(&peer.completed("t1").await), "Some(7),Some(9)");
}

#[tokio::test]
async fn an_empty_ready_from_an_older_peer_turns_features_off() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["params"]).await;
    assert_eq!(text(&peer.completed("t1").await), "None,None");
}

#[tokio::test]
async fn keepalive_is_echoed_unchanged_in_every_state() {
    let mut peer = RawPeer::start().await;
    let register = peer.recv().await;
    assert_eq!(register.r#type, MessageType::Register as i32);
    let mut keepalive = frame(MessageType::Keepalive, Bytes::from_static(b"ping"), "", "");
    keepalive.timestamp = Some(prost_types::Timestamp {
        seconds: 7,
        nanos: 1,
    });
    peer.send(keepalive.clone()).await;
    assert_eq!(peer.recv().await, keepalive, "echoed before REGISTERED");
    peer.send(frame(MessageType::Registered, Bytes::new(), "", ""))
        .await;
    peer.send(frame(MessageType::Ready, Bytes::new(), "", ""))
        .await;
    peer.send(keepalive.clone()).await;
    assert_eq!(peer.recv().await, keepalive, "echoed when ready");
}

#[tokio::test]
async fn a_transaction_before_ready_is_refused_and_ends_the_stream() {
    let mut peer = RawPeer::start().await;
    let _register = peer.recv().await;
    peer.transaction("t1", &["get", "k"]).await;
    let error = peer.recv().await;
    assert_eq!(error.r#type, MessageType::Error as i32);
    assert!(String::from_utf8_lossy(&error.payload).contains("while in state: created"));
    peer.expect_end().await;
    let result = peer.chaincode_result().await;
    assert!(
        matches!(result, Err(fabric_chaincode_shim::Error::Protocol(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_message_type_ends_the_stream_with_an_error() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.send(ChaincodeMessage {
        r#type: 99,
        txid: "t9".into(),
        ..Default::default()
    })
    .await;
    let error = peer.recv().await;
    assert_eq!(error.r#type, MessageType::Error as i32);
    assert!(String::from_utf8_lossy(&error.payload).contains("UNKNOWN(99)"));
    peer.expect_end().await;
    assert!(peer.chaincode_result().await.is_err());
}

#[tokio::test]
async fn a_reply_for_an_unknown_transaction_is_ignored() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.send(frame(
        MessageType::Response,
        Bytes::from_static(b"x"),
        "nobody",
        "ch",
    ))
    .await;
    peer.send(frame(
        MessageType::Error,
        Bytes::from_static(b"x"),
        "nobody",
        "ch",
    ))
    .await;
    peer.transaction("t1", &["params"]).await;
    assert_eq!(peer.completed("t1").await.status, 200);
}

#[tokio::test]
async fn a_duplicate_txid_is_refused_while_the_first_runs() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["slow", "300"]).await;
    peer.transaction("t1", &["params"]).await;
    let error = peer.recv().await;
    assert_eq!(
        (error.r#type, error.txid.as_str()),
        (MessageType::Error as i32, "t1")
    );
    assert!(String::from_utf8_lossy(&error.payload).contains("duplicate transaction ID"));
    assert_eq!(text(&peer.completed("t1").await), "slept");
    // Once completed, the id may be used again.
    peer.transaction("t1", &["params"]).await;
    assert_eq!(peer.completed("t1").await.status, 200);
}

#[tokio::test]
async fn an_error_reply_from_the_peer_surfaces_as_a_stub_error() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["get", "k"]).await;
    let request = peer.recv().await;
    assert_eq!(request.r#type, MessageType::GetState as i32);
    assert_eq!(GetState::decode(request.payload).unwrap().key, "k");
    peer.send(frame(
        MessageType::Error,
        Bytes::from_static(b"GET_STATE failed: boom"),
        "t1",
        "ch",
    ))
    .await;
    let response = peer.completed("t1").await;
    assert_eq!(response.status, 500);
    assert_eq!(response.message, "stub error: GET_STATE failed: boom");
}

#[tokio::test]
async fn interleaved_transactions_get_their_own_replies() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["get", "a"]).await;
    peer.transaction("t2", &["get", "b"]).await;
    let first = peer.recv().await;
    let second = peer.recv().await;
    let mut requests = [first, second];
    requests.sort_by(|a, b| a.txid.cmp(&b.txid));
    assert_eq!(
        requests.iter().map(|r| r.txid.as_str()).collect::<Vec<_>>(),
        ["t1", "t2"]
    );
    // Answer the second transaction first.
    peer.send(frame(
        MessageType::Response,
        Bytes::from_static(b"B"),
        "t2",
        "ch",
    ))
    .await;
    peer.send(frame(
        MessageType::Response,
        Bytes::from_static(b"A"),
        "t1",
        "ch",
    ))
    .await;
    let mut results = Vec::new();
    for _ in 0..2 {
        let msg = peer.recv().await;
        assert_eq!(msg.r#type, MessageType::Completed as i32);
        results.push((
            msg.txid.clone(),
            text(&Response::decode(msg.payload).unwrap()),
        ));
    }
    results.sort();
    assert_eq!(
        results,
        [
            ("t1".to_string(), "A".to_string()),
            ("t2".to_string(), "B".to_string())
        ]
    );
}

#[tokio::test]
async fn concurrent_calls_of_one_transaction_go_out_one_at_a_time() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["concurrent"]).await;
    let mut answered = Vec::new();
    for _ in 0..3 {
        let request = peer.recv().await;
        // Nothing else is sent while this request is outstanding.
        peer.expect_silence(Duration::from_millis(100)).await;
        answered.push(request.r#type);
        let reply = if request.r#type == MessageType::GetState as i32 {
            Bytes::from(
                GetState::decode(request.payload)
                    .unwrap()
                    .key
                    .to_uppercase(),
            )
        } else {
            Bytes::new()
        };
        peer.send(frame(MessageType::Response, reply, "t1", "ch"))
            .await;
    }
    answered.sort();
    assert_eq!(
        answered,
        [
            MessageType::GetState as i32,
            MessageType::GetState as i32,
            MessageType::PutState as i32
        ]
    );
    assert_eq!(text(&peer.completed("t1").await), "Some([65]),Some([66])");
}

#[tokio::test]
async fn a_panicking_transaction_fails_alone() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["panic"]).await;
    let response = peer.completed("t1").await;
    assert_eq!(response.status, 500);
    assert_eq!(
        response.message,
        "transaction panicked: probe was asked to panic"
    );
    peer.transaction("t2", &["params"]).await;
    assert_eq!(
        peer.completed("t2").await.status,
        200,
        "the stream survives"
    );
}

#[tokio::test]
async fn an_application_error_is_completed_with_status_500() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["error", "asset a1 does not exist"])
        .await;
    let response = peer.completed("t1").await;
    assert_eq!(
        (response.status, response.message.as_str()),
        (500, "asset a1 does not exist")
    );
}

#[tokio::test]
async fn malformed_input_or_proposal_ends_the_transaction_with_error() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.send(frame(
        MessageType::Transaction,
        Bytes::from_static(b"\xff\xff\xff"),
        "t1",
        "ch",
    ))
    .await;
    let error = peer.recv().await;
    assert_eq!(
        (error.r#type, error.txid.as_str()),
        (MessageType::Error as i32, "t1")
    );
    assert!(String::from_utf8_lossy(&error.payload).starts_with("failed to unmarshal input"));

    // A proposal that does not decode fails the transaction that reads it
    // (here its creator), with the Go shim's message.
    let with_bad_proposal = |function: &'static [u8], txid: &str| {
        let input = ChaincodeInput {
            args: vec![Bytes::from_static(function)],
            ..Default::default()
        };
        let mut msg = frame(MessageType::Transaction, encode(&input), txid, "ch");
        msg.proposal = Some(Box::new(SignedProposal {
            proposal_bytes: Bytes::from_static(b"\xff\xff"),
            signature: Bytes::new(),
        }));
        msg
    };
    peer.send(with_bad_proposal(b"info", "t2")).await;
    let error = peer.recv().await;
    assert_eq!(
        (error.r#type, error.txid.as_str()),
        (MessageType::Error as i32, "t2")
    );
    let text_of = String::from_utf8_lossy(&error.payload);
    assert!(
        text_of.starts_with("failed to create new ChaincodeStub: failed to extract Proposal"),
        "{text_of}"
    );
    // One that never reads it is not held up by it: the proposal is decoded
    // only when asked for.
    peer.send(with_bad_proposal(b"params", "t2b")).await;
    assert_eq!(peer.completed("t2b").await.status, 200);

    peer.transaction("t3", &["params"]).await;
    assert_eq!(
        peer.completed("t3").await.status,
        200,
        "the stream survives"
    );
}

#[tokio::test]
async fn init_is_dispatched_like_a_transaction() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    let input = ChaincodeInput {
        args: vec![Bytes::from_static(b"info")],
        is_init: true,
        ..Default::default()
    };
    peer.send(frame(MessageType::Init, encode(&input), "t1", "ch"))
        .await;
    let response = peer.completed("t1").await;
    assert!(
        text(&response).ends_with("init=true"),
        "{}",
        text(&response)
    );
}

#[tokio::test]
async fn a_stub_call_after_the_transaction_ended_fails_cleanly() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["leak"]).await;
    assert_eq!(peer.completed("t1").await.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    peer.transaction("t2", &["leak_result"]).await;
    let result = text(&peer.completed("t2").await);
    assert!(result.contains("TransactionFinished"), "{result}");
}

#[tokio::test]
async fn the_session_ends_when_the_peer_closes_the_stream() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    peer.transaction("t1", &["get", "k"]).await;
    let _request = peer.recv().await;
    let RawPeer {
        connection,
        chaincode,
    } = peer;
    drop(connection);
    let result = tokio::time::timeout(Duration::from_secs(10), chaincode)
        .await
        .unwrap()
        .unwrap();
    let error = result.unwrap_err().to_string();
    assert!(
        error.contains("closed the stream") || error.contains("stream from the peer failed"),
        "{error}"
    );
}

#[tokio::test]
async fn decorations_and_raw_arguments_reach_the_stub() {
    let mut peer = RawPeer::start().await;
    peer.handshake(Bytes::new()).await;
    let mut input = ChaincodeInput {
        args: vec![Bytes::from_static(b"decorations")],
        ..Default::default()
    };
    input
        .decorations
        .insert("b".into(), Bytes::from_static(b"2"));
    input
        .decorations
        .insert("a".into(), Bytes::from_static(b"1"));
    peer.send(frame(MessageType::Transaction, encode(&input), "t1", "ch"))
        .await;
    assert_eq!(text(&peer.completed("t1").await), "a=1,b=2");
}

#[tokio::test]
async fn a_transaction_id_that_is_not_utf8_is_refused_with_error() {
    use fabric_chaincode_shim::proto::frames::ChaincodeFrame;
    use fabric_chaincode_shim::session::Session;

    // Fabric's ids are text; the shim reads them as bytes off the wire and
    // checks them once per transaction. Only our own frame type can carry
    // such an id, so the session is driven directly here.
    let (session, mut outgoing) = Session::new(std::sync::Arc::new(common::Probe), "probe:1");
    let (to_session, mut inbound) =
        tokio::sync::mpsc::channel::<Result<ChaincodeFrame, tonic::Status>>(8);
    let run = tokio::spawn(session.run(futures_util::stream::poll_fn(move |cx| {
        inbound.poll_recv(cx)
    })));
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), outgoing.recv())
            .await
            .expect("a message within 10 s")
            .expect("the session is running")
    };
    assert_eq!(next().await.r#type, MessageType::Register as i32);
    for ty in [MessageType::Registered, MessageType::Ready] {
        to_session
            .send(Ok(frame(ty, Bytes::new(), "", "").into()))
            .await
            .unwrap();
    }
    let input = encode(&ChaincodeInput {
        args: vec![Bytes::from_static(b"params")],
        ..Default::default()
    });
    let bad = ChaincodeFrame {
        r#type: MessageType::Transaction as i32,
        payload: input.clone(),
        txid: Bytes::from_static(b"t\xff1"),
        channel_id: Bytes::from_static(b"ch"),
        ..Default::default()
    };
    to_session.send(Ok(bad)).await.unwrap();
    let error = next().await;
    assert_eq!(error.r#type, MessageType::Error as i32);
    assert_eq!(&error.txid[..], b"t\xff1", "the reply names the id as sent");
    assert!(String::from_utf8_lossy(&error.payload).contains("is not valid UTF-8"));
    // The session goes on: the next transaction runs.
    to_session
        .send(Ok(frame(MessageType::Transaction, input, "t2", "ch").into()))
        .await
        .unwrap();
    let completed = next().await;
    assert_eq!(completed.r#type, MessageType::Completed as i32);
    assert_eq!(&completed.txid[..], b"t2");
    drop(to_session);
    let _ = tokio::time::timeout(Duration::from_secs(10), run).await;
}
