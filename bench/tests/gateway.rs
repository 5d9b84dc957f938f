//! The client section's protocol, aggregation, targets and report (issue
//! 15), on made-up figures: nothing here is timed.

use fabric_bench::gateway::report::{markdown, summary_table, verdicts};
use fabric_bench::gateway::{
    ClientKind, Command, GatewaySection, GwPoint, GwSeries, LatencyReply, Op, Ready, RunReply,
    aggregate, label, median_gw_point, parse_reply,
};
use fabric_bench::report::{Environment, Saved};

#[test]
fn commands_round_trip() {
    let run = Command::Run {
        op: Op::Submit,
        concurrency: 16,
        calls: 5000,
        prefix: "rust-r1-c16-m".into(),
    };
    assert_eq!(run.line(), "run submit 16 5000 rust-r1-c16-m");
    assert_eq!(Command::parse(&run.line()).unwrap(), run);
    assert_eq!(
        Command::parse("  run evaluate 1 10 p\n").unwrap(),
        Command::Run {
            op: Op::Evaluate,
            concurrency: 1,
            calls: 10,
            prefix: "p".into()
        }
    );
    assert_eq!(Command::parse("latencies").unwrap(), Command::Latencies);
    assert_eq!(Command::parse("quit").unwrap(), Command::Quit);
    for bad in [
        "",
        "run",
        "run query 1 10 p",
        "run evaluate 0 10 p",
        "run evaluate 1 -3 p",
        "run evaluate 1 10",
        "stop",
    ] {
        assert!(Command::parse(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn names_and_labels() {
    for kind in [
        ClientKind::Node,
        ClientKind::Rust,
        ClientKind::Raw,
        ClientKind::RawSigned,
    ] {
        assert_eq!(ClientKind::parse(kind.name()), Some(kind));
    }
    assert_eq!(ClientKind::parse("go"), None);
    assert_eq!(
        label(ClientKind::RawSigned, Op::Evaluate),
        "raw-signed-evaluate"
    );
    assert_eq!(label(ClientKind::Node, Op::Submit), "node-submit");
    assert_eq!(ClientKind::Raw.ops(), &[Op::Evaluate]);
    assert_eq!(ClientKind::Node.ops(), &[Op::Evaluate, Op::Submit]);
}

#[test]
fn replies_as_the_node_client_writes_them() {
    // JSON.stringify of gateway.js's objects.
    let ready: Ready =
        parse_reply(r#"{"ready":true,"client":"node","detail":"node v20.20.2"}"#).unwrap();
    assert!(ready.ready && ready.client == "node");
    let ok: RunReply =
        parse_reply(r#"{"calls":400,"ok":400,"failed":0,"elapsed_s":0.5,"error":null}"#).unwrap();
    assert_eq!(ok.throughput(), 800.0);
    ok.check(400).unwrap();
    assert!(ok.check(401).is_err(), "a short run must fail");

    let failed: RunReply = parse_reply(
        r#"{"calls":400,"ok":399,"failed":1,"elapsed_s":0.5,"error":"CommitError: Transaction x failed to commit with status code 11 (MVCC_READ_CONFLICT)"}"#,
    )
    .unwrap();
    let e = failed.check(400).unwrap_err().0;
    assert!(
        e.contains("1 of 400 calls failed") && e.contains("MVCC_READ_CONFLICT"),
        "{e}"
    );
    let no_time = RunReply {
        elapsed_s: 0.0,
        ..ok.clone()
    };
    assert!(no_time.check(400).is_err());
    assert_eq!(no_time.throughput(), 0.0);

    let e = parse_reply::<RunReply>("gateway.js: Error: 14 UNAVAILABLE").unwrap_err();
    assert!(e.0.contains("14 UNAVAILABLE"), "{e}");
    let without_error_field: RunReply =
        parse_reply(r#"{"calls":1,"ok":1,"failed":0,"elapsed_s":0.1}"#).unwrap();
    assert_eq!(without_error_field.error, None);
}

#[test]
fn latency_quantiles() {
    // 1..=100 µs in any order.
    let reply: LatencyReply = parse_reply(&format!(
        r#"{{"latencies_ns":[{}]}}"#,
        (1..=100u64)
            .rev()
            .map(|us| (us * 1000).to_string())
            .collect::<Vec<_>>()
            .join(",")
    ))
    .unwrap();
    let (p50, p99) = reply.p50_p99_ms();
    assert!((p50 - 0.0505).abs() < 1e-9, "{p50}");
    assert!((p99 - 0.09901).abs() < 1e-9, "{p99}");
    assert_eq!(
        LatencyReply {
            latencies_ns: Vec::new()
        }
        .p50_p99_ms(),
        (0.0, 0.0)
    );
}

fn p(c: usize, tps: f64, p50: f64, client: f64) -> GwPoint {
    GwPoint {
        concurrency: c,
        calls: 1000,
        throughput: tps,
        p50_ms: p50,
        p99_ms: p50 * 2.0,
        client_cpu_us: client,
        serve_cpu_us: 120.0,
        chaincode_cpu_us: Some(30.0),
        others_cpu_pct: 2.0,
        client_hwm_kib: 10 * 1024,
    }
}

#[test]
fn medians_of_runs() {
    let mut a = p(16, 1000.0, 1.0, 50.0);
    a.chaincode_cpu_us = None;
    let b = p(16, 3000.0, 3.0, 10.0);
    let c = p(16, 2000.0, 2.0, 30.0);
    let m = median_gw_point(&[a, b, c]);
    assert_eq!(m.concurrency, 16);
    assert_eq!(m.throughput, 2000.0);
    assert_eq!(m.p50_ms, 2.0);
    assert_eq!(m.client_cpu_us, 30.0);
    // Only the runs that found the chaincode count.
    assert_eq!(m.chaincode_cpu_us, Some(30.0));
    a.chaincode_cpu_us = None;
    assert_eq!(median_gw_point(&[a]).chaincode_cpu_us, None);

    let order = [
        (ClientKind::Rust, Op::Evaluate),
        (ClientKind::Node, Op::Evaluate),
    ];
    // runs[series][c] = points of every run; C = 64 given before C = 1.
    let runs = vec![
        vec![vec![p(64, 9.0, 1.0, 1.0)], vec![p(1, 1.0, 1.0, 1.0)]],
        vec![vec![], vec![p(1, 1.0, 1.0, 1.0)]],
    ];
    let errors = vec![Vec::new(), vec!["run 1 at C = 64: boom".to_owned()]];
    let series = aggregate(&order, &runs, &errors);
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].label(), "rust-evaluate");
    let cs: Vec<usize> = series[0].points.iter().map(|p| p.concurrency).collect();
    assert_eq!(cs, vec![1, 64], "points in increasing C");
    assert_eq!(series[1].points.len(), 1, "a failed point is left out");
    assert_eq!(series[1].errors.len(), 1);
    assert!(series[1].at(64).is_none() && series[0].at(64).is_some());
}

fn series(client: ClientKind, op: Op, points: Vec<GwPoint>) -> GwSeries {
    GwSeries {
        client,
        op,
        points,
        errors: Vec::new(),
    }
}

fn section(rust_cpu: f64, rust_p50_c1: f64) -> GatewaySection {
    let at = |cpu: f64, p50_c1: f64| {
        vec![
            p(1, 2000.0, p50_c1, cpu * 2.0),
            p(16, 8000.0, 2.0, cpu),
            p(64, 9000.0, 7.0, cpu),
        ]
    };
    GatewaySection {
        date: "2026-12-04 12:00 UTC".into(),
        server: "serve".into(),
        clients: String::new(),
        sizes: "N".into(),
        runs: 3,
        notes: Vec::new(),
        series: vec![
            series(ClientKind::Node, Op::Evaluate, at(300.0, 0.9)),
            series(ClientKind::Rust, Op::Evaluate, at(rust_cpu, rust_p50_c1)),
            series(ClientKind::Raw, Op::Evaluate, at(20.0, 0.5)),
            series(ClientKind::RawSigned, Op::Evaluate, at(40.0, 0.52)),
            series(ClientKind::Node, Op::Submit, at(900.0, 3.0)),
            series(ClientKind::Rust, Op::Submit, at(rust_cpu * 3.0, 2.0)),
        ],
    }
}

#[test]
fn targets_pass_and_miss() {
    // 300 / 60 = 5× less CPU; p50 0.54 against 0.50 = +8 %.
    let v = verdicts(&section(60.0, 0.54));
    assert_eq!(v.len(), 5, "{v:?}");
    assert!(v.iter().all(|v| v.pass == Some(true)), "{v:?}");
    assert_eq!(
        v.iter().map(|v| v.concurrency).collect::<Vec<_>>(),
        vec![16, 64, 16, 64, 1]
    );
    assert!(v[4].value.starts_with("+8.0 %"), "{}", v[4].value);
    assert!(v[0].value.starts_with("1/5.0"), "{}", v[0].value);

    // 300 / 120 = 2.5× (submit: 900 / 360); p50 +12 %.
    let v = verdicts(&section(120.0, 0.56));
    assert!(v.iter().all(|v| v.pass == Some(false)), "{v:?}");

    // Exactly a third, exactly +10 %: both pass.
    let v = verdicts(&section(100.0, 0.55));
    assert!(v.iter().all(|v| v.pass == Some(true)), "{v:?}");

    // Without the Node client or the raw call: no data, neither PASS nor MISS.
    let mut partial = section(60.0, 0.54);
    partial.series.retain(|s| s.client == ClientKind::Rust);
    assert!(verdicts(&partial).iter().all(|v| v.pass.is_none()));
}

#[test]
fn report_section_and_saved_results() {
    let s = section(60.0, 0.54);
    let table = summary_table(&s);
    // A header, a rule and 3 points for each of the 6 series.
    assert_eq!(table.lines().count(), 2 + 18, "{table}");
    assert!(
        table.contains("| `rust` | evaluate | 1 | 2\u{202f}000 | 0.540 |"),
        "{table}"
    );
    assert!(table.contains("+8.0 %"), "{table}");
    // Node CPU ÷ Rust's at C = 16: 300 / 60.
    assert!(table.contains("| 60.0 | 5.0× |"), "{table}");

    let md = markdown(&s);
    assert!(md.starts_with("## Client applications through the Gateway (issue 15)"));
    assert!(md.contains("PASS") && !md.contains("MISS"));
    assert!(md.contains("`raw-signed`"));

    let mut failing = section(120.0, 0.56);
    failing.series[1]
        .errors
        .push("run 2 at C = 64: 3 of 900 calls failed".into());
    let md = markdown(&failing);
    assert!(md.contains("**MISS**") && md.contains("### Failed client runs"));

    // results.json: with the section, and from before it existed.
    let saved = Saved {
        environment: Environment::default(),
        subjects: Vec::new(),
        micro: Vec::new(),
        gateway: Some(s.clone()),
    };
    let json = serde_json::to_string(&saved).unwrap();
    let back: Saved = serde_json::from_str(&json).unwrap();
    assert_eq!(back.gateway, Some(s));
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    old.as_object_mut().unwrap().remove("gateway");
    let back: Saved = serde_json::from_value(old).unwrap();
    assert_eq!(back.gateway, None);

    let full = fabric_bench::report::markdown(
        &Environment::default(),
        &[],
        &[],
        back.gateway.as_ref(),
        None,
    );
    assert!(!full.contains("issue 15)\n\nEach client"));
}
