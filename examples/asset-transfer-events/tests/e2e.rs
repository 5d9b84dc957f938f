//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, running the flow of the sample's client application
//! (`application-gateway-go/app.go`): listen for chaincode events, create,
//! update, transfer and delete an asset, and receive one event per commit.
//!
//! (The application also replays the events from the first block; the
//! development peer has no blocks to replay from, so the test checks the
//! events as they are committed.)

use std::time::Duration;

use fabric_dev_peer::{CommittedEvent, DevPeer, Invocation};
use integration_tests::{Mode, launch};
use tokio::sync::broadcast::Receiver;

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-events");
const NAME: &str = "events";

async fn next_event(events: &mut Receiver<CommittedEvent>) -> (String, serde_json::Value) {
    let committed = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event in time")
        .expect("the event stream");
    assert_eq!(committed.channel, "mychannel");
    assert_eq!(committed.event.chaincode_id, NAME);
    (
        committed.event.event_name,
        serde_json::from_slice(&committed.event.payload).unwrap(),
    )
}

async fn run_application_flow(peer: &DevPeer) {
    let mut events = peer.subscribe();
    let call = |args: &[&str]| Invocation::new(NAME, args);
    let id = "asset1700000000000";

    let out = peer
        .submit(call(&["CreateAsset", id, "blue", "10", "Sam", "100"]))
        .await
        .unwrap();
    assert!(out.committed, "{out:?}");
    let out = peer
        .submit(call(&["UpdateAsset", id, "blue", "10", "Sam", "200"]))
        .await
        .unwrap();
    assert!(out.committed, "{out:?}");
    let out = peer
        .submit(call(&["TransferAsset", id, "Mary"]))
        .await
        .unwrap();
    assert_eq!(out.payload_text(), "Sam");
    let out = peer.evaluate(call(&["ReadAsset", id])).await.unwrap();
    assert_eq!(
        out.payload_text(),
        format!(r#"{{"AppraisedValue":200,"Color":"blue","ID":"{id}","Owner":"Mary","Size":10}}"#)
    );
    let out = peer.submit(call(&["DeleteAsset", id])).await.unwrap();
    assert!(out.committed, "{out:?}");
    let out = peer.submit(call(&["DeleteAsset", id])).await.unwrap();
    assert_eq!(
        (out.status(), out.message()),
        (500, format!("the asset {id} does not exist").as_str())
    );

    let asset = |value: u32, owner: &str| serde_json::json!({"AppraisedValue": value, "Color": "blue", "ID": id, "Owner": owner, "Size": 10});
    let expected = [
        ("CreateAsset", asset(100, "Sam")),
        ("UpdateAsset", asset(200, "Sam")),
        ("TransferAsset", asset(200, "Mary")),
        ("DeleteAsset", asset(200, "Mary")),
    ];
    for (name, payload) in expected {
        assert_eq!(next_event(&mut events).await, (name.to_owned(), payload));
    }
    // Neither the query nor the failed delete produced an event.
    assert!(events.try_recv().is_err());

    integration_tests::served_metadata(peer, NAME).await;
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Dial, &[]).await;
    run_application_flow(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Service, &[]).await;
    run_application_flow(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert_eq!(metadata["info"]["title"], "asset-transfer-events");
    assert!(metadata["contracts"]["SmartContract"].is_object());
}
