//! Raw chaincode streams as the peer sees them, whichever side dialled.
//!
//! * [`RegisterServer`]: chaincodes dial the peer's `ChaincodeSupport.Register`.
//! * [`dial_chaincode`]: the peer dials a chaincode-as-a-service `Chaincode.Connect`.
//! * [`in_process`]: a chaincode session in this process, over channels.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use fabric_chaincode_shim::Chaincode;
use fabric_chaincode_shim::proto::protos::ChaincodeMessage;
use fabric_chaincode_shim::proto::protos::chaincode_client::ChaincodeClient;
use fabric_chaincode_shim::proto::protos::chaincode_support_server::{
    ChaincodeSupport, ChaincodeSupportServer,
};
use fabric_chaincode_shim::session::Session;
use fabric_chaincode_shim::transport::{MAX_MESSAGE_SIZE, error_chain};
use futures_util::{Stream, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, Server, ServerTlsConfig};

use crate::error::{PeerError, Result};

/// Messages from the chaincode.
pub type Inbound = Pin<Box<dyn Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Send>>;

/// One open chaincode stream: what the peer sends and what it receives.
pub struct Connection {
    /// Messages to the chaincode.
    pub outgoing: mpsc::Sender<ChaincodeMessage>,
    /// Messages from the chaincode.
    pub incoming: Inbound,
    /// Who is on the other end, for logs.
    pub remote: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

const CAPACITY: usize = 1024;

/// TLS of the peer's chaincode listener.
#[derive(Clone)]
pub struct ServerTls {
    /// PEM certificate of the peer.
    pub cert_pem: Vec<u8>,
    /// PEM key of the peer.
    pub key_pem: Vec<u8>,
    /// PEM CA whose client certificates are required (mutual TLS), if any.
    pub client_ca_pem: Option<Vec<u8>>,
}

/// TLS when the peer dials a chaincode server.
#[derive(Clone)]
pub struct ClientTls {
    /// PEM CA of the chaincode server's certificate.
    pub root_cert_pem: Vec<u8>,
    /// PEM client certificate and key, for servers that require one.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// Name to verify in the server certificate.
    pub server_name: Option<String>,
}

/// The peer's chaincode listener (`ChaincodeSupport.Register`).
pub struct RegisterServer {
    local_addr: SocketAddr,
    connections: mpsc::Receiver<Connection>,
    task: tokio::task::JoinHandle<()>,
}

struct RegisterService {
    connections: mpsc::Sender<Connection>,
}

#[tonic::async_trait]
impl ChaincodeSupport for RegisterService {
    type RegisterStream =
        Pin<Box<dyn Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Send>>;

    async fn register(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeMessage>>,
    ) -> Result<tonic::Response<Self::RegisterStream>, tonic::Status> {
        let remote = request
            .remote_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "unknown".into());
        let (outgoing, rx) = mpsc::channel(CAPACITY);
        let connection = Connection {
            outgoing,
            incoming: Box::pin(request.into_inner()),
            remote,
        };
        self.connections
            .send(connection)
            .await
            .map_err(|_| tonic::Status::unavailable("the peer is shutting down"))?;
        Ok(tonic::Response::new(Box::pin(
            ReceiverStream::new(rx).map(Ok),
        )))
    }
}

impl RegisterServer {
    /// Listens on `address` (`127.0.0.1:0` picks a free port).
    pub async fn bind(address: &str, tls: Option<ServerTls>) -> Result<Self> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| PeerError::Transport(format!("cannot listen on {address}: {e}")))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| PeerError::Transport(e.to_string()))?;
        let (tx, connections) = mpsc::channel(16);
        let mut builder = Server::builder()
            .http2_keepalive_interval(Some(Duration::from_secs(7200)))
            .tcp_nodelay(true);
        if let Some(tls) = tls {
            let mut settings =
                ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            if let Some(ca) = &tls.client_ca_pem {
                settings = settings.client_ca_root(Certificate::from_pem(ca));
            }
            builder = builder
                .tls_config(settings)
                .map_err(|e| PeerError::Transport(e.to_string()))?;
        }
        let service = ChaincodeSupportServer::new(RegisterService { connections: tx })
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let router = builder.add_service(service);
        // Small messages must not wait for delayed ACKs: Nagle off on every
        // accepted connection (the builder's `tcp_nodelay` does not reach
        // sockets accepted from our own listener).
        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        let task = tokio::spawn(async move {
            if let Err(e) = router.serve_with_incoming(incoming).await {
                tracing::error!("chaincode listener failed: {e}");
            }
        });
        Ok(RegisterServer {
            local_addr,
            connections,
            task,
        })
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next chaincode that dialled in, or `None` when the listener stopped.
    pub async fn accept(&mut self) -> Option<Connection> {
        self.connections.recv().await
    }
}

impl Drop for RegisterServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Dials a chaincode-as-a-service server, as the peer does for `ccaas` packages.
pub async fn dial_chaincode(address: &str, tls: Option<ClientTls>) -> Result<Connection> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut endpoint = Endpoint::from_shared(format!("{scheme}://{address}"))
        .map_err(|e| PeerError::Transport(format!("invalid chaincode address {address}: {e}")))?
        .http2_keep_alive_interval(Duration::from_secs(60))
        .keep_alive_timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(3))
        .tcp_nodelay(true);
    if let Some(tls) = tls {
        let mut settings =
            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&tls.root_cert_pem));
        if let Some((cert, key)) = &tls.identity {
            settings = settings.identity(Identity::from_pem(cert, key));
        }
        if let Some(name) = &tls.server_name {
            settings = settings.domain_name(name);
        }
        endpoint = endpoint
            .tls_config(settings)
            .map_err(|e| PeerError::Transport(e.to_string()))?;
    }
    let channel = endpoint.connect().await.map_err(|e| {
        PeerError::Transport(format!(
            "cannot connect to chaincode at {address}: {}",
            error_chain(&e)
        ))
    })?;
    let mut client = ChaincodeClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let (outgoing, rx) = mpsc::channel(CAPACITY);
    let incoming = client
        .connect(ReceiverStream::new(rx))
        .await
        .map_err(|e| {
            PeerError::Transport(format!(
                "chaincode at {address} refused the stream: {}",
                e.message()
            ))
        })?
        .into_inner();
    Ok(Connection {
        outgoing,
        incoming: Box::pin(incoming),
        remote: address.to_owned(),
    })
}

/// Starts a chaincode session in this process, connected to the peer by
/// channels: the same session and stub code as over gRPC, without sockets.
pub fn in_process<C: Chaincode>(chaincode: Arc<C>, chaincode_id: &str) -> Connection {
    let (session, from_chaincode) = Session::new(chaincode, chaincode_id);
    let (outgoing, to_chaincode) = mpsc::channel(CAPACITY);
    tokio::spawn(async move {
        let inbound = ReceiverStream::new(to_chaincode).map(Ok);
        if let Err(e) = session.run(inbound).await {
            tracing::debug!("in-process chaincode session ended: {e}");
        }
    });
    Connection {
        outgoing,
        // The session's frames share their ids; the peer's side reads
        // Fabric's message, as it would off the wire.
        incoming: Box::pin(from_chaincode.map(|frame| Ok(frame.into()))),
        remote: "in-process".into(),
    }
}
