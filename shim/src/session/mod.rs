//! The handler state machine: one session per stream with the peer.
//!
//! ```text
//!  chaincode                      peer
//!     | REGISTER(ChaincodeID) ---->  |
//!     | <------------- REGISTERED    |   created -> established
//!     | <------ READY(AdditionalParams)  established -> ready
//!     | <------ TRANSACTION / INIT   |   (many, concurrently)
//!     | GET_STATE, PUT_STATE ... --> |   at most one outstanding per transaction
//!     | <------ RESPONSE / ERROR     |
//!     | COMPLETED(Response) -------> |
//!     | <------ KEEPALIVE ; echo --> |   (any state)
//! ```
//!
//! The session is transport-agnostic: it reads frames from any stream and
//! writes them into a channel, so the same code runs over gRPC in both
//! connection modes and over in-process channels in tests. A frame is a
//! [`ChaincodeFrame`]: Fabric's `ChaincodeMessage` with its ids as shared
//! bytes (the same wire format), so that the ten-odd frames of a transaction
//! share its ids instead of each copying them; the inbound stream may also
//! yield `ChaincodeMessage`s, which convert without a copy.
//!
//! On a current-thread runtime (what [`crate::start`] builds) the session
//! polls its transactions inside its own task: it handles every message
//! that has arrived (a reply wakes the transaction waiting for it), then
//! runs the woken transactions on, each up to its next request, with no
//! task to spawn or schedule per transaction. On a multi-thread runtime
//! each transaction is a task of its own, so that transactions run in
//! parallel. A panic in a contract fails its transaction only, either way.
//!
//! Each transaction runs in a `transaction` tracing span with the fields
//! `txid`, `channel` and `function` (its first argument), so every log line
//! written while it runs names it.
//!
//! A session started by the transport also takes part in graceful shutdown
//! (`drain.rs`): once draining, new transactions are answered with ERROR,
//! running ones complete, and the stream ends when all are reported.

// Used by the transport (feature `runtime`).
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
mod drain;
mod link;

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::Either;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc;

use crate::chaincode::{Chaincode, ERROR, Response};
use crate::error::{Error, Result};
use crate::message::{MessageType, encode, encode_outgoing, type_name};
use crate::proto::frames::ChaincodeFrame;
use crate::proto::protos::{ChaincodeAdditionalParams, ChaincodeId, ChaincodeInput};
use crate::stub::{ChaincodeStub, TxState};

pub(crate) use drain::Drain;
pub(crate) use drain::FunctionName;
pub(crate) use link::CutOff;
use link::Refused;
#[cfg(feature = "runtime")]
pub(crate) use link::current as current_transaction;
pub(crate) use link::{END_OF_STREAM, Link, Running};

/// The messages a session sends to the peer, in order. The stream ends when
/// the session ends (after any message it queued last, such as an ERROR),
/// even while transactions of the ended session are still running.
pub struct Outgoing {
    rx: mpsc::Receiver<ChaincodeFrame>,
    ended: bool,
}

impl Outgoing {
    /// The next message, or `None` once the session has ended.
    pub async fn recv(&mut self) -> Option<ChaincodeFrame> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    fn poll_message(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<ChaincodeFrame>> {
        if self.ended {
            return std::task::Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            std::task::Poll::Ready(Some(msg)) if msg.r#type == END_OF_STREAM => {
                self.ended = true;
                self.rx.close();
                std::task::Poll::Ready(None)
            }
            other => other,
        }
    }
}

impl Stream for Outgoing {
    type Item = ChaincodeFrame;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<ChaincodeFrame>> {
        self.get_mut().poll_message(cx)
    }
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// Capacity of the outgoing message queue: enough for every in-flight
/// transaction to have a request queued without blocking the others.
pub(crate) const OUTGOING_CAPACITY: usize = 1024;

/// How long a session that ends on a protocol error waits for its last
/// message to reach the peer.
const GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// What the peer offered in its READY message (Fabric 3.1 and later).
///
/// A peer older than 3.1 sends an empty READY; then both features are off and
/// the stub falls back to one request per key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerParams {
    /// Maximum number of records per WRITE_BATCH_STATE, when the peer accepts write batches.
    pub write_batch: Option<usize>,
    /// Maximum number of keys per GET_STATE_MULTIPLE, when the peer accepts it.
    pub get_multiple: Option<usize>,
}

/// Used when the peer enables a feature but advertises a maximum of 0.
const DEFAULT_MAX_BATCH: usize = 100;

impl PeerParams {
    /// Reads a READY payload. An empty or undecodable payload (an older peer)
    /// turns every optional feature off.
    pub fn from_ready_payload(payload: &[u8]) -> Self {
        let Ok(p) = <ChaincodeAdditionalParams as prost::Message>::decode(payload) else {
            tracing::warn!("READY payload is not ChaincodeAdditionalParams; optional features off");
            return Self::default();
        };
        let size = |max: u32| {
            if max == 0 {
                DEFAULT_MAX_BATCH
            } else {
                max as usize
            }
        };
        Self {
            write_batch: p.use_write_batch.then(|| size(p.max_size_write_batch)),
            get_multiple: p
                .use_get_multiple_keys
                .then(|| size(p.max_size_get_multiple_keys)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Established,
    Ready,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Established => "established",
            State::Ready => "ready",
        }
    }
}

/// A transaction run inside its session's task.
type LocalTransaction = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One session with the peer over one stream.
pub struct Session<C> {
    chaincode: Arc<C>,
    link: Arc<Link>,
    /// The running transactions, when the session polls them itself
    /// (current-thread runtime); `None`: each is a task of its own.
    local: Option<FuturesUnordered<LocalTransaction>>,
    state: State,
    /// Reused to look up the transaction of each reply.
    key_buffer: Vec<u8>,
    /// The shutdown this session takes part in, if any.
    drain: Option<Arc<Drain>>,
    /// Whether this session's READY makes the process ready (dial mode).
    ready_reports_health: bool,
    /// How long a drained session waits for the peer to end its side.
    linger: std::time::Duration,
    draining: bool,
}

impl<C: Chaincode> Session<C> {
    /// Creates a session for chaincode `chaincode_id` and queues its REGISTER.
    ///
    /// Returns the session and its outgoing messages, which the transport
    /// must send to the peer; they end when the session does. REGISTER is
    /// queued before the stream opens because the peer sends nothing until
    /// it arrives.
    pub fn new(chaincode: Arc<C>, chaincode_id: &str) -> (Self, Outgoing) {
        let (out, rx) = mpsc::channel(OUTGOING_CAPACITY);
        let register = ChaincodeId {
            name: chaincode_id.to_owned(),
            ..Default::default()
        };
        let register = ChaincodeFrame {
            r#type: MessageType::Register as i32,
            payload: encode(&register),
            ..Default::default()
        };
        out.try_send(register)
            .expect("a new channel has room for REGISTER");
        let link = Arc::new(Link::new(out));
        let session = Session {
            chaincode,
            link,
            local: None,
            state: State::Created,
            key_buffer: Vec::new(),
            drain: None,
            ready_reports_health: false,
            linger: std::time::Duration::ZERO,
            draining: false,
        };
        (session, Outgoing { rx, ended: false })
    }

    /// Makes the session take part in `drain`. Once drained, it ends its
    /// outgoing stream and waits at most `linger` for the peer to end its
    /// side (which tells that the peer has read everything). With
    /// `ready_reports_health`, READY reports the process as serving.
    #[cfg_attr(not(feature = "runtime"), allow(dead_code))]
    pub(crate) fn drained_by(
        mut self,
        drain: Arc<Drain>,
        linger: std::time::Duration,
        ready_reports_health: bool,
    ) -> Self {
        drain.join(&self.link);
        self.drain = Some(drain);
        self.linger = linger;
        self.ready_reports_health = ready_reports_health;
        self
    }

    /// Runs the session until the peer closes the stream or breaks the protocol.
    ///
    /// `inbound` yields [`ChaincodeFrame`]s, or Fabric's `ChaincodeMessage`s
    /// (converted without copying).
    ///
    /// Returns `Err` in both cases, with a message saying which
    /// ([`Error::PeerClosed`] when the peer ended the stream or its
    /// connection closed): the Go shim also ends with an error when its
    /// stream ends, and a dialling chaincode process exits on it. A session
    /// that the transport drains for a graceful shutdown returns `Ok(())`
    /// once its transactions are reported and its stream is closed.
    pub async fn run<S, M>(mut self, mut inbound: S) -> Result<()>
    where
        S: Stream<Item = Result<M, tonic::Status>> + Unpin,
        M: Into<ChaincodeFrame>,
    {
        let drain_started = self.drain.as_ref().map(|d| d.started());
        let mut drain_started = std::pin::pin!(async move {
            match drain_started {
                Some(started) => started.await,
                None => std::future::pending().await,
            }
        });
        let link = Arc::clone(&self.link);
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::CurrentThread
        {
            self.local = Some(FuturesUnordered::new());
        }
        let result = loop {
            tokio::select! {
                biased;
                // Messages first: every message that has arrived is handled
                // (a reply wakes its transaction) before the woken
                // transactions run, one after the other, up to their next
                // request. Running the same code for one transaction after
                // another, rather than alternating it with reading
                // messages, keeps it in the processor's caches.
                item = inbound.next() => match item {
                    Some(Ok(msg)) => {
                        let handled = match self.handle_at_once(msg.into()) {
                            AtOnce::Done => Ok(()),
                            AtOnce::Send(reply) => self.link.send(reply).await,
                            AtOnce::Not(msg) => self.handle(msg).await,
                        };
                        if let Err(e) = handled {
                            // Let the ERROR just queued reach the peer before the
                            // stream goes away: wait for the transport to take it,
                            // then give the peer a moment to close its side.
                            self.link.flushed(GRACE).await;
                            let _ = tokio::time::timeout(GRACE, async {
                                while inbound.next().await.is_some() {}
                            })
                            .await;
                            break Err(e);
                        }
                    }
                    Some(Err(status)) => break Err(stream_error(&status)),
                    None => break Err(Error::PeerClosed),
                },
                () = next_finished(&mut self.local) => {}
                () = &mut drain_started, if !self.draining => {
                    self.draining = true;
                }
                () = link.all_reported(), if self.draining => {
                    // Every transaction is reported: end the stream after
                    // what is queued, then let the peer end its side.
                    self.link.shutdown().await;
                    let _ = tokio::time::timeout(self.linger, async {
                        while let Some(Ok(_)) = inbound.next().await {}
                    })
                    .await;
                    tracing::debug!("session drained and closed");
                    break Ok(());
                }
            }
        };
        // Fail every request still waiting for the peer, so that their
        // transactions finish instead of hanging, and end the outgoing stream.
        self.link.shutdown().await;
        result
    }

    async fn handle(&mut self, msg: ChaincodeFrame) -> Result<()> {
        let ty = MessageType::try_from(msg.r#type).ok();
        if ty == Some(MessageType::Keepalive) {
            // Echoed unchanged, in every state.
            return self.link.send(msg).await;
        }
        match (self.state, ty) {
            (State::Created, Some(MessageType::Registered)) => {
                tracing::debug!("registered with the peer");
                self.state = State::Established;
                Ok(())
            }
            (State::Established, Some(MessageType::Ready)) => {
                let params = PeerParams::from_ready_payload(&msg.payload);
                tracing::info!(?params, "chaincode is ready");
                self.link.set_params(params);
                self.state = State::Ready;
                if self.ready_reports_health
                    && let Some(drain) = &self.drain
                {
                    drain.set_health(true).await;
                }
                Ok(())
            }
            (state, _) => {
                // As the Go shim: answer with ERROR and end the stream.
                let text = format!(
                    "[{}] chaincode cannot handle message ({}) while in state: {}",
                    short_txid(&msg.txid),
                    type_name(msg.r#type),
                    state.name()
                );
                tracing::error!("{text}");
                let reply = reply_to(&msg, MessageType::Error, text.clone().into());
                let _ = self.link.send(reply).await;
                Err(Error::Protocol(text))
            }
        }
    }

    /// Handles, without awaiting anything, the messages every transaction
    /// brings once the session is ready (its TRANSACTION and the replies to
    /// its requests), and gives the others back for [`Session::handle`]. A
    /// synchronous call: the frame is not moved into a future's state.
    fn handle_at_once(&mut self, msg: ChaincodeFrame) -> AtOnce {
        if self.state != State::Ready {
            return AtOnce::Not(msg);
        }
        match MessageType::try_from(msg.r#type) {
            Ok(MessageType::Response | MessageType::Error) => {
                self.link.route_reply(msg, &mut self.key_buffer);
                AtOnce::Done
            }
            Ok(MessageType::Transaction | MessageType::Init) => match self.start_transaction(msg) {
                None => AtOnce::Done,
                Some(refusal) => AtOnce::Send(refusal),
            },
            _ => AtOnce::Not(msg),
        }
    }

    /// Starts a transaction; returns the ERROR that refuses it, if it is refused.
    fn start_transaction(&mut self, mut msg: ChaincodeFrame) -> Option<ChaincodeFrame> {
        if self.draining {
            return Some(refuse_draining(&msg));
        }
        // As the Go shim, an input that does not decode fails the
        // transaction before anything else.
        let input = match <ChaincodeInput as prost::Message>::decode(msg.payload.clone()) {
            Ok(input) => input,
            Err(e) => return Some(undecodable_input(&msg, &e)),
        };
        let is_init = msg.r#type == MessageType::Init as i32;
        // The stub's state is built here rather than in the transaction's
        // future, so that the future does not keep the message and the
        // input beside the stub.
        let state = TxState::new(input, msg.proposal.take().map(|p| *p));
        let in_flight = match self.link.begin(&msg.channel_id, &msg.txid, state) {
            Ok(in_flight) => in_flight,
            Err(refused) => return Some(refuse(&msg, refused)),
        };
        let running = in_flight.running();
        let span = tracing::info_span!(
            target: TRANSACTION_SPAN_TARGET,
            "transaction",
            txid = %running.txid(),
            channel = %running.channel(),
            function = %FunctionName(running.function())
        );
        let stub = ChaincodeStub::new(Arc::clone(running));
        let chaincode = Arc::clone(&self.chaincode);
        let transaction = CutOff::new(in_flight, span, execute(chaincode, stub, is_init));
        match &mut self.local {
            Some(local) => local.push(Box::pin(transaction)),
            None => drop(tokio::spawn(transaction)),
        }
        None
    }
}

/// What [`Session::handle_at_once`] did with a message.
enum AtOnce {
    /// Handled.
    Done,
    /// Handled; this reply must go to the peer.
    Send(ChaincodeFrame),
    /// Not one it handles: for [`Session::handle`].
    Not(ChaincodeFrame),
}

// The paths below are rare: out of line and marked cold, so that the
// code every transaction runs stays compact in the instruction cache.

/// The ERROR refusing a transaction that arrives while the session drains.
#[cold]
#[inline(never)]
fn refuse_draining(msg: &ChaincodeFrame) -> ChaincodeFrame {
    // Not started. The peer reports an ERROR as its own failure (status 500
    // without payload), which a Fabric Gateway evaluates again on another
    // peer; COMPLETED with a 5xx status would be the contract's final answer.
    let text = "the chaincode is shutting down and accepts no new transactions";
    tracing::warn!(
        txid = %String::from_utf8_lossy(&msg.txid),
        channel = %String::from_utf8_lossy(&msg.channel_id),
        "transaction refused: the chaincode is shutting down"
    );
    reply_to(msg, MessageType::Error, text.into())
}

/// The ERROR refusing a transaction that [`Link::begin`] did not register.
#[cold]
#[inline(never)]
fn refuse(msg: &ChaincodeFrame, refused: Refused) -> ChaincodeFrame {
    let (txid, channel) = (
        String::from_utf8_lossy(&msg.txid),
        String::from_utf8_lossy(&msg.channel_id),
    );
    let text = match refused {
        Refused::Duplicate => format!(
            "duplicate transaction ID {txid} on channel {channel}: a transaction with this ID is already running"
        ),
        Refused::NotText => {
            format!("transaction ID {txid:?} on channel {channel:?} is not valid UTF-8")
        }
    };
    tracing::warn!("{text}");
    reply_to(msg, MessageType::Error, text.into())
}

/// The ERROR ending a transaction whose input does not decode: as the Go
/// shim's, and the contract does not run.
#[cold]
#[inline(never)]
fn undecodable_input(msg: &ChaincodeFrame, e: &prost::DecodeError) -> ChaincodeFrame {
    let text = format!("failed to unmarshal input: {e}");
    tracing::error!(
        txid = %String::from_utf8_lossy(&msg.txid),
        channel = %String::from_utf8_lossy(&msg.channel_id),
        "{text}"
    );
    reply_to(msg, MessageType::Error, text.into())
}

/// A frame answering `msg`: the same transaction and channel ids, shared.
fn reply_to(msg: &ChaincodeFrame, ty: MessageType, payload: bytes::Bytes) -> ChaincodeFrame {
    frame_with_ids(ty, payload, &msg.txid, &msg.channel_id)
}

/// A frame of one transaction, whose ids it shares instead of copying.
fn frame_with_ids(
    ty: MessageType,
    payload: bytes::Bytes,
    txid: &bytes::Bytes,
    channel: &bytes::Bytes,
) -> ChaincodeFrame {
    ChaincodeFrame {
        r#type: ty as i32,
        payload,
        txid: txid.clone(),
        channel_id: channel.clone(),
        ..Default::default()
    }
}

/// Drives the transactions a session polls itself; completes when one of
/// them finishes. Never completes without any (or on a multi-thread
/// runtime, where they are tasks).
async fn next_finished(local: &mut Option<FuturesUnordered<LocalTransaction>>) {
    match local {
        Some(local) if !local.is_empty() => {
            local.next().await;
        }
        _ => std::future::pending().await,
    }
}

/// The error a failed inbound stream ends the session with: a peer that
/// went away ([`Error::PeerClosed`]) or a real transport failure.
fn stream_error(status: &tonic::Status) -> Error {
    if peer_went_away(status) {
        Error::PeerClosed
    } else {
        Error::Transport(format!(
            "stream from the peer failed: {}",
            crate::error::status_text(status)
        ))
    }
}

/// Whether a stream error only says that the peer is gone: it cancelled the
/// call, reset the stream or closed its connection without an error code, or
/// the connection was closed or reset under us (a peer process that exits).
fn peer_went_away(status: &tonic::Status) -> bool {
    use std::io::ErrorKind;
    if status.code() == tonic::Code::Cancelled {
        return true;
    }
    let gone = |kind: ErrorKind| {
        matches!(
            kind,
            ErrorKind::BrokenPipe
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
                | ErrorKind::NotConnected
        )
    };
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(status);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && gone(io.kind())
        {
            return true;
        }
        if let Some(h2) = error.downcast_ref::<h2::Error>() {
            if let Some(io) = h2.get_io() {
                return gone(io.kind());
            }
            return h2.is_remote()
                && matches!(h2.reason(), Some(h2::Reason::NO_ERROR | h2::Reason::CANCEL));
        }
        source = error.source();
    }
    false
}

/// The target of the `transaction` span (this module's path).
pub(crate) const TRANSACTION_SPAN_TARGET: &str = "fabric_chaincode_shim::session";

/// Runs one transaction to completion and reports it to the peer: COMPLETED
/// with the contract's response and event, or ERROR when the shim fails the
/// transaction.
///
/// Everything else the transaction needs is in its stub, built before it
/// starts, and its [`CutOff`] wrapper enters its span, makes it the current
/// one and counts it as reported when it ends. One `async fn` around the
/// contract's future rather than several nested ones: each level of nesting
/// keeps its state at its own place in the transaction's box, which every
/// poll touches.
async fn execute<C: Chaincode>(chaincode: Arc<C>, stub: ChaincodeStub, is_init: bool) {
    let run = if is_init {
        Either::Left(chaincode.init(&stub))
    } else {
        Either::Right(chaincode.invoke(&stub))
    };
    let response = match AssertUnwindSafe(run).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => panicked(&*panic),
    };
    let report = if stub.has_write_batch() {
        // Boxed: few transactions have a batch, and the future of each
        // stays smaller.
        Box::pin(report_after_batch(&stub, response)).await
    } else {
        report(&stub, response)
    };
    if stub.running().link().send(report).await.is_err() {
        tracing::warn!("could not report the transaction: the peer is gone");
    }
}

/// The report of a transaction whose contract returned `response`.
fn report(stub: &ChaincodeStub, response: Response) -> ChaincodeFrame {
    let running = stub.running();
    // A proposal that did not decode when the contract asked for it fails
    // the transaction, with the Go shim's message (which fails it before it
    // runs: ours decodes the proposal only when asked, see `stub/proposal.rs`).
    if let Some(e) = stub.proposal_error() {
        return failure(running, format!("failed to create new ChaincodeStub: {e}"));
    }
    let event = stub.finish();
    running.link().end(running);
    let mut completed = running.frame(MessageType::Completed, encode_outgoing(&response));
    completed.chaincode_event = event;
    completed
}

/// [`report`], after the writes still buffered in a write batch have gone
/// out (they go before COMPLETED; not when the proposal failed, which
/// [`report`] reports).
async fn report_after_batch(stub: &ChaincodeStub, response: Response) -> ChaincodeFrame {
    if stub.proposal_error().is_none()
        && let Err(e) = stub.finish_write_batch().await
    {
        return failure(stub.running(), format!("failed send batch: {e}"));
    }
    report(stub, response)
}

/// The ERROR that ends a transaction (a shim failure, not an application error).
#[cold]
#[inline(never)]
fn failure(running: &Running, text: String) -> ChaincodeFrame {
    tracing::error!("{text}");
    running.link().end(running);
    running.frame(MessageType::Error, text.into())
}

/// The response of a transaction whose contract panicked.
#[cold]
#[inline(never)]
fn panicked(panic: &(dyn std::any::Any + Send)) -> Response {
    let what = panic_message(panic);
    tracing::error!("transaction panicked: {what}");
    Response {
        status: ERROR,
        message: format!("transaction panicked: {what}"),
        ..Default::default()
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

fn short_txid(txid: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&txid[..txid.len().min(8)])
}
