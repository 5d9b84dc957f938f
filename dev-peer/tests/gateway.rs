//! The development peer's Fabric Gateway over real gRPC on loopback, called
//! with `fabric-gateway-client`: every RPC's success and error paths.

use std::sync::Arc;
use std::time::Duration;

use fabric_chaincode_shim::proto::common::Envelope;
use fabric_chaincode_shim::proto::gateway::gateway_client::GatewayClient;
use fabric_chaincode_shim::proto::gateway::{EvaluateRequest, SubmitRequest};
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
use fabric_dev_peer::gateway::{GatewayListener, GatewayService};
use fabric_dev_peer::network::{DevNetwork, OrgSpec};
use fabric_dev_peer::{DevPeer, in_process};
use fabric_gateway_client::{
    EcdsaSigner, Error, Gateway, Identity, InMemoryCheckpointer, NO_ARGS, PeerEndpoint, signer_fn,
};
use futures_util::StreamExt;
use tonic::Code;

/// Keys and values, events, failures and a read-modify-write.
struct Store;

impl Chaincode for Store {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        match run(stub).await {
            Ok(payload) => success(payload),
            Err(message) => error(message),
        }
    }
}

async fn run(stub: &ChaincodeStub) -> Result<Vec<u8>, String> {
    let (function, p) = stub.function_and_parameters();
    let shim = |e: fabric_chaincode_shim::Error| e.to_string();
    match (function.as_str(), p.as_slice()) {
        ("Put", [key, value]) => {
            stub.put_state(key, value.clone()).await.map_err(shim)?;
            Ok(Vec::new())
        }
        ("Get", [key]) => Ok(stub
            .get_state(key)
            .await
            .map_err(shim)?
            .map(|b| b.to_vec())
            .unwrap_or_default()),
        // Appends to the value: reads, then writes (MVCC-sensitive).
        ("Append", [key, suffix]) => {
            let old = stub.get_state(key).await.map_err(shim)?.unwrap_or_default();
            let new = format!("{}{suffix}", String::from_utf8_lossy(&old));
            stub.put_state(key, new).await.map_err(shim)?;
            Ok(old.to_vec())
        }
        ("Emit", [name, payload]) => {
            stub.set_event(name, payload.clone()).map_err(shim)?;
            stub.put_state(&format!("event-{name}"), payload.clone())
                .await
                .map_err(shim)?;
            Ok(Vec::new())
        }
        ("Fail", [message]) => Err(message.clone()),
        _ => Err(format!("unknown function {function}")),
    }
}

struct Net {
    _dir: TempDir,
    network: DevNetwork,
    endpoint: String,
    peer: DevPeer,
    _listener: GatewayListener,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn net(tag: &str, orgs: &[&str]) -> Net {
    let dir = std::env::temp_dir().join(format!("gateway-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let specs: Vec<OrgSpec> = orgs.iter().map(|m| OrgSpec::new(m)).collect();
    let network = DevNetwork::create_or_load(&dir, &specs, &[]).unwrap();
    let peer = DevPeer::in_memory().unwrap();
    peer.attach(in_process(Arc::new(Store), "store:1.0"))
        .await
        .unwrap();
    let service = GatewayService::for_network(peer.clone(), &network, 7051).unwrap();
    let listener = GatewayListener::bind("127.0.0.1:0", service, None)
        .await
        .unwrap();
    Net {
        _dir: TempDir(dir),
        endpoint: format!("http://{}", listener.local_addr()),
        network,
        peer,
        _listener: listener,
    }
}

impl Net {
    /// A client as `user` of `mspid`.
    async fn client(&self, mspid: &str, user: &str) -> Gateway {
        let material = self.network.user(mspid, user).unwrap();
        let (identity, signer) =
            fabric_gateway_client::msp::load(&material.msp_dir, mspid).unwrap();
        Gateway::builder()
            .identity(identity)
            .signer(signer)
            .endpoint(PeerEndpoint::new(&self.endpoint))
            .connect()
            .await
            .unwrap()
    }

    async fn store(&self) -> fabric_gateway_client::Contract {
        self.client("Org1MSP", "User1")
            .await
            .network("mychannel")
            .contract("store")
    }
}

#[tokio::test]
async fn evaluate_and_submit() {
    let net = net("ok", &["Org1MSP"]).await;
    let store = net.store().await;
    let result = store.submit_transaction("Put", ["k", "v1"]).await.unwrap();
    assert!(result.is_empty());
    assert_eq!(
        store.evaluate_transaction("Get", ["k"]).await.unwrap(),
        "v1"
    );
    // Submitted asynchronously: the result at once, then the commit status.
    let submitted = store
        .submit_async("Append")
        .arguments(["k", "+"])
        .invoke()
        .await
        .unwrap();
    assert_eq!(submitted.result(), "v1");
    let status = submitted.status().await.unwrap();
    assert!(status.successful);
    assert_eq!(status.code, 0);
    assert_eq!(status.transaction_id, submitted.transaction_id());
    assert_eq!(
        status.block_number,
        net.peer.ledger().last_block("mychannel").unwrap()
    );
    assert_eq!(
        store.evaluate_transaction("Get", ["k"]).await.unwrap(),
        "v1+"
    );
    // Evaluate commits nothing.
    store
        .evaluate_transaction("Put", ["k", "nope"])
        .await
        .unwrap();
    assert_eq!(
        store.evaluate_transaction("Get", ["k"]).await.unwrap(),
        "v1+"
    );
}

#[tokio::test]
async fn chaincode_errors_on_evaluate_and_on_endorse() {
    let net = net("cc-error", &["Org1MSP"]).await;
    let store = net.store().await;
    let e = store
        .evaluate_transaction("Fail", ["no way"])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Evaluate(_)), "{e}");
    assert_eq!(e.code(), Some(Code::Unknown));
    assert_eq!(
        e.gateway_error().unwrap().message(),
        "evaluate call to endorser returned error: chaincode response 500, no way"
    );
    assert_eq!(e.details()[0].message, "chaincode response 500, no way");
    assert_eq!(e.details()[0].address, "peer0.org1.example.com:7051");
    assert_eq!(e.details()[0].msp_id, "Org1MSP");

    let e = store
        .submit_transaction("Fail", ["no way"])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Endorse(_)), "{e}");
    assert_eq!(e.code(), Some(Code::Aborted));
    assert_eq!(
        e.gateway_error().unwrap().message(),
        "failed to endorse transaction, see attached details for more info"
    );
    assert_eq!(e.details()[0].message, "chaincode response 500, no way");
    assert!(e.transaction_id().is_some());
}

#[tokio::test]
async fn unknown_chaincode_and_channel() {
    let net = net("unknown", &["Org1MSP"]).await;
    let gateway = net.client("Org1MSP", "User1").await;
    let missing = gateway.network("mychannel").contract("nosuch");
    let e = missing
        .evaluate_transaction("F", NO_ARGS)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(Code::FailedPrecondition));
    assert_eq!(
        e.gateway_error().unwrap().message(),
        "no peers available to evaluate chaincode nosuch in channel mychannel"
    );
    let e = missing.submit_transaction("F", NO_ARGS).await.unwrap_err();
    assert!(matches!(e, Error::Endorse(_)));
    assert_eq!(e.code(), Some(Code::FailedPrecondition));
    let e = gateway
        .network("otherchannel")
        .contract("store")
        .evaluate_transaction("Get", ["k"])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(Code::Unavailable));
}

#[tokio::test]
async fn signatures_are_checked() {
    let net = net("signatures", &["Org1MSP"]).await;
    let user = net.network.user("Org1MSP", "User1").unwrap();
    let identity = Identity::new("Org1MSP", user.identity.cert_pem.clone().into_bytes());
    let connect = |signer: EcdsaSigner| {
        let identity = identity.clone();
        let endpoint = net.endpoint.clone();
        async move {
            Gateway::builder()
                .identity(identity)
                .signer(signer)
                .endpoint(PeerEndpoint::new(endpoint))
                .connect()
                .await
                .unwrap()
        }
    };
    // The right certificate, another key (another user's).
    let other = net.network.user("Org1MSP", "Admin").unwrap();
    let other_key =
        fabric_gateway_client::msp::first_file(&other.msp_dir.join("keystore")).unwrap();
    let forged = connect(EcdsaSigner::from_pem_file(other_key).unwrap()).await;
    let store = forged.network("mychannel").contract("store");
    let e = store.evaluate_transaction("Get", ["k"]).await.unwrap_err();
    assert_eq!(e.code(), Some(Code::FailedPrecondition));
    assert_eq!(
        e.details()[0].message,
        "error validating proposal: access denied: channel [mychannel] creator org [Org1MSP]"
    );
    let e = store
        .submit_transaction("Put", ["k", "v"])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Endorse(_)));
    assert_eq!(e.code(), Some(Code::Aborted));

    // The right key, but a high-S signature: Fabric refuses it.
    let key_pem = std::fs::read_to_string(
        fabric_gateway_client::msp::first_file(&user.msp_dir.join("keystore")).unwrap(),
    )
    .unwrap();
    let key = {
        use p256::pkcs8::DecodePrivateKey;
        p256::ecdsa::SigningKey::from_pkcs8_pem(&key_pem).unwrap()
    };
    let high_s = signer_fn(move |digest: &[u8]| {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let sig: p256::ecdsa::Signature = key.sign_prehash(digest).unwrap();
        let low = sig.normalize_s().unwrap_or(sig);
        let (r, s) = low.split_scalars();
        let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        Ok(high.to_der().as_bytes().to_vec())
    });
    let gateway = Gateway::builder()
        .identity(identity.clone())
        .signer(high_s)
        .endpoint(PeerEndpoint::new(&net.endpoint))
        .connect()
        .await
        .unwrap();
    let e = gateway
        .network("mychannel")
        .contract("store")
        .evaluate_transaction("Get", ["k"])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(Code::FailedPrecondition), "{e}");

    // A member of no organization of the channel.
    let stranger_dir =
        std::env::temp_dir().join(format!("gateway-stranger-{}", std::process::id()));
    let stranger =
        DevNetwork::create_or_load(&stranger_dir, &[OrgSpec::new("Org9MSP")], &[]).unwrap();
    let material = stranger.user("Org9MSP", "User1").unwrap();
    let (identity, signer) =
        fabric_gateway_client::msp::load(&material.msp_dir, "Org9MSP").unwrap();
    let outsider = Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(PeerEndpoint::new(&net.endpoint))
        .connect()
        .await
        .unwrap();
    let e = outsider
        .network("mychannel")
        .contract("store")
        .evaluate_transaction("Get", ["k"])
        .await
        .unwrap_err();
    assert_eq!(
        e.details()[0].message,
        "error validating proposal: access denied: channel [mychannel] creator org unknown, creator is malformed"
    );
    let _ = std::fs::remove_dir_all(stranger_dir);
}

#[tokio::test]
async fn an_mvcc_conflict_is_reported_through_the_commit_status() {
    let net = net("mvcc", &["Org1MSP"]).await;
    let store = net.store().await;
    store.submit_transaction("Put", ["k", "a"]).await.unwrap();
    // Both read `k` before either commits.
    let first = store
        .new_proposal("Append")
        .arguments(["k", "1"])
        .build()
        .unwrap();
    let second = store
        .new_proposal("Append")
        .arguments(["k", "2"])
        .build()
        .unwrap();
    let first = first.endorse().await.unwrap();
    let second = second.endorse().await.unwrap();
    let first = first.submit().await.unwrap().status().await.unwrap();
    let second_tx = second.submit().await.unwrap();
    let status = second_tx.status().await.unwrap();
    assert!(first.successful);
    assert_eq!(status.code, 11, "MVCC_READ_CONFLICT");
    assert_eq!(status.code_name(), "MVCC_READ_CONFLICT");
    assert!(!status.successful);
    assert_eq!(status.block_number, first.block_number + 1);
    // Its write was not applied.
    assert_eq!(
        store.evaluate_transaction("Get", ["k"]).await.unwrap(),
        "a1"
    );
    // `submit_transaction` turns it into a CommitError.
    let third = store
        .new_proposal("Append")
        .arguments(["k", "3"])
        .build()
        .unwrap()
        .endorse()
        .await
        .unwrap();
    store.submit_transaction("Put", ["k", "b"]).await.unwrap();
    let e = third
        .submit()
        .await
        .unwrap()
        .status()
        .await
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Transaction {} failed to commit with status code 11 (MVCC_READ_CONFLICT)",
            e.transaction_id()
        )
    );
}

#[tokio::test]
async fn the_endorsement_policy_needs_a_majority_of_organizations() {
    let net = net("policy", &["Org1MSP", "Org2MSP", "Org3MSP"]).await;
    let store = net.store().await;
    // Every organization endorses by default.
    store.submit_transaction("Put", ["k", "all"]).await.unwrap();
    // One of three is not a majority.
    let submitted = store
        .submit_async("Put")
        .arguments(["k", "one"])
        .endorsing_organizations(["Org2MSP"])
        .invoke()
        .await
        .unwrap();
    let status = submitted.status().await.unwrap();
    assert_eq!(status.code_name(), "ENDORSEMENT_POLICY_FAILURE");
    // Two of three are.
    store
        .submit("Put")
        .arguments(["k", "two"])
        .endorsing_organizations(["Org1MSP", "Org3MSP"])
        .invoke()
        .await
        .unwrap();
    assert_eq!(
        store.evaluate_transaction("Get", ["k"]).await.unwrap(),
        "two"
    );
    let e = store
        .submit("Put")
        .arguments(["k", "x"])
        .endorsing_organizations(["Org7MSP"])
        .invoke()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(Code::Unavailable));
}

#[tokio::test]
async fn commit_status_waits_until_its_deadline() {
    use fabric_chaincode_shim::proto::gateway::{CommitStatusRequest, SignedCommitStatusRequest};
    use prost::Message;
    use sha2::{Digest, Sha256};

    let net = net("deadline", &["Org1MSP"]).await;
    let user = net.network.user("Org1MSP", "User1").unwrap();
    let (identity, signer) = fabric_gateway_client::msp::load(&user.msp_dir, "Org1MSP").unwrap();
    let gateway = Gateway::builder()
        .identity(identity.clone())
        .endpoint(PeerEndpoint::new(&net.endpoint))
        .commit_status_timeout(Duration::from_millis(300))
        .connect()
        .await
        .unwrap();
    // The status of a transaction that is never submitted never comes.
    let request = CommitStatusRequest {
        transaction_id: "0".repeat(64),
        channel_id: "mychannel".into(),
        identity: identity.serialize(),
    }
    .encode_to_vec();
    let signature = signer.sign_digest(&Sha256::digest(&request)).unwrap();
    let bytes = SignedCommitStatusRequest {
        request: request.into(),
        signature: Default::default(),
    }
    .encode_to_vec();
    let commit = gateway.new_signed_commit(&bytes, signature).unwrap();
    let started = std::time::Instant::now();
    let e = commit.status().await.unwrap_err();
    assert!(matches!(e, Error::CommitStatus(_)), "{e}");
    assert_eq!(e.code(), Some(Code::DeadlineExceeded));
    assert!(started.elapsed() >= Duration::from_millis(250));

    // A transaction endorsed now and submitted later is found once committed.
    let store = net.store().await;
    let transaction = store
        .new_proposal("Put")
        .arguments(["k", "v"])
        .build()
        .unwrap()
        .endorse()
        .await
        .unwrap();
    let submitted = transaction.submit().await.unwrap();
    assert!(submitted.status().await.unwrap().successful);
}

#[tokio::test]
async fn transaction_ids_are_not_replayed() {
    let net = net("replay", &["Org1MSP"]).await;
    let store = net.store().await;
    let proposal = store
        .new_proposal("Put")
        .arguments(["k", "once"])
        .build()
        .unwrap();
    let transaction = proposal.endorse().await.unwrap();
    let first = transaction.submit().await.unwrap();
    assert!(first.status().await.unwrap().successful);
    // The same signed envelope again: accepted, and its status is the first's.
    let again = transaction.submit().await.unwrap();
    let status = again.status().await.unwrap();
    assert!(status.successful);
    assert_eq!(
        status.block_number,
        first.status().await.unwrap().block_number
    );
    // The same proposal again: the endorser refuses the committed tx id.
    let e = proposal.endorse().await.unwrap_err();
    assert!(
        e.details()[0].message.starts_with(&format!(
            "duplicate transaction found [{}]",
            proposal.transaction_id()
        )),
        "{e}"
    );
}

#[tokio::test]
async fn chaincode_events_resume_after_a_checkpoint() {
    let net = net("events", &["Org1MSP"]).await;
    let gateway = net.client("Org1MSP", "User1").await;
    let network = gateway.network("mychannel");
    let store = network.contract("store");
    store
        .submit_transaction("Emit", ["before", "0"])
        .await
        .unwrap();
    let start = net.peer.ledger().last_block("mychannel").unwrap() + 1;
    let mut events = network.chaincode_events("store").stream().await.unwrap();
    for (name, payload) in [("a", "1"), ("b", "2"), ("c", "3")] {
        store
            .submit_transaction("Emit", [name, payload])
            .await
            .unwrap();
    }
    let checkpointer = InMemoryCheckpointer::new();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = events.next().await.unwrap().unwrap();
        if seen.is_empty() {
            fabric_gateway_client::Checkpointer::checkpoint_chaincode_event(&checkpointer, &event)
                .unwrap();
        }
        seen.push(event);
    }
    drop(events);
    assert_eq!(
        seen.iter()
            .map(|e| e.event_name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert_eq!(seen[0].block_number, start);
    assert_eq!(seen[0].chaincode_name, "store");
    assert_eq!(&seen[1].payload[..], b"2");

    // After the checkpointed event: the next two, in order.
    let mut resumed = network
        .chaincode_events("store")
        .checkpoint(&checkpointer)
        .stream()
        .await
        .unwrap();
    let next = resumed.next().await.unwrap().unwrap();
    assert_eq!(next.transaction_id, seen[1].transaction_id);
    let next = resumed.next().await.unwrap().unwrap();
    assert_eq!(next.transaction_id, seen[2].transaction_id);
    drop(resumed);

    // From a block number: that block's events on.
    let mut replay = network
        .chaincode_events("store")
        .start_block(start - 1)
        .stream()
        .await
        .unwrap();
    assert_eq!(replay.next().await.unwrap().unwrap().event_name, "before");
    assert_eq!(replay.next().await.unwrap().unwrap().event_name, "a");
}

#[tokio::test]
async fn malformed_requests_are_invalid_arguments() {
    let net = net("malformed", &["Org1MSP"]).await;
    let channel = tonic::transport::Endpoint::from_shared(net.endpoint.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut raw = GatewayClient::new(channel);
    let e = raw.evaluate(EvaluateRequest::default()).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(
        e.message(),
        "failed to unpack transaction proposal: a signed proposal is required"
    );
    let e = raw
        .submit(SubmitRequest {
            prepared_transaction: Some(Envelope {
                payload: b"x".to_vec().into(),
                signature: Default::default(),
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(e.message(), "prepared transaction must be signed");
    let e = raw
        .submit(SubmitRequest {
            prepared_transaction: Some(Envelope {
                payload: b"\xff\xff".to_vec().into(),
                signature: b"sig".to_vec().into(),
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Aborted);
    assert!(
        e.message()
            .starts_with("received unsuccessful response from orderer: status=BAD_REQUEST"),
        "{}",
        e.message()
    );
}
