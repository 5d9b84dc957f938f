//! Measuring one point: spawn a chaincode process, wait for its REGISTER,
//! send READY, let it idle, warm it up, then run N transactions at
//! concurrency C and read its CPU time and memory from `/proc`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fabric_chaincode_shim::proto::protos::{ChaincodeAdditionalParams, SignedProposal};

use fabric_dev_peer::Connection;

use crate::driver::{Driver, Listener, Load};
use crate::procfs;
use crate::stats::median;
use crate::{BenchError, Result, fail};

/// What a chaincode under test is written with; the report compares the groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Group {
    /// The transport's limit (raw tonic ping-pong).
    Baseline,
    /// This workspace's shim or contract API.
    Ours,
    /// Hyperledger's Node `fabric-shim` / `fabric-contract-api`.
    Node,
}

/// How many transactions a point runs.
///
/// The warm-up's throughput sizes the measured run: N = throughput ×
/// `seconds`, between `min_n` and the maximum (`n`, or `n_sequential` at
/// C = 1), so that a slow chaincode does not take minutes and a fast one
/// runs long enough for `/proc`'s 10 ms CPU ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Maximum N at C ≥ 16.
    pub n: usize,
    /// Maximum N at C = 1.
    pub n_sequential: usize,
    /// Minimum N.
    pub min_n: usize,
    /// Warm-up transactions at C ≥ 16 (half at C = 1), not measured.
    pub warmup: usize,
    /// Target duration of the measured run.
    pub seconds: f64,
}

impl Sizes {
    /// The warm-up at concurrency `c`.
    pub fn warmup_at(&self, c: usize) -> usize {
        if c <= 1 { self.warmup / 2 } else { self.warmup }
    }

    /// N at concurrency `c`, after a warm-up that ran at `throughput` tx/s
    /// (`None`: no warm-up, the maximum).
    pub fn n_at(&self, c: usize, throughput: Option<f64>) -> usize {
        let max = if c <= 1 { self.n_sequential } else { self.n };
        match throughput {
            Some(t) if t.is_finite() => {
                ((t * self.seconds) as usize).clamp(self.min_n.min(max), max)
            }
            _ => max,
        }
    }

    /// A tenth of every size and of the duration: smoke runs.
    pub fn quick(self) -> Sizes {
        Sizes {
            n: (self.n / 10).max(50),
            n_sequential: (self.n_sequential / 10).max(50),
            min_n: (self.min_n / 10).max(50),
            warmup: (self.warmup / 10).max(50),
            seconds: self.seconds / 10.0,
        }
    }
}

/// A chaincode under test and how to start it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Short name in the report, e.g. `rust-shim`.
    pub label: String,
    /// What it is, in words.
    pub description: String,
    /// Which group it belongs to.
    pub group: Group,
    /// The program to spawn.
    pub program: PathBuf,
    /// Arguments before `--peer.address`.
    pub args: Vec<String>,
    /// Working directory, if not the current one.
    pub cwd: Option<PathBuf>,
    /// `args[0]` of the transactions.
    pub function: String,
    /// What READY offers.
    pub params: ChaincodeAdditionalParams,
    /// Transactions per point.
    pub sizes: Sizes,
    /// How long the process may take to send REGISTER.
    pub startup_limit: Duration,
    /// Who dials whom.
    pub mode: ConnectMode,
    /// Environment on top of the peer's defaults.
    pub env: Vec<(String, String)>,
}

/// Fabric's two connection modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnectMode {
    /// The chaincode dials the peer (`--peer.address`).
    #[default]
    Dial,
    /// Chaincode-as-a-service: the chaincode listens on
    /// `CHAINCODE_SERVER_ADDRESS` and the peer dials it
    /// ([`fabric_dev_peer::dial_chaincode`]).
    Serve,
}

/// One measured run of one subject at one concurrency.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// C.
    pub concurrency: usize,
    /// N.
    pub transactions: usize,
    /// Transactions per second.
    pub throughput: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// The chaincode process's CPU time (user + system, every thread) per transaction, µs.
    pub cpu_us_per_tx: f64,
    /// The driver's own CPU time per transaction, µs (to see who was the bottleneck).
    pub driver_cpu_us_per_tx: f64,
    /// CPU used by every other process of the machine during the measured
    /// transactions, in % of one core: a quiet machine shows a few %.
    pub others_cpu_pct: f64,
    /// VmRSS after READY, before any load, KiB.
    pub rss_idle_kib: u64,
    /// VmRSS at the end of the load, KiB.
    pub rss_loaded_kib: u64,
    /// VmHWM at the end of the load, KiB.
    pub hwm_kib: u64,
    /// Spawn → REGISTER received, ms.
    pub register_ms: f64,
    /// Spawn → READY sent, ms.
    pub ready_ms: f64,
}

/// How long the process idles after READY before its idle RSS is read.
const SETTLE: Duration = Duration::from_millis(200);

/// Kills the chaincode process when the measurement ends, however it ends.
/// A process run under [`WRAP`] gets SIGTERM first and up to a minute to
/// exit, so that the wrapper (valgrind) writes what it measured.
struct Process(Child, bool);

impl Drop for Process {
    fn drop(&mut self) {
        if self.1 {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(60);
            while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The environment variable naming a command that runs every chaincode
/// process, its program and arguments appended: for instance
/// `valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p.out` counts
/// the instructions each one executes (see `bench/ANALYSIS.md` §7).
pub const WRAP: &str = "FABRIC_BENCH_WRAP";

/// The command that starts `program`: under [`WRAP`]'s command if it is set.
fn command_for(program: &std::path::Path) -> (Command, bool) {
    let wrap = std::env::var(WRAP).unwrap_or_default();
    let mut words = wrap.split_whitespace();
    match words.next() {
        Some(first) => {
            let mut command = Command::new(first);
            command.args(words).arg(program);
            (command, true)
        }
        None => (Command::new(program), false),
    }
}

/// Starts `subject`, runs one point at concurrency `c`: a warm-up, then N
/// measured transactions as `subject.sizes` says.
///
/// The process's output goes to `log` (appended). Every transaction carries
/// `proposal`.
pub async fn measure(
    subject: &Subject,
    c: usize,
    proposal: &SignedProposal,
    log: &std::path::Path,
) -> Result<Point> {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| BenchError(format!("{}: {e}", log.display())))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| BenchError(format!("{}: {e}", log.display())))?;
    let (mut command, wrapped) = command_for(&subject.program);
    command
        .args(&subject.args)
        .env("CORE_CHAINCODE_ID_NAME", "bench:1")
        .env("CORE_PEER_TLS_ENABLED", "false")
        // What a peer passes to the chaincodes it launches (core.yaml
        // `chaincode.logging`: level info, shim warning).
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "info")
        .env("CORE_CHAINCODE_LOGGING_SHIM", "warning")
        .envs(subject.env.iter().map(|(k, v)| (k, v)))
        .env_remove("CHAINCODE_SERVER_ADDRESS")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err);
    if let Some(dir) = &subject.cwd {
        command.current_dir(dir);
    }
    // The listener lives as long as the measurement: dropping it stops its server.
    let (process, spawned_at, connection, _listener) = match subject.mode {
        ConnectMode::Dial => {
            let mut listener = Listener::bind().await?;
            command
                .arg("--peer.address")
                .arg(listener.address().to_string())
                .arg("--chaincode-id-name")
                .arg("bench:1");
            let (process, spawned_at) = spawn(&mut command, subject, wrapped)?;
            let connection = listener.accept(subject.startup_limit).await?;
            (process, spawned_at, connection, Some(listener))
        }
        ConnectMode::Serve => {
            let address = free_address()?;
            command
                .env("CHAINCODE_SERVER_ADDRESS", &address)
                .env("CHAINCODE_ID", "bench:1")
                .env("CHAINCODE_TLS_DISABLED", "true");
            let (process, spawned_at) = spawn(&mut command, subject, wrapped)?;
            let connection = dial(&address, spawned_at + subject.startup_limit).await?;
            (process, spawned_at, connection, None)
        }
    };
    let pid = process.0.id();
    let (driver, handshake) =
        Driver::handshake(connection, &subject.params, subject.startup_limit).await?;
    let mut driver = driver.with_proposal(proposal.clone());
    let register_ms = handshake
        .register_at
        .duration_since(spawned_at)
        .as_secs_f64()
        * 1e3;
    let ready_ms = handshake.ready_at.duration_since(spawned_at).as_secs_f64() * 1e3;

    tokio::time::sleep(SETTLE).await;
    let idle = procfs::memory(pid)?;

    let load = |transactions| Load {
        function: subject.function.clone(),
        transactions,
        concurrency: c,
        timeout: Duration::from_secs(180),
    };
    let warmup = subject.sizes.warmup_at(c);
    let mut warm_throughput = None;
    if warmup > 0 {
        let warm = driver
            .run(&load(warmup))
            .await
            .map_err(|e| BenchError(format!("warm-up: {e}")))?;
        warm_throughput = Some(warm.throughput());
    }
    let n = subject.sizes.n_at(c, warm_throughput);
    let me = std::process::id();
    let cpu_before = procfs::cpu_seconds(pid)?;
    let driver_before = procfs::cpu_seconds(me)?;
    let machine_before = procfs::machine_busy_seconds()?;
    let result = driver.run(&load(n)).await?;
    let cpu_after = procfs::cpu_seconds(pid)?;
    let driver_after = procfs::cpu_seconds(me)?;
    let machine_after = procfs::machine_busy_seconds()?;
    let others = (machine_after - machine_before)
        - (cpu_after - cpu_before)
        - (driver_after - driver_before);
    let loaded = procfs::memory(pid)?;
    drop(driver);
    drop(process);

    let per_tx = |seconds: f64| seconds * 1e6 / n as f64;
    Ok(Point {
        concurrency: c,
        transactions: n,
        throughput: result.throughput(),
        p50_ms: result.latency_ms(0.5),
        p99_ms: result.latency_ms(0.99),
        cpu_us_per_tx: per_tx(cpu_after - cpu_before),
        driver_cpu_us_per_tx: per_tx(driver_after - driver_before),
        others_cpu_pct: (others.max(0.0) / result.elapsed.as_secs_f64() * 100.0),
        rss_idle_kib: idle.rss_kib,
        rss_loaded_kib: loaded.rss_kib,
        hwm_kib: loaded.hwm_kib,
        register_ms,
        ready_ms,
    })
}

/// Waits until the rest of the machine is quiet: other processes use less
/// than `max_pct` % of one core over 300 ms. Gives up after `limit` and
/// returns the last load seen (in % of one core).
pub async fn wait_for_quiet(max_pct: f64, limit: Duration) -> f64 {
    let deadline = Instant::now() + limit;
    loop {
        let busy = async {
            let a = procfs::machine_busy_seconds().ok()?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let b = procfs::machine_busy_seconds().ok()?;
            Some((b - a) / 0.3 * 100.0)
        }
        .await
        .unwrap_or(0.0);
        if busy < max_pct || Instant::now() >= deadline {
            return busy;
        }
    }
}

fn spawn(command: &mut Command, subject: &Subject, wrapped: bool) -> Result<(Process, Instant)> {
    let spawned_at = Instant::now();
    match command.spawn() {
        Ok(child) => Ok((Process(child, wrapped), spawned_at)),
        Err(e) => fail(&format!("cannot start {}", subject.program.display()), e),
    }
}

/// A loopback address with a port that was free a moment ago.
fn free_address() -> Result<String> {
    let socket = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| BenchError(format!("cannot find a free port: {e}")))?;
    let address = socket
        .local_addr()
        .map_err(|e| BenchError(format!("cannot find a free port: {e}")))?;
    Ok(address.to_string())
}

/// Dials a chaincode server as the peer does, until it listens or `deadline` passes.
async fn dial(address: &str, deadline: Instant) -> Result<Connection> {
    loop {
        match fabric_dev_peer::dial_chaincode(address, None).await {
            Ok(connection) => return Ok(connection),
            Err(e) if Instant::now() >= deadline => {
                return fail(
                    &format!("cannot reach the chaincode server at {address}"),
                    e,
                );
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

/// The median of each figure of several runs of one point.
pub fn median_point(points: &[Point]) -> Point {
    let m = |f: fn(&Point) -> f64| median(&points.iter().map(f).collect::<Vec<_>>());
    let first = points.first().copied().unwrap_or_default();
    Point {
        concurrency: first.concurrency,
        transactions: m(|p| p.transactions as f64) as usize,
        throughput: m(|p| p.throughput),
        p50_ms: m(|p| p.p50_ms),
        p99_ms: m(|p| p.p99_ms),
        cpu_us_per_tx: m(|p| p.cpu_us_per_tx),
        driver_cpu_us_per_tx: m(|p| p.driver_cpu_us_per_tx),
        others_cpu_pct: m(|p| p.others_cpu_pct),
        rss_idle_kib: m(|p| p.rss_idle_kib as f64) as u64,
        rss_loaded_kib: m(|p| p.rss_loaded_kib as f64) as u64,
        hwm_kib: m(|p| p.hwm_kib as f64) as u64,
        register_ms: m(|p| p.register_ms),
        ready_ms: m(|p| p.ready_ms),
    }
}
