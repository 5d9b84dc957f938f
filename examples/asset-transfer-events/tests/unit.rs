//! The contract through the generated dispatch, on the in-memory test kit:
//! stored JSON, results, errors, and the events clients receive.

use asset_transfer_events::{Asset, SmartContract};
use fabric_contract_api::ContractChaincode;
use fabric_contract_api::testing::TestKit;
use fabric_dev_peer::CommittedEvent;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

async fn kit() -> TestKit {
    TestKit::new(ContractChaincode::new().add(SmartContract)).await
}

/// The next committed event, as (name, payload).
fn next_event(events: &mut Receiver<CommittedEvent>) -> (String, String) {
    let committed = events.try_recv().expect("a committed event");
    (
        committed.event.event_name,
        String::from_utf8(committed.event.payload.to_vec()).unwrap(),
    )
}

fn no_event(events: &mut Receiver<CommittedEvent>) {
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));
}

const SAM_100: &str =
    r#"{"AppraisedValue":100,"Color":"blue","ID":"asset1","Owner":"Sam","Size":10}"#;
const SAM_200: &str =
    r#"{"AppraisedValue":200,"Color":"blue","ID":"asset1","Owner":"Sam","Size":10}"#;
const MARY_200: &str =
    r#"{"AppraisedValue":200,"Color":"blue","ID":"asset1","Owner":"Mary","Size":10}"#;

/// The flow of the sample's client application (`application-gateway-go/app.go`).
#[tokio::test]
async fn every_change_emits_its_event_on_commit() {
    let kit = kit().await;
    let mut events = kit.peer().subscribe();

    let out = kit
        .submit(&["CreateAsset", "asset1", "blue", "10", "Sam", "100"])
        .await;
    assert_eq!((out.status(), out.payload_text()), (200, String::new()));
    assert!(out.committed);
    // The stored JSON and the event payload: the Go sample's bytes.
    assert_eq!(kit.state("asset1").as_deref(), Some(SAM_100.as_bytes()));
    let event = out.event.as_ref().unwrap();
    assert_eq!(event.tx_id, out.txid);
    assert_eq!(event.chaincode_id, "testkit");
    assert_eq!(
        next_event(&mut events),
        ("CreateAsset".into(), SAM_100.into())
    );

    assert_eq!(
        kit.evaluate(&["ReadAsset", "asset1"]).await.payload_text(),
        SAM_100
    );
    no_event(&mut events);

    let out = kit
        .submit(&["UpdateAsset", "asset1", "blue", "10", "Sam", "200"])
        .await;
    assert_eq!(out.status(), 200);
    assert_eq!(
        next_event(&mut events),
        ("UpdateAsset".into(), SAM_200.into())
    );

    let out = kit.submit(&["TransferAsset", "asset1", "Mary"]).await;
    assert_eq!((out.status(), out.payload_text()), (200, "Sam".into()));
    assert_eq!(
        next_event(&mut events),
        ("TransferAsset".into(), MARY_200.into())
    );
    assert_eq!(kit.state("asset1").as_deref(), Some(MARY_200.as_bytes()));

    let out = kit.submit(&["DeleteAsset", "asset1"]).await;
    assert_eq!(out.status(), 200);
    // The deleted asset as it was stored.
    assert_eq!(
        next_event(&mut events),
        ("DeleteAsset".into(), MARY_200.into())
    );
    assert_eq!(kit.state("asset1"), None);
    let out = kit.evaluate(&["ReadAsset", "asset1"]).await;
    assert_eq!(
        (out.status(), out.message()),
        (500, "the asset asset1 does not exist")
    );
    no_event(&mut events);
}

#[tokio::test]
async fn evaluate_commits_neither_state_nor_events() {
    let kit = kit().await;
    let mut events = kit.peer().subscribe();
    let out = kit
        .evaluate(&["CreateAsset", "asset1", "blue", "10", "Sam", "100"])
        .await;
    assert_eq!(out.status(), 200);
    assert!(!out.committed);
    // The chaincode set its event, but nothing was committed, so no client
    // receives it.
    assert_eq!(out.event.as_ref().unwrap().event_name, "CreateAsset");
    no_event(&mut events);
    assert_eq!(kit.state("asset1"), None);
}

#[tokio::test]
async fn failures_emit_nothing_and_match_the_go_messages() {
    let kit = kit().await;
    kit.submit(&["CreateAsset", "asset1", "blue", "10", "Sam", "100"])
        .await;
    let mut events = kit.peer().subscribe();

    let again = kit
        .submit(&["CreateAsset", "asset1", "red", "1", "Ann", "1"])
        .await;
    assert_eq!(
        (again.status(), again.message()),
        (500, "the asset asset1 already exists")
    );
    assert!(!again.committed);
    assert!(again.event.is_none());
    assert_eq!(kit.state("asset1").as_deref(), Some(SAM_100.as_bytes()));

    for call in [
        &["ReadAsset", "nope"][..],
        &["UpdateAsset", "nope", "c", "1", "o", "1"],
        &["DeleteAsset", "nope"],
        &["TransferAsset", "nope", "Mary"],
    ] {
        let out = kit.submit(call).await;
        assert_eq!(
            (out.status(), out.message()),
            (500, "the asset nope does not exist"),
            "{call:?}"
        );
        assert!(!out.committed);
        assert!(out.event.is_none(), "{call:?}");
    }

    let bad = kit
        .submit(&["CreateAsset", "asset2", "blue", "ten", "Sam", "100"])
        .await;
    assert_eq!(bad.status(), 500);
    assert!(bad.message().contains("argument 3"), "{}", bad.message());
    let wrong_arity = kit.submit(&["TransferAsset", "asset1"]).await;
    assert_eq!(wrong_arity.status(), 500);
    no_event(&mut events);
}

#[tokio::test]
async fn direct_method_calls() {
    let kit = kit().await;
    let tx = kit.transaction().await;
    SmartContract
        .create_asset(tx.context(), "a9".into(), "red".into(), 3, "Zoe".into(), 70)
        .await
        .unwrap();
    let outcome = tx.commit().await;
    assert_eq!(outcome.event.unwrap().event_name, "CreateAsset");
    let tx = kit.transaction().await;
    let asset: Asset = SmartContract
        .read_asset(tx.context(), "a9".into())
        .await
        .unwrap();
    assert_eq!((asset.owner.as_str(), asset.appraised_value), ("Zoe", 70));
    tx.rollback().await;
}
