//! The peer's side of one chaincode stream: handshake, transaction execution
//! and the ledger requests of each transaction.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame, tx_key, type_name};
use fabric_chaincode_shim::proto::protos::write_record::Type as WriteType;
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeId, ChaincodeInput, ChaincodeMessage, ChaincodeSpec,
    DelState, GetHistoryForKey, GetQueryResult, GetState, GetStateByRange, GetStateMetadata,
    GetStateMultiple, GetStateMultipleResult, PutState, PutStateMetadata, QueryMetadata,
    QueryStateClose, QueryStateNext, SignedProposal, StateMetadataResult, WriteBatchState,
};
use futures_util::StreamExt;
use prost::Message;
use tokio::sync::{mpsc, oneshot};

use crate::connection::{Connection, Inbound};
use crate::error::{PeerError, Result};
use crate::ledger::Write;
use crate::simulation::Simulation;

/// What a handler needs from its peer: other chaincodes (for calls between
/// chaincodes) and to be told when a chaincode goes away.
pub(crate) trait Registry: Send + Sync + 'static {
    fn chaincode(&self, name: &str) -> Option<ChaincodeHandle>;
    fn deregister(&self, handle: &ChaincodeHandle);
    fn new_simulation(&self, channel: &str, txid: &str, read_only: bool) -> Simulation;
    fn execute_timeout(&self) -> Duration;
}

/// A registered chaincode, as the peer sees it.
#[derive(Clone)]
pub struct ChaincodeHandle {
    inner: Arc<Handler>,
}

struct Handler {
    /// The name it registered with (its package id).
    name: String,
    /// The state namespace: the name up to the first `:` (the package label).
    namespace: String,
    out: mpsc::Sender<ChaincodeMessage>,
    transactions: Mutex<HashMap<String, Arc<TxContext>>>,
    registry: Weak<dyn Registry>,
    closed: AtomicBool,
    stats: Stats,
}

/// Counts of what a chaincode sent, for tests and benchmarks.
#[derive(Default)]
struct Stats {
    received: [AtomicU64; 32],
    largest_write_batch: AtomicU64,
    largest_get_multiple: AtomicU64,
}

/// A snapshot of what a chaincode sent on its stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageStats {
    /// Messages received, by type.
    pub received: std::collections::BTreeMap<String, u64>,
    /// Most records in one WRITE_BATCH_STATE.
    pub largest_write_batch: u64,
    /// Most keys in one GET_STATE_MULTIPLE.
    pub largest_get_multiple: u64,
}

impl MessageStats {
    /// How many messages of `ty` were received.
    pub fn count(&self, ty: MessageType) -> u64 {
        self.received.get(ty.as_str_name()).copied().unwrap_or(0)
    }
}

/// A transaction running on one chaincode.
pub(crate) struct TxContext {
    pub channel: String,
    pub txid: String,
    pub namespace: String,
    pub simulation: Arc<Mutex<Simulation>>,
    pub is_init: bool,
    pub proposal: Option<SignedProposal>,
    busy: AtomicBool,
    done: Mutex<Option<oneshot::Sender<ChaincodeMessage>>>,
}

impl TxContext {
    pub fn new(
        channel: &str,
        txid: &str,
        namespace: &str,
        simulation: Arc<Mutex<Simulation>>,
        is_init: bool,
        proposal: Option<SignedProposal>,
    ) -> Self {
        TxContext {
            channel: channel.to_owned(),
            txid: txid.to_owned(),
            namespace: namespace.to_owned(),
            simulation,
            is_init,
            proposal,
            busy: AtomicBool::new(false),
            done: Mutex::new(None),
        }
    }

    fn simulation(&self) -> MutexGuard<'_, Simulation> {
        self.simulation.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for ChaincodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaincodeHandle")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// How long a chaincode has to send REGISTER once its stream is open.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

impl ChaincodeHandle {
    /// Runs the handshake on a new stream: waits for REGISTER, answers
    /// REGISTERED and READY (with `params`), then serves the stream.
    pub(crate) async fn handshake(
        connection: Connection,
        params: ChaincodeAdditionalParams,
        registry: Weak<dyn Registry>,
        keepalive: Option<Duration>,
    ) -> Result<Self> {
        let Connection {
            outgoing,
            mut incoming,
            remote,
        } = connection;
        let first = tokio::time::timeout(STARTUP_TIMEOUT, incoming.next())
            .await
            .map_err(|_| {
                PeerError::Protocol(format!("{remote}: no REGISTER within {STARTUP_TIMEOUT:?}"))
            })?;
        let first = match first {
            Some(Ok(msg)) => msg,
            Some(Err(status)) => {
                return Err(PeerError::Protocol(format!(
                    "{remote}: {}",
                    status.message()
                )));
            }
            None => {
                return Err(PeerError::Protocol(format!(
                    "{remote}: stream closed before REGISTER"
                )));
            }
        };
        if first.r#type != MessageType::Register as i32 {
            return Err(PeerError::Protocol(format!(
                "{remote}: first message needs to be a register, got {}",
                type_name(first.r#type)
            )));
        }
        let id = ChaincodeId::decode(first.payload)
            .map_err(|e| PeerError::Protocol(format!("{remote}: bad REGISTER payload: {e}")))?;
        if id.name.is_empty() {
            return Err(PeerError::Protocol(format!(
                "{remote}: REGISTER without a chaincode name"
            )));
        }
        let send = |msg| {
            let out = outgoing.clone();
            async move {
                out.send(msg)
                    .await
                    .map_err(|_| PeerError::Protocol("chaincode stream closed".into()))
            }
        };
        send(frame(MessageType::Registered, Bytes::new(), "", "")).await?;
        send(frame(MessageType::Ready, encode(&params), "", "")).await?;

        let namespace = id.name.split(':').next().unwrap_or(&id.name).to_owned();
        let handle = ChaincodeHandle {
            inner: Arc::new(Handler {
                name: id.name,
                namespace,
                out: outgoing,
                transactions: Mutex::new(HashMap::new()),
                registry,
                closed: AtomicBool::new(false),
                stats: Stats::default(),
            }),
        };
        tracing::info!(chaincode = %handle.inner.name, %remote, "chaincode registered");
        tokio::spawn(handle.clone().serve(incoming));
        if let Some(interval) = keepalive {
            tokio::spawn(handle.clone().keepalive(interval));
        }
        Ok(handle)
    }

    /// The name the chaincode registered with.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The state namespace (the registered name up to the first `:`).
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// Whether the stream has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// What the chaincode has sent so far.
    pub fn stats(&self) -> MessageStats {
        let stats = &self.inner.stats;
        let received = stats
            .received
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let n = n.load(Ordering::Relaxed);
                (n > 0).then(|| (type_name(i as i32), n))
            })
            .collect();
        MessageStats {
            received,
            largest_write_batch: stats.largest_write_batch.load(Ordering::Relaxed),
            largest_get_multiple: stats.largest_get_multiple.load(Ordering::Relaxed),
        }
    }

    /// Sends a raw message to the chaincode (for fault tests).
    pub async fn send_raw(&self, msg: ChaincodeMessage) -> Result<()> {
        self.inner
            .out
            .send(msg)
            .await
            .map_err(|_| PeerError::Protocol("chaincode stream terminated".into()))
    }

    fn transactions(&self) -> MutexGuard<'_, HashMap<String, Arc<TxContext>>> {
        self.inner
            .transactions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Sends INIT or TRANSACTION and waits for COMPLETED or ERROR.
    pub(crate) async fn execute(
        &self,
        ctx: Arc<TxContext>,
        ty: MessageType,
        input: &ChaincodeInput,
        timeout: Duration,
    ) -> Result<ChaincodeMessage> {
        if self.is_closed() {
            return Err(PeerError::NotConnected(self.inner.name.clone()));
        }
        let key = tx_key(&ctx.channel, &ctx.txid);
        let (done, finished) = oneshot::channel();
        *ctx.done.lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
        {
            let mut txs = self.transactions();
            if txs.contains_key(&key) {
                return Err(PeerError::Rejected(format!(
                    "txid: {}({}) exists",
                    ctx.txid, ctx.channel
                )));
            }
            txs.insert(key.clone(), Arc::clone(&ctx));
        }
        let mut msg = frame(ty, encode(input), &ctx.txid, &ctx.channel);
        msg.proposal = ctx.proposal.clone().map(Box::new);
        let result = match self.send_raw(msg).await {
            Ok(()) => tokio::time::timeout(timeout, finished).await,
            Err(e) => {
                self.transactions().remove(&key);
                return Err(e);
            }
        };
        self.transactions().remove(&key);
        match result {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(PeerError::Protocol("chaincode stream terminated".into())),
            Err(_) => Err(PeerError::Timeout),
        }
    }

    async fn keepalive(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if self
                .send_raw(frame(MessageType::Keepalive, Bytes::new(), "", ""))
                .await
                .is_err()
            {
                return;
            }
        }
    }

    async fn serve(self, mut incoming: Inbound) {
        while let Some(item) = incoming.next().await {
            let msg = match item {
                Ok(msg) => msg,
                Err(status) => {
                    tracing::info!(chaincode = %self.inner.name, "stream error: {}", status.message());
                    break;
                }
            };
            if let Some(counter) = usize::try_from(msg.r#type)
                .ok()
                .and_then(|i| self.inner.stats.received.get(i))
            {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            match MessageType::try_from(msg.r#type) {
                Ok(MessageType::Completed | MessageType::Error) => self.complete(msg),
                Ok(MessageType::Keepalive) => {}
                Ok(
                    MessageType::GetState
                    | MessageType::PutState
                    | MessageType::DelState
                    | MessageType::InvokeChaincode
                    | MessageType::GetStateByRange
                    | MessageType::GetQueryResult
                    | MessageType::QueryStateNext
                    | MessageType::QueryStateClose
                    | MessageType::GetHistoryForKey
                    | MessageType::GetStateMetadata
                    | MessageType::PutStateMetadata
                    | MessageType::GetPrivateDataHash
                    | MessageType::PurgePrivateData
                    | MessageType::WriteBatchState
                    | MessageType::GetStateMultiple,
                ) => self.request(msg).await,
                _ => {
                    tracing::error!(
                        chaincode = %self.inner.name,
                        "Fabric side handler cannot handle message ({}) while in ready state",
                        type_name(msg.r#type)
                    );
                    break;
                }
            }
        }
        self.inner.closed.store(true, Ordering::Release);
        // Pending executions fail with "chaincode stream terminated".
        let pending: Vec<Arc<TxContext>> =
            self.transactions().drain().map(|(_, ctx)| ctx).collect();
        for ctx in pending {
            drop(ctx.done.lock().unwrap_or_else(|e| e.into_inner()).take());
        }
        if let Some(registry) = self.inner.registry.upgrade() {
            registry.deregister(&self);
        }
        tracing::info!(chaincode = %self.inner.name, "chaincode stream ended");
    }

    fn complete(&self, msg: ChaincodeMessage) {
        let key = tx_key(&msg.channel_id, &msg.txid);
        let ctx = self.transactions().get(&key).cloned();
        let Some(ctx) = ctx else {
            tracing::debug!(txid = %msg.txid, "completion for an unknown transaction dropped");
            return;
        };
        let done = ctx.done.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(done) = done {
            let _ = done.send(msg);
        }
    }

    async fn request(&self, msg: ChaincodeMessage) {
        let key = tx_key(&msg.channel_id, &msg.txid);
        let ty = MessageType::try_from(msg.r#type).unwrap_or(MessageType::Undefined);
        let ctx = self.transactions().get(&key).cloned();
        let Some(ctx) = ctx else {
            let text = format!(
                "{} failed: transaction ID: {}: no ledger context",
                ty.as_str_name(),
                msg.txid
            );
            let _ = self
                .send_raw(frame(
                    MessageType::Error,
                    text.into(),
                    &msg.txid,
                    &msg.channel_id,
                ))
                .await;
            return;
        };
        if ctx.busy.swap(true, Ordering::AcqRel) {
            // As a real peer: a second outstanding request of one
            // transaction is dropped, and never answered.
            tracing::warn!(txid = %msg.txid, "dropping {}: another request of this transaction is pending", ty.as_str_name());
            return;
        }
        if ty == MessageType::InvokeChaincode {
            let this = self.clone();
            tokio::spawn(async move {
                let result = this.invoke_chaincode(&ctx, msg.payload).await;
                ctx.busy.store(false, Ordering::Release);
                this.reply(ty, &msg.txid, &msg.channel_id, result).await;
            });
            return;
        }
        let result = self.process(&ctx, ty, msg.payload);
        ctx.busy.store(false, Ordering::Release);
        self.reply(ty, &msg.txid, &msg.channel_id, result).await;
    }

    async fn reply(&self, ty: MessageType, txid: &str, channel: &str, result: Result<Bytes>) {
        let msg = match result {
            Ok(payload) => frame(MessageType::Response, payload, txid, channel),
            Err(e) => {
                let text = format!("{} failed: transaction ID: {txid}: {e}", ty.as_str_name());
                frame(MessageType::Error, text.into(), txid, channel)
            }
        };
        let _ = self.send_raw(msg).await;
    }

    fn process(&self, ctx: &TxContext, ty: MessageType, payload: Bytes) -> Result<Bytes> {
        let ns = ctx.namespace.as_str();
        let private_in_init = |collection: &str| {
            if ctx.is_init && !collection.is_empty() {
                Err(PeerError::Rejected(
                    "private data APIs are not allowed in chaincode Init()".into(),
                ))
            } else {
                Ok(())
            }
        };
        match ty {
            MessageType::GetState => {
                let req: GetState = decode(payload)?;
                private_in_init(&req.collection)?;
                Ok(ctx
                    .simulation()
                    .get(ns, &req.collection, &req.key)?
                    .unwrap_or_default())
            }
            MessageType::GetStateMultiple => {
                let req: GetStateMultiple = decode(payload)?;
                private_in_init(&req.collection)?;
                self.inner
                    .stats
                    .largest_get_multiple
                    .fetch_max(req.keys.len() as u64, Ordering::Relaxed);
                let mut sim = ctx.simulation();
                let values = req
                    .keys
                    .iter()
                    .map(|k| Ok(sim.get(ns, &req.collection, k)?.unwrap_or_default()))
                    .collect::<Result<Vec<_>>>()?;
                Ok(encode(&GetStateMultipleResult { values }))
            }
            MessageType::GetPrivateDataHash => {
                let req: GetState = decode(payload)?;
                private_in_init(&req.collection)?;
                Ok(ctx
                    .simulation()
                    .private_hash(ns, &req.collection, &req.key)?
                    .unwrap_or_default())
            }
            MessageType::PutState => {
                let req: PutState = decode(payload)?;
                private_in_init(&req.collection)?;
                ctx.simulation()
                    .put(ns, &req.collection, &req.key, Write::Put(req.value))?;
                Ok(Bytes::new())
            }
            MessageType::DelState => {
                let req: DelState = decode(payload)?;
                private_in_init(&req.collection)?;
                ctx.simulation()
                    .put(ns, &req.collection, &req.key, Write::Delete)?;
                Ok(Bytes::new())
            }
            MessageType::PurgePrivateData => {
                let req: DelState = decode(payload)?;
                private_in_init(&req.collection)?;
                ctx.simulation()
                    .put(ns, &req.collection, &req.key, Write::Purge)?;
                Ok(Bytes::new())
            }
            MessageType::GetStateMetadata => {
                let req: GetStateMetadata = decode(payload)?;
                private_in_init(&req.collection)?;
                let entries = ctx.simulation().metadata(ns, &req.collection, &req.key)?;
                Ok(encode(&StateMetadataResult { entries }))
            }
            MessageType::PutStateMetadata => {
                let req: PutStateMetadata = decode(payload)?;
                private_in_init(&req.collection)?;
                let entry = req.metadata.ok_or_else(|| {
                    PeerError::Rejected("PutStateMetadata without metadata".into())
                })?;
                ctx.simulation()
                    .put_metadata(ns, &req.collection, &req.key, entry)?;
                Ok(Bytes::new())
            }
            MessageType::WriteBatchState => {
                let req: WriteBatchState = decode(payload)?;
                self.inner
                    .stats
                    .largest_write_batch
                    .fetch_max(req.rec.len() as u64, Ordering::Relaxed);
                let mut sim = ctx.simulation();
                for rec in req.rec {
                    private_in_init(&rec.collection)?;
                    match WriteType::try_from(rec.r#type) {
                        Ok(WriteType::PutState) => {
                            sim.put(ns, &rec.collection, &rec.key, Write::Put(rec.value))?
                        }
                        Ok(WriteType::DelState) => {
                            sim.put(ns, &rec.collection, &rec.key, Write::Delete)?
                        }
                        Ok(WriteType::PurgePrivateData) => {
                            sim.put(ns, &rec.collection, &rec.key, Write::Purge)?
                        }
                        Ok(WriteType::PutStateMetadata) => {
                            let entry = rec.metadata.ok_or_else(|| {
                                PeerError::Rejected(
                                    "PUT_STATE_METADATA record without metadata".into(),
                                )
                            })?;
                            sim.put_metadata(ns, &rec.collection, &rec.key, entry)?
                        }
                        _ => return Err(PeerError::Rejected("unknown operation type".into())),
                    }
                }
                Ok(Bytes::new())
            }
            MessageType::GetStateByRange => {
                let req: GetStateByRange = decode(payload)?;
                private_in_init(&req.collection)?;
                let page = page(&req.metadata)?;
                let response = ctx.simulation().range(
                    ns,
                    &req.collection,
                    &req.start_key,
                    &req.end_key,
                    page,
                )?;
                Ok(encode(&response))
            }
            MessageType::GetQueryResult => {
                let req: GetQueryResult = decode(payload)?;
                private_in_init(&req.collection)?;
                let page = page(&req.metadata)?;
                let response =
                    ctx.simulation()
                        .rich_query(ns, &req.collection, &req.query, page)?;
                Ok(encode(&response))
            }
            MessageType::GetHistoryForKey => {
                let req: GetHistoryForKey = decode(payload)?;
                Ok(encode(&ctx.simulation().history(ns, &req.key)?))
            }
            MessageType::QueryStateNext => {
                let req: QueryStateNext = decode(payload)?;
                Ok(encode(&ctx.simulation().next_batch(&req.id)?))
            }
            MessageType::QueryStateClose => {
                let req: QueryStateClose = decode(payload)?;
                Ok(encode(&ctx.simulation().close(&req.id)))
            }
            other => Err(PeerError::Rejected(format!(
                "unexpected request {}",
                other.as_str_name()
            ))),
        }
    }

    /// INVOKE_CHAINCODE: runs the callee in this transaction (same txid); on
    /// the same channel it shares the caller's simulation, on another channel
    /// it gets a read-only one. Answers with the callee's final message.
    async fn invoke_chaincode(&self, ctx: &TxContext, payload: Bytes) -> Result<Bytes> {
        let spec: ChaincodeSpec = decode(payload)?;
        let target = spec.chaincode_id.map(|id| id.name).unwrap_or_default();
        let (name, channel) = match target.split_once('/') {
            Some((name, channel)) => (name, channel),
            None => (target.as_str(), ""),
        };
        // "name:version" is accepted; the version is ignored.
        let name = name.split(':').next().unwrap_or(name);
        let channel = if channel.is_empty() {
            ctx.channel.as_str()
        } else {
            channel
        };
        let registry = self
            .inner
            .registry
            .upgrade()
            .ok_or_else(|| PeerError::Protocol("the peer is shutting down".into()))?;
        let callee = registry
            .chaincode(name)
            .ok_or_else(|| PeerError::NotConnected(name.to_owned()))?;
        let simulation = if channel == ctx.channel {
            Arc::clone(&ctx.simulation)
        } else {
            Arc::new(Mutex::new(
                registry.new_simulation(channel, &ctx.txid, true),
            ))
        };
        let callee_ctx = Arc::new(TxContext::new(
            channel,
            &ctx.txid,
            callee.namespace(),
            simulation,
            false,
            ctx.proposal.clone(),
        ));
        let input = spec.input.unwrap_or_default();
        let reply = callee
            .execute(
                callee_ctx,
                MessageType::Transaction,
                &input,
                registry.execute_timeout(),
            )
            .await?;
        Ok(encode(&reply))
    }
}

fn decode<M: Message + Default>(payload: Bytes) -> Result<M> {
    M::decode(payload).map_err(|e| PeerError::Rejected(format!("cannot decode request: {e}")))
}

fn page(metadata: &Bytes) -> Result<Option<(i32, String)>> {
    if metadata.is_empty() {
        return Ok(None);
    }
    let m: QueryMetadata = decode(metadata.clone())?;
    Ok(Some((m.page_size, m.bookmark)))
}
