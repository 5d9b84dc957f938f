//! Helpers shared by the workspace's integration tests and the examples' tests.
#![forbid(unsafe_code)]

/// The Rust snippets of the README and the guides in `docs/`, compiled (and
/// run, unless marked otherwise) as doctests of this crate, so the docs
/// cannot show code that does not build.
#[cfg(doctest)]
pub mod docs {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../docs/writing-contracts.md")]
    pub struct WritingContracts;
    #[doc = include_str!("../../docs/testing.md")]
    pub struct Testing;
    #[doc = include_str!("../../docs/deploying.md")]
    pub struct Deploying;
    #[doc = include_str!("../../docs/compatibility.md")]
    pub struct Compatibility;
    #[doc = include_str!("../../protos/README.md")]
    pub struct ProtosReadme;
    #[doc = include_str!("../../shim/README.md")]
    pub struct ShimReadme;
    #[doc = include_str!("../../contract-api/README.md")]
    pub struct ContractApiReadme;
    #[doc = include_str!("../../contract-macros/README.md")]
    pub struct ContractMacrosReadme;
    #[doc = include_str!("../../dev-peer/README.md")]
    pub struct DevPeerReadme;
}

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fabric_dev_peer::{DevPeer, RegisterServer};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, ChildStderr, Command};
use tokio::sync::Notify;
pub use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// Evaluates `org.hyperledger.fabric:GetMetadata` on chaincode `name`,
/// checks it against Fabric's schemas and returns it.
pub async fn served_metadata(peer: &DevPeer, name: &str) -> serde_json::Value {
    let out = peer
        .evaluate(fabric_dev_peer::Invocation::new(
            name,
            &["org.hyperledger.fabric:GetMetadata"],
        ))
        .await
        .expect("the chaincode is connected");
    assert_eq!(out.status(), 200, "GetMetadata: {}", out.message());
    let metadata: serde_json::Value =
        serde_json::from_slice(out.payload()).expect("GetMetadata returns JSON");
    assert_valid_metadata(&metadata);
    metadata
}

/// Runs `<binary> metadata` (no peer), checks the printed metadata against
/// Fabric's schemas and returns it.
pub async fn printed_metadata(binary: &str) -> serde_json::Value {
    let output = Command::new(binary)
        .arg("metadata")
        .output()
        .await
        .expect("the chaincode runs");
    assert!(
        output.status.success(),
        "{binary} metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("it prints JSON");
    assert_valid_metadata(&metadata);
    metadata
}

/// How a chaincode process reaches the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// It dials the peer (`-peer.address`, `CORE_CHAINCODE_ID_NAME`), as a
    /// peer-launched chaincode does.
    Dial,
    /// It serves `Chaincode.Connect` (`CHAINCODE_SERVER_ADDRESS`,
    /// `CHAINCODE_ID`) and the peer dials it, as chaincode-as-a-service.
    Service,
}

/// Starts the chaincode executable `binary` as `<name>:0123`, connects it to
/// `peer` in `mode`, and returns once it is registered. Extra environment
/// variables go to the process; it is killed when the returned child drops.
pub async fn launch(
    peer: &DevPeer,
    binary: &str,
    name: &str,
    mode: Mode,
    env: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(binary);
    command
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "WARNING")
        .envs(env.iter().copied())
        .stdout(Stdio::null());
    launch_command(peer, command, name, mode).await
}

/// [`launch`] with a command the caller has prepared (arguments,
/// environment, standard streams); `CORE_PEER_TLS_ENABLED` is `false`
/// unless the command sets it, and in [`Mode::Service`] the chaincode
/// listens on the command's `CHAINCODE_SERVER_ADDRESS` if it has one.
pub async fn launch_command(peer: &DevPeer, mut command: Command, name: &str, mode: Mode) -> Child {
    let tls_set = command
        .as_std()
        .get_envs()
        .any(|(key, _)| key == "CORE_PEER_TLS_ENABLED");
    if !tls_set {
        command.env("CORE_PEER_TLS_ENABLED", "false");
    }
    command.kill_on_drop(true);
    let binary = command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned();
    let id = format!("{name}:0123");
    match mode {
        Mode::Dial => {
            let server = RegisterServer::bind("127.0.0.1:0", None)
                .await
                .expect("a loopback port");
            let address = server.local_addr().to_string();
            peer.serve(server);
            let child = command
                .arg(format!("-peer.address={address}"))
                .env("CORE_CHAINCODE_ID_NAME", &id)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
            peer.wait_for(name, Duration::from_secs(30))
                .await
                .unwrap_or_else(|e| panic!("{name} did not register: {e}"));
            child
        }
        Mode::Service => {
            let chosen = command
                .as_std()
                .get_envs()
                .find(|(key, _)| *key == "CHAINCODE_SERVER_ADDRESS")
                .and_then(|(_, value)| value.map(|v| v.to_string_lossy().into_owned()));
            let address = chosen.unwrap_or_else(|| format!("127.0.0.1:{}", free_port()));
            let child = command
                .env("CHAINCODE_SERVER_ADDRESS", &address)
                .env("CHAINCODE_ID", &id)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
            for _ in 0..300 {
                if peer.connect(&address, None).await.is_ok() {
                    return child;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the chaincode server of {name} did not come up at {address}");
        }
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Sends SIGTERM to a child process, as `docker stop`, systemd and
/// Kubernetes do first.
pub fn terminate(child: &Child) {
    let pid = child.id().expect("the process is running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -TERM {pid} failed");
}

/// Waits (at most `limit`) for a child to exit.
pub async fn exit_status(child: &mut Child, limit: Duration) -> ExitStatus {
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => status.expect("the exit status can be read"),
        Err(_) => panic!("the process did not exit within {limit:?}"),
    }
}

/// The standard error of a child, read line by line as it comes.
#[derive(Clone, Default)]
pub struct Log {
    lines: Arc<Mutex<Vec<String>>>,
    grew: Arc<Notify>,
}

impl Log {
    /// Reads `stderr` in the background until it closes.
    pub fn capture(stderr: ChildStderr) -> Log {
        let log = Log::default();
        let writer = log.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                writer.lines.lock().unwrap().push(line);
                writer.grew.notify_waiters();
            }
        });
        log
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Every line so far, as one text.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// Waits (at most `limit`) for a line containing `needle`, and returns it.
    pub async fn wait_for(&self, needle: &str, limit: Duration) -> String {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let grew = self.grew.notified();
            if let Some(line) = self.lines().into_iter().find(|l| l.contains(needle)) {
                return line;
            }
            if tokio::time::timeout_at(deadline, grew).await.is_err() {
                panic!("no log line contains {needle:?}; the log:\n{}", self.text());
            }
        }
    }
}

/// A gRPC health-checking client of `address` (`host:port`, plaintext).
pub async fn health_client(address: &str) -> HealthClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("a valid address")
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the health endpoint {address}: {e}"));
    HealthClient::new(channel)
}

/// What `grpc.health.v1.Health/Check` answers for `service` (`""`: the
/// whole process), or the call's error.
pub async fn health_status(
    client: &mut HealthClient<tonic::transport::Channel>,
    service: &str,
) -> Result<ServingStatus, tonic::Status> {
    let response: HealthCheckResponse = client
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?
        .into_inner();
    Ok(response.status())
}

/// Polls the health of `service` until it is `wanted` (at most `limit`).
pub async fn wait_for_health(
    client: &mut HealthClient<tonic::transport::Channel>,
    service: &str,
    wanted: ServingStatus,
    limit: Duration,
) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        last = Some(health_status(client, service).await);
        if matches!(&last, Some(Ok(status)) if *status == wanted) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the health of {service:?} did not become {wanted:?}: last {last:?}");
}

pub use test_fixtures::{assert_valid_metadata, validate_metadata};

/// A binary of the workspace in the target directory this test runs from
/// (`cargo test --workspace` builds every binary).
pub fn workspace_bin(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let path = exe
        .ancestors()
        .nth(2)
        .expect("<target>/<profile>/deps/<test>")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (it builds every binary)",
        path.display()
    );
    path
}

/// A running `fabric-dev-peer serve`, killed when dropped, with what it printed.
pub struct Served {
    /// The process.
    pub child: Child,
    /// The Gateway's `host:port`.
    pub endpoint: String,
    /// The first organization's folder (the samples' `CRYPTO_PATH`).
    pub crypto_path: std::path::PathBuf,
    /// Its ledger and organizations (removed when dropped).
    pub data_dir: std::path::PathBuf,
    /// The contract explorer's address, e.g. `http://127.0.0.1:7080/`.
    pub explorer: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Starts `fabric-dev-peer serve --tls` on free loopback ports (the
/// Gateway, the chaincode listener and, unless `extra` says otherwise, the
/// explorer page) with the given `NAME=PATH` chaincodes and extra `serve`
/// options, and returns once it says it is ready.
pub async fn serve_tls(
    tag: &str,
    chaincodes: &[(&str, &std::path::Path)],
    extra: &[&str],
) -> Served {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let data_dir =
        std::env::temp_dir().join(format!("dev-peer-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut command = Command::new(workspace_bin("fabric-dev-peer"));
    command
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "serve",
            "--tls",
            "--listen",
            "127.0.0.1:0",
            "--chaincode-listen",
            "127.0.0.1:0",
        ])
        .args(extra);
    if !extra.iter().any(|a| a.contains("explorer")) {
        // The page too on a free port, never the default one.
        command.args(["--explorer", "127.0.0.1:0"]);
    }
    for (name, path) in chaincodes {
        command
            .arg("--chaincode")
            .arg(format!("{name}={}", path.display()));
    }
    let mut child = command
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("fabric-dev-peer starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut endpoint = None;
    let mut crypto_path = None;
    let mut explorer = None;
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("Fabric Gateway: ") {
                endpoint = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(rest) = line.strip_prefix("fabric-samples gateway apps: CRYPTO_PATH=") {
                crypto_path = rest.split_whitespace().next().map(std::path::PathBuf::from);
            }
            if let Some(rest) = line.strip_prefix("Explorer: ") {
                explorer = rest.split_whitespace().next().map(str::to_owned);
            }
            if line.starts_with("Ready.") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "serve did not become ready within 60 s");
    // Keep reading its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Served {
        child,
        endpoint: endpoint.expect("serve prints its endpoint"),
        crypto_path: crypto_path.expect("serve prints CRYPTO_PATH"),
        data_dir,
        explorer,
    }
}
