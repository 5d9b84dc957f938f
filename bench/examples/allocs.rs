//! Counts the heap allocations of one transfer transaction (shim and
//! contract), over in-process channels. `ALLOCS_TRACE=1` prints where each
//! allocation of the last transaction comes from (frames of this workspace).
//!
//! `cargo run --release -p fabric-bench --example allocs`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use fabric_chaincode_shim::Chaincode;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeInput, ChaincodeMessage, GetState, Response, SignedProposal,
};
use fabric_chaincode_shim::session::Session;
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

struct Counting;

static COUNT: AtomicU64 = AtomicU64::new(0);
static TRACE: AtomicBool = AtomicBool::new(false);
thread_local! {
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        if TRACE.load(Ordering::Relaxed) && !IN_TRACE.with(|t| t.replace(true)) {
            let bt = std::backtrace::Backtrace::force_capture().to_string();
            let frames: Vec<&str> = bt
                .lines()
                .filter(|l| {
                    l.contains(": ")
                        && (l.contains("fabric_")
                            || l.contains("tracing")
                            || l.contains("tokio")
                            || l.contains("futures")
                            || l.contains("prost"))
                        && !l.contains("allocs::")
                })
                .map(|l| l.split(": ").nth(1).unwrap_or(l).trim())
                .take(4)
                .collect();
            eprintln!("alloc {:>5} B  {}", layout.size(), frames.join("  <  "));
            IN_TRACE.with(|t| t.set(false));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        COUNT.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn transaction(index: u64, function: &str, proposal: &SignedProposal) -> ChaincodeMessage {
    let input = ChaincodeInput {
        args: vec![
            Bytes::from(function.to_owned()),
            Bytes::from(format!("a{index}")),
            Bytes::from(format!("b{index}")),
        ],
        ..Default::default()
    };
    let mut msg = frame(
        MessageType::Transaction,
        encode(&input),
        &format!("{index:064x}"),
        "mychannel",
    );
    msg.proposal = Some(proposal.clone().into());
    msg
}

fn measure<C: Chaincode>(label: &str, chaincode: C, function: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (session, mut from) = Session::new(Arc::new(chaincode), "bench");
    let (to, inbound) = mpsc::channel(1024);
    runtime.block_on(async {
        tokio::spawn(session.run(ReceiverStream::new(inbound)));
        from.recv().await.expect("REGISTER");
        let params = ChaincodeAdditionalParams::default();
        to.send(Ok(frame(MessageType::Registered, Bytes::new(), "", ""))).await.unwrap();
        to.send(Ok(frame(MessageType::Ready, encode(&params), "", ""))).await.unwrap();
        let proposal = fabric_bench::driver::signed_proposal(
            fabric_bench::driver::creator().expect("a creator"),
            "bench",
        );
        let rounds = 1000u64;
        let mut counted = 0;
        for i in 0..rounds + 1 {
            // Requests built here are not the chaincode's: count them out.
            let msg = transaction(i, function, &proposal);
            if i == rounds && std::env::var_os("ALLOCS_TRACE").is_some() {
                TRACE.store(true, Ordering::Relaxed);
            }
            let before = COUNT.load(Ordering::Relaxed);
            to.send(Ok(msg)).await.unwrap();
            loop {
                let msg = from.recv().await.expect("alive");
                let payload = match MessageType::try_from(msg.r#type) {
                    Ok(MessageType::Completed) => {
                        let r = Response::decode(msg.payload.clone()).unwrap();
                        assert_eq!(r.status, 200, "{}", r.message);
                        break;
                    }
                    Ok(MessageType::GetState) => {
                        let req = GetState::decode(msg.payload.clone()).unwrap();
                        if req.key.starts_with('a') { Bytes::from_static(b"100") } else { Bytes::new() }
                    }
                    _ => Bytes::new(),
                };
                let reply = ChaincodeMessage {
                    r#type: MessageType::Response as i32,
                    payload,
                    txid: msg.txid.clone(),
                    channel_id: msg.channel_id.clone(),
                    ..Default::default()
                };
                // The reply's two strings stand for the decoding a real transport does.
                to.send(Ok(reply)).await.unwrap();
            }
            TRACE.store(false, Ordering::Relaxed);
            if i > 0 {
                counted += COUNT.load(Ordering::Relaxed) - before;
            }
        }
        println!("{label:<10} {:.1} allocations per transaction (incl. the harness's GetState decode and reply strings)", counted as f64 / rounds as f64);
    });
}

fn main() {
    if std::env::var_os("ALLOCS_LOG").is_some() {
        fabric_chaincode_shim::logging::init();
    }
    measure(
        "shim",
        fabric_bench::transfer::TransferChaincode,
        "Transfer",
    );
    measure("contract", fabric_bench::contract::chaincode(), "Transfer");
}
