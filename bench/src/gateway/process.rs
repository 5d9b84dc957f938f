//! The processes of the client section: `fabric-dev-peer serve` hosting the
//! chaincode, and one client process at a time, driven over the line
//! protocol of [`super`]; measuring one point.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::{
    CHAINCODE, Command, EVALUATE_ASSET, GwPoint, LatencyReply, MSP_ID, Op, Ready, RunReply,
    parse_reply,
};
use crate::procfs;
use crate::runner::Sizes;
use crate::{BenchError, Result, fail};

/// Lines of a child's stdout, read by a thread so that waiting can time out.
struct Lines {
    rx: Receiver<String>,
}

impl Lines {
    fn new(out: impl std::io::Read + Send + 'static) -> Lines {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx }
    }

    /// The next line; `Ok(None)` at end of output.
    fn next(&self, timeout: Duration) -> Result<Option<String>> {
        match self.rx.recv_timeout(timeout) {
            Ok(line) => Ok(Some(line)),
            Err(RecvTimeoutError::Disconnected) => Ok(None),
            Err(RecvTimeoutError::Timeout) => Err(BenchError(format!(
                "no answer within {} s",
                timeout.as_secs()
            ))),
        }
    }
}

/// The last lines of a log file, for error messages.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(5).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" / ")
}

/// Asks a process to stop (SIGTERM, through `kill`, since this crate has no
/// `unsafe`), waits up to `grace`, then kills it.
fn stop(child: &mut Child, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Process::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A running `fabric-dev-peer serve` with the `asset-transfer-basic`
/// chaincode; stopped (and its data directory removed) when dropped.
pub struct Serve {
    child: Child,
    /// The Gateway's `host:port` (plaintext).
    pub endpoint: String,
    /// The MSP folder of `User1@org1.example.com`.
    pub user_msp: PathBuf,
    /// `serve`'s pid.
    pub pid: u32,
    /// The chaincode process `serve` started, if found.
    pub chaincode_pid: Option<u32>,
    data_dir: PathBuf,
}

impl Serve {
    /// Starts `program serve` (plaintext, free loopback ports) with
    /// `chaincode` as `basic`, in a fresh `data_dir`; its output goes to `log`.
    ///
    /// # Errors
    /// If it does not start or does not say it is ready within 60 s.
    pub fn start(program: &Path, chaincode: &Path, data_dir: &Path, log: &Path) -> Result<Serve> {
        let _ = std::fs::remove_dir_all(data_dir);
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| BenchError(format!("{}: {e}", log.display())))?;
        let mut command = Process::new(program);
        command
            .arg("--data-dir")
            .arg(data_dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--chaincode-listen",
                "127.0.0.1:0",
            ])
            .arg("--chaincode")
            .arg(format!("{CHAINCODE}={}", chaincode.display()))
            // serve's own defaults: warnings only, for serve and the chaincode.
            .env_remove("RUST_LOG")
            .env_remove("CORE_CHAINCODE_LOGGING_LEVEL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return fail(&format!("cannot start {}", program.display()), e),
        };
        let pid = child.id();
        let lines = Lines::new(child.stdout.take().expect("piped"));
        let mut endpoint = None;
        let mut crypto_path = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.next(left.max(Duration::from_millis(1))) {
                Ok(Some(line)) => {
                    if let Some(rest) = line.strip_prefix("Fabric Gateway: ") {
                        endpoint = rest.split_whitespace().next().map(str::to_owned);
                    }
                    if let Some(rest) =
                        line.strip_prefix("fabric-samples gateway apps: CRYPTO_PATH=")
                    {
                        crypto_path = rest.split_whitespace().next().map(PathBuf::from);
                    }
                    if line.starts_with("Ready.") {
                        break Ok(());
                    }
                }
                Ok(None) => break Err(format!("serve exited: {}", log_tail(log))),
                Err(e) => break Err(format!("serve did not become ready: {e}")),
            }
        };
        let mut serve = Serve {
            child,
            endpoint: endpoint.unwrap_or_default(),
            user_msp: crypto_path
                .unwrap_or_default()
                .join("users")
                .join("User1@org1.example.com")
                .join("msp"),
            pid,
            chaincode_pid: None,
            data_dir: data_dir.to_path_buf(),
        };
        ready.map_err(BenchError)?;
        if serve.endpoint.is_empty() || !serve.user_msp.is_dir() {
            return Err(BenchError(format!(
                "serve did not print its endpoint and CRYPTO_PATH (endpoint {:?}, user MSP {})",
                serve.endpoint,
                serve.user_msp.display()
            )));
        }
        // Keep reading its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.rx.iter() {});
        serve.chaincode_pid = procfs::children(pid).into_iter().next();
        Ok(serve)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        stop(&mut self.child, Duration::from_secs(5));
        if let Some(pid) = self.chaincode_pid
            && procfs::cpu_ticks(pid).is_ok()
            && procfs::parent(pid) == Some(self.pid)
        {
            let _ = Process::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Runs `InitLedger` through our client and checks that `ReadAsset asset1`
/// answers, so that every client starts from the same ledger.
///
/// # Errors
/// If either call fails.
pub async fn init_ledger(serve: &Serve) -> Result<()> {
    use fabric_gateway_client::{Gateway, NO_ARGS, PeerEndpoint, msp};
    let (identity, signer) =
        msp::load(&serve.user_msp, MSP_ID).map_err(|e| BenchError(e.to_string()))?;
    let gateway = Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(PeerEndpoint::new(serve.endpoint.clone()))
        .commit_status_timeout(Duration::from_secs(60))
        .connect()
        .await
        .map_err(|e| BenchError(format!("cannot connect to serve: {e}")))?;
    let contract = gateway.network(super::CHANNEL).contract(CHAINCODE);
    contract
        .submit_transaction("InitLedger", NO_ARGS)
        .await
        .map_err(|e| BenchError(format!("InitLedger: {e}")))?;
    let asset = contract
        .evaluate_transaction("ReadAsset", [EVALUATE_ASSET])
        .await
        .map_err(|e| BenchError(format!("ReadAsset {EVALUATE_ASSET}: {e}")))?;
    if asset.is_empty() {
        return Err(BenchError(format!(
            "ReadAsset {EVALUATE_ASSET} returned nothing"
        )));
    }
    Ok(())
}

/// How to start a client process.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// The program (`gw-client` or `node`).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Working directory, if not the current one.
    pub cwd: Option<PathBuf>,
}

/// A running client, driven over the line protocol; killed when dropped.
pub struct ClientProcess {
    child: Child,
    stdin: ChildStdin,
    lines: Lines,
    log: PathBuf,
    /// The client's pid.
    pub pid: u32,
    /// What it said when ready.
    pub ready: Ready,
}

/// How long one `run` may take.
const RUN_LIMIT: Duration = Duration::from_secs(180);

impl ClientProcess {
    /// Starts a client against `serve` and waits until it is connected.
    /// The client is given the Gateway's address and the user's MSP folder
    /// in its environment (`PEER_ENDPOINT`, `MSP_DIR`, `MSP_ID`,
    /// `CHANNEL_NAME`, `CHAINCODE_NAME`); its stderr goes to `log`.
    ///
    /// # Errors
    /// If it does not start or does not say it is ready within 60 s.
    pub fn start(spec: &ClientSpec, serve: &Serve, log: &Path) -> Result<ClientProcess> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| BenchError(format!("{}: {e}", log.display())))?;
        let mut command = Process::new(&spec.program);
        command
            .args(&spec.args)
            .env("PEER_ENDPOINT", &serve.endpoint)
            .env("MSP_DIR", &serve.user_msp)
            .env("MSP_ID", MSP_ID)
            .env("CHANNEL_NAME", super::CHANNEL)
            .env("CHAINCODE_NAME", CHAINCODE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file);
        if let Some(dir) = &spec.cwd {
            command.current_dir(dir);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return fail(&format!("cannot start {}", spec.program.display()), e),
        };
        let pid = child.id();
        let stdin = child.stdin.take().expect("piped");
        let lines = Lines::new(child.stdout.take().expect("piped"));
        let mut client = ClientProcess {
            child,
            stdin,
            lines,
            log: log.to_path_buf(),
            pid,
            ready: Ready {
                ready: false,
                client: String::new(),
                detail: String::new(),
            },
        };
        let ready: Ready = parse_reply(&client.read(Duration::from_secs(60))?)?;
        if !ready.ready {
            return Err(BenchError(format!(
                "the client is not ready: {ready:?}; {}",
                log_tail(log)
            )));
        }
        client.ready = ready;
        Ok(client)
    }

    fn read(&self, timeout: Duration) -> Result<String> {
        match self.lines.next(timeout) {
            Ok(Some(line)) => Ok(line),
            Ok(None) => Err(BenchError(format!(
                "the client exited: {}",
                log_tail(&self.log)
            ))),
            Err(e) => Err(BenchError(format!("the client: {e}"))),
        }
    }

    fn send(&mut self, command: &Command) -> Result<()> {
        writeln!(self.stdin, "{}", command.line())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| {
                BenchError(format!(
                    "cannot write to the client ({e}): {}",
                    log_tail(&self.log)
                ))
            })
    }

    /// Sends `run` and waits for its answer, which must report every call
    /// successful.
    ///
    /// # Errors
    /// If the client fails or any call failed.
    pub fn run(
        &mut self,
        op: Op,
        concurrency: usize,
        calls: usize,
        prefix: &str,
    ) -> Result<RunReply> {
        self.send(&Command::Run {
            op,
            concurrency,
            calls,
            prefix: prefix.to_owned(),
        })?;
        let reply: RunReply = parse_reply(&self.read(RUN_LIMIT)?)?;
        reply.check(calls)?;
        Ok(reply)
    }

    /// The latencies of the last run.
    ///
    /// # Errors
    /// If the client fails.
    pub fn latencies(&mut self) -> Result<LatencyReply> {
        self.send(&Command::Latencies)?;
        parse_reply(&self.read(Duration::from_secs(60))?)
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        let _ = self.send(&Command::Quit);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds of the processes a point looks at.
struct CpuSample {
    client: f64,
    serve: f64,
    chaincode: Option<f64>,
    me: f64,
    machine: f64,
}

fn sample(client: u32, serve: &Serve) -> Result<CpuSample> {
    Ok(CpuSample {
        client: procfs::cpu_seconds(client)?,
        serve: procfs::cpu_seconds(serve.pid)?,
        chaincode: serve
            .chaincode_pid
            .and_then(|p| procfs::cpu_seconds(p).ok()),
        me: procfs::cpu_seconds(std::process::id())?,
        machine: procfs::machine_busy_seconds()?,
    })
}

/// Measures one point: a warm-up of `sizes.warmup_at(c)` calls at the same
/// C, then N calls (sized from the warm-up's throughput) with the CPU time
/// of the client, `serve` and the chaincode read around them. Submitted
/// asset ids start with `prefix`.
///
/// # Errors
/// If the client fails, or any call (warm-up included) failed.
pub fn measure(
    client: &mut ClientProcess,
    serve: &Serve,
    op: Op,
    c: usize,
    sizes: &Sizes,
    prefix: &str,
) -> Result<GwPoint> {
    let warmup = sizes.warmup_at(c);
    let mut warm_throughput = None;
    if warmup > 0 {
        let warm = client
            .run(op, c, warmup, &format!("{prefix}-w"))
            .map_err(|e| BenchError(format!("warm-up: {e}")))?;
        warm_throughput = Some(warm.throughput());
    }
    let n = sizes.n_at(c, warm_throughput);
    let before = sample(client.pid, serve)?;
    let started = Instant::now();
    let reply = client.run(op, c, n, &format!("{prefix}-m"))?;
    let wall = started.elapsed().as_secs_f64();
    let after = sample(client.pid, serve)?;
    let latencies = client.latencies()?;
    if latencies.latencies_ns.len() != n {
        return Err(BenchError(format!(
            "the client reported {} latencies for {n} calls",
            latencies.latencies_ns.len()
        )));
    }
    let (p50_ms, p99_ms) = latencies.p50_p99_ms();
    let memory = procfs::memory(client.pid)?;
    let per_call = |seconds: f64| seconds * 1e6 / n as f64;
    let client_cpu = after.client - before.client;
    let serve_cpu = after.serve - before.serve;
    let chaincode_cpu = match (before.chaincode, after.chaincode) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    let others = (after.machine - before.machine)
        - client_cpu
        - serve_cpu
        - chaincode_cpu.unwrap_or(0.0)
        - (after.me - before.me);
    Ok(GwPoint {
        concurrency: c,
        calls: n,
        throughput: reply.throughput(),
        p50_ms,
        p99_ms,
        client_cpu_us: per_call(client_cpu),
        serve_cpu_us: per_call(serve_cpu),
        chaincode_cpu_us: chaincode_cpu.map(per_call),
        others_cpu_pct: others.max(0.0) / wall * 100.0,
        client_hwm_kib: memory.hwm_kib,
    })
}
