//! The contract through the generated dispatch, on the in-memory test kit.

use asset_transfer_basic::{Asset, SmartContract};
use fabric_contract_api::ContractChaincode;
use fabric_contract_api::testing::TestKit;

async fn kit() -> TestKit {
    TestKit::new(ContractChaincode::new().add(SmartContract)).await
}

#[tokio::test]
async fn init_ledger_stores_the_samples_json_byte_for_byte() {
    let kit = kit().await;
    assert_eq!(kit.submit(&["InitLedger"]).await.status(), 200);
    // Field order and names of the Go sample.
    assert_eq!(
        kit.state("asset1").as_deref(),
        Some(
            &br#"{"AppraisedValue":300,"Color":"blue","ID":"asset1","Owner":"Tomoko","Size":5}"#[..]
        )
    );
    let all: Vec<Asset> =
        serde_json::from_str(&kit.evaluate(&["GetAllAssets"]).await.payload_text()).unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all[2].owner, "Jin Soo");
}

#[tokio::test]
async fn lifecycle_of_an_asset() {
    let kit = kit().await;
    let created = kit
        .submit(&["CreateAsset", "asset7", "purple", "20", "Ana", "900"])
        .await;
    assert_eq!(
        (created.status(), created.payload_text()),
        (200, String::new())
    );
    assert_eq!(
        kit.evaluate(&["ReadAsset", "asset7"]).await.payload_text(),
        r#"{"AppraisedValue":900,"Color":"purple","ID":"asset7","Owner":"Ana","Size":20}"#
    );
    // TransferAsset returns the old owner as raw text.
    assert_eq!(
        kit.submit(&["TransferAsset", "asset7", "Bruno"])
            .await
            .payload_text(),
        "Ana"
    );
    assert_eq!(
        kit.submit(&["UpdateAsset", "asset7", "purple", "25", "Bruno", "950"])
            .await
            .status(),
        200
    );
    assert_eq!(
        kit.evaluate(&["AssetExists", "asset7"])
            .await
            .payload_text(),
        "true"
    );
    assert_eq!(kit.submit(&["DeleteAsset", "asset7"]).await.status(), 200);
    assert_eq!(
        kit.evaluate(&["AssetExists", "asset7"])
            .await
            .payload_text(),
        "false"
    );
    assert_eq!(kit.evaluate(&["GetAllAssets"]).await.payload_text(), "[]");
}

#[tokio::test]
async fn errors_match_the_go_sample() {
    let kit = kit().await;
    kit.submit(&["CreateAsset", "a1", "blue", "5", "Tom", "1"])
        .await;
    let again = kit
        .submit(&["CreateAsset", "a1", "blue", "5", "Tom", "1"])
        .await;
    assert_eq!(
        (again.status(), again.message()),
        (500, "the asset a1 already exists")
    );
    let missing = kit.evaluate(&["ReadAsset", "nope"]).await;
    assert_eq!(
        (missing.status(), missing.message()),
        (500, "the asset nope does not exist")
    );
    for call in [
        &["UpdateAsset", "nope", "c", "1", "o", "1"][..],
        &["DeleteAsset", "nope"],
        &["TransferAsset", "nope", "x"],
    ] {
        let out = kit.submit(call).await;
        assert_eq!(
            (out.status(), out.message()),
            (500, "the asset nope does not exist"),
            "{call:?}"
        );
        assert!(!out.committed);
    }
    let bad = kit
        .submit(&["CreateAsset", "a2", "blue", "five", "Tom", "1"])
        .await;
    assert_eq!(bad.status(), 500);
    assert!(
        bad.message().contains("size") && bad.message().contains("argument 3"),
        "{}",
        bad.message()
    );
    assert_eq!(kit.state("a2"), None, "the body never ran");
}

#[tokio::test]
async fn evaluate_does_not_commit() {
    let kit = kit().await;
    assert_eq!(
        kit.evaluate(&["CreateAsset", "a1", "blue", "5", "Tom", "1"])
            .await
            .status(),
        200
    );
    assert_eq!(kit.state("a1"), None);
}

#[tokio::test]
async fn direct_method_calls_share_the_ledger() {
    let kit = kit().await;
    let contract = SmartContract;
    let tx = kit.transaction().await;
    contract
        .create_asset(tx.context(), "a9".into(), "red".into(), 3, "Zoe".into(), 70)
        .await
        .unwrap();
    tx.commit().await;
    let tx = kit.transaction().await;
    let asset = contract
        .read_asset(tx.context(), "a9".into())
        .await
        .unwrap();
    assert_eq!(asset.owner, "Zoe");
    let err = contract
        .read_asset(tx.context(), "zz".into())
        .await
        .unwrap_err();
    assert_eq!(err.message(), "the asset zz does not exist");
    tx.rollback().await;
}

#[tokio::test]
async fn stored_json_escapes_like_go_encoding_json() {
    let kit = kit().await;
    kit.submit(&["CreateAsset", "a<1>", "blue & red", "1", "Tom", "2"])
        .await;
    assert_eq!(
        kit.state("a<1>").as_deref(),
        Some(&br#"{"AppraisedValue":2,"Color":"blue \u0026 red","ID":"a\u003c1\u003e","Owner":"Tom","Size":1}"#[..])
    );
}
