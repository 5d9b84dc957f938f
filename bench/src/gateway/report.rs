//! The client section of the report: every point, the ratios against the
//! Node client and the raw tonic call of the same run, and the targets of
//! issue 15 with PASS/MISS.

use std::fmt::Write as _;

use super::{ClientKind, GatewaySection, GwPoint, GwSeries, Op};
use crate::report::fmt_rate;

/// Concurrencies at which the client-CPU target is judged.
pub const CPU_TARGET_C: [usize; 2] = [16, 64];
/// Our client's CPU per call must be at most this fraction of Node's.
pub const CPU_TARGET_RATIO: f64 = 3.0;
/// Concurrency of the latency target.
pub const LATENCY_TARGET_C: usize = 1;
/// Our client's evaluate p50 may exceed the raw call's by at most this.
pub const LATENCY_TARGET_OVERHEAD: f64 = 0.10;

/// Figures exactly at a target's bound meet it, whatever the rounding.
const EPSILON: f64 = 1e-9;

/// What each client is, for the report.
pub fn describe(client: ClientKind) -> &'static str {
    match client {
        ClientKind::Node => {
            "the official Node client `@hyperledger/fabric-gateway` on `@grpc/grpc-js` \
             ([`node/gateway.js`](../node/gateway.js)): `connect()` with the user's identity, \
             `signers.newPrivateKeySigner`, SHA-256 and the fabric-samples deadlines; \
             `contract.evaluateTransaction` / `contract.submitTransaction`"
        }
        ClientKind::Rust => {
            "our client `fabric-gateway-client` ([`gw-client --mode rust`](../src/bin/gw-client.rs)): \
             `Gateway::builder()` with `msp::load`'s identity and `EcdsaSigner`, the same deadlines; \
             `contract.evaluate_transaction` / `contract.submit_transaction`"
        }
        ClientKind::Raw => {
            "the baseline ([`gw-client --mode raw`](../src/bin/gw-client.rs)): one `EvaluateRequest` \
             for `ReadAsset asset1`, built and signed once before the calls (with the same key), sent \
             again and again through the generated `fabric_protos` `GatewayClient` on one tonic \
             channel — no client library, no signing, no deadline on the call path"
        }
        ClientKind::RawSigned => {
            "the raw call plus a fresh proposal per call ([`gw-client --mode raw-signed`](../src/bin/gw-client.rs)): \
             built by the library's offline API (`new_proposal().build()`), signed with the same key \
             (`EcdsaSigner::sign_digest`), sent through the generated `GatewayClient` — what the \
             library adds beyond building and signing is `rust` minus this"
        }
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

fn point(section: &GatewaySection, client: ClientKind, op: Op, c: usize) -> Option<&GwPoint> {
    section.find(client, op).and_then(|s| s.at(c))
}

/// How many times less CPU per call `p` uses than the Node client at the same point.
fn node_cpu_ratio(section: &GatewaySection, series: &GwSeries, p: &GwPoint) -> Option<f64> {
    let node = point(section, ClientKind::Node, series.op, p.concurrency)?;
    ratio(node.client_cpu_us, p.client_cpu_us)
}

/// `p`'s p50 over the raw call's at the same C, minus one (evaluate only).
fn raw_overhead(section: &GatewaySection, series: &GwSeries, p: &GwPoint) -> Option<f64> {
    if series.op != Op::Evaluate {
        return None;
    }
    let raw = point(section, ClientKind::Raw, Op::Evaluate, p.concurrency)?;
    ratio(p.p50_ms, raw.p50_ms).map(|r| r - 1.0)
}

fn fmt_times(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.0}×"),
        Some(r) if r >= 1.0 => format!("{r:.1}×"),
        Some(r) => format!("{r:.2}×"),
        None => "–".into(),
    }
}

fn fmt_pct(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{:+.1} %", r * 100.0))
}

/// The table of every point (medians), with the ratios of the same run:
/// the README quotes it.
pub fn summary_table(section: &GatewaySection) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "| client | call | C | calls/s | p50 ms | p99 ms | client CPU µs/call | Node CPU ÷ this | p50 vs `raw` | `serve` CPU µs/call | chaincode CPU µs/call |"
    );
    let _ = writeln!(t, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for op in [Op::Evaluate, Op::Submit] {
        for series in section.series.iter().filter(|s| s.op == op) {
            if series.points.is_empty() {
                let _ = writeln!(
                    t,
                    "| `{}` | {} | | failed | | | | | | | |",
                    series.client.name(),
                    op.name()
                );
            }
            for p in &series.points {
                let _ = writeln!(
                    t,
                    "| `{}` | {} | {} | {} | {:.3} | {:.3} | {:.1} | {} | {} | {:.1} | {} |",
                    series.client.name(),
                    op.name(),
                    p.concurrency,
                    fmt_rate(p.throughput),
                    p.p50_ms,
                    p.p99_ms,
                    p.client_cpu_us,
                    fmt_times(node_cpu_ratio(section, series, p)),
                    fmt_pct(raw_overhead(section, series, p)),
                    p.serve_cpu_us,
                    p.chaincode_cpu_us
                        .map_or_else(|| "–".into(), |c| format!("{c:.1}")),
                );
            }
        }
    }
    t
}

/// One target of issue 15, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct GwVerdict {
    /// The target, in words.
    pub target: String,
    /// Where it is judged.
    pub concurrency: usize,
    /// The measured value, in words.
    pub value: String,
    /// `Some(true)` = PASS, `Some(false)` = MISS, `None` = no data.
    pub pass: Option<bool>,
}

/// The targets of issue 15: our client's CPU per call at most a third of
/// the Node client's (evaluate and submit, C = 16 and 64), and our
/// evaluate's p50 at most 10 % above the raw call's at C = 1.
pub fn verdicts(section: &GatewaySection) -> Vec<GwVerdict> {
    let mut out = Vec::new();
    for op in [Op::Evaluate, Op::Submit] {
        for c in CPU_TARGET_C {
            let rust = point(section, ClientKind::Rust, op, c);
            let node = point(section, ClientKind::Node, op, c);
            let (value, pass) = match (rust, node) {
                (Some(r), Some(n)) => match ratio(n.client_cpu_us, r.client_cpu_us) {
                    Some(x) => (
                        format!(
                            "1/{x:.1} ({:.1} µs against {:.1} µs)",
                            r.client_cpu_us, n.client_cpu_us
                        ),
                        Some(x >= CPU_TARGET_RATIO - EPSILON),
                    ),
                    None => ("no data".into(), None),
                },
                _ => ("no data".into(), None),
            };
            out.push(GwVerdict {
                target: format!("{} client CPU/call ≤ 1/3 of the Node client's", op.name()),
                concurrency: c,
                value,
                pass,
            });
        }
    }
    let rust = point(section, ClientKind::Rust, Op::Evaluate, LATENCY_TARGET_C);
    let raw = point(section, ClientKind::Raw, Op::Evaluate, LATENCY_TARGET_C);
    let (value, pass) = match rust
        .zip(raw)
        .and_then(|(r, b)| ratio(r.p50_ms, b.p50_ms).map(|x| (x - 1.0, r.p50_ms, b.p50_ms)))
    {
        Some((over, ours, base)) => (
            format!("{:+.1} % ({ours:.3} ms against {base:.3} ms)", over * 100.0),
            Some(over <= LATENCY_TARGET_OVERHEAD + EPSILON),
        ),
        None => ("no data".into(), None),
    };
    out.push(GwVerdict {
        target: "evaluate p50 ≤ raw tonic call + 10 %".into(),
        concurrency: LATENCY_TARGET_C,
        value,
        pass,
    });
    out
}

/// The section of the report.
pub fn markdown(section: &GatewaySection) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Client applications through the Gateway (issue 15)\n"
    );
    let _ = writeln!(
        md,
        "Each client is its own process, with C calls in flight on one connection, against {}. \
         `evaluate` is `ReadAsset asset1` after `InitLedger`; `submit` is `CreateAsset` of a fresh \
         asset id per call (endorse, submit, then wait for the commit status), so no two calls \
         conflict: every call of every point must succeed (an evaluate with a non-empty result, a \
         submit committed VALID), or the point fails. Latency is per call, on the client's clock; \
         client CPU is the client process's utime+stime from `/proc/<pid>/stat` over the measured \
         calls, divided by the calls; `serve` and the chaincode are measured the same way over \
         the same window. Figures are medians of {} runs; a fresh `serve` per run; the clients' \
         order rotates between runs. N: {}. {}{}\n",
        section.server,
        section.runs,
        section.sizes,
        section.clients,
        if section.date.is_empty() {
            String::new()
        } else {
            format!(" Measured on {}.", section.date)
        }
    );
    for note in &section.notes {
        let _ = writeln!(md, "> **Note:** {note}\n");
    }
    let _ = writeln!(md, "| client | what |\n|---|---|");
    for client in [
        ClientKind::Node,
        ClientKind::Rust,
        ClientKind::Raw,
        ClientKind::RawSigned,
    ] {
        if section.series.iter().any(|s| s.client == client) {
            let _ = writeln!(md, "| `{}` | {} |", client.name(), describe(client));
        }
    }
    md.push('\n');

    let _ = writeln!(md, "### Targets of issue 15\n");
    let _ = writeln!(md, "| target | C | measured (Rust client against …) | |");
    let _ = writeln!(md, "|---|---:|---|---|");
    for v in verdicts(section) {
        let mark = match v.pass {
            Some(true) => "PASS",
            Some(false) => "**MISS**",
            None => "–",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {mark} |",
            v.target, v.concurrency, v.value
        );
    }
    md.push('\n');

    let _ = writeln!(md, "### Every point (medians)\n");
    md.push_str(&summary_table(section));
    md.push('\n');
    let _ = writeln!(
        md,
        "\"Node CPU ÷ this\": how many times less CPU per call the client uses than the Node \
         client at the same point. \"p50 vs `raw`\": the evaluate p50 against the raw tonic call's \
         at the same C. Also per point:\n"
    );
    let _ = writeln!(
        md,
        "| client | call | C | N | client peak RSS MiB | other processes, % of a core |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
    for series in &section.series {
        for p in &series.points {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {:.1} | {:.0} |",
                series.client.name(),
                series.op.name(),
                p.concurrency,
                p.calls,
                p.client_hwm_kib as f64 / 1024.0,
                p.others_cpu_pct
            );
        }
    }
    md.push('\n');
    let failed: Vec<&GwSeries> = section
        .series
        .iter()
        .filter(|s| !s.errors.is_empty())
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(md, "### Failed client runs\n");
        for s in failed {
            for e in &s.errors {
                let _ = writeln!(md, "* `{}`: {e}", s.label());
            }
        }
        md.push('\n');
    }
    md
}
