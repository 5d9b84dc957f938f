//! Soak: 100 000 transactions at concurrency 256 through the development
//! peer over gRPC, against the asset-transfer-basic chaincode process.
//! Every transaction completes exactly once with the right result, the
//! committed state matches an independent model, and the chaincode's memory
//! stays flat. Prints the figures (`cargo test --test soak -- --nocapture`).

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fabric_dev_peer::ledger::{Ledger, Space};
use fabric_dev_peer::{DevPeer, Invocation, PeerConfig, RegisterServer};

const TOTAL: u64 = 100_000;
const CONCURRENCY: u64 = 256;

/// Resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_thousand_transactions_at_concurrency_256() {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("asset-transfer-basic");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test --workspace`",
        binary.display()
    );

    let config = PeerConfig {
        channel: "soak".into(),
        ..PeerConfig::default()
    };
    let peer = DevPeer::new(Ledger::in_memory(), config).unwrap();
    let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let address = server.local_addr().to_string();
    peer.serve(server);
    let child = tokio::process::Command::new(&binary)
        .arg(format!("-peer.address={address}"))
        .env("CORE_CHAINCODE_ID_NAME", "basic:soak")
        .env("CORE_PEER_TLS_ENABLED", "false")
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "WARNING")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    peer.wait_for("basic", Duration::from_secs(30))
        .await
        .unwrap();

    // One asset per worker; this also warms the chaincode up.
    for w in 0..CONCURRENCY {
        let id = format!("asset{w:03}");
        let out = peer
            .submit(Invocation::new(
                "basic",
                &["CreateAsset", &id, "blue", "1", "owner0", "10"],
            ))
            .await
            .unwrap();
        assert_eq!(out.status(), 200, "{}", out.message());
    }
    let rss_start = rss_kib(pid);
    let started = Instant::now();
    let completed = Arc::new(AtomicU64::new(0));

    // Worker w owns asset w and transfers it again and again: its
    // transactions run one after another, the 256 workers concurrently, so
    // every result and the final state are known exactly.
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let peer = peer.clone();
        let completed = Arc::clone(&completed);
        workers.push(tokio::spawn(async move {
            let id = format!("asset{w:03}");
            let mut owner = "owner0".to_string();
            let mut transfers = 0u64;
            let mut n = w;
            while n < TOTAL {
                let next = format!("owner{n}");
                let out = peer
                    .submit(Invocation::new("basic", &["TransferAsset", &id, &next]))
                    .await
                    .unwrap();
                assert_eq!(out.status(), 200, "{}", out.message());
                assert_eq!(
                    out.payload_text(),
                    owner,
                    "transaction {n} returns the previous owner"
                );
                assert!(out.committed);
                completed.fetch_add(1, Ordering::Relaxed);
                owner = next;
                transfers += 1;
                n += CONCURRENCY;
            }
            (id, owner, transfers)
        }));
    }
    // Sample the chaincode's memory once a quarter of the load has run, when
    // its allocator has reached its working size.
    let quarter = {
        let completed = Arc::clone(&completed);
        tokio::spawn(async move {
            while completed.load(Ordering::Relaxed) < TOTAL / 4 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            rss_kib(pid)
        })
    };
    let mut model = Vec::new();
    for worker in workers {
        model.push(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    let rss_end = rss_kib(pid);
    let rss_quarter = quarter.await.unwrap();

    assert_eq!(
        completed.load(Ordering::Relaxed),
        TOTAL,
        "every transaction completed exactly once"
    );
    let space = Space::public("soak", "basic");
    for (id, owner, transfers) in &model {
        let value = peer.ledger().get(&space, id).unwrap().unwrap();
        let asset: serde_json::Value = serde_json::from_slice(&value).unwrap();
        assert_eq!(asset["Owner"], owner.as_str(), "{id}");
        // One creation plus every transfer.
        assert_eq!(
            peer.ledger().history(&space, id).unwrap().len() as u64,
            transfers + 1,
            "{id}"
        );
    }
    assert_eq!(peer.ledger().height().unwrap(), TOTAL + CONCURRENCY);
    let stats = peer.chaincode("basic").unwrap().stats();
    assert_eq!(
        stats.count(fabric_chaincode_shim::MessageType::Completed),
        TOTAL + CONCURRENCY
    );

    println!(
        "soak: {TOTAL} transactions at concurrency {CONCURRENCY} in {:.1} s ({:.0} tx/s); chaincode RSS {rss_start} KiB at start, {rss_quarter} KiB after 25 000, {rss_end} KiB at end",
        elapsed.as_secs_f64(),
        TOTAL as f64 / elapsed.as_secs_f64(),
    );
    assert!(rss_start > 0 && rss_end > 0, "RSS readable from /proc");
    // Flat: the last 75 000 transactions add (almost) nothing.
    assert!(
        rss_end < rss_quarter + 1024,
        "chaincode RSS grew from {rss_quarter} KiB after 25 000 transactions to {rss_end} KiB at the end"
    );
    assert!(
        rss_end < rss_start + 8 * 1024,
        "chaincode RSS grew from {rss_start} KiB to {rss_end} KiB"
    );
}
