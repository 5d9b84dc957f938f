//! The stub: a transaction's view of its arguments, its proposal and the ledger.

mod batch;
mod iter;
mod proposal;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Either;
use prost::Message;

use self::batch::WriteBatch;
pub use self::iter::{HistoryQueryIterator, QueryIterator, StateQueryIterator};
use self::proposal::Proposal;
use crate::chaincode::{ERROR, Response};
use crate::error::{Error, Result};
use crate::keys::{
    COMPOSITE_KEY_NAMESPACE, EMPTY_KEY_SUBSTITUTE, MAX_UNICODE_RUNE, partial_key_range,
    validate_simple_keys,
};
use crate::message::{MessageType, encode_fields, encode_outgoing};
pub use crate::proto::protos::QueryResponseMetadata;
use crate::proto::protos::write_record::Type as WriteType;
use crate::proto::protos::{
    ChaincodeEvent, ChaincodeId, ChaincodeInput, ChaincodeMessage, ChaincodeSpec, GetHistoryForKey,
    GetQueryResult, GetState, GetStateByRange, GetStateMetadata, GetStateMultiple,
    GetStateMultipleResult, MetaDataKeys, PutStateMetadata, QueryMetadata, QueryResponse,
    QueryStateClose, SignedProposal, StateMetadata, StateMetadataResult, WriteBatchState,
    WriteRecord,
};
use crate::session::{PeerParams, Running};

/// The metadata key of key-level endorsement policies.
fn validation_parameter_key() -> &'static str {
    MetaDataKeys::ValidationParameter.as_str_name()
}

/// A transaction's access to its input, its proposal and the ledger: the Rust
/// counterpart of Go's `ChaincodeStubInterface`.
///
/// Every ledger call is one request to the peer and its reply. Calls of one
/// transaction are queued and sent one at a time (the peer drops a second
/// outstanding request of the same transaction), so it is safe to run several
/// of them concurrently, e.g. with `futures::join!`. The stub is cheap to
/// clone; clones share the transaction. After the transaction has completed
/// every ledger call fails with [`Error::TransactionFinished`].
#[derive(Clone)]
pub struct ChaincodeStub {
    /// The transaction: its ids and reply slot on the link, and the stub's
    /// state ([`TxState`]), in one object.
    tx: Arc<Running>,
}

/// A stub's state, kept in its transaction's [`Running`] (one object per
/// transaction, see `session/link.rs`).
#[repr(C)]
pub(crate) struct TxState {
    /// Queues ledger calls: held for the duration of one request/reply.
    /// `futures_util`'s lock: taking and releasing it uncontended is one
    /// atomic operation each (tokio's semaphore-based one cost about 500
    /// instructions per transfer). Calls a contract makes concurrently go
    /// out one at a time, in no promised order.
    turn: futures_util::lock::Mutex<()>,
    finished: AtomicBool,
    local: Mutex<Local>,
    input: ChaincodeInput,
    /// Decoded when first asked for.
    proposal: Proposal,
}

impl TxState {
    /// The state of a stub for a transaction with this input and proposal.
    pub(crate) fn new(input: ChaincodeInput, proposal: Option<SignedProposal>) -> Self {
        TxState {
            turn: futures_util::lock::Mutex::new(()),
            finished: AtomicBool::new(false),
            local: Mutex::new(Local::default()),
            input,
            proposal: Proposal::new(proposal),
        }
    }

    /// The first argument (by convention the function), if any.
    pub(crate) fn function(&self) -> Option<&Bytes> {
        self.input.args.first()
    }
}

#[derive(Default)]
struct Local {
    /// Boxed, as the frame that reports it carries it, and the rare batch:
    /// every transaction's state stays smaller.
    event: Option<Box<ChaincodeEvent>>,
    batch: Option<Box<WriteBatch>>,
    /// Iterators dropped before their end, to close before the next call.
    dropped_iterators: Vec<String>,
}

impl fmt::Debug for ChaincodeStub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaincodeStub")
            .field("txid", &self.tx_id())
            .field("channel_id", &self.channel_id())
            .finish_non_exhaustive()
    }
}

impl ChaincodeStub {
    /// The stub of a running transaction (whose state it keeps, see [`TxState`]).
    pub(crate) fn new(running: Arc<Running>) -> Self {
        ChaincodeStub { tx: running }
    }

    /// The transaction this stub belongs to.
    pub(crate) fn running(&self) -> &Running {
        &self.tx
    }

    fn state(&self) -> &TxState {
        self.tx.stub()
    }

    /// Why the proposal did not decode, if a field of it was asked for and
    /// it did not: the transaction then fails (see `proposal.rs`).
    pub(crate) fn proposal_error(&self) -> Option<&str> {
        self.state().proposal.error()
    }

    fn local(&self) -> MutexGuard<'_, Local> {
        self.state().local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the transaction finished and takes its event.
    pub(crate) fn finish(&self) -> Option<Box<ChaincodeEvent>> {
        self.state().finished.store(true, Ordering::Release);
        self.local().event.take()
    }

    pub(crate) fn defer_close(&self, id: String) {
        if !self.state().finished.load(Ordering::Acquire) {
            self.local().dropped_iterators.push(id);
        }
    }

    /// Sends one request and waits for its reply, after any earlier call of
    /// this transaction has finished.
    ///
    /// Nothing happens until the future is first polled: then it takes the
    /// transaction's turn, sends the request (after closing the iterators
    /// dropped since the last call) and waits for the reply, holding the
    /// turn until the reply has arrived or the future is dropped.
    /// Combinators rather than an `async fn`, whose state would keep the
    /// payload twice and every local beside the request's future: this
    /// future is nested in every ledger call of every transaction.
    pub(crate) fn call(
        &self,
        ty: MessageType,
        payload: Bytes,
    ) -> impl Future<Output = Result<Bytes>> + Send + '_ {
        let tx = self.state();
        if tx.finished.load(Ordering::Acquire) {
            return Either::Left(std::future::ready(Err(Error::TransactionFinished {
                txid: self.tx_id().to_owned(),
            })));
        }
        Either::Right(tx.turn.lock().then(move |turn| {
            let dropped = std::mem::take(&mut self.local().dropped_iterators);
            if dropped.is_empty() {
                Either::Left(self.exchange(ty, payload).map(move |reply| {
                    drop(turn);
                    reply
                }))
            } else {
                // Boxed: rare, and every call's future stays smaller.
                Either::Right(Box::pin(async move {
                    self.close_iterators(dropped).await;
                    let reply = self.exchange(ty, payload).await;
                    drop(turn);
                    reply
                }))
            }
        }))
    }

    /// Closes iterators that were dropped before their end.
    async fn close_iterators(&self, ids: Vec<String>) {
        for id in ids {
            let close = encode_outgoing(&QueryStateClose { id });
            if let Err(e) = self.exchange(MessageType::QueryStateClose, close).await {
                tracing::debug!(txid = %self.tx_id(), "closing a dropped iterator failed: {e}");
            }
        }
    }

    /// Sends one request now and waits for its reply (no extra future
    /// around the link's: see `Link::request`).
    fn exchange(
        &self,
        ty: MessageType,
        payload: Bytes,
    ) -> impl Future<Output = Result<Bytes>> + Send + '_ {
        self.tx.link().request(&self.tx, ty, payload)
    }

    // ----- input and proposal -----

    /// The raw arguments (`ChaincodeInput.args`); by convention the first is the function name.
    pub fn args(&self) -> &[Bytes] {
        &self.state().input.args
    }

    /// The arguments as strings (invalid UTF-8 replaced by U+FFFD).
    pub fn string_args(&self) -> Vec<String> {
        self.args()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    /// The first argument as the function name and the rest as parameters;
    /// `("", [])` when there are no arguments.
    pub fn function_and_parameters(&self) -> (String, Vec<String>) {
        let mut args = self.string_args();
        if args.is_empty() {
            return (String::new(), Vec::new());
        }
        let function = args.remove(0);
        (function, args)
    }

    /// All arguments concatenated, without separators (Go's `GetArgsSlice`).
    pub fn args_slice(&self) -> Vec<u8> {
        self.args().concat()
    }

    /// Whether the peer sent this transaction as INIT (`ChaincodeInput.is_init`).
    pub fn is_init(&self) -> bool {
        self.state().input.is_init
    }

    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        self.tx.txid()
    }

    /// The channel the transaction runs on.
    pub fn channel_id(&self) -> &str {
        self.tx.channel()
    }

    /// The proposal's creator: an encoded `msp.SerializedIdentity`; empty without a proposal.
    ///
    /// The proposal is decoded on the first call of this, [`Self::transient`],
    /// [`Self::binding`] or [`Self::tx_timestamp`]. If it does not decode (a
    /// peer never sends such a proposal), they return empty values and the
    /// transaction fails with the Go shim's error when it returns.
    pub fn creator(&self) -> &Bytes {
        &self.state().proposal.fields().creator
    }

    /// The proposal's transient data (never written to the ledger).
    pub fn transient(&self) -> &HashMap<String, Bytes> {
        &self.state().proposal.fields().transient
    }

    /// SHA-256 of nonce, creator and epoch (32 raw bytes, as Go and Java; Node gives hex).
    pub fn binding(&self) -> &Bytes {
        self.state().proposal.binding()
    }

    /// Decorations added by the peer's proposal decorators.
    pub fn decorations(&self) -> &HashMap<String, Bytes> {
        &self.state().input.decorations
    }

    /// The signed proposal, when the peer sent one.
    pub fn signed_proposal(&self) -> Option<&SignedProposal> {
        self.state().proposal.signed()
    }

    /// The client's timestamp from the proposal's channel header (the same on every endorser).
    pub fn tx_timestamp(&self) -> Option<prost_types::Timestamp> {
        self.state().proposal.fields().timestamp
    }

    /// What the peer offered in READY (write batches, multi-get).
    pub fn peer_params(&self) -> PeerParams {
        self.tx.link().params()
    }

    // ----- events -----

    /// Sets the transaction's event (one per transaction; the last call wins).
    pub fn set_event(&self, name: impl Into<String>, payload: impl Into<Bytes>) -> Result<()> {
        let event_name = name.into();
        if event_name.is_empty() {
            return Err(Error::InvalidArgument(
                "event name can not be empty string".into(),
            ));
        }
        self.local().event = Some(Box::new(ChaincodeEvent {
            event_name,
            payload: payload.into(),
            ..Default::default()
        }));
        Ok(())
    }

    // ----- public state -----

    /// Reads a key; `None` when it does not exist. Does not see this
    /// transaction's own writes (nothing in Fabric does before commit).
    pub async fn get_state(&self, key: &str) -> Result<Option<Bytes>> {
        self.read_value("", key).await
    }

    /// Reads several keys, in order. Uses GET_STATE_MULTIPLE in chunks of the
    /// peer's maximum when the peer offered it, else one GET_STATE per key.
    pub async fn get_multiple_states<S: AsRef<str>>(
        &self,
        keys: &[S],
    ) -> Result<Vec<Option<Bytes>>> {
        self.read_values("", keys).await
    }

    /// Writes a key. An empty value is recorded by the peer as a delete.
    pub async fn put_state(&self, key: &str, value: impl Into<Bytes>) -> Result<()> {
        if key.is_empty() {
            return Err(Error::InvalidArgument(
                "key must not be an empty string".into(),
            ));
        }
        self.write(WriteType::PutState, "", key, value.into(), None)
            .await
    }

    /// Deletes a key.
    pub async fn del_state(&self, key: &str) -> Result<()> {
        self.write(WriteType::DelState, "", key, Bytes::new(), None)
            .await
    }

    /// Sets the key-level endorsement policy (encoded `SignaturePolicyEnvelope`) of a key.
    pub async fn set_state_validation_parameter(
        &self,
        key: &str,
        policy: impl Into<Bytes>,
    ) -> Result<()> {
        let entry = StateMetadata {
            metakey: validation_parameter_key().to_owned(),
            value: policy.into(),
        };
        self.write(
            WriteType::PutStateMetadata,
            "",
            key,
            Bytes::new(),
            Some(entry),
        )
        .await
    }

    /// The key-level endorsement policy of a key, if it has one.
    pub async fn get_state_validation_parameter(&self, key: &str) -> Result<Option<Bytes>> {
        self.read_validation_parameter("", key).await
    }

    /// Keys in `[start_key, end_key)` in key order; an empty `end_key` means no
    /// upper bound and an empty `start_key` starts after the composite keys.
    pub async fn get_state_by_range(
        &self,
        start_key: &str,
        end_key: &str,
    ) -> Result<StateQueryIterator> {
        let start = range_start(start_key);
        validate_simple_keys(&[start, end_key])?;
        Ok(self.range("", start, end_key, None).await?.0)
    }

    /// One page of a range: at most `page_size` results from `bookmark` on
    /// (or from `start_key` when `bookmark` is empty), and the bookmark of the
    /// next page. Only allowed in read-only transactions.
    pub async fn get_state_by_range_with_pagination(
        &self,
        start_key: &str,
        end_key: &str,
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let start = range_start(start_key);
        validate_simple_keys(&[start, end_key])?;
        self.range("", start, end_key, Some(page(page_size, bookmark)))
            .await
    }

    /// Builds a composite key from an object type and attributes, as Go's
    /// `stub.CreateCompositeKey` (the same as the free function
    /// [`create_composite_key`](crate::create_composite_key)).
    pub fn create_composite_key<S: AsRef<str>>(
        &self,
        object_type: &str,
        attributes: &[S],
    ) -> Result<String> {
        crate::keys::create_composite_key(object_type, attributes)
    }

    /// Splits a composite key into its object type and attributes, as Go's
    /// `stub.SplitCompositeKey` (the same as the free function
    /// [`split_composite_key`](crate::split_composite_key)).
    pub fn split_composite_key(&self, key: &str) -> Result<(String, Vec<String>)> {
        crate::keys::split_composite_key(key)
    }

    /// Every composite key that starts with `object_type` and `attributes`.
    pub async fn get_state_by_partial_composite_key<S: AsRef<str>>(
        &self,
        object_type: &str,
        attributes: &[S],
    ) -> Result<StateQueryIterator> {
        let (start, end) = partial_key_range(object_type, attributes)?;
        Ok(self.range("", &start, &end, None).await?.0)
    }

    /// Paginated [`ChaincodeStub::get_state_by_partial_composite_key`].
    pub async fn get_state_by_partial_composite_key_with_pagination<S: AsRef<str>>(
        &self,
        object_type: &str,
        attributes: &[S],
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let (start, end) = partial_key_range(object_type, attributes)?;
        self.range("", &start, &end, Some(page(page_size, bookmark)))
            .await
    }

    /// One page of all composite keys of this chaincode (Go shim v2.3).
    pub async fn get_all_states_composite_key_with_pagination(
        &self,
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let start = COMPOSITE_KEY_NAMESPACE.to_string();
        let end: String = [COMPOSITE_KEY_NAMESPACE, MAX_UNICODE_RUNE].iter().collect();
        self.range("", &start, &end, Some(page(page_size, bookmark)))
            .await
    }

    /// A rich query (CouchDB Mango JSON) over the state database.
    pub async fn get_query_result(&self, query: &str) -> Result<StateQueryIterator> {
        Ok(self.query("", query, None).await?.0)
    }

    /// One page of a rich query. Only allowed in read-only transactions.
    pub async fn get_query_result_with_pagination(
        &self,
        query: &str,
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        self.query("", query, Some(page(page_size, bookmark))).await
    }

    /// The committed modifications of a key, newest first.
    pub async fn get_history_for_key(&self, key: &str) -> Result<HistoryQueryIterator> {
        let payload = encode_outgoing(&GetHistoryForKey {
            key: key.to_owned(),
        });
        let bytes = self.call(MessageType::GetHistoryForKey, payload).await?;
        let response =
            QueryResponse::decode(bytes).map_err(|e| Error::decode("QueryResponse", e))?;
        Ok(QueryIterator::new(self.clone(), response))
    }

    // ----- private data -----

    /// Reads a key of a private data collection.
    pub async fn get_private_data(&self, collection: &str, key: &str) -> Result<Option<Bytes>> {
        require_collection(collection)?;
        self.read_value(collection, key).await
    }

    /// Reads several keys of a private data collection (see [`ChaincodeStub::get_multiple_states`]).
    pub async fn get_multiple_private_data<S: AsRef<str>>(
        &self,
        collection: &str,
        keys: &[S],
    ) -> Result<Vec<Option<Bytes>>> {
        require_collection(collection)?;
        self.read_values(collection, keys).await
    }

    /// The SHA-256 hash of a private value, readable also by organisations
    /// that are not members of the collection; `None` when the key does not exist.
    pub async fn get_private_data_hash(
        &self,
        collection: &str,
        key: &str,
    ) -> Result<Option<Bytes>> {
        require_collection(collection)?;
        let payload = encode_outgoing(&GetState {
            key: key.to_owned(),
            collection: collection.to_owned(),
        });
        let bytes = self.call(MessageType::GetPrivateDataHash, payload).await?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }

    /// Writes a key of a private data collection.
    pub async fn put_private_data(
        &self,
        collection: &str,
        key: &str,
        value: impl Into<Bytes>,
    ) -> Result<()> {
        require_collection(collection)?;
        if key.is_empty() {
            return Err(Error::InvalidArgument(
                "key must not be an empty string".into(),
            ));
        }
        self.write(WriteType::PutState, collection, key, value.into(), None)
            .await
    }

    /// Deletes a key of a private data collection.
    pub async fn del_private_data(&self, collection: &str, key: &str) -> Result<()> {
        require_collection(collection)?;
        self.write(WriteType::DelState, collection, key, Bytes::new(), None)
            .await
    }

    /// Deletes a private key and purges its history from the private store (Fabric 2.5).
    pub async fn purge_private_data(&self, collection: &str, key: &str) -> Result<()> {
        require_collection(collection)?;
        self.write(
            WriteType::PurgePrivateData,
            collection,
            key,
            Bytes::new(),
            None,
        )
        .await
    }

    /// Sets the endorsement policy of a private key.
    pub async fn set_private_data_validation_parameter(
        &self,
        collection: &str,
        key: &str,
        policy: impl Into<Bytes>,
    ) -> Result<()> {
        let entry = StateMetadata {
            metakey: validation_parameter_key().to_owned(),
            value: policy.into(),
        };
        self.write(
            WriteType::PutStateMetadata,
            collection,
            key,
            Bytes::new(),
            Some(entry),
        )
        .await
    }

    /// The endorsement policy of a private key, if it has one.
    pub async fn get_private_data_validation_parameter(
        &self,
        collection: &str,
        key: &str,
    ) -> Result<Option<Bytes>> {
        self.read_validation_parameter(collection, key).await
    }

    /// Keys of a collection in `[start_key, end_key)`.
    pub async fn get_private_data_by_range(
        &self,
        collection: &str,
        start_key: &str,
        end_key: &str,
    ) -> Result<StateQueryIterator> {
        require_collection(collection)?;
        let start = range_start(start_key);
        validate_simple_keys(&[start, end_key])?;
        Ok(self.range(collection, start, end_key, None).await?.0)
    }

    /// Composite keys of a collection that start with `object_type` and `attributes`.
    pub async fn get_private_data_by_partial_composite_key<S: AsRef<str>>(
        &self,
        collection: &str,
        object_type: &str,
        attributes: &[S],
    ) -> Result<StateQueryIterator> {
        require_collection(collection)?;
        let (start, end) = partial_key_range(object_type, attributes)?;
        Ok(self.range(collection, &start, &end, None).await?.0)
    }

    /// A rich query over a collection.
    pub async fn get_private_data_query_result(
        &self,
        collection: &str,
        query: &str,
    ) -> Result<StateQueryIterator> {
        require_collection(collection)?;
        Ok(self.query(collection, query, None).await?.0)
    }

    // ----- chaincode to chaincode -----

    /// Calls another chaincode in this transaction: `name` on this channel,
    /// or on `channel` when it is not empty (then read-only).
    ///
    /// `Ok` carries the callee's response whatever its status; a callee that
    /// failed with an ERROR gives status 500 with its text. `Err` means the
    /// peer refused the call.
    pub async fn invoke_chaincode<A: AsRef<[u8]>>(
        &self,
        name: &str,
        args: &[A],
        channel: &str,
    ) -> Result<Response> {
        let name = if channel.is_empty() {
            name.to_owned()
        } else {
            format!("{name}/{channel}")
        };
        let spec = ChaincodeSpec {
            chaincode_id: Some(ChaincodeId {
                name,
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: args
                    .iter()
                    .map(|a| Bytes::copy_from_slice(a.as_ref()))
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let bytes = self
            .call(MessageType::InvokeChaincode, encode_outgoing(&spec))
            .await?;
        let reply = ChaincodeMessage::decode(bytes)
            .map_err(|e| Error::decode("the callee's message", e))?;
        match MessageType::try_from(reply.r#type) {
            Ok(MessageType::Completed) => Response::decode(reply.payload)
                .map_err(|e| Error::decode("the callee's Response", e)),
            _ => Ok(Response {
                status: ERROR,
                message: String::from_utf8_lossy(&reply.payload).into_owned(),
                payload: reply.payload,
            }),
        }
    }

    // ----- write batches -----

    /// Starts buffering writes in the stub when the peer offered write batches
    /// (Fabric 3.1); otherwise writes keep going out one by one.
    ///
    /// Buffered writes are sent by [`ChaincodeStub::finish_write_batch`] or,
    /// at the latest, when the transaction returns. The last write to a key
    /// wins. Reads do not see buffered writes (they would not see unbatched
    /// writes either).
    pub fn start_write_batch(&self) {
        if self.peer_params().write_batch.is_none() {
            return;
        }
        let mut local = self.local();
        if local.batch.is_none() {
            local.batch = Some(Box::default());
        }
    }

    /// Whether writes are being buffered in a batch.
    pub(crate) fn has_write_batch(&self) -> bool {
        self.local().batch.is_some()
    }

    /// Sends the buffered writes in WRITE_BATCH_STATE chunks of the peer's
    /// maximum size and stops buffering. Does nothing without a batch.
    pub async fn finish_write_batch(&self) -> Result<()> {
        let Some(batch) = self.local().batch.take() else {
            return Ok(());
        };
        let records = batch.into_records();
        let max = self
            .peer_params()
            .write_batch
            .unwrap_or(records.len())
            .max(1);
        for chunk in records.chunks(max) {
            let payload = encode_outgoing(&WriteBatchState {
                rec: chunk.to_vec(),
            });
            self.call(MessageType::WriteBatchState, payload).await?;
        }
        Ok(())
    }

    // ----- shared plumbing -----

    // `read_value` and `write` encode their request when called and return
    // the call's future (through combinators, which hold it once): an `async`
    // function or block would keep its arguments, or the call's future, a
    // second time in its state, and that state is part of every contract's
    // future. Their callers await them at once.

    fn read_value(
        &self,
        collection: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<Bytes>>> + Send + '_ {
        // GetState {key = 1, collection = 2}, without copying the key.
        let payload = encode_fields(&[(1, key.as_bytes()), (2, collection.as_bytes())]);
        self.call(MessageType::GetState, payload)
            .map(|reply| reply.map(|bytes| (!bytes.is_empty()).then_some(bytes)))
    }

    async fn read_values<S: AsRef<str>>(
        &self,
        collection: &str,
        keys: &[S],
    ) -> Result<Vec<Option<Bytes>>> {
        let mut values = Vec::with_capacity(keys.len());
        let Some(max) = self.peer_params().get_multiple else {
            for key in keys {
                values.push(self.read_value(collection, key.as_ref()).await?);
            }
            return Ok(values);
        };
        for chunk in keys.chunks(max) {
            let payload = encode_outgoing(&GetStateMultiple {
                keys: chunk.iter().map(|k| k.as_ref().to_owned()).collect(),
                collection: collection.to_owned(),
            });
            let bytes = self.call(MessageType::GetStateMultiple, payload).await?;
            let result = GetStateMultipleResult::decode(bytes)
                .map_err(|e| Error::decode("GetStateMultipleResult", e))?;
            if result.values.len() != chunk.len() {
                return Err(Error::Protocol(format!(
                    "GET_STATE_MULTIPLE asked for {} keys and got {} values",
                    chunk.len(),
                    result.values.len()
                )));
            }
            values.extend(
                result
                    .values
                    .into_iter()
                    .map(|v| (!v.is_empty()).then_some(v)),
            );
        }
        Ok(values)
    }

    async fn read_validation_parameter(
        &self,
        collection: &str,
        key: &str,
    ) -> Result<Option<Bytes>> {
        let payload = encode_outgoing(&GetStateMetadata {
            key: key.to_owned(),
            collection: collection.to_owned(),
        });
        let bytes = self.call(MessageType::GetStateMetadata, payload).await?;
        let result = StateMetadataResult::decode(bytes)
            .map_err(|e| Error::decode("StateMetadataResult", e))?;
        Ok(result
            .entries
            .into_iter()
            .find(|e| e.metakey == validation_parameter_key())
            .map(|e| e.value))
    }

    /// A write, buffered when a write batch is active.
    fn write(
        &self,
        ty: WriteType,
        collection: &str,
        key: &str,
        value: Bytes,
        metadata: Option<StateMetadata>,
    ) -> impl Future<Output = Result<()>> + Send + '_ {
        match self.write_request(ty, collection, key, value, metadata) {
            Some((message, payload)) => {
                Either::Left(self.call(message, payload).map(|r| r.map(drop)))
            }
            None => Either::Right(std::future::ready(Ok(()))),
        }
    }

    /// The request of a write, or `None` when a write batch takes it.
    fn write_request(
        &self,
        ty: WriteType,
        collection: &str,
        key: &str,
        value: Bytes,
        metadata: Option<StateMetadata>,
    ) -> Option<(MessageType, Bytes)> {
        {
            let mut local = self.local();
            if let Some(batch) = local.batch.as_mut() {
                batch.push(WriteRecord {
                    key: key.to_owned(),
                    value,
                    collection: collection.to_owned(),
                    metadata,
                    r#type: ty as i32,
                });
                return None;
            }
        }
        // PutState {key = 1, value = 2, collection = 3}; DelState (also what
        // the peer decodes PURGE_PRIVATE_DATA as) {key = 1, collection = 2}.
        let (k, c) = (key.as_bytes(), collection.as_bytes());
        let (message, payload) = match ty {
            WriteType::PutState => (
                MessageType::PutState,
                encode_fields(&[(1, k), (2, &value), (3, c)]),
            ),
            WriteType::DelState => (MessageType::DelState, encode_fields(&[(1, k), (2, c)])),
            WriteType::PurgePrivateData => (
                MessageType::PurgePrivateData,
                encode_fields(&[(1, k), (2, c)]),
            ),
            WriteType::PutStateMetadata => (
                MessageType::PutStateMetadata,
                encode_outgoing(&PutStateMetadata {
                    key: key.to_owned(),
                    collection: collection.to_owned(),
                    metadata,
                }),
            ),
            WriteType::Undefined => unreachable!("write() is only called with a defined type"),
        };
        Some((message, payload))
    }

    async fn range(
        &self,
        collection: &str,
        start_key: &str,
        end_key: &str,
        page: Option<QueryMetadata>,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let payload = encode_outgoing(&GetStateByRange {
            start_key: start_key.to_owned(),
            end_key: end_key.to_owned(),
            collection: collection.to_owned(),
            metadata: page.map(|p| encode_outgoing(&p)).unwrap_or_default(),
        });
        let bytes = self.call(MessageType::GetStateByRange, payload).await?;
        self.iterator(bytes)
    }

    async fn query(
        &self,
        collection: &str,
        query: &str,
        page: Option<QueryMetadata>,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let payload = encode_outgoing(&GetQueryResult {
            query: query.to_owned(),
            collection: collection.to_owned(),
            metadata: page.map(|p| encode_outgoing(&p)).unwrap_or_default(),
        });
        let bytes = self.call(MessageType::GetQueryResult, payload).await?;
        self.iterator(bytes)
    }

    fn iterator(&self, bytes: Bytes) -> Result<(StateQueryIterator, QueryResponseMetadata)> {
        let response =
            QueryResponse::decode(bytes).map_err(|e| Error::decode("QueryResponse", e))?;
        let metadata = QueryResponseMetadata::decode(response.metadata.clone())
            .map_err(|e| Error::decode("QueryResponseMetadata", e))?;
        Ok((QueryIterator::new(self.clone(), response), metadata))
    }
}

fn range_start(start_key: &str) -> &str {
    if start_key.is_empty() {
        EMPTY_KEY_SUBSTITUTE
    } else {
        start_key
    }
}

fn page(page_size: i32, bookmark: &str) -> QueryMetadata {
    QueryMetadata {
        page_size,
        bookmark: bookmark.to_owned(),
    }
}

fn require_collection(collection: &str) -> Result<()> {
    if collection.is_empty() {
        return Err(Error::InvalidArgument(
            "collection must not be an empty string".into(),
        ));
    }
    Ok(())
}
