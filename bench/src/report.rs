//! The Markdown report (tables, ratios against the baselines of the same
//! run, the targets of issue 7 with PASS/MISS) and the SVG plot of throughput
//! against concurrency.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::gateway::GatewaySection;
use crate::runner::{Group, Point};
use crate::{BenchError, Result};

/// Label of the Node low-level shim subject: the throughput and CPU baseline.
pub const NODE_SHIM: &str = "node-shim";
/// Label of the current-thread ping-pong: the transport's limit.
pub const PINGPONG: &str = "pingpong-current";
/// Concurrency at which the targets are judged.
pub const TARGET_C: usize = 64;
/// Concurrency of the loaded-memory target.
pub const MEMORY_C: usize = 256;

/// The medians of one subject at every concurrency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectResult {
    /// Short name.
    pub label: String,
    /// What it is.
    pub description: String,
    /// Baseline, ours or Node.
    pub group: Group,
    /// Median point per concurrency, in increasing C.
    pub points: Vec<Point>,
    /// Median over every process started for this subject: spawn → READY, ms.
    pub ready_ms: f64,
    /// Median over every process: spawn → REGISTER, ms.
    pub register_ms: f64,
    /// Median over every process: VmRSS after READY, KiB.
    pub rss_idle_kib: u64,
    /// Runs that failed, with why.
    pub errors: Vec<String>,
}

impl SubjectResult {
    /// The point at concurrency `c`.
    pub fn at(&self, c: usize) -> Option<&Point> {
        self.points.iter().find(|p| p.concurrency == c)
    }
}

/// How and where the comparison ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Environment {
    /// When (UTC).
    pub date: String,
    /// CPU model and count.
    pub cpu: String,
    /// Kernel release.
    pub kernel: String,
    /// `rustc --version`.
    pub rustc: String,
    /// `node --version`, and the fabric-shim version installed.
    pub node: String,
    /// Runs per point (the median is reported).
    pub runs: usize,
    /// N per point, in words.
    pub sizes: String,
    /// Things the reader must know: failed installs, skipped subjects.
    pub notes: Vec<String>,
    /// Wall time of the whole comparison, s.
    pub seconds: f64,
    /// The command that produced the report.
    pub command: String,
}

/// One criterion micro-benchmark result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Micro {
    /// Benchmark id (`group/name`).
    pub name: String,
    /// Mean time per iteration, ns.
    pub mean_ns: f64,
}

/// Everything a comparison measured: `results.json` next to the report, so
/// that the report can be written again (`compare --report-only`) after the
/// analysis changes, without measuring again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    /// How and where.
    pub environment: Environment,
    /// Every chaincode.
    pub subjects: Vec<SubjectResult>,
    /// The micro-benchmarks.
    pub micro: Vec<Micro>,
    /// The client applications through the Gateway (issue 15), if measured.
    #[serde(default)]
    pub gateway: Option<GatewaySection>,
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.0}×"),
        Some(r) if r >= 1.0 => format!("{r:.1}×"),
        Some(r) => format!("{r:.2}×"),
        None => "–".into(),
    }
}

/// A rate with thin-space thousands groups (`71 000`).
pub(crate) fn fmt_rate(x: f64) -> String {
    if x >= 1000.0 {
        let s = format!("{x:.0}");
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push('\u{202f}');
            }
            out.push(ch);
        }
        out
    } else {
        format!("{x:.0}")
    }
}

fn find<'a>(results: &'a [SubjectResult], label: &str) -> Option<&'a SubjectResult> {
    results.iter().find(|r| r.label == label)
}

/// The summary table at C = 64 with ratios against the Node shim and the
/// current-thread ping-pong (the README quotes it).
pub fn summary_table(results: &[SubjectResult]) -> String {
    let node = find(results, NODE_SHIM)
        .and_then(|r| r.at(TARGET_C))
        .copied();
    let ping = find(results, PINGPONG)
        .and_then(|r| r.at(TARGET_C))
        .copied();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "| at C = {TARGET_C} | tx/s | vs Node shim | vs ping-pong | p50 ms | p99 ms | CPU µs/tx | Node CPU ÷ this | RSS MiB idle | RSS MiB peak at C = {MEMORY_C} | start-up to READY ms |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let Some(p) = r.at(TARGET_C) else {
            let _ = writeln!(t, "| `{}` | failed | | | | | | | | | |", r.label);
            continue;
        };
        let peak = r
            .at(MEMORY_C)
            .map(|p| format!("{:.1}", mib(p.hwm_kib)))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {:.2} | {:.2} | {:.1} | {} | {:.1} | {} | {:.1} |",
            r.label,
            fmt_rate(p.throughput),
            fmt_ratio(node.and_then(|n| ratio(p.throughput, n.throughput))),
            fmt_ratio(ping.and_then(|q| ratio(p.throughput, q.throughput))),
            p.p50_ms,
            p.p99_ms,
            p.cpu_us_per_tx,
            fmt_ratio(node.and_then(|n| ratio(n.cpu_us_per_tx, p.cpu_us_per_tx))),
            mib(r.rss_idle_kib),
            peak,
            r.ready_ms,
        );
    }
    t
}

/// One target of issue 7, judged for one subject.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The target, in words.
    pub target: &'static str,
    /// The measured value, in words.
    pub value: String,
    /// `Some(true)` = PASS, `Some(false)` = MISS, `None` = no data.
    pub pass: Option<bool>,
}

/// The targets of issue 7 for subject `r`.
pub fn verdicts(results: &[SubjectResult], r: &SubjectResult) -> Vec<Verdict> {
    let p = r.at(TARGET_C);
    let node = find(results, NODE_SHIM).and_then(|n| n.at(TARGET_C));
    let ping = find(results, PINGPONG).and_then(|q| q.at(TARGET_C));
    let judge =
        |value: Option<f64>, ok: &dyn Fn(f64) -> bool, show: &dyn Fn(f64) -> String| match value {
            Some(v) => (show(v), Some(ok(v))),
            None => ("no data".to_owned(), None),
        };
    let mut out = Vec::new();
    let mut push = |target, (value, pass): (String, Option<bool>)| {
        out.push(Verdict {
            target,
            value,
            pass,
        })
    };
    push(
        "throughput ≥ 15× Node shim",
        judge(
            p.zip(node)
                .and_then(|(p, n)| ratio(p.throughput, n.throughput)),
            &|v| v >= 15.0,
            &|v| format!("{v:.1}×"),
        ),
    );
    push(
        "throughput ≥ 70% of ping-pong (current-thread)",
        judge(
            p.zip(ping)
                .and_then(|(p, q)| ratio(p.throughput, q.throughput)),
            &|v| v >= 0.70,
            &|v| format!("{:.0}%", v * 100.0),
        ),
    );
    push(
        "CPU/tx ≤ 1/20 of Node shim's",
        judge(
            p.zip(node)
                .and_then(|(p, n)| ratio(n.cpu_us_per_tx, p.cpu_us_per_tx)),
            &|v| v >= 20.0,
            &|v| format!("1/{v:.1}"),
        ),
    );
    push(
        "CPU/tx within ~3× of ping-pong's",
        judge(
            p.zip(ping)
                .and_then(|(p, q)| ratio(p.cpu_us_per_tx, q.cpu_us_per_tx)),
            &|v| v <= 3.0,
            &|v| format!("{v:.1}×"),
        ),
    );
    push(
        "p99 ≤ 3× p50",
        judge(
            p.and_then(|p| ratio(p.p99_ms, p.p50_ms)),
            &|v| v <= 3.0,
            &|v| format!("{v:.2}×"),
        ),
    );
    push(
        "RSS idle ≤ 6 MiB",
        judge(
            (r.rss_idle_kib > 0).then(|| mib(r.rss_idle_kib)),
            &|v| v <= 6.0,
            &|v| format!("{v:.1} MiB"),
        ),
    );
    push(
        "peak RSS at C = 256 ≤ 12 MiB",
        judge(
            r.at(MEMORY_C).map(|p| mib(p.hwm_kib)),
            &|v| v <= 12.0,
            &|v| format!("{v:.1} MiB"),
        ),
    );
    push(
        "start-up to READY < 20 ms",
        judge(
            (r.ready_ms > 0.0).then_some(r.ready_ms),
            &|v| v < 20.0,
            &|v| format!("{v:.1} ms"),
        ),
    );
    out
}

/// The chaincode the targets of issue 17 judge: a contract written with the macros.
pub const CONTRACT: &str = "rust-contract";

/// The targets of issue 17: `rust-contract` against the bare transport
/// (`pingpong-current`) and the Node shim, measured in the same run.
pub fn contract_verdicts(results: &[SubjectResult]) -> Vec<Verdict> {
    let contract = find(results, CONTRACT);
    let ping = find(results, PINGPONG);
    let node = find(results, NODE_SHIM);
    let at = |r: Option<&SubjectResult>, c: usize| r.and_then(|r| r.at(c)).cloned();
    let mut out = Vec::new();
    let mut push =
        |target, value: Option<f64>, ok: &dyn Fn(f64) -> bool, show: &dyn Fn(f64) -> String| {
            let (value, pass) = match value {
                Some(v) => (show(v), Some(ok(v))),
                None => ("no data".to_owned(), None),
            };
            out.push(Verdict {
                target,
                value,
                pass,
            });
        };
    let share = |v: f64| format!("{:.0}%", v * 100.0);
    for (target, c, min) in [
        ("throughput ≥ 90% of ping-pong at C = 64", 64, 0.90),
        ("throughput ≥ 85% of ping-pong at C = 16", 16, 0.85),
        ("throughput ≥ 85% of ping-pong at C = 256", 256, 0.85),
    ] {
        let value = at(contract, c)
            .zip(at(ping, c))
            .and_then(|(p, q)| ratio(p.throughput, q.throughput));
        push(target, value, &|v| v >= min, &share);
    }
    push(
        "CPU/tx ≤ 1.3× ping-pong's at C = 64",
        at(contract, TARGET_C)
            .zip(at(ping, TARGET_C))
            .and_then(|(p, q)| ratio(p.cpu_us_per_tx, q.cpu_us_per_tx)),
        &|v| v <= 1.3,
        &|v| format!("{v:.2}×"),
    );
    push(
        "p50 ≤ 1.1× ping-pong's at C = 1",
        at(contract, 1)
            .zip(at(ping, 1))
            .and_then(|(p, q)| ratio(p.p50_ms, q.p50_ms)),
        &|v| v <= 1.1,
        &|v| format!("{v:.2}×"),
    );
    push(
        "throughput ≥ 17× Node shim at C = 64",
        at(contract, TARGET_C)
            .zip(at(node, TARGET_C))
            .and_then(|(p, n)| ratio(p.throughput, n.throughput)),
        &|v| v >= 17.0,
        &|v| format!("{v:.1}×"),
    );
    push(
        "p99 ≤ 2× p50 at C = 64",
        at(contract, TARGET_C).and_then(|p| ratio(p.p99_ms, p.p50_ms)),
        &|v| v <= 2.0,
        &|v| format!("{v:.2}×"),
    );
    push(
        "RSS idle ≤ 6 MiB",
        contract
            .filter(|r| r.rss_idle_kib > 0)
            .map(|r| mib(r.rss_idle_kib)),
        &|v| v <= 6.0,
        &|v| format!("{v:.1} MiB"),
    );
    push(
        "peak RSS at C = 256 ≤ 12 MiB",
        at(contract, MEMORY_C).map(|p| mib(p.hwm_kib)),
        &|v| v <= 12.0,
        &|v| format!("{v:.1} MiB"),
    );
    push(
        "start-up to READY < 20 ms",
        contract.filter(|r| r.ready_ms > 0.0).map(|r| r.ready_ms),
        &|v| v < 20.0,
        &|v| format!("{v:.1} ms"),
    );
    out
}

fn verdict_mark(v: &Verdict) -> &'static str {
    match v.pass {
        Some(true) => "PASS",
        Some(false) => "**MISS**",
        None => "–",
    }
}

/// The whole report.
pub fn markdown(
    env: &Environment,
    results: &[SubjectResult],
    micro: &[Micro],
    gateway: Option<&GatewaySection>,
    analysis: Option<&str>,
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Performance: the chaincode runtime (issue 7) and the Gateway clients (issue 15)\n"
    );
    let _ = writeln!(
        md,
        "Generated by `{}` on {} in {:.0} s. Machine: {}; Linux {}; {}; {}.\n",
        env.command, env.date, env.seconds, env.cpu, env.kernel, env.rustc, env.node
    );
    let _ = writeln!(
        md,
        "Each point: a fresh chaincode process dials the benchmark's peer side over gRPC on loopback \
         (plaintext; `rust-shim-ccaas` listens and is dialled instead), gets READY offering write batches \
         and multi-get (as a Fabric 3.1 peer), idles 200 ms, runs a warm-up at the same C, then N \
         transfers at concurrency C, each on its own pair of keys (2 GetState + 2 PutState + COMPLETED; \
         the variants use WRITE_BATCH_STATE and/or GET_STATE_MULTIPLE). Every transaction carries the \
         same signed proposal with a real X.509 creator, as a peer's would. Afterwards every transaction \
         is checked to have applied exactly once. Every chaincode gets the logging settings a peer passes \
         to the chaincodes it launches (`CORE_CHAINCODE_LOGGING_LEVEL=info`, `CORE_CHAINCODE_LOGGING_SHIM=warning`), \
         under which the Node shim writes a log line per transaction (at `warning`, without them, it measured \
         the same: see Analysis). Figures are medians of {} runs; within a run each concurrency visits \
         every chaincode in turn (the order rotating between runs), so that the points a ratio compares \
         are measured seconds apart. CPU is the chaincode process's \
         utime+stime from `/proc/<pid>/stat` over the measured transactions; RSS is `VmRSS` (idle: after \
         READY, before any load; loaded: at the end of the load) and `VmHWM` (peak). N: {}. Driver and \
         chaincode share the 2 cores; before each point the benchmark waits (up to 30 s) for other \
         processes to go below 15% of a core, and the table of every point shows how busy they were.\n",
        env.runs, env.sizes
    );
    for note in &env.notes {
        let _ = writeln!(md, "> **Note:** {note}\n");
    }

    let _ = writeln!(md, "## Summary at C = {TARGET_C}\n");
    md.push_str(&summary_table(results));
    md.push('\n');
    let _ = writeln!(
        md,
        "Ratios are against `{NODE_SHIM}` and `{PINGPONG}` measured in this same run. \
         \"Node CPU ÷ this\" is how many times less CPU per transaction than the Node shim.\n"
    );

    let ours: Vec<&SubjectResult> = results.iter().filter(|r| r.group == Group::Ours).collect();
    if !ours.is_empty() {
        let _ = writeln!(md, "## Targets of issue 7 (C = {TARGET_C})\n");
        let mut header = "| target |".to_owned();
        let mut rule = "|---|".to_owned();
        for r in &ours {
            let _ = write!(header, " `{}` |", r.label);
            rule.push_str("---|");
        }
        let _ = writeln!(md, "{header}\n{rule}");
        let all: Vec<Vec<Verdict>> = ours.iter().map(|r| verdicts(results, r)).collect();
        for (row, first) in all[0].iter().enumerate() {
            let mut line = format!("| {} |", first.target);
            for v in &all {
                let v = &v[row];
                let _ = write!(line, " {} {} |", v.value, verdict_mark(v));
            }
            let _ = writeln!(md, "{line}");
        }
        md.push('\n');
    }

    if find(results, CONTRACT).is_some() && find(results, PINGPONG).is_some() {
        let _ = writeln!(
            md,
            "## Targets of issue 17 (`{CONTRACT}` against `{PINGPONG}` and `{NODE_SHIM}`)\n"
        );
        let _ = writeln!(md, "| target | measured | |\n|---|---|---|");
        for v in contract_verdicts(results) {
            let _ = writeln!(md, "| {} | {} | {} |", v.target, v.value, verdict_mark(&v));
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## Throughput against concurrency\n");
    let _ = writeln!(md, "![throughput vs concurrency](throughput.svg)\n");

    let _ = writeln!(md, "## Every point (medians)\n");
    let _ = writeln!(
        md,
        "| chaincode | C | N | tx/s | p50 ms | p99 ms | CPU µs/tx | driver CPU µs/tx | RSS MiB idle | RSS MiB loaded | RSS MiB peak |"
    );
    let _ = writeln!(
        md,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in results {
        for p in &r.points {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {:.3} | {:.3} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} |",
                r.label,
                p.concurrency,
                p.transactions,
                fmt_rate(p.throughput),
                p.p50_ms,
                p.p99_ms,
                p.cpu_us_per_tx,
                p.driver_cpu_us_per_tx,
                p.others_cpu_pct,
                mib(p.rss_idle_kib),
                mib(p.rss_loaded_kib),
                mib(p.hwm_kib),
            );
        }
    }
    md.push('\n');

    let _ = writeln!(md, "## Chaincodes\n");
    let _ = writeln!(
        md,
        "| chaincode | what | spawn → REGISTER ms | spawn → READY ms |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|");
    for r in results {
        let _ = writeln!(
            md,
            "| `{}` | {} | {:.1} | {:.1} |",
            r.label, r.description, r.register_ms, r.ready_ms
        );
    }
    md.push('\n');
    let failed: Vec<&SubjectResult> = results.iter().filter(|r| !r.errors.is_empty()).collect();
    if !failed.is_empty() {
        let _ = writeln!(md, "### Failed runs\n");
        for r in failed {
            for e in &r.errors {
                let _ = writeln!(md, "* `{}`: {e}", r.label);
            }
        }
        md.push('\n');
    }

    if let Some(section) = gateway {
        md.push_str(&crate::gateway::report::markdown(section));
    }

    if !micro.is_empty() {
        let _ = writeln!(md, "## Micro-benchmarks (criterion, mean per iteration)\n");
        let _ = writeln!(md, "| benchmark | time |");
        let _ = writeln!(md, "|---|---:|");
        for m in micro {
            let shown = if m.mean_ns >= 1e6 {
                format!("{:.2} ms", m.mean_ns / 1e6)
            } else if m.mean_ns >= 1e3 {
                format!("{:.2} µs", m.mean_ns / 1e3)
            } else {
                format!("{:.0} ns", m.mean_ns)
            };
            let _ = writeln!(md, "| `{}` | {shown} |", m.name);
        }
        md.push('\n');
    }

    if let Some(text) = analysis {
        md.push_str(text.trim_end());
        md.push('\n');
    }
    md
}

/// Writes the plot of throughput (log scale) against concurrency, one line per subject.
pub fn plot(results: &[SubjectResult], path: &Path) -> Result<()> {
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = results
            .iter()
            .flat_map(|r| r.points.iter().map(|p| p.throughput))
            .fold(1000.0, f64::max);
        let min = results
            .iter()
            .flat_map(|r| r.points.iter().map(|p| p.throughput))
            .filter(|t| *t > 0.0)
            .fold(max, f64::min);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Transfers per second against concurrency (log-log)",
                ("sans-serif", 22),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(
                (0.8f64..320f64).log_scale(),
                ((min * 0.7).max(1.0)..max * 1.5).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("concurrency C (transactions in flight)")
            .y_desc("tx/s")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        for (i, r) in results.iter().enumerate() {
            if r.points.is_empty() {
                continue;
            }
            let color = Palette99::pick(i).to_rgba();
            let data: Vec<(f64, f64)> = r
                .points
                .iter()
                .map(|p| (p.concurrency as f64, p.throughput))
                .collect();
            chart
                .draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))?
                .label(r.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart.draw_series(
                data.into_iter()
                    .map(move |(x, y)| Circle::new((x, y), 3, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| BenchError(format!("plot {}: {e}", path.display())))
}

/// Replaces the text between `<!-- begin:NAME -->` and `<!-- end:NAME -->` in `doc`.
pub fn replace_section(doc: &str, name: &str, content: &str) -> Option<String> {
    let begin = format!("<!-- begin:{name} -->");
    let end = format!("<!-- end:{name} -->");
    let b = doc.find(&begin)? + begin.len();
    let e = b + doc[b..].find(&end)?;
    Some(format!("{}\n{}{}", &doc[..b], content, &doc[e..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(label: &str, group: Group, tps: f64, cpu: f64) -> SubjectResult {
        let point = |c| Point {
            concurrency: c,
            transactions: 100,
            throughput: tps,
            p50_ms: 1.0,
            p99_ms: 2.0,
            cpu_us_per_tx: cpu,
            hwm_kib: 8 * 1024,
            rss_idle_kib: 4 * 1024,
            rss_loaded_kib: 6 * 1024,
            ..Default::default()
        };
        SubjectResult {
            label: label.into(),
            description: label.into(),
            group,
            points: vec![point(1), point(64), point(256)],
            ready_ms: 5.0,
            register_ms: 4.0,
            rss_idle_kib: 4 * 1024,
            errors: Vec::new(),
        }
    }

    #[test]
    fn verdicts_and_sections() {
        let results = vec![
            subject(NODE_SHIM, Group::Node, 3000.0, 350.0),
            subject(PINGPONG, Group::Baseline, 70000.0, 6.0),
            subject("rust-shim", Group::Ours, 60000.0, 12.0),
        ];
        let v = verdicts(&results, &results[2]);
        let pass = |target: &str| v.iter().find(|v| v.target == target).unwrap().pass;
        assert_eq!(pass("throughput ≥ 15× Node shim"), Some(true)); // 20×
        assert_eq!(
            pass("throughput ≥ 70% of ping-pong (current-thread)"),
            Some(true)
        ); // 86%
        assert_eq!(pass("CPU/tx ≤ 1/20 of Node shim's"), Some(true)); // 1/29
        assert_eq!(pass("CPU/tx within ~3× of ping-pong's"), Some(true)); // 2×
        assert!(v.iter().all(|v| v.pass != Some(false)));
        let md = markdown(
            &Environment::default(),
            &results,
            &[],
            None,
            Some("## Analysis"),
        );
        assert!(
            md.contains("| `rust-shim` |") && md.contains("PASS") && md.ends_with("## Analysis\n")
        );
        let doc = "a\n<!-- begin:t -->\nold\n<!-- end:t -->\nb";
        assert_eq!(
            replace_section(doc, "t", "new\n").unwrap(),
            "a\n<!-- begin:t -->\nnew\n<!-- end:t -->\nb"
        );
        let dir = std::env::temp_dir().join(format!("bench-plot-{}.svg", std::process::id()));
        plot(&results, &dir).unwrap();
        assert!(std::fs::read_to_string(&dir).unwrap().contains("<svg"));
        let _ = std::fs::remove_file(dir);
    }

    #[test]
    fn issue_17_targets_judge_the_contract_against_the_transport() {
        let mut contract = subject(CONTRACT, Group::Ours, 63000.0, 7.5);
        contract.points[1].throughput = 66000.0; // C = 64: 94% of 70 000
        contract.points[2].throughput = 56000.0; // C = 256: 80%, a miss
        let results = vec![
            subject(NODE_SHIM, Group::Node, 3000.0, 350.0),
            subject(PINGPONG, Group::Baseline, 70000.0, 6.0),
            contract,
        ];
        let v = contract_verdicts(&results);
        let get = |target: &str| v.iter().find(|v| v.target == target).unwrap();
        assert_eq!(
            get("throughput ≥ 90% of ping-pong at C = 64").pass,
            Some(true)
        );
        assert_eq!(get("throughput ≥ 90% of ping-pong at C = 64").value, "94%");
        assert_eq!(
            get("throughput ≥ 85% of ping-pong at C = 256").pass,
            Some(false)
        );
        // No point at C = 16 in this run: no verdict rather than a guess.
        assert_eq!(get("throughput ≥ 85% of ping-pong at C = 16").pass, None);
        assert_eq!(get("CPU/tx ≤ 1.3× ping-pong's at C = 64").pass, Some(true)); // 1.25×
        assert_eq!(get("throughput ≥ 17× Node shim at C = 64").pass, Some(true)); // 22×
        assert_eq!(get("p99 ≤ 2× p50 at C = 64").pass, Some(true));
        let md = markdown(&Environment::default(), &results, &[], None, None);
        assert!(md.contains("## Targets of issue 17"), "{md}");
        assert!(md.contains("| throughput ≥ 85% of ping-pong at C = 256 | 80% | **MISS** |"));
    }
}
