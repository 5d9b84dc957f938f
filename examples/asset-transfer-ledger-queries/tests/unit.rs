//! The contract through the generated dispatch, on the in-memory test kit.

use std::collections::BTreeSet;

use asset_transfer_ledger_queries::{Asset, PaginatedQueryResult, SimpleChaincode};
use fabric_contract_api::ContractChaincode;
use fabric_contract_api::testing::TestKit;

async fn kit() -> TestKit {
    TestKit::new(ContractChaincode::new().add(SimpleChaincode)).await
}

async fn initialized() -> TestKit {
    let kit = kit().await;
    let out = kit.submit(&["InitLedger"]).await;
    assert_eq!((out.status(), out.message()), (200, ""));
    kit
}

/// The `color~name` index key of an asset.
fn index_key(color: &str, id: &str) -> String {
    format!("\u{0}color~name\u{0}{color}\u{0}{id}\u{0}")
}

fn ids(assets: &[Asset]) -> Vec<&str> {
    assets.iter().map(|a| a.id.as_str()).collect()
}

fn assets(json: &str) -> Vec<Asset> {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json:?}"))
}

fn page(json: &str) -> PaginatedQueryResult {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json:?}"))
}

#[tokio::test]
async fn init_ledger_stores_the_go_json_and_the_index() {
    let kit = initialized().await;
    // Field names and order of the Go struct.
    assert_eq!(
        kit.state("asset1").as_deref(),
        Some(
            &br#"{"docType":"asset","ID":"asset1","color":"blue","size":5,"owner":"Tomoko","appraisedValue":300}"#[..]
        )
    );
    assert_eq!(
        kit.state(&index_key("blue", "asset1")).as_deref(),
        Some(&[0u8][..])
    );
    assert_eq!(
        kit.state(&index_key("white", "asset6")).as_deref(),
        Some(&[0u8][..])
    );
    // Running it again fails on the first asset, as in Go.
    let again = kit.submit(&["InitLedger"]).await;
    assert_eq!(
        (again.status(), again.message()),
        (500, "asset already exists: asset1")
    );
}

#[tokio::test]
async fn create_read_exists_transfer_delete() {
    let kit = kit().await;
    let created = kit
        .submit(&["CreateAsset", "asset7", "yellow", "5", "Tom", "1300"])
        .await;
    assert_eq!(
        (created.status(), created.payload_text()),
        (200, String::new())
    );
    assert_eq!(
        kit.evaluate(&["ReadAsset", "asset7"]).await.payload_text(),
        r#"{"docType":"asset","ID":"asset7","color":"yellow","size":5,"owner":"Tom","appraisedValue":1300}"#
    );
    assert_eq!(
        kit.evaluate(&["AssetExists", "asset7"])
            .await
            .payload_text(),
        "true"
    );
    // TransferAsset returns nothing (unlike asset-transfer-basic).
    let moved = kit.submit(&["TransferAsset", "asset7", "Max"]).await;
    assert_eq!((moved.status(), moved.payload_text()), (200, String::new()));
    assert_eq!(
        kit.state("asset7").as_deref(),
        Some(
            &br#"{"docType":"asset","ID":"asset7","color":"yellow","size":5,"owner":"Max","appraisedValue":1300}"#[..]
        )
    );
    assert!(kit.state(&index_key("yellow", "asset7")).is_some());

    assert_eq!(kit.submit(&["DeleteAsset", "asset7"]).await.status(), 200);
    assert_eq!(kit.state("asset7"), None);
    assert_eq!(
        kit.state(&index_key("yellow", "asset7")),
        None,
        "the index entry goes with the asset"
    );
    assert_eq!(
        kit.evaluate(&["AssetExists", "asset7"])
            .await
            .payload_text(),
        "false"
    );
}

#[tokio::test]
async fn stored_json_escapes_html_characters_as_go_does() {
    let kit = kit().await;
    kit.submit(&["CreateAsset", "a&b", "blue", "1", "Tom & <Jerry>", "2"])
        .await;
    assert_eq!(
        kit.state("a&b").as_deref(),
        Some(
            &br#"{"docType":"asset","ID":"a\u0026b","color":"blue","size":1,"owner":"Tom \u0026 \u003cJerry\u003e","appraisedValue":2}"#[..]
        )
    );
    let asset: Asset =
        serde_json::from_str(&kit.evaluate(&["ReadAsset", "a&b"]).await.payload_text()).unwrap();
    assert_eq!(asset.owner, "Tom & <Jerry>");
}

#[tokio::test]
async fn errors_match_the_go_sample() {
    let kit = initialized().await;
    let again = kit
        .submit(&["CreateAsset", "asset1", "blue", "5", "Tom", "1"])
        .await;
    assert_eq!(
        (again.status(), again.message()),
        (500, "asset already exists: asset1")
    );
    for call in [
        &["ReadAsset", "nope"][..],
        &["DeleteAsset", "nope"],
        &["TransferAsset", "nope", "Max"],
    ] {
        let out = kit.submit(call).await;
        assert_eq!(
            (out.status(), out.message()),
            (500, "asset nope does not exist"),
            "{call:?}"
        );
        assert!(!out.committed);
    }
    let bad = kit
        .submit(&["CreateAsset", "asset9", "blue", "five", "Tom", "1"])
        .await;
    assert_eq!(bad.status(), 500);
    assert!(
        bad.message().contains("size") && bad.message().contains("argument 3"),
        "{}",
        bad.message()
    );
    assert_eq!(kit.state("asset9"), None, "the body never ran");
    let arity = kit.submit(&["TransferAsset", "asset1"]).await;
    assert_eq!(arity.status(), 500);
    assert!(
        arity.message().contains("Expected 2"),
        "{}",
        arity.message()
    );
}

#[tokio::test]
async fn ranges_skip_the_index_and_are_half_open() {
    let kit = initialized().await;
    let call = |start: &'static str, end: &'static str| {
        let kit = &kit;
        async move {
            let out = kit.evaluate(&["GetAssetsByRange", start, end]).await;
            assert_eq!(out.status(), 200, "{}", out.message());
            out.payload_text()
        }
    };
    assert_eq!(
        ids(&assets(&call("asset1", "asset6").await)),
        ["asset1", "asset2", "asset3", "asset4", "asset5"]
    );
    // Open at both ends: every asset, none of the composite index keys.
    assert_eq!(
        ids(&assets(&call("", "").await)),
        ["asset1", "asset2", "asset3", "asset4", "asset5", "asset6"]
    );
    assert_eq!(
        ids(&assets(&call("asset3", "").await)),
        ["asset3", "asset4", "asset5", "asset6"]
    );
    assert_eq!(
        ids(&assets(&call("", "asset3").await)),
        ["asset1", "asset2"]
    );
    let first = call("asset1", "asset2").await;
    assert_eq!(
        first,
        r#"[{"docType":"asset","ID":"asset1","color":"blue","size":5,"owner":"Tomoko","appraisedValue":300}]"#
    );
    // No result: Go returns a nil slice, which its contract API sends as an empty payload.
    assert_eq!(call("x", "y").await, "");
}

#[tokio::test]
async fn range_pagination_walks_every_page_once() {
    let kit = initialized().await;
    // The client application's two calls.
    let out = kit
        .evaluate(&[
            "GetAssetsByRangeWithPagination",
            "asset2",
            "asset6",
            "2",
            "",
        ])
        .await;
    let first = page(&out.payload_text());
    assert_eq!(ids(first.records.as_deref().unwrap()), ["asset2", "asset3"]);
    assert_eq!(
        (first.fetched_records_count, first.bookmark.as_str()),
        (2, "asset4")
    );
    let out = kit
        .evaluate(&[
            "GetAssetsByRangeWithPagination",
            "asset2",
            "asset6",
            "2",
            "asset4",
        ])
        .await;
    assert_eq!(
        out.payload_text(),
        r#"{"records":[{"docType":"asset","ID":"asset4","color":"yellow","size":10,"owner":"Max","appraisedValue":600},{"docType":"asset","ID":"asset5","color":"black","size":15,"owner":"Adriana","appraisedValue":700}],"fetchedRecordsCount":2,"bookmark":""}"#
    );

    // Every asset, four pages of at most two... and of one.
    for size in [1usize, 2, 4] {
        let mut seen = Vec::new();
        let mut bookmark = String::new();
        let mut pages = 0;
        loop {
            let out = kit
                .evaluate(&[
                    "GetAssetsByRangeWithPagination",
                    "",
                    "",
                    &size.to_string(),
                    &bookmark,
                ])
                .await;
            assert_eq!(out.status(), 200, "{}", out.message());
            let page = page(&out.payload_text());
            let records = page.records.unwrap_or_default();
            assert!(records.len() <= size);
            assert_eq!(page.fetched_records_count as usize, records.len());
            seen.extend(records.into_iter().map(|a| a.id));
            pages += 1;
            if page.bookmark.is_empty() {
                break;
            }
            bookmark = page.bookmark;
        }
        assert_eq!(
            seen,
            ["asset1", "asset2", "asset3", "asset4", "asset5", "asset6"],
            "page size {size}"
        );
        assert_eq!(pages, 6usize.div_ceil(size), "page size {size}");
    }

    // An empty page: Go's nil slice is `null`.
    let out = kit
        .evaluate(&["GetAssetsByRangeWithPagination", "x", "y", "2", ""])
        .await;
    assert_eq!(
        out.payload_text(),
        r#"{"records":null,"fetchedRecordsCount":0,"bookmark":""}"#
    );
}

#[tokio::test]
async fn rich_queries_by_owner_and_ad_hoc() {
    let kit = initialized().await;
    kit.submit(&["CreateAsset", "asset7", "yellow", "5", "Tom", "1300"])
        .await;
    kit.submit(&["CreateAsset", "asset8", "red", "15", "Tom", "90"])
        .await;
    let out = kit.evaluate(&["QueryAssetsByOwner", "Tom"]).await;
    assert_eq!(ids(&assets(&out.payload_text())), ["asset7", "asset8"]);
    let out = kit.evaluate(&["QueryAssetsByOwner", "Tomoko"]).await;
    assert_eq!(
        out.payload_text(),
        r#"[{"docType":"asset","ID":"asset1","color":"blue","size":5,"owner":"Tomoko","appraisedValue":300}]"#
    );
    assert_eq!(
        kit.evaluate(&["QueryAssetsByOwner", "Nobody"])
            .await
            .payload_text(),
        ""
    );

    let out = kit
        .evaluate(&["QueryAssets", r#"{"selector":{"size":15}}"#])
        .await;
    assert_eq!(
        ids(&assets(&out.payload_text())),
        ["asset5", "asset6", "asset8"]
    );
    // The index named by the client application.
    let out = kit
        .evaluate(&[
            "QueryAssets",
            r#"{"selector":{"docType":"asset","owner":"Jin Soo"}, "use_index":["_design/indexOwnerDoc", "indexOwner"]}"#,
        ])
        .await;
    assert_eq!(ids(&assets(&out.payload_text())), ["asset3"]);
    // Sorted, as in the comment of the Go sample.
    let out = kit
        .evaluate(&[
            "QueryAssets",
            r#"{"selector":{"docType":{"$eq":"asset"},"owner":{"$eq":"Tom"},"size":{"$gt":0}},"sort":[{"size":"desc"}],"use_index":"_design/indexSizeSortDoc"}"#,
        ])
        .await;
    assert_eq!(ids(&assets(&out.payload_text())), ["asset8", "asset7"]);
    // A projection: the missing fields take their zero value, as with Go's json.Unmarshal.
    let out = kit
        .evaluate(&[
            "QueryAssets",
            r#"{"selector":{"docType":"asset","owner":"Max"},"fields":["ID","owner"]}"#,
        ])
        .await;
    assert_eq!(
        out.payload_text(),
        r#"[{"docType":"","ID":"asset4","color":"","size":0,"owner":"Max","appraisedValue":0}]"#
    );
    let bad = kit.evaluate(&["QueryAssets", "{not json"]).await;
    assert_eq!(bad.status(), 500);
    assert!(bad.message().contains("rich query"), "{}", bad.message());
}

#[tokio::test]
async fn rich_query_pagination_walks_every_page_once() {
    let kit = initialized().await;
    for (id, owner) in [("asset7", "Max"), ("asset8", "Max"), ("asset9", "Max")] {
        kit.submit(&["CreateAsset", id, "green", "1", owner, "1"])
            .await;
    }
    kit.submit(&["TransferAsset", "asset2", "Max"]).await;
    let query = r#"{"selector":{"docType":"asset","owner":"Max"}, "use_index":["_design/indexOwnerDoc", "indexOwner"]}"#;
    let mut seen = Vec::new();
    let mut bookmark = String::new();
    let mut empty_pages = 0;
    for _ in 0..10 {
        let out = kit
            .evaluate(&["QueryAssetsWithPagination", query, "2", &bookmark])
            .await;
        assert_eq!(out.status(), 200, "{}", out.message());
        let page = page(&out.payload_text());
        match page.records {
            Some(records) => {
                assert!(records.len() <= 2);
                assert_eq!(page.fetched_records_count as usize, records.len());
                assert!(records.iter().all(|a| a.owner == "Max"));
                seen.extend(records.into_iter().map(|a| a.id));
            }
            None => {
                // After the last page: nothing, `null` records, the same bookmark.
                assert_eq!(page.fetched_records_count, 0);
                assert_eq!(page.bookmark, bookmark);
                empty_pages += 1;
                break;
            }
        }
        assert!(!page.bookmark.is_empty());
        bookmark = page.bookmark;
    }
    assert_eq!(empty_pages, 1);
    assert_eq!(seen, ["asset2", "asset4", "asset7", "asset8", "asset9"]);
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
}

#[tokio::test]
async fn transfer_by_color_uses_and_maintains_the_index() {
    let kit = initialized().await;
    kit.submit(&["CreateAsset", "asset7", "yellow", "5", "Tom", "1300"])
        .await;
    let out = kit
        .submit(&["TransferAssetByColor", "yellow", "Michel"])
        .await;
    assert_eq!((out.status(), out.message()), (200, ""));
    let out = kit.evaluate(&["QueryAssetsByOwner", "Michel"]).await;
    assert_eq!(
        ids(&assets(&out.payload_text())),
        ["asset4", "asset6", "asset7"]
    );
    // Only yellow assets moved.
    let asset1: Asset =
        serde_json::from_str(&kit.evaluate(&["ReadAsset", "asset1"]).await.payload_text()).unwrap();
    assert_eq!(asset1.owner, "Tomoko");

    // Deleting asset7 also deletes its index entry, so the next transfer by
    // colour does not look for it (it would fail "asset asset7 does not exist").
    assert_eq!(kit.submit(&["DeleteAsset", "asset7"]).await.status(), 200);
    let out = kit.submit(&["TransferAssetByColor", "yellow", "Ana"]).await;
    assert_eq!((out.status(), out.message()), (200, ""));
    assert_eq!(
        ids(&assets(
            &kit.evaluate(&["QueryAssetsByOwner", "Ana"])
                .await
                .payload_text()
        )),
        ["asset4"]
    );
    // A colour nobody has: nothing to do.
    assert_eq!(
        kit.submit(&["TransferAssetByColor", "purple", "Ana"])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn history_is_newest_first_with_deletes() {
    let kit = kit().await;
    // Each write at a fixed proposal time. The txids are the ones the peer
    // reports: the test kit's `.txid(..)` override is currently ignored by
    // the development peer (it always derives the txid from nonce and creator).
    let at = |seconds: i64, nanos: i32, args: &'static [&'static str]| {
        let kit = &kit;
        async move {
            let out = kit.invoke(args).timestamp(seconds, nanos).submit().await;
            assert_eq!((out.status(), out.message()), (200, ""), "{args:?}");
            out.txid
        }
    };
    let tx1 = at(
        1_700_000_000,
        0,
        &["CreateAsset", "asset7", "yellow", "5", "Tom", "1300"],
    )
    .await;
    let tx2 = at(
        1_700_000_060,
        120_000_000,
        &["TransferAsset", "asset7", "Max"],
    )
    .await;
    let tx3 = at(1_700_000_120, 5, &["DeleteAsset", "asset7"]).await;
    let out = kit.evaluate(&["GetAssetHistory", "asset7"]).await;
    assert_eq!(out.status(), 200, "{}", out.message());
    assert_eq!(
        out.payload_text(),
        format!(
            concat!(
                r#"[{{"record":{{"docType":"","ID":"asset7","color":"","size":0,"owner":"","appraisedValue":0}},"txId":"{}","timestamp":"2023-11-14T22:15:20.000000005Z","isDelete":true}},"#,
                r#"{{"record":{{"docType":"asset","ID":"asset7","color":"yellow","size":5,"owner":"Max","appraisedValue":1300}},"txId":"{}","timestamp":"2023-11-14T22:14:20.12Z","isDelete":false}},"#,
                r#"{{"record":{{"docType":"asset","ID":"asset7","color":"yellow","size":5,"owner":"Tom","appraisedValue":1300}},"txId":"{}","timestamp":"2023-11-14T22:13:20Z","isDelete":false}}]"#,
            ),
            tx3, tx2, tx1
        )
    );
    // A key that was never written has no history: an empty payload.
    assert_eq!(
        kit.evaluate(&["GetAssetHistory", "asset8"])
            .await
            .payload_text(),
        ""
    );
}

#[tokio::test]
async fn a_paginated_query_alone_may_be_submitted() {
    // Fabric allows paginated queries only in read-only transactions; a
    // submit of a paginated query alone is read-only and succeeds.
    let kit = initialized().await;
    let out = kit
        .submit(&["GetAssetsByRangeWithPagination", "", "", "2", ""])
        .await;
    assert_eq!(out.status(), 200, "{}", out.message());
}

#[tokio::test]
async fn direct_method_calls_share_the_ledger() {
    let kit = initialized().await;
    let contract = SimpleChaincode;
    let tx = kit.transaction().await;
    contract
        .transfer_asset_by_color(tx.context(), "blue".into(), "Zoe".into())
        .await
        .unwrap();
    tx.commit().await;
    let tx = kit.transaction().await;
    let asset = contract
        .read_asset(tx.context(), "asset1".into())
        .await
        .unwrap();
    assert_eq!(asset.owner, "Zoe");
    let history = contract
        .get_asset_history(tx.context(), "asset1".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|h| !h.is_delete));
    assert_eq!(history[0].record.owner, "Zoe");
    tx.rollback().await;
}

#[test]
fn the_couchdb_index_is_the_samples() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/META-INF/statedb/couchdb/indexes/indexOwner.json"
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        index,
        serde_json::json!({
            "index": {"fields": ["docType", "owner"]},
            "ddoc": "indexOwnerDoc",
            "name": "indexOwner",
            "type": "json"
        })
    );
}
