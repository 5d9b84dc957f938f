//! Faults: what happens when the peer misbehaves, is slow, goes away or
//! sends too much — each outcome asserted.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::{Harness, Probe};
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{ChaincodeInput, ChaincodeMessage, Response};
use fabric_chaincode_shim::transport::{ChaincodeServer, ServeConfig};
use fabric_dev_peer::{Connection, DevPeer, Invocation, PeerConfig, dial_chaincode};
use futures_util::StreamExt;
use prost::Message;

async fn serve_probe() -> String {
    let server = ChaincodeServer::bind(
        Arc::new(Probe),
        ServeConfig {
            address: "127.0.0.1:0".into(),
            chaincode_id: "probe:1".into(),
            tls: None,
        },
    )
    .await
    .unwrap();
    let address = server.local_addr().to_string();
    tokio::spawn(server.serve());
    address
}

async fn recv(connection: &mut Connection) -> Option<ChaincodeMessage> {
    match tokio::time::timeout(Duration::from_secs(10), connection.incoming.next()).await {
        Ok(Some(Ok(msg))) => Some(msg),
        Ok(_) => None,
        Err(_) => panic!("no message within 10 s"),
    }
}

async fn handshake(connection: &mut Connection) {
    let register = recv(connection).await.unwrap();
    assert_eq!(register.r#type, MessageType::Register as i32);
    connection
        .outgoing
        .send(frame(MessageType::Registered, Bytes::new(), "", ""))
        .await
        .unwrap();
    connection
        .outgoing
        .send(frame(MessageType::Ready, Bytes::new(), "", ""))
        .await
        .unwrap();
}

fn transaction(txid: &str, args: &[&str]) -> ChaincodeMessage {
    let input = ChaincodeInput {
        args: args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect(),
        ..Default::default()
    };
    frame(MessageType::Transaction, encode(&input), txid, "ch")
}

#[tokio::test]
async fn the_service_keeps_serving_after_a_peer_drops_mid_transaction() {
    let address = serve_probe().await;
    let mut first = dial_chaincode(&address, None).await.unwrap();
    handshake(&mut first).await;
    first
        .outgoing
        .send(transaction("t1", &["get", "k"]))
        .await
        .unwrap();
    let request = recv(&mut first).await.unwrap();
    assert_eq!(request.r#type, MessageType::GetState as i32);
    drop(first);

    // A reconnecting peer gets a fresh session.
    let mut second = dial_chaincode(&address, None).await.unwrap();
    handshake(&mut second).await;
    second
        .outgoing
        .send(transaction("t1", &["params"]))
        .await
        .unwrap();
    let completed = recv(&mut second).await.unwrap();
    assert_eq!(completed.r#type, MessageType::Completed as i32);
    assert_eq!(Response::decode(completed.payload).unwrap().status, 200);
}

#[tokio::test]
async fn an_oversized_message_ends_that_stream_only() {
    let address = serve_probe().await;
    let mut peer = dial_chaincode(&address, None).await.unwrap();
    handshake(&mut peer).await;
    // One byte over the 100 MiB limit.
    let huge = Bytes::from(vec![
        b'x';
        fabric_chaincode_shim::transport::MAX_MESSAGE_SIZE + 1
    ]);
    let mut msg = transaction("t1", &["params"]);
    msg.payload = huge;
    let _ = peer.outgoing.send(msg).await;
    // The chaincode refuses the frame and the stream ends without a COMPLETED.
    loop {
        match recv(&mut peer).await {
            None => break,
            Some(m) => assert_ne!(m.r#type, MessageType::Completed as i32, "{m:?}"),
        }
    }
    // The server is still there for the next connection.
    let mut next = dial_chaincode(&address, None).await.unwrap();
    handshake(&mut next).await;
    next.outgoing
        .send(transaction("t2", &["params"]))
        .await
        .unwrap();
    assert_eq!(
        recv(&mut next).await.unwrap().r#type,
        MessageType::Completed as i32
    );
}

#[tokio::test]
async fn a_slow_reply_holds_up_only_its_own_transaction() {
    let address = serve_probe().await;
    let mut peer = dial_chaincode(&address, None).await.unwrap();
    handshake(&mut peer).await;
    peer.outgoing
        .send(transaction("slow", &["get", "k"]))
        .await
        .unwrap();
    let slow_request = recv(&mut peer).await.unwrap();
    assert_eq!(slow_request.txid, "slow");
    // While "slow" waits for its reply, "fast" runs to completion.
    peer.outgoing
        .send(transaction("fast", &["params"]))
        .await
        .unwrap();
    let completed = recv(&mut peer).await.unwrap();
    assert_eq!(
        (completed.r#type, completed.txid.as_str()),
        (MessageType::Completed as i32, "fast")
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    peer.outgoing
        .send(frame(
            MessageType::Response,
            Bytes::from_static(b"late"),
            "slow",
            "ch",
        ))
        .await
        .unwrap();
    let completed = recv(&mut peer).await.unwrap();
    assert_eq!(completed.txid, "slow");
    assert_eq!(
        &Response::decode(completed.payload).unwrap().payload[..],
        b"late"
    );
}

#[tokio::test]
async fn a_transaction_that_outlives_the_peers_timeout_fails_alone() {
    let config = PeerConfig {
        execute_timeout: Duration::from_millis(300),
        ..PeerConfig::default()
    };
    let h = Harness::dial(config, "probe:1").await;
    let out = h.submit(&["slow", "1000"]).await;
    assert_eq!(out.status(), 500);
    assert_eq!(
        out.message(),
        "error in simulation: timeout expired while executing transaction"
    );
    assert!(!out.committed);
    // The late COMPLETED is dropped by the peer; the stream goes on.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(h.ok(&["put", "k", "v"]).await, "");
    assert_eq!(h.query(&["get", "k"]).await, "v");
}

#[tokio::test]
async fn a_chaincode_that_disconnects_fails_its_transactions_with_a_clear_error() {
    let peer = DevPeer::in_memory().unwrap();
    let address = serve_probe().await;
    let handle = peer.connect(&address, None).await.unwrap();
    let call = peer.submit(Invocation::new("probe", &["slow", "5000"]));
    let kill = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The peer's stream ends: as if the chaincode process died.
        handle
            .send_raw(ChaincodeMessage {
                r#type: 99,
                ..Default::default()
            })
            .await
            .unwrap();
    };
    let (out, ()) = tokio::join!(call, kill);
    let out = out.unwrap();
    assert_eq!(out.status(), 500);
    assert!(
        out.message().contains("chaincode stream terminated"),
        "{}",
        out.message()
    );
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn transient_and_private_data_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::dial(PeerConfig::default(), "probe:1").await;
    let out = h
        .peer
        .submit(
            Invocation::new("probe", &["priv_put", "coll", "k", "private-VALUE-42"])
                .transient("price", "transient-SECRET-17"),
        )
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let _ = h.query(&["priv_get", "coll", "k"]).await;
    // Also on failure paths.
    let _ = h
        .peer
        .evaluate(Invocation::new("probe", &["error", "x"]).transient("t", "transient-SECRET-17"))
        .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG") || logs.contains("INFO"),
        "logging was captured: {logs}"
    );
    assert!(
        !logs.contains("transient-SECRET-17"),
        "transient data in logs:\n{logs}"
    );
    assert!(
        !logs.contains("private-VALUE-42"),
        "private data in logs:\n{logs}"
    );
}
