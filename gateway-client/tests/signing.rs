//! Signing choices: offline signing, no signer, a signer that hashes itself
//! (Ed25519 with `HashAlgorithm::None`).

mod common;

use std::sync::{Arc, Mutex};

use common::Script;
use fabric_gateway_client::{
    EcdsaSigner, Error, Gateway, HashAlgorithm, Identity, PeerEndpoint, SignError, signer_fn,
};

fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

#[tokio::test]
async fn a_transaction_can_be_signed_offline_step_by_step() {
    let mock = common::start(Script::default()).await;
    let credentials = common::new_credentials();
    let offline_signer = EcdsaSigner::from_pem(&credentials.key_pem).unwrap();
    let gateway = Gateway::builder()
        .identity(Identity::new("Org1MSP", credentials.certificate_pem))
        .endpoint(PeerEndpoint::new(mock.address.to_string()))
        .connect()
        .await
        .unwrap();
    let contract = gateway.network("mychannel").contract("basic");

    // Without a signer, nothing is signed behind the user's back.
    let error = contract
        .evaluate_transaction("ReadAsset", ["asset1"])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Sign(_)), "{error:?}");
    assert!(
        error.to_string().contains("no signer configured"),
        "{error}"
    );

    let unsigned = contract
        .new_proposal("CreateAsset")
        .arguments(["asset1"])
        .build()
        .unwrap();
    assert_eq!(unsigned.digest(), sha256(unsigned.proposal_bytes()));
    let signature = offline_signer.sign_digest(&unsigned.digest()).unwrap();
    let proposal = gateway
        .new_signed_proposal(&unsigned.bytes(), signature)
        .unwrap();
    assert_eq!(proposal.transaction_id(), unsigned.transaction_id());
    assert_eq!(proposal.channel_name(), "mychannel");

    let unsigned = proposal.endorse().await.unwrap();
    assert_eq!(&unsigned.result()[..], b"result:asset1");
    let signature = offline_signer.sign_digest(&unsigned.digest()).unwrap();
    let transaction = gateway
        .new_signed_transaction(&unsigned.bytes(), signature)
        .unwrap();
    let submitted = transaction.submit().await.unwrap();

    let unsigned = submitted.commit();
    let signature = offline_signer.sign_digest(&unsigned.digest()).unwrap();
    let commit = gateway
        .new_signed_commit(&unsigned.bytes(), signature)
        .unwrap();
    let status = commit.status().await.unwrap();
    assert!(status.successful);
    assert_eq!(status.transaction_id, proposal.transaction_id());

    let unsigned = gateway
        .network("mychannel")
        .chaincode_events("basic")
        .start_block(5)
        .build();
    assert!(matches!(unsigned.stream().await, Err(Error::Sign(_))));
    let signature = offline_signer.sign_digest(&unsigned.digest()).unwrap();
    let events = gateway
        .new_signed_chaincode_events_request(&unsigned.bytes(), signature)
        .unwrap();
    events.stream().await.unwrap();

    mock.assert_no_violations();
    assert_eq!(mock.record().signatures_verified, 4);
    assert_eq!(mock.record().events_requests[0].chaincode_id, "basic");

    for bytes in [&b"\xff\xff"[..], b""] {
        assert!(matches!(
            gateway.new_signed_proposal(bytes, vec![1]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            gateway.new_signed_transaction(bytes, vec![1]),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        gateway.new_signed_commit(b"\xff", vec![1]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        gateway.new_signed_chaincode_events_request(b"\xff", vec![1]),
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn a_signer_that_hashes_itself_gets_the_whole_message() {
    let mock = common::start(Script::default()).await;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["user1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let ed25519 =
        ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&key.serialize_der()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let seen_by_signer = Arc::clone(&seen);
    let signer = signer_fn(move |message: &[u8]| {
        seen_by_signer.lock().unwrap().push(message.to_vec());
        Ok(ed25519.sign(message).as_ref().to_vec())
    });
    let gateway = Gateway::builder()
        .identity(Identity::new("Org1MSP", certificate.pem()))
        .signer(signer)
        .hash(HashAlgorithm::None)
        .endpoint(PeerEndpoint::new(mock.address.to_string()))
        .connect()
        .await
        .unwrap();

    let contract = gateway.network("mychannel").contract("basic");
    let proposal = contract
        .new_proposal("CreateAsset")
        .arguments(["asset1"])
        .build()
        .unwrap();
    let proposal_bytes = proposal.proposal_bytes().to_vec();
    proposal.endorse().await.unwrap().submit().await.unwrap();

    mock.assert_no_violations();
    // The proposal, the envelope, (no commit status asked).
    assert_eq!(mock.record().signatures_verified, 2);
    assert_eq!(seen.lock().unwrap()[0], proposal_bytes);
}

#[tokio::test]
async fn signer_failures_are_sign_errors() {
    let mock = common::start(Script::default()).await;
    let gateway = Gateway::builder()
        .identity(Identity::new(
            "Org1MSP",
            common::new_credentials().certificate_pem,
        ))
        .signer(signer_fn(|_: &[u8]| {
            Err(SignError::new("the HSM is offline"))
        }))
        .endpoint(PeerEndpoint::new(mock.address.to_string()))
        .connect()
        .await
        .unwrap();
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .submit_transaction("CreateAsset", ["asset1"])
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "signing failed: the HSM is offline");
    assert!(mock.record().endorsements.is_empty());
}
