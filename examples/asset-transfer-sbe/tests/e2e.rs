//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, running the flow of the sample's client application
//! (`asset-transfer-sbe/application-javascript/app.js`) with clients of two
//! organisations.
//!
//! The application chooses which organisations endorse each transaction, and
//! expects Fabric's validation to reject the ones the asset's key-level
//! policy does not allow. The development peer stores key-level policies but
//! does not validate endorsements, so this test checks the stored policy
//! itself at every step: a step the application expects to succeed must be
//! allowed by the policy (and is submitted); a step it expects to be rejected
//! must not be (and is not submitted, as Fabric would not commit it).

use fabric_contract_api::endorsement::{KeyEndorsementPolicy, RoleType};
use fabric_dev_peer::ledger::Space;
use fabric_dev_peer::{DevIdentity, DevPeer, IdentitySpec, Invocation};
use integration_tests::{Mode, launch};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-sbe");
const NAME: &str = "sbe";
const KEY: &str = "asset-42";

struct Flow<'a> {
    peer: &'a DevPeer,
    org1: DevIdentity,
    org2: DevIdentity,
}

impl Flow<'_> {
    fn client(&self, org: &str) -> &DevIdentity {
        if org == "Org1MSP" {
            &self.org1
        } else {
            &self.org2
        }
    }

    /// The organisations of the committed key-level policy of [`KEY`], if any.
    fn policy_orgs(&self) -> Option<Vec<String>> {
        let metadata = self
            .peer
            .ledger()
            .metadata(&Space::public("mychannel", NAME), KEY)
            .unwrap();
        let entry = metadata
            .into_iter()
            .find(|e| e.metakey == "VALIDATION_PARAMETER")?;
        let policy = KeyEndorsementPolicy::from_bytes(&entry.value).unwrap();
        for org in policy.list_orgs() {
            assert_eq!(policy.role(&org), Some(RoleType::Member));
        }
        Some(policy.list_orgs())
    }

    /// Whether endorsements of `endorsers` satisfy the key-level policy: a
    /// member of every listed organisation must have endorsed.
    fn satisfied_by(&self, endorsers: &[&str]) -> bool {
        match self.policy_orgs() {
            Some(orgs) => orgs.iter().all(|org| endorsers.contains(&org.as_str())),
            None => true, // The chaincode's own policy applies: out of scope.
        }
    }

    /// A submit by a client of `client_org`, endorsed by `endorsers`; `valid`
    /// is what the application expects of Fabric's validation.
    async fn step(&self, client_org: &str, endorsers: &[&str], valid: bool, args: &[&str]) {
        assert_eq!(
            self.satisfied_by(endorsers),
            valid,
            "{args:?} endorsed by {endorsers:?}"
        );
        if !valid {
            return; // Fabric would mark it invalid and not apply it.
        }
        let out = self
            .peer
            .submit(Invocation::new(NAME, args).with_creator(self.client(client_org).creator()))
            .await
            .unwrap();
        assert_eq!((out.status(), out.message()), (200, ""), "{args:?}");
        assert!(out.committed);
    }

    /// Both organisations read the asset.
    async fn read_by_both(&self, expected: Option<(i64, &str)>) {
        for client in [&self.org1, &self.org2] {
            let out = self
                .peer
                .evaluate(Invocation::new(NAME, &["ReadAsset", KEY]).with_creator(client.creator()))
                .await
                .unwrap();
            match expected {
                Some((value, owner_org)) => {
                    let asset: serde_json::Value = serde_json::from_slice(out.payload()).unwrap();
                    assert_eq!(asset["Value"], value);
                    assert_eq!(asset["OwnerOrg"], owner_org);
                }
                None => assert_eq!(
                    (out.status(), out.message()),
                    (500, format!("The asset {KEY} does not exist").as_str())
                ),
            }
        }
    }
}

async fn run_application_flow(peer: &DevPeer) {
    let org2_spec = IdentitySpec {
        mspid: "Org2MSP".into(),
        common_name: "appUser2".into(),
        organization: "org2.example.com".into(),
        ..IdentitySpec::default()
    };
    let flow = Flow {
        peer,
        org1: DevIdentity::generate(&IdentitySpec::default()).unwrap(),
        org2: DevIdentity::generate(&org2_spec).unwrap(),
    };
    let (org1, org2, both) = ("Org1MSP", "Org2MSP", &["Org1MSP", "Org2MSP"][..]);

    flow.step(org1, both, true, &["CreateAsset", KEY, "100", "Tom"])
        .await;
    assert_eq!(flow.policy_orgs().unwrap(), [org1]);
    let out = peer
        .evaluate(Invocation::new(NAME, &["ReadAsset", KEY]))
        .await
        .unwrap();
    assert_eq!(
        out.payload_text(),
        format!(r#"{{"ID":"{KEY}","Value":100,"Owner":"Tom","OwnerOrg":"Org1MSP"}}"#)
    );
    flow.read_by_both(Some((100, org1))).await;

    flow.step(org1, &[org1], true, &["UpdateAsset", KEY, "200"])
        .await;
    flow.read_by_both(Some((200, org1))).await;
    flow.step(org1, both, true, &["UpdateAsset", KEY, "300"])
        .await;
    flow.read_by_both(Some((300, org1))).await;
    flow.step(org2, both, true, &["UpdateAsset", KEY, "400"])
        .await;
    flow.read_by_both(Some((400, org1))).await;
    // Only Org2 endorses: the policy wants Org1.
    flow.step(org2, &[org2], false, &["UpdateAsset", KEY, "500"])
        .await;
    flow.read_by_both(Some((400, org1))).await;

    flow.step(org1, &[org1], true, &["TransferAsset", KEY, "Henry", org2])
        .await;
    assert_eq!(flow.policy_orgs().unwrap(), [org2]);
    flow.read_by_both(Some((400, org2))).await;

    flow.step(org2, &[org2], true, &["UpdateAsset", KEY, "600"])
        .await;
    flow.read_by_both(Some((600, org2))).await;
    // Org1 no longer owns it.
    flow.step(org1, &[org1], false, &["UpdateAsset", KEY, "700"])
        .await;
    flow.step(org1, &[org1], false, &["DeleteAsset", KEY]).await;
    flow.read_by_both(Some((600, org2))).await;

    flow.step(org2, &[org2], true, &["DeleteAsset", KEY]).await;
    flow.read_by_both(None).await;

    integration_tests::served_metadata(peer, NAME).await;
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Dial, &[]).await;
    run_application_flow(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Service, &[]).await;
    run_application_flow(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert_eq!(metadata["info"]["title"], "asset-transfer-sbe");
    assert!(metadata["contracts"]["AssetContract"].is_object());
}
