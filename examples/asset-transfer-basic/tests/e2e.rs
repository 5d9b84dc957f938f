//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, as a Fabric peer runs it.

use std::process::Stdio;
use std::time::Duration;

use fabric_dev_peer::{DevPeer, Invocation, RegisterServer};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-basic");

fn chaincode() -> Command {
    let mut command = Command::new(BINARY);
    command
        .env("CORE_PEER_TLS_ENABLED", "false")
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "WARNING")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    command
}

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
    let out = peer
        .evaluate(call(&["org.hyperledger.fabric:GetMetadata"]))
        .await
        .unwrap();
    let metadata: serde_json::Value = serde_json::from_slice(out.payload()).unwrap();
    integration_tests::assert_valid_metadata(&metadata);
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let address = server.local_addr().to_string();
    peer.serve(server);
    let _child: Child = chaincode()
        .arg(format!("-peer.address={address}"))
        .env("CORE_CHAINCODE_ID_NAME", "basic:0123")
        .spawn()
        .unwrap();
    peer.wait_for("basic", Duration::from_secs(30))
        .await
        .unwrap();
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let address = format!("127.0.0.1:{port}");
    let _child = chaincode()
        .env("CHAINCODE_SERVER_ADDRESS", &address)
        .env("CHAINCODE_ID", "basic:0123")
        .spawn()
        .unwrap();
    let peer = DevPeer::in_memory().unwrap();
    let mut connected = None;
    for _ in 0..100 {
        if let Ok(handle) = peer.connect(&address, None).await {
            connected = Some(handle);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(connected.is_some(), "the chaincode server did not come up");
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let output = Command::new(BINARY).arg("metadata").output().await.unwrap();
    assert!(output.status.success());
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
