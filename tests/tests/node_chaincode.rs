//! The development peer serving a chaincode nobody here wrote: Fabric's own
//! Node `fabric-shim` / `fabric-contract-api` 2.5, from npm.
//!
//! The npm packages of `tests/fixtures/node-chaincode` install themselves on
//! first use (`npm ci`, see the `test-fixtures` crate).

use std::process::Stdio;
use std::time::Duration;

use fabric_dev_peer::{DevPeer, Invocation, Ledger, PeerConfig, RegisterServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_contract_api_chaincode_runs_on_the_dev_peer() {
    let modules = test_fixtures::require_npm_fixture("node-chaincode");
    let dir = test_fixtures::fixture_dir("node-chaincode");
    let cli = modules.join("fabric-shim/cli.js");
    // Node 2.5.8 exits on KEEPALIVE (fixed only in 2026), so none is sent here.
    let peer = DevPeer::new(Ledger::in_memory(), PeerConfig::legacy()).unwrap();
    let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let address = server.local_addr().to_string();
    peer.serve(server);
    let _node = tokio::process::Command::new("node")
        .arg(&cli)
        .args([
            "start",
            "--peer.address",
            &address,
            "--chaincode-id-name",
            "nodecc:1",
            "--module-path",
        ])
        .arg(&dir)
        .env("CORE_CHAINCODE_ID_NAME", "nodecc:1")
        .env("CORE_PEER_TLS_ENABLED", "false")
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "ERROR")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node is installed");
    peer.wait_for("nodecc", Duration::from_secs(60))
        .await
        .expect("the Node chaincode registers");

    let call = |args: &[&str]| Invocation::new("nodecc", args);
    let created = peer
        .submit(call(&["CreateAsset", "a1", "blue"]))
        .await
        .unwrap();
    assert_eq!(created.status(), 200, "{}", created.message());
    assert_eq!(created.event.as_ref().unwrap().event_name, "AssetCreated");
    assert_eq!(
        peer.evaluate(call(&["ReadAsset", "a1"]))
            .await
            .unwrap()
            .payload_text(),
        "blue"
    );
    let missing = peer.evaluate(call(&["ReadAsset", "zz"])).await.unwrap();
    assert_eq!(
        (missing.status(), missing.message()),
        (500, "the asset zz does not exist")
    );

    for i in 0..150 {
        peer.submit(call(&["CreateAsset", &format!("k{i:03}"), "v"]))
            .await
            .unwrap();
    }
    // 151 keys: the Node iterator fetches a second batch with QUERY_STATE_NEXT.
    assert_eq!(
        peer.evaluate(call(&["CountAll"]))
            .await
            .unwrap()
            .payload_text(),
        "151"
    );

    peer.submit(call(&["Composite", "blue", "a1"]))
        .await
        .unwrap();
    peer.submit(call(&["Composite", "blue", "a2"]))
        .await
        .unwrap();
    peer.submit(call(&["Composite", "red", "a3"]))
        .await
        .unwrap();
    assert_eq!(
        peer.evaluate(call(&["ByColor", "blue"]))
            .await
            .unwrap()
            .payload_text(),
        "a1,a2"
    );

    peer.submit(call(&["CreateAsset", "a1", "green"]))
        .await
        .unwrap();
    assert_eq!(
        peer.evaluate(call(&["History", "a1"]))
            .await
            .unwrap()
            .payload_text(),
        "green,blue"
    );

    let put = peer
        .submit(call(&["PutPrivate", "secret", "p1"]).transient("value", "hidden"))
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.message());
    assert_eq!(
        peer.evaluate(call(&["GetPrivate", "secret", "p1"]))
            .await
            .unwrap()
            .payload_text(),
        "hidden"
    );

    peer.submit(call(&["CreateAsset", "j1", r#"{"color":"red"}"#]))
        .await
        .unwrap();
    let found = peer
        .evaluate(call(&["Query", r#"{"selector":{"color":"red"}}"#]))
        .await
        .unwrap();
    assert_eq!(found.payload_text(), "j1");
    assert_eq!(
        peer.evaluate(call(&["Creator"]))
            .await
            .unwrap()
            .payload_text(),
        "Org1MSP"
    );

    let metadata = peer
        .evaluate(call(&["org.hyperledger.fabric:GetMetadata"]))
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(metadata.payload()).unwrap();
    assert!(json["contracts"]["AssetContract"].is_object());
}
