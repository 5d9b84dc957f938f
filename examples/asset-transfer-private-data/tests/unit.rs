//! The contract through the generated dispatch, on the in-memory test kit,
//! with clients of two organisations.
//!
//! The peer's own organisation (`shim.GetMSPID()`) is process-wide in the
//! test kit (`TestKitBuilder::local_mspid` sets it for the whole process), so
//! the tests of this file take turns: each holds [`TURN`] and sets the peer
//! organisation before every call, as a client calls its own organisation's
//! peer. The test kit does not enforce collection membership: what the
//! collection policies of `collections_config.json` would refuse on a real
//! network (an Org2 peer reading `Org1MSPPrivateCollection`) is not refused
//! here, so the tests check only what the contract's own logic does.

use std::sync::LazyLock;

use asset_transfer_private_data::{Asset, SmartContract};
use fabric_contract_api::shim::{create_composite_key, set_local_mspid};
use fabric_contract_api::testing::{IdentitySpec, TestKit, TxOutcome};
use fabric_contract_api::{Context, ContractChaincode};
use tokio::sync::{Mutex, MutexGuard};

static TURN: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

const ORG1_ID: &str =
    "x509::CN=User1@org1.example.com,OU=client::CN=ca.org1.example.com,O=org1.example.com";
const ORG2_ID: &str =
    "x509::CN=User1@org2.example.com,OU=client::CN=ca.org2.example.com,O=org2.example.com";

fn org1() -> IdentitySpec {
    IdentitySpec::default()
}

fn org2() -> IdentitySpec {
    IdentitySpec {
        mspid: "Org2MSP".into(),
        common_name: "User1@org2.example.com".into(),
        organization: "org2.example.com".into(),
        ..IdentitySpec::default()
    }
}

/// The two organisations' clients, each calling its own organisation's peer.
struct Net {
    kit: TestKit,
    _turn: MutexGuard<'static, ()>,
}

async fn net() -> Net {
    let turn = TURN.lock().await;
    let kit = TestKit::builder()
        .local_mspid("Org1MSP")
        .build(ContractChaincode::new().add(SmartContract))
        .await;
    Net { kit, _turn: turn }
}

impl Net {
    /// Calls as `client`, on a peer of `peer_msp`, with transient data.
    async fn call(
        &self,
        client: &IdentitySpec,
        peer_msp: &str,
        args: &[&str],
        transient: &[(&str, &str)],
        submit: bool,
    ) -> TxOutcome {
        set_local_mspid(Some(peer_msp));
        let mut call = self.kit.invoke(args).identity(client);
        for (key, value) in transient {
            call = call.transient(key, value.as_bytes().to_vec());
        }
        if submit {
            call.submit().await
        } else {
            call.evaluate().await
        }
    }

    /// Submits as `client` to its own organisation's peer.
    async fn submit(
        &self,
        client: &IdentitySpec,
        function: &str,
        key: &str,
        value: &str,
    ) -> TxOutcome {
        self.call(
            client,
            &client.mspid.clone(),
            &[function],
            &[(key, value)],
            true,
        )
        .await
    }

    /// Evaluates as `client` on its own organisation's peer.
    async fn evaluate(&self, client: &IdentitySpec, args: &[&str]) -> TxOutcome {
        self.call(client, &client.mspid.clone(), args, &[], false)
            .await
    }

    fn private(&self, collection: &str, key: &str) -> Option<String> {
        self.kit
            .private_state(collection, key)
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
    }

    /// The committed hash of a private value (readable by any organisation),
    /// through a live transaction's stub.
    async fn hash(&self, collection: &str, key: &str) -> Option<Vec<u8>> {
        set_local_mspid(Some("Org1MSP"));
        let tx = self.kit.transaction().await;
        let ctx: &Context = tx.context();
        let hash = ctx
            .stub()
            .get_private_data_hash(collection, key)
            .await
            .unwrap()
            .map(|h| h.to_vec());
        tx.rollback().await;
        hash
    }
}

fn properties(id: &str, color: &str, size: i64, value: i64) -> String {
    format!(
        r#"{{"objectType":"ValuableAsset","assetID":"{id}","color":"{color}","size":{size},"appraisedValue":{value}}}"#
    )
}

fn ok(outcome: &TxOutcome) {
    assert_eq!(
        (outcome.status(), outcome.message()),
        (200, ""),
        "{outcome:?}"
    );
}

fn fails(outcome: &TxOutcome, message: &str) {
    assert_eq!((outcome.status(), outcome.message()), (500, message));
    assert!(!outcome.committed);
}

#[tokio::test]
async fn create_asset_stores_the_go_json_byte_for_byte() {
    let net = net().await;
    let out = net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await;
    ok(&out);
    assert_eq!(out.payload_text(), "");
    let stored = format!(
        r#"{{"objectType":"ValuableAsset","assetID":"asset1","color":"green","size":20,"owner":"{ORG1_ID}"}}"#
    );
    assert_eq!(
        net.private("assetCollection", "asset1").as_deref(),
        Some(stored.as_str())
    );
    assert_eq!(
        net.private("Org1MSPPrivateCollection", "asset1").as_deref(),
        Some(r#"{"assetID":"asset1","appraisedValue":100}"#)
    );
    // Nothing public, nothing in the other organisation's collection.
    assert_eq!(net.kit.state("asset1"), None);
    assert_eq!(net.private("Org2MSPPrivateCollection", "asset1"), None);

    // Both organisations read the shared collection.
    for client in [org1(), org2()] {
        let read = net.evaluate(&client, &["ReadAsset", "asset1"]).await;
        assert_eq!(read.payload_text(), stored);
    }
    let details = net
        .evaluate(
            &org1(),
            &[
                "ReadAssetPrivateDetails",
                "Org1MSPPrivateCollection",
                "asset1",
            ],
        )
        .await;
    assert_eq!(
        details.payload_text(),
        r#"{"assetID":"asset1","appraisedValue":100}"#
    );
    let asset: Asset = serde_json::from_str(&stored).unwrap();
    assert_eq!((asset.size, asset.owner.as_str()), (20, ORG1_ID));
}

#[tokio::test]
async fn missing_things_read_as_an_empty_response() {
    let net = net().await;
    for args in [
        &["ReadAsset", "nope"][..],
        &[
            "ReadAssetPrivateDetails",
            "Org1MSPPrivateCollection",
            "nope",
        ],
        &["ReadTransferAgreement", "nope"],
    ] {
        let out = net.evaluate(&org1(), args).await;
        assert_eq!((out.status(), out.payload_text()), (200, String::new()));
    }
    let out = net.evaluate(&org1(), &["GetAssetByRange", "", ""]).await;
    assert_eq!(out.payload_text(), "[]");
}

#[tokio::test]
async fn create_asset_rejects_bad_input_with_the_go_messages() {
    let net = net().await;
    let out = net
        .call(&org1(), "Org1MSP", &["CreateAsset"], &[], true)
        .await;
    fails(&out, "asset not found in the transient map input");
    let out = net
        .call(
            &org1(),
            "Org1MSP",
            &["CreateAsset"],
            &[("asset_value", "{}")],
            true,
        )
        .await;
    fails(&out, "asset not found in the transient map input");

    for (value, message) in [
        (r#"{"objectType":"A"#, None),
        (
            r#"{"objectType":"A","assetID":"a","color":"c","size":"20","appraisedValue":1}"#,
            None,
        ),
        ("{}", Some("objectType field must be a non-empty string")),
        ("null", Some("objectType field must be a non-empty string")),
        (
            r#"{"objectType":"A"}"#,
            Some("assetID field must be a non-empty string"),
        ),
        (
            r#"{"objectType":"A","assetID":"a"}"#,
            Some("color field must be a non-empty string"),
        ),
        (
            r#"{"objectType":"A","assetID":"a","color":"c","size":0}"#,
            Some("size field must be a positive integer"),
        ),
        (
            r#"{"objectType":"A","assetID":"a","color":"c","size":-3,"appraisedValue":1}"#,
            Some("size field must be a positive integer"),
        ),
        (
            r#"{"objectType":"A","assetID":"a","color":"c","size":1}"#,
            Some("appraisedValue field must be a positive integer"),
        ),
    ] {
        let out = net
            .call(
                &org1(),
                "Org1MSP",
                &["CreateAsset"],
                &[("asset_properties", value)],
                true,
            )
            .await;
        match message {
            Some(message) => fails(&out, message),
            None => {
                assert_eq!(out.status(), 500);
                assert!(
                    out.message().starts_with("failed to unmarshal JSON: "),
                    "{}",
                    out.message()
                );
            }
        }
    }
    assert_eq!(net.private("assetCollection", "a"), None);

    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await);
    let again = net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "blue", 1, 1),
        )
        .await;
    fails(&again, "this asset already exists: asset1");
}

#[tokio::test]
async fn a_client_may_only_use_its_own_organisations_peer() {
    let net = net().await;
    let value = properties("asset1", "green", 20, 100);
    let out = net
        .call(
            &org2(),
            "Org1MSP",
            &["CreateAsset"],
            &[("asset_properties", &value)],
            true,
        )
        .await;
    fails(
        &out,
        "CreateAsset cannot be performed: Error client from org Org2MSP is not authorized to read or write private data from an org Org1MSP peer",
    );
    ok(&net
        .submit(&org1(), "CreateAsset", "asset_properties", &value)
        .await);
    for (function, key, value, prefix) in [
        (
            "AgreeToTransfer",
            "asset_value",
            r#"{"assetID":"asset1","appraisedValue":100}"#,
            "AgreeToTransfer",
        ),
        (
            "TransferAsset",
            "asset_owner",
            r#"{"assetID":"asset1","buyerMSP":"Org1MSP"}"#,
            "TransferAsset",
        ),
        (
            "DeleteAsset",
            "asset_delete",
            r#"{"assetID":"asset1"}"#,
            "DeleteAsset",
        ),
        (
            "PurgeAsset",
            "asset_purge",
            r#"{"assetID":"asset1"}"#,
            "PurgeAsset",
        ),
        (
            "DeleteTranferAgreement",
            "agreement_delete",
            r#"{"assetID":"asset1"}"#,
            "DeleteTranferAgreement",
        ),
    ] {
        let out = net
            .call(&org1(), "Org2MSP", &[function], &[(key, value)], true)
            .await;
        fails(
            &out,
            &format!(
                "{prefix} cannot be performed: Error client from org Org1MSP is not authorized to read or write private data from an org Org2MSP peer"
            ),
        );
    }
    assert!(net.private("assetCollection", "asset1").is_some());
}

#[tokio::test]
async fn the_peer_must_know_its_organisation() {
    if std::env::var_os("CORE_PEER_LOCALMSPID").is_some() {
        return; // The process environment names one; nothing to test.
    }
    let net = net().await;
    set_local_mspid(None);
    let out = net
        .kit
        .invoke(&["CreateAsset"])
        .transient(
            "asset_properties",
            properties("asset1", "green", 20, 100).into_bytes(),
        )
        .submit()
        .await;
    fails(
        &out,
        "CreateAsset cannot be performed: Error failed getting the peer's MSPID: 'CORE_PEER_LOCALMSPID' is not set",
    );
}

/// The client applications' flow (`application-gateway-go/app.go`).
#[tokio::test]
async fn the_sample_application_flow() {
    let net = net().await;
    // As Org1: create two assets.
    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await);
    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset2", "blue", 35, 727),
        )
        .await);
    let range = net
        .evaluate(&org1(), &["GetAssetByRange", "asset1", "asset3"])
        .await;
    let assets: Vec<Asset> = serde_json::from_str(&range.payload_text()).unwrap();
    assert_eq!(
        assets.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["asset1", "asset2"]
    );

    // Transfer before the buyer agreed: refused.
    let buyer = r#"{"assetID":"asset1","buyerMSP":"Org2MSP"}"#;
    let out = net
        .submit(&org1(), "TransferAsset", "asset_owner", buyer)
        .await;
    fails(
        &out,
        "failed transfer verification: hash of appraised value for asset1 does not exist in collection Org2MSPPrivateCollection. AgreeToTransfer must be called by the buyer first",
    );

    // As Org2: read the asset and agree to the value.
    let read = net.evaluate(&org2(), &["ReadAsset", "asset1"]).await;
    assert_eq!(
        serde_json::from_str::<Asset>(&read.payload_text())
            .unwrap()
            .owner,
        ORG1_ID
    );
    let agreement = r#"{"assetID":"asset1","appraisedValue":100}"#;
    ok(&net
        .submit(&org2(), "AgreeToTransfer", "asset_value", agreement)
        .await);
    // Stored as it came, so its hash equals that of the owner's value.
    assert_eq!(
        net.private("Org2MSPPrivateCollection", "asset1").as_deref(),
        Some(agreement)
    );
    let agreement_key = create_composite_key("transferAgreement", &["asset1"]).unwrap();
    assert_eq!(
        net.private("assetCollection", &agreement_key).as_deref(),
        Some(ORG2_ID)
    );
    let owner_hash = net.hash("Org1MSPPrivateCollection", "asset1").await;
    assert!(owner_hash.is_some());
    assert_eq!(
        owner_hash,
        net.hash("Org2MSPPrivateCollection", "asset1").await
    );

    // As Org1: read the agreement and transfer.
    let out = net
        .evaluate(&org1(), &["ReadTransferAgreement", "asset1"])
        .await;
    assert_eq!(
        out.payload_text(),
        format!(r#"{{"assetID":"asset1","buyerID":"{ORG2_ID}"}}"#)
    );
    ok(&net
        .submit(&org1(), "TransferAsset", "asset_owner", buyer)
        .await);
    assert_eq!(
        net.evaluate(&org1(), &["ReadAsset", "asset1"])
            .await
            .payload_text(),
        format!(
            r#"{{"objectType":"ValuableAsset","assetID":"asset1","color":"green","size":20,"owner":"{ORG2_ID}"}}"#
        )
    );
    // Org1's private details and the agreement are gone.
    let out = net
        .evaluate(
            &org1(),
            &[
                "ReadAssetPrivateDetails",
                "Org1MSPPrivateCollection",
                "asset1",
            ],
        )
        .await;
    assert_eq!((out.status(), out.payload_text()), (200, String::new()));
    assert_eq!(net.private("assetCollection", &agreement_key), None);
    assert_eq!(net.hash("Org1MSPPrivateCollection", "asset1").await, None);

    // As Org2: the new owner's organisation has the details.
    let out = net
        .evaluate(
            &org2(),
            &[
                "ReadAssetPrivateDetails",
                "Org2MSPPrivateCollection",
                "asset1",
            ],
        )
        .await;
    assert_eq!(out.payload_text(), agreement);
    // Deleting asset2, which Org2 does not own: refused.
    let delete = r#"{"assetID":"asset2"}"#;
    let out = net
        .submit(&org2(), "DeleteAsset", "asset_delete", delete)
        .await;
    fails(
        &out,
        "asset not found in owner's private Collection Org2MSPPrivateCollection: asset2",
    );

    // As Org1: delete and purge asset2.
    ok(&net
        .submit(&org1(), "DeleteAsset", "asset_delete", delete)
        .await);
    assert_eq!(net.private("assetCollection", "asset2"), None);
    assert_eq!(net.private("Org1MSPPrivateCollection", "asset2"), None);
    ok(&net
        .submit(&org1(), "PurgeAsset", "asset_purge", delete)
        .await);
    let out = net
        .submit(&org1(), "DeleteAsset", "asset_delete", delete)
        .await;
    fails(&out, "asset not found: asset2");
}

#[tokio::test]
async fn transfer_needs_the_owner_and_equal_hashes() {
    let net = net().await;
    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await);
    // The buyer agrees to another value.
    ok(&net
        .submit(
            &org2(),
            "AgreeToTransfer",
            "asset_value",
            r#"{"assetID":"asset1","appraisedValue":101}"#,
        )
        .await);
    let owner_hash = net
        .hash("Org1MSPPrivateCollection", "asset1")
        .await
        .unwrap();
    let buyer_hash = net
        .hash("Org2MSPPrivateCollection", "asset1")
        .await
        .unwrap();
    let hex = |h: &[u8]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let buyer = r#"{"assetID":"asset1","buyerMSP":"Org2MSP"}"#;
    let out = net
        .submit(&org1(), "TransferAsset", "asset_owner", buyer)
        .await;
    fails(
        &out,
        &format!(
            "failed transfer verification: hash for appraised value for owner {} does not value for seller {}",
            hex(&owner_hash),
            hex(&buyer_hash)
        ),
    );

    // The same value written differently is not the same agreement either:
    // the hashes are of the bytes.
    ok(&net
        .submit(
            &org2(),
            "AgreeToTransfer",
            "asset_value",
            r#"{"appraisedValue":100,"assetID":"asset1"}"#,
        )
        .await);
    let out = net
        .submit(&org1(), "TransferAsset", "asset_owner", buyer)
        .await;
    assert!(
        out.message()
            .starts_with("failed transfer verification: hash for appraised value for owner "),
        "{}",
        out.message()
    );

    ok(&net
        .submit(
            &org2(),
            "AgreeToTransfer",
            "asset_value",
            r#"{"assetID":"asset1","appraisedValue":100}"#,
        )
        .await);
    // Another client of the owner's organisation is not the owner.
    let colleague = IdentitySpec {
        common_name: "User2@org1.example.com".into(),
        ..org1()
    };
    let out = net
        .submit(&colleague, "TransferAsset", "asset_owner", buyer)
        .await;
    fails(
        &out,
        "failed transfer verification: error: submitting client identity does not own asset",
    );
    ok(&net
        .submit(&org1(), "TransferAsset", "asset_owner", buyer)
        .await);
}

#[tokio::test]
async fn transfer_input_errors() {
    let net = net().await;
    let out = net
        .call(&org1(), "Org1MSP", &["TransferAsset"], &[], true)
        .await;
    fails(&out, "asset owner not found in the transient map");
    for (value, message) in [
        (r#"{}"#, "assetID field must be a non-empty string"),
        (
            r#"{"assetID":"a1"}"#,
            "buyerMSP field must be a non-empty string",
        ),
        (
            r#"{"assetID":"nope","buyerMSP":"Org2MSP"}"#,
            "nope does not exist",
        ),
    ] {
        let out = net
            .submit(&org1(), "TransferAsset", "asset_owner", value)
            .await;
        fails(&out, message);
    }
}

#[tokio::test]
async fn agree_to_transfer_errors() {
    let net = net().await;
    let out = net
        .call(&org2(), "Org2MSP", &["AgreeToTransfer"], &[], true)
        .await;
    fails(&out, "asset_value key not found in the transient map");
    for (value, message) in [
        (
            r#"{"appraisedValue":1}"#,
            "assetID field must be a non-empty string",
        ),
        (
            r#"{"assetID":"a1","appraisedValue":0}"#,
            "appraisedValue field must be a positive integer",
        ),
        (
            r#"{"assetID":"nope","appraisedValue":5}"#,
            "nope does not exist",
        ),
    ] {
        let out = net
            .submit(&org2(), "AgreeToTransfer", "asset_value", value)
            .await;
        fails(&out, message);
    }
}

#[tokio::test]
async fn withdrawing_an_agreement() {
    let net = net().await;
    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await);
    let withdraw = r#"{"assetID":"asset1"}"#;
    let out = net
        .submit(
            &org2(),
            "DeleteTranferAgreement",
            "agreement_delete",
            withdraw,
        )
        .await;
    fails(&out, "asset's transfer_agreement does not exist: asset1");
    ok(&net
        .submit(
            &org2(),
            "AgreeToTransfer",
            "asset_value",
            r#"{"assetID":"asset1","appraisedValue":100}"#,
        )
        .await);
    ok(&net
        .submit(
            &org2(),
            "DeleteTranferAgreement",
            "agreement_delete",
            withdraw,
        )
        .await);
    let agreement_key = create_composite_key("transferAgreement", &["asset1"]).unwrap();
    assert_eq!(net.private("assetCollection", &agreement_key), None);
    assert_eq!(net.private("Org2MSPPrivateCollection", "asset1"), None);
    assert!(net.private("Org1MSPPrivateCollection", "asset1").is_some());

    let out = net
        .call(&org2(), "Org2MSP", &["DeleteTranferAgreement"], &[], true)
        .await;
    fails(&out, "asset to delete not found in the transient map");
    let out = net
        .submit(&org2(), "DeleteTranferAgreement", "agreement_delete", "{}")
        .await;
    fails(&out, "transient input ID field must be a non-empty string");
}

#[tokio::test]
async fn delete_and_purge() {
    let net = net().await;
    ok(&net
        .submit(
            &org1(),
            "CreateAsset",
            "asset_properties",
            &properties("asset1", "green", 20, 100),
        )
        .await);
    for (function, key, message) in [
        (
            "DeleteAsset",
            "asset_delete",
            "asset to delete not found in the transient map",
        ),
        (
            "PurgeAsset",
            "asset_purge",
            "asset to purge not found in the transient map",
        ),
    ] {
        let out = net.call(&org1(), "Org1MSP", &[function], &[], true).await;
        fails(&out, message);
        let out = net.submit(&org1(), function, key, r#"{"x":1}"#).await;
        fails(&out, "assetID field must be a non-empty string");
    }
    let out = net
        .submit(
            &org1(),
            "DeleteAsset",
            "asset_delete",
            r#"{"assetID":"nope"}"#,
        )
        .await;
    fails(&out, "asset not found: nope");

    // Purge without a delete first: both collections lose the asset and its hash.
    let purge = r#"{"assetID":"asset1"}"#;
    assert!(
        net.hash("Org1MSPPrivateCollection", "asset1")
            .await
            .is_some()
    );
    let out = net
        .submit(&org1(), "PurgeAsset", "asset_purge", purge)
        .await;
    ok(&out);
    assert!(out.committed);
    assert_eq!(net.private("assetCollection", "asset1"), None);
    assert_eq!(net.private("Org1MSPPrivateCollection", "asset1"), None);
    assert_eq!(net.hash("assetCollection", "asset1").await, None);
    assert_eq!(net.hash("Org1MSPPrivateCollection", "asset1").await, None);
    // No existence check: purging again succeeds.
    ok(&net
        .submit(&org1(), "PurgeAsset", "asset_purge", purge)
        .await);
}

#[tokio::test]
async fn rich_queries_over_the_shared_collection() {
    let net = net().await;
    for (id, color) in [("asset1", "green"), ("asset2", "blue")] {
        ok(&net
            .submit(
                &org1(),
                "CreateAsset",
                "asset_properties",
                &properties(id, color, 20, 100),
            )
            .await);
    }
    ok(&net
        .submit(
            &org2(),
            "CreateAsset",
            "asset_properties",
            &properties("asset3", "blue", 5, 10),
        )
        .await);
    let out = net
        .evaluate(&org1(), &["QueryAssetByOwner", "ValuableAsset", ORG1_ID])
        .await;
    let assets: Vec<Asset> = serde_json::from_str(&out.payload_text()).unwrap();
    assert_eq!(
        assets.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["asset1", "asset2"]
    );
    let out = net
        .evaluate(
            &org2(),
            &["QueryAssets", r#"{"selector":{"color":"blue"}}"#],
        )
        .await;
    let assets: Vec<Asset> = serde_json::from_str(&out.payload_text()).unwrap();
    assert_eq!(
        assets.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["asset2", "asset3"]
    );
    assert_eq!(assets[1].owner, ORG2_ID);
}

#[tokio::test]
async fn evaluate_and_failures_do_not_commit() {
    let net = net().await;
    let value = properties("asset1", "green", 20, 100);
    let out = net
        .call(
            &org1(),
            "Org1MSP",
            &["CreateAsset"],
            &[("asset_properties", &value)],
            false,
        )
        .await;
    ok(&out);
    assert!(!out.committed);
    assert_eq!(net.private("assetCollection", "asset1"), None);
}

#[tokio::test]
async fn direct_method_calls() {
    let net = net().await;
    set_local_mspid(Some("Org1MSP"));
    let tx = net
        .kit
        .invoke(&[])
        .transient(
            "asset_properties",
            properties("asset9", "red", 3, 70).into_bytes(),
        )
        .transaction()
        .await;
    SmartContract.create_asset(tx.context()).await.unwrap();
    tx.commit().await;
    let tx = net.kit.transaction().await;
    let asset = SmartContract
        .read_asset(tx.context(), "asset9".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (asset.color.as_str(), asset.owner.as_str()),
        ("red", ORG1_ID)
    );
    let details = SmartContract
        .read_asset_private_details(
            tx.context(),
            "Org1MSPPrivateCollection".into(),
            "asset9".into(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(details.appraised_value, 70);
    tx.rollback().await;
}
