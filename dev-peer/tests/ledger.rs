//! The ledger and the simulation rules, directly.

use std::sync::Arc;

use bytes::Bytes;
use fabric_chaincode_shim::proto::protos::StateMetadata;
use fabric_dev_peer::ledger::{Ledger, Space, Write, WriteSet};
use fabric_dev_peer::simulation::Simulation;

fn ts(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

fn writes(entries: &[(&str, Write)]) -> WriteSet {
    let mut set = WriteSet::default();
    for (key, write) in entries {
        set.values
            .insert((Space::public("ch", "cc"), key.to_string()), write.clone());
    }
    set
}

#[test]
fn a_persistent_ledger_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("dev-peer-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let space = Space::public("ch", "cc");
    {
        let ledger = Ledger::open(&dir).unwrap();
        ledger
            .commit(
                "tx1",
                ts(1),
                &writes(&[("k", Write::Put(Bytes::from_static(b"one")))]),
            )
            .unwrap();
        let mut second = writes(&[("k", Write::Put(Bytes::from_static(b"two")))]);
        second.metadata.insert(
            (space.clone(), "k".into()),
            vec![StateMetadata {
                metakey: "VALIDATION_PARAMETER".into(),
                value: Bytes::from_static(b"\x12\x02\x12\x00"),
            }],
        );
        ledger.commit("tx2", ts(2), &second).unwrap();
    }
    let ledger = Ledger::open(&dir).unwrap();
    assert_eq!(ledger.height().unwrap(), 2);
    assert_eq!(
        ledger.get(&space, "k").unwrap().as_deref(),
        Some(&b"two"[..])
    );
    let history = ledger.history(&space, "k").unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.tx_id.as_str(), &h.value[..], h.timestamp.unwrap().seconds))
            .collect::<Vec<_>>(),
        [("tx2", &b"two"[..], 2), ("tx1", &b"one"[..], 1)]
    );
    assert_eq!(ledger.metadata(&space, "k").unwrap().len(), 1);
    // A delete removes the value and its metadata, and is recorded in history.
    ledger
        .commit("tx3", ts(3), &writes(&[("k", Write::Delete)]))
        .unwrap();
    assert_eq!(ledger.get(&space, "k").unwrap(), None);
    assert!(ledger.metadata(&space, "k").unwrap().is_empty());
    assert!(ledger.history(&space, "k").unwrap()[0].is_delete);
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keys_stay_in_their_space_and_sort_bytewise() {
    let ledger = Ledger::in_memory();
    let mut set = WriteSet::default();
    for (space, key) in [
        (Space::public("ch", "cc"), "b"),
        (Space::public("ch", "cc"), "a"),
        (Space::public("ch", "cc"), "\u{0}color\u{0}blue\u{0}"),
        (Space::public("ch", "cc2"), "a"),
        (Space::public("ch2", "cc"), "a"),
        (Space::private("ch", "cc", "coll"), "a"),
    ] {
        set.values
            .insert((space, key.into()), Write::Put(Bytes::from_static(b"v")));
    }
    ledger.commit("tx", None, &set).unwrap();
    let keys: Vec<String> = ledger
        .range(&Space::public("ch", "cc"), "", "", usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["\u{0}color\u{0}blue\u{0}", "a", "b"]);
    assert_eq!(
        ledger
            .range(&Space::public("ch", "cc"), "a", "b", 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(ledger.dump("ch").unwrap().len(), 5);
}

#[test]
fn paginated_and_private_queries_follow_the_peers_rules() {
    let ledger = Arc::new(Ledger::in_memory());
    let mut sim = Simulation::new(Arc::clone(&ledger), "ch", "tx1", false);
    sim.put("cc", "", "k", Write::Put(Bytes::from_static(b"v")))
        .unwrap();
    let err = sim
        .range("cc", "", "a", "z", Some((10, String::new())))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "txid [tx1]: unsuppored transaction. Paginated queries are supported only in a read-only transaction"
    );
    let err = sim.range("cc", "coll", "a", "z", None).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("Queries on pvt data is supported only in a read-only transaction")
    );

    let mut sim = Simulation::new(Arc::clone(&ledger), "ch", "tx2", false);
    sim.range("cc", "", "a", "z", Some((10, String::new())))
        .unwrap();
    let err = sim.put("cc", "", "k", Write::Delete).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "Transaction has already performed a paginated query. Writes are not allowed"
        )
    );

    let mut sim = Simulation::new(Arc::clone(&ledger), "ch", "tx3", false);
    sim.rich_query("cc", "coll", r#"{"selector":{}}"#, None)
        .unwrap();
    let err = sim.put("cc", "", "k", Write::Delete).unwrap_err();
    assert!(err.to_string().ends_with(
        "Transaction has already performed queries on pvt data. Writes are not allowed"
    ));

    let mut read_only = Simulation::new(ledger, "other", "tx4", true);
    assert!(read_only.put("cc", "", "k", Write::Delete).is_err());
}

#[test]
fn results_come_in_batches_of_one_hundred() {
    let ledger = Arc::new(Ledger::in_memory());
    let mut set = WriteSet::default();
    for i in 0..250 {
        set.values.insert(
            (Space::public("ch", "cc"), format!("k{i:03}")),
            Write::Put(Bytes::from_static(b"v")),
        );
    }
    ledger.commit("seed", None, &set).unwrap();
    let mut sim = Simulation::new(ledger, "ch", "tx", false);
    let first = sim.range("cc", "", "", "", None).unwrap();
    assert_eq!((first.results.len(), first.has_more), (100, true));
    assert_eq!(sim.open_iterators(), 1);
    let second = sim.next_batch(&first.id).unwrap();
    assert_eq!((second.results.len(), second.has_more), (100, true));
    let third = sim.next_batch(&first.id).unwrap();
    assert_eq!((third.results.len(), third.has_more), (50, false));
    assert_eq!(sim.open_iterators(), 0, "an exhausted iterator is freed");
    assert!(sim.next_batch(&first.id).is_err());
    let again = sim.range("cc", "", "", "", None).unwrap();
    sim.close(&again.id);
    assert_eq!(sim.open_iterators(), 0);
}
