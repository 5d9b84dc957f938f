//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, running the flow of the sample's client application
//! (`application-javascript/app.js`).

use fabric_dev_peer::{DevPeer, Invocation, TxOutcome};
use integration_tests::{Mode, launch};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-ledger-queries");
const NAME: &str = "ledger";

async fn submit(peer: &DevPeer, args: &[&str]) -> TxOutcome {
    let out = peer.submit(Invocation::new(NAME, args)).await.unwrap();
    assert_eq!((out.status(), out.message()), (200, ""), "{args:?}");
    assert!(out.committed);
    out
}

async fn evaluate(peer: &DevPeer, args: &[&str]) -> String {
    let out = peer.evaluate(Invocation::new(NAME, args)).await.unwrap();
    assert_eq!((out.status(), out.message()), (200, ""), "{args:?}");
    out.payload_text()
}

/// The ids of a JSON array of assets.
fn ids(json: &str) -> Vec<String> {
    let assets: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    assets
        .iter()
        .map(|a| a["ID"].as_str().unwrap().to_owned())
        .collect()
}

async fn run_client_application(peer: &DevPeer) {
    submit(peer, &["InitLedger"]).await;
    assert_eq!(
        ids(&evaluate(peer, &["GetAssetsByRange", "asset1", "asset6"]).await),
        ["asset1", "asset2", "asset3", "asset4", "asset5"]
    );
    assert_eq!(
        ids(&evaluate(peer, &["GetAssetsByRange", "", ""]).await).len(),
        6
    );
    assert_eq!(
        ids(&evaluate(peer, &["GetAssetsByRange", "asset3", ""]).await),
        ["asset3", "asset4", "asset5", "asset6"]
    );
    assert_eq!(
        ids(&evaluate(peer, &["GetAssetsByRange", "", "asset3"]).await),
        ["asset1", "asset2"]
    );

    submit(
        peer,
        &["CreateAsset", "asset7", "yellow", "5", "Tom", "1300"],
    )
    .await;
    assert_eq!(
        evaluate(peer, &["ReadAsset", "asset7"]).await,
        r#"{"docType":"asset","ID":"asset7","color":"yellow","size":5,"owner":"Tom","appraisedValue":1300}"#
    );
    assert_eq!(evaluate(peer, &["AssetExists", "asset7"]).await, "true");
    submit(peer, &["DeleteAsset", "asset7"]).await;
    assert_eq!(evaluate(peer, &["AssetExists", "asset7"]).await, "false");

    submit(peer, &["TransferAsset", "asset2", "Max"]).await;
    assert_eq!(
        evaluate(peer, &["ReadAsset", "asset2"]).await,
        r#"{"docType":"asset","ID":"asset2","color":"red","size":5,"owner":"Max","appraisedValue":400}"#
    );

    let query = r#"{"selector":{"docType":"asset","owner":"Max"}, "use_index":["_design/indexOwnerDoc", "indexOwner"]}"#;
    let first: serde_json::Value =
        serde_json::from_str(&evaluate(peer, &["QueryAssetsWithPagination", query, "1", ""]).await)
            .unwrap();
    assert_eq!(first["records"][0]["ID"], "asset2");
    assert_eq!(first["fetchedRecordsCount"], 1);
    let bookmark = first["bookmark"].as_str().unwrap();
    let second: serde_json::Value = serde_json::from_str(
        &evaluate(peer, &["QueryAssetsWithPagination", query, "1", bookmark]).await,
    )
    .unwrap();
    assert_eq!(second["records"][0]["ID"], "asset4");
    assert_eq!(second["records"].as_array().unwrap().len(), 1);

    submit(peer, &["TransferAssetByColor", "yellow", "Michel"]).await;
    assert_eq!(
        ids(&evaluate(peer, &["QueryAssetsByOwner", "Michel"]).await),
        ["asset4", "asset6"]
    );

    let history: Vec<serde_json::Value> =
        serde_json::from_str(&evaluate(peer, &["GetAssetHistory", "asset7"]).await).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["isDelete"], true);
    assert_eq!(history[0]["record"]["ID"], "asset7");
    assert_eq!(history[1]["isDelete"], false);
    assert_eq!(history[1]["record"]["owner"], "Tom");
    let timestamp = history[1]["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() >= 20 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );

    assert_eq!(
        ids(&evaluate(peer, &["QueryAssets", r#"{"selector":{"size":15}}"#]).await),
        ["asset5", "asset6"]
    );
    assert_eq!(
        ids(&evaluate(
            peer,
            &[
                "QueryAssets",
                r#"{"selector":{"docType":"asset","owner":"Jin Soo"}, "use_index":["_design/indexOwnerDoc", "indexOwner"]}"#
            ]
        )
        .await),
        ["asset3"]
    );

    let page: serde_json::Value = serde_json::from_str(
        &evaluate(
            peer,
            &[
                "GetAssetsByRangeWithPagination",
                "asset2",
                "asset6",
                "2",
                "",
            ],
        )
        .await,
    )
    .unwrap();
    assert_eq!(ids(&page["records"].to_string()), ["asset2", "asset3"]);
    assert_eq!(page["bookmark"], "asset4");
    let page: serde_json::Value = serde_json::from_str(
        &evaluate(
            peer,
            &[
                "GetAssetsByRangeWithPagination",
                "asset2",
                "asset6",
                "2",
                "asset4",
            ],
        )
        .await,
    )
    .unwrap();
    assert_eq!(ids(&page["records"].to_string()), ["asset4", "asset5"]);
    assert_eq!(page["bookmark"], "");

    let out = peer
        .evaluate(Invocation::new(NAME, &["ReadAsset", "asset7"]))
        .await
        .unwrap();
    assert_eq!(
        (out.status(), out.message()),
        (500, "asset asset7 does not exist")
    );
    integration_tests::served_metadata(peer, NAME).await;
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Dial, &[]).await;
    run_client_application(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Service, &[]).await;
    run_client_application(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert!(metadata["contracts"]["SimpleChaincode"]["transactions"].is_array());
}
