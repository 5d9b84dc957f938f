//! The package files: layout and JSON content, as `peer lifecycle chaincode install` reads them.

use std::io::Read;
use std::path::{Path, PathBuf};

use fabric_package::{Connection, ConnectionTls, binary, ccaas};

/// A scratch directory, removed when the test ends.
fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("fabric-package-{name}-"))
        .tempdir()
        .unwrap()
}

/// The entries of a tar.gz: (name, mode, bytes), in archive order.
fn entries(bytes: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mode = e.header().mode().unwrap();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (name, mode, data)
        })
        .collect()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn meta_inf(dir: &Path) -> PathBuf {
    let indexes = dir.join("META-INF/statedb/couchdb/indexes");
    std::fs::create_dir_all(&indexes).unwrap();
    std::fs::write(
        indexes.join("indexOwner.json"),
        r#"{"index":{"fields":["owner"]},"name":"indexOwner","type":"json"}"#,
    )
    .unwrap();
    dir.join("META-INF")
}

#[test]
fn ccaas_package_without_tls() {
    let tmp = temp("plain");
    let dir = tmp.path();
    let connection = Connection {
        address: "basic-cc:9999".into(),
        dial_timeout: "10s".into(),
        tls: None,
    };
    let package = ccaas(dir, "basic_1.0", &connection, None).unwrap();
    assert_eq!(package.path, dir.join("basic_1.0.tar.gz"));
    let outer = entries(&std::fs::read(&package.path).unwrap());
    assert_eq!(
        outer.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["code.tar.gz", "metadata.json"]
    );
    assert_eq!(
        json(&outer[1].2),
        serde_json::json!({"type": "ccaas", "label": "basic_1.0"})
    );
    let code = entries(&outer[0].2);
    assert_eq!(code.len(), 1);
    assert_eq!(code[0].0, "connection.json");
    assert_eq!(
        json(&code[0].2),
        serde_json::json!({"address": "basic-cc:9999", "dial_timeout": "10s", "tls_required": false})
    );
    // The package id is the label and the SHA-256 of the file.
    let (label, hash) = package.package_id.split_once(':').unwrap();
    assert_eq!(label, "basic_1.0");
    assert_eq!(hash.len(), 64);
    // Reproducible: the same content gives the same id.
    let again = ccaas(temp("plain-again").path(), "basic_1.0", &connection, None).unwrap();
    assert_eq!(again.package_id, package.package_id);
}

#[test]
fn ccaas_package_with_mutual_tls_and_indexes() {
    let tmp = temp("tls");
    let dir = tmp.path();
    let connection = Connection {
        address: "basic-cc:9999".into(),
        dial_timeout: "3s".into(),
        tls: Some(ConnectionTls {
            root_cert: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".into(),
            client: Some(("KEY".into(), "CERT".into())),
        }),
    };
    let package = ccaas(dir, "basic_2.0", &connection, Some(&meta_inf(dir))).unwrap();
    let outer = entries(&std::fs::read(&package.path).unwrap());
    let code = entries(&outer[0].2);
    assert_eq!(
        code.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        [
            "META-INF/statedb/couchdb/indexes/indexOwner.json",
            "connection.json"
        ]
    );
    assert_eq!(
        json(&code[1].2),
        serde_json::json!({
            "address": "basic-cc:9999",
            "dial_timeout": "3s",
            "tls_required": true,
            "client_auth_required": true,
            "client_key": "KEY",
            "client_cert": "CERT",
            "root_cert": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
        })
    );
}

#[test]
fn binary_package_holds_an_executable() {
    let tmp = temp("binary");
    let dir = tmp.path();
    let exe = dir.join("cc");
    std::fs::write(&exe, b"\x7fELF fake").unwrap();
    let package = binary(&dir.join("out"), "basic_1.0", &exe, Some(&meta_inf(dir))).unwrap();
    let outer = entries(&std::fs::read(&package.path).unwrap());
    assert_eq!(
        json(&outer[1].2),
        serde_json::json!({"type": "rust", "label": "basic_1.0"})
    );
    let code = entries(&outer[0].2);
    let chaincode = code.iter().find(|e| e.0 == "chaincode").unwrap();
    assert_eq!(
        (chaincode.1 & 0o777, chaincode.2.as_slice()),
        (0o755, &b"\x7fELF fake"[..])
    );
}

#[test]
fn bad_labels_and_missing_files_are_clear_errors() {
    let tmp = temp("errors");
    let dir = tmp.path();
    let connection = Connection {
        address: "a:1".into(),
        dial_timeout: "3s".into(),
        tls: None,
    };
    let err = ccaas(dir, "bad label", &connection, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid label \"bad label\": use letters, digits and _ . + - only"
    );
    let err = binary(dir, "ok", Path::new("/nonexistent/cc"), None).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot read /nonexistent/cc"),
        "{err}"
    );
}

fn builder(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("builder/bin")
        .join(script)
}

#[test]
fn the_external_builder_detects_builds_and_releases() {
    let tmp = temp("builder");
    let dir = tmp.path();
    let source = dir.join("src");
    let metadata = dir.join("meta");
    let build = dir.join("build");
    let release = dir.join("release");
    for d in [&source, &metadata, &build, &release] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(
        source.join("chaincode"),
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\n",
    )
    .unwrap();
    let _ = meta_inf(&source);
    let status = |script: &str, args: &[&Path]| {
        std::process::Command::new(builder(script))
            .args(args)
            .status()
            .unwrap()
    };

    std::fs::write(
        metadata.join("metadata.json"),
        r#"{"type":"ccaas","label":"x"}"#,
    )
    .unwrap();
    assert!(
        !status("detect", &[&source, &metadata]).success(),
        "not ours"
    );
    std::fs::write(
        metadata.join("metadata.json"),
        r#"{"type": "rust", "label": "x"}"#,
    )
    .unwrap();
    assert!(status("detect", &[&source, &metadata]).success());

    assert!(status("build", &[&source, &metadata, &build]).success());
    assert!(build.join("chaincode").exists());
    assert!(status("release", &[&build, &release]).success());
    assert!(
        release
            .join("statedb/couchdb/indexes/indexOwner.json")
            .exists()
    );

    let run_dir = dir.join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    assert!(status("run", &[&build, &run_dir]).success());
    let args = std::fs::read_to_string(build.join("args")).unwrap();
    assert_eq!(
        args.trim(),
        format!("--chaincode-json {}/chaincode.json", run_dir.display())
    );

    // A package without an executable fails the build with a message.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = std::process::Command::new(builder("build"))
        .args([&empty, &metadata, &build])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no 'chaincode' executable"));
}

#[test]
fn the_dockerfile_runs_the_server_as_non_root() {
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Dockerfile"))
            .unwrap();
    assert!(text.contains("AS build"), "multi-stage");
    assert!(text.contains("USER nonroot"));
    assert!(text.contains("CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999"));
    assert!(text.contains("STOPSIGNAL SIGTERM"), "graceful shutdown");
}

#[test]
fn the_kubernetes_example_probes_the_chaincode_port_and_outlasts_the_drain() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kubernetes/chaincode.yaml"),
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let value = |key: &str| {
        let at = lines
            .iter()
            .position(|l| *l == format!("- name: {key}"))
            .unwrap_or_else(|| panic!("{key} is set"));
        lines[at + 1]
            .strip_prefix("value: ")
            .unwrap()
            .trim_matches('"')
            .to_owned()
    };
    let port = value("CHAINCODE_SERVER_ADDRESS")
        .rsplit_once(':')
        .unwrap()
        .1
        .to_owned();
    for probe in ["readinessProbe:", "livenessProbe:"] {
        let at = lines.iter().position(|l| *l == probe).unwrap();
        assert_eq!(
            lines[at + 1],
            "grpc:",
            "{probe} uses the gRPC health protocol"
        );
        assert_eq!(
            lines[at + 2],
            format!("port: {port}"),
            "{probe} on the chaincode port"
        );
    }
    let drain: u64 = value("CHAINCODE_DRAIN_TIMEOUT")
        .strip_suffix('s')
        .unwrap()
        .parse()
        .unwrap();
    let grace: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("terminationGracePeriodSeconds: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(grace > drain + 2, "the pod outlives the drain");
}
