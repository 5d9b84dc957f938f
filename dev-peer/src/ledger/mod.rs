//! The ledger: world state, private data, state metadata and history of every
//! channel and chaincode, over an ordered key-value store.
//!
//! Keys sort by their raw UTF-8 bytes, as in Fabric's LevelDB state database,
//! so ranges and composite-key queries return what a real peer returns.

mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fabric_chaincode_shim::proto::protos::{
    ChaincodeEvent, StateMetadata, StateMetadataResult, TxValidationCode,
};
use fabric_chaincode_shim::proto::queryresult::KeyModification;
use prost::Message;

pub use self::store::{Kv, MemoryKv, Op, RedbKv, Table};
use crate::error::{PeerError, Result};

/// Where a key lives: a chaincode's namespace on a channel, and a private
/// data collection or (empty) the public state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Space {
    /// Channel name.
    pub channel: String,
    /// Chaincode namespace.
    pub namespace: String,
    /// Private data collection; empty for public state.
    pub collection: String,
}

impl Space {
    /// The public state of `namespace` on `channel`.
    pub fn public(channel: &str, namespace: &str) -> Self {
        Space::private(channel, namespace, "")
    }

    /// Collection `collection` of `namespace` on `channel`.
    pub fn private(channel: &str, namespace: &str, collection: &str) -> Self {
        Space {
            channel: channel.to_owned(),
            namespace: namespace.to_owned(),
            collection: collection.to_owned(),
        }
    }

    fn table(&self) -> Table {
        if self.collection.is_empty() {
            Table::State
        } else {
            Table::Private
        }
    }

    /// Length-prefixed components, so that no key can escape its space.
    fn prefix(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(
            6 + self.channel.len() + self.namespace.len() + self.collection.len(),
        );
        for part in [&self.channel, &self.namespace, &self.collection] {
            p.extend_from_slice(&(part.len() as u16).to_be_bytes());
            p.extend_from_slice(part.as_bytes());
        }
        p
    }

    fn key(&self, key: &str) -> Vec<u8> {
        let mut k = self.prefix();
        k.extend_from_slice(key.as_bytes());
        k
    }

    fn history_prefix(&self, key: &str) -> Vec<u8> {
        let mut k = self.prefix();
        k.extend_from_slice(&(key.len() as u32).to_be_bytes());
        k.extend_from_slice(key.as_bytes());
        k
    }
}

/// A committed value change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Sets the value.
    Put(Bytes),
    /// Deletes the key (and its metadata).
    Delete,
    /// Deletes a private key and everything kept about it (Fabric 2.5 purge).
    Purge,
}

/// What a transaction changes, applied atomically by [`Ledger::commit`].
#[derive(Debug, Default, Clone)]
pub struct WriteSet {
    /// Value writes per space and key; later writes replace earlier ones.
    pub values: BTreeMap<(Space, String), Write>,
    /// Metadata writes per space and key (they replace the key's metadata).
    pub metadata: BTreeMap<(Space, String), Vec<StateMetadata>>,
}

impl WriteSet {
    /// Whether the transaction wrote nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.metadata.is_empty()
    }
}

/// The height of the transaction that last wrote a key: its block number
/// and its position in the block, as Fabric versions keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Block number.
    pub block: u64,
    /// Position of the transaction in its block.
    pub tx: u64,
}

impl Version {
    fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.block.to_be_bytes());
        b[8..].copy_from_slice(&self.tx.to_be_bytes());
        b
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        Some(Version {
            block: u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
            tx: u64::from_be_bytes(b.get(8..16)?.try_into().ok()?),
        })
    }
}

/// A range a transaction read, with what it saw, for phantom-read checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRead {
    /// Where.
    pub space: Space,
    /// First key (inclusive).
    pub start: String,
    /// End key (exclusive; empty: unbounded).
    pub end: String,
    /// The keys returned, with their versions.
    pub keys: Vec<(String, Version)>,
}

/// What a transaction read: each key with the version it had (`None`: it
/// did not exist), and the ranges it scanned.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadSet {
    /// Keys read, with their versions.
    pub keys: BTreeMap<(Space, String), Option<Version>>,
    /// Ranges scanned.
    pub ranges: Vec<RangeRead>,
}

/// One transaction of a block, as ordered.
#[derive(Debug, Clone)]
pub struct BlockTx {
    /// Transaction id.
    pub txid: String,
    /// The proposal's timestamp (kept in the key history).
    pub timestamp: Option<prost_types::Timestamp>,
    /// What its simulation read (checked against the state at commit).
    pub reads: ReadSet,
    /// What it writes, when valid.
    pub writes: WriteSet,
    /// The chaincode event it set, delivered when valid.
    pub event: Option<ChaincodeEvent>,
    /// `Valid`, or why it was found invalid before the state checks
    /// (e.g. an endorsement that does not verify).
    pub code: TxValidationCode,
}

impl BlockTx {
    /// A transaction with no read checks (a direct commit).
    pub fn unchecked(
        txid: &str,
        timestamp: Option<prost_types::Timestamp>,
        writes: WriteSet,
    ) -> Self {
        BlockTx {
            txid: txid.to_owned(),
            timestamp,
            reads: ReadSet::default(),
            writes,
            event: None,
            code: TxValidationCode::Valid,
        }
    }
}

/// Where and how a transaction was committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxStatus {
    /// Its block.
    pub block: u64,
    /// Its position in the block.
    pub tx: u64,
    /// Its validation code (`TxValidationCode`; 0 is valid).
    pub code: i32,
}

impl TxStatus {
    fn to_bytes(self) -> Vec<u8> {
        let mut b = Version {
            block: self.block,
            tx: self.tx,
        }
        .to_bytes()
        .to_vec();
        b.extend_from_slice(&self.code.to_be_bytes());
        b
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        let v = Version::from_bytes(b)?;
        Some(TxStatus {
            block: v.block,
            tx: v.tx,
            code: i32::from_be_bytes(b.get(16..20)?.try_into().ok()?),
        })
    }
}

/// A committed chaincode event with where it was committed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Block number.
    pub block: u64,
    /// Position of its transaction in the block.
    pub tx: u64,
    /// The event (chaincode id, tx id, name, payload).
    pub event: ChaincodeEvent,
}

/// What a block commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedBlock {
    /// The block's number.
    pub number: u64,
    /// The validation code of each transaction, in order.
    pub codes: Vec<TxValidationCode>,
}

/// The world state and history of every channel.
pub struct Ledger {
    kv: Arc<dyn Kv>,
    commit: Mutex<()>,
}

const HEIGHT_KEY: &[u8] = b"height";
/// Prefix of the number of the last block of each channel.
const BLOCK_KEY: &[u8] = b"block/";
/// Larger than any UTF-8 byte, so `prefix + END` bounds every key of a prefix.
const END: u8 = 0xFF;

impl Ledger {
    /// A ledger in memory.
    pub fn in_memory() -> Self {
        Ledger::new(Arc::new(MemoryKv::default()))
    }

    /// A ledger persisted in `dir/ledger.redb`.
    pub fn open(dir: &std::path::Path) -> Result<Self> {
        Ok(Ledger::new(Arc::new(RedbKv::open(
            &dir.join("ledger.redb"),
        )?)))
    }

    /// A ledger over any store.
    pub fn new(kv: Arc<dyn Kv>) -> Self {
        Ledger {
            kv,
            commit: Mutex::new(()),
        }
    }

    /// Number of transactions committed so far.
    pub fn height(&self) -> Result<u64> {
        Ok(self
            .kv
            .get(Table::System, HEIGHT_KEY)?
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// The committed value of a key.
    pub fn get(&self, space: &Space, key: &str) -> Result<Option<Bytes>> {
        Ok(self
            .kv
            .get(space.table(), &space.key(key))?
            .map(Bytes::from))
    }

    /// Committed keys in `[start, end)` (an empty `end` is unbounded), in key order, at most `limit`.
    pub fn range(
        &self,
        space: &Space,
        start: &str,
        end: &str,
        limit: usize,
    ) -> Result<Vec<(String, Bytes)>> {
        let prefix = space.prefix();
        let lo = space.key(start);
        let hi = if end.is_empty() {
            let mut hi = prefix.clone();
            hi.push(END);
            hi
        } else {
            space.key(end)
        };
        self.kv
            .scan(space.table(), &lo, &hi, limit)?
            .into_iter()
            .map(|(k, v)| {
                let key = String::from_utf8(k[prefix.len()..].to_vec())
                    .map_err(|_| PeerError::Storage("a stored key is not UTF-8".into()))?;
                Ok((key, Bytes::from(v)))
            })
            .collect()
    }

    /// The committed metadata of a key.
    pub fn metadata(&self, space: &Space, key: &str) -> Result<Vec<StateMetadata>> {
        match self.kv.get(Table::Metadata, &space.key(key))? {
            None => Ok(Vec::new()),
            Some(bytes) => Ok(StateMetadataResult::decode(bytes.as_slice())
                .map_err(|e| PeerError::Storage(format!("corrupt metadata: {e}")))?
                .entries),
        }
    }

    /// The committed modifications of a public key, newest first.
    pub fn history(&self, space: &Space, key: &str) -> Result<Vec<KeyModification>> {
        let lo = space.history_prefix(key);
        let mut hi = lo.clone();
        hi.push(END);
        let mut entries = self
            .kv
            .scan(Table::History, &lo, &hi, usize::MAX)?
            .into_iter()
            .map(|(_, v)| {
                KeyModification::decode(v.as_slice())
                    .map_err(|e| PeerError::Storage(format!("corrupt history: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        entries.reverse();
        Ok(entries)
    }

    /// Applies a transaction's writes atomically and records history, as a
    /// block of one transaction on the channel of its writes; returns the
    /// number of transactions committed so far.
    pub fn commit(
        &self,
        txid: &str,
        timestamp: Option<prost_types::Timestamp>,
        writes: &WriteSet,
    ) -> Result<u64> {
        let channel = writes
            .values
            .keys()
            .map(|(space, _)| space.channel.clone())
            .chain(
                writes
                    .metadata
                    .keys()
                    .map(|(space, _)| space.channel.clone()),
            )
            .next()
            .unwrap_or_default();
        self.commit_block(
            &channel,
            vec![BlockTx::unchecked(txid, timestamp, writes.clone())],
        )?;
        self.height()
    }

    /// The version of a key with a value.
    pub fn version(&self, space: &Space, key: &str) -> Result<Option<Version>> {
        Ok(self
            .kv
            .get(Table::Versions, &space.key(key))?
            .and_then(|b| Version::from_bytes(&b)))
    }

    /// The versions of the keys of `space` in `[start, end)` (an empty `end`
    /// is unbounded), in key order.
    pub fn versions_in_range(
        &self,
        space: &Space,
        start: &str,
        end: &str,
    ) -> Result<BTreeMap<String, Version>> {
        let prefix = space.prefix();
        let lo = space.key(start);
        let hi = if end.is_empty() {
            let mut hi = prefix.clone();
            hi.push(END);
            hi
        } else {
            space.key(end)
        };
        let mut out = BTreeMap::new();
        for (k, v) in self.kv.scan(Table::Versions, &lo, &hi, usize::MAX)? {
            if let (Ok(key), Some(version)) = (
                String::from_utf8(k[prefix.len()..].to_vec()),
                Version::from_bytes(&v),
            ) {
                out.insert(key, version);
            }
        }
        Ok(out)
    }

    /// The number of the last block of `channel` (0, the genesis block,
    /// before any transaction).
    pub fn last_block(&self, channel: &str) -> Result<u64> {
        Ok(self
            .kv
            .get(Table::System, &block_key(channel))?
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Where and how transaction `txid` was committed on `channel` (the
    /// first time, if it was ordered more than once).
    pub fn transaction(&self, channel: &str, txid: &str) -> Result<Option<TxStatus>> {
        Ok(self
            .kv
            .get(Table::Transactions, &tx_key(channel, txid))?
            .and_then(|b| TxStatus::from_bytes(&b)))
    }

    /// The chaincode events of valid transactions of `channel` in blocks
    /// `from_block..=to_block`, in commit order.
    pub fn events(
        &self,
        channel: &str,
        from_block: u64,
        to_block: u64,
    ) -> Result<Vec<StoredEvent>> {
        if from_block > to_block {
            return Ok(Vec::new());
        }
        let lo = event_key(
            channel,
            Version {
                block: from_block,
                tx: 0,
            },
        );
        let hi = match to_block.checked_add(1) {
            Some(next) => event_key(channel, Version { block: next, tx: 0 }),
            None => {
                let mut hi = channel_prefix(channel);
                hi.push(END);
                hi
            }
        };
        let prefix_len = channel_prefix(channel).len();
        self.kv
            .scan(Table::Events, &lo, &hi, usize::MAX)?
            .into_iter()
            .map(|(k, v)| {
                let at = Version::from_bytes(&k[prefix_len..])
                    .ok_or_else(|| PeerError::Storage("corrupt event key".into()))?;
                let event = ChaincodeEvent::decode(v.as_slice())
                    .map_err(|e| PeerError::Storage(format!("corrupt event: {e}")))?;
                Ok(StoredEvent {
                    block: at.block,
                    tx: at.tx,
                    event,
                })
            })
            .collect()
    }

    /// Validates and commits a block of transactions on `channel`, as a
    /// Fabric committer does: a transaction whose id was already ordered is
    /// `DuplicateTxid`; one that read a key whose version has changed since
    /// (by an earlier block or an earlier transaction of this block) is
    /// `MvccReadConflict`; one whose range read would now return other keys
    /// is `PhantomReadConflict`. Only valid transactions change the state;
    /// every transaction is indexed with its code. All of it is atomic.
    pub fn commit_block(&self, channel: &str, txs: Vec<BlockTx>) -> Result<CommittedBlock> {
        let _guard = self.commit.lock().unwrap_or_else(|e| e.into_inner());
        let number = self.last_block(channel)? + 1;
        let mut sequence = self.height()?;
        let mut ops: Vec<Op> = Vec::new();
        // Versions changed by earlier transactions of this block (None: deleted).
        let mut overlay: BTreeMap<(Space, String), Option<Version>> = BTreeMap::new();
        let mut ordered: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut codes = Vec::with_capacity(txs.len());
        for (position, tx) in txs.into_iter().enumerate() {
            let at = Version {
                block: number,
                tx: position as u64,
            };
            let seen_before =
                !ordered.insert(tx.txid.clone()) || self.transaction(channel, &tx.txid)?.is_some();
            let code = if tx.code != TxValidationCode::Valid {
                tx.code
            } else if seen_before {
                TxValidationCode::DuplicateTxid
            } else {
                self.check_reads(&tx.reads, &overlay)?
            };
            codes.push(code);
            if !seen_before {
                ops.push((
                    Table::Transactions,
                    tx_key(channel, &tx.txid),
                    Some(
                        TxStatus {
                            block: number,
                            tx: at.tx,
                            code: code as i32,
                        }
                        .to_bytes(),
                    ),
                ));
            }
            if code != TxValidationCode::Valid {
                continue;
            }
            sequence += 1;
            self.write_ops(&tx, at, sequence, &mut ops, &mut overlay);
            if let Some(event) = &tx.event {
                ops.push((
                    Table::Events,
                    event_key(channel, at),
                    Some(event.encode_to_vec()),
                ));
            }
        }
        ops.push((
            Table::System,
            HEIGHT_KEY.to_vec(),
            Some(sequence.to_be_bytes().to_vec()),
        ));
        ops.push((
            Table::System,
            block_key(channel),
            Some(number.to_be_bytes().to_vec()),
        ));
        self.kv.apply(ops)?;
        Ok(CommittedBlock { number, codes })
    }

    /// The version a key has now, counting earlier transactions of the block.
    fn current_version(
        &self,
        overlay: &BTreeMap<(Space, String), Option<Version>>,
        space: &Space,
        key: &str,
    ) -> Result<Option<Version>> {
        match overlay.get(&(space.clone(), key.to_owned())) {
            Some(v) => Ok(*v),
            None => self.version(space, key),
        }
    }

    fn check_reads(
        &self,
        reads: &ReadSet,
        overlay: &BTreeMap<(Space, String), Option<Version>>,
    ) -> Result<TxValidationCode> {
        for ((space, key), read) in &reads.keys {
            if self.current_version(overlay, space, key)? != *read {
                return Ok(TxValidationCode::MvccReadConflict);
            }
        }
        for range in &reads.ranges {
            let mut now = self.versions_in_range(&range.space, &range.start, &range.end)?;
            for ((space, key), version) in overlay {
                let inside = *space == range.space
                    && key.as_str() >= range.start.as_str()
                    && (range.end.is_empty() || key.as_str() < range.end.as_str());
                if inside {
                    match version {
                        Some(v) => now.insert(key.clone(), *v),
                        None => now.remove(key),
                    };
                }
            }
            let saw: BTreeMap<String, Version> = range.keys.iter().cloned().collect();
            if now != saw {
                return Ok(TxValidationCode::PhantomReadConflict);
            }
        }
        Ok(TxValidationCode::Valid)
    }

    /// The store changes of one valid transaction at version `at`.
    fn write_ops(
        &self,
        tx: &BlockTx,
        at: Version,
        sequence: u64,
        ops: &mut Vec<Op>,
        overlay: &mut BTreeMap<(Space, String), Option<Version>>,
    ) {
        let writes = &tx.writes;
        for ((space, key), write) in &writes.values {
            let store_key = space.key(key);
            match write {
                Write::Put(value) if !value.is_empty() => {
                    ops.push((space.table(), store_key.clone(), Some(value.to_vec())));
                    ops.push((Table::Versions, store_key, Some(at.to_bytes().to_vec())));
                    overlay.insert((space.clone(), key.clone()), Some(at));
                }
                // An empty value is a delete, as on a real peer.
                Write::Put(_) | Write::Delete | Write::Purge => {
                    ops.push((space.table(), store_key.clone(), None));
                    ops.push((Table::Versions, store_key.clone(), None));
                    overlay.insert((space.clone(), key.clone()), None);
                    if !writes.metadata.contains_key(&(space.clone(), key.clone())) {
                        ops.push((Table::Metadata, store_key, None));
                    }
                }
            }
            if space.collection.is_empty() {
                let (value, is_delete) = match write {
                    Write::Put(v) if !v.is_empty() => (v.clone(), false),
                    _ => (Bytes::new(), true),
                };
                let entry = KeyModification {
                    tx_id: tx.txid.clone(),
                    value,
                    timestamp: tx.timestamp,
                    is_delete,
                };
                let mut history_key = space.history_prefix(key);
                history_key.extend_from_slice(&sequence.to_be_bytes());
                ops.push((Table::History, history_key, Some(entry.encode_to_vec())));
            }
        }
        for ((space, key), entries) in &writes.metadata {
            let store_key = space.key(key);
            let entries: Vec<StateMetadata> = entries
                .iter()
                .filter(|e| !e.value.is_empty())
                .cloned()
                .collect();
            if entries.is_empty() {
                ops.push((Table::Metadata, store_key.clone(), None));
            } else {
                ops.push((
                    Table::Metadata,
                    store_key.clone(),
                    Some(StateMetadataResult { entries }.encode_to_vec()),
                ));
            }
            // A metadata update versions the key, as Fabric's state database
            // stores metadata with the value.
            if !matches!(
                writes.values.get(&(space.clone(), key.clone())),
                Some(Write::Delete | Write::Purge)
            ) && (writes.values.contains_key(&(space.clone(), key.clone()))
                || self.version(space, key).ok().flatten().is_some())
            {
                ops.push((Table::Versions, store_key, Some(at.to_bytes().to_vec())));
                overlay.insert((space.clone(), key.clone()), Some(at));
            }
        }
    }

    /// Every space that holds keys on `channel` (for state dumps).
    pub fn dump(&self, channel: &str) -> Result<Vec<(Space, String, Bytes)>> {
        let mut out = Vec::new();
        for table in [Table::State, Table::Private] {
            let mut lo = Vec::new();
            lo.extend_from_slice(&(channel.len() as u16).to_be_bytes());
            lo.extend_from_slice(channel.as_bytes());
            let mut hi = lo.clone();
            hi.push(END);
            for (k, v) in self.kv.scan(table, &lo, &hi, usize::MAX)? {
                if let Some((space, key)) = decode_key(&k) {
                    out.push((space, key, Bytes::from(v)));
                }
            }
        }
        Ok(out)
    }
}

fn decode_key(k: &[u8]) -> Option<(Space, String)> {
    let mut parts = Vec::with_capacity(3);
    let mut rest = k;
    for _ in 0..3 {
        let len = u16::from_be_bytes(rest.get(..2)?.try_into().ok()?) as usize;
        parts.push(String::from_utf8(rest.get(2..2 + len)?.to_vec()).ok()?);
        rest = &rest[2 + len..];
    }
    let key = String::from_utf8(rest.to_vec()).ok()?;
    let collection = parts.pop()?;
    let namespace = parts.pop()?;
    let channel = parts.pop()?;
    Some((
        Space {
            channel,
            namespace,
            collection,
        },
        key,
    ))
}

/// Length-prefixed channel name, the start of its keys in the per-channel tables.
fn channel_prefix(channel: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(2 + channel.len());
    p.extend_from_slice(&(channel.len() as u16).to_be_bytes());
    p.extend_from_slice(channel.as_bytes());
    p
}

fn block_key(channel: &str) -> Vec<u8> {
    let mut k = BLOCK_KEY.to_vec();
    k.extend_from_slice(channel.as_bytes());
    k
}

fn tx_key(channel: &str, txid: &str) -> Vec<u8> {
    let mut k = channel_prefix(channel);
    k.extend_from_slice(txid.as_bytes());
    k
}

fn event_key(channel: &str, at: Version) -> Vec<u8> {
    let mut k = channel_prefix(channel);
    k.extend_from_slice(&at.to_bytes());
    k
}
