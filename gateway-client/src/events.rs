//! Chaincode events: the request (where to start, signed like a commit
//! status request) and the stream of [`ChaincodeEvent`]s.
//!
//! The Gateway sends one response per block that holds matching events,
//! for valid transactions only, in block and transaction order, and keeps
//! the stream open for blocks to come. Where it starts:
//! - by default, the next block committed;
//! - [`ChaincodeEventsBuilder::start_block`]: that block;
//! - [`ChaincodeEventsBuilder::checkpoint`]: the checkpointed block, after
//!   the checkpointed transaction's events (it wins over `start_block`).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use fabric_protos::gateway::{
    ChaincodeEventsRequest, ChaincodeEventsResponse, SignedChaincodeEventsRequest,
};
use fabric_protos::orderer::{SeekNextCommit, SeekPosition, SeekSpecified, seek_position};
use futures_util::Stream;
use prost::Message;
use tokio::time::{Instant, Sleep};
use tonic::Code;

use crate::checkpoint::Checkpointer;
use crate::error::{Error, GatewayError};
use crate::gateway::{GatewayInner, deadline_exceeded, request};

/// An event emitted by a chaincode in a committed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaincodeEvent {
    /// The block holding the transaction.
    pub block_number: u64,
    /// The transaction that emitted the event.
    pub transaction_id: String,
    /// The chaincode that emitted the event.
    pub chaincode_name: String,
    /// The event name the chaincode gave.
    pub event_name: String,
    /// The event payload.
    pub payload: Bytes,
}

/// Sets up a chaincode event stream; made by
/// [`Network::chaincode_events`](crate::Network::chaincode_events).
///
/// ```no_run
/// use futures_util::StreamExt;
/// use fabric_gateway_client::{Checkpointer, InMemoryCheckpointer};
///
/// # async fn run(network: fabric_gateway_client::Network) -> Result<(), fabric_gateway_client::Error> {
/// let checkpointer = InMemoryCheckpointer::new();
/// let mut events = network
///     .chaincode_events("basic")
///     .start_block(0)
///     .checkpoint(&checkpointer)
///     .stream()
///     .await?;
/// while let Some(event) = events.next().await {
///     let event = event?;
///     println!("{} in block {}", event.event_name, event.block_number);
///     checkpointer.checkpoint_chaincode_event(&event)?;
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a chaincode events builder does nothing until streamed"]
pub struct ChaincodeEventsBuilder {
    gateway: Arc<GatewayInner>,
    channel: String,
    chaincode: String,
    start_block: Option<u64>,
    checkpoint: Option<(u64, Option<String>)>,
    timeout: Option<Duration>,
}

impl fmt::Debug for ChaincodeEventsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaincodeEventsBuilder")
            .field("channel", &self.channel)
            .field("chaincode", &self.chaincode)
            .field("start_block", &self.start_block)
            .field("checkpoint", &self.checkpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ChaincodeEventsBuilder {
    pub(crate) fn new(gateway: Arc<GatewayInner>, channel: String, chaincode: String) -> Self {
        let timeout = gateway.timeouts.chaincode_events;
        Self {
            gateway,
            channel,
            chaincode,
            start_block: None,
            checkpoint: None,
            timeout,
        }
    }

    /// Starts at this block (its events included).
    pub fn start_block(mut self, block_number: u64) -> Self {
        self.start_block = Some(block_number);
        self
    }

    /// Resumes where the checkpointer says, if it holds a position: in the
    /// checkpointed block, after the checkpointed transaction. The position
    /// is read now.
    pub fn checkpoint<C: Checkpointer + ?Sized>(mut self, checkpointer: &C) -> Self {
        self.checkpoint = checkpointer
            .block_number()
            .map(|block| (block, checkpointer.transaction_id()));
        self
    }

    /// A deadline for the whole stream, instead of the gateway's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `ChaincodeEventsRequest` this builder sends.
    fn request(&self) -> ChaincodeEventsRequest {
        let (start, after_transaction_id) = match &self.checkpoint {
            Some((block, transaction_id)) => (Some(*block), transaction_id.clone()),
            None => (self.start_block, None),
        };
        let position = match start {
            Some(number) => seek_position::Type::Specified(SeekSpecified { number }),
            None => seek_position::Type::NextCommit(SeekNextCommit {}),
        };
        ChaincodeEventsRequest {
            channel_id: self.channel.clone(),
            chaincode_id: self.chaincode.clone(),
            identity: self.gateway.creator.clone(),
            start_position: Some(SeekPosition {
                r#type: Some(position),
            }),
            after_transaction_id: after_transaction_id.unwrap_or_default(),
        }
    }

    /// The request, to sign offline ([`EventsRequest::digest`]) or to stream.
    pub fn build(self) -> EventsRequest {
        let request = self.request().encode_to_vec().into();
        EventsRequest {
            gateway: self.gateway,
            request,
            signature: None,
            timeout: self.timeout,
        }
    }

    /// Signs the request and opens the stream.
    ///
    /// # Errors
    /// [`Error::ChaincodeEvents`] with the gRPC code and details, or
    /// [`Error::Sign`].
    pub async fn stream(self) -> Result<ChaincodeEventStream, Error> {
        self.build().stream().await
    }
}

/// A chaincode events request, built and ready to be signed or streamed.
pub struct EventsRequest {
    gateway: Arc<GatewayInner>,
    request: Bytes,
    signature: Option<Bytes>,
    timeout: Option<Duration>,
}

impl fmt::Debug for EventsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsRequest")
            .field("signed", &self.signature.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl EventsRequest {
    pub(crate) fn from_bytes(
        gateway: Arc<GatewayInner>,
        bytes: &[u8],
        signature: Option<Bytes>,
    ) -> Result<Self, Error> {
        let invalid = |m: String| Error::InvalidArgument(format!("events request bytes: {m}"));
        let signed = SignedChaincodeEventsRequest::decode(bytes)
            .map_err(|e| invalid(format!("not a SignedChaincodeEventsRequest: {e}")))?;
        ChaincodeEventsRequest::decode(signed.request.clone())
            .map_err(|e| invalid(format!("not a ChaincodeEventsRequest: {e}")))?;
        let timeout = gateway.timeouts.chaincode_events;
        Ok(Self {
            gateway,
            request: signed.request,
            signature: signature
                .or_else(|| (!signed.signature.is_empty()).then_some(signed.signature)),
            timeout,
        })
    }

    /// The request as a `gateway.SignedChaincodeEventsRequest`, to hand to
    /// an offline signer and back to
    /// [`Gateway::new_signed_chaincode_events_request`](crate::Gateway::new_signed_chaincode_events_request).
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        SignedChaincodeEventsRequest {
            request: self.request.clone(),
            signature: self.signature.clone().unwrap_or_default(),
        }
        .encode_to_vec()
    }

    /// What an offline signer signs: the gateway's hash of the request.
    #[must_use]
    pub fn digest(&self) -> Vec<u8> {
        self.gateway.hash.digest(&self.request)
    }

    /// Signs the request (unless signed offline) and opens the stream.
    ///
    /// # Errors
    /// [`Error::ChaincodeEvents`] with the gRPC code and details, or
    /// [`Error::Sign`].
    pub async fn stream(&self) -> Result<ChaincodeEventStream, Error> {
        let signature = match &self.signature {
            Some(signature) => signature.clone(),
            None => self.gateway.sign(&self.request).await?,
        };
        let signed = SignedChaincodeEventsRequest {
            request: self.request.clone(),
            signature,
        };
        let deadline = self.timeout.map(|t| (Instant::now() + t, t));
        let mut client = self.gateway.client.clone();
        let call = client.chaincode_events(request(signed, self.timeout));
        let response = match deadline {
            None => call.await,
            Some((at, timeout)) => match tokio::time::timeout_at(at, call).await {
                Ok(response) => response,
                Err(_) => return Err(Error::ChaincodeEvents(deadline_exceeded(timeout))),
            },
        };
        let inner = response
            .map_err(|status| Error::ChaincodeEvents(GatewayError::from_status(status)))?
            .into_inner();
        Ok(ChaincodeEventStream {
            inner: Some(inner),
            pending: VecDeque::new(),
            deadline: deadline
                .map(|(at, timeout)| (Box::pin(tokio::time::sleep_until(at)), timeout)),
        })
    }
}

/// The events of a chaincode, as they are committed: a [`Stream`] of
/// `Result<ChaincodeEvent, Error>`. Dropping it cancels the call.
///
/// After an error the stream ends; reconnect with a checkpoint to resume.
pub struct ChaincodeEventStream {
    /// `None` once the stream has ended (dropping it cancels the call).
    inner: Option<tonic::Streaming<ChaincodeEventsResponse>>,
    pending: VecDeque<ChaincodeEvent>,
    deadline: Option<(Pin<Box<Sleep>>, Duration)>,
}

impl fmt::Debug for ChaincodeEventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaincodeEventStream")
            .field("pending", &self.pending.len())
            .field("finished", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

impl ChaincodeEventStream {
    /// The next event; `Ok(None)` once the server ends the stream.
    ///
    /// # Errors
    /// [`Error::ChaincodeEvents`] if the stream fails or its deadline passes.
    pub async fn next_event(&mut self) -> Result<Option<ChaincodeEvent>, Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

impl Stream for ChaincodeEventStream {
    type Item = Result<ChaincodeEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.pending.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            let Some(inner) = &mut this.inner else {
                return Poll::Ready(None);
            };
            if let Some((sleep, timeout)) = &mut this.deadline
                && sleep.as_mut().poll(cx).is_ready()
            {
                let timeout = *timeout;
                this.inner = None;
                return Poll::Ready(Some(Err(Error::ChaincodeEvents(deadline_exceeded(
                    timeout,
                )))));
            }
            match Pin::new(inner).poll_next(cx) {
                Poll::Ready(Some(Ok(response))) => {
                    let block_number = response.block_number;
                    this.pending
                        .extend(response.events.into_iter().map(|event| ChaincodeEvent {
                            block_number,
                            transaction_id: event.tx_id,
                            chaincode_name: event.chaincode_id,
                            event_name: event.event_name,
                            payload: event.payload,
                        }));
                }
                Poll::Ready(Some(Err(status))) => {
                    this.inner = None;
                    let error = match &this.deadline {
                        // The server may notice the deadline first.
                        Some((sleep, timeout))
                            if status.code() == Code::Cancelled
                                && Instant::now() >= sleep.deadline() =>
                        {
                            deadline_exceeded(*timeout)
                        }
                        _ => GatewayError::from_status(status),
                    };
                    return Poll::Ready(Some(Err(Error::ChaincodeEvents(error))));
                }
                Poll::Ready(None) => {
                    this.inner = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
