//! Micro-benchmarks (criterion): message encode/decode, session dispatch of
//! one transfer over in-process channels, argument decoding of a
//! five-argument transaction, metadata generation, composite keys, and the
//! Gateway client's per-call work before the network (building and signing
//! a proposal).
//!
//! `cargo bench -p fabric-bench --bench micro`

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use fabric_bench::driver::{CHANNEL, creator, signed_proposal, transfer_transaction};
use fabric_bench::inprocess::InProcess;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::common::{ChannelHeader, Header, SignatureHeader};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeMessage, ChaincodeProposalPayload, GetState, Proposal,
};
use fabric_contract_api::__private::{ArgSite, ArgViaJson, ArgViaText, Codec};
use fabric_contract_api::ContractChaincode;
use prost::Message;
use sha2::{Digest, Sha256};

fn transaction(index: u64, function: &str) -> ChaincodeMessage {
    transfer_transaction(&Bytes::copy_from_slice(function.as_bytes()), index, None)
}

// `proposal.into()`: `ChaincodeMessage::proposal` may become boxed (a
// proposed shim change), which the same code then builds as well.
#[allow(clippy::useless_conversion)]
fn message(c: &mut Criterion) {
    let proposal = signed_proposal(creator().expect("an identity"), "bench");
    let mut tx = transaction(123_456, "Transfer");
    tx.proposal = Some(proposal.into());
    let tx_bytes = Bytes::from(tx.encode_to_vec());
    let get = frame(
        MessageType::GetState,
        encode(&GetState {
            key: "a123456".into(),
            collection: String::new(),
        }),
        "123456",
        CHANNEL,
    );
    let get_bytes = Bytes::from(get.encode_to_vec());
    let mut g = c.benchmark_group("message");
    g.bench_function("encode_transaction_with_proposal", |b| {
        b.iter(|| black_box(&tx).encode_to_vec())
    });
    g.bench_function("decode_transaction_with_proposal", |b| {
        b.iter(|| ChaincodeMessage::decode(black_box(tx_bytes.clone())).expect("decodes"))
    });
    g.bench_function("encode_get_state", |b| {
        b.iter(|| {
            let payload = encode(&GetState {
                key: black_box("a123456").to_owned(),
                collection: String::new(),
            });
            frame(MessageType::GetState, payload, "123456", CHANNEL).encode_to_vec()
        })
    });
    g.bench_function("decode_get_state", |b| {
        b.iter(|| {
            let msg = ChaincodeMessage::decode(black_box(get_bytes.clone())).expect("decodes");
            GetState::decode(msg.payload).expect("decodes")
        })
    });
    // What `ChaincodeStub::new` does with the proposal of every transaction
    // (shim `stub/proposal.rs`): five decodes, and the binding (SHA-256 of
    // nonce, creator and epoch) computed whether the chaincode asks for it or not.
    let signed = tx.proposal.clone().expect("a proposal");
    let decode = |with_binding: bool| {
        let proposal = Proposal::decode(signed.proposal_bytes.clone()).expect("Proposal");
        let header = Header::decode(proposal.header.clone()).expect("Header");
        let channel = ChannelHeader::decode(header.channel_header.clone()).expect("ChannelHeader");
        let signature =
            SignatureHeader::decode(header.signature_header.clone()).expect("SignatureHeader");
        let payload =
            ChaincodeProposalPayload::decode(proposal.payload.clone()).expect("the payload");
        let binding = with_binding.then(|| {
            Sha256::new()
                .chain_update(&signature.nonce)
                .chain_update(&signature.creator)
                .chain_update(channel.epoch.to_le_bytes())
                .finalize()
        });
        (
            signature.creator,
            payload.transient_map,
            channel.timestamp,
            binding,
        )
    };
    g.bench_function("proposal_decode_with_binding", |b| b.iter(|| decode(true)));
    g.bench_function("proposal_decode_without_binding", |b| {
        b.iter(|| decode(false))
    });
    g.finish();
}

fn session(c: &mut Criterion) {
    let mut g = c.benchmark_group("session");
    let mut shim = InProcess::start(fabric_bench::transfer::TransferChaincode);
    g.bench_function("shim_transfer", |b| b.iter(|| shim.transact("Transfer")));
    g.bench_function("shim_transfer_multi_batch", |b| {
        b.iter(|| shim.transact("TransferMultiBatch"))
    });
    let mut contract = InProcess::start(fabric_bench::contract::chaincode());
    g.bench_function("contract_transfer", |b| {
        b.iter(|| contract.transact("Transfer"))
    });
    g.finish();
}

const fn site(parameter: &'static str, position: usize) -> ArgSite {
    ArgSite {
        transaction: "CreateAsset",
        parameter,
        position,
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Owner {
    name: String,
    org: String,
}

// `(&Codec::<T>::new()).decode_arg(..)` is the call `#[contract]` generates:
// autoref specialization picks the text codec when `T` has one and JSON
// otherwise. The borrow is needless only for the text types.
#[allow(clippy::needless_borrow)]
fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    // asset-transfer-basic's CreateAsset(id, color, size, owner, appraisedValue).
    let text: Vec<Bytes> = ["asset123", "blue", "15", "Tomoko", "300"]
        .into_iter()
        .map(|a| Bytes::from_static(a.as_bytes()))
        .collect();
    g.bench_function("five_text_args", |b| {
        b.iter(|| {
            let a = black_box(&text);
            let id: String = (&Codec::<String>::new())
                .decode_arg(&a[0], site("id", 1))
                .expect("id");
            let color: String = (&Codec::<String>::new())
                .decode_arg(&a[1], site("color", 2))
                .expect("color");
            let size: i64 = (&Codec::<i64>::new())
                .decode_arg(&a[2], site("size", 3))
                .expect("size");
            let owner: String = (&Codec::<String>::new())
                .decode_arg(&a[3], site("owner", 4))
                .expect("owner");
            let value: u64 = (&Codec::<u64>::new())
                .decode_arg(&a[4], site("appraised_value", 5))
                .expect("value");
            (id, color, size, owner, value)
        })
    });
    // Five arguments of which two are JSON (a struct and a list).
    let mixed: Vec<Bytes> = [
        &b"asset123"[..],
        b"15",
        b"true",
        br#"{"name":"Tomoko","org":"Org1MSP"}"#,
        br#"["red","green","blue"]"#,
    ]
    .into_iter()
    .map(Bytes::from_static)
    .collect();
    g.bench_function("five_args_two_json", |b| {
        b.iter(|| {
            let a = black_box(&mixed);
            let id: String = (&Codec::<String>::new())
                .decode_arg(&a[0], site("id", 1))
                .expect("id");
            let size: u32 = (&Codec::<u32>::new())
                .decode_arg(&a[1], site("size", 2))
                .expect("size");
            let flag: bool = (&Codec::<bool>::new())
                .decode_arg(&a[2], site("flag", 3))
                .expect("flag");
            let owner: Owner = (&Codec::<Owner>::new())
                .decode_arg(&a[3], site("owner", 4))
                .expect("owner");
            let tags: Vec<String> = (&Codec::<Vec<String>>::new())
                .decode_arg(&a[4], site("tags", 5))
                .expect("tags");
            (id, size, flag, owner, tags)
        })
    });
    g.finish();
}

fn metadata(c: &mut Criterion) {
    let mut g = c.benchmark_group("metadata");
    // A new chaincode each time: `metadata_json` caches its result.
    g.bench_function("asset_transfer_basic", |b| {
        b.iter(|| {
            ContractChaincode::new()
                .add(asset_transfer_basic::SmartContract)
                .metadata_json()
                .expect("metadata")
        })
    });
    g.bench_function("bench_transfer_contract", |b| {
        b.iter(|| {
            fabric_bench::contract::chaincode()
                .metadata_json()
                .expect("metadata")
        })
    });
    g.finish();
}

fn keys(c: &mut Criterion) {
    let mut g = c.benchmark_group("keys");
    g.bench_function("create_composite_key_3_attributes", |b| {
        b.iter(|| {
            fabric_chaincode_shim::create_composite_key(
                black_box("asset"),
                black_box(&["Org1MSP", "blue", "asset123"]),
            )
            .expect("a valid key")
        })
    });
    g.finish();
}

/// A throwaway P-256 key (PKCS#8) for the signing benchmarks.
const CLIENT_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEl+nvt0n0bdj7rmC
3SeDsJqRRGARoNMTYzAhs8tvbz6hRANCAASKxNYed7UvGy8inJE4HTwGxHda67Wo
VpIZas0hhjXqqzH2RCcO/+d1qQaARUqqfkGyDA2C02ha/O11cFc+KRwF
-----END PRIVATE KEY-----
";

/// What `fabric-gateway-client` does per evaluate before the network: the
/// proposal (`new_proposal().build()`: nonce, tx id, protobuf layers), its
/// SHA-256 and the ECDSA P-256 signature (`EcdsaSigner`, RFC 6979, low S).
fn client(c: &mut Criterion) {
    use fabric_gateway_client::{EcdsaSigner, Gateway, Identity, PeerEndpoint};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _entered = runtime.enter();
    let cert = fabric_dev_peer::DevIdentity::generate(&fabric_dev_peer::IdentitySpec::default())
        .expect("an identity")
        .cert_pem;
    // Never connected: the proposals are only built.
    let channel = PeerEndpoint::new("127.0.0.1:9")
        .connect_lazy()
        .expect("a lazy channel");
    let gateway = runtime
        .block_on(
            Gateway::builder()
                .identity(Identity::new("Org1MSP", cert))
                .connection(channel)
                .connect(),
        )
        .expect("a gateway");
    let contract = gateway.network("mychannel").contract("basic");
    let signer = EcdsaSigner::from_pem(CLIENT_KEY).expect("a P-256 key");
    let digest = Sha256::digest(b"a proposal").to_vec();

    let mut g = c.benchmark_group("client");
    // The pure-Rust digest signature (p256) against the message signature
    // the gateway uses (ring, SHA-256 included).
    g.bench_function("ecdsa_p256_sign_digest", |b| {
        b.iter(|| signer.sign_digest(black_box(&digest)).expect("a signature"))
    });
    g.bench_function("ecdsa_p256_sign_message_sha256", |b| {
        b.iter(|| {
            signer
                .sign_message_sha256(black_box(b"a proposal"))
                .expect("a signature")
        })
    });
    g.bench_function("build_proposal_read_asset", |b| {
        b.iter(|| {
            contract
                .new_proposal("ReadAsset")
                .arguments([black_box("asset1")])
                .build()
                .expect("a proposal")
        })
    });
    g.bench_function("build_and_sign_proposal_read_asset", |b| {
        b.iter(|| {
            let proposal = contract
                .new_proposal("ReadAsset")
                .arguments([black_box("asset1")])
                .build()
                .expect("a proposal");
            signer
                .sign_message_sha256(proposal.proposal_bytes())
                .expect("a signature")
        })
    });
    g.finish();
}

criterion_group!(benches, message, session, codec, metadata, keys, client);
criterion_main!(benches);
