//! The development peer's command line with this chaincode: what a developer
//! types and sees, and that the ledger persists between runs.

use std::path::PathBuf;

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-basic");

struct Cli {
    data_dir: PathBuf,
}

impl Cli {
    fn new(name: &str) -> Cli {
        let data_dir =
            std::env::temp_dir().join(format!("dev-peer-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        Cli { data_dir }
    }

    /// Runs `fabric-dev-peer <args>`; `Ok(stdout)` or `Err(the error line)`.
    async fn run(&self, args: &[&str]) -> Result<String, String> {
        let mut argv = vec![
            "fabric-dev-peer".to_string(),
            "--data-dir".into(),
            self.data_dir.display().to_string(),
        ];
        argv.extend(args.iter().map(|s| s.to_string()));
        let mut out = Vec::new();
        fabric_dev_peer::cli::run(argv, &mut out).await?;
        Ok(String::from_utf8(out).unwrap())
    }

    async fn call(&self, action: &str, ctor: &str) -> Result<String, String> {
        self.run(&[action, "-n", "basic", "--chaincode", BINARY, "-c", ctor])
            .await
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_query_and_state_persist_between_runs() {
    let cli = Cli::new("persist");
    assert_eq!(
        cli.call("invoke", r#"{"Args":["InitLedger"]}"#)
            .await
            .unwrap(),
        "Chaincode invoke successful. result: status:200 payload:\"\"\n"
    );
    // A new process, a new peer, the same ledger.
    assert_eq!(
        cli.call("query", r#"{"function":"ReadAsset","Args":["asset1"]}"#)
            .await
            .unwrap(),
        "{\"AppraisedValue\":300,\"Color\":\"blue\",\"ID\":\"asset1\",\"Owner\":\"Tomoko\",\"Size\":5}\n"
    );
    assert_eq!(
        cli.call("invoke", r#"{"Args":["TransferAsset","asset1","Ana"]}"#)
            .await
            .unwrap(),
        "Chaincode invoke successful. result: status:200 payload:\"Tomoko\"\n"
    );
    let state = cli.run(&["state"]).await.unwrap();
    assert_eq!(state.lines().count(), 6, "{state}");
    assert!(
        state
            .lines()
            .next()
            .unwrap()
            .starts_with("basic asset1 = {\"AppraisedValue\":300"),
        "{state}"
    );
    assert!(state.contains("\"Owner\":\"Ana\""), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_is_printed_as_json() {
    let cli = Cli::new("metadata");
    let out = cli
        .run(&["metadata", "-n", "basic", "--chaincode", BINARY])
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(json["contracts"]["SmartContract"]["transactions"].is_array());
    assert!(out.contains("\n  \"contracts\""), "pretty-printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_clear_line() {
    let cli = Cli::new("errors");
    let err = cli
        .call("query", r#"{"Args":["ReadAsset","nope"]}"#)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        "Error: endorsement failure during query. response: status:500 message:\"the asset nope does not exist\""
    );
    let err = cli
        .call("invoke", r#"{"Args":["CreateAsset""#)
        .await
        .unwrap_err();
    assert!(err.starts_with("Error: invalid -c JSON"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let err = cli
        .run(&["query", "-n", "basic", "-c", r#"{"Args":[]}"#])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        "Error: chaincode basic is not connected: give --chaincode <executable> or --connect <address>"
    );
    let err = cli
        .run(&[
            "query",
            "-n",
            "basic",
            "--connect",
            "127.0.0.1:1",
            "-c",
            r#"{"Args":[]}"#,
        ])
        .await
        .unwrap_err();
    assert!(
        err.starts_with("Error: chaincode basic is not reachable at 127.0.0.1:1"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = cli
        .run(&[
            "query",
            "-n",
            "basic",
            "--chaincode",
            "/nonexistent/cc",
            "-c",
            r#"{"Args":[]}"#,
        ])
        .await
        .unwrap_err();
    assert!(
        err.starts_with("Error: cannot start chaincode /nonexistent/cc"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_data_is_base64_as_in_the_peer_cli() {
    let cli = Cli::new("transient");
    let err = cli
        .run(&[
            "invoke",
            "-n",
            "basic",
            "--chaincode",
            BINARY,
            "-c",
            r#"{"Args":["InitLedger"]}"#,
            "--transient",
            r#"{"k":"!"}"#,
        ])
        .await
        .unwrap_err();
    assert!(
        err.starts_with("Error: invalid --transient value for \"k\""),
        "{err}"
    );
}
