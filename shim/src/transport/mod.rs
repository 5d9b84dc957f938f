//! The gRPC transport, in both of Fabric's connection modes.
//!
//! * [`dial`]: the chaincode connects to the peer's `ChaincodeSupport.Register`.
//! * [`ChaincodeServer`]: chaincode-as-a-service, the chaincode serves
//!   `Chaincode.Connect` and the peer connects to it, as often as it likes.
//!
//! Both carry the same [`Session`]; both use the
//! peer's limits (100 MiB messages) and keepalive (60 s pings, 20 s timeout,
//! which the peer's minimum ping interval of 60 s accepts).
//!
//! # Graceful shutdown
//!
//! [`run`] (and so [`crate::start`]) stops on SIGTERM or Ctrl-C; a program
//! that embeds a server stops it with the future it passes to
//! [`ChaincodeServer::serve_with_shutdown`] (or [`dial_with_shutdown`]).
//! Then:
//!
//! 1. the health status turns NOT_SERVING, a server stops accepting
//!    connections and refuses new `Chaincode.Connect` calls;
//! 2. transactions already received run to completion and their COMPLETED is
//!    sent; transactions that arrive later are answered with ERROR ("the
//!    chaincode is shutting down"), which the peer reports as its own
//!    failure (status 500 without payload) and a Fabric Gateway evaluates
//!    again on another peer (a COMPLETED with status 503 would be final);
//! 3. each stream is closed once its transactions are reported, and the call
//!    returns `Ok(())` (exit status 0);
//! 4. if the drain deadline ([`LifecycleConfig::drain_timeout`], default
//!    5 s) passes first, each transaction still running is logged (txid,
//!    channel, function), answered with ERROR and abandoned, and the call
//!    returns [`Error::DrainTimeout`] (exit status 1).
//!
//! # Health
//!
//! A server answers the standard gRPC health-checking protocol
//! (`grpc.health.v1.Health`) on its own port, and on an extra plaintext port
//! if [`ChaincodeServer::with_health_address`] (`CHAINCODE_HEALTH_ADDRESS`)
//! asks for one: SERVING (for `""` and `protos.Chaincode`) while it takes
//! transactions, NOT_SERVING once it drains. A dialling chaincode answers it
//! only on `CHAINCODE_HEALTH_ADDRESS`: NOT_SERVING until the peer has sent
//! READY, SERVING until it drains.

mod config;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tonic::transport::server::{Router, TcpIncoming};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, Server, ServerTlsConfig};
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::server::HealthReporter;

pub use self::config::{
    ClientTls, DEFAULT_DRAIN_TIMEOUT, DialConfig, LifecycleConfig, ServeConfig, ServerTls,
    StartMode, env,
};
use crate::chaincode::Chaincode;
use crate::error::{Error, Result};
use crate::proto::frames::ChaincodeFrame;
use crate::proto::frames::chaincode_server::{
    Chaincode as ConnectRpc, ChaincodeServer as ConnectServer,
};
use crate::proto::frames::chaincode_support_client::ChaincodeSupportClient;
use crate::session::{Drain, Session};

/// Largest message sent or accepted: the peer's own limit.
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
/// Interval of HTTP/2 keepalive pings.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(60);
/// How long a keepalive ping may go unanswered.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// After the drain (or its deadline), how long streams and connections get
/// to close before they are dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The health services of a chaincode server: the whole server and `Chaincode`.
const SERVER_HEALTH: &[&str] = &["", crate::proto::frames::chaincode_server::SERVICE_NAME];
/// The health service of a dialling chaincode: the whole process.
const DIAL_HEALTH: &[&str] = &[""];

/// Runs a chaincode in the mode its configuration selects until the
/// connection ends (dialling) or the process receives SIGTERM or Ctrl-C
/// (both modes), which starts a graceful shutdown (see the [module
/// documentation](self)).
///
/// A dialling chaincode whose peer closes the connection returns `Ok(())`
/// (the peer stopped or let it go); a transport failure is an `Err`.
/// Must run inside a Tokio runtime with I/O and timers enabled.
pub async fn run<C: Chaincode>(
    chaincode: Arc<C>,
    mode: StartMode,
    lifecycle: &LifecycleConfig,
) -> Result<()> {
    // Installed before anything else, so that a SIGTERM during start-up
    // stops the chaincode gracefully too.
    let signal = shutdown_signal();
    match mode {
        StartMode::Dial(config) => {
            let health = match &lifecycle.health_address {
                Some(address) => {
                    let (listener, local) = bind(address, "the health address").await?;
                    tracing::info!(address = %local, "health endpoint listening");
                    let (reporter, service) = tonic_health::server::health_reporter();
                    // Not ready until the peer has sent READY.
                    reporter
                        .set_service_status("", tonic_health::ServingStatus::NotServing)
                        .await;
                    let task = tokio::spawn(serve_health(listener, service));
                    Some((reporter, AbortOnDrop(task)))
                }
                None => None,
            };
            let reporter = health.as_ref().map(|(r, _)| r.clone());
            let result = dial_inner(
                chaincode,
                &config,
                signal,
                lifecycle.drain_timeout,
                reporter,
            )
            .await;
            match result {
                Err(Error::PeerClosed) => {
                    tracing::info!("the peer closed the connection; stopping");
                    Ok(())
                }
                other => other,
            }
        }
        StartMode::Serve(config) => {
            let mut server = ChaincodeServer::bind(chaincode, config)
                .await?
                .with_drain_timeout(lifecycle.drain_timeout);
            if let Some(address) = &lifecycle.health_address {
                server = server.with_health_address(address).await?;
            }
            match server.health_addr() {
                Some(health) => tracing::info!(
                    address = %server.local_addr(),
                    health = %health,
                    "chaincode server listening"
                ),
                None => {
                    tracing::info!(address = %server.local_addr(), "chaincode server listening")
                }
            }
            server.serve_with_shutdown(signal).await
        }
    }
}

/// Dials the peer, registers and serves transactions until the stream ends.
///
/// Returns `Err` when the connection cannot be made and when it ends
/// ([`Error::PeerClosed`] when the peer ended it); a chaincode process
/// exits then (the peer starts a new one). Never drains: see
/// [`dial_with_shutdown`].
pub async fn dial<C: Chaincode>(chaincode: Arc<C>, config: &DialConfig) -> Result<()> {
    dial_inner(
        chaincode,
        config,
        std::future::pending(),
        DEFAULT_DRAIN_TIMEOUT,
        None,
    )
    .await
}

/// [`dial`], stopping gracefully when `signal` completes: transactions
/// already received complete (for at most `drain_timeout`), later ones are
/// answered with ERROR, then the stream is closed (see the [module
/// documentation](self)).
///
/// Returns `Ok(())` after a complete drain (or when `signal` completes
/// before the peer is reached), [`Error::DrainTimeout`] when transactions
/// had to be cut off, and as [`dial`] when the stream ends first.
pub async fn dial_with_shutdown<C: Chaincode>(
    chaincode: Arc<C>,
    config: &DialConfig,
    signal: impl Future<Output = ()>,
    drain_timeout: Duration,
) -> Result<()> {
    dial_inner(chaincode, config, signal, drain_timeout, None).await
}

async fn dial_inner<C: Chaincode>(
    chaincode: Arc<C>,
    config: &DialConfig,
    signal: impl Future<Output = ()>,
    drain_timeout: Duration,
    health: Option<HealthReporter>,
) -> Result<()> {
    // `health` reports NOT_SERVING until the session's READY.
    let drain = Drain::new(health, DIAL_HEALTH);
    let mut signal = std::pin::pin!(signal);
    let inbound = tokio::select! {
        biased;
        () = &mut signal => {
            tracing::info!("stopped before the peer was reached");
            return Ok(());
        }
        connected = register(Arc::clone(&chaincode), config, &drain) => connected?,
    };
    let (session, inbound) = inbound;
    let mut session = std::pin::pin!(session.run(inbound));
    tokio::select! {
        ended = &mut session => return ended,
        () = &mut signal => {}
    }
    drain.start().await;
    match tokio::time::timeout(drain_timeout, &mut session).await {
        Ok(Ok(())) => {
            tracing::info!("drained: every transaction completed");
            Ok(())
        }
        Ok(ended) => ended,
        Err(_) => {
            let cut_off = drain.cut_off(drain_timeout);
            let _ = tokio::time::timeout(CLOSE_GRACE, &mut session).await;
            Err(Error::DrainTimeout {
                deadline: drain_timeout,
                cut_off,
            })
        }
    }
}

type Registered<C> = (Session<C>, tonic::Streaming<ChaincodeFrame>);

/// Connects to the peer and opens the `Register` stream.
async fn register<C: Chaincode>(
    chaincode: Arc<C>,
    config: &DialConfig,
    drain: &Arc<Drain>,
) -> Result<Registered<C>> {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let uri = format!("{scheme}://{}", config.peer_address);
    let mut endpoint = Endpoint::from_shared(uri)
        .map_err(|e| {
            Error::Config(format!(
                "invalid peer address {:?}: {e}",
                config.peer_address
            ))
        })?
        .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
        .keep_alive_timeout(KEEPALIVE_TIMEOUT)
        .keep_alive_while_idle(true)
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true);
    if let Some(tls) = &config.tls {
        tls::check_certificates(
            "the peer's root certificate (CORE_PEER_TLS_ROOTCERT_FILE)",
            &tls.root_cert_pem,
        )?;
        tls::check_certificates("the client certificate", &tls.client_cert_pem)?;
        tls::check_private_key("the client key", &tls.client_key_pem)?;
        let mut settings = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&tls.root_cert_pem))
            .identity(Identity::from_pem(
                &tls.client_cert_pem,
                &tls.client_key_pem,
            ));
        if let Some(name) = &tls.server_name {
            settings = settings.domain_name(name);
        }
        endpoint = endpoint
            .tls_config(settings)
            .map_err(|e| Error::Config(format!("TLS settings rejected: {}", error_chain(&e))))?;
    }
    let channel = endpoint.connect().await.map_err(|e| {
        Error::Transport(format!(
            "cannot connect to the peer at {}: {}",
            config.peer_address,
            error_chain(&e)
        ))
    })?;
    let mut client = ChaincodeSupportClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let (session, outgoing) = Session::new(chaincode, &config.chaincode_id);
    // A drained session waits a moment for the peer to end the call: the
    // sign that it has read the last COMPLETED before the process exits.
    let session = session.drained_by(Arc::clone(drain), CLOSE_GRACE, true);
    let inbound = client
        .register(outgoing)
        .await
        .map_err(|e| Error::Transport(format!("the peer refused the stream: {}", status_text(&e))))?
        .into_inner();
    tracing::info!(peer = %config.peer_address, chaincode = %config.chaincode_id, "connected to the peer");
    Ok((session, inbound))
}

/// A chaincode-as-a-service server: the peer dials in to `Chaincode.Connect`.
///
/// Every connection is a new session; the server keeps serving when a peer
/// disconnects, and serves several peers at once. It also answers gRPC
/// health checks, and stops gracefully (see the [module documentation](self)).
///
/// Embedded in a program that decides when to stop:
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use fabric_chaincode_shim::transport::{ChaincodeServer, ServeConfig};
/// # use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, success};
/// # struct MyChaincode;
/// # impl Chaincode for MyChaincode {
/// #     async fn invoke(&self, _stub: &ChaincodeStub) -> Response { success("") }
/// # }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> fabric_chaincode_shim::Result<()> {
/// let config = ServeConfig {
///     address: "127.0.0.1:0".into(),
///     chaincode_id: "basic_1.0:abc".into(),
///     tls: None,
/// };
/// let server = ChaincodeServer::bind(Arc::new(MyChaincode), config)
///     .await?
///     .with_drain_timeout(Duration::from_secs(10));
/// println!("serving on {}", server.local_addr());
///
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let serving = tokio::spawn(server.serve_with_shutdown(async {
///     let _ = stopped.await;
/// }));
/// // ... later, from anywhere:
/// stop.send(()).unwrap();
/// // Running transactions complete, then the server returns.
/// serving.await.unwrap()?;
/// # Ok(())
/// # }
/// ```
///
/// A `main` of its own stops on SIGTERM or Ctrl-C with
/// `server.serve_with_shutdown(shutdown_signal())` (see [`shutdown_signal`]).
pub struct ChaincodeServer<C> {
    chaincode: Arc<C>,
    config: ServeConfig,
    listener: TcpListener,
    local_addr: SocketAddr,
    drain_timeout: Duration,
    health: Option<(TcpListener, SocketAddr)>,
}

impl<C> std::fmt::Debug for ChaincodeServer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaincodeServer")
            .field("local_addr", &self.local_addr)
            .field("config", &self.config)
            .field("drain_timeout", &self.drain_timeout)
            .field("health_addr", &self.health.as_ref().map(|(_, a)| a))
            .finish_non_exhaustive()
    }
}

impl<C: Chaincode> ChaincodeServer<C> {
    /// Checks the TLS material and binds the listening socket.
    pub async fn bind(chaincode: Arc<C>, config: ServeConfig) -> Result<Self> {
        if let Some(tls) = &config.tls {
            tls::check_certificates("the server certificate", &tls.cert_pem)?;
            tls::check_private_key("the server key", &tls.key_pem)?;
            if let Some(ca) = &tls.client_ca_pem {
                tls::check_certificates("the client CA certificate", ca)?;
            }
        }
        let (listener, local_addr) = bind(&config.address, "the chaincode address").await?;
        Ok(ChaincodeServer {
            chaincode,
            config,
            listener,
            local_addr,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            health: None,
        })
    }

    /// Sets how long a graceful shutdown waits for running transactions
    /// (default [`DEFAULT_DRAIN_TIMEOUT`]).
    pub fn with_drain_timeout(mut self, drain_timeout: Duration) -> Self {
        self.drain_timeout = drain_timeout;
        self
    }

    /// Also answers gRPC health checks, in plaintext, on `address`
    /// (`CHAINCODE_HEALTH_ADDRESS`): for probes that cannot speak the
    /// chaincode port's TLS. This listener keeps answering (NOT_SERVING)
    /// while the server drains.
    pub async fn with_health_address(mut self, address: &str) -> Result<Self> {
        self.health = Some(bind(address, "the health address").await?);
        Ok(self)
    }

    /// The address the server listens on (useful when binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address of the extra health listener, if there is one.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health.as_ref().map(|(_, address)| *address)
    }

    /// Serves until the process ends (it never drains: use
    /// [`serve_with_shutdown`](Self::serve_with_shutdown) to stop).
    pub async fn serve(self) -> Result<()> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves until `signal` completes, then shuts down gracefully: running
    /// transactions complete (for at most the drain timeout), new ones get
    /// ERROR, streams and connections close.
    ///
    /// Returns `Ok(())` after a complete drain, [`Error::DrainTimeout`] when
    /// transactions had to be cut off, and `Err` if the server fails.
    pub async fn serve_with_shutdown(self, signal: impl Future<Output = ()>) -> Result<()> {
        let mut builder = Server::builder()
            .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
            .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
            .tcp_nodelay(true);
        if let Some(tls) = &self.config.tls {
            let mut settings =
                ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            if let Some(ca) = &tls.client_ca_pem {
                settings = settings
                    .client_ca_root(Certificate::from_pem(ca))
                    .client_auth_optional(false);
            }
            builder = builder.tls_config(settings).map_err(|e| {
                Error::Config(format!("TLS settings rejected: {}", error_chain(&e)))
            })?;
        }
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let drain = Drain::new(Some(reporter), SERVER_HEALTH);
        let sessions = Arc::new(Sessions::default());
        let service = ConnectServer::new(ConnectService {
            chaincode: self.chaincode,
            chaincode_id: self.config.chaincode_id,
            drain: Arc::clone(&drain),
            sessions: Arc::clone(&sessions),
        })
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let _health_task = self.health.map(|(listener, _)| {
            AbortOnDrop(tokio::spawn(serve_health(listener, health_service.clone())))
        });
        // Nagle's algorithm would hold small replies back for the peer's
        // delayed ACK (~40 ms per round trip): disable it on every accepted
        // connection (the builder's `tcp_nodelay` does not reach sockets
        // accepted from our own listener).
        let incoming = UntilDrain {
            inner: Some(TcpIncoming::from(self.listener).with_nodelay(Some(true))),
            drain: Box::pin(drain.started()),
        };
        let (close, closed) = tokio::sync::oneshot::channel::<()>();
        let router = builder.add_service(health_service).add_service(service);
        let mut server = std::pin::pin!(serve_router(router, incoming, closed));
        let failed = |e: tonic::transport::Error| {
            Error::Transport(format!("chaincode server failed: {}", error_chain(&e)))
        };
        drain.set_health(true).await;

        // Serving.
        let mut signal = std::pin::pin!(signal);
        tokio::select! {
            served = &mut server => return served.map_err(failed),
            () = &mut signal => {}
        }

        // Draining: the server future keeps running connections (and the
        // health service) while the sessions finish their transactions.
        drain.start().await;
        let deadline = tokio::time::sleep(self.drain_timeout);
        let outcome = tokio::select! {
            served = &mut server => return served.map_err(failed),
            () = sessions.all_ended() => Ok(()),
            () = deadline => {
                let cut_off = drain.cut_off(self.drain_timeout);
                let _ = tokio::time::timeout(CLOSE_GRACE, sessions.all_ended()).await;
                Err(Error::DrainTimeout { deadline: self.drain_timeout, cut_off })
            }
        };

        // Closing: GOAWAY on every connection; those still open after the
        // grace period are dropped.
        let _ = close.send(());
        match tokio::time::timeout(CLOSE_GRACE, &mut server).await {
            Ok(Err(e)) => tracing::warn!("closing the chaincode server: {}", error_chain(&e)),
            Ok(Ok(())) => {}
            Err(_) => tracing::debug!("connections still open after the grace period dropped"),
        }
        if outcome.is_ok() {
            tracing::info!("drained: every transaction completed");
        }
        outcome
    }
}

/// Binds a listening socket, naming the setting in errors.
async fn bind(address: &str, what: &str) -> Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {what} {address:?}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Transport(format!("listening socket has no address: {e}")))?;
    Ok((listener, local))
}

/// Serves only the health service, in plaintext, until aborted.
async fn serve_health<H: Health>(listener: TcpListener, service: HealthServer<H>) {
    let incoming = UntilDrain {
        inner: Some(TcpIncoming::from(listener).with_nodelay(Some(true))),
        drain: Box::pin(std::future::pending()),
    };
    let (_never, closed) = tokio::sync::oneshot::channel();
    let router = Server::builder().add_service(service);
    if let Err(e) = serve_router(router, incoming, closed).await {
        tracing::error!("health endpoint failed: {}", error_chain(&e));
    }
}

/// Serves `router` on `incoming` until `closed` completes, then closes its
/// connections gracefully. The chaincode server and the health endpoint share
/// this one instantiation of tonic's server, which keeps the binary small.
async fn serve_router(
    router: Router,
    incoming: UntilDrain,
    closed: tokio::sync::oneshot::Receiver<()>,
) -> std::result::Result<(), tonic::transport::Error> {
    router
        .serve_with_incoming_shutdown(incoming, async {
            let _ = closed.await;
        })
        .await
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accepted connections until the drain starts; then the listening socket
/// is closed (new connections are refused) while tonic keeps serving the
/// open ones. (Ending the stream instead would make tonic close them all.)
struct UntilDrain {
    inner: Option<TcpIncoming>,
    drain: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Stream for UntilDrain {
    type Item = std::io::Result<tokio::net::TcpStream>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(inner) = &mut this.inner else {
            return Poll::Pending;
        };
        if this.drain.as_mut().poll(cx).is_ready() {
            this.inner = None;
            tracing::info!("no longer accepting connections");
            return Poll::Pending;
        }
        inner.poll_next_unpin(cx)
    }
}

/// The number of open sessions of a server.
#[derive(Default)]
struct Sessions {
    open: AtomicUsize,
    none_open: Notify,
}

impl Sessions {
    fn enter(self: &Arc<Self>) -> SessionGuard {
        self.open.fetch_add(1, Ordering::AcqRel);
        SessionGuard(Arc::clone(self))
    }

    async fn all_ended(&self) {
        loop {
            let notified = self.none_open.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.open.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

struct SessionGuard(Arc<Sessions>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.none_open.notify_waiters();
        }
    }
}

struct ConnectService<C> {
    chaincode: Arc<C>,
    chaincode_id: String,
    drain: Arc<Drain>,
    sessions: Arc<Sessions>,
}

type MessageStream = Pin<Box<dyn Stream<Item = Result<ChaincodeFrame, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl<C: Chaincode> ConnectRpc for ConnectService<C> {
    type ConnectStream = MessageStream;

    async fn connect(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeFrame>>,
    ) -> Result<tonic::Response<Self::ConnectStream>, tonic::Status> {
        let guard = self.sessions.enter();
        if self.drain.is_started() {
            return Err(tonic::Status::unavailable("the chaincode is shutting down"));
        }
        let peer = request.remote_addr();
        let (session, outgoing) = Session::new(Arc::clone(&self.chaincode), &self.chaincode_id);
        // The response stream carries the last messages: nothing to wait for.
        let session = session.drained_by(Arc::clone(&self.drain), Duration::ZERO, false);
        let inbound = request.into_inner();
        tokio::spawn(async move {
            let _guard = guard;
            tracing::info!(?peer, "peer connected");
            match session.run(inbound).await {
                Ok(()) => tracing::info!(?peer, "peer connection closed after the drain"),
                Err(Error::PeerClosed) => tracing::info!(?peer, "peer disconnected"),
                Err(e) => tracing::warn!(?peer, "peer connection failed: {e}"),
            }
        });
        Ok(tonic::Response::new(Box::pin(outgoing.map(Ok))))
    }
}

/// A future that completes on SIGTERM or Ctrl-C (SIGINT), for
/// [`ChaincodeServer::serve_with_shutdown`] and [`dial_with_shutdown`].
///
/// The signal handlers are installed when this is called, not when the
/// future is first polled, so a signal that arrives in between is not lost
/// (and does not kill the process). Call it inside a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (terminate, interrupt) {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => tracing::info!("SIGTERM received: shutting down"),
                        _ = interrupt.recv() => tracing::info!("SIGINT received: shutting down"),
                    }
                }
                (terminate, interrupt) => {
                    if let Err(e) = terminate.and(interrupt) {
                        tracing::warn!("cannot watch for SIGTERM: {e}; stopping on Ctrl-C only");
                    }
                    let _ = tokio::signal::ctrl_c().await;
                    tracing::info!("Ctrl-C received: shutting down");
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C received: shutting down");
        }
    }
}

pub use crate::error::error_chain;
pub(crate) use crate::error::status_text;
