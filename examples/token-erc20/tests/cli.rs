//! The development peer's command line acting as different clients
//! (`--mspid`, `--user`): the minter organisation and another one.

const BINARY: &str = env!("CARGO_BIN_EXE_token-erc20");

async fn run(
    data_dir: &std::path::Path,
    identity: &[&str],
    args: &[&str],
) -> Result<String, String> {
    let mut argv = vec![
        "fabric-dev-peer".to_string(),
        "--data-dir".into(),
        data_dir.display().to_string(),
    ];
    argv.extend(identity.iter().map(|s| s.to_string()));
    argv.extend(args.iter().map(|s| s.to_string()));
    let mut out = Vec::new();
    fabric_dev_peer::cli::run(argv, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_two_organisations_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("token-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let minter = ["--mspid", "Org1MSP", "--user", "minter@org1.example.com"];
    let other = ["--mspid", "Org2MSP", "--user", "recipient@org2.example.com"];
    let cc = |ctor: &'static str| ["-n", "token", "--chaincode", BINARY, "-c", ctor];

    let mut invoke = vec!["invoke"];
    invoke.extend(cc(r#"{"Args":["Initialize","some token","SOME","2"]}"#));
    run(&dir, &minter, &invoke).await.unwrap();
    let mut mint = vec!["invoke"];
    mint.extend(cc(r#"{"Args":["Mint","5000"]}"#));
    let out = run(&dir, &minter, &mint).await.unwrap();
    assert!(out.contains("Event: Transfer"), "{out}");

    // The same client, in a new process: the balance is in the ledger.
    let mut balance = vec!["query"];
    balance.extend(cc(r#"{"Args":["ClientAccountBalance"]}"#));
    assert_eq!(run(&dir, &minter, &balance).await.unwrap(), "5000\n");

    // Another organisation may not mint.
    let err = run(&dir, &other, &mint).await.unwrap_err();
    assert_eq!(
        err,
        "Error: endorsement failure during invoke. response: status:500 message:\"client is not authorized to mint new tokens\""
    );
    assert!(
        run(&dir, &other, &balance)
            .await
            .unwrap_err()
            .contains("status:500")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
