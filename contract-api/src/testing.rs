//! A test kit for contracts: the production dispatch over an in-memory ledger.
//!
//! [`TestKit`] connects a chaincode to an in-process [development
//! peer](fabric_dev_peer) through the shim's real session (in-process
//! channels instead of sockets), so a unit test runs exactly the code that
//! runs in production — argument decoding, routing, the stub, the protocol —
//! against a ledger with Fabric's semantics: ordered world state for ranges
//! and composite keys, private data and their hashes, history, events,
//! transient data, state metadata, rich queries (CouchDB Mango subset),
//! commit on submit and nothing on evaluate or failure.
//!
//! Transactions can be called by wire name ([`TestKit::submit`],
//! [`TestKit::evaluate`], [`TestKit::invoke`]) or the contract's methods
//! called directly with a live [`Context`] from [`TestKit::transaction`].
//!
//! What it does not emulate: endorsement policies (key-level policies are
//! stored, not enforced), MVCC read conflicts between concurrent
//! transactions, collection membership and ACLs (every collection is
//! readable and writable), CouchDB's key and `_`-field restrictions, and
//! signatures.
//!
//! ```
//! # use fabric_contract_api::{contract, Context, ContractChaincode, ContractError};
//! # #[derive(Default)] struct Counter;
//! # #[contract] impl Counter {
//! #   #[transaction] async fn add(&self, ctx: &Context, key: String, n: u64) -> Result<u64, ContractError> {
//! #       let old = ctx.stub().get_state(&key).await?.map(|v| String::from_utf8_lossy(&v).parse().unwrap_or(0)).unwrap_or(0);
//! #       ctx.stub().put_state(&key, (old + n).to_string()).await?; Ok(old + n) }
//! # }
//! use fabric_contract_api::testing::TestKit;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let kit = TestKit::new(ContractChaincode::new().add(Counter)).await;
//! assert_eq!(kit.submit(&["Add", "a", "2"]).await.payload_text(), "2");
//! assert_eq!(kit.submit(&["Add", "a", "3"]).await.payload_text(), "5");
//! assert_eq!(kit.state("a").as_deref(), Some(&b"5"[..]));
//!
//! // Call the method directly, in a transaction that is committed at the end.
//! let tx = kit.transaction().await;
//! let total = Counter.add(tx.context(), "a".into(), 1).await.unwrap();
//! assert_eq!(total, 6);
//! tx.commit().await;
//! assert_eq!(kit.state("a").as_deref(), Some(&b"6"[..]));
//! # }
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response};
use fabric_dev_peer::ledger::Space;
use fabric_dev_peer::{DevIdentity, Invocation, Ledger, Mode, in_process};
pub use fabric_dev_peer::{DevPeer, IdentitySpec, PeerConfig, TxOutcome};
use tokio::sync::oneshot;

use crate::context::{Context, TransactionContext};

const NAME: &str = "testkit";
const HANDOFF: &str = "__fabric_testkit_transaction";

/// Handing a live transaction's stub to the test, and waiting for the verdict.
type Handoff = (oneshot::Sender<ChaincodeStub>, oneshot::Receiver<bool>);

/// Wraps the chaincode under test; a reserved function name lends the test
/// a live transaction.
struct KitChaincode<C> {
    inner: C,
    handoffs: Mutex<HashMap<String, Handoff>>,
}

impl<C: Chaincode> Chaincode for KitChaincode<C> {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        if stub.args().first().map(|a| &a[..]) == Some(HANDOFF.as_bytes()) {
            let token = stub
                .args()
                .get(1)
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .unwrap_or_default();
            let handoff = self
                .handoffs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&token);
            let Some((give, verdict)) = handoff else {
                return fabric_chaincode_shim::error("unknown test transaction");
            };
            let _ = give.send(stub.clone());
            return match verdict.await {
                Ok(true) => fabric_chaincode_shim::success(Bytes::new()),
                _ => fabric_chaincode_shim::error("rolled back by the test"),
            };
        }
        self.inner.invoke(stub).await
    }

    async fn init(&self, stub: &ChaincodeStub) -> Response {
        self.inner.init(stub).await
    }
}

/// The in-memory test harness. See the [module documentation](self).
pub struct TestKit {
    peer: DevPeer,
    handoffs: Arc<dyn Fn(String, Handoff) + Send + Sync>,
    next: AtomicU64,
    defaults: Defaults,
}

#[derive(Clone, Default)]
struct Defaults {
    creator: Option<Bytes>,
    channel: String,
}

/// Options of a [`TestKit`].
pub struct TestKitBuilder {
    config: PeerConfig,
    identity: IdentitySpec,
    channel: String,
}

impl TestKitBuilder {
    /// The MSP id and certificate contents of the default creator.
    pub fn identity(mut self, identity: IdentitySpec) -> Self {
        self.identity = identity;
        self
    }

    /// The peer's MSP id that `fabric_chaincode_shim::local_mspid()` returns
    /// in this process (the peer sets `CORE_PEER_LOCALMSPID` in production).
    pub fn local_mspid(self, mspid: &str) -> Self {
        fabric_chaincode_shim::set_local_mspid(Some(mspid));
        self
    }

    /// The default channel (`mychannel`).
    pub fn channel(mut self, channel: &str) -> Self {
        self.channel = channel.to_owned();
        self
    }

    /// The peer's settings (write batches, multi-get offered in READY...).
    pub fn peer_config(mut self, config: PeerConfig) -> Self {
        self.config = config;
        self
    }

    /// Connects `chaincode` to a fresh in-memory peer.
    pub async fn build<C: Chaincode>(self, chaincode: C) -> TestKit {
        let mut config = self.config;
        config.channel = self.channel.clone();
        // Direct calls may hold a transaction open while a test steps through it.
        config.execute_timeout = Duration::from_secs(3600);
        let identity = DevIdentity::generate(&self.identity).expect("generating a test identity");
        let peer = DevPeer::with_identity(Ledger::in_memory(), config, identity)
            .expect("creating the test peer");
        let wrapped = Arc::new(KitChaincode {
            inner: chaincode,
            handoffs: Mutex::new(HashMap::new()),
        });
        let registry = Arc::clone(&wrapped);
        peer.attach(in_process(wrapped, NAME))
            .await
            .expect("connecting the chaincode under test");
        TestKit {
            peer,
            handoffs: Arc::new(move |token, handoff| {
                registry
                    .handoffs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(token, handoff);
            }),
            next: AtomicU64::new(0),
            defaults: Defaults {
                creator: None,
                channel: self.channel,
            },
        }
    }
}

impl TestKit {
    /// A kit with default options: `mychannel`, creator `User1@org1.example.com` of `Org1MSP`.
    pub async fn new<C: Chaincode>(chaincode: C) -> TestKit {
        Self::builder().build(chaincode).await
    }

    /// Options for a kit.
    pub fn builder() -> TestKitBuilder {
        TestKitBuilder {
            config: PeerConfig::default(),
            identity: IdentitySpec::default(),
            channel: "mychannel".into(),
        }
    }

    /// The development peer underneath.
    pub fn peer(&self) -> &DevPeer {
        &self.peer
    }

    /// Submits a transaction (committed when it succeeds).
    pub async fn submit(&self, args: &[&str]) -> TxOutcome {
        self.invoke(args).submit().await
    }

    /// Evaluates a transaction (never committed).
    pub async fn evaluate(&self, args: &[&str]) -> TxOutcome {
        self.invoke(args).evaluate().await
    }

    /// A call with options (transient data, creator, txid, timestamp, raw arguments).
    pub fn invoke(&self, args: &[&str]) -> Call<'_> {
        let mut invocation = Invocation::new(NAME, args).on_channel(&self.defaults.channel);
        invocation.creator = self.defaults.creator.clone();
        Call {
            kit: self,
            invocation,
        }
    }

    /// A committed value of this chaincode's public state.
    pub fn state(&self, key: &str) -> Option<Bytes> {
        self.peer
            .ledger()
            .get(&Space::public(&self.defaults.channel, NAME), key)
            .expect("the in-memory ledger does not fail")
    }

    /// A committed value of a private data collection.
    pub fn private_state(&self, collection: &str, key: &str) -> Option<Bytes> {
        self.peer
            .ledger()
            .get(
                &Space::private(&self.defaults.channel, NAME, collection),
                key,
            )
            .expect("the in-memory ledger does not fail")
    }

    /// Opens a transaction for calling contract methods directly.
    pub async fn transaction(&self) -> TestTransaction {
        self.invoke(&[]).transaction().await
    }

    async fn open(&self, mut invocation: Invocation) -> TestTransaction {
        let token = self.next.fetch_add(1, Ordering::Relaxed).to_string();
        let (give, take) = oneshot::channel();
        let (decide, verdict) = oneshot::channel();
        (self.handoffs)(token.clone(), (give, verdict));
        invocation.args = vec![Bytes::from_static(HANDOFF.as_bytes()), Bytes::from(token)];
        let peer = self.peer.clone();
        let outcome = tokio::spawn(async move { peer.execute(invocation, Mode::Submit).await });
        let stub = take
            .await
            .expect("the test chaincode lends its transaction");
        TestTransaction {
            context: Context::new(stub, ""),
            decide: Some(decide),
            outcome,
        }
    }
}

/// A call being prepared; see [`TestKit::invoke`].
pub struct Call<'a> {
    kit: &'a TestKit,
    invocation: Invocation,
}

impl Call<'_> {
    /// Adds transient data.
    pub fn transient(mut self, key: &str, value: impl Into<Bytes>) -> Self {
        self.invocation
            .transient
            .insert(key.to_owned(), value.into());
        self
    }

    /// Uses a creator made from an MSP id and a PEM certificate.
    pub fn creator(mut self, mspid: &str, cert_pem: &str) -> Self {
        self.invocation.creator = Some(creator(mspid, cert_pem));
        self
    }

    /// Uses a generated identity.
    pub fn identity(self, spec: &IdentitySpec) -> Self {
        let identity = DevIdentity::generate(spec).expect("generating a test identity");
        self.creator(&identity.mspid, &identity.cert_pem)
    }

    /// Uses this transaction id.
    pub fn txid(mut self, txid: &str) -> Self {
        self.invocation.txid = Some(txid.to_owned());
        self
    }

    /// Uses this proposal timestamp (seconds and nanoseconds since the epoch).
    pub fn timestamp(mut self, seconds: i64, nanos: i32) -> Self {
        self.invocation.timestamp =
            Some(fabric_dev_peer::__prost_types::Timestamp { seconds, nanos });
        self
    }

    /// Replaces the arguments with raw bytes.
    pub fn raw_args(mut self, args: Vec<Bytes>) -> Self {
        self.invocation.args = args;
        self
    }

    /// Sends INIT instead of TRANSACTION.
    pub fn init(mut self) -> Self {
        self.invocation.init = true;
        self
    }

    /// Submits: commits when the response status is 200–399.
    pub async fn submit(self) -> TxOutcome {
        self.run(Mode::Submit).await
    }

    /// Evaluates: never commits.
    pub async fn evaluate(self) -> TxOutcome {
        self.run(Mode::Evaluate).await
    }

    /// Opens a transaction with these options for direct method calls.
    pub async fn transaction(self) -> TestTransaction {
        self.kit.open(self.invocation).await
    }

    async fn run(self, mode: Mode) -> TxOutcome {
        self.kit
            .peer
            .execute(self.invocation, mode)
            .await
            .expect("the chaincode under test is connected")
    }
}

/// An encoded `SerializedIdentity` from an MSP id and a PEM certificate.
pub fn creator(mspid: &str, cert_pem: &str) -> Bytes {
    use prost::Message;
    Bytes::from(
        fabric_chaincode_shim::proto::msp::SerializedIdentity {
            mspid: mspid.to_owned(),
            id_bytes: Bytes::copy_from_slice(cert_pem.as_bytes()),
        }
        .encode_to_vec(),
    )
}

/// A live transaction for direct method calls; see [`TestKit::transaction`].
///
/// Commit it with [`TestTransaction::commit`]; dropping it (or
/// [`TestTransaction::rollback`]) discards its writes.
pub struct TestTransaction {
    context: Context,
    decide: Option<oneshot::Sender<bool>>,
    outcome: tokio::task::JoinHandle<fabric_dev_peer::Result<TxOutcome>>,
}

impl TestTransaction {
    /// The transaction's context, to pass to contract methods.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// A custom context built from this transaction.
    pub fn context_as<T: TransactionContext>(&self) -> T {
        T::from_context(Context::new(self.context.stub().clone(), ""))
    }

    /// Ends the transaction successfully and commits its writes.
    pub async fn commit(mut self) -> TxOutcome {
        self.finish(true).await
    }

    /// Ends the transaction and discards its writes.
    pub async fn rollback(mut self) -> TxOutcome {
        self.finish(false).await
    }

    async fn finish(&mut self, commit: bool) -> TxOutcome {
        if let Some(decide) = self.decide.take() {
            let _ = decide.send(commit);
        }
        (&mut self.outcome)
            .await
            .expect("the test transaction task")
            .expect("the chaincode under test is connected")
    }
}

impl Drop for TestTransaction {
    fn drop(&mut self) {
        if let Some(decide) = self.decide.take() {
            let _ = decide.send(false);
        }
    }
}
