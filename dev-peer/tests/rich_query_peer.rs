//! Rich queries through a chaincode's `GetQueryResult` and
//! `GetQueryResultWithPagination`, answered as a Fabric peer with CouchDB does
//! (`core/ledger/kvledger/txmgmt/statedb/statecouchdb/statecouchdb.go`).

use std::sync::Arc;

use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
use fabric_dev_peer::{DevPeer, Invocation, in_process};
use serde_json::{Value, json};

/// A chaincode that writes documents and runs the queries it is given.
struct Querier;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Querier {
    async fn run(&self, stub: &ChaincodeStub) -> Result<Response, fabric_chaincode_shim::Error> {
        let (function, p) = stub.function_and_parameters();
        match function.as_str() {
            // assets <n>: asset0000..asset<n-1>, {"docType":"asset","i":i}, in one transaction.
            "assets" => {
                let n: usize = p[0].parse().unwrap_or(0);
                for i in 0..n {
                    let doc = json!({"docType": "asset", "i": i}).to_string();
                    stub.put_state(&format!("asset{i:04}"), doc).await?;
                }
                Ok(success(Vec::new()))
            }
            // raw <key> <hex bytes>
            "raw" => {
                let bytes: Vec<u8> = (0..p[1].len())
                    .step_by(2)
                    .filter_map(|i| u8::from_str_radix(&p[1][i..i + 2], 16).ok())
                    .collect();
                stub.put_state(&p[0], bytes).await?;
                Ok(success(Vec::new()))
            }
            // index <color> <id>: a composite-key index entry, value 0x00.
            "index" => {
                let key = fabric_chaincode_shim::create_composite_key("color~id", &[&p[0], &p[1]])?;
                stub.put_state(&key, vec![0u8]).await?;
                Ok(success(Vec::new()))
            }
            // query <query>: [[key, hex value], ...]
            "query" => {
                let kvs = stub.get_query_result(&p[0]).await?.collect().await?;
                let rows: Vec<Value> = kvs
                    .iter()
                    .map(|kv| json!([kv.key, hex(&kv.value)]))
                    .collect();
                Ok(success(Value::Array(rows).to_string()))
            }
            // page <query> <size> <bookmark>: {"keys": [...], "count": n, "bookmark": b}
            "page" => {
                let size: i32 = p[1].parse().unwrap_or(0);
                let (it, meta) = stub
                    .get_query_result_with_pagination(&p[0], size, &p[2])
                    .await?;
                let keys: Vec<String> = it.collect().await?.into_iter().map(|kv| kv.key).collect();
                let page = json!({
                    "keys": keys,
                    "count": meta.fetched_records_count,
                    "bookmark": meta.bookmark,
                });
                Ok(success(page.to_string()))
            }
            other => Ok(error(format!("unknown function {other}"))),
        }
    }
}

impl Chaincode for Querier {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        match self.run(stub).await {
            Ok(r) => r,
            Err(e) => error(format!("stub error: {e}")),
        }
    }
}

async fn peer() -> DevPeer {
    let peer = DevPeer::in_memory().unwrap();
    peer.attach(in_process(Arc::new(Querier), "querier"))
        .await
        .unwrap();
    peer
}

async fn submit(peer: &DevPeer, args: &[&str]) {
    let out = peer.submit(Invocation::new("querier", args)).await.unwrap();
    assert_eq!(out.status(), 200, "{args:?}: {}", out.message());
}

/// The keys a `GetQueryResult` returns.
async fn query(peer: &DevPeer, query: &str) -> Vec<String> {
    rows(peer, query)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// The `(key, hex value)` pairs a `GetQueryResult` returns.
async fn rows(peer: &DevPeer, query: &str) -> Vec<(String, String)> {
    let out = peer
        .evaluate(Invocation::new("querier", &["query", query]))
        .await
        .unwrap();
    assert_eq!(out.status(), 200, "{query}: {}", out.message());
    serde_json::from_str(&out.payload_text()).unwrap()
}

struct PageOut {
    keys: Vec<String>,
    count: i32,
    bookmark: String,
}

async fn page(peer: &DevPeer, query: &str, size: i32, bookmark: &str) -> PageOut {
    let out = peer
        .evaluate(Invocation::new(
            "querier",
            &["page", query, size.to_string().as_str(), bookmark],
        ))
        .await
        .unwrap();
    assert_eq!(out.status(), 200, "{query}: {}", out.message());
    let v: Value = serde_json::from_str(&out.payload_text()).unwrap();
    PageOut {
        keys: serde_json::from_value(v["keys"].clone()).unwrap(),
        count: v["count"].as_i64().unwrap() as i32,
        bookmark: v["bookmark"].as_str().unwrap().to_owned(),
    }
}

fn assets(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("asset{i:04}")).collect()
}

// Fabric `statecouchdb.go`, `applyAdditionalQueryOptions`: "This will override
// any limit passed in the query". A GetQueryResult then pages through every
// result in requests of `internalQueryLimit`, so `limit` has no effect.
#[tokio::test]
async fn get_query_result_ignores_the_query_limit() {
    let peer = peer().await;
    submit(&peer, &["assets", "30"]).await;
    let all = assets(0..30);
    assert_eq!(
        query(&peer, r#"{"selector":{"docType":"asset"}}"#).await,
        all
    );
    assert_eq!(
        query(&peer, r#"{"selector":{"docType":"asset"},"limit":5}"#).await,
        all
    );
    // Whatever its value: the peer replaces it before CouchDB validates it.
    assert_eq!(
        query(&peer, r#"{"selector":{"docType":"asset"},"limit":"five"}"#).await,
        all
    );
    // `skip` is passed through to CouchDB.
    assert_eq!(
        query(&peer, r#"{"selector":{"docType":"asset"},"skip":3}"#).await,
        assets(3..30)
    );
}

// The page size, not the query's `limit`, sizes each page
// (`ExecuteQueryWithPagination` sets `limit` to the page size); the page's
// bookmark replaces the query's; the last page's bookmark leads to an empty
// page that returns it again.
#[tokio::test]
async fn pagination_takes_its_size_from_the_page_size_argument() {
    let peer = peer().await;
    submit(&peer, &["assets", "25"]).await;
    let q = r#"{"selector":{"docType":"asset"},"sort":[{"i":"desc"}],"limit":2}"#;
    let mut bookmark = String::new();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let p = page(&peer, q, 10, &bookmark).await;
        assert_eq!(p.count as usize, p.keys.len());
        if p.keys.is_empty() {
            assert_eq!(p.bookmark, bookmark);
            break;
        }
        sizes.push(p.keys.len());
        seen.extend(p.keys);
        bookmark = p.bookmark;
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [10, 10, 5]);
    let mut expected = assets(0..25);
    expected.reverse();
    assert_eq!(seen, expected);

    // A query's own bookmark is used when the argument is empty, and loses to it.
    let first = page(&peer, q, 10, "").await;
    let with_own = format!(
        r#"{{"selector":{{"docType":"asset"}},"sort":[{{"i":"desc"}}],"bookmark":"{}"}}"#,
        first.bookmark
    );
    assert_eq!(page(&peer, &with_own, 5, "").await.keys, expected[10..15]);
    assert_eq!(
        page(&peer, &with_own, 5, &page(&peer, q, 20, "").await.bookmark)
            .await
            .keys,
        expected[20..25]
    );

    // No result and no bookmark: CouchDB's "nil".
    let none = page(&peer, r#"{"selector":{"docType":"none"}}"#, 10, "").await;
    assert_eq!((none.count, none.bookmark.as_str()), (0, "nil"));
}

// CouchDB applies `skip` on every `_find` request after its bookmark
// (`mango_json_bookmark:update_args/2`, `mango_cursor_view:handle_doc/2`), and a
// Fabric peer sends the query's `skip` unchanged with each request: once per
// page, and once per `internalQueryLimit` (1000) results of a GetQueryResult.
#[tokio::test]
async fn skip_applies_to_every_request_the_peer_sends() {
    let peer = peer().await;
    submit(&peer, &["assets", "2001"]).await;
    let q = r#"{"selector":{"docType":"asset"},"skip":1}"#;
    let p1 = page(&peer, q, 10, "").await;
    assert_eq!(p1.keys, assets(1..11));
    let p2 = page(&peer, q, 10, &p1.bookmark).await;
    assert_eq!(p2.keys, assets(12..22));
    // Two requests of up to 1000: asset0000 and asset1001 are skipped.
    let all = query(&peer, q).await;
    assert_eq!(all.len(), 1999);
    assert_eq!(all[0], "asset0001");
    assert!(!all.contains(&"asset1001".to_owned()));
    assert_eq!(all[999], "asset1000");
    assert_eq!(all[1000], "asset1002");
}

// Fabric `couchdoc_conv.go` (`keyValToCouchDoc`): values that are not JSON
// objects are stored as attachments of a document with only `_id`, which a
// selector on `_id` finds; the value comes back unchanged.
#[tokio::test]
async fn values_that_are_not_json_objects_are_found_by_id() {
    let peer = peer().await;
    submit(&peer, &["assets", "1"]).await;
    submit(&peer, &["index", "blue", "asset0000"]).await;
    submit(&peer, &["raw", "bin", "00ff10"]).await;
    submit(&peer, &["raw", "list", &hex(b"[1,2]")]).await;
    let index_key = "\u{0}color~id\u{0}blue\u{0}asset0000\u{0}";
    let found = rows(&peer, r#"{"selector":{"_id":{"$gt":""}}}"#).await;
    let json_value = hex(br#"{"docType":"asset","i":0}"#);
    assert_eq!(
        found,
        [
            (index_key.to_owned(), "00".to_owned()),
            ("asset0000".to_owned(), json_value),
            ("bin".to_owned(), "00ff10".to_owned()),
            ("list".to_owned(), hex(b"[1,2]")),
        ]
    );
    // A selector on any other field does not see them.
    assert_eq!(
        query(&peer, r#"{"selector":{"docType":{"$exists":true}}}"#).await,
        ["asset0000"]
    );
}
