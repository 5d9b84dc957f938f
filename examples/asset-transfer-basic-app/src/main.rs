//! The fabric-samples `asset-transfer-basic/application-gateway-typescript`
//! app in Rust, with the contract's typed client: the same environment
//! variables and defaults, the same steps, the same output.
//!
//! ```text
//! CRYPTO_PATH=.dev-peer/organizations/peerOrganizations/org1.example.com cargo run -p asset-transfer-basic-app
//! ```
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use asset_transfer_basic::SmartContractClient;
use fabric_contract_api::client::ClientError;
use fabric_contract_api::client::gateway::{Gateway, PeerEndpoint, msp};

/// `process.env[key] || default`, as the sample reads its settings.
fn env_or(key: &str, default: impl Into<String>) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.into())
}

struct Settings {
    channel: String,
    chaincode: String,
    msp_id: String,
    key_dir: PathBuf,
    cert_dir: PathBuf,
    tls_cert: PathBuf,
    endpoint: String,
    host_alias: String,
}

impl Settings {
    fn from_env() -> Self {
        let crypto = PathBuf::from(env_or(
            "CRYPTO_PATH",
            "../../test-network/organizations/peerOrganizations/org1.example.com",
        ));
        let user = crypto.join("users/User1@org1.example.com/msp");
        Settings {
            channel: env_or("CHANNEL_NAME", "mychannel"),
            chaincode: env_or("CHAINCODE_NAME", "basic"),
            msp_id: env_or("MSP_ID", "Org1MSP"),
            key_dir: env_or(
                "KEY_DIRECTORY_PATH",
                user.join("keystore").display().to_string(),
            )
            .into(),
            cert_dir: env_or(
                "CERT_DIRECTORY_PATH",
                user.join("signcerts").display().to_string(),
            )
            .into(),
            tls_cert: env_or(
                "TLS_CERT_PATH",
                crypto
                    .join("peers/peer0.org1.example.com/tls/ca.crt")
                    .display()
                    .to_string(),
            )
            .into(),
            endpoint: env_or("PEER_ENDPOINT", "localhost:7051"),
            host_alias: env_or("PEER_HOST_ALIAS", "peer0.org1.example.com"),
        }
    }
}

async fn connect(settings: &Settings) -> Result<Gateway, Box<dyn std::error::Error>> {
    let tls_ca = std::fs::read(&settings.tls_cert)
        .map_err(|e| format!("cannot read {}: {e}", settings.tls_cert.display()))?;
    let cert = msp::first_file(&settings.cert_dir)?;
    let key = msp::first_file(&settings.key_dir)?;
    let identity =
        fabric_contract_api::client::gateway::Identity::from_pem_file(&settings.msp_id, &cert)?;
    let signer = fabric_contract_api::client::gateway::EcdsaSigner::from_pem_file(&key)?;
    let endpoint = PeerEndpoint::new(&settings.endpoint)
        .tls_ca_certificate(tls_ca)
        .server_name_override(&settings.host_alias);
    Ok(Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(endpoint)
        .evaluate_timeout(Duration::from_secs(5))
        .endorse_timeout(Duration::from_secs(15))
        .submit_timeout(Duration::from_secs(5))
        .commit_status_timeout(Duration::from_secs(60))
        .connect()
        .await?)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env();
    let gateway = connect(&settings).await?;
    let network = gateway.network(&settings.channel);
    let basic = SmartContractClient::new(&network, &settings.chaincode);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let asset_id = format!("asset{millis}");

    println!(
        "\n--> Submit Transaction: InitLedger, function creates the initial set of assets on the ledger"
    );
    basic.init_ledger().await?;
    println!("*** Transaction committed successfully");

    println!(
        "\n--> Evaluate Transaction: GetAllAssets, function returns all the current assets on the ledger"
    );
    let assets = basic.get_all_assets().await?;
    println!(
        "*** Result: {} assets; first: {:?}",
        assets.len(),
        assets.first()
    );

    println!(
        "\n--> Submit Transaction: CreateAsset, creates new asset with ID, Color, Size, Owner and AppraisedValue arguments"
    );
    basic
        .create_asset(asset_id.as_str(), "yellow", 5, "Tom", 1300)
        .await?;
    println!("*** Transaction committed successfully");

    println!("\n--> Async Submit Transaction: TransferAsset, updates existing asset owner");
    let commit = basic
        .transfer_asset(asset_id.as_str(), "Saptha")
        .submit_async()
        .await?;
    println!(
        "*** Successfully submitted transaction to transfer ownership from {} to Saptha",
        commit.result()
    );
    println!("*** Waiting for transaction commit");
    let status = commit.status().await?;
    if !status.successful {
        return Err(format!(
            "Transaction {} failed to commit with status code {}",
            status.transaction_id, status.code
        )
        .into());
    }
    println!(
        "*** Transaction committed successfully in block {}",
        status.block_number
    );

    println!("\n--> Evaluate Transaction: ReadAsset, function returns asset attributes");
    let asset = basic.read_asset(asset_id.as_str()).await?;
    println!("*** Result: {asset:?}");

    println!(
        "\n--> Submit Transaction: UpdateAsset asset70, asset70 does not exist and should return an error"
    );
    match basic
        .update_asset("asset70", "blue", 5, "Tomoko", 300)
        .await
    {
        Ok(()) => return Err("******** FAILED to return an error".into()),
        Err(e @ ClientError::Gateway(_)) => {
            println!("*** Successfully caught the error:");
            println!("{e}");
            if let Some(message) = e.chaincode_message() {
                println!("*** The contract said: {message}");
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("******** FAILED to run the application: {e}");
            ExitCode::FAILURE
        }
    }
}
