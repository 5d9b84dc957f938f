//! The contract through the generated dispatch, on the in-memory test kit,
//! with clients of two organisations: stored JSON, errors, and the key-level
//! endorsement policy set on each asset key.
//!
//! The test kit stores key-level policies but does not enforce them (nor does
//! a Fabric peer while endorsing: the policy is checked when the transaction
//! is validated). The tests check the policy bytes the contract sets.

use asset_transfer_sbe::{Asset, AssetContract};
use fabric_contract_api::ContractChaincode;
use fabric_contract_api::endorsement::{KeyEndorsementPolicy, RoleType};
use fabric_contract_api::testing::{IdentitySpec, TestKit, TxOutcome};

async fn kit() -> TestKit {
    TestKit::new(ContractChaincode::new().add(AssetContract)).await
}

fn org2() -> IdentitySpec {
    IdentitySpec {
        mspid: "Org2MSP".into(),
        common_name: "User1@org2.example.com".into(),
        organization: "org2.example.com".into(),
        ..IdentitySpec::default()
    }
}

async fn as_org2(kit: &TestKit, args: &[&str]) -> TxOutcome {
    kit.invoke(args).identity(&org2()).submit().await
}

/// The key-level policy stored for `key`, read through the stub.
async fn policy_of(kit: &TestKit, key: &str) -> Option<Vec<u8>> {
    let tx = kit.transaction().await;
    let bytes = tx
        .context()
        .stub()
        .get_state_validation_parameter(key)
        .await
        .unwrap()
        .map(|b| b.to_vec());
    tx.rollback().await;
    bytes
}

/// The organisations of the stored policy, each checked to have the MEMBER role.
async fn policy_orgs(kit: &TestKit, key: &str) -> Vec<String> {
    let bytes = policy_of(kit, key).await.expect("a key-level policy");
    let policy = KeyEndorsementPolicy::from_bytes(&bytes).unwrap();
    for org in policy.list_orgs() {
        assert_eq!(policy.role(&org), Some(RoleType::Member));
    }
    policy.list_orgs()
}

fn member_policy(org: &str) -> Vec<u8> {
    let mut policy = KeyEndorsementPolicy::new();
    policy.add_orgs(RoleType::Member, &[org]).unwrap();
    policy.policy().unwrap()
}

fn ok(outcome: &TxOutcome) {
    assert_eq!(
        (outcome.status(), outcome.message()),
        (200, ""),
        "{outcome:?}"
    );
    assert!(outcome.committed);
}

fn fails(outcome: &TxOutcome, message: &str) {
    assert_eq!((outcome.status(), outcome.message()), (500, message));
    assert!(!outcome.committed);
}

/// The flow of the sample's client application
/// (`asset-transfer-sbe/application-javascript/app.js`), checking the policy
/// after every step.
#[tokio::test]
async fn ownership_and_policy_move_together() {
    let kit = kit().await;
    let out = kit.submit(&["CreateAsset", "asset1", "100", "Tom"]).await;
    ok(&out);
    assert_eq!(out.payload_text(), "");
    // The TypeScript sample's JSON, byte for byte.
    let created = r#"{"ID":"asset1","Value":100,"Owner":"Tom","OwnerOrg":"Org1MSP"}"#;
    assert_eq!(kit.state("asset1").as_deref(), Some(created.as_bytes()));
    assert_eq!(policy_orgs(&kit, "asset1").await, ["Org1MSP"]);
    // Byte-identical to `addOrgs('MEMBER', 'Org1MSP')` of the Node shim.
    assert_eq!(
        policy_of(&kit, "asset1").await.unwrap(),
        member_policy("Org1MSP")
    );
    // Both organisations read it.
    assert_eq!(
        kit.evaluate(&["ReadAsset", "asset1"]).await.payload_text(),
        created
    );
    let read = kit
        .invoke(&["ReadAsset", "asset1"])
        .identity(&org2())
        .evaluate()
        .await;
    assert_eq!(read.payload_text(), created);

    ok(&kit.submit(&["UpdateAsset", "asset1", "200"]).await);
    ok(&as_org2(&kit, &["UpdateAsset", "asset1", "400"]).await);
    assert_eq!(
        kit.state("asset1").as_deref(),
        Some(&br#"{"ID":"asset1","Value":400,"Owner":"Tom","OwnerOrg":"Org1MSP"}"#[..])
    );
    // Updates leave the policy alone.
    assert_eq!(policy_orgs(&kit, "asset1").await, ["Org1MSP"]);

    ok(&kit
        .submit(&["TransferAsset", "asset1", "Henry", "Org2MSP"])
        .await);
    let transferred = r#"{"ID":"asset1","Value":400,"Owner":"Henry","OwnerOrg":"Org2MSP"}"#;
    assert_eq!(kit.state("asset1").as_deref(), Some(transferred.as_bytes()));
    assert_eq!(policy_orgs(&kit, "asset1").await, ["Org2MSP"]);
    assert_eq!(
        policy_of(&kit, "asset1").await.unwrap(),
        member_policy("Org2MSP")
    );

    ok(&as_org2(&kit, &["UpdateAsset", "asset1", "600"]).await);
    let asset: Asset =
        serde_json::from_str(&kit.evaluate(&["ReadAsset", "asset1"]).await.payload_text()).unwrap();
    assert_eq!((asset.value, asset.owner_org.as_str()), (600, "Org2MSP"));

    ok(&as_org2(&kit, &["DeleteAsset", "asset1"]).await);
    assert_eq!(kit.state("asset1"), None);
    let out = kit.evaluate(&["ReadAsset", "asset1"]).await;
    fails(&out, "The asset asset1 does not exist");
}

#[tokio::test]
async fn the_creating_clients_organisation_owns_the_asset() {
    let kit = kit().await;
    ok(&as_org2(&kit, &["CreateAsset", "asset2", "7", "Ann"]).await);
    assert_eq!(
        kit.state("asset2").as_deref(),
        Some(&br#"{"ID":"asset2","Value":7,"Owner":"Ann","OwnerOrg":"Org2MSP"}"#[..])
    );
    assert_eq!(policy_orgs(&kit, "asset2").await, ["Org2MSP"]);
}

#[tokio::test]
async fn errors_match_the_typescript_sample() {
    let kit = kit().await;
    ok(&kit.submit(&["CreateAsset", "asset1", "100", "Tom"]).await);
    let again = kit.submit(&["CreateAsset", "asset1", "5", "Ann"]).await;
    fails(&again, "The asset asset1 already exists");
    for call in [
        &["ReadAsset", "nope"][..],
        &["UpdateAsset", "nope", "1"],
        &["DeleteAsset", "nope"],
        &["TransferAsset", "nope", "Henry", "Org2MSP"],
    ] {
        let out = kit.submit(call).await;
        fails(&out, "The asset nope does not exist");
        assert_eq!(policy_of(&kit, "nope").await, None, "{call:?}");
    }
    let bad = kit.submit(&["UpdateAsset", "asset1", "a lot"]).await;
    assert_eq!(bad.status(), 500);
    assert!(
        bad.message().contains("new_value") && bad.message().contains("argument 2"),
        "{}",
        bad.message()
    );
    // An empty organisation would make a policy nobody can satisfy.
    let out = kit.submit(&["TransferAsset", "asset1", "Henry", ""]).await;
    fails(&out, "an organization's MSP ID must not be empty");
    assert_eq!(policy_orgs(&kit, "asset1").await, ["Org1MSP"]);
    assert_eq!(
        kit.state("asset1").as_deref(),
        Some(&br#"{"ID":"asset1","Value":100,"Owner":"Tom","OwnerOrg":"Org1MSP"}"#[..])
    );
}

#[tokio::test]
async fn evaluate_sets_no_policy() {
    let kit = kit().await;
    let out = kit.evaluate(&["CreateAsset", "asset1", "100", "Tom"]).await;
    assert_eq!(out.status(), 200);
    assert!(!out.committed);
    assert_eq!(kit.state("asset1"), None);
    assert_eq!(policy_of(&kit, "asset1").await, None);
}

#[tokio::test]
async fn direct_method_calls() {
    let kit = kit().await;
    let tx = kit.transaction().await;
    AssetContract
        .create_asset(tx.context(), "a9".into(), 3, "Zoe".into())
        .await
        .unwrap();
    tx.commit().await;
    let tx = kit.transaction().await;
    let json = AssetContract
        .read_asset(tx.context(), "a9".into())
        .await
        .unwrap();
    assert_eq!(
        json,
        r#"{"ID":"a9","Value":3,"Owner":"Zoe","OwnerOrg":"Org1MSP"}"#
    );
    let err = AssetContract
        .delete_asset(tx.context(), "zz".into())
        .await
        .unwrap_err();
    assert_eq!(err.message(), "The asset zz does not exist");
    tx.rollback().await;
}
