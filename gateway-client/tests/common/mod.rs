//! A mock Gateway server for the client's tests, over real gRPC on loopback.
//!
//! It checks what the client sends on its own, without the client's code:
//! it decodes every message, recomputes transaction ids with `ring`'s
//! SHA-256, verifies every signature with `ring` against the public key in
//! the creator's certificate (read with `x509-parser`), and checks that
//! ECDSA signatures have a low S. Whatever it finds wrong is recorded as a
//! violation (and answered with INVALID_ARGUMENT); tests assert there is none.
//! Answers come from a [`Script`].
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, Envelope, Header, Payload, SignatureHeader};
use fabric_protos::gateway::gateway_server::{Gateway, GatewayServer};
use fabric_protos::gateway::{
    ChaincodeEventsRequest, ChaincodeEventsResponse, CommitStatusRequest, CommitStatusResponse,
    EndorseRequest, EndorseResponse, ErrorDetail, EvaluateRequest, EvaluateResponse,
    SignedChaincodeEventsRequest, SignedCommitStatusRequest, SubmitRequest, SubmitResponse,
};
use fabric_protos::msp::SerializedIdentity;
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ChaincodeHeaderExtension,
    ChaincodeInvocationSpec, ChaincodeProposalPayload, Endorsement, Proposal,
    ProposalResponsePayload, Response, SignedProposal, Transaction, TransactionAction,
};
use futures_util::{Stream, StreamExt};
use prost::Message;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Server, ServerTlsConfig};
use tonic::{Code, Status};

use fabric_gateway_client::{EcdsaSigner, Gateway as ClientGateway, Identity};

/// What the mock answers to Endorse.
pub enum EndorseReply {
    /// A well-formed prepared transaction with this chaincode result.
    Result(Bytes),
    /// This envelope as the prepared transaction, as is.
    RawEnvelope(Envelope),
    /// No prepared transaction at all.
    Nothing,
}

/// What the mock answers to CommitStatus.
pub enum CommitReply {
    /// `TxValidationCode` and block number.
    Committed {
        code: i32,
        block_number: u64,
    },
    Error(Status),
    /// Never answers (the transaction never commits).
    Never,
}

/// One item of a chaincode events stream.
pub type EventReply = Result<ChaincodeEventsResponse, Status>;

type Handler<A, R> = Box<dyn Fn(&A) -> R + Send + Sync>;

/// The mock's scripted answers.
pub struct Script {
    pub evaluate: Handler<Invocation, Result<Bytes, Status>>,
    pub endorse: Handler<Invocation, Result<EndorseReply, Status>>,
    pub submit: Handler<String, Result<(), Status>>,
    pub commit_status: Handler<String, CommitReply>,
    /// Responses (or a mid-stream error) sent before the stream idles.
    pub chaincode_events: Handler<ChaincodeEventsRequest, Result<Vec<EventReply>, Status>>,
}

impl Default for Script {
    /// Evaluate and endorse answer `result:<args joined by ,>`; submit
    /// succeeds; commit status is VALID in block 7; no events.
    fn default() -> Self {
        Self {
            evaluate: Box::new(|inv| Ok(echo(inv))),
            endorse: Box::new(|inv| Ok(EndorseReply::Result(echo(inv)))),
            submit: Box::new(|_| Ok(())),
            commit_status: Box::new(|_| CommitReply::Committed {
                code: 0,
                block_number: 7,
            }),
            chaincode_events: Box::new(|_| Ok(Vec::new())),
        }
    }
}

/// The answer of the default script: the arguments after the name, joined.
pub fn echo(invocation: &Invocation) -> Bytes {
    let args: Vec<String> = invocation.args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Bytes::from(format!("result:{}", args.join(",")))
}

/// A proposal as the mock decoded it.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub transaction_id: String,
    pub channel: String,
    pub chaincode: String,
    pub args: Vec<Bytes>,
    pub transient: HashMap<String, Bytes>,
    pub organizations: Vec<String>,
    pub creator_msp_id: String,
    pub chaincode_type: i32,
    pub timestamp: SystemTime,
}

impl Invocation {
    pub fn function(&self) -> String {
        String::from_utf8_lossy(&self.args[0]).into_owned()
    }
}

/// What the mock saw.
#[derive(Default)]
pub struct Record {
    pub evaluations: Vec<Invocation>,
    pub endorsements: Vec<Invocation>,
    pub submitted: Vec<String>,
    pub commit_requests: Vec<CommitStatusRequest>,
    pub events_requests: Vec<ChaincodeEventsRequest>,
    /// The `grpc-timeout` header of each CommitStatus call.
    pub commit_status_timeouts: Vec<Option<String>>,
    pub signatures_verified: usize,
    pub ecdsa_low_s_checked: usize,
    pub violations: Vec<String>,
    /// Prepared payloads by transaction id, with the creator that proposed them.
    prepared: HashMap<String, (Bytes, Bytes)>,
}

struct MockGateway {
    script: Script,
    record: Arc<Mutex<Record>>,
}

/// A running mock.
pub struct Mock {
    pub address: SocketAddr,
    pub record: Arc<Mutex<Record>>,
}

impl Mock {
    pub fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap()
    }

    /// Asserts that everything the client sent was well-formed and signed.
    pub fn assert_no_violations(&self) {
        let record = self.record();
        assert!(
            record.violations.is_empty(),
            "the mock found: {:#?}",
            record.violations
        );
    }
}

/// Starts a plaintext mock on 127.0.0.1.
pub async fn start(script: Script) -> Mock {
    start_with(script, None).await
}

/// Starts a mock on 127.0.0.1, with TLS if given.
pub async fn start_with(script: Script, tls: Option<ServerTlsConfig>) -> Mock {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let record = Arc::new(Mutex::new(Record::default()));
    let service = MockGateway {
        script,
        record: Arc::clone(&record),
    };
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).unwrap();
    }
    let router = builder.add_service(GatewayServer::new(service));
    tokio::spawn(router.serve_with_incoming(TcpListenerStream::new(listener)));
    Mock { address, record }
}

/// A client key and a self-signed certificate for it.
pub struct Credentials {
    pub certificate_pem: String,
    pub key_pem: String,
}

pub fn new_credentials() -> Credentials {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["user1.org1.example.com".to_owned()]).unwrap();
    let certificate = params.self_signed(&key).unwrap();
    Credentials {
        certificate_pem: certificate.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A gateway to the mock as Org1MSP with a fresh P-256 key.
pub async fn connect(mock: &Mock) -> ClientGateway {
    let credentials = new_credentials();
    ClientGateway::builder()
        .identity(Identity::new("Org1MSP", credentials.certificate_pem))
        .signer(EcdsaSigner::from_pem(&credentials.key_pem).unwrap())
        .endpoint(fabric_gateway_client::PeerEndpoint::new(format!(
            "http://{}",
            mock.address
        )))
        .connect()
        .await
        .unwrap()
}

/// A gRPC status carrying `gateway.ErrorDetail`s, as the Fabric Gateway
/// sends them (a `google.rpc.Status` in `grpc-status-details-bin`).
pub fn status_with_details(code: Code, message: &str, details: &[(&str, &str, &str)]) -> Status {
    #[derive(Clone, PartialEq, prost::Message)]
    struct RpcStatus {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
        #[prost(message, repeated, tag = "3")]
        details: Vec<prost_types::Any>,
    }
    let details = details
        .iter()
        .map(|(address, msp_id, message)| prost_types::Any {
            type_url: "type.googleapis.com/gateway.ErrorDetail".to_owned(),
            value: ErrorDetail {
                address: (*address).to_owned(),
                msp_id: (*msp_id).to_owned(),
                message: (*message).to_owned(),
            }
            .encode_to_vec(),
        })
        .collect();
    let body = RpcStatus {
        code: code as i32,
        message: message.to_owned(),
        details,
    };
    Status::with_details(code, message, body.encode_to_vec().into())
}

// ---- independent checks ----

const P256_ORDER_HALF: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// The S of a DER ECDSA signature, left-padded to 32 bytes.
fn der_s(signature: &[u8]) -> Result<[u8; 32], String> {
    fn integer(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
        match bytes {
            [0x02, len, rest @ ..] if rest.len() >= usize::from(*len) => {
                Ok(rest.split_at(usize::from(*len)))
            }
            _ => Err("not a DER INTEGER".into()),
        }
    }
    let body = match signature {
        [0x30, len, body @ ..] if body.len() == usize::from(*len) => body,
        _ => return Err("not a DER SEQUENCE".into()),
    };
    let (_r, rest) = integer(body)?;
    let (s, rest) = integer(rest)?;
    if !rest.is_empty() {
        return Err("trailing bytes after S".into());
    }
    let s = s.strip_prefix(&[0]).unwrap_or(s);
    if s.len() > 32 {
        return Err("S longer than 32 bytes".into());
    }
    let mut padded = [0u8; 32];
    padded[32 - s.len()..].copy_from_slice(s);
    Ok(padded)
}

impl MockGateway {
    fn violation(&self, what: String) -> Status {
        self.record.lock().unwrap().violations.push(what.clone());
        Status::invalid_argument(format!("mock: {what}"))
    }

    /// Verifies `signature` over `message` against the creator's
    /// certificate key, the way the peer's MSP would.
    fn verify(&self, creator: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Status> {
        let identity = SerializedIdentity::decode(creator)
            .map_err(|e| self.violation(format!("creator is not a SerializedIdentity: {e}")))?;
        if identity.mspid.is_empty() {
            return Err(self.violation("creator has no MSP id".into()));
        }
        let (_, pem) = x509_parser::pem::parse_x509_pem(&identity.id_bytes)
            .map_err(|e| self.violation(format!("creator id_bytes is not a PEM: {e}")))?;
        let certificate = pem
            .parse_x509()
            .map_err(|e| self.violation(format!("creator certificate does not parse: {e}")))?;
        let spki = certificate.public_key();
        let key = spki.subject_public_key.data.to_vec();
        let algorithm = spki.algorithm.algorithm.to_id_string();
        let verified = match algorithm.as_str() {
            "1.2.840.10045.2.1" => {
                let s = der_s(signature)
                    .map_err(|e| self.violation(format!("signature is not DER: {e}")))?;
                if s > P256_ORDER_HALF {
                    return Err(self.violation("ECDSA signature has a high S".into()));
                }
                self.record.lock().unwrap().ecdsa_low_s_checked += 1;
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_ASN1,
                    &key,
                )
                .verify(message, signature)
            }
            "1.3.101.112" => {
                ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key)
                    .verify(message, signature)
            }
            other => return Err(self.violation(format!("unexpected key algorithm {other}"))),
        };
        verified.map_err(|_| self.violation("signature does not verify".into()))?;
        self.record.lock().unwrap().signatures_verified += 1;
        Ok(())
    }

    /// Decodes and checks a signed proposal as the peer would.
    fn check_proposal(
        &self,
        transaction_id: &str,
        channel_id: &str,
        organizations: Vec<String>,
        signed: Option<SignedProposal>,
    ) -> Result<(Invocation, Header, ChaincodeProposalPayload), Status> {
        let signed = signed.ok_or_else(|| self.violation("no proposed transaction".into()))?;
        let proposal = Proposal::decode(signed.proposal_bytes.clone())
            .map_err(|e| self.violation(format!("Proposal: {e}")))?;
        let header = Header::decode(proposal.header.clone())
            .map_err(|e| self.violation(format!("Header: {e}")))?;
        let channel_header = ChannelHeader::decode(header.channel_header.clone())
            .map_err(|e| self.violation(format!("ChannelHeader: {e}")))?;
        let signature_header = SignatureHeader::decode(header.signature_header.clone())
            .map_err(|e| self.violation(format!("SignatureHeader: {e}")))?;
        if channel_header.r#type != 3 {
            return Err(self.violation(format!("header type {}", channel_header.r#type)));
        }
        if channel_header.epoch != 0 || channel_header.version != 0 {
            return Err(self.violation("epoch or version not 0".into()));
        }
        let timestamp = channel_header
            .timestamp
            .ok_or_else(|| self.violation("no timestamp".into()))?;
        let timestamp = SystemTime::UNIX_EPOCH
            + Duration::new(
                u64::try_from(timestamp.seconds).unwrap_or(0),
                u32::try_from(timestamp.nanos).unwrap_or(0),
            );
        let age = SystemTime::now()
            .duration_since(timestamp)
            .unwrap_or_default();
        if age > Duration::from_secs(60) {
            return Err(self.violation(format!("timestamp {age:?} old")));
        }
        if channel_header.channel_id != channel_id {
            return Err(self.violation(format!(
                "request channel {channel_id} but proposal channel {}",
                channel_header.channel_id
            )));
        }
        if signature_header.nonce.len() != 24 {
            return Err(self.violation(format!("nonce of {} bytes", signature_header.nonce.len())));
        }
        let mut preimage = signature_header.nonce.to_vec();
        preimage.extend_from_slice(&signature_header.creator);
        let expected: String = ring::digest::digest(&ring::digest::SHA256, &preimage)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if channel_header.tx_id != expected {
            return Err(self.violation(format!(
                "tx_id {} is not SHA-256(nonce ‖ creator) {expected}",
                channel_header.tx_id
            )));
        }
        if transaction_id != expected {
            return Err(self.violation(format!(
                "request transaction_id {transaction_id} differs from the proposal's {expected}"
            )));
        }
        let extension = ChaincodeHeaderExtension::decode(channel_header.extension.clone())
            .map_err(|e| self.violation(format!("ChaincodeHeaderExtension: {e}")))?;
        let payload = ChaincodeProposalPayload::decode(proposal.payload.clone())
            .map_err(|e| self.violation(format!("ChaincodeProposalPayload: {e}")))?;
        let spec = ChaincodeInvocationSpec::decode(payload.input.clone())
            .map_err(|e| self.violation(format!("ChaincodeInvocationSpec: {e}")))?
            .chaincode_spec
            .ok_or_else(|| self.violation("no chaincode spec".into()))?;
        let chaincode = spec
            .chaincode_id
            .clone()
            .map(|id| id.name)
            .unwrap_or_default();
        let header_chaincode = extension.chaincode_id.map(|id| id.name).unwrap_or_default();
        if chaincode.is_empty() || chaincode != header_chaincode {
            return Err(self.violation(format!(
                "chaincode {chaincode:?} in the spec, {header_chaincode:?} in the header"
            )));
        }
        let args = spec.input.map(|input| input.args).unwrap_or_default();
        if args.is_empty() {
            return Err(self.violation("no function name".into()));
        }
        if signed.signature.is_empty() {
            return Err(self.violation("empty proposal signature".into()));
        }
        self.verify(
            &signature_header.creator,
            &signed.proposal_bytes,
            &signed.signature,
        )?;
        let creator_msp_id = SerializedIdentity::decode(signature_header.creator.clone())
            .map(|id| id.mspid)
            .unwrap_or_default();
        let invocation = Invocation {
            transaction_id: expected,
            channel: channel_header.channel_id,
            chaincode,
            args,
            transient: payload.transient_map.clone(),
            organizations,
            creator_msp_id,
            chaincode_type: spec.r#type,
            timestamp,
        };
        Ok((invocation, header, payload))
    }

    fn check_signed_request(&self, request: &[u8], signature: &[u8]) -> Result<(), Status> {
        #[derive(Clone, PartialEq, prost::Message)]
        struct IdentityField {
            #[prost(bytes = "vec", tag = "3")]
            identity: Vec<u8>,
        }
        // Both CommitStatusRequest and ChaincodeEventsRequest carry the
        // identity in field 3.
        let identity = IdentityField::decode(request)
            .map_err(|e| self.violation(format!("request: {e}")))?
            .identity;
        if identity.is_empty() || signature.is_empty() {
            return Err(self.violation("request without identity or signature".into()));
        }
        self.verify(&identity, request, signature)
    }
}

/// The prepared transaction the real Gateway builds from a proposal.
fn prepare(header: &Header, payload: &ChaincodeProposalPayload, result: Bytes) -> Envelope {
    let chaincode_action = ChaincodeAction {
        results: Bytes::from_static(b"rwset"),
        events: Bytes::new(),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: result,
        }),
        chaincode_id: None,
    };
    let response_payload = ProposalResponsePayload {
        proposal_hash: Bytes::from_static(&[9; 32]),
        extension: chaincode_action.encode_to_vec().into(),
    };
    let action_payload = ChaincodeActionPayload {
        chaincode_proposal_payload: ChaincodeProposalPayload {
            input: payload.input.clone(),
            transient_map: HashMap::new(),
        }
        .encode_to_vec()
        .into(),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: response_payload.encode_to_vec().into(),
            endorsements: vec![Endorsement {
                endorser: Bytes::from_static(b"peer0"),
                signature: Bytes::from_static(b"endorsement"),
            }],
        }),
    };
    let transaction = Transaction {
        actions: vec![TransactionAction {
            header: header.signature_header.clone(),
            payload: action_payload.encode_to_vec().into(),
        }],
    };
    let payload = Payload {
        header: Some(header.clone()),
        data: transaction.encode_to_vec().into(),
    };
    Envelope {
        payload: payload.encode_to_vec().into(),
        signature: Bytes::new(),
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<ChaincodeEventsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Gateway for MockGateway {
    async fn evaluate(
        &self,
        request: tonic::Request<EvaluateRequest>,
    ) -> Result<tonic::Response<EvaluateResponse>, Status> {
        let request = request.into_inner();
        let (invocation, _, _) = self.check_proposal(
            &request.transaction_id,
            &request.channel_id,
            request.target_organizations,
            request.proposed_transaction,
        )?;
        self.record
            .lock()
            .unwrap()
            .evaluations
            .push(invocation.clone());
        let payload = (self.script.evaluate)(&invocation)?;
        Ok(tonic::Response::new(EvaluateResponse {
            result: Some(Response {
                status: 200,
                message: String::new(),
                payload,
            }),
        }))
    }

    async fn endorse(
        &self,
        request: tonic::Request<EndorseRequest>,
    ) -> Result<tonic::Response<EndorseResponse>, Status> {
        let request = request.into_inner();
        let creator_of = |header: &Header| {
            SignatureHeader::decode(header.signature_header.clone())
                .map(|h| h.creator)
                .unwrap_or_default()
        };
        let (invocation, header, payload) = self.check_proposal(
            &request.transaction_id,
            &request.channel_id,
            request.endorsing_organizations,
            request.proposed_transaction,
        )?;
        self.record
            .lock()
            .unwrap()
            .endorsements
            .push(invocation.clone());
        let envelope = match (self.script.endorse)(&invocation)? {
            EndorseReply::Result(result) => {
                let envelope = prepare(&header, &payload, result);
                self.record.lock().unwrap().prepared.insert(
                    invocation.transaction_id.clone(),
                    (envelope.payload.clone(), creator_of(&header)),
                );
                Some(envelope)
            }
            EndorseReply::RawEnvelope(envelope) => Some(envelope),
            EndorseReply::Nothing => None,
        };
        Ok(tonic::Response::new(EndorseResponse {
            prepared_transaction: envelope,
        }))
    }

    async fn submit(
        &self,
        request: tonic::Request<SubmitRequest>,
    ) -> Result<tonic::Response<SubmitResponse>, Status> {
        let request = request.into_inner();
        let prepared = self
            .record
            .lock()
            .unwrap()
            .prepared
            .get(&request.transaction_id)
            .cloned();
        let (payload, creator) = prepared.ok_or_else(|| {
            self.violation(format!("submit of unknown {}", request.transaction_id))
        })?;
        let envelope = request
            .prepared_transaction
            .ok_or_else(|| self.violation("submit without envelope".into()))?;
        if envelope.payload != payload {
            return Err(self.violation("submitted payload differs from the prepared one".into()));
        }
        let channel = Payload::decode(payload.clone())
            .ok()
            .and_then(|p| p.header)
            .and_then(|h| ChannelHeader::decode(h.channel_header).ok())
            .map(|h| h.channel_id)
            .unwrap_or_default();
        if request.channel_id != channel {
            return Err(self.violation(format!(
                "submit to channel {:?}, transaction in {channel:?}",
                request.channel_id
            )));
        }
        self.verify(&creator, &envelope.payload, &envelope.signature)?;
        self.record
            .lock()
            .unwrap()
            .submitted
            .push(request.transaction_id.clone());
        (self.script.submit)(&request.transaction_id)?;
        Ok(tonic::Response::new(SubmitResponse {}))
    }

    async fn commit_status(
        &self,
        request: tonic::Request<SignedCommitStatusRequest>,
    ) -> Result<tonic::Response<CommitStatusResponse>, Status> {
        let timeout = request
            .metadata()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let signed = request.into_inner();
        self.check_signed_request(&signed.request, &signed.signature)?;
        let inner = CommitStatusRequest::decode(signed.request.clone())
            .map_err(|e| self.violation(format!("CommitStatusRequest: {e}")))?;
        {
            let mut record = self.record.lock().unwrap();
            record.commit_status_timeouts.push(timeout);
            record.commit_requests.push(inner.clone());
            if !record.submitted.contains(&inner.transaction_id) {
                let what = format!("commit status of unsubmitted {}", inner.transaction_id);
                record.violations.push(what);
            }
        }
        match (self.script.commit_status)(&inner.transaction_id) {
            CommitReply::Committed { code, block_number } => {
                Ok(tonic::Response::new(CommitStatusResponse {
                    result: code,
                    block_number,
                }))
            }
            CommitReply::Error(status) => Err(status),
            CommitReply::Never => std::future::pending().await,
        }
    }

    type ChaincodeEventsStream = EventStream;

    async fn chaincode_events(
        &self,
        request: tonic::Request<SignedChaincodeEventsRequest>,
    ) -> Result<tonic::Response<EventStream>, Status> {
        let signed = request.into_inner();
        self.check_signed_request(&signed.request, &signed.signature)?;
        let inner = ChaincodeEventsRequest::decode(signed.request.clone())
            .map_err(|e| self.violation(format!("ChaincodeEventsRequest: {e}")))?;
        self.record
            .lock()
            .unwrap()
            .events_requests
            .push(inner.clone());
        let responses = (self.script.chaincode_events)(&inner)?;
        // Like the real Gateway, the stream stays open after what it has.
        let stream = tokio_stream::iter(responses).chain(futures_util::stream::pending());
        Ok(tonic::Response::new(Box::pin(stream)))
    }
}
