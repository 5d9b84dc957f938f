//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, running the flow of the sample's client application
//! (`application-gateway-go/app.go`) with clients of two organisations.
//!
//! Each organisation has its own peer with its own chaincode process, told
//! its organisation by `CORE_PEER_LOCALMSPID` as a Fabric peer does; the two
//! peers share one ledger, as peers of one channel share its blocks. The
//! development peer does not apply the collection policies of
//! `collections_config.json` (on Fabric, Org2's peer would not store
//! `Org1MSPPrivateCollection`, only its hashes): the flow only relies on what
//! the contract itself checks.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use fabric_dev_peer::ledger::MemoryKv;
use fabric_dev_peer::{
    DevIdentity, DevPeer, IdentitySpec, Invocation, Ledger, PeerConfig, RegisterServer, TxOutcome,
};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-private-data");
const NAME: &str = "private";

fn chaincode(mspid: &str) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env("CORE_PEER_TLS_ENABLED", "false")
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "WARNING")
        .env("CORE_PEER_LOCALMSPID", mspid)
        .stdout(Stdio::null())
        .kill_on_drop(true);
    command
}

/// An organisation: its peer and its client.
struct Org {
    peer: DevPeer,
    client: DevIdentity,
}

impl Org {
    fn new(ledger: &Arc<MemoryKv>, spec: IdentitySpec) -> Org {
        let client = DevIdentity::generate(&spec).unwrap();
        let peer = DevPeer::with_identity(
            Ledger::new(ledger.clone()),
            PeerConfig::default(),
            client.clone(),
        )
        .unwrap();
        Org { peer, client }
    }

    fn call(&self, args: &[&str], transient: Option<(&str, &str)>) -> Invocation {
        let mut invocation = Invocation::new(NAME, args).with_creator(self.client.creator());
        if let Some((key, value)) = transient {
            invocation = invocation.transient(key, value.as_bytes().to_vec());
        }
        invocation
    }

    async fn submit(&self, function: &str, key: &str, value: &str) -> TxOutcome {
        self.peer
            .submit(self.call(&[function], Some((key, value))))
            .await
            .unwrap()
    }

    async fn evaluate(&self, args: &[&str]) -> TxOutcome {
        self.peer.evaluate(self.call(args, None)).await.unwrap()
    }
}

fn org_specs() -> (IdentitySpec, IdentitySpec) {
    let org1 = IdentitySpec::default();
    let org2 = IdentitySpec {
        mspid: "Org2MSP".into(),
        common_name: "User1@org2.example.com".into(),
        organization: "org2.example.com".into(),
        ..IdentitySpec::default()
    };
    (org1, org2)
}

fn committed(out: &TxOutcome) {
    assert_eq!((out.status(), out.message()), (200, ""), "{out:?}");
    assert!(out.committed);
}

async fn run_application_flow(org1: &Org, org2: &Org) {
    const ORG1_ID: &str =
        "x509::CN=User1@org1.example.com,OU=client::CN=ca.org1.example.com,O=org1.example.com";
    const ORG2_ID: &str =
        "x509::CN=User1@org2.example.com,OU=client::CN=ca.org2.example.com,O=org2.example.com";
    let (id1, id2) = ("asset1700000000", "asset1700000001");

    // As Org1: create two assets and read them by range.
    let asset1 = format!(
        r#"{{"objectType":"ValuableAsset","assetID":"{id1}","color":"green","size":20,"appraisedValue":100}}"#
    );
    let asset2 = format!(
        r#"{{"objectType":"ValuableAsset","assetID":"{id2}","color":"blue","size":35,"appraisedValue":727}}"#
    );
    committed(
        &org1
            .submit("CreateAsset", "asset_properties", &asset1)
            .await,
    );
    committed(
        &org1
            .submit("CreateAsset", "asset_properties", &asset2)
            .await,
    );
    let out = org1
        .evaluate(&["GetAssetByRange", id1, "asset1700000002"])
        .await;
    let assets: serde_json::Value = serde_json::from_slice(out.payload()).unwrap();
    assert_eq!(assets.as_array().unwrap().len(), 2);

    // Transfer without the buyer's agreement: the expected error.
    let buyer = format!(r#"{{"assetID":"{id1}","buyerMSP":"Org2MSP"}}"#);
    let out = org1.submit("TransferAsset", "asset_owner", &buyer).await;
    assert_eq!(out.status(), 500);
    assert!(
        out.message()
            .ends_with("AgreeToTransfer must be called by the buyer first"),
        "{}",
        out.message()
    );

    // As Org2: read the asset, agree to the value.
    let out = org2.evaluate(&["ReadAsset", id1]).await;
    assert_eq!(
        out.payload_text(),
        format!(
            r#"{{"objectType":"ValuableAsset","assetID":"{id1}","color":"green","size":20,"owner":"{ORG1_ID}"}}"#
        )
    );
    let agreement = format!(r#"{{"assetID":"{id1}","appraisedValue":100}}"#);
    committed(
        &org2
            .submit("AgreeToTransfer", "asset_value", &agreement)
            .await,
    );

    // As Org1: read the agreement, transfer, read the asset.
    let out = org1.evaluate(&["ReadTransferAgreement", id1]).await;
    assert_eq!(
        out.payload_text(),
        format!(r#"{{"assetID":"{id1}","buyerID":"{ORG2_ID}"}}"#)
    );
    committed(&org1.submit("TransferAsset", "asset_owner", &buyer).await);
    let out = org1.evaluate(&["ReadAsset", id1]).await;
    assert!(
        out.payload_text()
            .ends_with(&format!(r#""owner":"{ORG2_ID}"}}"#))
    );
    // Org1's private details are gone: an empty result.
    let out = org1
        .evaluate(&["ReadAssetPrivateDetails", "Org1MSPPrivateCollection", id1])
        .await;
    assert_eq!((out.status(), out.payload().len()), (200, 0));

    // As Org2: the details are in the new owner's collection.
    let out = org2
        .evaluate(&["ReadAssetPrivateDetails", "Org2MSPPrivateCollection", id1])
        .await;
    assert_eq!(out.payload_text(), agreement);
    let delete = format!(r#"{{"assetID":"{id2}"}}"#);
    let out = org2.submit("DeleteAsset", "asset_delete", &delete).await;
    assert_eq!(
        (out.status(), out.message()),
        (
            500,
            format!(
                "asset not found in owner's private Collection Org2MSPPrivateCollection: {id2}"
            )
            .as_str()
        )
    );

    // As Org1: delete, then purge, asset2.
    committed(&org1.submit("DeleteAsset", "asset_delete", &delete).await);
    committed(&org1.submit("PurgeAsset", "asset_purge", &delete).await);
    let out = org1.evaluate(&["ReadAsset", id2]).await;
    assert_eq!((out.status(), out.payload().len()), (200, 0));

    // A client cannot use another organisation's peer for private data.
    let out = org2
        .peer
        .submit(
            Invocation::new(NAME, &["CreateAsset"])
                .with_creator(org1.client.creator())
                .transient(
                    "asset_properties",
                    asset1.replace(id1, "asset9").into_bytes(),
                ),
        )
        .await
        .unwrap();
    assert_eq!(
        out.message(),
        "CreateAsset cannot be performed: Error client from org Org1MSP is not authorized to read or write private data from an org Org2MSP peer"
    );

    let out = org1.evaluate(&["org.hyperledger.fabric:GetMetadata"]).await;
    let metadata: serde_json::Value = serde_json::from_slice(out.payload()).unwrap();
    integration_tests::assert_valid_metadata(&metadata);
}

#[tokio::test]
async fn dial_mode_as_the_peers_launch_it() {
    let ledger = Arc::new(MemoryKv::default());
    let (spec1, spec2) = org_specs();
    let orgs = [Org::new(&ledger, spec1), Org::new(&ledger, spec2)];
    let mut children: Vec<Child> = Vec::new();
    for org in &orgs {
        let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
        let address = server.local_addr().to_string();
        org.peer.serve(server);
        children.push(
            chaincode(&org.client.mspid)
                .arg(format!("-peer.address={address}"))
                .env("CORE_CHAINCODE_ID_NAME", format!("{NAME}:0123"))
                .spawn()
                .unwrap(),
        );
        org.peer
            .wait_for(NAME, Duration::from_secs(30))
            .await
            .unwrap();
    }
    run_application_flow(&orgs[0], &orgs[1]).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let ledger = Arc::new(MemoryKv::default());
    let (spec1, spec2) = org_specs();
    let orgs = [Org::new(&ledger, spec1), Org::new(&ledger, spec2)];
    let mut children: Vec<Child> = Vec::new();
    for org in &orgs {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let address = format!("127.0.0.1:{port}");
        children.push(
            chaincode(&org.client.mspid)
                .env("CHAINCODE_SERVER_ADDRESS", &address)
                .env("CHAINCODE_ID", format!("{NAME}:0123"))
                .spawn()
                .unwrap(),
        );
        let mut connected = false;
        for _ in 0..100 {
            if org.peer.connect(&address, None).await.is_ok() {
                connected = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(connected, "the chaincode server did not come up");
    }
    run_application_flow(&orgs[0], &orgs[1]).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert_eq!(metadata["info"]["title"], "asset-transfer-private-data");
    assert!(metadata["contracts"]["SmartContract"].is_object());
}
