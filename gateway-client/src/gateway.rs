//! [`Gateway`]: the connection, the identity and signer, default deadlines.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fabric_protos::gateway::gateway_client::GatewayClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::error::{Error, GatewayError, SignError};
use crate::events::EventsRequest;
use crate::identity::Identity;
use crate::network::Network;
use crate::proposal::Proposal;
use crate::signing::{HashAlgorithm, Signer};
use crate::transaction::{Commit, Transaction};
use crate::transport::PeerEndpoint;

/// Deadlines per kind of call (`None`: no deadline).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timeouts {
    pub(crate) evaluate: Option<Duration>,
    pub(crate) endorse: Option<Duration>,
    pub(crate) submit: Option<Duration>,
    pub(crate) commit_status: Option<Duration>,
    pub(crate) chaincode_events: Option<Duration>,
}

/// What every object made from a [`Gateway`] shares.
pub(crate) struct GatewayInner {
    pub(crate) client: GatewayClient<Channel>,
    pub(crate) identity: Identity,
    pub(crate) creator: Bytes,
    pub(crate) signer: Option<Arc<dyn Signer>>,
    pub(crate) hash: HashAlgorithm,
    pub(crate) timeouts: Timeouts,
}

impl GatewayInner {
    /// `signer(hash(message))`.
    pub(crate) async fn sign(&self, message: &[u8]) -> Result<Bytes, Error> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            SignError::new(
                "no signer configured: give the gateway a signer, or sign offline \
                 (digest(), then Gateway::new_signed_*)",
            )
        })?;
        let signature = signer.sign_message(message, self.hash).await?;
        if signature.is_empty() {
            return Err(SignError::new("the signer returned an empty signature").into());
        }
        Ok(signature.into())
    }
}

/// A request carrying the call's deadline in its `grpc-timeout` header.
pub(crate) fn request<T>(message: T, timeout: Option<Duration>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    request
}

/// Runs a call under its deadline: past it, the call is dropped (cancelling
/// it) and the result is `DEADLINE_EXCEEDED`, whichever side noticed first.
pub(crate) async fn with_deadline<T, F>(
    timeout: Option<Duration>,
    call: F,
) -> Result<T, GatewayError>
where
    F: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let Some(timeout) = timeout else {
        return call
            .await
            .map(tonic::Response::into_inner)
            .map_err(GatewayError::from_status);
    };
    let start = Instant::now();
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        // A server honouring `grpc-timeout` may end the call first, as
        // CANCELLED: the deadline is what ended it.
        Ok(Err(status)) if status.code() == Code::Cancelled && start.elapsed() >= timeout => {
            Err(deadline_exceeded(timeout))
        }
        Ok(Err(status)) => Err(GatewayError::from_status(status)),
        Err(_) => Err(deadline_exceeded(timeout)),
    }
}

pub(crate) fn deadline_exceeded(timeout: Duration) -> GatewayError {
    GatewayError::new(
        Code::DeadlineExceeded,
        format!("deadline exceeded after {timeout:?}"),
    )
}

/// A connection to a peer's Gateway service as one client identity.
///
/// Cheap to clone; clones share the connection. From it come
/// [`Network`]s (channels), and from those [`Contract`](crate::Contract)s
/// and chaincode event streams.
///
/// ```no_run
/// use std::time::Duration;
/// use fabric_gateway_client::{Gateway, PeerEndpoint, msp};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let (identity, signer) = msp::load("msp", "Org1MSP")?;
/// let gateway = Gateway::builder()
///     .identity(identity)
///     .signer(signer)
///     .endpoint(PeerEndpoint::new("localhost:7051"))
///     .evaluate_timeout(Duration::from_secs(5))
///     .endorse_timeout(Duration::from_secs(15))
///     .submit_timeout(Duration::from_secs(5))
///     .commit_status_timeout(Duration::from_secs(60))
///     .connect()
///     .await?;
/// let contract = gateway.network("mychannel").contract("basic");
/// let assets = contract.evaluate_transaction("GetAllAssets", [""; 0]).await?;
/// # let _ = assets;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<GatewayInner>,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway")
            .field("msp_id", &self.inner.identity.msp_id())
            .field("hash", &self.inner.hash)
            .field("signer", &self.inner.signer.is_some())
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Starts configuring a gateway.
    #[must_use]
    pub fn builder() -> GatewayBuilder {
        GatewayBuilder::default()
    }

    /// The client identity.
    #[must_use]
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// A channel (Fabric's sense) on this gateway.
    #[must_use]
    pub fn network(&self, channel_name: impl Into<String>) -> Network {
        Network::new(Arc::clone(&self.inner), channel_name.into())
    }

    /// Re-creates a proposal from [`Proposal::bytes`] and a signature made
    /// offline over [`Proposal::digest`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the bytes are not a proposal.
    pub fn new_signed_proposal(
        &self,
        bytes: &[u8],
        signature: impl Into<Bytes>,
    ) -> Result<Proposal, Error> {
        Proposal::from_bytes(Arc::clone(&self.inner), bytes, Some(signature.into()))
    }

    /// Re-creates an endorsed transaction from [`Transaction::bytes`] and a
    /// signature made offline over [`Transaction::digest`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the bytes are not a prepared transaction.
    pub fn new_signed_transaction(
        &self,
        bytes: &[u8],
        signature: impl Into<Bytes>,
    ) -> Result<Transaction, Error> {
        Transaction::from_bytes(Arc::clone(&self.inner), bytes, Some(signature.into()))
    }

    /// Re-creates a commit status request from [`Commit::bytes`] and a
    /// signature made offline over [`Commit::digest`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the bytes are not a commit status request.
    pub fn new_signed_commit(
        &self,
        bytes: &[u8],
        signature: impl Into<Bytes>,
    ) -> Result<Commit, Error> {
        Commit::from_bytes(Arc::clone(&self.inner), bytes, Some(signature.into()))
    }

    /// Re-creates a chaincode events request from [`EventsRequest::bytes`]
    /// and a signature made offline over [`EventsRequest::digest`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the bytes are not a chaincode events request.
    pub fn new_signed_chaincode_events_request(
        &self,
        bytes: &[u8],
        signature: impl Into<Bytes>,
    ) -> Result<EventsRequest, Error> {
        EventsRequest::from_bytes(Arc::clone(&self.inner), bytes, Some(signature.into()))
    }
}

/// Configures a [`Gateway`]: identity, signer, hash, connection, default
/// deadlines. See [`Gateway`] for an example.
#[derive(Default)]
pub struct GatewayBuilder {
    identity: Option<Identity>,
    signer: Option<Arc<dyn Signer>>,
    hash: HashAlgorithm,
    channel: Option<Channel>,
    endpoint: Option<PeerEndpoint>,
    timeouts: Timeouts,
}

impl fmt::Debug for GatewayBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayBuilder")
            .field("identity", &self.identity)
            .field("signer", &self.signer.is_some())
            .field("hash", &self.hash)
            .field("endpoint", &self.endpoint)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl GatewayBuilder {
    /// The client identity (required).
    #[must_use]
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// The signer for the identity's private key. Without one, every
    /// request has to be signed offline.
    #[must_use]
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// How messages are hashed before signing (default SHA-256).
    #[must_use]
    pub fn hash(mut self, hash: HashAlgorithm) -> Self {
        self.hash = hash;
        self
    }

    /// Uses an existing tonic channel to the peer.
    #[must_use]
    pub fn connection(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Connects to this peer when [`connect`](Self::connect) is called.
    #[must_use]
    pub fn endpoint(mut self, endpoint: PeerEndpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Default deadline of Evaluate calls.
    #[must_use]
    pub fn evaluate_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.evaluate = Some(timeout);
        self
    }

    /// Default deadline of Endorse calls.
    #[must_use]
    pub fn endorse_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.endorse = Some(timeout);
        self
    }

    /// Default deadline of Submit calls.
    #[must_use]
    pub fn submit_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.submit = Some(timeout);
        self
    }

    /// Default deadline of CommitStatus calls, which wait for the commit.
    #[must_use]
    pub fn commit_status_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.commit_status = Some(timeout);
        self
    }

    /// Default deadline of chaincode event streams (the whole stream).
    #[must_use]
    pub fn chaincode_events_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.chaincode_events = Some(timeout);
        self
    }

    /// Builds the gateway, connecting to the [`endpoint`](Self::endpoint)
    /// unless a [`connection`](Self::connection) was given.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] without an identity or a connection,
    /// [`Error::Transport`] if the endpoint cannot be reached.
    pub async fn connect(self) -> Result<Gateway, Error> {
        let identity = self.identity.ok_or_else(|| {
            Error::InvalidArgument("a gateway needs an identity (GatewayBuilder::identity)".into())
        })?;
        let channel = match (self.channel, self.endpoint) {
            (Some(channel), _) => channel,
            (None, Some(endpoint)) => endpoint.connect().await?,
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "a gateway needs a connection (GatewayBuilder::connection or ::endpoint)"
                        .into(),
                ));
            }
        };
        let creator = identity.serialize();
        Ok(Gateway {
            inner: Arc::new(GatewayInner {
                client: GatewayClient::new(channel),
                identity,
                creator,
                signer: self.signer,
                hash: self.hash,
                timeouts: self.timeouts,
            }),
        })
    }
}
