//! The app, as a user runs it, against `fabric-dev-peer serve` over TLS:
//! the fabric-samples steps through the contract's typed client.

use std::time::Duration;

use integration_tests::{serve_tls, workspace_bin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_samples_steps_through_the_typed_client_over_tls() {
    let served = serve_tls(
        "basic-app",
        &[("basic", &workspace_bin("asset-transfer-basic"))],
        &[],
    )
    .await;
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_asset-transfer-basic-app"))
            .env("CRYPTO_PATH", &served.crypto_path)
            .env("PEER_ENDPOINT", &served.endpoint)
            .output(),
    )
    .await
    .expect("the app finishes within 120 s")
    .expect("the app runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the app failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "*** Result: 6 assets; first: Some(Asset { appraised_value: 300, color: \"blue\", id: \"asset1\", owner: \"Tomoko\", size: 5 })",
        "*** Successfully submitted transaction to transfer ownership from Tom to Saptha",
        "owner: \"Saptha\"",
        "*** Successfully caught the error:",
        "*** The contract said: the asset asset70 does not exist",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing in:\n{stdout}"
        );
    }
    let committed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("*** Transaction committed successfully in block "))
        .expect("the transfer's commit status");
    assert!(committed.parse::<u64>().unwrap() > 0);
}

/// The app takes the contract's crate without the chaincode runtime: no
/// chaincode server, signal handling or log set-up in its build.
#[test]
fn the_app_leaves_the_chaincode_runtime_out() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "tree",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            "asset-transfer-basic-app",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.contains("fabric-contract-api"), "{tree}");
    assert!(tree.contains("fabric-gateway-client"), "{tree}");
    for runtime_only in ["tracing-subscriber", "axum"] {
        assert!(
            !tree
                .lines()
                .any(|l| l.starts_with(&format!("{runtime_only} "))),
            "{runtime_only} is in the app's dependencies:\n{tree}"
        );
    }
}
