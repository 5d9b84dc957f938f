//! The command line mixes with a running `serve`: `invoke`/`query`/`metadata`
//! with `--gateway` go through its Fabric Gateway, as `--user` of `--mspid`.

use integration_tests::{serve_tls, workspace_bin};

async fn cli(args: &[&str]) -> Result<String, String> {
    let mut out = Vec::new();
    let argv = std::iter::once("fabric-dev-peer")
        .chain(args.iter().copied())
        .map(str::to_owned);
    fabric_dev_peer::cli::run(argv, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_and_query_through_the_gateway_of_a_running_serve() {
    let served = serve_tls(
        "cli",
        &[("basic", &workspace_bin("asset-transfer-basic"))],
        &["--org", "Org1MSP", "--org", "Org2MSP"],
    )
    .await;
    let data_dir = served.data_dir.to_str().unwrap();
    let endpoint = served.endpoint.as_str();
    let via = |verb: &'static str, ctor: &'static str, who: &'static [&'static str]| {
        let mut args = vec!["--data-dir", data_dir];
        args.extend_from_slice(who);
        args.extend_from_slice(&[verb, "-n", "basic", "--gateway", endpoint, "--tls"]);
        if !ctor.is_empty() {
            args.extend_from_slice(&["-c", ctor]);
        }
        args
    };
    let init = cli(&via("invoke", r#"{"Args":["InitLedger"]}"#, &[]))
        .await
        .unwrap();
    assert_eq!(
        init,
        "Chaincode invoke successful. result: status:200 payload:\"\"\n"
    );
    // Another organization's user reads what the first one wrote.
    let read = cli(&via(
        "query",
        r#"{"Args":["ReadAsset","asset1"]}"#,
        &["--mspid", "Org2MSP", "--user", "User1"],
    ))
    .await
    .unwrap();
    assert!(read.contains(r#""Owner":"Tomoko""#), "{read}");
    let missing = cli(&via("query", r#"{"Args":["ReadAsset","nope"]}"#, &[]))
        .await
        .unwrap_err();
    assert_eq!(
        missing,
        r#"Error: endorsement failure during query. response: status:500 message:"the asset nope does not exist""#
    );
    let metadata = cli(&via("metadata", "", &[])).await.unwrap();
    assert!(metadata.contains("\"ReadAsset\""), "{metadata}");
    // The ledger is the running peer's: a direct command says how to reach it.
    let busy = cli(&["--data-dir", data_dir, "state"]).await.unwrap_err();
    assert!(busy.contains("Call it with --gateway"), "{busy}");
}
