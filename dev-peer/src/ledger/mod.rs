//! The ledger: world state, private data, state metadata and history of every
//! channel and chaincode, over an ordered key-value store.
//!
//! Keys sort by their raw UTF-8 bytes, as in Fabric's LevelDB state database,
//! so ranges and composite-key queries return what a real peer returns.

mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fabric_chaincode_shim::proto::protos::{StateMetadata, StateMetadataResult};
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

/// The world state and history of every channel.
pub struct Ledger {
    kv: Arc<dyn Kv>,
    commit: Mutex<()>,
}

const HEIGHT_KEY: &[u8] = b"height";
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

    /// Applies a transaction's writes atomically and records history.
    pub fn commit(
        &self,
        txid: &str,
        timestamp: Option<prost_types::Timestamp>,
        writes: &WriteSet,
    ) -> Result<u64> {
        let _guard = self.commit.lock().unwrap_or_else(|e| e.into_inner());
        let height = self.height()? + 1;
        let mut ops: Vec<Op> = Vec::new();
        for ((space, key), write) in &writes.values {
            let store_key = space.key(key);
            match write {
                Write::Put(value) if !value.is_empty() => {
                    ops.push((space.table(), store_key, Some(value.to_vec())));
                }
                // An empty value is a delete, as on a real peer.
                Write::Put(_) | Write::Delete | Write::Purge => {
                    ops.push((space.table(), store_key.clone(), None));
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
                    tx_id: txid.to_owned(),
                    value,
                    timestamp,
                    is_delete,
                };
                let mut history_key = space.history_prefix(key);
                history_key.extend_from_slice(&height.to_be_bytes());
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
                ops.push((Table::Metadata, store_key, None));
            } else {
                ops.push((
                    Table::Metadata,
                    store_key,
                    Some(StateMetadataResult { entries }.encode_to_vec()),
                ));
            }
        }
        ops.push((
            Table::System,
            HEIGHT_KEY.to_vec(),
            Some(height.to_be_bytes().to_vec()),
        ));
        self.kv.apply(ops)?;
        Ok(height)
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
