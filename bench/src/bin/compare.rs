//! The one command of issues 7 and 15: builds the chaincodes, the
//! development peer and the client binaries, installs the Node comparators,
//! measures every chaincode at C = 1, 16, 64, 256 and every Gateway client
//! (Node, Rust, raw tonic) through `fabric-dev-peer serve` at C = 1, 16, 64
//! (medians of 3 runs), runs the criterion micro-benchmarks briefly, and
//! writes `bench/report/REPORT.md`, `bench/report/throughput.svg` and the
//! summary tables of `bench/README.md`.
//!
//! ```text
//! cargo run --release -p fabric-bench --bin compare [-- OPTIONS]
//!   --quick           N/10, 1 run, no micro-benchmarks (a smoke run; writes to target/bench-quick)
//!   --runs K          runs per point (default 3)
//!   --only a,b        only these chaincodes and client series (labels as in the report, e.g. rust-shim, rust-evaluate)
//!   --skip-node       do not install or run the Node chaincodes and the Node Gateway client
//!   --skip-gateway    do not measure the Gateway clients (issue 15)
//!   --skip-build      do not rebuild the chaincode binaries
//!   --skip-micro      do not run the criterion micro-benchmarks
//!   --out DIR         where REPORT.md and throughput.svg go (default bench/report)
//!   --n N             N at every concurrency (for profiling; default: see RUST_SIZES, NODE_SIZES, GW_*_SIZES)
//!   --c 1,64          only these concurrencies (chaincodes and clients)
//!   --quiet-wait S    before each point, wait at most S seconds for a quiet machine (default 30; 0: do not wait)
//!   --report-only     write the report again from results.json (after editing ANALYSIS.md)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use fabric_bench::driver::{creator, fabric_3_1_params, signed_proposal};
use fabric_bench::gateway::process::{
    ClientProcess, ClientSpec, Serve, init_ledger, measure as measure_client,
};
use fabric_bench::gateway::{self as gw, ClientKind, GatewaySection, GwPoint, Op};
use fabric_bench::report::{self, Environment, Micro, Saved, SubjectResult};
use fabric_bench::runner::{
    ConnectMode, Group, Point, Sizes, Subject, measure, median_point, wait_for_quiet,
};
use fabric_bench::stats::median;

const CONCURRENCY: [usize; 4] = [1, 16, 64, 256];

/// Before each point, wait (at most `QUIET_WAIT`) until other processes use
/// less than this % of one core: the 2 cores are the driver's and the
/// chaincode's.
const QUIET_PCT: f64 = 15.0;
const QUIET_WAIT: Duration = Duration::from_secs(30);

/// N for the Rust chaincodes and the ping-pong: about 0.8 s of transactions.
const RUST_SIZES: Sizes = Sizes {
    n: 150_000,
    n_sequential: 10_000,
    min_n: 2_000,
    warmup: 5_000,
    seconds: 0.8,
};

/// N for the Node chaincodes: about 1.5 s of transactions after a warm-up
/// that lets V8 optimise.
const NODE_SIZES: Sizes = Sizes {
    n: 20_000,
    n_sequential: 5_000,
    min_n: 1_000,
    warmup: 3_000,
    seconds: 1.5,
};

/// The client section's concurrencies.
const GW_CONCURRENCY: [usize; 3] = [1, 16, 64];

/// N for evaluate through the Gateway: about 1.5 s of calls per point
/// (`serve` verifies two ECDSA signatures per call, so a few thousand
/// calls a second at most), long enough for `/proc`'s 10 ms CPU ticks.
const GW_EVALUATE_SIZES: Sizes = Sizes {
    n: 20_000,
    n_sequential: 5_000,
    min_n: 300,
    warmup: 300,
    seconds: 1.5,
};

/// N for submit (with commit) through the Gateway: about 1.5 s of calls
/// (a block per transaction: a few hundred a second).
const GW_SUBMIT_SIZES: Sizes = Sizes {
    n: 10_000,
    n_sequential: 2_000,
    min_n: 100,
    warmup: 100,
    seconds: 1.5,
};

struct Options {
    quick: bool,
    runs: usize,
    only: Option<Vec<String>>,
    skip_node: bool,
    skip_gateway: bool,
    skip_build: bool,
    skip_micro: bool,
    out: Option<PathBuf>,
    n: Option<usize>,
    concurrency: Option<Vec<usize>>,
    quiet_wait: Duration,
    report_only: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        runs: 3,
        only: None,
        skip_node: false,
        skip_gateway: false,
        skip_build: false,
        skip_micro: false,
        out: None,
        n: None,
        concurrency: None,
        quiet_wait: QUIET_WAIT,
        report_only: false,
    };
    let mut runs_given = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--runs" => {
                runs_given = true;
                o.runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&r| r > 0)
                    .ok_or("--runs needs a positive number")?
            }
            "--only" => {
                o.only = Some(
                    args.next()
                        .ok_or("--only needs a list of labels")?
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "--n" => {
                o.n = Some(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .filter(|&n| n > 0)
                        .ok_or("--n needs a positive number")?,
                )
            }
            "--c" => {
                let list: Option<Vec<usize>> = args
                    .next()
                    .ok_or("--c needs a list of concurrencies")?
                    .split(',')
                    .map(|c| c.parse().ok().filter(|&c| c > 0))
                    .collect();
                o.concurrency = Some(list.ok_or("--c needs positive numbers")?);
            }
            "--quiet-wait" => {
                o.quiet_wait = Duration::from_secs(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--quiet-wait needs a number of seconds")?,
                )
            }
            "--report-only" => o.report_only = true,
            "--skip-node" => o.skip_node = true,
            "--skip-gateway" => o.skip_gateway = true,
            "--skip-build" => o.skip_build = true,
            "--skip-micro" => o.skip_micro = true,
            "--out" => o.out = Some(PathBuf::from(args.next().ok_or("--out needs a directory")?)),
            "--help" | "-h" => {
                return Err(
                    "usage: compare [--quick] [--runs K] [--only a,b] [--skip-node] [--skip-gateway] [--skip-build] [--skip-micro] [--out DIR] [--n N] [--c 1,64] [--quiet-wait S] [--report-only]"
                        .into(),
                );
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.quick {
        o.skip_micro = true;
        if !runs_given {
            o.runs = 1;
        }
    }
    Ok(o)
}

fn say(started: Instant, text: &str) {
    eprintln!("[{:>5.1}s] {text}", started.elapsed().as_secs_f64());
}

/// Waits (up to `--quiet-wait`) for other processes to go quiet before a
/// point, and says so when they do not.
fn settle(runtime: &tokio::runtime::Runtime, started: Instant, options: &Options) {
    let busy = runtime.block_on(wait_for_quiet(QUIET_PCT, options.quiet_wait));
    if busy >= QUIET_PCT {
        say(
            started,
            &format!("other processes keep {busy:.0}% of a core busy; measuring anyway"),
        );
    }
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `cargo build --release -p fabric-bench [-p fabric-dev-peer -p
/// asset-transfer-basic] --bins` (the latter two for the client section);
/// if that fails (e.g. the contract binary does not compile yet), the
/// binaries one by one.
fn build(workspace: &Path, gateway: bool, notes: &mut Vec<String>) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .current_dir(workspace)
            .args(["build", "--release"])
            .args(args)
            .stdin(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let all: &[&str] = if gateway {
        &[
            "-p",
            "fabric-bench",
            "-p",
            "fabric-dev-peer",
            "-p",
            "asset-transfer-basic",
            "--bins",
        ]
    } else {
        &["-p", "fabric-bench", "--bins"]
    };
    if run(all) {
        return;
    }
    let mut each = vec![
        ("fabric-bench", "cc-shim"),
        ("fabric-bench", "cc-contract"),
        ("fabric-bench", "pingpong-current"),
        ("fabric-bench", "pingpong-multi"),
        ("fabric-bench", "pingpong-async"),
    ];
    if gateway {
        each.extend([
            ("fabric-bench", "gw-client"),
            ("fabric-dev-peer", "fabric-dev-peer"),
            ("asset-transfer-basic", "asset-transfer-basic"),
        ]);
    }
    for (package, bin) in each {
        if !run(&["-p", package, "--bin", bin]) {
            notes.push(format!(
                "`cargo build --release -p {package} --bin {bin}` failed; what needs it is left out."
            ));
        }
    }
}

/// `npm install` in `bench/node` (skipped when the pinned versions are already there).
fn install_node(dir: &Path) -> Result<String, String> {
    let node = command_output("node", &["--version"]).ok_or("node is not installed")?;
    let installed = |name: &str| {
        std::fs::read_to_string(dir.join("node_modules").join(name).join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_owned))
    };
    let wanted = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .ok_or("bench/node/package.json is unreadable")?;
    let up_to_date = [
        "fabric-shim",
        "fabric-contract-api",
        "@hyperledger/fabric-gateway",
        "@grpc/grpc-js",
    ]
    .iter()
    .all(|name| installed(name).as_deref() == wanted["dependencies"][*name].as_str());
    if !up_to_date {
        let output = Command::new("npm")
            .current_dir(dir)
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = err.lines().rev().take(5).collect();
            return Err(format!(
                "`npm install` failed: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            ));
        }
    }
    let shim = installed("fabric-shim").ok_or("fabric-shim is not installed")?;
    let contract =
        installed("fabric-contract-api").ok_or("fabric-contract-api is not installed")?;
    let gateway = installed("@hyperledger/fabric-gateway")
        .ok_or("@hyperledger/fabric-gateway is not installed")?;
    let grpc = installed("@grpc/grpc-js").ok_or("@grpc/grpc-js is not installed")?;
    Ok(format!(
        "node {node}, fabric-shim {shim}, fabric-contract-api {contract}, @hyperledger/fabric-gateway {gateway}, @grpc/grpc-js {grpc}"
    ))
}

fn subjects(bin: &Path, node_dir: &Path, node: bool) -> Vec<Subject> {
    let rust = |label: &str, program: &str, function: &str, group: Group, what: &str| Subject {
        label: label.into(),
        description: what.into(),
        group,
        program: bin.join(program),
        args: Vec::new(),
        cwd: None,
        function: function.into(),
        params: fabric_3_1_params(),
        sizes: RUST_SIZES,
        startup_limit: Duration::from_secs(20),
        mode: ConnectMode::Dial,
        env: Vec::new(),
    };
    let mut list = Vec::new();
    if node {
        let node_bin = |label: &str, args: &[&str], what: &str| Subject {
            label: label.into(),
            description: what.into(),
            group: Group::Node,
            program: PathBuf::from("node"),
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: Some(node_dir.to_path_buf()),
            function: "Transfer".into(),
            params: fabric_3_1_params(),
            sizes: NODE_SIZES,
            startup_limit: Duration::from_secs(60),
            mode: ConnectMode::Dial,
            env: Vec::new(),
        };
        list.push(node_bin(
            "node-shim",
            &["shim.js"],
            "Node `fabric-shim` low-level API (`bench/node/shim.js`, `node shim.js --peer.address …`)",
        ));
        list.push(node_bin(
            "node-contract",
            &["node_modules/.bin/fabric-chaincode-node", "start"],
            "Node `fabric-contract-api` (`bench/node/contract.js`, `fabric-chaincode-node start --peer.address …`)",
        ));
    }
    list.push(rust(
        "pingpong-current",
        "pingpong-current",
        "Transfer",
        Group::Baseline,
        "raw tonic `Register` client answering the same 5 messages, current-thread runtime",
    ));
    list.push(rust(
        "pingpong-multi",
        "pingpong-multi",
        "Transfer",
        Group::Baseline,
        "the same on tokio's multi-thread runtime",
    ));
    list.push(rust(
        "pingpong-async",
        "pingpong-async",
        "Transfer",
        Group::Baseline,
        "the same messages, each transaction an `async` block awaiting a reply slot, polled through a `FuturesUnordered` (current-thread)",
    ));
    list.push(rust(
        "rust-shim",
        "cc-shim",
        "Transfer",
        Group::Ours,
        "`cc-shim`: the shim's `Chaincode` trait, `Transfer` (2 GetState + 2 PutState)",
    ));
    let mut ccaas = rust(
        "rust-shim-ccaas",
        "cc-shim",
        "Transfer",
        Group::Ours,
        "`cc-shim` `Transfer` as chaincode-as-a-service: the chaincode listens (`CHAINCODE_SERVER_ADDRESS`), the peer side dials it",
    );
    ccaas.mode = ConnectMode::Serve;
    list.push(ccaas);
    list.push(rust(
        "rust-contract",
        "cc-contract",
        "Transfer",
        Group::Ours,
        "`cc-contract`: `#[contract]` / `#[transaction]`, `Transfer`",
    ));
    list.push(rust(
        "rust-shim-batch",
        "cc-shim",
        "TransferBatch",
        Group::Ours,
        "`cc-shim` `TransferBatch`: 2 GetState + 1 WRITE_BATCH_STATE",
    ));
    list.push(rust(
        "rust-shim-multi",
        "cc-shim",
        "TransferMulti",
        Group::Ours,
        "`cc-shim` `TransferMulti`: 1 GET_STATE_MULTIPLE + 2 PutState",
    ));
    list.push(rust(
        "rust-shim-multi-batch",
        "cc-shim",
        "TransferMultiBatch",
        Group::Ours,
        "`cc-shim` `TransferMultiBatch`: 1 GET_STATE_MULTIPLE + 1 WRITE_BATCH_STATE",
    ));
    list
}

/// What the client section needs from `main`.
struct GatewayPlan<'a> {
    bin_dir: &'a Path,
    node_dir: &'a Path,
    target_dir: &'a Path,
    log_dir: &'a Path,
    /// The Node client is installed and wanted.
    node: bool,
    options: &'a Options,
}

/// The sizes of a client point for `op`, after `--quick` and `--n`.
fn gateway_sizes(op: Op, options: &Options) -> Sizes {
    let mut sizes = match op {
        Op::Evaluate => GW_EVALUATE_SIZES,
        Op::Submit => GW_SUBMIT_SIZES,
    };
    if options.quick {
        sizes = sizes.quick();
    }
    if let Some(n) = options.n {
        sizes.n = n;
        sizes.n_sequential = n;
        sizes.min_n = n;
    }
    sizes
}

fn client_spec(client: ClientKind, plan: &GatewayPlan<'_>) -> ClientSpec {
    match client {
        ClientKind::Node => ClientSpec {
            program: PathBuf::from("node"),
            args: vec!["gateway.js".into()],
            cwd: Some(plan.node_dir.to_path_buf()),
        },
        other => ClientSpec {
            program: plan.bin_dir.join("gw-client"),
            args: vec!["--mode".into(), other.name().into()],
            cwd: None,
        },
    }
}

/// The client section: per run a fresh `serve` with `InitLedger`, then
/// each client process in turn (the order rotating between runs), each
/// call at each concurrency.
fn measure_gateway(
    plan: &GatewayPlan<'_>,
    runtime: &tokio::runtime::Runtime,
    started: Instant,
) -> Result<GatewaySection, String> {
    let options = plan.options;
    let serve_bin = plan.bin_dir.join("fabric-dev-peer");
    let chaincode = plan.bin_dir.join("asset-transfer-basic");
    let gw_client = plan.bin_dir.join("gw-client");
    for program in [&serve_bin, &chaincode, &gw_client] {
        if !program.exists() {
            return Err(format!("{} is missing", program.display()));
        }
    }
    let mut kinds = vec![ClientKind::Rust, ClientKind::Raw, ClientKind::RawSigned];
    if plan.node {
        kinds.insert(0, ClientKind::Node);
    }
    let wanted = |label: &str| {
        options
            .only
            .as_ref()
            .is_none_or(|o| o.iter().any(|l| l == label))
    };
    let order: Vec<(ClientKind, Op)> = [Op::Evaluate, Op::Submit]
        .into_iter()
        .flat_map(|op| {
            kinds
                .iter()
                .filter(move |k| k.ops().contains(&op))
                .map(move |&k| (k, op))
        })
        .filter(|&(k, op)| wanted(&gw::label(k, op)))
        .collect();
    if order.is_empty() {
        return Err("no client series selected (`--only`)".into());
    }
    let clients: Vec<ClientKind> = kinds
        .into_iter()
        .filter(|k| order.iter().any(|(c, _)| c == k))
        .collect();
    let concurrency = options
        .concurrency
        .clone()
        .unwrap_or_else(|| GW_CONCURRENCY.to_vec());
    // A tmpfs when there is one: `serve` commits a redb block per
    // transaction, and the clients, not the disk's fsync, are measured.
    let shm = Path::new("/dev/shm");
    let data_root = if shm.is_dir() {
        shm.join(format!("fabric-bench-gateway-{}", std::process::id()))
    } else {
        plan.target_dir.join("bench-gateway")
    };
    let mut points: Vec<Vec<Vec<GwPoint>>> = vec![vec![Vec::new(); concurrency.len()]; order.len()];
    let mut errors: Vec<Vec<String>> = vec![Vec::new(); order.len()];
    let mut details: BTreeMap<&'static str, String> = BTreeMap::new();
    for run in 0..options.runs {
        let fail_all = |errors: &mut Vec<Vec<String>>, e: &str| {
            say(started, &format!("gateway run {}: FAILED: {e}", run + 1));
            for list in errors.iter_mut() {
                list.push(format!("run {}: {e}", run + 1));
            }
        };
        let serve = match Serve::start(
            &serve_bin,
            &chaincode,
            &data_root.join(format!("run-{}", run + 1)),
            &plan.log_dir.join("gw-serve.log"),
        ) {
            Ok(s) => s,
            Err(e) => {
                fail_all(&mut errors, &format!("serve: {e}"));
                continue;
            }
        };
        if let Err(e) = runtime.block_on(init_ledger(&serve)) {
            fail_all(&mut errors, &e.to_string());
            continue;
        }
        let mut rotated = clients.clone();
        rotated.rotate_left(run % clients.len());
        for client in rotated {
            let spec = client_spec(client, plan);
            let log = plan.log_dir.join(format!("gw-{}.log", client.name()));
            let start = || ClientProcess::start(&spec, &serve, &log);
            let mut process = match start() {
                Ok(p) => Some(p),
                Err(e) => {
                    for (si, _) in order.iter().enumerate().filter(|(_, (k, _))| *k == client) {
                        errors[si].push(format!("run {}: cannot start the client: {e}", run + 1));
                    }
                    say(started, &format!("{} client: FAILED: {e}", client.name()));
                    continue;
                }
            };
            if let Some(p) = &process {
                details.insert(client.name(), p.ready.detail.clone());
            }
            for (si, &(_, op)) in order.iter().enumerate().filter(|(_, (k, _))| *k == client) {
                let sizes = gateway_sizes(op, options);
                for (ci, &c) in concurrency.iter().enumerate() {
                    settle(runtime, started, options);
                    let prefix = format!("{}-r{}-c{c}", client.name(), run + 1);
                    let label = gw::label(client, op);
                    let Some(running) = process.as_mut() else {
                        errors[si].push(format!(
                            "run {} at C = {c}: the client is not running",
                            run + 1
                        ));
                        continue;
                    };
                    match measure_client(running, &serve, op, c, &sizes, &prefix) {
                        Ok(p) => {
                            say(
                                started,
                                &format!(
                                    "run {}/{} {:<22} C={:<3} {:>7.0} calls/s  p50 {:>6.3} ms  p99 {:>6.3} ms  client {:>6.1} µs/call  serve {:>6.1}  chaincode {:>5.1}  others {:.0}%",
                                    run + 1,
                                    options.runs,
                                    label,
                                    c,
                                    p.throughput,
                                    p.p50_ms,
                                    p.p99_ms,
                                    p.client_cpu_us,
                                    p.serve_cpu_us,
                                    p.chaincode_cpu_us.unwrap_or(f64::NAN),
                                    p.others_cpu_pct
                                ),
                            );
                            points[si][ci].push(p);
                        }
                        Err(e) => {
                            say(started, &format!("{label} C={c}: FAILED: {e}"));
                            errors[si].push(format!("run {} at C = {c}: {e}", run + 1));
                            // Whatever state it is in, start the client afresh.
                            drop(process.take());
                            process = match start() {
                                Ok(p) => Some(p),
                                Err(e) => {
                                    errors[si].push(format!(
                                        "run {}: cannot restart the client: {e}",
                                        run + 1
                                    ));
                                    None
                                }
                            };
                        }
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&data_root);
    let sizes = |op: Op| {
        let s = gateway_sizes(op, options);
        format!(
            "{} warm-up calls at the same C ({} at C = 1), then N = the warm-up's throughput × {} s, \
             between {} and {} ({} at C = 1)",
            s.warmup,
            s.warmup_at(1),
            s.seconds,
            s.min_n,
            s.n,
            s.n_sequential
        )
    };
    Ok(GatewaySection {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        server: format!(
            "`fabric-dev-peer serve` (release build) in **plaintext** (no TLS: the benchmark \
             compares clients over the same transport; TLS would add the same record layer to \
             each), one organization (`Org1MSP`), hosting `asset-transfer-basic` (release build) \
             as chaincode `basic`, its ledger (redb, a block per submitted transaction) in {}",
            if shm.is_dir() {
                "a tmpfs (`/dev/shm`), so that no fsync is measured"
            } else {
                "`target/bench-gateway`"
            }
        ),
        clients: if details.is_empty() {
            String::new()
        } else {
            format!(
                "Clients: {}.",
                details
                    .iter()
                    .map(|(k, v)| format!("`{k}`: {v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
        sizes: format!(
            "evaluate: {}; submit: {}",
            sizes(Op::Evaluate),
            sizes(Op::Submit)
        ),
        runs: options.runs,
        notes: Vec::new(),
        series: gw::aggregate(&order, &points, &errors),
    })
}

/// Runs the criterion micro-benchmarks briefly and reads their means.
fn micro(workspace: &Path, target: &Path) -> Result<Vec<Micro>, String> {
    let home = target.join("criterion");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .env("CRITERION_HOME", &home)
        .args([
            "bench",
            "-p",
            "fabric-bench",
            "--bench",
            "micro",
            "--",
            "--warm-up-time",
            "1",
            "--measurement-time",
            "2",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    if !status.success() {
        return Err("`cargo bench -p fabric-bench --bench micro` failed".into());
    }
    let mut found = BTreeMap::new();
    collect_estimates(&home, &mut found);
    Ok(found
        .into_iter()
        .map(|(name, mean_ns)| Micro { name, mean_ns })
        .collect())
}

fn collect_estimates(dir: &Path, found: &mut BTreeMap<String, f64>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let read = |name: &str| {
            std::fs::read_to_string(path.join("new").join(name))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        };
        let (Some(bench), Some(estimates)) = (read("benchmark.json"), read("estimates.json"))
        else {
            collect_estimates(&path, found);
            continue;
        };
        let id = bench["full_id"].as_str().unwrap_or_default();
        let mean = estimates["mean"]["point_estimate"].as_f64();
        if let Some(mean) = mean.filter(|_| MICRO_GROUPS.iter().any(|g| id.starts_with(g))) {
            found.insert(id.to_owned(), mean);
        }
    }
}

/// The groups of `benches/micro.rs`.
const MICRO_GROUPS: [&str; 6] = [
    "message/",
    "session/",
    "codec/",
    "metadata/",
    "keys/",
    "client/",
];

fn environment(started: Instant, options: &Options) -> Environment {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mut command = "cargo run --release -p fabric-bench --bin compare".to_owned();
    let extra: Vec<String> = std::env::args().skip(1).collect();
    if !extra.is_empty() {
        command.push_str(" -- ");
        command.push_str(&extra.join(" "));
    }
    let sizes = |s: Sizes| {
        let s = if options.quick { s.quick() } else { s };
        format!(
            "{} warm-up transactions at the same C ({} at C = 1), then N = the warm-up's \
             throughput × {} s, between {} and {} ({} at C = 1) — the N of every point is in its table",
            s.warmup,
            s.warmup / 2,
            s.seconds,
            s.min_n,
            s.n,
            s.n_sequential
        )
    };
    Environment {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        cpu: format!("{cpu}, {cores} cores"),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        rustc: command_output("rustc", &["--version"]).unwrap_or_default(),
        node: String::new(),
        runs: options.runs,
        sizes: format!(
            "Rust chaincodes and ping-pong: {}; Node: {}",
            sizes(RUST_SIZES),
            sizes(NODE_SIZES)
        ),
        notes: Vec::new(),
        seconds: started.elapsed().as_secs_f64(),
        command,
    }
}

/// Writes `results.json`, `REPORT.md`, `throughput.svg` and (optionally) the
/// README's summary table.
fn write_outputs(
    saved: &Saved,
    out_dir: &Path,
    bench_dir: &Path,
    update_readme: bool,
) -> Result<(), String> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let json = serde_json::to_string_pretty(saved).map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("results.json", &json)?;
    let analysis = std::fs::read_to_string(bench_dir.join("ANALYSIS.md")).ok();
    let md = report::markdown(
        &saved.environment,
        &saved.subjects,
        &saved.micro,
        saved.gateway.as_ref(),
        analysis.as_deref(),
    );
    write("REPORT.md", &md)?;
    report::plot(&saved.subjects, &out_dir.join("throughput.svg")).map_err(|e| e.to_string())?;
    if update_readme {
        let readme = bench_dir.join("README.md");
        if let Ok(doc) = std::fs::read_to_string(&readme) {
            let table = format!(
                "{}\n_From [`report/REPORT.md`](report/REPORT.md), {}._\n",
                report::summary_table(&saved.subjects),
                saved.environment.date
            );
            let mut updated = report::replace_section(&doc, "summary", &table);
            if let Some(section) = &saved.gateway {
                let date = if section.date.is_empty() {
                    &saved.environment.date
                } else {
                    &section.date
                };
                let table = format!(
                    "{}\n_From [`report/REPORT.md`](report/REPORT.md), {date}._\n",
                    gw::report::summary_table(section),
                );
                let doc = updated.clone().unwrap_or(doc);
                updated = report::replace_section(&doc, "gateway", &table).or(updated);
            }
            if let Some(updated) = updated {
                std::fs::write(&readme, updated)
                    .map_err(|e| format!("cannot write {}: {e}", readme.display()))?;
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let bench_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = bench_dir.parent().unwrap_or(&bench_dir).to_path_buf();
    let exe = std::env::current_exe().expect("the path of this program");
    let bin_dir = exe.parent().expect("a directory").to_path_buf();
    let target_dir = bin_dir.parent().unwrap_or(&bin_dir).to_path_buf();
    let out_dir = options.out.clone().unwrap_or_else(|| {
        if options.quick {
            target_dir.join("bench-quick")
        } else {
            bench_dir.join("report")
        }
    });
    if options.report_only {
        let path = out_dir.join("results.json");
        let saved: Saved = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(saved) => saved,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let update_readme = !options.quick && options.out.is_none();
        return match write_outputs(&saved, &out_dir, &bench_dir, update_readme) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut notes = Vec::new();

    if !options.skip_build {
        say(
            started,
            "building the chaincode, peer and client binaries (release)",
        );
        build(&workspace, !options.skip_gateway, &mut notes);
    }
    let node_dir = bench_dir.join("node");
    let node = if options.skip_node {
        notes.push("The Node chaincodes were skipped (`--skip-node`): no Node ratios.".into());
        None
    } else {
        say(started, "installing the Node chaincodes (npm install)");
        match install_node(&node_dir) {
            Ok(versions) => Some(versions),
            Err(e) => {
                notes.push(format!(
                    "The Node comparators could not be installed, so there are no Node ratios: {e}"
                ));
                None
            }
        }
    };

    let mut list = subjects(&bin_dir, &node_dir, node.is_some());
    if let Some(only) = &options.only {
        list.retain(|s| only.contains(&s.label));
    }
    list.retain(|s| {
        let present = s.group == Group::Node || s.program.exists();
        if !present {
            notes.push(format!(
                "`{}` is missing ({}), not measured.",
                s.label,
                s.program.display()
            ));
        }
        present
    });
    for s in &mut list {
        if options.quick {
            s.sizes = s.sizes.quick();
        }
        if let Some(n) = options.n {
            s.sizes.n = n;
            s.sizes.n_sequential = n;
            s.sizes.min_n = n;
        }
    }
    let concurrency = options
        .concurrency
        .clone()
        .unwrap_or_else(|| CONCURRENCY.to_vec());

    let log_dir = target_dir.join("bench-logs");
    let _ = std::fs::remove_dir_all(&log_dir);
    if let Err(e) = std::fs::create_dir_all(&log_dir) {
        eprintln!("cannot create {}: {e}", log_dir.display());
        return ExitCode::FAILURE;
    }
    let proposal = match creator() {
        Ok(c) => signed_proposal(c, "bench"),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // points[subject][c] = runs. Within a run, each concurrency visits every
    // chaincode in turn, starting one further along the list each run: the
    // points whose ratios the targets take (a chaincode against the
    // ping-pong at the same C) are measured seconds apart rather than
    // minutes, so that a slow spell of a shared machine falls on both sides
    // of a ratio, and no chaincode always follows the same one.
    let mut points: Vec<Vec<Vec<Point>>> = vec![vec![Vec::new(); concurrency.len()]; list.len()];
    let mut errors: Vec<Vec<String>> = vec![Vec::new(); list.len()];
    for run in 0..options.runs {
        for (ci, &c) in concurrency.iter().enumerate() {
            for k in 0..list.len() {
                let si = (k + run) % list.len();
                let subject = &list[si];
                let log = log_dir.join(format!("{}.log", subject.label));
                settle(&runtime, started, &options);
                let result = runtime.block_on(measure(subject, c, &proposal, &log));
                match result {
                    Ok(p) => {
                        say(
                            started,
                            &format!(
                                "run {}/{} {:<22} C={:<3} {:>8.0} tx/s  p50 {:>6.3} ms  p99 {:>6.3} ms  cpu {:>6.1} µs/tx  drv {:>5.1}  rss {:.1}/{:.1} MiB  ready {:.1} ms  others {:.0}%",
                                run + 1,
                                options.runs,
                                subject.label,
                                c,
                                p.throughput,
                                p.p50_ms,
                                p.p99_ms,
                                p.cpu_us_per_tx,
                                p.driver_cpu_us_per_tx,
                                p.rss_idle_kib as f64 / 1024.0,
                                p.hwm_kib as f64 / 1024.0,
                                p.ready_ms,
                                p.others_cpu_pct
                            ),
                        );
                        points[si][ci].push(p);
                    }
                    Err(e) => {
                        say(started, &format!("{} C={c}: FAILED: {e}", subject.label));
                        errors[si].push(format!("run {} at C = {c}: {e}", run + 1));
                    }
                }
            }
        }
    }

    let results: Vec<SubjectResult> = list
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let all: Vec<Point> = points[si].iter().flatten().copied().collect();
            SubjectResult {
                label: s.label.clone(),
                description: s.description.clone(),
                group: s.group,
                points: points[si]
                    .iter()
                    .filter(|runs| !runs.is_empty())
                    .map(|runs| median_point(runs))
                    .collect(),
                ready_ms: median(&all.iter().map(|p| p.ready_ms).collect::<Vec<_>>()),
                register_ms: median(&all.iter().map(|p| p.register_ms).collect::<Vec<_>>()),
                rss_idle_kib: median(
                    &all.iter()
                        .map(|p| p.rss_idle_kib as f64)
                        .collect::<Vec<_>>(),
                ) as u64,
                errors: errors[si].clone(),
            }
        })
        .collect();

    let gateway = if options.skip_gateway {
        notes.push("The Gateway clients were skipped (`--skip-gateway`).".into());
        None
    } else {
        say(started, "Gateway clients through fabric-dev-peer serve");
        let plan = GatewayPlan {
            bin_dir: &bin_dir,
            node_dir: &node_dir,
            target_dir: &target_dir,
            log_dir: &log_dir,
            node: node.is_some(),
            options: &options,
        };
        match measure_gateway(&plan, &runtime, started) {
            Ok(section) => Some(section),
            Err(e) if options.only.is_some() && e.starts_with("no client series") => None,
            Err(e) => {
                say(started, &format!("Gateway clients: FAILED: {e}"));
                notes.push(format!("The Gateway clients were not measured: {e}"));
                Some(GatewaySection {
                    notes: vec![format!("Not measured: {e}")],
                    runs: options.runs,
                    ..GatewaySection::default()
                })
            }
        }
    };

    let micro = if options.skip_micro {
        Vec::new()
    } else {
        say(started, "micro-benchmarks (cargo bench, brief)");
        match micro(&workspace, &target_dir) {
            Ok(m) => m,
            Err(e) => {
                notes.push(format!("Micro-benchmarks: {e}"));
                Vec::new()
            }
        }
    };

    let mut env = environment(started, &options);
    env.node = node.unwrap_or_else(|| "Node comparators not run".into());
    env.notes = notes;
    let saved = Saved {
        environment: env,
        subjects: results,
        micro,
        gateway,
    };
    let update_readme = !options.quick && options.out.is_none();
    if let Err(e) = write_outputs(&saved, &out_dir, &bench_dir, update_readme) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    say(
        started,
        &format!("wrote {}", out_dir.join("REPORT.md").display()),
    );
    eprintln!("\n{}", report::summary_table(&saved.subjects));
    let mut failed = saved.subjects.iter().any(|r| !r.errors.is_empty());
    if let Some(section) = &saved.gateway {
        eprintln!("{}", gw::report::summary_table(section));
        for v in gw::report::verdicts(section) {
            let mark = match v.pass {
                Some(true) => "PASS",
                Some(false) => "MISS",
                None => "–",
            };
            eprintln!(
                "{mark:<4}  {} at C = {}: {}",
                v.target, v.concurrency, v.value
            );
        }
        failed |= section.series.is_empty() || section.series.iter().any(|s| !s.errors.is_empty());
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
