//! Client applications nobody here wrote run unchanged against
//! `fabric-dev-peer serve`: Fabric's official Node Gateway client
//! (`@hyperledger/fabric-gateway`, npm), configured like the fabric-samples
//! `application-gateway-typescript` app, over TLS with the MSP folders and
//! TLS CA that `serve` writes.
//!
//! The npm packages of `tests/fixtures/node-gateway` install themselves on
//! first use; the binaries come from `cargo test --workspace`'s build.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

use integration_tests::{Served, serve_tls, workspace_bin};

async fn serve(tag: &str) -> Served {
    serve_tls(
        tag,
        &[
            ("basic", &workspace_bin("asset-transfer-basic")),
            ("events", &workspace_bin("asset-transfer-events")),
        ],
        &[],
    )
    .await
}

/// Runs `node app.js <mode>` against `serve`; returns its checks by name.
async fn app(serve: &Served, mode: &str, chaincode: &str) -> HashMap<String, Value> {
    let modules = test_fixtures::require_npm_fixture("node-gateway");
    let dir: &Path = modules.parent().unwrap();
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new("node")
            .arg("app.js")
            .arg(mode)
            .current_dir(dir)
            .env("CRYPTO_PATH", &serve.crypto_path)
            .env("PEER_ENDPOINT", &serve.endpoint)
            .env("CHAINCODE_NAME", chaincode)
            .output(),
    )
    .await
    .expect("the app finishes within 120 s")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node app.js {mode} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            (value["check"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_node_client_runs_the_samples_app_over_tls() {
    let mut serve = serve("sample").await;

    // The fabric-samples asset-transfer-basic gateway app's steps.
    let sample = app(&serve, "sample", "basic").await;
    assert_eq!(sample["GetAllAssets"]["count"], 6);
    assert_eq!(sample["GetAllAssets"]["first"]["Owner"], "Tomoko");
    let transfer = &sample["TransferAsset"];
    assert_eq!(transfer["oldOwner"], "Tom");
    assert_eq!(transfer["successful"], true);
    assert_eq!(transfer["code"], 0);
    assert!(transfer["blockNumber"].as_u64().unwrap() > 0);
    assert_eq!(transfer["sameId"], true);
    assert_eq!(sample["ReadAsset"]["asset"]["Owner"], "Saptha");
    assert_eq!(sample["ReadAsset"]["asset"]["AppraisedValue"], 1300);
    let update = &sample["UpdateAsset"]["error"];
    assert_eq!(update["name"], "EndorseError");
    assert_eq!(update["code"], 10);
    assert_eq!(
        update["message"],
        "10 ABORTED: failed to endorse transaction, see attached details for more info"
    );
    assert_eq!(
        update["details"][0]["message"],
        "chaincode response 500, the asset asset70 does not exist"
    );
    assert_eq!(update["details"][0]["mspId"], "Org1MSP");

    // Two clients endorse conflicting transfers before either submits.
    let mvcc = app(&serve, "mvcc", "basic").await;
    let mvcc = &mvcc["mvcc"];
    assert_eq!(mvcc["first"]["code"], 0);
    assert_eq!(mvcc["first"]["successful"], true);
    assert_eq!(mvcc["second"]["code"], 11, "MVCC_READ_CONFLICT: {mvcc}");
    assert_eq!(mvcc["second"]["successful"], false);
    assert!(mvcc["second"]["blockNumber"].as_u64() > mvcc["first"]["blockNumber"].as_u64());
    assert_eq!(
        mvcc["owner"], "Bob",
        "the conflicting transfer changed nothing"
    );

    // Chaincode events, resumed after a checkpointed event.
    let events = app(&serve, "events", "events").await;
    let seen = events["events"]["seen"].as_array().unwrap();
    let names: Vec<&str> = seen.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["CreateAsset", "TransferAsset", "DeleteAsset"]);
    assert!(seen.iter().all(|e| e["chaincode"] == "events"));
    assert!(
        seen[0]["payload"]
            .as_str()
            .unwrap()
            .contains("\"Owner\":\"Ann\"")
    );
    let again = events["resumed"]["again"].as_array().unwrap();
    assert_eq!(again[0]["transactionId"], seen[1]["transactionId"]);
    assert_eq!(again[1]["transactionId"], seen[2]["transactionId"]);
    assert_eq!(events["resumed"]["checkpointTx"], seen[0]["transactionId"]);
    assert_eq!(
        events["replayed"]["replayed"],
        serde_json::json!(["CreateAsset", "TransferAsset", "DeleteAsset"])
    );

    // The error classes of failing calls, as a real peer's Gateway gives them.
    let errors = app(&serve, "errors", "basic").await;
    let error = |check: &str| errors[check]["error"].clone();
    assert_eq!(error("evaluateUnknownChaincode")["name"], "GatewayError");
    assert_eq!(error("evaluateUnknownChaincode")["code"], 9);
    assert_eq!(
        error("evaluateUnknownChaincode")["message"],
        "9 FAILED_PRECONDITION: no peers available to evaluate chaincode nosuchchaincode in channel mychannel"
    );
    assert_eq!(error("submitUnknownChaincode")["name"], "EndorseError");
    assert_eq!(error("submitUnknownChaincode")["code"], 9);
    assert_eq!(error("evaluateChaincodeError")["code"], 2);
    assert_eq!(
        error("evaluateChaincodeError")["message"],
        "2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, the asset nosuchasset does not exist"
    );
    assert_eq!(error("evaluateUnknownChannel")["code"], 14);
    assert_eq!(error("evaluateBadSignature")["code"], 9);
    assert_eq!(
        error("evaluateBadSignature")["details"][0]["message"],
        "error validating proposal: access denied: channel [mychannel] creator org [Org1MSP]"
    );
    assert_eq!(error("submitBadSignature")["name"], "EndorseError");
    assert_eq!(error("submitBadSignature")["code"], 10);

    // SIGTERM stops it cleanly.
    let pid = serve.child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), serve.child.wait())
        .await
        .expect("serve stops on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}
