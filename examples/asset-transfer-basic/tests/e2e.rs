//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, as a Fabric peer runs it.

use fabric_dev_peer::{DevPeer, Invocation};
use integration_tests::{Mode, launch};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-basic");

async fn run_walkthrough(peer: &DevPeer) {
    let call = |args: &[&str]| Invocation::new("basic", args);
    assert_eq!(
        peer.submit(call(&["InitLedger"])).await.unwrap().status(),
        200
    );
    let out = peer
        .submit(call(&["TransferAsset", "asset1", "Ana"]))
        .await
        .unwrap();
    assert_eq!((out.status(), out.payload_text().as_str()), (200, "Tomoko"));
    let out = peer.evaluate(call(&["ReadAsset", "asset1"])).await.unwrap();
    assert_eq!(
        out.payload_text(),
        r#"{"AppraisedValue":300,"Color":"blue","ID":"asset1","Owner":"Ana","Size":5}"#
    );
    let out = peer.evaluate(call(&["ReadAsset", "nope"])).await.unwrap();
    assert_eq!(
        (out.status(), out.message()),
        (500, "the asset nope does not exist")
    );
    integration_tests::served_metadata(peer, "basic").await;
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, "basic", Mode::Dial, &[]).await;
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, "basic", Mode::Service, &[]).await;
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert_eq!(metadata["info"]["title"], "asset-transfer-basic");
    assert!(metadata["contracts"]["SmartContract"].is_object());
}

#[tokio::test]
async fn a_missing_setting_stops_start_up_naming_it() {
    let output = Command::new(BINARY)
        .env_remove("CORE_CHAINCODE_ID_NAME")
        .env_remove("CHAINCODE_SERVER_ADDRESS")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CORE_CHAINCODE_ID_NAME"), "{stderr}");
}
