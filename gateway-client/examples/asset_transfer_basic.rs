//! The fabric-samples `application-gateway-typescript` walk-through, in Rust,
//! against the `asset-transfer-basic` chaincode on any Fabric peer with the
//! Gateway service.
//!
//! Configured like the sample, by environment (defaults in brackets):
//! `CHANNEL_NAME` [mychannel], `CHAINCODE_NAME` [basic], `MSP_ID` [Org1MSP],
//! `CRYPTO_PATH` [../fabric-samples/test-network/organizations/peerOrganizations/org1.example.com],
//! `KEY_DIRECTORY_PATH`, `CERT_DIRECTORY_PATH` (the user's `msp/keystore`
//! and `msp/signcerts`), `TLS_CERT_PATH` [the peer's `tls/ca.crt`],
//! `PEER_ENDPOINT` [localhost:7051], `PEER_HOST_ALIAS` [peer0.org1.example.com].
//! A `PEER_ENDPOINT` of the form `http://host:port` connects without TLS.
//!
//! ```sh
//! cargo run -p fabric-gateway-client --example asset_transfer_basic
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fabric_gateway_client::{
    Contract, EcdsaSigner, Error, Gateway, Identity, NO_ARGS, PeerEndpoint, msp,
};

fn env(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let channel_name = env("CHANNEL_NAME", "mychannel");
    let chaincode_name = env("CHAINCODE_NAME", "basic");
    let msp_id = env("MSP_ID", "Org1MSP");
    let crypto_path = env(
        "CRYPTO_PATH",
        "../fabric-samples/test-network/organizations/peerOrganizations/org1.example.com",
    );
    let user_msp = format!("{crypto_path}/users/User1@org1.example.com/msp");
    let key_directory = env("KEY_DIRECTORY_PATH", &format!("{user_msp}/keystore"));
    let cert_directory = env("CERT_DIRECTORY_PATH", &format!("{user_msp}/signcerts"));
    let tls_cert_path = env(
        "TLS_CERT_PATH",
        &format!("{crypto_path}/peers/peer0.org1.example.com/tls/ca.crt"),
    );
    let peer_endpoint = env("PEER_ENDPOINT", "localhost:7051");
    let peer_host_alias = env("PEER_HOST_ALIAS", "peer0.org1.example.com");

    let mut endpoint = PeerEndpoint::new(&peer_endpoint);
    if !peer_endpoint.starts_with("http://") {
        endpoint = endpoint
            .tls_ca_certificate(
                std::fs::read(&tls_cert_path).map_err(|e| format!("{tls_cert_path}: {e}"))?,
            )
            .server_name_override(peer_host_alias);
    }
    let identity = Identity::from_pem_file(
        msp_id,
        msp::first_file(std::path::Path::new(&cert_directory))?,
    )?;
    let signer =
        EcdsaSigner::from_pem_file(msp::first_file(std::path::Path::new(&key_directory))?)?;

    let gateway = Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(endpoint)
        .evaluate_timeout(Duration::from_secs(5))
        .endorse_timeout(Duration::from_secs(15))
        .submit_timeout(Duration::from_secs(5))
        .commit_status_timeout(Duration::from_secs(60))
        .connect()
        .await?;
    let contract = gateway.network(channel_name).contract(chaincode_name);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let asset_id = format!("asset{millis}");

    println!("\n--> Submit Transaction: InitLedger");
    contract.submit_transaction("InitLedger", NO_ARGS).await?;
    println!("*** Transaction committed successfully");

    println!("\n--> Evaluate Transaction: GetAllAssets");
    let assets = contract
        .evaluate_transaction("GetAllAssets", NO_ARGS)
        .await?;
    println!("*** Result: {}", String::from_utf8_lossy(&assets));

    println!("\n--> Submit Transaction: CreateAsset, {asset_id}");
    contract
        .submit_transaction(
            "CreateAsset",
            [asset_id.as_str(), "yellow", "5", "Tom", "1300"],
        )
        .await?;
    println!("*** Transaction committed successfully");

    transfer_asset_async(&contract, &asset_id).await?;

    println!("\n--> Evaluate Transaction: ReadAsset, {asset_id}");
    let asset = contract
        .evaluate_transaction("ReadAsset", [&asset_id])
        .await?;
    println!("*** Result: {}", String::from_utf8_lossy(&asset));

    println!(
        "\n--> Submit Transaction: UpdateAsset asset70, asset70 does not exist and should return an error"
    );
    match contract
        .submit_transaction("UpdateAsset", ["asset70", "blue", "5", "Tomoko", "300"])
        .await
    {
        Ok(_) => return Err("UpdateAsset of asset70 should have failed".into()),
        Err(error) => print_error(&error),
    }
    Ok(())
}

async fn transfer_asset_async(contract: &Contract, asset_id: &str) -> Result<(), Error> {
    println!("\n--> Async Submit Transaction: TransferAsset, {asset_id}");
    let submitted = contract
        .submit_async("TransferAsset")
        .arguments([asset_id, "Saptha"])
        .invoke()
        .await?;
    println!(
        "*** Successfully submitted transaction to transfer ownership from {} to Saptha",
        String::from_utf8_lossy(submitted.result())
    );
    println!("*** Waiting for transaction commit");
    let status = submitted.status().await?;
    status.clone().into_result()?;
    println!(
        "*** Transaction {} committed successfully in block {}",
        status.transaction_id, status.block_number
    );
    Ok(())
}

fn print_error(error: &Error) {
    println!("*** Successfully caught the error:\n{error}");
    if let Some(transaction_id) = error.transaction_id() {
        println!("Transaction ID: {transaction_id}");
    }
    for detail in error.details() {
        println!(
            "- address: {}; mspId: {}; message: {}",
            detail.address, detail.msp_id, detail.message
        );
    }
}
