//! The link between transactions and the stream: outgoing queue, the
//! transactions running on it and the reply each one is waiting for.
//!
//! A transaction is registered once, when it arrives ([`Link::begin`]), as a
//! shared [`Running`]: its correlation key, a reply slot that its stub uses
//! for every request, so that a request costs no lookup and no channel of
//! its own, and its stub's state; the session finds the slot of each
//! RESPONSE by key.
//!
//! One object per transaction, not one for the link and one for the stub:
//! with 64 transactions in flight, each one's state has left the processor's
//! level-1 cache by the time its next reply arrives, so every distinct
//! cache line it touches per reply costs a miss (`bench/ANALYSIS.md` §7).

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Poll, Waker};

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use tokio::sync::{Notify, mpsc};

use super::PeerParams;
use crate::error::{Error, Result};
use crate::message::{MessageType, type_name};
use crate::proto::frames::ChaincodeFrame;
use crate::stub::TxState;

/// The type of the marker that ends [`super::Outgoing`]; not a protocol value.
pub(crate) const END_OF_STREAM: i32 = -1;

pub(crate) struct Link {
    out: mpsc::Sender<ChaincodeFrame>,
    /// Transactions from their arrival until they are reported.
    /// Hashed with foldhash: a reply is looked up by its 70-odd-byte key,
    /// which SipHash takes several times as long over; the seed is random
    /// per process.
    transactions: Mutex<HashSet<Entry, foldhash::fast::RandomState>>,
    params: OnceLock<PeerParams>,
    closed: AtomicBool,
    /// Transactions started and not yet reported (COMPLETED or ERROR queued):
    /// what a draining session waits for.
    unreported: AtomicUsize,
    all_reported: Notify,
}

/// A transaction from its arrival until it is reported to the peer, and
/// its stub's state: what its stub, its reply routing and its cut-off share.
///
/// Laid out in declaration order: first what every request and every poll
/// touches (reply slot, cut-off flag and waker, link, ids), then the stub's
/// state and the key that reply routing compares.
#[repr(C)]
pub(crate) struct Running {
    reply: Mutex<Reply>,
    /// Set by a drain's cut-off: the transaction's future ends at its next poll.
    cut: AtomicBool,
    /// Wakes the transaction's future for a cut-off.
    cut_waker: AtomicWaker,
    /// The link it runs on.
    link: Arc<Link>,
    /// The ids as they arrived, shared by every frame the transaction sends.
    txid_bytes: Bytes,
    channel_bytes: Bytes,
    /// The stub's state: its turn, input, proposal, event and so on.
    stub: TxState,
    /// Channel, NUL, transaction id ([`crate::message::tx_key`]): what its
    /// messages are matched by.
    key: String,
    /// Where the transaction id starts in `key`.
    txid_at: usize,
}

/// The reply slot of a transaction: its stub has at most one request in flight.
enum Reply {
    /// No request is waiting.
    Idle,
    /// A request waits for its reply (woken through the waker once polled).
    Waiting(Option<Waker>),
    /// The reply (its type and payload: all a request needs of it) arrived
    /// and its request has not taken it yet.
    Ready(i32, Bytes),
    /// The transaction has finished or the session has ended: requests fail.
    Closed,
}

impl Running {
    /// The transaction id.
    pub(crate) fn txid(&self) -> &str {
        &self.key[self.txid_at..]
    }

    /// The channel.
    pub(crate) fn channel(&self) -> &str {
        &self.key[..self.txid_at - 1]
    }

    /// A frame of this transaction: its ids are shared, not copied.
    pub(crate) fn frame(&self, ty: MessageType, payload: Bytes) -> ChaincodeFrame {
        super::frame_with_ids(ty, payload, &self.txid_bytes, &self.channel_bytes)
    }

    /// The first argument (by convention the function), for logs.
    pub(crate) fn function(&self) -> Option<&Bytes> {
        self.stub.function()
    }

    /// The link it runs on.
    pub(crate) fn link(&self) -> &Link {
        &self.link
    }

    /// The stub's state.
    pub(crate) fn stub(&self) -> &TxState {
        &self.stub
    }

    /// Cuts the transaction off: its future (see [`CutOff`]) ends, and is
    /// dropped, at its next poll, wherever it is waiting.
    pub(crate) fn abort(&self) {
        self.cut.store(true, Ordering::Release);
        self.cut_waker.wake();
    }

    fn reply(&self) -> MutexGuard<'_, Reply> {
        // Every critical section leaves the slot in a valid state.
        self.reply.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fails the request waiting for a reply, and every later one.
    fn close(&self) {
        let previous = std::mem::replace(&mut *self.reply(), Reply::Closed);
        if let Reply::Waiting(Some(waker)) = previous {
            waker.wake();
        }
    }
}

/// Waits for room in a full outgoing queue (see [`Link::enqueue`]).
type WaitForRoom<'a> = std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// A [`Running`] in the set of a link, found by its key.
struct Entry(Arc<Running>);

impl Borrow<[u8]> for Entry {
    fn borrow(&self) -> &[u8] {
        self.0.key.as_bytes()
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for Entry {}

impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `[u8]` hashes: lookups borrow the key as bytes.
        self.0.key.as_bytes().hash(state);
    }
}

/// Waits for the reply of one request, and leaves the slot idle however it ends.
struct AwaitReply<'a>(&'a Running);

impl AwaitReply<'_> {
    fn poll(&self, cx: &mut std::task::Context<'_>) -> Poll<Option<(i32, Bytes)>> {
        let mut reply = self.0.reply();
        match &mut *reply {
            Reply::Ready(..) => match std::mem::replace(&mut *reply, Reply::Idle) {
                Reply::Ready(ty, payload) => Poll::Ready(Some((ty, payload))),
                _ => unreachable!("matched Ready"),
            },
            Reply::Closed => Poll::Ready(None),
            Reply::Waiting(waker) => {
                match waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            // The slot is set to Waiting before the request goes out.
            Reply::Idle => Poll::Ready(None),
        }
    }
}

impl Drop for AwaitReply<'_> {
    fn drop(&mut self) {
        // A request given up (its future dropped) leaves no waiter behind;
        // a reply that arrives for it later is dropped as unexpected.
        let mut reply = self.0.reply();
        if matches!(*reply, Reply::Waiting(_) | Reply::Ready(..)) {
            *reply = Reply::Idle;
        }
    }
}

impl Link {
    pub(crate) fn new(out: mpsc::Sender<ChaincodeFrame>) -> Self {
        Link {
            out,
            transactions: Mutex::new(HashSet::default()),
            params: OnceLock::new(),
            closed: AtomicBool::new(false),
            unreported: AtomicUsize::new(0),
            all_reported: Notify::new(),
        }
    }

    fn transactions(&self) -> MutexGuard<'_, HashSet<Entry, foldhash::fast::RandomState>> {
        // The set stays consistent even if a holder panicked: every critical
        // section is a single insert, remove or iteration.
        self.transactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn params(&self) -> PeerParams {
        self.params.get().copied().unwrap_or_default()
    }

    pub(crate) fn set_params(&self, params: PeerParams) {
        let _ = self.params.set(params);
    }

    /// Sends a message to the peer; fails once the session has ended.
    ///
    /// The message is queued when this is called, and the future only waits
    /// when the queue is full (rare). A function returning a small future
    /// rather than an `async fn`: the state of an `async fn` would keep the
    /// 128-byte frame, and that state is part of every request's and every
    /// transaction's future.
    pub(crate) fn send(&self, msg: ChaincodeFrame) -> impl Future<Output = Result<()>> + Send + '_ {
        let queued = self.enqueue(msg);
        async move {
            if let Some(room) = queued? {
                room.await?;
            }
            Ok(())
        }
    }

    /// Queues a message; when the queue is full, returns the future that
    /// waits for room (behind the senders already waiting), boxed so that
    /// the futures that hold it stay small.
    fn enqueue(&self, msg: ChaincodeFrame) -> Result<Option<WaitForRoom<'_>>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Disconnected);
        }
        match self.out.try_send(msg) {
            Ok(()) => Ok(None),
            Err(mpsc::error::TrySendError::Full(msg)) => Ok(Some(Box::pin(async move {
                self.out.send(msg).await.map_err(|_| Error::Disconnected)
            }))),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Error::Disconnected),
        }
    }

    /// Queues a message without waiting for room; `false` when the queue is
    /// full or the session has ended (for shutdown paths that must not block).
    pub(crate) fn try_send(&self, msg: ChaincodeFrame) -> bool {
        !self.closed.load(Ordering::Acquire) && self.out.try_send(msg).is_ok()
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

    /// Registers a transaction that has arrived. It counts as running until
    /// the returned guard is dropped (its report queued, or its future
    /// dropped).
    pub(crate) fn begin(
        self: &Arc<Self>,
        channel: &Bytes,
        txid: &Bytes,
        stub: TxState,
    ) -> std::result::Result<InFlight, Refused> {
        let (Ok(channel_text), Ok(txid_text)) =
            (std::str::from_utf8(channel), std::str::from_utf8(txid))
        else {
            return Err(Refused::NotText);
        };
        let running = Arc::new(Running {
            reply: Mutex::new(Reply::Idle),
            cut: AtomicBool::new(false),
            cut_waker: AtomicWaker::new(),
            link: Arc::clone(self),
            txid_bytes: txid.clone(),
            channel_bytes: channel.clone(),
            stub,
            key: crate::message::tx_key(channel_text, txid_text),
            txid_at: channel.len() + 1,
        });
        if !self.transactions().insert(Entry(Arc::clone(&running))) {
            return Err(Refused::Duplicate);
        }
        self.unreported.fetch_add(1, Ordering::AcqRel);
        Ok(InFlight { running })
    }

    /// Marks a transaction finished: a request still waiting fails, and so
    /// does every later one.
    pub(crate) fn end(&self, running: &Running) {
        running.close();
    }

    /// Every transaction still running, for a drain's cut-off.
    pub(crate) fn running(&self) -> Vec<Arc<Running>> {
        self.transactions()
            .iter()
            .map(|entry| Arc::clone(&entry.0))
            .collect()
    }

    /// Fails every waiting request (and every later one) and ends the
    /// outgoing stream after what is already queued.
    pub(crate) async fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
        for running in self.running() {
            running.close();
        }
        let end = ChaincodeFrame {
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
    ///
    /// The request goes out when this is called; the future waits for the
    /// reply. A function returning a small future, as [`Link::send`]: the
    /// future is nested in every ledger call's.
    pub(crate) fn request<'a>(
        &'a self,
        running: &'a Running,
        ty: MessageType,
        payload: Bytes,
    ) -> impl Future<Output = Result<Bytes>> + Send + 'a {
        let sent = self.send_request(running, ty, payload);
        async move {
            let (waiting, room) = sent?;
            if let Some(room) = room {
                room.await?;
            }
            let (reply_type, payload) = std::future::poll_fn(|cx| waiting.poll(cx))
                .await
                .ok_or_else(|| self.gone(running))?;
            match MessageType::try_from(reply_type) {
                Ok(MessageType::Response) => Ok(payload),
                Ok(MessageType::Error) => {
                    Err(Error::Peer(String::from_utf8_lossy(&payload).into_owned()))
                }
                _ => Err(unexpected_reply_type(ty, reply_type)),
            }
        }
    }

    /// Marks the transaction's reply slot as waiting and queues the request
    /// (see [`Link::enqueue`]). The guard leaves the slot idle again if the
    /// request is given up.
    fn send_request<'a>(
        &'a self,
        running: &'a Running,
        ty: MessageType,
        payload: Bytes,
    ) -> Result<(AwaitReply<'a>, Option<WaitForRoom<'a>>)> {
        {
            let mut reply = running.reply();
            if matches!(*reply, Reply::Closed) {
                return Err(self.gone(running));
            }
            *reply = Reply::Waiting(None);
        }
        let waiting = AwaitReply(running);
        let room = self.enqueue(running.frame(ty, payload))?;
        Ok((waiting, room))
    }

    /// Why a request of `running` cannot be answered: the session ended
    /// ([`Link::shutdown`]: the stream is gone), or the transaction completed
    /// while the request was in flight ([`Link::end`]).
    fn gone(&self, running: &Running) -> Error {
        if self.closed.load(Ordering::Acquire) {
            Error::Disconnected
        } else {
            Error::TransactionFinished {
                txid: running.txid().to_owned(),
            }
        }
    }

    /// Hands a RESPONSE or ERROR to the request waiting for it.
    ///
    /// A reply nobody waits for is logged and dropped (as the Node shim does);
    /// ending the whole stream for it, as the Go shim does, would fail every
    /// other transaction too.
    pub(crate) fn route_reply(&self, msg: ChaincodeFrame, key: &mut Vec<u8>) {
        // The key of `crate::message::tx_key`, as bytes.
        key.clear();
        key.extend_from_slice(&msg.channel_id);
        key.push(0);
        key.extend_from_slice(&msg.txid);
        let delivered = {
            let transactions = self.transactions();
            match transactions.get(key.as_slice()) {
                Some(entry) => {
                    let mut reply = entry.0.reply();
                    match &mut *reply {
                        Reply::Waiting(waker) => {
                            let waker = waker.take();
                            *reply = Reply::Ready(msg.r#type, msg.payload);
                            Ok(waker)
                        }
                        _ => Err(msg),
                    }
                }
                None => Err(msg),
            }
        };
        match delivered {
            Ok(waker) => {
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Err(msg) => unexpected_reply(&msg),
        }
    }
}

/// A reply that is neither RESPONSE nor ERROR (rare: out of line, cold).
#[cold]
#[inline(never)]
fn unexpected_reply_type(request: MessageType, reply_type: i32) -> Error {
    Error::Protocol(format!(
        "expected RESPONSE or ERROR to {}, got {}",
        request.as_str_name(),
        type_name(reply_type)
    ))
}

/// Logs a reply that no request waits for (rare: out of line, cold).
#[cold]
#[inline(never)]
fn unexpected_reply(msg: &ChaincodeFrame) {
    tracing::warn!(
        txid = %String::from_utf8_lossy(&msg.txid),
        channel = %String::from_utf8_lossy(&msg.channel_id),
        "dropping {} from the peer: no request of this transaction is waiting for it",
        type_name(msg.r#type)
    );
}

/// Why [`Link::begin`] did not register a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// One with the same channel and id is still running.
    Duplicate,
    /// Its channel or transaction id is not UTF-8 (as `string` fields of
    /// Fabric's message, they must be).
    NotText,
}

/// A transaction between its arrival and its report to the peer. Dropping it
/// (when the transaction's future ends or is dropped) counts the transaction
/// as reported and forgets it (which also ends the reference cycle between
/// the link's set and the transaction).
pub(crate) struct InFlight {
    running: Arc<Running>,
}

impl InFlight {
    /// The transaction.
    pub(crate) fn running(&self) -> &Arc<Running> {
        &self.running
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let link = &self.running.link;
        link.transactions().remove(self.running.key.as_bytes());
        if link.unreported.fetch_sub(1, Ordering::AcqRel) == 1 {
            link.all_reported.notify_waiters();
        }
    }
}

thread_local! {
    /// The transaction whose future this thread is polling (see [`CutOff`]).
    static CURRENT: RefCell<Option<Arc<Running>>> = const { RefCell::new(None) };
}

/// The transaction this thread is polling, if any: what
/// [`crate::logging`]'s text lines name without a `tracing` span.
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
pub(crate) fn current() -> Option<Arc<Running>> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
}

/// Puts back the transaction that was current before a poll.
struct Restore(Option<Arc<Running>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
    }
}

pin_project_lite::pin_project! {
    /// A transaction's future that a drain's cut-off ([`Running::abort`])
    /// ends early, whether it runs as a task of its own or inside its
    /// session's task: the same for both, unlike a task's abort handle. It
    /// owns the transaction's [`InFlight`]: once it ends or is dropped, after
    /// the future inside it, the transaction counts as reported.
    ///
    /// While it is polled, the transaction is this thread's current one
    /// ([`current`]) and its `transaction` span is entered. Setting the
    /// current transaction costs two thread-local accesses per poll; the
    /// span, created when the transaction arrives, is disabled unless a
    /// subscriber wants it. Both live here rather than in wrappers of their
    /// own: each level of nesting in a transaction's future keeps its state
    /// at its own place in the future's box, and every poll of a
    /// transaction touches each of those cache lines (`bench/ANALYSIS.md` §7).
    pub(crate) struct CutOff<F> {
        // Dropped first: the transaction's future, then its registration.
        #[pin]
        inner: F,
        in_flight: InFlight,
        span: tracing::Span,
    }
}

impl<F> CutOff<F> {
    pub(crate) fn new(in_flight: InFlight, span: tracing::Span, inner: F) -> Self {
        CutOff {
            inner,
            in_flight,
            span,
        }
    }
}

impl<F: Future<Output = ()>> Future for CutOff<F> {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let this = self.project();
        let running = &this.in_flight.running;
        running.cut_waker.register(cx.waker());
        if running.cut.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let previous = CURRENT
            .try_with(|current| current.replace(Some(Arc::clone(running))))
            .ok()
            .flatten();
        let _restore = Restore(previous);
        let _entered = this.span.enter();
        this.inner.poll(cx)
    }
}
