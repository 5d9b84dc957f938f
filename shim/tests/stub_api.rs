//! Every stub method, against the development peer over real gRPC on
//! loopback, in both connection modes.

mod common;

use common::Harness;
use fabric_chaincode_shim::MessageType;
use fabric_dev_peer::PeerConfig;

/// Runs a scenario once with the chaincode dialling the peer and once as a service.
macro_rules! both_modes {
    ($($name:ident($config:expr) => $body:expr;)*) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn dial_mode() {
                let h = Harness::dial($config, "probe:1").await;
                ($body)(h).await;
            }

            #[tokio::test]
            async fn service_mode() {
                let h = Harness::serve($config, "probe:1").await;
                ($body)(h).await;
            }
        }
    )*};
}

both_modes! {
    state_put_get_del(PeerConfig::default()) => |h: Harness| async move {
        assert_eq!(h.ok(&["get", "k"]).await, "<none>");
        h.ok(&["put", "k", "v1"]).await;
        assert_eq!(h.query(&["get", "k"]).await, "v1");
        // Evaluate never commits.
        h.evaluate(&["put", "k", "v2"]).await;
        assert_eq!(h.query(&["get", "k"]).await, "v1");
        h.ok(&["del", "k"]).await;
        assert_eq!(h.query(&["get", "k"]).await, "<none>");
        // An empty value is a delete.
        h.ok(&["put", "e", "x"]).await;
        h.ok(&["put", "e", ""]).await;
        assert_eq!(h.query(&["get", "e"]).await, "<none>");
        // Empty keys are rejected by the stub before reaching the peer.
        let out = h.submit(&["put_empty_key"]).await;
        assert_eq!(out.response.status, 500);
        assert!(out.response.message.contains("key must not be an empty string"), "{}", out.response.message);
    };

    ranges_page_lazily_past_one_batch(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put_many", "r", "250"]).await;
        assert_eq!(h.query(&["range_count", "r", "r9"]).await, "250");
        assert_eq!(h.query(&["range", "r0010", "r0013"]).await, "r0010,r0011,r0012");
        // An empty start key starts after the composite keys; empty end is unbounded.
        h.ok(&["composite_put", "color", "blue", "1"]).await;
        assert_eq!(h.query(&["range_count", "", ""]).await, "250");
        // A composite key as range bound is rejected.
        let out = h.evaluate(&["range", "\u{0}x", ""]).await;
        assert!(out.response.message.contains("null character"), "{}", out.response.message);
    };

    iterators_closed_early_free_the_peer_side(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put_many", "r", "250"]).await;
        let closes = || h.peer.chaincode(&h.name).unwrap().stats().count(MessageType::QueryStateClose);
        let nexts = || h.peer.chaincode(&h.name).unwrap().stats().count(MessageType::QueryStateNext);
        // Dropped after 5 of 250, then another call: QUERY_STATE_CLOSE went out first.
        assert_eq!(h.query(&["range_early", "r", "r9", "5"]).await, "5:true");
        assert_eq!((closes(), nexts()), (1, 0), "one batch read, then closed");
        // Closed explicitly after 120: one QUERY_STATE_NEXT fetched the second batch.
        assert_eq!(h.query(&["range_early", "r", "r9", "120", "close"]).await, "120:true");
        // Past the end, nothing is left.
        assert_eq!(h.query(&["range_early", "r", "r9", "300"]).await, "250:false");
        assert_eq!((closes(), nexts()), (2, 3));
        // Read to the end: nothing left to close.
        assert_eq!(h.query(&["range_count", "r", "r9"]).await, "250");
        assert_eq!((closes(), nexts()), (2, 5));
    };

    pagination(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put_many", "p", "25"]).await;
        assert_eq!(h.query(&["range_page", "p", "p9", "10", ""]).await,
            "p0000,p0001,p0002,p0003,p0004,p0005,p0006,p0007,p0008,p0009|10|p0010");
        assert_eq!(h.query(&["range_page", "p", "p9", "10", "p0020"]).await, "p0020,p0021,p0022,p0023,p0024|5|");
        // Paginated queries are only allowed in read-only transactions.
        h.ok(&["composite_put", "owner", "tom", "a1", "x"]).await;
        h.ok(&["composite_put", "owner", "tom", "a2", "y"]).await;
        h.ok(&["composite_put", "owner", "ann", "a3", "z"]).await;
        assert_eq!(h.query(&["partial_page", "owner", "tom", "1", ""]).await, "~owner~tom~a1~|~owner~tom~a2~");
        assert_eq!(h.query(&["all_composite_page", "10", ""]).await.split('|').nth(1).unwrap(), "3");
    };

    composite_keys(PeerConfig::default()) => |h: Harness| async move {
        assert_eq!(h.ok(&["composite_put", "color", "blue", "a1", "x"]).await, "~color~blue~a1~");
        h.ok(&["composite_put", "color", "blue", "a2", "x"]).await;
        h.ok(&["composite_put", "color", "red", "a3", "x"]).await;
        h.ok(&["composite_put", "color", "", "a4", "x"]).await;
        assert_eq!(h.query(&["partial", "color", "blue"]).await, "color/blue/a1,color/blue/a2");
        assert_eq!(h.query(&["partial", "color"]).await, "color//a4,color/blue/a1,color/blue/a2,color/red/a3");
    };

    rich_queries(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put", "a1", r#"{"owner":"tom","size":5}"#]).await;
        h.ok(&["put", "a2", r#"{"owner":"ann","size":9}"#]).await;
        h.ok(&["put", "a3", r#"{"owner":"tom","size":12}"#]).await;
        assert_eq!(h.query(&["query", r#"{"selector":{"owner":"tom"}}"#]).await, "a1,a3");
        assert_eq!(h.query(&["query", r#"{"selector":{"size":{"$gt":6}}}"#]).await, "a2,a3");
        let page = h.query(&["query_page", r#"{"selector":{"size":{"$gt":0}}}"#, "2", ""]).await;
        let parts: Vec<&str> = page.split('|').collect();
        assert_eq!(parts[0..2], ["a1,a2", "2"]);
        let rest = h.query(&["query_page", r#"{"selector":{"size":{"$gt":0}}}"#, "2", parts[2]]).await;
        assert!(rest.starts_with("a3|1|"), "{rest}");
        let out = h.evaluate(&["query", r#"{"selector":{"a":{"$where":1}}}"#]).await;
        assert_eq!(out.response.status, 500);
        assert!(out.response.message.contains("GET_QUERY_RESULT failed"), "{}", out.response.message);
    };

    history(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put", "h", "one"]).await;
        h.ok(&["put", "h", "two"]).await;
        h.ok(&["del", "h"]).await;
        let history = h.query(&["history", "h"]).await;
        let entries: Vec<&str> = history.split(',').collect();
        assert_eq!(entries.len(), 3, "{history}");
        assert!(entries[0].ends_with("::true:true"), "newest first, a delete: {history}");
        assert!(entries[1].ends_with(":two:false:true"), "{history}");
        assert!(entries[2].ends_with(":one:false:true"), "{history}");
    };

    private_data(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["priv_put", "coll", "k1", "secret"]).await;
        h.ok(&["priv_put", "coll", "k2", "other"]).await;
        assert_eq!(h.query(&["priv_get", "coll", "k1"]).await, "secret");
        assert_eq!(h.query(&["priv_multi", "coll", "k1", "nope", "k2"]).await, "secret,<none>,other");
        // SHA-256("secret")
        assert_eq!(h.query(&["priv_hash", "coll", "k1"]).await,
            "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
        assert_eq!(h.query(&["priv_range", "coll", "k", "l"]).await, "k1,k2");
        h.ok(&["priv_del", "coll", "k2"]).await;
        assert_eq!(h.query(&["priv_get", "coll", "k2"]).await, "<none>");
        h.ok(&["priv_purge", "coll", "k1"]).await;
        assert_eq!(h.query(&["priv_hash", "coll", "k1"]).await, "<none>");
        // Public state is untouched by private writes.
        assert_eq!(h.query(&["get", "k1"]).await, "<none>");
        h.ok(&["priv_put", "coll", "j1", r#"{"kind":"x"}"#]).await;
        h.ok(&["priv_put", "coll", "\u{0}color\u{0}blue\u{0}p1\u{0}", "v"]).await;
        assert_eq!(h.query(&["priv_partial", "coll", "color", "blue"]).await, "~color~blue~p1~");
        assert_eq!(h.query(&["priv_query", "coll", r#"{"selector":{"kind":"x"}}"#]).await, "j1");
        // An empty collection name is rejected by the stub.
        let out = h.evaluate(&["priv_get", "", "k"]).await;
        assert!(out.response.message.contains("collection must not be an empty string"), "{}", out.response.message);
    };

    validation_parameters(PeerConfig::default()) => |h: Harness| async move {
        let policy = "120812060801120208001a0b12090a074f7267314d5350";
        h.ok(&["put", "asset", "v"]).await;
        assert_eq!(h.query(&["sbe_get", "asset"]).await, "<none>");
        h.ok(&["sbe_set", "asset", policy]).await;
        assert_eq!(h.query(&["sbe_get", "asset"]).await, policy);
        h.ok(&["priv_put", "coll", "pk", "v"]).await;
        h.ok(&["priv_sbe_set", "coll", "pk", policy]).await;
        assert_eq!(h.query(&["priv_sbe_get", "coll", "pk"]).await, policy);
    };

    events(PeerConfig::default()) => |h: Harness| async move {
        let mut events = h.peer.subscribe();
        let out = h.submit(&["event", "AssetCreated", "a1"]).await;
        let event = out.event.expect("the event rides on COMPLETED");
        assert_eq!((event.event_name.as_str(), &event.payload[..]), ("AssetCreated", &b"a1"[..]));
        assert_eq!(event.tx_id, out.txid);
        let delivered = events.recv().await.unwrap();
        assert_eq!(delivered.event.event_name, "AssetCreated");
        // The last event of a transaction wins.
        let out = h.submit(&["event_twice"]).await;
        assert_eq!(out.event.unwrap().event_name, "second");
    };

    proposal_accessors(PeerConfig::default()) => |h: Harness| async move {
        let out = h
            .peer
            .evaluate(fabric_dev_peer::Invocation::new(&h.name, &["info", "x"]).transient("price", "99"))
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.response.payload),
            "txid=64 channel=mychannel creator=true transient=price=99 binding=32 ts=true proposal=true args_slice=infox init=false"
        );
    };

    concurrent_calls_in_one_transaction_are_queued(PeerConfig::default()) => |h: Harness| async move {
        h.ok(&["put", "a", "1"]).await;
        h.ok(&["put", "b", "2"]).await;
        assert_eq!(h.ok(&["concurrent"]).await, "Some([49]),Some([50])");
        assert_eq!(h.query(&["get", "c"]).await, "3");
    };
}

#[tokio::test]
async fn write_batches_are_chunked_to_the_peer_maximum() {
    let config = PeerConfig {
        write_batch: Some(3),
        ..PeerConfig::default()
    };
    let h = Harness::dial(config, "probe:1").await;
    // 10 buffered writes, flushed automatically before COMPLETED in chunks of 3.
    h.ok(&["batch", "w", "10"]).await;
    let stats = h.peer.chaincode(&h.name).unwrap().stats();
    assert_eq!(
        stats.count(MessageType::WriteBatchState),
        4,
        "3 + 3 + 3 + 1"
    );
    assert_eq!(stats.count(MessageType::PutState), 0);
    assert_eq!(stats.largest_write_batch, 3);
    assert_eq!(h.query(&["range_count", "w", "x"]).await, "10");
    h.ok(&["batch", "f", "4", "finish"]).await;
    assert_eq!(h.query(&["range_count", "f", "g"]).await, "4");
    // Last write per key wins; reads do not see buffered writes; metadata is batched too.
    assert_eq!(h.ok(&["batch_mixed"]).await, "false");
    assert_eq!(h.query(&["get", "m1"]).await, "second");
    assert_eq!(h.query(&["get", "m2"]).await, "<none>");
    assert_eq!(h.query(&["priv_get", "coll", "pm"]).await, "p");
    assert_eq!(h.query(&["sbe_get", "m1"]).await, "12021200");
}

#[tokio::test]
async fn write_batch_without_peer_support_writes_directly() {
    let h = Harness::dial(PeerConfig::legacy(), "probe:1").await;
    h.ok(&["batch", "w", "5"]).await;
    let stats = h.peer.chaincode(&h.name).unwrap().stats();
    assert_eq!(
        (
            stats.count(MessageType::WriteBatchState),
            stats.count(MessageType::PutState)
        ),
        (0, 5)
    );
    assert_eq!(h.query(&["range_count", "w", "x"]).await, "5");
}

#[tokio::test]
async fn multi_get_with_and_without_peer_support() {
    for (config, multi, single) in [
        (
            PeerConfig {
                get_multiple: Some(2),
                ..PeerConfig::default()
            },
            3,
            0,
        ),
        (PeerConfig::legacy(), 0, 5),
    ] {
        let h = Harness::dial(config, "probe:1").await;
        h.ok(&["put", "a", "1"]).await;
        h.ok(&["put", "c", "3"]).await;
        h.ok(&["put", "e", "5"]).await;
        assert_eq!(
            h.query(&["multi_get", "a", "b", "c", "d", "e"]).await,
            "1,<none>,3,<none>,5"
        );
        let stats = h.peer.chaincode(&h.name).unwrap().stats();
        // Five keys: chunks of 2, 2 and 1 with GET_STATE_MULTIPLE, or five GET_STATEs.
        assert_eq!(stats.count(MessageType::GetStateMultiple), multi);
        assert_eq!(stats.count(MessageType::GetState), single);
    }
}

#[tokio::test]
async fn chaincode_to_chaincode_shares_the_transaction() {
    let h = Harness::dial(PeerConfig::default(), "probe:1").await;
    let server = fabric_dev_peer::RegisterServer::bind("127.0.0.1:0", None)
        .await
        .unwrap();
    let address = server.local_addr().to_string();
    h.peer.serve(server);
    common::spawn_dialer(common::Probe, &address, "other:1");
    h.peer
        .wait_for("other", std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // The callee writes in its own namespace, in the caller's transaction.
    assert_eq!(
        h.ok(&["invoke", "other", "", "put", "k", "from-callee"])
            .await,
        "200||"
    );
    assert_eq!(
        h.ok(&["invoke", "other", "", "get", "k"]).await,
        "200||from-callee"
    );
    assert_eq!(
        h.query(&["get", "k"]).await,
        "<none>",
        "namespaces are separate"
    );
    // The callee's application error comes back as its response.
    assert_eq!(
        h.ok(&["invoke", "other", "", "error", "boom"]).await,
        "500|boom|"
    );
    // Another channel: read-only.
    let out = h
        .submit(&["invoke", "other", "otherchannel", "put", "k", "v"])
        .await;
    assert!(
        String::from_utf8_lossy(&out.response.payload).starts_with("500|"),
        "{:?}",
        out.response
    );
    // Calling itself on the same channel is refused by the peer.
    let out = h.submit(&["invoke", "probe", "", "get", "k"]).await;
    assert_eq!(out.response.status, 500);
    assert!(
        out.response.message.contains("exists"),
        "{}",
        out.response.message
    );
    // An unknown chaincode.
    let out = h.submit(&["invoke", "nobody", "", "get", "k"]).await;
    assert!(
        out.response.message.contains("INVOKE_CHAINCODE failed"),
        "{}",
        out.response.message
    );
}

#[tokio::test]
async fn txid_and_timestamp_come_from_the_proposal() {
    let h = Harness::dial(PeerConfig::default(), "probe:1").await;
    let out = h
        .peer
        .submit(
            fabric_dev_peer::Invocation::new(&h.name, &["put", "h", "v"])
                .with_txid("my-tx-1")
                .with_timestamp(prost_types::Timestamp {
                    seconds: 1_700_000_000,
                    nanos: 5,
                }),
        )
        .await
        .unwrap();
    assert_eq!(out.txid, "my-tx-1");
    let history = h.query(&["history", "h"]).await;
    assert!(history.starts_with("my-tx-1:v:false:true"), "{history}");
}
