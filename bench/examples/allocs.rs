//! Counts the heap allocations of one transfer transaction (shim and
//! contract chaincode) through a `Session` over in-process channels, and the
//! time one takes there. `ALLOCS_LOG=1` installs the shim's log subscriber
//! (plain text: its lines name the transaction without a span);
//! `ALLOCS_TRACE=1` prints where each allocation of the last transaction comes from (frames of this
//! workspace, tracing, tokio, futures and prost); `ROUNDS=n` sets the number
//! of transactions (1000); `ALLOCS_ONLY=shim` or `contract` runs one of
//! the two (for an instruction count under `valgrind --tool=callgrind`, which
//! unlike the time here does not vary from run to run).
//!
//! `cargo run --release -p fabric-bench --example allocs`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use fabric_bench::driver::{creator, signed_proposal};
use fabric_bench::inprocess::InProcess;
use fabric_chaincode_shim::Chaincode;

/// The system allocator, counting allocations and reallocations.
struct Counting;

static COUNT: AtomicU64 = AtomicU64::new(0);
static TRACE: AtomicBool = AtomicBool::new(false);
thread_local! {
    /// Set while a backtrace is taken (which allocates itself).
    static TRACING: Cell<bool> = const { Cell::new(false) };
}

/// Prints the allocation's size and the innermost frames of interest.
fn trace(size: usize) {
    if TRACING.with(|t| t.replace(true)) {
        return;
    }
    let backtrace = std::backtrace::Backtrace::force_capture().to_string();
    let ours = ["fabric_", "tracing", "tokio", "futures", "prost"];
    let frames: Vec<&str> = backtrace
        .lines()
        .filter_map(|line| line.split_once(": ").map(|(_, name)| name.trim()))
        .filter(|name| ours.iter().any(|o| name.contains(o)) && !name.contains("allocs::"))
        .take(4)
        .collect();
    eprintln!("alloc {size:>5} B  {}", frames.join("  <  "));
    TRACING.with(|t| t.set(false));
}

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        if TRACE.load(Ordering::Relaxed) {
            trace(layout.size());
        }
        // SAFETY: the caller's guarantees are the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `rounds` transfers with a signed proposal (after one to warm up);
/// prints allocations and time per transaction.
fn measure<C: Chaincode>(label: &str, chaincode: C, rounds: u64) {
    let mut session = InProcess::start(chaincode);
    let proposal = signed_proposal(creator().expect("an identity"), "bench");
    let function = Bytes::from_static(b"Transfer");
    let trace = std::env::var_os("ALLOCS_TRACE").is_some();
    let (mut allocations, mut time) = (0, Duration::ZERO);
    for round in 0..=rounds {
        // Building the message is the peer's work: not counted.
        let msg = session.next_transaction(&function, Some(&proposal));
        TRACE.store(trace && round == rounds, Ordering::Relaxed);
        let (before, started) = (COUNT.load(Ordering::Relaxed), Instant::now());
        session.run(msg);
        if round > 0 {
            time += started.elapsed();
            allocations += COUNT.load(Ordering::Relaxed) - before;
        }
        TRACE.store(false, Ordering::Relaxed);
    }
    println!(
        "{label:<9} {:>5.1} allocations, {:>6.2} µs per transaction (with the in-process peer's share)",
        allocations as f64 / rounds as f64,
        time.as_secs_f64() * 1e6 / rounds as f64
    );
}

fn main() {
    if std::env::var_os("ALLOCS_LOG").is_some() {
        fabric_chaincode_shim::logging::init();
    }
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1000);
    let only = std::env::var("ALLOCS_ONLY").unwrap_or_default();
    if only != "contract" {
        measure("shim", fabric_bench::transfer::TransferChaincode, rounds);
    }
    if only != "shim" {
        measure("contract", fabric_bench::contract::chaincode(), rounds);
    }
}
