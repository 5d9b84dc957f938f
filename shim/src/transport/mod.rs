//! The gRPC transport, in both of Fabric's connection modes.
//!
//! * [`dial`]: the chaincode connects to the peer's `ChaincodeSupport.Register`.
//! * [`ChaincodeServer`]: chaincode-as-a-service, the chaincode serves
//!   `Chaincode.Connect` and the peer connects to it, as often as it likes.
//!
//! Both carry the same [`Session`]; both use the
//! peer's limits (100 MiB messages) and keepalive (60 s pings, 20 s timeout,
//! which the peer's minimum ping interval of 60 s accepts).

mod config;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, Server, ServerTlsConfig};

pub use self::config::{ClientTls, DialConfig, ServeConfig, ServerTls, StartMode, env};
use crate::chaincode::Chaincode;
use crate::error::{Error, Result};
use crate::proto::protos::ChaincodeMessage;
use crate::proto::protos::chaincode_server::{
    Chaincode as ConnectRpc, ChaincodeServer as ConnectServer,
};
use crate::proto::protos::chaincode_support_client::ChaincodeSupportClient;
use crate::session::Session;

/// Largest message sent or accepted: the peer's own limit.
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
/// Interval of HTTP/2 keepalive pings.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(60);
/// How long a keepalive ping may go unanswered.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs a chaincode in the mode its configuration selects, until the
/// connection ends (dialling) or the process is asked to stop (serving).
pub async fn run<C: Chaincode>(chaincode: Arc<C>, mode: StartMode) -> Result<()> {
    match mode {
        StartMode::Dial(config) => dial(chaincode, &config).await,
        StartMode::Serve(config) => {
            let server = ChaincodeServer::bind(chaincode, config).await?;
            tracing::info!(address = %server.local_addr(), "chaincode server listening");
            server.serve_with_shutdown(termination()).await
        }
    }
}

/// Dials the peer, registers and serves transactions until the stream ends.
///
/// Returns `Err` when the connection cannot be made and when it ends; a
/// chaincode process exits then (the peer starts a new one).
pub async fn dial<C: Chaincode>(chaincode: Arc<C>, config: &DialConfig) -> Result<()> {
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
    let inbound = client
        .register(outgoing)
        .await
        .map_err(|e| Error::Transport(format!("the peer refused the stream: {}", e.message())))?
        .into_inner();
    tracing::info!(peer = %config.peer_address, chaincode = %config.chaincode_id, "connected to the peer");
    session.run(inbound).await
}

/// A chaincode-as-a-service server: the peer dials in to `Chaincode.Connect`.
///
/// Every connection is a new session; the server keeps serving when a peer
/// disconnects, and serves several peers at once.
pub struct ChaincodeServer<C> {
    chaincode: Arc<C>,
    config: ServeConfig,
    listener: TcpListener,
    local_addr: SocketAddr,
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
        let listener = TcpListener::bind(&config.address)
            .await
            .map_err(|e| Error::Config(format!("cannot listen on {:?}: {e}", config.address)))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| Error::Transport(format!("listening socket has no address: {e}")))?;
        Ok(ChaincodeServer {
            chaincode,
            config,
            listener,
            local_addr,
        })
    }

    /// The address the server listens on (useful when binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until the process ends.
    pub async fn serve(self) -> Result<()> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves until `signal` completes.
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
        let service = ConnectServer::new(ConnectService {
            chaincode: self.chaincode,
            chaincode_id: self.config.chaincode_id,
        })
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
        // Nagle's algorithm would hold small replies back for the peer's
        // delayed ACK (~40 ms per round trip): disable it on every accepted
        // connection (the builder's `tcp_nodelay` does not reach sockets
        // accepted from our own listener).
        let incoming = TcpIncoming::from(self.listener).with_nodelay(Some(true));
        builder
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, signal)
            .await
            .map_err(|e| Error::Transport(format!("chaincode server failed: {}", error_chain(&e))))
    }
}

struct ConnectService<C> {
    chaincode: Arc<C>,
    chaincode_id: String,
}

type MessageStream = Pin<Box<dyn Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl<C: Chaincode> ConnectRpc for ConnectService<C> {
    type ConnectStream = MessageStream;

    async fn connect(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeMessage>>,
    ) -> Result<tonic::Response<Self::ConnectStream>, tonic::Status> {
        let peer = request.remote_addr();
        let (session, outgoing) = Session::new(Arc::clone(&self.chaincode), &self.chaincode_id);
        let inbound = request.into_inner();
        tokio::spawn(async move {
            tracing::info!(?peer, "peer connected");
            if let Err(e) = session.run(inbound).await {
                tracing::info!(?peer, "peer connection ended: {e}");
            }
        });
        Ok(tonic::Response::new(Box::pin(outgoing.map(Ok))))
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping on signal");
}

/// An error with its causes, which tonic's transport errors hide (their
/// `Display` alone often says only "transport error").
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
