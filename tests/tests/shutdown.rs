//! Graceful shutdown of a real chaincode process, in both connection modes,
//! with transactions in flight: the gate chaincode (`src/bin/gate-chaincode.rs`)
//! keeps a `wait` transaction running until the test writes a line to its
//! standard input. The development peer holds its stream open throughout,
//! as a Fabric peer does.
//!
//! No assertion depends on how fast the machine is, except the drain
//! deadline: the process may not exit before it, and must exit within a
//! generous margin after it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use fabric_dev_peer::{DevPeer, Invocation, RegisterServer, TxOutcome};
use integration_tests::{
    Log, Mode, ServingStatus, exit_status, free_port, health_client, health_status, launch_command,
    terminate, wait_for_health,
};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};
use tokio::task::JoinHandle;

const GATE: &str = env!("CARGO_BIN_EXE_gate-chaincode");
/// Generous bound for anything that should happen "soon" on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(60);

struct Gate {
    peer: DevPeer,
    child: Child,
    stdin: ChildStdin,
    log: Log,
    /// Where health checks are answered.
    health: String,
}

/// Starts the gate chaincode in `mode` with `env`; health is read on the
/// chaincode port (service mode) or on `CHAINCODE_HEALTH_ADDRESS` (dial mode).
async fn start(mode: Mode, env: &[(&str, &str)]) -> Gate {
    let peer = DevPeer::in_memory().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut command = Command::new(GATE);
    command
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    match mode {
        Mode::Service => command.env("CHAINCODE_SERVER_ADDRESS", &address),
        Mode::Dial => command.env("CHAINCODE_HEALTH_ADDRESS", &address),
    };
    let mut child = launch_command(&peer, command, "gate", mode).await;
    let log = Log::capture(child.stderr.take().unwrap());
    let stdin = child.stdin.take().unwrap();
    Gate {
        peer,
        child,
        stdin,
        log,
        health: address,
    }
}

impl Gate {
    /// Submits `function` in the background.
    fn submit(&self, function: &str) -> JoinHandle<TxOutcome> {
        let peer = self.peer.clone();
        let invocation = Invocation::new("gate", &[function]);
        tokio::spawn(async move { peer.submit(invocation).await.unwrap() })
    }

    /// A `wait` transaction, returned once the chaincode is running it.
    async fn in_flight(&self) -> JoinHandle<TxOutcome> {
        let before = self.log.lines().len();
        let outcome = self.submit("wait");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.log.lines()[before..]
            .iter()
            .all(|l| !l.contains("waiting at the gate"))
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the transaction never started; the log:\n{}",
                self.log.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        outcome
    }

    /// Lets one waiting transaction through.
    async fn open(&mut self) {
        self.stdin.write_all(b"open\n").await.unwrap();
        self.stdin.flush().await.unwrap();
    }
}

async fn outcome(task: JoinHandle<TxOutcome>) -> TxOutcome {
    tokio::time::timeout(PATIENCE, task)
        .await
        .expect("the peer got an answer")
        .unwrap()
}

/// SIGTERM with one transaction in flight: it completes, a transaction sent
/// during the drain is refused with an error, health turns NOT_SERVING, the
/// process exits 0.
async fn drains_gracefully(mode: Mode, env: &[(&str, &str)]) -> Gate {
    let mut gate = start(
        mode,
        &[env, &[("CHAINCODE_DRAIN_TIMEOUT", "120s")]].concat(),
    )
    .await;
    let mut health = health_client(&gate.health).await;
    wait_for_health(&mut health, "", ServingStatus::Serving, PATIENCE).await;
    if mode == Mode::Service {
        let chaincode = health_status(&mut health, "protos.Chaincode").await;
        assert_eq!(chaincode.unwrap(), ServingStatus::Serving);
    }
    let ping = outcome(gate.submit("ping")).await;
    assert_eq!((ping.status(), ping.payload_text().as_str()), (200, "pong"));

    let in_flight = gate.in_flight().await;
    terminate(&gate.child);
    wait_for_health(&mut health, "", ServingStatus::NotServing, PATIENCE).await;

    let late = outcome(gate.submit("ping")).await;
    assert_eq!(late.status(), 500, "{}", late.message());
    assert!(
        late.message().contains("shutting down"),
        "the refusal says why: {}",
        late.message()
    );
    if mode == Mode::Service {
        // The listening socket is closed: new connections are refused.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while tokio::net::TcpStream::connect(&gate.health).await.is_ok() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server still accepts connections while draining"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(
        gate.child.try_wait().unwrap().is_none(),
        "the process waits for its transaction in flight"
    );

    gate.open().await;
    let done = outcome(in_flight).await;
    assert_eq!(
        (done.status(), done.payload_text().as_str()),
        (200, "opened"),
        "{}",
        done.message()
    );
    let status = exit_status(&mut gate.child, PATIENCE).await;
    assert_eq!(status.code(), Some(0), "log:\n{}", gate.log.text());
    let log = gate.log.text();
    assert!(!log.contains("cut off"), "{log}");
    assert!(!log.contains("h2 protocol error"), "{log}");
    gate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_mode_drains_in_flight_transactions_then_exits_0() {
    let gate = drains_gracefully(Mode::Service, &[]).await;
    // Plain text, without colours (stderr is a pipe), every transaction's
    // lines in its span.
    let line = gate.log.wait_for("waiting at the gate", PATIENCE).await;
    assert!(
        line.contains("transaction{txid=")
            && line.contains("channel=")
            && line.contains("function=wait}"),
        "{line}"
    );
    assert!(!gate.log.text().contains('\u{1b}'), "{}", gate.log.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_mode_drains_in_flight_transactions_then_exits_0() {
    let gate = drains_gracefully(Mode::Dial, &[("CORE_CHAINCODE_LOGGING_FORMAT", "json")]).await;
    // One JSON object per line; a transaction's lines carry its span.
    for line in gate.log.lines() {
        let _: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
    }
    let line = gate.log.wait_for("waiting at the gate", PATIENCE).await;
    let line: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["message"], "waiting at the gate");
    let span = &line["span"];
    assert_eq!(span["name"], "transaction");
    assert_eq!(span["function"], "wait");
    assert_eq!(span["channel"], "mychannel");
    assert_eq!(span["txid"].as_str().unwrap().len(), 64, "{span}");
}

/// SIGTERM with a transaction that never finishes: at the deadline the
/// process gives up on it, tells the peer, names it in the log and exits
/// non-zero.
async fn cuts_off_at_the_deadline(mode: Mode) {
    let mut gate = start(mode, &[("CHAINCODE_DRAIN_TIMEOUT", "2s")]).await;
    let stuck = gate.in_flight().await;
    let signalled = Instant::now();
    terminate(&gate.child);
    let status = exit_status(&mut gate.child, PATIENCE).await;
    let waited = signalled.elapsed();
    assert!(!status.success(), "{status}; log:\n{}", gate.log.text());
    assert!(
        waited >= Duration::from_secs(2),
        "exited after {waited:?}, before the deadline"
    );

    let stuck = outcome(stuck).await;
    assert_eq!(stuck.status(), 500);
    assert!(
        stuck
            .message()
            .contains("shut down before the transaction completed"),
        "{}",
        stuck.message()
    );
    let line = gate.log.wait_for("cut off", PATIENCE).await;
    assert!(
        line.contains(&stuck.txid) && line.contains("wait") && line.contains("mychannel"),
        "the log names the transaction: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_mode_cuts_off_a_stuck_transaction_at_the_deadline() {
    cuts_off_at_the_deadline(Mode::Service).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_mode_cuts_off_a_stuck_transaction_at_the_deadline() {
    cuts_off_at_the_deadline(Mode::Dial).await;
}

/// Forwards one TCP connection to `target` until `cut` is called: then both
/// sockets close, as when the peer process exits.
async fn cuttable_proxy(target: String) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (cut, cut_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut inbound, _) = listener.accept().await.unwrap();
        let mut outbound = tokio::net::TcpStream::connect(target).await.unwrap();
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
            _ = cut_rx => {}
        }
    });
    (address, cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_goes_away_is_logged_as_a_disconnect_not_an_error() {
    // Service mode: the server logs the disconnect and keeps serving.
    let peer = DevPeer::in_memory().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(GATE)
        .env("RUST_LOG", "info")
        .env("CHAINCODE_SERVER_ADDRESS", &address)
        .env("CHAINCODE_ID", "gate:0123")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let log = Log::capture(server.stderr.take().unwrap());
    log.wait_for("chaincode server listening", PATIENCE).await;
    let (proxy, cut) = cuttable_proxy(address.clone()).await;
    peer.connect(&proxy, None).await.unwrap();
    let ping = peer
        .submit(Invocation::new("gate", &["ping"]))
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    cut.send(()).unwrap();
    let line = log.wait_for("peer disconnected", PATIENCE).await;
    assert!(line.contains("INFO"), "{line}");
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server keeps serving"
    );
    terminate(&server);
    assert!(exit_status(&mut server, PATIENCE).await.success());

    // Dial mode: the process stops, successfully, saying why.
    let registrar = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let (proxy, cut) = cuttable_proxy(registrar.local_addr().to_string()).await;
    peer.serve(registrar);
    let mut dialer = Command::new(GATE)
        .env("RUST_LOG", "info")
        .env("CORE_PEER_TLS_ENABLED", "false")
        .env("CORE_CHAINCODE_ID_NAME", "dialer:0123")
        .arg(format!("-peer.address={proxy}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let dial_log = Log::capture(dialer.stderr.take().unwrap());
    peer.wait_for("dialer", PATIENCE).await.unwrap();
    dial_log.wait_for("chaincode is ready", PATIENCE).await;
    cut.send(()).unwrap();
    let status = exit_status(&mut dialer, PATIENCE).await;
    assert!(status.success(), "{status}; log:\n{}", dial_log.text());
    dial_log
        .wait_for("the peer closed the connection", PATIENCE)
        .await;

    for text in [log.text(), dial_log.text()] {
        assert!(!text.contains("h2 protocol error"), "{text}");
        assert!(!text.contains("ERROR"), "{text}");
    }
}
