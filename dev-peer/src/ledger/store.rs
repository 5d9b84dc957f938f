//! The key-value stores under the ledger: in memory, or persistent in redb.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use crate::error::{PeerError, Result};

/// The tables of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Public world state: value per key.
    State,
    /// Private data collections: value per key.
    Private,
    /// State metadata (validation parameters), public and private.
    Metadata,
    /// Key history: one entry per committed write.
    History,
    /// Ledger bookkeeping (height, block numbers).
    System,
    /// The version (block and transaction number) of every key with a value.
    Versions,
    /// Every transaction ordered: its block, position and validation code.
    Transactions,
    /// Chaincode events of valid transactions, by block and position.
    Events,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 8] = [
        Table::State,
        Table::Private,
        Table::Metadata,
        Table::History,
        Table::System,
        Table::Versions,
        Table::Transactions,
        Table::Events,
    ];

    /// The table's name in persistent stores.
    pub fn name(self) -> &'static str {
        match self {
            Table::State => "state",
            Table::Private => "private",
            Table::Metadata => "metadata",
            Table::History => "history",
            Table::System => "system",
            Table::Versions => "versions",
            Table::Transactions => "transactions",
            Table::Events => "events",
        }
    }
}

/// One change of a commit: `None` deletes the key.
pub type Op = (Table, Vec<u8>, Option<Vec<u8>>);

/// An ordered key-value store with atomic multi-table commits.
pub trait Kv: Send + Sync + 'static {
    /// The value of `key`.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Entries with `start <= key < end` in key order, at most `limit`.
    fn scan(
        &self,
        table: Table,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// Applies all changes atomically.
    fn apply(&self, ops: Vec<Op>) -> Result<()>;
}

type Tables = BTreeMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

/// A store in memory, lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryKv {
    tables: Mutex<Tables>,
}

impl MemoryKv {
    fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Kv for MemoryKv {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.tables().get(&table).and_then(|t| t.get(key).cloned()))
    }

    fn scan(
        &self,
        table: Table,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let tables = self.tables();
        let Some(t) = tables.get(&table) else {
            return Ok(Vec::new());
        };
        if start >= end {
            return Ok(Vec::new());
        }
        Ok(
            t.range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)))
                .take(limit)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    fn apply(&self, ops: Vec<Op>) -> Result<()> {
        let mut tables = self.tables();
        for (table, key, value) in ops {
            let t = tables.entry(table).or_default();
            match value {
                Some(v) => {
                    t.insert(key, v);
                }
                None => {
                    t.remove(&key);
                }
            }
        }
        Ok(())
    }
}

/// A store in a redb database file, which survives restarts.
pub struct RedbKv {
    db: redb::Database,
}

fn definition(table: Table) -> redb::TableDefinition<'static, &'static [u8], &'static [u8]> {
    redb::TableDefinition::new(table.name())
}

fn storage(e: impl std::fmt::Display) -> PeerError {
    PeerError::Storage(e.to_string())
}

impl RedbKv {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| PeerError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        }
        let db = redb::Database::create(path).map_err(|e| {
            PeerError::Storage(format!(
                "cannot open the ledger database {}: {e}",
                path.display()
            ))
        })?;
        let tx = db.begin_write().map_err(storage)?;
        for table in Table::ALL {
            tx.open_table(definition(table)).map_err(storage)?;
        }
        tx.commit().map_err(storage)?;
        Ok(RedbKv { db })
    }
}

impl Kv for RedbKv {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        use redb::ReadableDatabase;
        let tx = self.db.begin_read().map_err(storage)?;
        let t = tx.open_table(definition(table)).map_err(storage)?;
        Ok(t.get(key).map_err(storage)?.map(|v| v.value().to_vec()))
    }

    fn scan(
        &self,
        table: Table,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        use redb::ReadableDatabase;
        if start >= end {
            return Ok(Vec::new());
        }
        let tx = self.db.begin_read().map_err(storage)?;
        let t = tx.open_table(definition(table)).map_err(storage)?;
        let mut out = Vec::new();
        for entry in t.range::<&[u8]>(start..end).map_err(storage)? {
            if out.len() >= limit {
                break;
            }
            let (k, v) = entry.map_err(storage)?;
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }

    fn apply(&self, ops: Vec<Op>) -> Result<()> {
        let tx = self.db.begin_write().map_err(storage)?;
        {
            let mut open: BTreeMap<Table, redb::Table<'_, &'static [u8], &'static [u8]>> =
                BTreeMap::new();
            for (table, key, value) in &ops {
                if !open.contains_key(table) {
                    open.insert(*table, tx.open_table(definition(*table)).map_err(storage)?);
                }
                let t = open.get_mut(table).expect("opened above");
                match value {
                    Some(v) => {
                        t.insert(key.as_slice(), v.as_slice()).map_err(storage)?;
                    }
                    None => {
                        t.remove(key.as_slice()).map_err(storage)?;
                    }
                }
            }
        }
        tx.commit().map_err(storage)
    }
}
