//! The client-application section (issue 15): Gateway clients driving
//! `fabric-dev-peer serve`.
//!
//! Each client runs as its own process (`gw-client` for our Rust client and
//! the raw tonic baseline, `node/gateway.js` for the official Node client),
//! so that its CPU time can be read from `/proc/<pid>/stat` apart from the
//! server's. The benchmark drives it over a line protocol, the same for
//! every client:
//!
//! ```text
//! client → {"ready":true,"client":"rust"}            once connected
//! bench  → run evaluate 16 5000 rust-r1-c16-m         N calls, C in flight
//! client → {"calls":5000,"ok":5000,"failed":0,"elapsed_s":1.02,"error":null}
//! bench  → latencies
//! client → {"latencies_ns":[…]}                       of the last run, per call
//! bench  → quit
//! ```
//!
//! `evaluate` is `ReadAsset asset1`; `submit` is `CreateAsset <prefix>-<i>
//! blue 5 Tom 1300` with a fresh id per call, so that concurrent submits
//! never conflict and each one must commit VALID. The benchmark reads the
//! CPU time of the client, of `serve` and of the chaincode around the
//! measured `run`, and fails the point if any call failed.
//!
//! * [`process`]: starting `serve` and the client processes, measuring one point;
//! * [`report`]: the report's section and the targets.

pub mod process;
pub mod report;

use serde::{Deserialize, Serialize};

use crate::stats::{median, quantile_sorted};
use crate::{BenchError, Result};

/// The channel `serve` hosts (its default).
pub const CHANNEL: &str = "mychannel";
/// The chaincode name the benchmark gives `asset-transfer-basic`.
pub const CHAINCODE: &str = "basic";
/// The MSP id of the client identity (`serve`'s first organization).
pub const MSP_ID: &str = "Org1MSP";
/// The asset every evaluate reads (created by `InitLedger`).
pub const EVALUATE_ASSET: &str = "asset1";

/// Which Gateway call a point measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// `evaluate_transaction("ReadAsset", ["asset1"])`: Evaluate.
    Evaluate,
    /// `submit_transaction("CreateAsset", [fresh id, …])`: Endorse, Submit,
    /// then CommitStatus until the block is committed.
    Submit,
}

impl Op {
    /// The word on the protocol line and in labels.
    pub fn name(self) -> &'static str {
        match self {
            Op::Evaluate => "evaluate",
            Op::Submit => "submit",
        }
    }

    /// The inverse of [`name`](Self::name).
    pub fn parse(text: &str) -> Option<Op> {
        match text {
            "evaluate" => Some(Op::Evaluate),
            "submit" => Some(Op::Submit),
            _ => None,
        }
    }
}

/// Which client a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// The official Node client, `@hyperledger/fabric-gateway` (`node/gateway.js`).
    Node,
    /// Our client, `fabric-gateway-client` (`gw-client --mode rust`).
    Rust,
    /// A pre-built, pre-signed `EvaluateRequest` sent through the generated
    /// `GatewayClient` (`gw-client --mode raw`): the baseline.
    Raw,
    /// A fresh proposal per call, built by the client library's offline API
    /// and signed with the same key, sent through the generated
    /// `GatewayClient` (`gw-client --mode raw-signed`): the raw call plus
    /// building and signing, without the library's call path.
    RawSigned,
}

impl ClientKind {
    /// Short name: the `--mode` of `gw-client` and the start of labels.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Node => "node",
            ClientKind::Rust => "rust",
            ClientKind::Raw => "raw",
            ClientKind::RawSigned => "raw-signed",
        }
    }

    /// The inverse of [`name`](Self::name).
    pub fn parse(text: &str) -> Option<ClientKind> {
        [
            ClientKind::Node,
            ClientKind::Rust,
            ClientKind::Raw,
            ClientKind::RawSigned,
        ]
        .into_iter()
        .find(|k| k.name() == text)
    }

    /// The calls this client is measured on: the raw baselines evaluate only.
    pub fn ops(self) -> &'static [Op] {
        match self {
            ClientKind::Node | ClientKind::Rust => &[Op::Evaluate, Op::Submit],
            ClientKind::Raw | ClientKind::RawSigned => &[Op::Evaluate],
        }
    }
}

/// The label of a series, e.g. `rust-evaluate`.
pub fn label(client: ClientKind, op: Op) -> String {
    format!("{}-{}", client.name(), op.name())
}

/// One line of the benchmark to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `run <op> <C> <N> <prefix>`: N calls, C in flight; submitted asset ids
    /// are `<prefix>-<i>`.
    Run {
        /// The call.
        op: Op,
        /// Calls in flight.
        concurrency: usize,
        /// Calls in all.
        calls: usize,
        /// Unique per run: the start of every asset id created.
        prefix: String,
    },
    /// `latencies`: the latency of every call of the last run.
    Latencies,
    /// `quit`.
    Quit,
}

impl Command {
    /// Parses one line.
    ///
    /// # Errors
    /// A [`BenchError`] naming what is wrong with the line.
    pub fn parse(line: &str) -> Result<Command> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let positive = |w: &str, what: &str| {
            w.parse::<usize>()
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| BenchError(format!("{what} must be a positive number: {line:?}")))
        };
        match words.as_slice() {
            ["run", op, c, n, prefix] => Ok(Command::Run {
                op: Op::parse(op)
                    .ok_or_else(|| BenchError(format!("unknown call {op:?}: {line:?}")))?,
                concurrency: positive(c, "C")?,
                calls: positive(n, "N")?,
                prefix: (*prefix).to_owned(),
            }),
            ["latencies"] => Ok(Command::Latencies),
            ["quit"] => Ok(Command::Quit),
            _ => Err(BenchError(format!("unknown command {line:?}"))),
        }
    }

    /// The line (without its newline).
    pub fn line(&self) -> String {
        match self {
            Command::Run {
                op,
                concurrency,
                calls,
                prefix,
            } => format!("run {} {concurrency} {calls} {prefix}", op.name()),
            Command::Latencies => "latencies".into(),
            Command::Quit => "quit".into(),
        }
    }
}

/// A client's first line, once it is connected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    /// Always true.
    pub ready: bool,
    /// Which client (`node`, `rust`, `raw`, `raw-signed`).
    pub client: String,
    /// What it runs on, e.g. the tokio runtime or the Node version.
    #[serde(default)]
    pub detail: String,
}

/// A client's answer to `run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReply {
    /// Calls made.
    pub calls: usize,
    /// Calls that succeeded (evaluate: a non-empty result; submit: committed VALID).
    pub ok: usize,
    /// Calls that failed.
    pub failed: usize,
    /// First call started → last call ended, s.
    pub elapsed_s: f64,
    /// The first failure, in words.
    #[serde(default)]
    pub error: Option<String>,
}

impl RunReply {
    /// Calls per second.
    pub fn throughput(&self) -> f64 {
        if self.elapsed_s > 0.0 {
            self.calls as f64 / self.elapsed_s
        } else {
            0.0
        }
    }

    /// Every one of the `expected` calls succeeded.
    ///
    /// # Errors
    /// How many failed and why, or that the counts do not add up.
    pub fn check(&self, expected: usize) -> Result<()> {
        if self.failed > 0 {
            return Err(BenchError(format!(
                "{} of {} calls failed; first: {}",
                self.failed,
                self.calls,
                self.error.as_deref().unwrap_or("(no message)")
            )));
        }
        if self.calls != expected || self.ok != expected {
            return Err(BenchError(format!(
                "asked for {expected} calls, the client made {} and {} succeeded",
                self.calls, self.ok
            )));
        }
        if !(self.elapsed_s.is_finite() && self.elapsed_s > 0.0) {
            return Err(BenchError(format!(
                "the client reported an elapsed time of {} s",
                self.elapsed_s
            )));
        }
        Ok(())
    }
}

/// A client's answer to `latencies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyReply {
    /// Per call of the last run, ns, in any order.
    pub latencies_ns: Vec<u64>,
}

impl LatencyReply {
    /// Median and 99th percentile, ms.
    pub fn p50_p99_ms(&self) -> (f64, f64) {
        let mut sorted = self.latencies_ns.clone();
        sorted.sort_unstable();
        (
            quantile_sorted(&sorted, 0.5) / 1e6,
            quantile_sorted(&sorted, 0.99) / 1e6,
        )
    }
}

/// Parses one JSON line of a client.
///
/// # Errors
/// A [`BenchError`] quoting (the start of) the line.
pub fn parse_reply<T: serde::de::DeserializeOwned>(line: &str) -> Result<T> {
    serde_json::from_str(line.trim()).map_err(|e| {
        let shown: String = line.chars().take(200).collect();
        BenchError(format!(
            "unexpected answer from the client ({e}): {shown:?}"
        ))
    })
}

/// One measured point: a client, a call, a concurrency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GwPoint {
    /// C.
    pub concurrency: usize,
    /// N.
    pub calls: usize,
    /// Calls per second (from the client's clock).
    pub throughput: f64,
    /// Median latency of a call, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// The client process's CPU time (user + system, all threads) per call, µs.
    pub client_cpu_us: f64,
    /// `serve`'s CPU time per call, µs.
    pub serve_cpu_us: f64,
    /// The chaincode's CPU time per call, µs (`None` if its process was not found).
    #[serde(default)]
    pub chaincode_cpu_us: Option<f64>,
    /// Every other process during the measured calls, % of one core.
    pub others_cpu_pct: f64,
    /// The client's peak resident memory (`VmHWM`) after the point, KiB.
    pub client_hwm_kib: u64,
}

/// The median of each figure over several runs of one point.
pub fn median_gw_point(points: &[GwPoint]) -> GwPoint {
    let m = |f: fn(&GwPoint) -> f64| median(&points.iter().map(f).collect::<Vec<_>>());
    let first = points.first().copied().unwrap_or_default();
    GwPoint {
        concurrency: first.concurrency,
        calls: m(|p| p.calls as f64) as usize,
        throughput: m(|p| p.throughput),
        p50_ms: m(|p| p.p50_ms),
        p99_ms: m(|p| p.p99_ms),
        client_cpu_us: m(|p| p.client_cpu_us),
        serve_cpu_us: m(|p| p.serve_cpu_us),
        chaincode_cpu_us: {
            let known: Vec<f64> = points.iter().filter_map(|p| p.chaincode_cpu_us).collect();
            (!known.is_empty()).then(|| median(&known))
        },
        others_cpu_pct: m(|p| p.others_cpu_pct),
        client_hwm_kib: m(|p| p.client_hwm_kib as f64) as u64,
    }
}

/// One client on one call at every concurrency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GwSeries {
    /// The client.
    pub client: ClientKind,
    /// The call.
    pub op: Op,
    /// Median point per concurrency, in increasing C.
    pub points: Vec<GwPoint>,
    /// Runs that failed, with why.
    pub errors: Vec<String>,
}

impl GwSeries {
    /// `rust-evaluate` and the like.
    pub fn label(&self) -> String {
        label(self.client, self.op)
    }

    /// The point at concurrency `c`.
    pub fn at(&self, c: usize) -> Option<&GwPoint> {
        self.points.iter().find(|p| p.concurrency == c)
    }
}

/// Everything the client section measured, saved in `results.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GatewaySection {
    /// When the section was measured (UTC).
    #[serde(default)]
    pub date: String,
    /// How the server ran, in words.
    pub server: String,
    /// The clients' versions and settings, in words.
    pub clients: String,
    /// N per point, in words.
    pub sizes: String,
    /// Runs per point.
    pub runs: usize,
    /// Things the reader must know.
    pub notes: Vec<String>,
    /// Every series.
    pub series: Vec<GwSeries>,
}

impl GatewaySection {
    /// The series of `client` on `op`.
    pub fn find(&self, client: ClientKind, op: Op) -> Option<&GwSeries> {
        self.series
            .iter()
            .find(|s| s.client == client && s.op == op)
    }
}

/// Groups measured runs into series of medians: `runs` holds, per series
/// (in the order given), per concurrency, the points of every run.
pub fn aggregate(
    order: &[(ClientKind, Op)],
    runs: &[Vec<Vec<GwPoint>>],
    errors: &[Vec<String>],
) -> Vec<GwSeries> {
    order
        .iter()
        .enumerate()
        .map(|(i, &(client, op))| {
            let mut points: Vec<GwPoint> = runs
                .get(i)
                .map(|per_c| {
                    per_c
                        .iter()
                        .filter(|r| !r.is_empty())
                        .map(|r| median_gw_point(r))
                        .collect()
                })
                .unwrap_or_default();
            points.sort_by_key(|p| p.concurrency);
            GwSeries {
                client,
                op,
                points,
                errors: errors.get(i).cloned().unwrap_or_default(),
            }
        })
        .collect()
}
