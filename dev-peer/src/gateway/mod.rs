//! The Fabric Gateway service (`gateway.Gateway`) of the development peer:
//! client applications written with the official Gateway clients (Node, Go,
//! Java) or `fabric-gateway-client` run against it unchanged.
//!
//! It follows Fabric's semantics, not a shortcut:
//!
//! * **Evaluate** and **Endorse** check the signed proposal as a peer's
//!   endorser does (header, tx id = SHA-256 of nonce and creator, a creator
//!   issued by a channel member's CA, an ECDSA P-256 signature with low `s`,
//!   no tx id already committed), then simulate it against committed state.
//! * **Endorse** returns the transaction envelope as Fabric's gateway builds
//!   it: the proposal's header, the chaincode's action with its read-write
//!   set, event and response, signed by one peer per endorsing organization.
//! * **Submit** checks the client's signature over the envelope (the
//!   orderer's check) and commits it in the next block, validated as a
//!   committing peer validates it: endorsement signatures and the channel's
//!   majority endorsement policy, duplicate tx ids, and the versions of every
//!   key read (MVCC) and range scanned (phantom reads). An invalid
//!   transaction is recorded with its code and changes nothing.
//! * **CommitStatus** waits for the transaction's block and returns its
//!   validation code; **ChaincodeEvents** streams the events of valid
//!   transactions per block, from the requested position or after a
//!   checkpointed transaction.
//! * Failures carry the real gateway's gRPC codes, messages and
//!   `gateway.ErrorDetail`s, so the official clients raise the same errors.
//!
//! What it does not do, compared with a real peer: there is one peer per
//! organization, all sharing one ledger and simulating once; ordering has no
//! batching (a block per submitted transaction) and no consensus; the
//! endorsement policy is the channel default (a majority of organizations)
//! for every chaincode, and key-level endorsement policies are stored but
//! not enforced; private data needs the endorsement and the submit to reach
//! the same running peer (it is kept in memory in between, as a peer's
//! transient store); only ECDSA P-256 identities are accepted; there are no
//! block events (`Deliver`), discovery or ACLs beyond channel membership.

mod tx;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fabric_chaincode_shim::proto::common::Envelope;
use fabric_chaincode_shim::proto::gateway::gateway_server::{self, GatewayServer};
use fabric_chaincode_shim::proto::gateway::{
    ChaincodeEventsRequest, ChaincodeEventsResponse, CommitStatusRequest, CommitStatusResponse,
    EndorseRequest, EndorseResponse, ErrorDetail, EvaluateRequest, EvaluateResponse,
    SignedChaincodeEventsRequest, SignedCommitStatusRequest, SubmitRequest, SubmitResponse,
};
use fabric_chaincode_shim::proto::google::rpc::Status as RpcStatus;
use fabric_chaincode_shim::proto::orderer::seek_position;
use fabric_chaincode_shim::proto::protos::{ChaincodeId, Endorsement, TxValidationCode};
use futures_util::Stream;
use prost::Message;
use tonic::{Code, Request, Response, Status};

pub use self::tx::{
    UnpackedProposal, UnpackedTransaction, decode_public_rwset, encode_rwset, txid_of,
};
use crate::ledger::{BlockTx, ReadSet, WriteSet};
use crate::msp::{Msp, SigningIdentity};
use crate::network::DevNetwork;
use crate::peer::{DevPeer, Proposed, hex};

/// A peer of one organization: it endorses with its identity and is named
/// by its address in error details.
#[derive(Debug, Clone)]
pub struct Endorser {
    /// The organization's MSP id.
    pub mspid: String,
    /// The address shown in `ErrorDetail`s, e.g. `peer0.org1.example.com:7051`.
    pub address: String,
    /// The identity it signs endorsements with.
    pub identity: SigningIdentity,
}

/// Private data between endorsement and commit, by tx id (a peer's
/// transient store).
type TransientStore = Mutex<HashMap<String, (ReadSet, WriteSet)>>;

struct Inner {
    peer: DevPeer,
    msp: Msp,
    endorsers: Vec<Endorser>,
    channels: Vec<String>,
    transient: TransientStore,
}

/// The `gateway.Gateway` service over a [`DevPeer`].
#[derive(Clone)]
pub struct GatewayService {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GatewayService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayService")
            .field("channels", &self.inner.channels)
            .field("endorsers", &self.inner.endorsers)
            .finish_non_exhaustive()
    }
}

const DETAIL_TYPE: &str = "type.googleapis.com/gateway.ErrorDetail";

/// A gRPC error with `gateway.ErrorDetail`s in its status details, as the
/// Gateway returns them.
fn rpc_error(code: Code, message: impl Into<String>, details: Vec<ErrorDetail>) -> Status {
    let message = message.into();
    if details.is_empty() {
        return Status::new(code, message);
    }
    let status = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details: details
            .into_iter()
            .map(|d| prost_types::Any {
                type_url: DETAIL_TYPE.into(),
                value: d.encode_to_vec(),
            })
            .collect(),
    };
    Status::with_details(code, message, Bytes::from(status.encode_to_vec()))
}

/// Why a proposal was not endorsed: the endorser's message, and whether the
/// chaincode itself answered (`Unknown`) or the peer did (`Aborted`/`FailedPrecondition`).
struct Refusal {
    code: Code,
    message: String,
}

impl GatewayService {
    /// A Gateway over `peer` for `channels`, trusting `msp`'s organizations,
    /// with one endorsing peer per organization.
    pub fn new(peer: DevPeer, msp: Msp, endorsers: Vec<Endorser>, channels: Vec<String>) -> Self {
        GatewayService {
            inner: Arc::new(Inner {
                peer,
                msp,
                endorsers,
                channels,
                transient: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// A Gateway over `peer` for the organizations of `network`, whose peers
    /// are named `peer0.<domain>:<port>`; the channel is the peer's.
    pub fn for_network(peer: DevPeer, network: &DevNetwork, port: u16) -> Result<Self, String> {
        let msp = network.msp()?;
        let endorsers = network
            .orgs
            .iter()
            .map(|o| Endorser {
                mspid: o.mspid.clone(),
                address: format!("peer0.{}:{port}", o.domain),
                identity: o.peer.clone(),
            })
            .collect();
        let channel = peer.config().channel.clone();
        Ok(Self::new(peer, msp, endorsers, vec![channel]))
    }

    /// The tonic service, to add to a `tonic::transport::Server`.
    pub fn into_server(self) -> GatewayServer<Self> {
        GatewayServer::new(self).max_decoding_message_size(100 * 1024 * 1024)
    }

    fn knows_channel(&self, channel: &str) -> bool {
        self.inner.channels.iter().any(|c| c == channel)
    }

    fn detail(endorser: &Endorser, message: &str) -> ErrorDetail {
        ErrorDetail {
            address: endorser.address.clone(),
            msp_id: endorser.mspid.clone(),
            message: message.to_owned(),
        }
    }

    /// The endorser's checks of a proposal (`preProcess`): its structure,
    /// its creator and signature, and that its tx id is new.
    fn preprocess(&self, proposal: &UnpackedProposal) -> Result<(), String> {
        let channel = proposal.channel();
        proposal
            .validate_structure()
            .map_err(|e| format!("error validating proposal: {e}"))?;
        let creator = &proposal.signature_header.creator;
        self.inner
            .msp
            .check(
                creator,
                &proposal.signed.proposal_bytes,
                &proposal.signed.signature,
            )
            .map_err(|e| {
                tracing::debug!(txid = proposal.txid(), "proposal refused: {}", e.reason());
                format!("error validating proposal: access denied: channel [{channel}] {e}")
            })?;
        if self
            .inner
            .peer
            .ledger()
            .transaction(channel, proposal.txid())
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Err(format!(
                "duplicate transaction found [{}]. Creator [{}]",
                proposal.txid(),
                hex(creator)
            ));
        }
        Ok(())
    }

    /// Checks and simulates a proposal; `Err` is why it was not endorsed.
    async fn run(&self, proposal: &UnpackedProposal) -> Result<crate::peer::Simulated, Refusal> {
        self.preprocess(proposal).map_err(|message| Refusal {
            code: Code::FailedPrecondition,
            message,
        })?;
        let handle = self
            .inner
            .peer
            .chaincode(&proposal.chaincode)
            .ok_or_else(|| Refusal {
                code: Code::Unavailable,
                message: format!("chaincode {} is not connected", proposal.chaincode),
            })?;
        let simulated = self
            .inner
            .peer
            .simulate(
                &handle,
                Proposed {
                    channel: proposal.channel().to_owned(),
                    txid: proposal.txid().to_owned(),
                    args: proposal.args.clone(),
                    init: proposal.init,
                    signed: proposal.signed.clone(),
                },
            )
            .await
            .map_err(|e| Refusal {
                code: Code::Unavailable,
                message: e.to_string(),
            })?;
        let status = simulated.response.status;
        if !(200..400).contains(&status) {
            return Err(if simulated.from_chaincode {
                Refusal {
                    code: Code::Unknown,
                    message: format!(
                        "chaincode response {status}, {}",
                        simulated.response.message
                    ),
                }
            } else {
                Refusal {
                    code: Code::Aborted,
                    message: simulated.response.message.clone(),
                }
            });
        }
        Ok(simulated)
    }

    fn unknown_channel(channel: &str) -> Status {
        Status::unavailable(format!(
            "failed to get config for channel [{channel}]: could not get last config for channel {channel}"
        ))
    }

    /// The orderer's and the committer's checks of a signed envelope, then
    /// the commit; returns the block and the validation code.
    fn order(&self, envelope: &Envelope) -> Result<(u64, TxValidationCode), Status> {
        let orderer_refusal = |status: &str, info: &str| {
            rpc_error(
                Code::Aborted,
                format!(
                    "received unsuccessful response from orderer: status={status}, info={info}"
                ),
                Vec::new(),
            )
        };
        let (_, channel_header, signature_header) = UnpackedTransaction::headers(envelope)
            .map_err(|e| orderer_refusal("BAD_REQUEST", &e))?;
        let channel = channel_header.channel_id.clone();
        if !self.knows_channel(&channel) {
            return Err(orderer_refusal(
                "NOT_FOUND",
                &format!("channel {channel} does not exist"),
            ));
        }
        if let Err(e) = self.inner.msp.check(
            &signature_header.creator,
            &envelope.payload,
            &envelope.signature,
        ) {
            tracing::debug!(txid = %channel_header.tx_id, "envelope refused: {}", e.reason());
            return Err(orderer_refusal(
                "FORBIDDEN",
                "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied",
            ));
        }
        let txid = channel_header.tx_id.clone();
        let mut tx = BlockTx {
            txid: txid.clone(),
            timestamp: channel_header.timestamp,
            reads: ReadSet::default(),
            writes: WriteSet::default(),
            event: None,
            code: TxValidationCode::Valid,
        };
        tx.code = match self.validate(envelope, &channel, &mut tx) {
            Ok(()) => TxValidationCode::Valid,
            Err(code) => code,
        };
        // Private data kept since the endorsement (the peer's transient store).
        if let Some((reads, writes)) = self
            .inner
            .transient
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&txid)
        {
            tx.reads.keys.extend(reads.keys);
            tx.writes.values.extend(writes.values);
            tx.writes.metadata.extend(writes.metadata);
        }
        self.inner.peer.commit(&channel, tx).map_err(|e| {
            Status::unavailable(format!(
                "no orderers could successfully process transaction: {e}"
            ))
        })
    }

    /// The committer's checks that do not depend on the state: structure,
    /// tx id, endorsement signatures and the endorsement policy. Fills in
    /// the reads, writes and event.
    fn validate(
        &self,
        envelope: &Envelope,
        channel: &str,
        tx: &mut BlockTx,
    ) -> Result<(), TxValidationCode> {
        let unpacked = UnpackedTransaction::unpack(envelope).map_err(|e| {
            tracing::debug!(txid = %tx.txid, "invalid transaction: {e}");
            TxValidationCode::BadPayload
        })?;
        let expected = txid_of(
            &unpacked.signature_header.nonce,
            &unpacked.signature_header.creator,
        );
        if unpacked.channel_header.tx_id != expected {
            return Err(TxValidationCode::BadProposalTxid);
        }
        let mut endorsing_orgs: Vec<String> = Vec::new();
        for endorsement in &unpacked.endorsements {
            let mut message = unpacked.response_payload.to_vec();
            message.extend_from_slice(&endorsement.endorser);
            match self
                .inner
                .msp
                .check(&endorsement.endorser, &message, &endorsement.signature)
            {
                Ok(endorser) if !endorsing_orgs.contains(&endorser.mspid) => {
                    endorsing_orgs.push(endorser.mspid);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(txid = %tx.txid, "endorsement refused: {}", e.reason());
                    return Err(TxValidationCode::EndorsementPolicyFailure);
                }
            }
        }
        // The channel default: a majority of the organizations endorse.
        let members = self.inner.msp.orgs().len();
        if endorsing_orgs.len() < members / 2 + 1 {
            return Err(TxValidationCode::EndorsementPolicyFailure);
        }
        let (reads, writes) =
            decode_public_rwset(channel, &unpacked.action.results).map_err(|e| {
                tracing::debug!(txid = %tx.txid, "{e}");
                TxValidationCode::BadRwset
            })?;
        tx.reads = reads;
        tx.writes = writes;
        tx.event = unpacked.event().map_err(|_| TxValidationCode::BadPayload)?;
        Ok(())
    }

    /// Checks a signed request's identity and signature for a channel
    /// (the Readers ACL of CommitStatus and ChaincodeEvents).
    fn check_reader(
        &self,
        channel: &str,
        identity: &[u8],
        request: &[u8],
        signature: &[u8],
    ) -> Result<(), Status> {
        if !self.knows_channel(channel) {
            return Err(Status::permission_denied(format!(
                "Failed to get policy manager for channel [{channel}]"
            )));
        }
        self.inner
            .msp
            .check(identity, request, signature)
            .map(|_| ())
            .map_err(|e| {
                Status::permission_denied(format!(
                    "failed evaluating policy on signed data during check policy [/Channel/Application/Readers]: [{}]",
                    e.reason()
                ))
            })
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<ChaincodeEventsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl gateway_server::Gateway for GatewayService {
    async fn evaluate(
        &self,
        request: Request<EvaluateRequest>,
    ) -> Result<Response<EvaluateResponse>, Status> {
        let request = request.into_inner();
        let signed = request.proposed_transaction.unwrap_or_default();
        let proposal = UnpackedProposal::unpack(&signed).map_err(|e| {
            Status::invalid_argument(format!("failed to unpack transaction proposal: {e}"))
        })?;
        let (channel, chaincode) = (proposal.channel(), proposal.chaincode.as_str());
        if !self.knows_channel(channel) {
            return Err(Self::unknown_channel(channel));
        }
        let no_peers = || {
            Status::failed_precondition(format!(
                "no peers available to evaluate chaincode {chaincode} in channel {channel}"
            ))
        };
        if self.inner.peer.chaincode(chaincode).is_none() {
            return Err(no_peers());
        }
        let targets = &request.target_organizations;
        let endorser = self
            .inner
            .endorsers
            .iter()
            .find(|e| targets.is_empty() || targets.contains(&e.mspid))
            .ok_or_else(no_peers)?;
        match self.run(&proposal).await {
            Ok(simulated) => Ok(Response::new(EvaluateResponse {
                result: Some(simulated.response),
            })),
            Err(refusal) => {
                let details = vec![Self::detail(endorser, &refusal.message)];
                let message = if refusal.code == Code::Aborted || refusal.code == Code::Unavailable
                {
                    // The peer failed, and there is no other peer to retry on.
                    "failed to evaluate transaction, see attached details for more info".to_owned()
                } else {
                    format!(
                        "evaluate call to endorser returned error: {}",
                        refusal.message
                    )
                };
                Err(rpc_error(refusal.code, message, details))
            }
        }
    }

    async fn endorse(
        &self,
        request: Request<EndorseRequest>,
    ) -> Result<Response<EndorseResponse>, Status> {
        let request = request.into_inner();
        let signed = request.proposed_transaction.unwrap_or_default();
        if signed.proposal_bytes.is_empty() {
            return Err(Status::invalid_argument(
                "the proposed transaction must contain a signed proposal",
            ));
        }
        let proposal = UnpackedProposal::unpack(&signed).map_err(Status::invalid_argument)?;
        let (channel, chaincode) = (proposal.channel(), proposal.chaincode.as_str());
        if !self.knows_channel(channel) {
            return Err(Self::unknown_channel(channel));
        }
        if self.inner.peer.chaincode(chaincode).is_none() {
            return Err(Status::failed_precondition(format!(
                "no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode {chaincode} in channel {channel}"
            )));
        }
        let chosen = &request.endorsing_organizations;
        let endorsers: Vec<&Endorser> = if chosen.is_empty() {
            self.inner.endorsers.iter().collect()
        } else {
            let missing: Vec<&str> = chosen
                .iter()
                .filter(|org| !self.inner.endorsers.iter().any(|e| &e.mspid == *org))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(Status::unavailable(format!(
                    "failed to find any endorsing peers for org(s): {}",
                    missing.join(", ")
                )));
            }
            self.inner
                .endorsers
                .iter()
                .filter(|e| chosen.contains(&e.mspid))
                .collect()
        };
        let simulated = match self.run(&proposal).await {
            Ok(simulated) => simulated,
            Err(refusal) => {
                let (message, details) = if chosen.is_empty() {
                    (
                        "failed to endorse transaction, see attached details for more info",
                        vec![Self::detail(endorsers[0], &refusal.message)],
                    )
                } else {
                    (
                        "failed to collect enough transaction endorsements, see attached details for more info",
                        endorsers
                            .iter()
                            .map(|e| Self::detail(e, &refusal.message))
                            .collect(),
                    )
                };
                return Err(rpc_error(Code::Aborted, message, details));
            }
        };
        let handle_version = self
            .inner
            .peer
            .chaincode(chaincode)
            .and_then(|h| h.name().split_once(':').map(|(_, v)| v.to_owned()))
            .unwrap_or_default();
        let results = encode_rwset(&simulated.reads, &simulated.writes);
        let response_payload = tx::proposal_response_payload(
            &proposal,
            &simulated.response,
            results,
            simulated.event.as_ref(),
            ChaincodeId {
                name: simulated.namespace.clone(),
                version: handle_version,
                ..Default::default()
            },
        );
        let endorsements = endorsers
            .iter()
            .map(|e| {
                let endorser = e.identity.serialized();
                let mut message = response_payload.to_vec();
                message.extend_from_slice(&endorser);
                Endorsement {
                    signature: Bytes::from(e.identity.sign(&message)),
                    endorser,
                }
            })
            .collect();
        // Private writes wait for the commit here, as in a peer's transient store.
        let private = split_private(simulated.reads, simulated.writes);
        if !private.0.keys.is_empty()
            || !private.1.values.is_empty()
            || !private.1.metadata.is_empty()
        {
            self.inner
                .transient
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(proposal.txid().to_owned(), private);
        }
        let envelope = tx::prepare_transaction(&proposal, response_payload, endorsements);
        Ok(Response::new(EndorseResponse {
            prepared_transaction: Some(envelope),
        }))
    }

    async fn submit(
        &self,
        request: Request<SubmitRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let request = request.into_inner();
        let envelope = request
            .prepared_transaction
            .ok_or_else(|| Status::invalid_argument("a prepared transaction is required"))?;
        if envelope.signature.is_empty() {
            return Err(Status::invalid_argument(
                "prepared transaction must be signed",
            ));
        }
        let (block, code) = self.order(&envelope)?;
        tracing::debug!(txid = %request.transaction_id, block, code = code.as_str_name(), "committed");
        Ok(Response::new(SubmitResponse {}))
    }

    async fn commit_status(
        &self,
        request: Request<SignedCommitStatusRequest>,
    ) -> Result<Response<CommitStatusResponse>, Status> {
        let signed = request.into_inner();
        if signed.request.is_empty() {
            return Err(Status::invalid_argument(
                "a commit status request is required",
            ));
        }
        let request = CommitStatusRequest::decode(signed.request.clone())
            .map_err(|e| Status::invalid_argument(format!("invalid status request: {e}")))?;
        if request.identity.is_empty() {
            return Err(Status::invalid_argument("no identity provided"));
        }
        if request.channel_id.is_empty() {
            return Err(Status::invalid_argument("no channel ID provided"));
        }
        if request.transaction_id.is_empty() {
            return Err(Status::invalid_argument(
                "transaction ID should not be empty",
            ));
        }
        self.check_reader(
            &request.channel_id,
            &request.identity,
            &signed.request,
            &signed.signature,
        )?;
        // Blocks until the transaction is committed (the client's deadline
        // ends the wait by cancelling the call).
        let mut commits = self.inner.peer.commits();
        loop {
            let status = self
                .inner
                .peer
                .ledger()
                .transaction(&request.channel_id, &request.transaction_id)
                .map_err(|e| Status::aborted(e.to_string()))?;
            if let Some(status) = status {
                return Ok(Response::new(CommitStatusResponse {
                    result: status.code,
                    block_number: status.block,
                }));
            }
            if commits.changed().await.is_err() {
                return Err(Status::unavailable("the peer is shutting down"));
            }
        }
    }

    type ChaincodeEventsStream = EventStream;

    async fn chaincode_events(
        &self,
        request: Request<SignedChaincodeEventsRequest>,
    ) -> Result<Response<Self::ChaincodeEventsStream>, Status> {
        let signed = request.into_inner();
        if signed.request.is_empty() {
            return Err(Status::invalid_argument(
                "a chaincode events request is required",
            ));
        }
        let request = ChaincodeEventsRequest::decode(signed.request.clone()).map_err(|e| {
            Status::invalid_argument(format!("invalid chaincode events request: {e}"))
        })?;
        let channel = request.channel_id.clone();
        self.check_reader(
            &channel,
            &request.identity,
            &signed.request,
            &signed.signature,
        )?;
        let ledger_error = |e: crate::PeerError| Status::aborted(e.to_string());
        let ledger = self.inner.peer.ledger();
        let checkpoint = if request.after_transaction_id.is_empty() {
            None
        } else {
            ledger
                .transaction(&channel, &request.after_transaction_id)
                .map_err(ledger_error)?
        };
        let start = match checkpoint {
            Some(status) => status.block,
            None => match request.start_position.and_then(|p| p.r#type) {
                None | Some(seek_position::Type::NextCommit(_)) => {
                    ledger.last_block(&channel).map_err(ledger_error)? + 1
                }
                Some(seek_position::Type::Specified(s)) => s.number,
                Some(seek_position::Type::Oldest(_)) => {
                    return Err(Status::invalid_argument(
                        "invalid start position type: *orderer.SeekPosition_Oldest",
                    ));
                }
                Some(seek_position::Type::Newest(_)) => {
                    return Err(Status::invalid_argument(
                        "invalid start position type: *orderer.SeekPosition_Newest",
                    ));
                }
            },
        };
        // Events up to and including the checkpointed transaction are skipped.
        let skip_through = checkpoint.map(|status| (status.block, status.tx));
        let chaincode = request.chaincode_id.clone();
        let peer = self.inner.peer.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            let mut commits = peer.commits();
            let mut next = start;
            loop {
                let last = match peer.ledger().last_block(&channel) {
                    Ok(last) => last,
                    Err(e) => {
                        let _ = tx.send(Err(Status::aborted(e.to_string()))).await;
                        return;
                    }
                };
                if next <= last {
                    let events = match peer.ledger().events(&channel, next, last) {
                        Ok(events) => events,
                        Err(e) => {
                            let _ = tx.send(Err(Status::aborted(e.to_string()))).await;
                            return;
                        }
                    };
                    let mut blocks: Vec<ChaincodeEventsResponse> = Vec::new();
                    for stored in events {
                        if skip_through.is_some_and(|at| (stored.block, stored.tx) <= at) {
                            continue;
                        }
                        let event = stored.event;
                        if event.chaincode_id != chaincode
                            || event.event_name.is_empty()
                            || event.tx_id.is_empty()
                        {
                            continue;
                        }
                        match blocks.last_mut() {
                            Some(b) if b.block_number == stored.block => b.events.push(event),
                            _ => blocks.push(ChaincodeEventsResponse {
                                events: vec![event],
                                block_number: stored.block,
                            }),
                        }
                    }
                    for response in blocks {
                        if tx.send(Ok(response)).await.is_err() {
                            return; // the client went away
                        }
                    }
                    next = last + 1;
                }
                tokio::select! {
                    changed = commits.changed() => if changed.is_err() { return },
                    () = tx.closed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}

/// The Gateway listening on a TCP port (plaintext, or TLS with the given
/// server certificate and key); it stops when dropped.
pub struct GatewayListener {
    local_addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl GatewayListener {
    /// Listens on `address` (`127.0.0.1:0` picks a free port) and serves `service`.
    pub async fn bind(
        address: &str,
        service: GatewayService,
        tls: Option<(Vec<u8>, Vec<u8>)>,
    ) -> crate::Result<Self> {
        use tonic::transport::{Identity, Server, ServerTlsConfig};
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| crate::PeerError::Transport(format!("cannot listen on {address}: {e}")))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| crate::PeerError::Transport(e.to_string()))?;
        let mut builder = Server::builder();
        if let Some((cert, key)) = tls {
            builder = builder
                .tls_config(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))
                .map_err(|e| crate::PeerError::Transport(e.to_string()))?;
        }
        let router = builder.add_service(service.into_server());
        let incoming =
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
        let task = tokio::spawn(async move {
            if let Err(e) = router.serve_with_incoming(incoming).await {
                tracing::error!("gateway listener failed: {e}");
            }
        });
        Ok(GatewayListener { local_addr, task })
    }

    /// The listening address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.local_addr
    }
}

impl Drop for GatewayListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The private-collection part of a simulation's reads and writes.
fn split_private(reads: ReadSet, writes: WriteSet) -> (ReadSet, WriteSet) {
    let keys = reads
        .keys
        .into_iter()
        .filter(|((space, _), _)| !space.collection.is_empty())
        .collect();
    let values = writes
        .values
        .into_iter()
        .filter(|((space, _), _)| !space.collection.is_empty())
        .collect();
    let metadata = writes
        .metadata
        .into_iter()
        .filter(|((space, _), _)| !space.collection.is_empty())
        .collect();
    (
        ReadSet {
            keys,
            ranges: Vec::new(),
        },
        WriteSet { values, metadata },
    )
}
