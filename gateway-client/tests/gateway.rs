//! Evaluate, submit, commit status and the error model, against the mock
//! Gateway over gRPC on loopback.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{CommitReply, EndorseReply, Script, connect, status_with_details};
use fabric_gateway_client::{Code, EcdsaSigner, Error, Gateway, Identity, NO_ARGS, PeerEndpoint};
use fabric_protos::common::Envelope;

#[tokio::test]
async fn evaluate_sends_a_signed_proposal_and_returns_the_payload() {
    let mock = common::start(Script::default()).await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");

    let result = contract
        .evaluate_transaction("ReadAsset", ["asset1"])
        .await
        .unwrap();
    assert_eq!(&result[..], b"result:asset1");
    let empty = contract
        .evaluate_transaction("GetAllAssets", NO_ARGS)
        .await
        .unwrap();
    assert_eq!(&empty[..], b"result:");

    mock.assert_no_violations();
    let record = mock.record();
    assert_eq!(record.evaluations.len(), 2);
    let call = &record.evaluations[0];
    assert_eq!(call.channel, "mychannel");
    assert_eq!(call.chaincode, "basic");
    assert_eq!(
        call.args,
        vec![Bytes::from("ReadAsset"), Bytes::from("asset1")]
    );
    assert_eq!(call.creator_msp_id, "Org1MSP");
    assert_eq!(call.chaincode_type, 2, "NODE, as the official clients send");
    assert!(call.transient.is_empty() && call.organizations.is_empty());
    assert_ne!(
        record.evaluations[0].transaction_id, record.evaluations[1].transaction_id,
        "each proposal has its own nonce"
    );
    assert_eq!(record.signatures_verified, 2);
}

#[tokio::test]
async fn named_contracts_prefix_the_transaction_name() {
    let mock = common::start(Script::default()).await;
    let gateway = connect(&mock).await;
    let contract = gateway
        .network("mychannel")
        .contract_with_name("token", "org.example.Erc20");
    contract
        .evaluate_transaction("BalanceOf", [b"\x00\xffbytes".as_slice()])
        .await
        .unwrap();
    mock.assert_no_violations();
    let record = mock.record();
    assert_eq!(
        record.evaluations[0].function(),
        "org.example.Erc20:BalanceOf"
    );
    assert_eq!(&record.evaluations[0].args[1][..], b"\x00\xffbytes");
}

#[tokio::test]
async fn builder_sends_transient_data_and_organizations() {
    let mock = common::start(Script::default()).await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("private");

    contract
        .evaluate("ReadPrivate")
        .arguments(["a"])
        .arguments(["b"])
        .transient_data([("secret", b"\x01\x02".as_slice())])
        .endorsing_organizations(["Org2MSP"])
        .invoke()
        .await
        .unwrap();
    let result = contract
        .submit("CreatePrivate")
        .transient_data([("asset_properties", "{\"size\":5}")])
        .endorsing_organizations(["Org1MSP", "Org2MSP"])
        .invoke()
        .await
        .unwrap();
    assert_eq!(&result[..], b"result:");

    mock.assert_no_violations();
    let record = mock.record();
    let evaluation = &record.evaluations[0];
    assert_eq!(evaluation.args[1..], [Bytes::from("a"), Bytes::from("b")]);
    assert_eq!(
        evaluation.transient["secret"],
        Bytes::from_static(b"\x01\x02")
    );
    assert_eq!(evaluation.organizations, ["Org2MSP"]);
    let endorsement = &record.endorsements[0];
    assert_eq!(
        endorsement.transient["asset_properties"],
        Bytes::from("{\"size\":5}")
    );
    assert_eq!(endorsement.organizations, ["Org1MSP", "Org2MSP"]);
}

#[tokio::test]
async fn submit_endorses_signs_submits_and_waits_for_the_commit() {
    let mock = common::start(Script::default()).await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");

    let result = contract
        .submit_transaction("CreateAsset", ["asset7", "yellow"])
        .await
        .unwrap();
    assert_eq!(&result[..], b"result:asset7,yellow");

    mock.assert_no_violations();
    let record = mock.record();
    let transaction_id = &record.endorsements[0].transaction_id;
    assert_eq!(
        record.submitted.as_slice(),
        std::slice::from_ref(transaction_id)
    );
    let commit = &record.commit_requests[0];
    assert_eq!(&commit.transaction_id, transaction_id);
    assert_eq!(commit.channel_id, "mychannel");
    assert_eq!(commit.identity, gateway.identity().serialize());
    // proposal, envelope, commit status request
    assert_eq!(record.signatures_verified, 3);
}

#[tokio::test]
async fn submit_async_gives_the_result_then_the_status() {
    let mock = common::start(Script {
        endorse: Box::new(|_| Ok(EndorseReply::Result(Bytes::from("Tom")))),
        commit_status: Box::new(|_| CommitReply::Committed {
            code: 0,
            block_number: 42,
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");

    let submitted = contract
        .submit_async("TransferAsset")
        .arguments(["asset1", "Saptha"])
        .invoke()
        .await
        .unwrap();
    assert_eq!(&submitted.result()[..], b"Tom");
    assert!(
        mock.record().commit_requests.is_empty(),
        "no commit status asked yet"
    );
    let status = submitted.status().await.unwrap();
    assert_eq!(status.block_number, 42);
    assert_eq!(status.code, 0);
    assert!(status.successful);
    assert_eq!(status.transaction_id, submitted.transaction_id());
    assert_eq!(
        mock.record().submitted,
        [submitted.transaction_id().to_owned()]
    );
    mock.assert_no_violations();
}

#[tokio::test]
async fn every_ecdsa_signature_has_a_low_s() {
    let mock = common::start(Script::default()).await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");
    // Without normalisation about half of ECDSA signatures have a high S.
    for i in 0..100 {
        contract
            .evaluate_transaction("ReadAsset", [format!("asset{i}")])
            .await
            .unwrap();
    }
    mock.assert_no_violations();
    assert_eq!(mock.record().ecdsa_low_s_checked, 100);
}

#[tokio::test]
async fn evaluate_errors_carry_code_message_and_details() {
    let mock = common::start(Script {
        evaluate: Box::new(|_| {
            Err(status_with_details(
                Code::Unknown,
                "evaluate call to endorser returned error: chaincode response 500, asset9 does not exist",
                &[("peer0.org1.example.com:7051", "Org1MSP", "chaincode response 500, asset9 does not exist")],
            ))
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .evaluate_transaction("ReadAsset", ["asset9"])
        .await
        .unwrap_err();

    let Error::Evaluate(gateway_error) = &error else {
        panic!("expected an evaluate error, got {error:?}");
    };
    assert_eq!(gateway_error.code(), Code::Unknown);
    assert_eq!(
        gateway_error.message(),
        "evaluate call to endorser returned error: chaincode response 500, asset9 does not exist"
    );
    assert_eq!(error.details().len(), 1);
    assert_eq!(error.details()[0].address, "peer0.org1.example.com:7051");
    assert_eq!(error.details()[0].msp_id, "Org1MSP");
    assert_eq!(
        error.to_string(),
        "evaluate failed: 2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, \
         asset9 does not exist [details: peer0.org1.example.com:7051 (Org1MSP): chaincode response 500, \
         asset9 does not exist]"
    );
    assert_eq!(error.transaction_id(), None);
}

#[tokio::test]
async fn endorse_errors_carry_the_transaction_id_and_details() {
    let mock = common::start(Script {
        endorse: Box::new(|_| {
            Err(status_with_details(
                Code::Aborted,
                "failed to endorse transaction, see attached details for more info",
                &[(
                    "peer0.org1.example.com:7051",
                    "Org1MSP",
                    "chaincode response 500, The asset asset70 does not exist",
                )],
            ))
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .submit_transaction("UpdateAsset", ["asset70", "blue", "5", "Tomoko", "300"])
        .await
        .unwrap_err();

    let transaction_id = mock.record().endorsements[0].transaction_id.clone();
    let Error::Endorse(endorse) = &error else {
        panic!("expected an endorse error, got {error:?}");
    };
    assert_eq!(endorse.transaction_id(), transaction_id);
    assert_eq!(endorse.code(), Code::Aborted);
    assert_eq!(
        endorse.details()[0].message,
        "chaincode response 500, The asset asset70 does not exist"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "endorse of transaction {transaction_id} failed: 10 ABORTED: failed to endorse transaction, \
             see attached details for more info [details: peer0.org1.example.com:7051 (Org1MSP): \
             chaincode response 500, The asset asset70 does not exist]"
        )
    );
    assert!(mock.record().submitted.is_empty());
}

#[tokio::test]
async fn submit_errors_carry_the_transaction_id() {
    let mock = common::start(Script {
        submit: Box::new(|_| {
            Err(status_with_details(
                Code::Unavailable,
                "no orderers could successfully process transaction",
                &[(
                    "orderer.example.com:7050",
                    "OrdererMSP",
                    "connection refused",
                )],
            ))
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .submit_transaction("CreateAsset", ["asset1"])
        .await
        .unwrap_err();

    let Error::Submit(submit) = &error else {
        panic!("expected a submit error, got {error:?}");
    };
    assert_eq!(submit.transaction_id(), mock.record().submitted[0]);
    assert_eq!(submit.code(), Code::Unavailable);
    assert_eq!(submit.details()[0].msp_id, "OrdererMSP");
    assert!(mock.record().commit_requests.is_empty());
    mock.assert_no_violations();
}

#[tokio::test]
async fn commit_status_errors_carry_the_transaction_id() {
    let mock = common::start(Script {
        commit_status: Box::new(|_| {
            CommitReply::Error(tonic::Status::permission_denied(
                "client is not authorized to read the channel",
            ))
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .submit_transaction("CreateAsset", ["asset1"])
        .await
        .unwrap_err();

    let Error::CommitStatus(commit_status) = &error else {
        panic!("expected a commit status error, got {error:?}");
    };
    assert_eq!(commit_status.transaction_id(), mock.record().submitted[0]);
    assert_eq!(commit_status.code(), Code::PermissionDenied);
    assert_eq!(
        error.to_string(),
        format!(
            "commit status of transaction {} failed: 7 PERMISSION_DENIED: client is not authorized to read the channel",
            mock.record().submitted[0]
        )
    );
}

#[tokio::test]
async fn an_invalid_commit_is_a_commit_error() {
    let mock = common::start(Script {
        commit_status: Box::new(|_| CommitReply::Committed {
            code: 11,
            block_number: 9,
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");

    let error = contract
        .submit_transaction("TransferAsset", ["asset1", "Tom"])
        .await
        .unwrap_err();
    let transaction_id = mock.record().submitted[0].clone();
    let Error::Commit(commit) = &error else {
        panic!("expected a commit error, got {error:?}");
    };
    assert_eq!(commit.code(), 11);
    assert_eq!(commit.transaction_id(), transaction_id);
    assert_eq!(
        error.to_string(),
        format!(
            "Transaction {transaction_id} failed to commit with status code 11 (MVCC_READ_CONFLICT)"
        )
    );
    assert_eq!(error.code(), None, "not a gRPC failure");

    // submit_async reports the same as a status.
    let submitted = contract
        .submit_async("TransferAsset")
        .arguments(["asset1", "Tom"])
        .invoke()
        .await
        .unwrap();
    let status = submitted.status().await.unwrap();
    assert!(!status.successful);
    assert_eq!((status.code, status.block_number), (11, 9));
    assert_eq!(status.code_name(), "MVCC_READ_CONFLICT");
}

#[tokio::test]
async fn an_expired_deadline_is_deadline_exceeded() {
    let mock = common::start(Script {
        commit_status: Box::new(|_| CommitReply::Never),
        ..Script::default()
    })
    .await;
    let credentials = common::new_credentials();
    let gateway = Gateway::builder()
        .identity(Identity::new("Org1MSP", credentials.certificate_pem))
        .signer(EcdsaSigner::from_pem(&credentials.key_pem).unwrap())
        .endpoint(PeerEndpoint::new(mock.address.to_string()))
        .commit_status_timeout(Duration::from_secs(600))
        .connect()
        .await
        .unwrap();
    let contract = gateway.network("mychannel").contract("basic");

    let started = Instant::now();
    let error = contract
        .submit("CreateAsset")
        .arguments(["asset1"])
        .commit_status_timeout(Duration::from_millis(300))
        .invoke()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();

    let Error::CommitStatus(commit_status) = &error else {
        panic!("expected a commit status error, got {error:?}");
    };
    assert_eq!(commit_status.code(), Code::DeadlineExceeded);
    assert_eq!(commit_status.transaction_id(), mock.record().submitted[0]);
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(10),
        "took {elapsed:?}"
    );
    // The server was told the deadline too.
    let timeouts = mock.record().commit_status_timeouts.clone();
    assert!(
        matches!(timeouts.as_slice(), [Some(t)] if t.starts_with("300")),
        "{timeouts:?}"
    );
}

#[tokio::test]
async fn malformed_gateway_answers_are_errors_not_panics() {
    let mock = common::start(Script {
        endorse: Box::new(|inv| {
            Ok(match inv.function().as_str() {
                "Nothing" => EndorseReply::Nothing,
                "Garbage" => EndorseReply::RawEnvelope(Envelope {
                    payload: Bytes::from_static(b"\x0a\x03\xff\xff\xff"),
                    signature: Bytes::new(),
                }),
                _ => EndorseReply::RawEnvelope(Envelope::default()),
            })
        }),
        ..Script::default()
    })
    .await;
    let gateway = connect(&mock).await;
    let contract = gateway.network("mychannel").contract("basic");
    for name in ["Nothing", "Garbage", "Empty"] {
        let error = contract
            .submit_transaction(name, NO_ARGS)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidResponse(_)),
            "{name}: {error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("invalid response from the gateway: "),
            "{error}"
        );
    }
    assert!(mock.record().submitted.is_empty());
}

#[tokio::test]
async fn an_unreachable_peer_is_unavailable() {
    // Bind then drop a listener: nothing listens on that port any more.
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = Gateway::builder()
        .identity(Identity::new("Org1MSP", "cert"))
        .endpoint(PeerEndpoint::new(address.to_string()))
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");

    let credentials = common::new_credentials();
    let gateway = Gateway::builder()
        .identity(Identity::new("Org1MSP", credentials.certificate_pem))
        .signer(EcdsaSigner::from_pem(&credentials.key_pem).unwrap())
        .connection(
            PeerEndpoint::new(address.to_string())
                .connect_lazy()
                .unwrap(),
        )
        .connect()
        .await
        .unwrap();
    let error = gateway
        .network("mychannel")
        .contract("basic")
        .evaluate_transaction("ReadAsset", ["asset1"])
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(Code::Unavailable), "{error:?}");
}
