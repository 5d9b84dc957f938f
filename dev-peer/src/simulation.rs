//! Transaction simulation: what a transaction reads, writes and queries, with
//! the peer's rules. Reads see committed state only (not the transaction's own
//! writes), exactly as on a Fabric peer.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use fabric_chaincode_shim::proto::protos::{
    QueryResponse, QueryResponseMetadata, QueryResultBytes, StateMetadata,
};
use fabric_chaincode_shim::proto::queryresult::Kv;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::error::{PeerError, Result};
use crate::ledger::{Ledger, RangeRead, ReadSet, Space, Write, WriteSet};
use crate::richquery::{Page, RichQuery};

/// Results per QueryResponse, as the peer's `MaxResultLimit`.
pub const QUERY_BATCH: usize = 100;
/// Most results one query may return (`ledger.state.totalQueryLimit`).
pub const TOTAL_QUERY_LIMIT: usize = 100_000;
/// Results a peer asks CouchDB for per request
/// (`ledger.state.couchDBConfig.internalQueryLimit`).
pub const INTERNAL_QUERY_LIMIT: u32 = 1000;

/// One transaction's simulation, shared by every chaincode it calls on its channel.
pub struct Simulation {
    ledger: Arc<Ledger>,
    channel: String,
    txid: String,
    /// Writes are refused (a call to a chaincode on another channel).
    read_only: bool,
    reads: ReadSet,
    writes: WriteSet,
    write_performed: bool,
    paginated_query_performed: bool,
    private_query_performed: bool,
    iterators: HashMap<String, VecDeque<QueryResultBytes>>,
    next_iterator: u64,
}

impl Simulation {
    /// A fresh simulation of transaction `txid` on `channel`.
    pub fn new(ledger: Arc<Ledger>, channel: &str, txid: &str, read_only: bool) -> Self {
        Simulation {
            ledger,
            channel: channel.to_owned(),
            txid: txid.to_owned(),
            read_only,
            reads: ReadSet::default(),
            writes: WriteSet::default(),
            write_performed: false,
            paginated_query_performed: false,
            private_query_performed: false,
            iterators: HashMap::new(),
            next_iterator: 0,
        }
    }

    /// The channel simulated on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The writes so far.
    pub fn writes(&self) -> &WriteSet {
        &self.writes
    }

    /// Takes the writes, for commit.
    pub fn take_writes(&mut self) -> WriteSet {
        std::mem::take(&mut self.writes)
    }

    /// What the transaction read so far: keys with their versions, and the
    /// public ranges it scanned (rich queries are not recorded, as in Fabric).
    pub fn reads(&self) -> &ReadSet {
        &self.reads
    }

    /// Takes the reads, for validation at commit.
    pub fn take_reads(&mut self) -> ReadSet {
        std::mem::take(&mut self.reads)
    }

    /// Records the version a key has when first read.
    fn record_read(&mut self, space: &Space, key: &str) -> Result<()> {
        let entry = (space.clone(), key.to_owned());
        if !self.reads.keys.contains_key(&entry) {
            let version = self.ledger.version(space, key)?;
            self.reads.keys.insert(entry, version);
        }
        Ok(())
    }

    fn space(&self, namespace: &str, collection: &str) -> Space {
        Space::private(&self.channel, namespace, collection)
    }

    fn unsupported(&self, what: &str) -> PeerError {
        PeerError::Rejected(format!(
            "txid [{}]: unsuppored transaction. {what}",
            self.txid
        ))
    }

    /// The committed value of a key (recorded as read).
    pub fn get(&mut self, namespace: &str, collection: &str, key: &str) -> Result<Option<Bytes>> {
        let space = self.space(namespace, collection);
        self.record_read(&space, key)?;
        self.ledger.get(&space, key)
    }

    /// SHA-256 of a committed private value.
    pub fn private_hash(
        &mut self,
        namespace: &str,
        collection: &str,
        key: &str,
    ) -> Result<Option<Bytes>> {
        Ok(self
            .get(namespace, collection, key)?
            .map(|v| Bytes::copy_from_slice(&Sha256::digest(&v))))
    }

    /// The committed metadata of a key.
    pub fn metadata(
        &mut self,
        namespace: &str,
        collection: &str,
        key: &str,
    ) -> Result<Vec<StateMetadata>> {
        let space = self.space(namespace, collection);
        self.record_read(&space, key)?;
        self.ledger.metadata(&space, key)
    }

    fn check_write(&mut self) -> Result<()> {
        if self.read_only {
            return Err(PeerError::Rejected(
                "writes are not allowed in a chaincode called on another channel".into(),
            ));
        }
        if self.private_query_performed {
            return Err(self.unsupported(
                "Transaction has already performed queries on pvt data. Writes are not allowed",
            ));
        }
        if self.paginated_query_performed {
            return Err(self.unsupported(
                "Transaction has already performed a paginated query. Writes are not allowed",
            ));
        }
        self.write_performed = true;
        Ok(())
    }

    /// Records a value write (an empty value is a delete at commit).
    pub fn put(
        &mut self,
        namespace: &str,
        collection: &str,
        key: &str,
        write: Write,
    ) -> Result<()> {
        self.check_write()?;
        if let Write::Purge = write
            && collection.is_empty()
        {
            return Err(PeerError::Rejected(
                "collection must not be empty for a purge".into(),
            ));
        }
        let space = self.space(namespace, collection);
        self.writes.values.insert((space, key.to_owned()), write);
        Ok(())
    }

    /// Records a metadata write.
    pub fn put_metadata(
        &mut self,
        namespace: &str,
        collection: &str,
        key: &str,
        entry: StateMetadata,
    ) -> Result<()> {
        self.check_write()?;
        let space = self.space(namespace, collection);
        self.writes
            .metadata
            .insert((space, key.to_owned()), vec![entry]);
        Ok(())
    }

    fn before_paginated(&mut self) -> Result<()> {
        if self.write_performed {
            return Err(
                self.unsupported("Paginated queries are supported only in a read-only transaction")
            );
        }
        self.paginated_query_performed = true;
        Ok(())
    }

    fn before_private_query(&mut self) -> Result<()> {
        if self.write_performed {
            return Err(self
                .unsupported("Queries on pvt data is supported only in a read-only transaction"));
        }
        self.private_query_performed = true;
        Ok(())
    }

    /// A range query; pagination applies to public state only (as on a peer).
    pub fn range(
        &mut self,
        namespace: &str,
        collection: &str,
        start: &str,
        end: &str,
        page: Option<(i32, String)>,
    ) -> Result<QueryResponse> {
        let space = self.space(namespace, collection);
        if !collection.is_empty() {
            self.before_private_query()?;
            let rows = self.ledger.range(&space, start, end, TOTAL_QUERY_LIMIT)?;
            return Ok(self.open_iterator(kvs(namespace, rows), None));
        }
        match page {
            None => {
                let rows = self.ledger.range(&space, start, end, TOTAL_QUERY_LIMIT)?;
                // For the phantom-read check at commit.
                let keys = self.ledger.versions_in_range(&space, start, end)?;
                self.reads.ranges.push(RangeRead {
                    space: space.clone(),
                    start: start.to_owned(),
                    end: end.to_owned(),
                    keys: keys.into_iter().collect(),
                });
                Ok(self.open_iterator(kvs(namespace, rows), None))
            }
            Some((page_size, bookmark)) => {
                self.before_paginated()?;
                let start = if bookmark.is_empty() {
                    start.to_owned()
                } else {
                    bookmark
                };
                let limit = if page_size > 0 {
                    page_size as usize
                } else {
                    TOTAL_QUERY_LIMIT
                };
                let mut rows = self
                    .ledger
                    .range(&space, &start, end, limit.saturating_add(1))?;
                // The bookmark is the first key of the next page, or "" at the end.
                let bookmark = if rows.len() > limit {
                    rows.pop().map(|(k, _)| k).unwrap_or_default()
                } else {
                    String::new()
                };
                let metadata = QueryResponseMetadata {
                    fetched_records_count: rows.len() as i32,
                    bookmark,
                };
                Ok(self.open_iterator(kvs(namespace, rows), Some(metadata)))
            }
        }
    }

    /// A rich query (CouchDB Mango subset, see [`crate::richquery`]), run as a
    /// Fabric peer runs it against CouchDB (`statecouchdb.go`,
    /// `ExecuteQueryWithPagination` and its `queryScanner`): the query's
    /// `limit` is replaced on every request, by [`INTERNAL_QUERY_LIMIT`] or
    /// what remains of the page size; the page's bookmark (when not empty)
    /// replaces the query's; the query's `skip` is sent unchanged with every
    /// request; another request follows as long as the last one came back
    /// full. A query without pagination is one with page size 0.
    pub fn rich_query(
        &mut self,
        namespace: &str,
        collection: &str,
        query: &str,
        page: Option<(i32, String)>,
    ) -> Result<QueryResponse> {
        if !collection.is_empty() {
            self.before_private_query()?;
        }
        let paginate = collection.is_empty() && page.is_some();
        if paginate {
            self.before_paginated()?;
        }
        let parsed =
            RichQuery::parse_fabric(query).map_err(|e| PeerError::Rejected(e.to_string()))?;
        let space = self.space(namespace, collection);
        let rows = self.ledger.range(&space, "", "", usize::MAX)?;
        let (requested, mut bookmark) = match page {
            Some((size, bookmark)) if paginate => (u32::try_from(size).unwrap_or(0), bookmark),
            _ => (0, String::new()),
        };
        // The handler stops at the page size, or at the total query limit.
        let total_limit = match requested {
            0 => TOTAL_QUERY_LIMIT,
            size => TOTAL_QUERY_LIMIT.min(size as usize),
        };
        let mut results = Vec::new();
        loop {
            let batch = match requested {
                0 => INTERNAL_QUERY_LIMIT,
                size => INTERNAL_QUERY_LIMIT.min(size - results.len() as u32),
            };
            let reply = parsed
                .execute(
                    rows.iter().map(|(k, v)| (k.as_str(), v.as_ref())),
                    Page {
                        page_size: batch,
                        bookmark,
                    },
                )
                .map_err(|e| PeerError::Rejected(e.to_string()))?;
            bookmark = reply.bookmark;
            let full = reply.results.len() == INTERNAL_QUERY_LIMIT as usize;
            results.extend(reply.results);
            if !full || results.len() >= total_limit {
                break;
            }
        }
        results.truncate(total_limit);
        let metadata = paginate.then_some(QueryResponseMetadata {
            fetched_records_count: results.len() as i32,
            bookmark,
        });
        let rows = results
            .into_iter()
            .map(|(k, v)| (k, Bytes::from(v)))
            .collect();
        Ok(self.open_iterator(kvs(namespace, rows), metadata))
    }

    /// The history of a public key, newest first.
    pub fn history(&mut self, namespace: &str, key: &str) -> Result<QueryResponse> {
        let entries = self.ledger.history(&self.space(namespace, ""), key)?;
        let results = entries
            .into_iter()
            .map(|e| QueryResultBytes {
                result_bytes: Bytes::from(e.encode_to_vec()),
            })
            .collect();
        Ok(self.open_iterator(results, None))
    }

    /// Sends the first batch of results and keeps the rest for QUERY_STATE_NEXT.
    fn open_iterator(
        &mut self,
        mut results: VecDeque<QueryResultBytes>,
        metadata: Option<QueryResponseMetadata>,
    ) -> QueryResponse {
        self.next_iterator += 1;
        let id = format!("{}-{}", self.txid, self.next_iterator);
        let first: Vec<QueryResultBytes> =
            results.drain(..results.len().min(QUERY_BATCH)).collect();
        let has_more = !results.is_empty();
        if has_more {
            self.iterators.insert(id.clone(), results);
        }
        QueryResponse {
            results: first,
            has_more,
            id,
            metadata: metadata
                .map(|m| Bytes::from(m.encode_to_vec()))
                .unwrap_or_default(),
        }
    }

    /// The next batch of an iterator.
    pub fn next_batch(&mut self, id: &str) -> Result<QueryResponse> {
        let Some(results) = self.iterators.get_mut(id) else {
            return Err(PeerError::Rejected(format!(
                "query iterator not found: {id}"
            )));
        };
        let batch: Vec<QueryResultBytes> =
            results.drain(..results.len().min(QUERY_BATCH)).collect();
        let has_more = !results.is_empty();
        if !has_more {
            self.iterators.remove(id);
        }
        Ok(QueryResponse {
            results: batch,
            has_more,
            id: id.to_owned(),
            metadata: Bytes::new(),
        })
    }

    /// Closes an iterator (unknown ids are fine: exhausted iterators are freed).
    pub fn close(&mut self, id: &str) -> QueryResponse {
        self.iterators.remove(id);
        QueryResponse {
            results: Vec::new(),
            has_more: false,
            id: id.to_owned(),
            metadata: Bytes::new(),
        }
    }

    /// Number of iterators still open (for tests of early close).
    pub fn open_iterators(&self) -> usize {
        self.iterators.len()
    }
}

fn kvs(namespace: &str, rows: Vec<(String, Bytes)>) -> VecDeque<QueryResultBytes> {
    rows.into_iter()
        .map(|(key, value)| QueryResultBytes {
            result_bytes: Bytes::from(
                Kv {
                    namespace: namespace.to_owned(),
                    key,
                    value,
                }
                .encode_to_vec(),
            ),
        })
        .collect()
}
