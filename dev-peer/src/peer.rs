//! [`DevPeer`]: chaincodes by name, the ledger, and transactions run as a
//! Fabric peer runs them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode};
use fabric_chaincode_shim::proto::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeEvent, ChaincodeHeaderExtension, ChaincodeId,
    ChaincodeInput, ChaincodeInvocationSpec, ChaincodeProposalPayload, ChaincodeSpec, Proposal,
    Response, SignedProposal,
};
use prost::Message;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast};

use crate::connection::{ClientTls, Connection, dial_chaincode};
use crate::error::{PeerError, Result};
use crate::handler::{ChaincodeHandle, Registry, TxContext};
use crate::identity::{DevIdentity, IdentitySpec};
use crate::ledger::{BlockTx, Ledger, ReadSet, WriteSet};
use crate::simulation::Simulation;

/// How the development peer behaves.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Offer write batches in READY, with this maximum per message (Fabric 3.1 `useWriteBatch`).
    pub write_batch: Option<u32>,
    /// Offer GET_STATE_MULTIPLE in READY, with this maximum per message.
    pub get_multiple: Option<u32>,
    /// How long a transaction may run (`chaincode.executetimeout`).
    pub execute_timeout: Duration,
    /// Interval of KEEPALIVE messages (`chaincode.keepalive`), if any.
    pub keepalive: Option<Duration>,
    /// The default channel.
    pub channel: String,
}

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            write_batch: Some(1000),
            get_multiple: Some(1000),
            execute_timeout: Duration::from_secs(30),
            keepalive: None,
            channel: "mychannel".into(),
        }
    }
}

impl PeerConfig {
    /// A peer older than Fabric 3.1: empty READY, no optional features.
    pub fn legacy() -> Self {
        PeerConfig {
            write_batch: None,
            get_multiple: None,
            ..PeerConfig::default()
        }
    }

    fn ready_params(&self) -> ChaincodeAdditionalParams {
        ChaincodeAdditionalParams {
            use_write_batch: self.write_batch.is_some(),
            max_size_write_batch: self.write_batch.unwrap_or(0),
            use_get_multiple_keys: self.get_multiple.is_some(),
            max_size_get_multiple_keys: self.get_multiple.unwrap_or(0),
        }
    }
}

/// Submit (commit when successful) or evaluate (never commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Simulate and, when the response status is 200–399, commit.
    Submit,
    /// Simulate only.
    Evaluate,
}

/// One call of a chaincode, as a client would send it.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Chaincode name (as registered, or its label before `:`).
    pub chaincode: String,
    /// Channel; empty means the peer's default channel.
    pub channel: String,
    /// Arguments; the first is the function name.
    pub args: Vec<Bytes>,
    /// Transient data.
    pub transient: HashMap<String, Bytes>,
    /// Send INIT instead of TRANSACTION.
    pub init: bool,
    /// Creator (an encoded `SerializedIdentity`); the peer's development identity when `None`.
    pub creator: Option<Bytes>,
    /// Transaction id; computed from nonce and creator as Fabric does when `None`.
    pub txid: Option<String>,
    /// Client timestamp of the proposal; the current time when `None`.
    pub timestamp: Option<prost_types::Timestamp>,
}

impl Invocation {
    /// A call of `chaincode` with string arguments.
    pub fn new<S: AsRef<str>>(chaincode: &str, args: &[S]) -> Self {
        Invocation {
            chaincode: chaincode.to_owned(),
            channel: String::new(),
            args: args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_ref().as_bytes()))
                .collect(),
            transient: HashMap::new(),
            init: false,
            creator: None,
            txid: None,
            timestamp: None,
        }
    }

    /// A call with raw byte arguments.
    pub fn with_args(chaincode: &str, args: Vec<Bytes>) -> Self {
        Invocation {
            args,
            ..Invocation::new::<&str>(chaincode, &[])
        }
    }

    /// Uses this transaction id.
    pub fn with_txid(mut self, txid: &str) -> Self {
        self.txid = Some(txid.to_owned());
        self
    }

    /// Uses this proposal timestamp.
    pub fn with_timestamp(mut self, timestamp: prost_types::Timestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Adds a transient value.
    pub fn transient(mut self, key: &str, value: impl Into<Bytes>) -> Self {
        self.transient.insert(key.to_owned(), value.into());
        self
    }

    /// Runs on `channel`.
    pub fn on_channel(mut self, channel: &str) -> Self {
        self.channel = channel.to_owned();
        self
    }

    /// Sends INIT.
    pub fn as_init(mut self) -> Self {
        self.init = true;
        self
    }

    /// Uses this creator.
    pub fn with_creator(mut self, creator: Bytes) -> Self {
        self.creator = Some(creator);
        self
    }
}

/// What a transaction did.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    /// Its transaction id.
    pub txid: String,
    /// The chaincode's response (or the peer's, for a failure in simulation).
    pub response: Response,
    /// The event it set, with chaincode id and txid filled in as the peer does.
    pub event: Option<ChaincodeEvent>,
    /// Its writes (committed only when `committed`).
    pub writes: WriteSet,
    /// Whether its writes were committed.
    pub committed: bool,
    /// The block it was committed in, when committed.
    pub block: Option<u64>,
}

impl TxOutcome {
    /// The response status.
    pub fn status(&self) -> i32 {
        self.response.status
    }

    /// The response message (empty on success).
    pub fn message(&self) -> &str {
        &self.response.message
    }

    /// The response payload.
    pub fn payload(&self) -> &Bytes {
        &self.response.payload
    }

    /// The response payload as text (invalid UTF-8 replaced).
    pub fn payload_text(&self) -> String {
        String::from_utf8_lossy(&self.response.payload).into_owned()
    }
}

/// A proposal to run: what the chaincode sees of it.
pub(crate) struct Proposed {
    pub channel: String,
    pub txid: String,
    pub args: Vec<Bytes>,
    pub init: bool,
    pub signed: SignedProposal,
}

/// What simulating a proposal produced.
pub(crate) struct Simulated {
    pub txid: String,
    /// The chaincode's namespace.
    pub namespace: String,
    pub response: Response,
    /// Whether the response came from the chaincode (`false`: the peer
    /// generated it, e.g. for a crash or timeout).
    pub from_chaincode: bool,
    pub event: Option<ChaincodeEvent>,
    pub reads: ReadSet,
    pub writes: WriteSet,
}

/// An event of a committed transaction.
#[derive(Debug, Clone)]
pub struct CommittedEvent {
    /// Channel.
    pub channel: String,
    /// The event (chaincode id, txid, name, payload).
    pub event: ChaincodeEvent,
}

struct Core {
    ledger: Arc<Ledger>,
    config: PeerConfig,
    identity: DevIdentity,
    chaincodes: Mutex<HashMap<String, ChaincodeHandle>>,
    registered: Notify,
    events: broadcast::Sender<CommittedEvent>,
    /// Bumped after every block commit (waiters re-read the ledger).
    commits: tokio::sync::watch::Sender<u64>,
    nonce: AtomicU64,
}

impl Core {
    fn chaincodes(&self) -> MutexGuard<'_, HashMap<String, ChaincodeHandle>> {
        self.chaincodes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Registry for Core {
    fn chaincode(&self, name: &str) -> Option<ChaincodeHandle> {
        let map = self.chaincodes();
        map.get(name)
            .or_else(|| map.values().find(|h| h.namespace() == name))
            .filter(|h| !h.is_closed())
            .cloned()
    }

    fn deregister(&self, handle: &ChaincodeHandle) {
        let mut map = self.chaincodes();
        if map.get(handle.name()).is_some_and(|h| h.is_closed()) {
            map.remove(handle.name());
        }
    }

    fn new_simulation(&self, channel: &str, txid: &str, read_only: bool) -> Simulation {
        Simulation::new(Arc::clone(&self.ledger), channel, txid, read_only)
    }

    fn execute_timeout(&self) -> Duration {
        self.config.execute_timeout
    }
}

/// The development peer: the peer's side of the chaincode protocol over a
/// ledger, for running and testing chaincode without a Fabric network.
#[derive(Clone)]
pub struct DevPeer {
    core: Arc<Core>,
}

impl std::fmt::Debug for DevPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevPeer")
            .field("config", &self.core.config)
            .finish_non_exhaustive()
    }
}

impl DevPeer {
    /// A peer over `ledger` with a generated development identity.
    pub fn new(ledger: Ledger, config: PeerConfig) -> Result<Self> {
        Self::with_identity(
            ledger,
            config,
            DevIdentity::generate(&IdentitySpec::default())?,
        )
    }

    /// A peer over `ledger` whose transactions are created by `identity`.
    pub fn with_identity(
        ledger: Ledger,
        config: PeerConfig,
        identity: DevIdentity,
    ) -> Result<Self> {
        Ok(Self::sharing(Arc::new(ledger), config, identity))
    }

    /// A peer over a ledger shared with other peers (e.g. one peer per
    /// organisation over the same channel state); commits are serialized by
    /// the ledger.
    pub fn sharing(ledger: Arc<Ledger>, config: PeerConfig, identity: DevIdentity) -> Self {
        let (events, _) = broadcast::channel(1024);
        DevPeer {
            core: Arc::new(Core {
                ledger,
                config,
                identity,
                chaincodes: Mutex::new(HashMap::new()),
                registered: Notify::new(),
                events,
                commits: tokio::sync::watch::channel(0).0,
                nonce: AtomicU64::new(0),
            }),
        }
    }

    /// The shared handle of the ledger (for [`DevPeer::sharing`]).
    pub fn shared_ledger(&self) -> Arc<Ledger> {
        Arc::clone(&self.core.ledger)
    }

    /// A peer with an in-memory ledger and default settings (handy in tests).
    pub fn in_memory() -> Result<Self> {
        Self::new(Ledger::in_memory(), PeerConfig::default())
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.core.ledger
    }

    /// The peer's settings.
    pub fn config(&self) -> &PeerConfig {
        &self.core.config
    }

    /// The identity that creates transactions by default.
    pub fn identity(&self) -> &DevIdentity {
        &self.core.identity
    }

    /// Committed events, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<CommittedEvent> {
        self.core.events.subscribe()
    }

    /// Runs the handshake on a new chaincode stream and registers the chaincode.
    pub async fn attach(&self, connection: Connection) -> Result<ChaincodeHandle> {
        let registry: Weak<dyn Registry> =
            Arc::downgrade(&(Arc::clone(&self.core) as Arc<dyn Registry>));
        let handle = ChaincodeHandle::handshake(
            connection,
            self.core.config.ready_params(),
            registry,
            self.core.config.keepalive,
        )
        .await?;
        {
            let mut map = self.core.chaincodes();
            if map.get(handle.name()).is_some_and(|h| !h.is_closed()) {
                return Err(PeerError::Rejected(format!(
                    "duplicate chaincodeID: {}",
                    handle.name()
                )));
            }
            map.insert(handle.name().to_owned(), handle.clone());
        }
        self.core.registered.notify_waiters();
        Ok(handle)
    }

    /// Dials a chaincode-as-a-service server and registers it.
    pub async fn connect(&self, address: &str, tls: Option<ClientTls>) -> Result<ChaincodeHandle> {
        self.attach(dial_chaincode(address, tls).await?).await
    }

    /// Accepts every chaincode that dials `server`, until the server stops
    /// or the peer is dropped (the task does not keep the peer alive).
    pub fn serve(
        &self,
        mut server: crate::connection::RegisterServer,
    ) -> tokio::task::JoinHandle<()> {
        let core = Arc::downgrade(&self.core);
        tokio::spawn(async move {
            while let Some(connection) = server.accept().await {
                let Some(core) = core.upgrade() else {
                    return;
                };
                let peer = DevPeer { core };
                tokio::spawn(async move {
                    let remote = connection.remote.clone();
                    if let Err(e) = peer.attach(connection).await {
                        tracing::warn!(%remote, "chaincode registration failed: {e}");
                    }
                });
            }
        })
    }

    /// The connected chaincode named `name` (or whose label is `name`).
    pub fn chaincode(&self, name: &str) -> Option<ChaincodeHandle> {
        self.core.chaincode(name)
    }

    /// Waits until a chaincode named `name` is connected.
    pub async fn wait_for(&self, name: &str, timeout: Duration) -> Result<ChaincodeHandle> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.core.registered.notified();
            if let Some(h) = self.chaincode(name) {
                return Ok(h);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(PeerError::NotConnected(name.to_owned()));
            }
        }
    }

    /// Runs a transaction and commits its writes when it succeeds.
    pub async fn submit(&self, invocation: Invocation) -> Result<TxOutcome> {
        self.execute(invocation, Mode::Submit).await
    }

    /// Runs a transaction and discards its writes.
    pub async fn evaluate(&self, invocation: Invocation) -> Result<TxOutcome> {
        self.execute(invocation, Mode::Evaluate).await
    }

    /// Runs a transaction.
    ///
    /// `Err` means it could not run (chaincode not connected); a chaincode
    /// that fails, sends ERROR, times out or disconnects gives an outcome
    /// with status 500, as the peer's endorser reports it.
    ///
    /// A successful submit commits at once, in a block of its own, without
    /// checking its reads against transactions committed meanwhile: direct
    /// calls are for tests and the command line. Proposals that come through
    /// the Gateway ([`crate::gateway`]) are validated as Fabric validates
    /// them, MVCC conflicts included.
    pub async fn execute(&self, invocation: Invocation, mode: Mode) -> Result<TxOutcome> {
        let handle = self
            .chaincode(&invocation.chaincode)
            .ok_or_else(|| PeerError::NotConnected(invocation.chaincode.clone()))?;
        let channel = if invocation.channel.is_empty() {
            self.core.config.channel.clone()
        } else {
            invocation.channel.clone()
        };
        let creator = invocation
            .creator
            .clone()
            .unwrap_or_else(|| self.core.identity.creator());
        let timestamp = invocation.timestamp.unwrap_or_else(now);
        let (txid, proposal) =
            self.proposal(&channel, handle.name(), &invocation, &creator, timestamp);
        let simulated = self
            .simulate(
                &handle,
                Proposed {
                    channel: channel.clone(),
                    txid,
                    args: invocation.args.clone(),
                    init: invocation.init,
                    signed: proposal,
                },
            )
            .await?;
        let succeeded = (200..400).contains(&simulated.response.status);
        let mut block = None;
        if mode == Mode::Submit && succeeded {
            let committed = self.commit(
                &channel,
                BlockTx {
                    txid: simulated.txid.clone(),
                    timestamp: Some(timestamp),
                    reads: ReadSet::default(),
                    writes: simulated.writes.clone(),
                    event: simulated.event.clone(),
                    code: fabric_chaincode_shim::proto::protos::TxValidationCode::Valid,
                },
            )?;
            block = Some(committed.0);
        }
        Ok(TxOutcome {
            txid: simulated.txid,
            response: simulated.response,
            event: simulated.event,
            writes: simulated.writes,
            committed: block.is_some(),
            block,
        })
    }

    /// Runs a proposal on a chaincode against committed state, as an
    /// endorser simulates it: nothing is committed.
    pub(crate) async fn simulate(
        &self,
        handle: &ChaincodeHandle,
        proposed: Proposed,
    ) -> Result<Simulated> {
        let Proposed {
            channel,
            txid,
            args,
            init,
            signed,
        } = proposed;
        let simulation = Arc::new(Mutex::new(self.core.new_simulation(&channel, &txid, false)));
        let ctx = Arc::new(TxContext::new(
            &channel,
            &txid,
            handle.namespace(),
            Arc::clone(&simulation),
            init,
            Some(signed),
        ));
        let input = ChaincodeInput {
            args,
            decorations: HashMap::new(),
            is_init: init,
        };
        let ty = if init {
            MessageType::Init
        } else {
            MessageType::Transaction
        };
        let result = handle
            .execute(ctx, ty, &input, self.core.config.execute_timeout)
            .await;
        let (response, mut event, from_chaincode) = match result {
            Ok(reply) if reply.r#type == MessageType::Completed as i32 => {
                match Response::decode(reply.payload) {
                    Ok(response) => (response, reply.chaincode_event, true),
                    Err(e) => (
                        failure(&format!("failed to unmarshal response: {e}")),
                        None,
                        false,
                    ),
                }
            }
            Ok(reply) => (
                failure(&format!(
                    "transaction returned with failure: {}",
                    String::from_utf8_lossy(&reply.payload)
                )),
                None,
                false,
            ),
            Err(PeerError::NotConnected(name)) => return Err(PeerError::NotConnected(name)),
            Err(e) => (failure(&e.to_string()), None, false),
        };
        if let Some(event) = event.as_mut() {
            event.chaincode_id = handle.namespace().to_owned();
            event.tx_id = txid.clone();
        }
        let mut simulation = simulation.lock().unwrap_or_else(|e| e.into_inner());
        Ok(Simulated {
            txid,
            namespace: handle.namespace().to_owned(),
            response,
            from_chaincode,
            event: event.map(|e| *e),
            reads: simulation.take_reads(),
            writes: simulation.take_writes(),
        })
    }

    /// Commits one transaction in a block of its own on `channel`; returns
    /// the block number and the transaction's validation code.
    pub(crate) fn commit(
        &self,
        channel: &str,
        tx: BlockTx,
    ) -> Result<(u64, fabric_chaincode_shim::proto::protos::TxValidationCode)> {
        let event = tx.event.clone();
        let block = self.core.ledger.commit_block(channel, vec![tx])?;
        let code = block.codes[0];
        if code == fabric_chaincode_shim::proto::protos::TxValidationCode::Valid
            && let Some(event) = event
        {
            let _ = self.core.events.send(CommittedEvent {
                channel: channel.to_owned(),
                event,
            });
        }
        self.core.commits.send_modify(|n| *n += 1);
        Ok((block.number, code))
    }

    /// A receiver that changes after every commit (for waiting on the ledger).
    pub(crate) fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.core.commits.subscribe()
    }

    /// Builds the signed proposal a client would send, and its txid
    /// (hex SHA-256 of nonce and creator, as Fabric computes it).
    fn proposal(
        &self,
        channel: &str,
        chaincode: &str,
        invocation: &Invocation,
        creator: &Bytes,
        timestamp: prost_types::Timestamp,
    ) -> (String, SignedProposal) {
        let counter = self.core.nonce.fetch_add(1, Ordering::Relaxed);
        let nonce = Sha256::new()
            .chain_update(counter.to_le_bytes())
            .chain_update(timestamp.seconds.to_le_bytes())
            .chain_update(timestamp.nanos.to_le_bytes())
            .chain_update(std::process::id().to_le_bytes())
            .finalize()[..24]
            .to_vec();
        let txid = invocation
            .txid
            .clone()
            .unwrap_or_else(|| fabric_chaincode_shim::proto::transaction_id(&nonce, creator));
        let chaincode_id = ChaincodeId {
            name: chaincode.to_owned(),
            ..Default::default()
        };
        let channel_header = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            version: 0,
            timestamp: Some(timestamp),
            channel_id: channel.to_owned(),
            tx_id: txid.clone(),
            epoch: 0,
            extension: encode(&ChaincodeHeaderExtension {
                chaincode_id: Some(chaincode_id.clone()),
            }),
            tls_cert_hash: Bytes::new(),
        };
        let signature_header = SignatureHeader {
            creator: creator.clone(),
            nonce: Bytes::from(nonce),
        };
        let spec = ChaincodeInvocationSpec {
            chaincode_spec: Some(ChaincodeSpec {
                r#type: 0,
                chaincode_id: Some(chaincode_id),
                input: Some(ChaincodeInput {
                    args: invocation.args.clone(),
                    decorations: HashMap::new(),
                    is_init: invocation.init,
                }),
                timeout: 0,
            }),
        };
        let payload = ChaincodeProposalPayload {
            input: encode(&spec),
            transient_map: invocation.transient.clone(),
        };
        let proposal = Proposal {
            header: encode(&Header {
                channel_header: encode(&channel_header),
                signature_header: encode(&signature_header),
            }),
            payload: encode(&payload),
            extension: Bytes::new(),
        };
        let signed = SignedProposal {
            proposal_bytes: encode(&proposal),
            // The development peer does not sign; chaincode never checks it.
            signature: Bytes::new(),
        };
        (txid, signed)
    }
}

fn failure(message: &str) -> Response {
    Response {
        status: 500,
        message: format!("error in simulation: {message}"),
        payload: Bytes::new(),
    }
}

fn now() -> prost_types::Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    prost_types::Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
