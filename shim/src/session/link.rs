//! The link between transactions and the stream: outgoing queue, the set of
//! running transactions and the reply each one is waiting for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc, oneshot};

use super::PeerParams;
use crate::error::{Error, Result};
use crate::message::{MessageType, type_name, write_tx_key};
use crate::proto::protos::ChaincodeMessage;

/// The type of the marker that ends [`super::Outgoing`]; not a protocol value.
pub(crate) const END_OF_STREAM: i32 = -1;

/// A running transaction: `Some` while one of its requests waits for a reply.
type Waiter = Option<oneshot::Sender<ChaincodeMessage>>;

pub(crate) struct Link {
    out: mpsc::Sender<ChaincodeMessage>,
    transactions: Mutex<HashMap<String, Waiter>>,
    params: OnceLock<PeerParams>,
    closed: AtomicBool,
    /// Transactions started and not yet reported (COMPLETED or ERROR queued):
    /// what a draining session waits for.
    unreported: AtomicUsize,
    all_reported: Notify,
}

impl Link {
    pub(crate) fn new(out: mpsc::Sender<ChaincodeMessage>) -> Self {
        Link {
            out,
            transactions: Mutex::new(HashMap::new()),
            params: OnceLock::new(),
            closed: AtomicBool::new(false),
            unreported: AtomicUsize::new(0),
            all_reported: Notify::new(),
        }
    }

    fn transactions(&self) -> MutexGuard<'_, HashMap<String, Waiter>> {
        // The map stays consistent even if a holder panicked: every critical
        // section is a single insert, remove or take.
        self.transactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn params(&self) -> PeerParams {
        self.params.get().copied().unwrap_or_default()
    }

    pub(crate) fn set_params(&self, params: PeerParams) {
        let _ = self.params.set(params);
    }

    /// Sends a message to the peer; fails once the session has ended.
    pub(crate) async fn send(&self, msg: ChaincodeMessage) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Disconnected);
        }
        self.out.send(msg).await.map_err(|_| Error::Disconnected)
    }

    /// Queues a message without waiting for room; `false` when the queue is
    /// full or the session has ended (for shutdown paths that must not block).
    pub(crate) fn try_send(&self, msg: ChaincodeMessage) -> bool {
        !self.closed.load(Ordering::Acquire) && self.out.try_send(msg).is_ok()
    }

    /// Counts a transaction that will be reported to the peer.
    pub(crate) fn report_pending(&self) {
        self.unreported.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts a transaction as reported (or abandoned).
    pub(crate) fn reported(&self) {
        if self.unreported.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.all_reported.notify_waiters();
        }
    }

    /// Completes once every started transaction has been reported.
    pub(crate) async fn all_reported(&self) {
        loop {
            let notified = self.all_reported.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.unreported.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Waits (at most `limit`) until the transport has taken every queued message.
    pub(crate) async fn flushed(&self, limit: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.out.capacity() < self.out.max_capacity()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Marks a transaction as running; `false` if it already is.
    pub(crate) fn begin(&self, key: &str) -> bool {
        let mut txs = self.transactions();
        if txs.contains_key(key) {
            return false;
        }
        txs.insert(key.to_owned(), None);
        true
    }

    /// Forgets a transaction; a request still waiting fails.
    pub(crate) fn end(&self, key: &str) {
        self.transactions().remove(key);
    }

    /// Fails every waiting request, forgets every transaction and ends the
    /// outgoing stream after what is already queued.
    pub(crate) async fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
        self.transactions().clear();
        let end = ChaincodeMessage {
            r#type: END_OF_STREAM,
            ..Default::default()
        };
        // Bounded: a transport that stopped reading must not hold the session.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.out.send(end)).await;
    }

    /// Sends a request for a running transaction and waits for its RESPONSE.
    ///
    /// The caller guarantees that the transaction has no other request in
    /// flight (the stub serializes its calls); the peer would silently drop a
    /// second one.
    pub(crate) async fn request(
        &self,
        key: &str,
        ty: MessageType,
        payload: Bytes,
        txid: &str,
        channel_id: &str,
    ) -> Result<Bytes> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Disconnected);
        }
        let (tx, rx) = oneshot::channel();
        match self.transactions().get_mut(key) {
            Some(waiter) => *waiter = Some(tx),
            None => {
                return Err(Error::TransactionFinished {
                    txid: txid.to_owned(),
                });
            }
        }
        self.send(crate::message::frame(ty, payload, txid, channel_id))
            .await?;
        let reply = rx.await.map_err(|_| {
            // The waiter was dropped: by `shutdown` (stream gone) or by `end`
            // (the transaction completed while this call was in flight).
            if self.closed.load(Ordering::Acquire) {
                Error::Disconnected
            } else {
                Error::TransactionFinished {
                    txid: txid.to_owned(),
                }
            }
        })?;
        match MessageType::try_from(reply.r#type) {
            Ok(MessageType::Response) => Ok(reply.payload),
            Ok(MessageType::Error) => Err(Error::Peer(
                String::from_utf8_lossy(&reply.payload).into_owned(),
            )),
            _ => Err(Error::Protocol(format!(
                "expected RESPONSE or ERROR to {}, got {}",
                ty.as_str_name(),
                type_name(reply.r#type)
            ))),
        }
    }

    /// Hands a RESPONSE or ERROR to the request waiting for it.
    ///
    /// A reply nobody waits for is logged and dropped (as the Node shim does);
    /// ending the whole stream for it, as the Go shim does, would fail every
    /// other transaction too.
    pub(crate) fn route_reply(&self, msg: ChaincodeMessage, key: &mut String) {
        write_tx_key(key, &msg.channel_id, &msg.txid);
        let waiter = self
            .transactions()
            .get_mut(key.as_str())
            .and_then(Option::take);
        match waiter {
            Some(waiter) => {
                let _ = waiter.send(msg);
            }
            None => tracing::warn!(
                txid = %msg.txid,
                channel = %msg.channel_id,
                "dropping {} from the peer: no request of this transaction is waiting for it",
                type_name(msg.r#type)
            ),
        }
    }
}
