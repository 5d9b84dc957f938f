//! `fabric-dev-peer new` creates a project outside this repository that
//! builds, passes its own test and runs on the development peer.
//!
//! The generated project builds in `<target dir>/scaffold` (kept between
//! runs, so only the first run compiles its dependencies).

use std::path::{Path, PathBuf};
use std::process::Command;

async fn dev_peer(args: &[&str]) -> Result<String, String> {
    let mut out = Vec::new();
    let argv = std::iter::once("fabric-dev-peer")
        .chain(args.iter().copied())
        .map(str::to_owned);
    fabric_dev_peer::cli::run(argv, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

/// `<target dir>/scaffold`, next to the `debug` directory this test runs from.
fn scaffold_target() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("scaffold")
}

fn cargo(project: &Path, args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", scaffold_target())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "cargo {args:?} failed in the generated project:\n{text}"
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_contract_builds_tests_and_runs_on_the_dev_peer() {
    let tmp = std::env::temp_dir().join(format!("scaffold-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let project = tmp.join("hello-contract");
    let printed = dev_peer(&["new", project.to_str().unwrap()]).await.unwrap();
    assert!(printed.contains("Created"), "{printed}");
    for file in [
        "Cargo.toml",
        "README.md",
        ".gitignore",
        "src/lib.rs",
        "src/main.rs",
        "tests/contract.rs",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    // A second `new` into the same directory refuses to overwrite it.
    let again = dev_peer(&["new", project.to_str().unwrap()])
        .await
        .unwrap_err();
    assert!(again.contains("not empty"), "{again}");

    let tested = cargo(&project, &["test"]);
    assert!(
        tested.contains("test create_transfer_and_read_an_asset ... ok"),
        "{tested}"
    );
    cargo(&project, &["build"]);
    let binary = scaffold_target().join("debug/hello-contract");
    assert!(binary.is_file(), "{} missing", binary.display());

    // The README's commands, on a ledger of the test's own.
    let ledger = tmp.join("ledger");
    let common = [
        "--data-dir",
        ledger.to_str().unwrap(),
        "-n",
        "hello-contract",
        "--chaincode",
        binary.to_str().unwrap(),
    ];
    let call = |verb: &'static str, ctor: &'static str| {
        let mut args = vec![verb];
        args.extend_from_slice(&common);
        args.extend_from_slice(&["-c", ctor]);
        args
    };
    let created = dev_peer(&call(
        "invoke",
        r#"{"Args":["CreateAsset","asset1","Tomoko","300"]}"#,
    ))
    .await
    .unwrap();
    assert!(created.contains("status:200"), "{created}");
    let read = dev_peer(&call("query", r#"{"Args":["ReadAsset","asset1"]}"#))
        .await
        .unwrap();
    assert_eq!(
        read.trim(),
        r#"{"ID":"asset1","Owner":"Tomoko","Value":300}"#
    );
    let missing = dev_peer(&call("query", r#"{"Args":["ReadAsset","nope"]}"#))
        .await
        .unwrap_err();
    assert!(
        missing.contains("the asset nope does not exist"),
        "{missing}"
    );
    // The chaincode's own output went to the log the CLI names.
    assert!(ledger.join("logs/hello-contract.log").is_file());
    let _ = std::fs::remove_dir_all(&tmp);
}
