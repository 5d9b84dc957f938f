//! The load driver against the real chaincode binaries, with small N: the
//! exactly-once verification must pass for every transfer variant.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fabric_bench::driver::{Driver, Load, creator, fabric_3_1_params, signed_proposal};
use fabric_bench::runner::{ConnectMode, Group, Sizes, Subject, measure};
use fabric_bench::transfer::TransferChaincode;
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
use fabric_dev_peer::in_process;

fn subject(program: &str, function: &str) -> Subject {
    Subject {
        label: function.to_owned(),
        description: String::new(),
        group: Group::Ours,
        program: PathBuf::from(program),
        args: Vec::new(),
        cwd: None,
        function: function.to_owned(),
        params: fabric_3_1_params(),
        sizes: Sizes {
            n: 200,
            n_sequential: 20,
            min_n: 200,
            warmup: 40,
            seconds: 1.0,
        },
        startup_limit: Duration::from_secs(20),
        mode: ConnectMode::Dial,
        env: Vec::new(),
    }
}

/// The chaincodes' output, kept for a failing test to be read, in the
/// scratch directory cargo gives integration tests (under `target/`) rather
/// than the system's temporary directory.
fn log() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fabric-bench-test-{}.log", std::process::id()))
}

#[tokio::test(flavor = "current_thread")]
async fn shim_chaincode_applies_every_transfer_exactly_once() {
    let proposal = signed_proposal(creator().unwrap(), "bench");
    for function in fabric_bench::transfer::FUNCTIONS {
        let s = subject(env!("CARGO_BIN_EXE_cc-shim"), function);
        let point = measure(&s, 16, &proposal, &log())
            .await
            .unwrap_or_else(|e| panic!("{function}: {e}"));
        assert_eq!(point.transactions, 200);
        assert!(point.throughput > 0.0 && point.p50_ms <= point.p99_ms);
        assert!(point.rss_idle_kib > 0 && point.hwm_kib >= point.rss_loaded_kib);
    }
    let s = subject(env!("CARGO_BIN_EXE_cc-shim"), "Transfer");
    let point = measure(&s, 1, &proposal, &log()).await.unwrap();
    assert_eq!(point.transactions, 20);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_chaincode_applies_every_transfer_exactly_once() {
    let proposal = signed_proposal(creator().unwrap(), "bench");
    for function in fabric_bench::transfer::FUNCTIONS {
        let s = subject(env!("CARGO_BIN_EXE_cc-contract"), function);
        measure(&s, 16, &proposal, &log())
            .await
            .unwrap_or_else(|e| panic!("{function}: {e}"));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn chaincode_as_a_service_applies_every_transfer_exactly_once() {
    let proposal = signed_proposal(creator().unwrap(), "bench");
    let mut s = subject(env!("CARGO_BIN_EXE_cc-shim"), "Transfer");
    s.mode = ConnectMode::Serve;
    measure(&s, 16, &proposal, &log()).await.unwrap();
}

/// Writes `from` twice: the verification must notice.
struct WritesTwice;

impl Chaincode for WritesTwice {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        let (_, params) = stub.function_and_parameters();
        for _ in 0..2 {
            if let Err(e) = stub.put_state(&params[0], "99").await {
                return error(e.to_string());
            }
        }
        match stub.put_state(&params[1], "1").await {
            Ok(()) => success(""),
            Err(e) => error(e.to_string()),
        }
    }
}

async fn run_in_process<C: Chaincode>(chaincode: C, function: &str) -> fabric_bench::Result<()> {
    let connection = in_process(Arc::new(chaincode), "bench:1");
    let (mut driver, handshake) =
        Driver::handshake(connection, &fabric_3_1_params(), Duration::from_secs(5)).await?;
    assert_eq!(handshake.chaincode_id, "bench:1");
    let load = Load {
        function: function.to_owned(),
        transactions: 100,
        concurrency: 8,
        timeout: Duration::from_secs(30),
    };
    driver.run(&load).await?;
    // A second run uses fresh keys and txids on the same stream.
    driver.run(&load).await.map(drop)
}

#[tokio::test(flavor = "current_thread")]
async fn verification_passes_only_when_each_transfer_applied_exactly_once() {
    run_in_process(TransferChaincode, "Transfer").await.unwrap();
    run_in_process(TransferChaincode, "TransferMultiBatch")
        .await
        .unwrap();
    let e = run_in_process(WritesTwice, "Transfer").await.unwrap_err();
    assert!(e.0.contains("after 2 write(s)"), "{e}");
    let e = run_in_process(TransferChaincode, "NoSuchFunction")
        .await
        .unwrap_err();
    assert!(e.0.contains("status 500"), "{e}");
}

#[tokio::test(flavor = "current_thread")]
async fn pingpong_applies_every_transfer_exactly_once() {
    let proposal = signed_proposal(creator().unwrap(), "bench");
    for program in [
        env!("CARGO_BIN_EXE_pingpong-current"),
        env!("CARGO_BIN_EXE_pingpong-multi"),
        env!("CARGO_BIN_EXE_pingpong-async"),
    ] {
        let s = subject(program, "Transfer");
        measure(&s, 16, &proposal, &log())
            .await
            .unwrap_or_else(|e| panic!("{program}: {e}"));
    }
}
