//! Graceful shutdown through the embedding API (`serve_with_shutdown`,
//! `dial_with_shutdown`), message by message, with a scripted peer: the
//! peer holds the probe's GET_STATE unanswered, so its transaction stays in
//! flight exactly as long as the test wants.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{ChaincodeInput, ChaincodeMessage, Response};
use fabric_chaincode_shim::transport::{
    ChaincodeServer, DialConfig, ServeConfig, dial_with_shutdown,
};
use fabric_chaincode_shim::{Error, Result};
use fabric_dev_peer::{Connection, RegisterServer, dial_chaincode};
use futures_util::StreamExt;
use prost::Message;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const PATIENCE: Duration = Duration::from_secs(30);

/// The peer's end of the stream.
struct Peer(Connection);

impl Peer {
    async fn recv(&mut self) -> ChaincodeMessage {
        tokio::time::timeout(PATIENCE, self.0.incoming.next())
            .await
            .expect("a message in time")
            .expect("the stream is open")
            .expect("no stream error")
    }

    async fn send(&self, msg: ChaincodeMessage) {
        self.0.outgoing.send(msg).await.unwrap();
    }

    async fn handshake(&mut self) {
        let register = self.recv().await;
        assert_eq!(register.r#type, MessageType::Register as i32);
        self.send(frame(MessageType::Registered, Bytes::new(), "", ""))
            .await;
        self.send(frame(MessageType::Ready, Bytes::new(), "", ""))
            .await;
    }

    /// Starts `get k` as `txid` and returns once the probe waits for its GET_STATE.
    async fn in_flight(&mut self, txid: &str) {
        self.transaction(txid).await;
        let request = self.recv().await;
        assert_eq!(
            (request.r#type, request.txid.as_str()),
            (MessageType::GetState as i32, txid)
        );
    }

    async fn transaction(&self, txid: &str) {
        let input = ChaincodeInput {
            args: vec![Bytes::from_static(b"get"), Bytes::from_static(b"k")],
            ..Default::default()
        };
        self.send(frame(MessageType::Transaction, encode(&input), txid, "ch"))
            .await;
    }

    /// Answers the GET_STATE of `txid`.
    async fn answer(&self, txid: &str) {
        self.send(frame(
            MessageType::Response,
            Bytes::from_static(b"v"),
            txid,
            "ch",
        ))
        .await;
    }

    /// The next message, which must be `ty` for `txid`; its payload as text.
    async fn expect(&mut self, ty: MessageType, txid: &str) -> String {
        let msg = self.recv().await;
        assert_eq!(
            (msg.r#type, msg.txid.as_str()),
            (ty as i32, txid),
            "{msg:?}"
        );
        if ty == MessageType::Completed {
            let response = Response::decode(msg.payload).unwrap();
            assert_eq!(response.status, 200, "{response:?}");
            String::from_utf8_lossy(&response.payload).into_owned()
        } else {
            String::from_utf8_lossy(&msg.payload).into_owned()
        }
    }

    /// The chaincode ends the stream.
    async fn expect_end(&mut self) {
        let next = tokio::time::timeout(PATIENCE, self.0.incoming.next())
            .await
            .expect("the stream ends in time");
        assert!(!matches!(next, Some(Ok(_))), "unexpected message: {next:?}");
    }
}

/// A probe server stopped by the returned sender, and a peer connected to it.
async fn serve(
    drain_timeout: Duration,
) -> (Peer, oneshot::Sender<()>, JoinHandle<Result<()>>, String) {
    let config = ServeConfig {
        address: "127.0.0.1:0".into(),
        chaincode_id: "probe:1".into(),
        tls: None,
    };
    let server = ChaincodeServer::bind(Arc::new(common::Probe), config)
        .await
        .unwrap()
        .with_drain_timeout(drain_timeout);
    let address = server.local_addr().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve_with_shutdown(async {
        let _ = stopped.await;
    }));
    let mut peer = Peer(dial_chaincode(&address, None).await.unwrap());
    peer.handshake().await;
    (peer, stop, serving, address)
}

async fn health(address: &str) -> HealthClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    HealthClient::new(channel)
}

async fn status(
    client: &mut HealthClient<tonic::transport::Channel>,
    service: &str,
) -> ServingStatus {
    client
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status()
}

#[tokio::test]
async fn a_server_drains_then_returns_ok() {
    let (mut peer, stop, serving, address) = serve(Duration::from_secs(60)).await;
    let mut client = health(&address).await;
    assert_eq!(status(&mut client, "").await, ServingStatus::Serving);
    assert_eq!(
        status(&mut client, "protos.Chaincode").await,
        ServingStatus::Serving
    );
    peer.in_flight("t1").await;

    stop.send(()).unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while status(&mut client, "").await != ServingStatus::NotServing {
        assert!(tokio::time::Instant::now() < deadline, "never NOT_SERVING");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        status(&mut client, "protos.Chaincode").await,
        ServingStatus::NotServing
    );
    // A new peer is refused...
    assert!(dial_chaincode(&address, None).await.is_err());
    // ... and so is a new transaction on the open stream, with ERROR.
    peer.transaction("t2").await;
    let refusal = peer.expect(MessageType::Error, "t2").await;
    assert!(refusal.contains("shutting down"), "{refusal}");
    assert!(!serving.is_finished(), "t1 is still running");

    peer.answer("t1").await;
    assert_eq!(peer.expect(MessageType::Completed, "t1").await, "v");
    peer.expect_end().await;
    tokio::time::timeout(PATIENCE, serving)
        .await
        .expect("the server returns")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_server_cuts_off_at_the_deadline() {
    // A current-thread runtime: the session polls the transaction itself.
    server_cut_off().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_cuts_off_at_the_deadline_on_a_multi_thread_runtime() {
    // The transaction is a task of its own.
    server_cut_off().await;
}

async fn server_cut_off() {
    let (mut peer, stop, serving, _) = serve(Duration::from_millis(300)).await;
    peer.in_flight("stuck").await;
    stop.send(()).unwrap();
    let error = peer.expect(MessageType::Error, "stuck").await;
    assert!(
        error.contains("shut down before the transaction completed"),
        "{error}"
    );
    peer.expect_end().await;
    let result = tokio::time::timeout(PATIENCE, serving)
        .await
        .unwrap()
        .unwrap();
    let Err(Error::DrainTimeout { deadline, cut_off }) = result else {
        panic!("expected DrainTimeout, got {result:?}");
    };
    assert_eq!(deadline, Duration::from_millis(300));
    assert_eq!(cut_off, ["txid stuck on channel ch, function get"]);
}

/// A dialling probe stopped by the returned sender, and the peer's end.
async fn dial(drain_timeout: Duration) -> (Peer, oneshot::Sender<()>, JoinHandle<Result<()>>) {
    let mut server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let config = DialConfig {
        peer_address: server.local_addr().to_string(),
        chaincode_id: "probe:1".into(),
        tls: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let dialling = tokio::spawn(async move {
        let signal = async {
            let _ = stopped.await;
        };
        dial_with_shutdown(Arc::new(common::Probe), &config, signal, drain_timeout).await
    });
    let connection = tokio::time::timeout(PATIENCE, server.accept())
        .await
        .unwrap()
        .unwrap();
    // The listener must outlive the stream.
    std::mem::forget(server);
    let mut peer = Peer(connection);
    peer.handshake().await;
    (peer, stop, dialling)
}

#[tokio::test]
async fn a_dialling_chaincode_drains_then_returns_ok() {
    let (mut peer, stop, dialling) = dial(Duration::from_secs(60)).await;
    peer.in_flight("t1").await;
    stop.send(()).unwrap();
    peer.answer("t1").await;
    assert_eq!(peer.expect(MessageType::Completed, "t1").await, "v");
    peer.expect_end().await;
    // The peer ends its side too, as a Fabric peer does on end of stream.
    drop(peer);
    tokio::time::timeout(PATIENCE, dialling)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_dialling_chaincode_cuts_off_at_the_deadline() {
    dialling_cut_off().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialling_chaincode_cuts_off_at_the_deadline_on_a_multi_thread_runtime() {
    dialling_cut_off().await;
}

async fn dialling_cut_off() {
    let (mut peer, stop, dialling) = dial(Duration::from_millis(300)).await;
    peer.in_flight("stuck").await;
    stop.send(()).unwrap();
    let error = peer.expect(MessageType::Error, "stuck").await;
    assert!(
        error.contains("shut down before the transaction completed"),
        "{error}"
    );
    peer.expect_end().await;
    let result = tokio::time::timeout(PATIENCE, dialling)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&result, Err(Error::DrainTimeout { cut_off, .. }) if cut_off.len() == 1),
        "{result:?}"
    );
}

#[tokio::test]
async fn stopping_before_the_peer_is_reached_returns_at_once() {
    // The signal is already there when the connection attempt starts.
    let config = DialConfig {
        peer_address: "127.0.0.1:1".into(),
        chaincode_id: "probe:1".into(),
        tls: None,
    };
    let result = tokio::time::timeout(
        PATIENCE,
        dial_with_shutdown(
            Arc::new(common::Probe),
            &config,
            std::future::ready(()),
            Duration::from_secs(5),
        ),
    )
    .await
    .expect("returns in time");
    assert!(result.is_ok(), "{result:?}");
}
