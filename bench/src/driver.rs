//! The load driver: the peer's side of the chaincode protocol, reduced to what
//! the transfer benchmark needs, on the development peer's raw streams
//! ([`RegisterServer`] / [`Connection`]) and nothing else — no simulation, no
//! ledger, no commit, one prebuilt proposal for every transaction — so that
//! its own CPU stays small next to the chaincode's on a 2-core machine.
//!
//! A run seeds keys `a{i}` with `100`, sends N TRANSACTION messages
//! (`<function> a{i} b{i}`) keeping C of them in flight, answers GET_STATE,
//! PUT_STATE, WRITE_BATCH_STATE and GET_STATE_MULTIPLE from an in-memory map,
//! records each transaction's latency (TRANSACTION sent → COMPLETED received)
//! and then checks that every transaction applied exactly once: each `a{i}`
//! is `99`, each `b{i}` is `1`, each of those keys was written exactly once,
//! and exactly N COMPLETED arrived, all with status 200.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame, type_name};
use fabric_chaincode_shim::proto::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput,
    ChaincodeInvocationSpec, ChaincodeMessage, ChaincodeProposalPayload, ChaincodeSpec, GetState,
    GetStateMultiple, GetStateMultipleResult, Proposal, PutState, Response, SignedProposal,
    WriteBatchState, write_record,
};
use fabric_dev_peer::connection::{Connection, RegisterServer};
use futures_util::StreamExt;
use prost::Message;

use crate::{BenchError, Result, fail};

/// The channel every benchmark transaction runs on.
pub const CHANNEL: &str = "bench";

/// What the driver offers in READY: a Fabric 3.1 peer's defaults (write
/// batches and multi-get, 100 records / keys each).
pub fn fabric_3_1_params() -> ChaincodeAdditionalParams {
    ChaincodeAdditionalParams {
        use_write_batch: true,
        max_size_write_batch: 100,
        use_get_multiple_keys: true,
        max_size_get_multiple_keys: 100,
    }
}

/// The peer's listener that chaincodes under test dial: the development
/// peer's [`RegisterServer`].
pub struct Listener {
    server: RegisterServer,
}

impl Listener {
    /// Listens on a free loopback port.
    pub async fn bind() -> Result<Self> {
        match RegisterServer::bind("127.0.0.1:0", None).await {
            Ok(server) => Ok(Listener { server }),
            Err(e) => fail("cannot listen", e),
        }
    }

    /// The address to give the chaincode as `--peer.address`.
    pub fn address(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The next chaincode stream, within `limit`.
    pub async fn accept(&mut self, limit: Duration) -> Result<Connection> {
        match tokio::time::timeout(limit, self.server.accept()).await {
            Ok(Some(connection)) => Ok(connection),
            Ok(None) => Err("the listener stopped".into()),
            Err(_) => Err(BenchError(format!(
                "no chaincode connected within {limit:?}"
            ))),
        }
    }
}

/// When the handshake's messages passed.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The name the chaincode registered with.
    pub chaincode_id: String,
    /// When REGISTER arrived.
    pub register_at: Instant,
    /// When READY was handed to the stream.
    pub ready_at: Instant,
}

/// One load run: N transactions of `function` at concurrency C.
#[derive(Debug, Clone)]
pub struct Load {
    /// `args[0]` of every transaction, e.g. `Transfer`.
    pub function: String,
    /// N.
    pub transactions: usize,
    /// C: transactions in flight at once.
    pub concurrency: usize,
    /// The whole run fails if it takes longer.
    pub timeout: Duration,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Wall time from the first TRANSACTION sent to the last COMPLETED received.
    pub elapsed: Duration,
    /// Latency of every transaction, in nanoseconds, sorted.
    pub latencies_ns: Vec<u64>,
    /// Messages received from the chaincode during the run.
    pub messages_in: u64,
}

impl RunResult {
    /// Transactions per second.
    pub fn throughput(&self) -> f64 {
        self.latencies_ns.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q`-quantile of the latency (0.5 = median), in milliseconds.
    pub fn latency_ms(&self, q: f64) -> f64 {
        crate::stats::quantile_sorted(&self.latencies_ns, q) / 1e6
    }
}

struct Slot {
    value: Bytes,
    writes: u32,
}

/// The peer side of one chaincode stream.
pub struct Driver {
    connection: Connection,
    state: HashMap<String, Slot>,
    /// Keys `a{i}`/`b{i}` and txids `{i}` below this were used by earlier runs.
    next_index: usize,
    proposal: Option<SignedProposal>,
}

impl Driver {
    /// Waits (at most `limit`) for REGISTER, answers REGISTERED and READY with `params`.
    pub async fn handshake(
        mut connection: Connection,
        params: &ChaincodeAdditionalParams,
        limit: Duration,
    ) -> Result<(Driver, Handshake)> {
        let first = match tokio::time::timeout(limit, connection.incoming.next()).await {
            Ok(Some(Ok(msg))) => msg,
            Ok(Some(Err(status))) => return fail("the chaincode's stream failed", status),
            Ok(None) => return Err("the chaincode closed its stream before REGISTER".into()),
            Err(_) => return Err("no REGISTER within the start-up limit".into()),
        };
        let register_at = Instant::now();
        if first.r#type != MessageType::Register as i32 {
            return Err(BenchError(format!(
                "expected REGISTER, got {}",
                type_name(first.r#type)
            )));
        }
        let id = match ChaincodeId::decode(first.payload) {
            Ok(id) => id,
            Err(e) => return fail("REGISTER payload", e),
        };
        let driver = Driver {
            connection,
            state: HashMap::new(),
            next_index: 0,
            proposal: None,
        };
        driver
            .send(frame(MessageType::Registered, Bytes::new(), "", ""))
            .await?;
        driver
            .send(frame(MessageType::Ready, encode(params), "", ""))
            .await?;
        let ready_at = Instant::now();
        Ok((
            driver,
            Handshake {
                chaincode_id: id.name,
                register_at,
                ready_at,
            },
        ))
    }

    /// Sends this signed proposal with every transaction (as a peer always
    /// does; the Node contract API cannot run a transaction without a creator).
    pub fn with_proposal(mut self, proposal: SignedProposal) -> Self {
        self.proposal = Some(proposal);
        self
    }

    async fn send(&self, msg: ChaincodeMessage) -> Result<()> {
        self.connection
            .outgoing
            .send(msg)
            .await
            .map_err(|_| BenchError::from("the chaincode's stream is closed"))
    }

    fn transaction(&self, function: &Bytes, index: usize) -> ChaincodeMessage {
        transfer_transaction(function, index as u64, self.proposal.as_ref())
    }

    /// Runs `load` on fresh keys and verifies it.
    pub async fn run(&mut self, load: &Load) -> Result<RunResult> {
        let n = load.transactions;
        let window = load.concurrency.clamp(1, n.max(1));
        let base = self.next_index;
        self.next_index += n;
        for i in base..base + n {
            self.state.insert(
                format!("a{i}"),
                Slot {
                    value: Bytes::from_static(b"100"),
                    writes: 0,
                },
            );
        }
        let function = Bytes::from(load.function.clone());
        let mut sent_at: Vec<Option<Instant>> = vec![None; n];
        let mut latencies_ns = Vec::with_capacity(n);
        let mut failures: Vec<String> = Vec::new();
        let mut messages_in = 0u64;
        let mut next = 0usize;
        let start = Instant::now();
        let deadline = tokio::time::Instant::from_std(start + load.timeout);
        while next < window {
            sent_at[next] = Some(Instant::now());
            self.send(self.transaction(&function, base + next)).await?;
            next += 1;
        }
        let mut done = 0usize;
        while done < n {
            let msg = match tokio::time::timeout_at(deadline, self.connection.incoming.next()).await
            {
                Ok(Some(Ok(msg))) => msg,
                Ok(Some(Err(status))) => return fail("the chaincode's stream failed", status),
                Ok(None) => {
                    return Err(BenchError(format!(
                        "the chaincode closed its stream after {done} of {n} transactions"
                    )));
                }
                Err(_) => {
                    return Err(BenchError(format!(
                        "timed out after {:?} with {done} of {n} transactions completed",
                        load.timeout
                    )));
                }
            };
            messages_in += 1;
            let ty = MessageType::try_from(msg.r#type).ok();
            match ty {
                Some(MessageType::GetState) => {
                    let req = decode::<GetState>(&msg.payload, "GetState")?;
                    let value = self
                        .state
                        .get(&req.key)
                        .map(|s| s.value.clone())
                        .unwrap_or_default();
                    self.reply(&msg, value).await?;
                }
                Some(MessageType::GetStateMultiple) => {
                    let req = decode::<GetStateMultiple>(&msg.payload, "GetStateMultiple")?;
                    let values = req
                        .keys
                        .iter()
                        .map(|k| {
                            self.state
                                .get(k)
                                .map(|s| s.value.clone())
                                .unwrap_or_default()
                        })
                        .collect();
                    self.reply(&msg, encode(&GetStateMultipleResult { values }))
                        .await?;
                }
                Some(MessageType::PutState) => {
                    let req = decode::<PutState>(&msg.payload, "PutState")?;
                    self.write(req.key, req.value);
                    self.reply(&msg, Bytes::new()).await?;
                }
                Some(MessageType::WriteBatchState) => {
                    let req = decode::<WriteBatchState>(&msg.payload, "WriteBatchState")?;
                    for rec in req.rec {
                        if rec.r#type == write_record::Type::PutState as i32 {
                            self.write(rec.key, rec.value);
                        } else {
                            failures.push(format!(
                                "tx {}: unexpected write record type {}",
                                msg.txid, rec.r#type
                            ));
                        }
                    }
                    self.reply(&msg, Bytes::new()).await?;
                }
                Some(MessageType::Completed | MessageType::Error) => {
                    let now = Instant::now();
                    let slot = msg
                        .txid
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| i.checked_sub(base))
                        .filter(|&i| i < n);
                    let Some(i) = slot else {
                        failures.push(format!("completion of unknown txid {:?}", msg.txid));
                        continue;
                    };
                    let Some(at) = sent_at[i].take() else {
                        failures.push(format!("tx {} completed twice", msg.txid));
                        continue;
                    };
                    latencies_ns.push(now.duration_since(at).as_nanos() as u64);
                    done += 1;
                    if ty == Some(MessageType::Completed) {
                        let response = decode::<Response>(&msg.payload, "Response")?;
                        if response.status != 200 {
                            failures.push(format!(
                                "tx {}: status {} {}",
                                msg.txid, response.status, response.message
                            ));
                        }
                    } else {
                        failures.push(format!(
                            "tx {}: ERROR {}",
                            msg.txid,
                            String::from_utf8_lossy(&msg.payload)
                        ));
                    }
                    if next < n {
                        sent_at[next] = Some(Instant::now());
                        self.send(self.transaction(&function, base + next)).await?;
                        next += 1;
                    }
                }
                Some(MessageType::Keepalive) => {}
                _ => failures.push(format!(
                    "unexpected {} for tx {:?}",
                    type_name(msg.r#type),
                    msg.txid
                )),
            }
        }
        let elapsed = start.elapsed();
        self.verify(base, n, &mut failures);
        if !failures.is_empty() {
            let shown: Vec<&str> = failures.iter().take(5).map(String::as_str).collect();
            return Err(BenchError(format!(
                "{} verification failure(s), first: {}",
                failures.len(),
                shown.join("; ")
            )));
        }
        latencies_ns.sort_unstable();
        Ok(RunResult {
            elapsed,
            latencies_ns,
            messages_in,
        })
    }

    fn write(&mut self, key: String, value: Bytes) {
        let slot = self.state.entry(key).or_insert(Slot {
            value: Bytes::new(),
            writes: 0,
        });
        slot.value = value;
        slot.writes += 1;
    }

    async fn reply(&self, request: &ChaincodeMessage, payload: Bytes) -> Result<()> {
        self.send(frame(
            MessageType::Response,
            payload,
            &request.txid,
            &request.channel_id,
        ))
        .await
    }

    /// Exactly once: every `a{i}` is 99, every `b{i}` is 1, each written once.
    fn verify(&self, base: usize, n: usize, failures: &mut Vec<String>) {
        for i in base..base + n {
            for (key, expected) in [(format!("a{i}"), "99"), (format!("b{i}"), "1")] {
                match self.state.get(&key) {
                    Some(slot) if slot.value == expected.as_bytes() && slot.writes == 1 => {}
                    Some(slot) => failures.push(format!(
                        "{key} = {:?} after {} write(s), expected {expected} after 1",
                        String::from_utf8_lossy(&slot.value),
                        slot.writes
                    )),
                    None => failures.push(format!("{key} was never written")),
                }
            }
        }
    }
}

fn decode<M: Message + Default>(payload: &Bytes, what: &str) -> Result<M> {
    M::decode(payload.clone()).map_err(|e| BenchError(format!("cannot decode {what}: {e}")))
}

/// The TRANSACTION message of transfer number `index`: `function`, then the
/// keys `a<index>` and `b<index>`, with `proposal` when given.
// `Into::into` below: `ChaincodeMessage::proposal` may become boxed (a
// proposed shim change), which the same code then builds as well.
#[allow(clippy::useless_conversion)]
pub fn transfer_transaction(
    function: &Bytes,
    index: u64,
    proposal: Option<&SignedProposal>,
) -> ChaincodeMessage {
    let input = ChaincodeInput {
        args: vec![
            function.clone(),
            Bytes::from(format!("a{index}")),
            Bytes::from(format!("b{index}")),
        ],
        ..Default::default()
    };
    let mut msg = frame(
        MessageType::Transaction,
        encode(&input),
        &index.to_string(),
        CHANNEL,
    );
    msg.proposal = proposal.cloned().map(Into::into);
    msg
}

/// A signed proposal as a client would send it, with `creator` (an encoded
/// `SerializedIdentity`) and an unsigned signature (chaincode never checks
/// it). The same proposal is reused for every transaction: building one per
/// transaction would load the driver, not the chaincode, and no shim checks
/// that its txid matches the message's.
pub fn signed_proposal(creator: Bytes, chaincode: &str) -> SignedProposal {
    let chaincode_id = ChaincodeId {
        name: chaincode.to_owned(),
        ..Default::default()
    };
    let channel_header = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        version: 0,
        timestamp: Some(prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        channel_id: CHANNEL.to_owned(),
        tx_id: "0".to_owned(),
        epoch: 0,
        extension: encode(&ChaincodeHeaderExtension {
            chaincode_id: Some(chaincode_id.clone()),
        }),
        tls_cert_hash: Bytes::new(),
    };
    let signature_header = SignatureHeader {
        creator,
        nonce: Bytes::from_static(&[7; 24]),
    };
    let spec = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: 0,
            chaincode_id: Some(chaincode_id),
            input: Some(ChaincodeInput {
                args: vec![
                    Bytes::from_static(b"Transfer"),
                    Bytes::from_static(b"a0"),
                    Bytes::from_static(b"b0"),
                ],
                ..Default::default()
            }),
            timeout: 0,
        }),
    };
    let proposal = Proposal {
        header: encode(&Header {
            channel_header: encode(&channel_header),
            signature_header: encode(&signature_header),
        }),
        payload: encode(&ChaincodeProposalPayload {
            input: encode(&spec),
            transient_map: HashMap::new(),
        }),
        extension: Bytes::new(),
    };
    SignedProposal {
        proposal_bytes: encode(&proposal),
        signature: Bytes::new(),
    }
}

/// The creator of the benchmark's proposals: a development identity with a
/// real X.509 certificate (the Node contract API parses it on every call).
pub fn creator() -> Result<Bytes> {
    let spec = fabric_dev_peer::IdentitySpec::default();
    match fabric_dev_peer::DevIdentity::generate(&spec) {
        Ok(identity) => Ok(identity.creator()),
        Err(e) => fail("cannot generate the creator identity", e),
    }
}
