//! The chaincode binary against the development peer over gRPC, in both
//! connection modes, running the walk-through of the sample's README with
//! three client identities: a minter and a spender of Org1MSP and a
//! recipient of Org2MSP.

use std::time::Duration;

use fabric_contract_api::identity::ClientIdentity;
use fabric_dev_peer::{DevIdentity, DevPeer, IdentitySpec, Invocation};
use integration_tests::{Mode, launch};

const BINARY: &str = env!("CARGO_BIN_EXE_token-erc20");
const NAME: &str = "token_erc20";

/// A client: its identity and its account id.
struct Client {
    identity: DevIdentity,
    id: String,
}

impl Client {
    fn new(mspid: &str, name: &str, organization: &str) -> Client {
        let identity = DevIdentity::generate(&IdentitySpec {
            mspid: mspid.into(),
            common_name: name.into(),
            organizational_units: vec!["client".into()],
            organization: organization.into(),
            ..IdentitySpec::default()
        })
        .unwrap();
        let id = ClientIdentity::from_creator(&identity.creator())
            .unwrap()
            .id()
            .unwrap();
        Client { identity, id }
    }

    fn call(&self, args: &[&str]) -> Invocation {
        Invocation::new(NAME, args).with_creator(self.identity.creator())
    }
}

async fn run_walkthrough(peer: &DevPeer) {
    let minter = Client::new("Org1MSP", "minter", "org1.example.com");
    let recipient = Client::new("Org2MSP", "recipient", "org2.example.com");
    let spender = Client::new("Org1MSP", "spender", "org1.example.com");
    let mut events = peer.subscribe();

    let submit = |client: &Client, args: &[&str]| peer.submit(client.call(args));
    let query = |client: &Client, args: &[&str]| {
        let invocation = client.call(args);
        async move {
            let out = peer.evaluate(invocation).await.unwrap();
            assert_eq!((out.status(), out.message()), (200, ""));
            out.payload_text()
        }
    };

    let out = submit(&minter, &["Mint", "5000"]).await.unwrap();
    assert_eq!(
        (out.status(), out.message()),
        (
            500,
            "Contract options need to be set before calling any function, call Initialize() to initialize contract"
        )
    );
    let out = submit(&minter, &["Initialize", "some name", "some symbol", "2"])
        .await
        .unwrap();
    assert_eq!((out.status(), out.payload_text().as_str()), (200, "true"));

    let out = submit(&minter, &["Mint", "5000"]).await.unwrap();
    assert_eq!(out.status(), 200, "{}", out.message());
    let committed = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(committed.event.event_name, "Transfer");
    assert_eq!(
        String::from_utf8_lossy(&committed.event.payload),
        format!(r#"{{"from":"0x0","to":"{}","value":5000}}"#, minter.id)
    );
    assert_eq!(query(&minter, &["ClientAccountBalance"]).await, "5000");

    // The recipient gives its account id out of band.
    let recipient_id = query(&recipient, &["ClientAccountID"]).await;
    assert_eq!(recipient_id, recipient.id);
    let out = submit(&minter, &["Transfer", &recipient_id, "100"])
        .await
        .unwrap();
    assert_eq!(out.status(), 200, "{}", out.message());
    assert_eq!(query(&minter, &["ClientAccountBalance"]).await, "4900");
    assert_eq!(query(&recipient, &["ClientAccountBalance"]).await, "100");

    let out = submit(&recipient, &["Mint", "1"]).await.unwrap();
    assert_eq!(
        (out.status(), out.message()),
        (500, "client is not authorized to mint new tokens")
    );

    // Third-party transfers.
    let spender_id = query(&spender, &["ClientAccountID"]).await;
    let out = submit(&minter, &["Approve", &spender_id, "500"])
        .await
        .unwrap();
    assert_eq!(out.status(), 200, "{}", out.message());
    assert_eq!(
        query(&minter, &["Allowance", &minter.id, &spender_id]).await,
        "500"
    );
    let out = submit(
        &spender,
        &["TransferFrom", &minter.id, &recipient_id, "100"],
    )
    .await
    .unwrap();
    assert_eq!(out.status(), 200, "{}", out.message());
    assert_eq!(query(&spender, &["BalanceOf", &minter.id]).await, "4800");
    assert_eq!(
        query(&spender, &["Allowance", &minter.id, &spender_id]).await,
        "400"
    );
    assert_eq!(query(&recipient, &["ClientAccountBalance"]).await, "200");
    assert_eq!(query(&recipient, &["TotalSupply"]).await, "5000");

    integration_tests::served_metadata(peer, NAME).await;
}

#[tokio::test]
async fn dial_mode_as_the_peer_launches_it() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Dial, &[]).await;
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn service_mode_as_an_external_service() {
    let peer = DevPeer::in_memory().unwrap();
    let _chaincode = launch(&peer, BINARY, NAME, Mode::Service, &[]).await;
    run_walkthrough(&peer).await;
}

#[tokio::test]
async fn prints_metadata_without_a_peer() {
    let metadata = integration_tests::printed_metadata(BINARY).await;
    assert!(metadata["contracts"]["SmartContract"]["transactions"].is_array());
}
