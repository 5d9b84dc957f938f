//! The live feed: every transaction committed while the peer runs, with its
//! block, validation code and chaincode events.
//!
//! The ledger has no index of blocks to transactions, so the feed watches
//! the store under it: [`observe`] wraps the key-value store so that each
//! commit reports the transaction ids it indexes (the ledger's
//! `transactions` table). A task then reads each one back through the
//! ledger's own API — [`Ledger::transaction`] for its block and code,
//! [`Ledger::events`] for the events of its block — and hands it to the
//! page's Server-Sent Events stream. The last [`KEPT`] are kept for pages
//! that open (or reconnect) later.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use super::Decoded;
use crate::ledger::{Kv, Ledger, Op, Table};

/// How many committed transactions the feed keeps for pages that open later.
pub const KEPT: usize = 200;

/// A transaction committed on a channel, as the store saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// Channel.
    pub channel: String,
    /// Transaction id.
    pub txid: String,
}

/// The receiving end of [`observe`]: the transactions committed through
/// the observed store, in commit order.
#[derive(Debug)]
pub struct CommitTap {
    receiver: mpsc::UnboundedReceiver<Committed>,
}

/// A key-value store that reports the transactions each commit indexes.
pub struct ObservedKv<K> {
    inner: K,
    sender: mpsc::UnboundedSender<Committed>,
}

/// Wraps `kv` so that every transaction committed through it is reported
/// on the returned [`CommitTap`] (nothing is reported if the tap is dropped).
pub fn observe<K: Kv>(kv: K) -> (ObservedKv<K>, CommitTap) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (ObservedKv { inner: kv, sender }, CommitTap { receiver })
}

/// The channel and transaction id of a `transactions` table key: the
/// channel's length (big-endian `u16`), the channel, the transaction id.
fn decode_tx_key(key: &[u8]) -> Option<Committed> {
    let len = u16::from_be_bytes(key.get(..2)?.try_into().ok()?) as usize;
    let channel = std::str::from_utf8(key.get(2..2 + len)?).ok()?;
    let txid = std::str::from_utf8(key.get(2 + len..)?).ok()?;
    Some(Committed {
        channel: channel.to_owned(),
        txid: txid.to_owned(),
    })
}

impl<K: Kv> Kv for ObservedKv<K> {
    fn get(&self, table: Table, key: &[u8]) -> crate::Result<Option<Vec<u8>>> {
        self.inner.get(table, key)
    }

    fn scan(
        &self,
        table: Table,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> crate::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.inner.scan(table, start, end, limit)
    }

    fn apply(&self, ops: Vec<Op>) -> crate::Result<()> {
        if self.sender.is_closed() {
            return self.inner.apply(ops);
        }
        let committed: Vec<Committed> = ops
            .iter()
            .filter(|(table, _, value)| *table == Table::Transactions && value.is_some())
            .filter_map(|(_, key, _)| decode_tx_key(key))
            .collect();
        self.inner.apply(ops)?;
        for c in committed {
            let _ = self.sender.send(c);
        }
        Ok(())
    }
}

/// A chaincode event as the page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventView {
    /// The chaincode that set it.
    pub chaincode: String,
    /// Its name.
    pub name: String,
    /// Its payload.
    pub payload: Decoded,
}

/// One committed transaction in the feed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedItem {
    /// Position in the feed (the SSE event id), from 1.
    pub seq: u64,
    /// Channel.
    pub channel: String,
    /// Block number.
    pub block: u64,
    /// Position in the block.
    pub position: u64,
    /// Transaction id.
    pub txid: String,
    /// Validation code (`TxValidationCode`; 0 is valid).
    pub code: i32,
    /// Its name, e.g. `VALID` or `MVCC_READ_CONFLICT`.
    pub validation: String,
    /// The chaincode events it emitted (only valid transactions have them).
    pub events: Vec<EventView>,
}

/// The events transaction `txid` of block `block` emitted.
pub(crate) fn events_of(
    ledger: &Ledger,
    channel: &str,
    block: u64,
    txid: &str,
) -> crate::Result<Vec<EventView>> {
    Ok(ledger
        .events(channel, block, block)?
        .into_iter()
        .filter(|e| e.event.tx_id == txid)
        .map(|e| EventView {
            chaincode: e.event.chaincode_id,
            name: e.event.event_name,
            payload: Decoded::new(&e.event.payload),
        })
        .collect())
}

/// The name of a validation code.
pub(crate) fn code_name(code: i32) -> String {
    fabric_chaincode_shim::proto::protos::TxValidationCode::try_from(code)
        .map(|c| c.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("code {code}"))
}

/// The feed's recent items and its subscribers.
#[derive(Clone)]
pub struct Feed {
    recent: Arc<Mutex<VecDeque<FeedItem>>>,
    sender: broadcast::Sender<FeedItem>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed").finish_non_exhaustive()
    }
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            recent: Arc::new(Mutex::new(VecDeque::new())),
            sender: broadcast::channel(256).0,
        }
    }
}

impl Feed {
    /// A feed of what `tap` reports, read back from `ledger`; the task ends
    /// when the observed store is dropped.
    pub fn start(ledger: Arc<Ledger>, mut tap: CommitTap) -> Self {
        let feed = Feed::default();
        let this = feed.clone();
        tokio::spawn(async move {
            let mut seq = 0;
            while let Some(committed) = tap.receiver.recv().await {
                match this.read(&ledger, &committed, seq + 1) {
                    Ok(Some(item)) => {
                        seq += 1;
                        this.push(item);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(txid = %committed.txid, "explorer feed: {e}"),
                }
            }
        });
        feed
    }

    fn read(
        &self,
        ledger: &Ledger,
        committed: &Committed,
        seq: u64,
    ) -> crate::Result<Option<FeedItem>> {
        let Some(status) = ledger.transaction(&committed.channel, &committed.txid)? else {
            return Ok(None);
        };
        Ok(Some(FeedItem {
            seq,
            channel: committed.channel.clone(),
            block: status.block,
            position: status.tx,
            txid: committed.txid.clone(),
            code: status.code,
            validation: code_name(status.code),
            events: events_of(ledger, &committed.channel, status.block, &committed.txid)?,
        }))
    }

    fn push(&self, item: FeedItem) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back(item.clone());
        // Sent under the lock, so a subscriber that snapshots `recent` under
        // it sees every item exactly once.
        let _ = self.sender.send(item);
    }

    /// The kept items after `seq`, oldest first, and a receiver of the
    /// items committed from then on.
    pub fn subscribe(&self, after: u64) -> (Vec<FeedItem>, broadcast::Receiver<FeedItem>) {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = self.sender.subscribe();
        let items = recent.iter().filter(|i| i.seq > after).cloned().collect();
        (items, receiver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{BlockTx, MemoryKv, Space, Write, WriteSet};
    use fabric_chaincode_shim::proto::protos::{ChaincodeEvent, TxValidationCode};

    fn tx(txid: &str, key: &str, event: Option<&str>) -> BlockTx {
        let mut writes = WriteSet::default();
        writes.values.insert(
            (Space::public("mychannel", "basic"), key.to_owned()),
            Write::Put(bytes::Bytes::from_static(b"{\"ID\":\"a\"}")),
        );
        BlockTx {
            event: event.map(|name| ChaincodeEvent {
                chaincode_id: "basic".into(),
                tx_id: txid.into(),
                event_name: name.into(),
                payload: bytes::Bytes::from_static(b"{\"ID\":\"a\"}"),
            }),
            ..BlockTx::unchecked(txid, None, writes)
        }
    }

    #[tokio::test]
    async fn every_committed_transaction_reaches_the_feed_with_its_events() {
        let (kv, tap) = observe(MemoryKv::default());
        let ledger = Arc::new(Ledger::new(Arc::new(kv)));
        let feed = Feed::start(Arc::clone(&ledger), tap);
        let (before, mut live) = feed.subscribe(0);
        assert!(before.is_empty());

        ledger
            .commit_block("mychannel", vec![tx("t1", "a", Some("Created"))])
            .unwrap();
        // A duplicate is indexed only once; a conflicting one with its code.
        let mut conflicting = tx("t3", "b", Some("Never"));
        conflicting.code = TxValidationCode::EndorsementPolicyFailure;
        ledger
            .commit_block(
                "mychannel",
                vec![tx("t2", "a", None), tx("t1", "a", None), conflicting],
            )
            .unwrap();

        let first = live.recv().await.unwrap();
        assert_eq!(
            (first.seq, first.block, first.txid.as_str(), first.code),
            (1, 1, "t1", 0)
        );
        assert_eq!(first.validation, "VALID");
        assert_eq!(first.events.len(), 1);
        assert_eq!(first.events[0].name, "Created");
        assert_eq!(first.events[0].chaincode, "basic");
        assert_eq!(first.events[0].payload.kind, "json");
        let second = live.recv().await.unwrap();
        assert_eq!(
            (second.block, second.position, second.txid.as_str()),
            (2, 0, "t2")
        );
        assert!(second.events.is_empty());
        let third = live.recv().await.unwrap();
        assert_eq!((third.txid.as_str(), third.position), ("t3", 2));
        assert_eq!(third.validation, "ENDORSEMENT_POLICY_FAILURE");
        assert!(third.events.is_empty(), "invalid transactions emit nothing");

        // A page that reconnects after item 1 gets the rest.
        let (kept, _) = feed.subscribe(1);
        let ids: Vec<&str> = kept.iter().map(|i| i.txid.as_str()).collect();
        assert_eq!(ids, ["t2", "t3"]);
    }

    #[test]
    fn a_store_nobody_listens_to_commits_as_usual() {
        let (kv, tap) = observe(MemoryKv::default());
        drop(tap);
        let ledger = Ledger::new(Arc::new(kv));
        ledger
            .commit_block("mychannel", vec![tx("t1", "a", None)])
            .unwrap();
        assert_eq!(
            ledger
                .transaction("mychannel", "t1")
                .unwrap()
                .unwrap()
                .block,
            1
        );
    }

    #[test]
    fn transaction_keys_decode() {
        let mut key = 9u16.to_be_bytes().to_vec();
        key.extend_from_slice(b"mychannelabc");
        assert_eq!(
            decode_tx_key(&key),
            Some(Committed {
                channel: "mychannel".into(),
                txid: "abc".into()
            })
        );
        assert_eq!(decode_tx_key(&[0, 9, b'x']), None);
    }
}
