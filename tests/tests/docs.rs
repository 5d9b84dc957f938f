//! The commands the README and the getting-started guide show are run here,
//! as written (only the ledger directory is a temporary one).

use std::path::{Path, PathBuf};

const PREFIX: &str = "cargo run -p fabric-dev-peer -- ";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `target/debug`, where `cargo test --workspace` has built every binary.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// The `fabric-dev-peer` command lines of the ```sh blocks of a Markdown file.
fn commands(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join(file)).unwrap();
    let mut in_sh = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if in_sh && let Some(rest) = line.strip_prefix(PREFIX) {
            out.push(rest.to_owned());
        }
    }
    out
}

async fn run_all(file: &str) -> Vec<(String, String)> {
    let chaincode = target_dir().join("asset-transfer-basic");
    assert!(
        chaincode.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (it builds every binary)",
        chaincode.display()
    );
    let data_dir = std::env::temp_dir().join(format!(
        "docs-{}-{}",
        file.replace('/', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut outputs = Vec::new();
    for command in commands(file) {
        if command == "demo" {
            continue; // builds with cargo; covered by the README check below
        }
        if command.starts_with("serve ") {
            continue; // runs until stopped; covered by tests/node_gateway.rs
        }
        if command.starts_with("new ") {
            continue; // builds a project with cargo; covered by tests/scaffold.rs
        }
        let mut args = vec![
            "fabric-dev-peer".to_string(),
            "--data-dir".into(),
            data_dir.display().to_string(),
        ];
        for word in shlex::split(&command).expect("shell words") {
            args.push(if word == "target/debug/asset-transfer-basic" {
                chaincode.display().to_string()
            } else {
                word
            });
        }
        let mut out = Vec::new();
        let result = fabric_dev_peer::cli::run(args, &mut out).await;
        assert!(
            result.is_ok(),
            "`{command}` failed: {}",
            result.unwrap_err()
        );
        outputs.push((command, String::from_utf8(out).unwrap()));
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getting_started_commands_work_as_written() {
    let outputs = run_all("docs/getting-started.md").await;
    assert_eq!(outputs.len(), 6, "{outputs:?}");
    assert_eq!(
        outputs[0].1,
        "Chaincode invoke successful. result: status:200 payload:\"\"\n"
    );
    assert!(
        outputs[1].1.contains("\"Owner\":\"Tomoko\""),
        "{}",
        outputs[1].1
    );
    assert!(
        outputs[2].1.contains("payload:\"Tomoko\""),
        "{}",
        outputs[2].1
    );
    assert!(
        outputs[3].1.contains("\"Owner\":\"Ana\""),
        "{}",
        outputs[3].1
    );
    assert!(outputs[4].1.contains("\"contracts\""));
    assert_eq!(outputs[5].1.lines().count(), 6, "{}", outputs[5].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_commands_work_as_written() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(readme.contains("```sh\ncargo run -p fabric-dev-peer -- demo\n```"));
    assert!(readme.contains("```sh\ncargo test --workspace\n```"));
    assert!(
        std::fs::read_to_string(workspace().join(".ci/run"))
            .unwrap()
            .lines()
            .any(|line| line.trim() == "cargo test --workspace"),
        ".ci/run does not run the README's test command"
    );
    let outputs = run_all("README.md").await;
    assert_eq!(outputs.len(), 4, "{outputs:?}");
    assert!(
        outputs[1].1.contains("\"ID\":\"asset1\""),
        "{}",
        outputs[1].1
    );
}
