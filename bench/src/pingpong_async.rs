//! The transport's limit for transactions written as `async` code: the
//! ping-pong of [`crate::pingpong`], but each transaction is an `async` block
//! that awaits the reply to each of its requests, polled from the one loop
//! through a `FuturesUnordered`, with a reply slot per transaction. No
//! session, stub, contract or error handling beyond the ping-pong's: what any
//! framework whose contracts are `async` functions pays at least, over the
//! plain state machine of the ping-pong (a benchmark baseline, not a design).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{ChaincodeMessage, GetState, PutState, Response};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::transfer::amount;
use crate::{Result, fail};

/// The reply slot of one transaction.
#[derive(Default)]
struct Slot {
    reply: Option<Bytes>,
    waker: Option<Waker>,
}

/// What the transactions share with the loop: the outgoing queue and the
/// reply slots by transaction id.
struct Io {
    out: mpsc::Sender<ChaincodeMessage>,
    slots: RefCell<HashMap<String, Slot>>,
}

impl Io {
    fn send(&self, msg: ChaincodeMessage) -> Result<()> {
        crate::pingpong::queue(&self.out, msg)
    }

    /// Sends a request of transaction `txid` and waits for its reply's payload.
    async fn request(
        &self,
        ty: MessageType,
        payload: Bytes,
        txid: &str,
        channel: &str,
    ) -> Result<Bytes> {
        self.send(frame(ty, payload, txid, channel))?;
        Ok(Reply { io: self, txid }.await)
    }
}

/// Ready when the loop has put the reply of `txid` in its slot (the loop
/// made the slot when the transaction arrived).
struct Reply<'a> {
    io: &'a Io,
    txid: &'a str,
}

impl Future for Reply<'_> {
    type Output = Bytes;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Bytes> {
        let mut slots = self.io.slots.borrow_mut();
        let Some(slot) = slots.get_mut(self.txid) else {
            return Poll::Ready(Bytes::new());
        };
        match slot.reply.take() {
            Some(reply) => Poll::Ready(reply),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// One transfer: 2 GetState + 2 PutState + COMPLETED.
async fn transfer(
    io: Rc<Io>,
    txid: String,
    channel: String,
    from: String,
    to: String,
) -> Result<()> {
    let get = |key: &str| {
        encode(&GetState {
            key: key.to_owned(),
            collection: String::new(),
        })
    };
    let put = |key: &str, value: u64| {
        encode(&PutState {
            key: key.to_owned(),
            value: Bytes::from(value.to_string()),
            collection: String::new(),
        })
    };
    let value = |p: &Bytes| amount(Some(p).filter(|p| !p.is_empty()).map(|p| &p[..]));
    let a = value(
        &io.request(MessageType::GetState, get(&from), &txid, &channel)
            .await?,
    )?;
    let b = value(
        &io.request(MessageType::GetState, get(&to), &txid, &channel)
            .await?,
    )?;
    io.request(
        MessageType::PutState,
        put(&from, a.saturating_sub(1)),
        &txid,
        &channel,
    )
    .await?;
    io.request(MessageType::PutState, put(&to, b + 1), &txid, &channel)
        .await?;
    io.slots.borrow_mut().remove(&txid);
    let done = Response {
        status: 200,
        ..Default::default()
    };
    io.send(frame(
        MessageType::Completed,
        encode(&done),
        &txid,
        &channel,
    ))
}

type Transaction = Pin<Box<dyn Future<Output = Result<()>>>>;

/// Dials the peer as the environment and arguments say (`--peer.address`,
/// `CORE_CHAINCODE_ID_NAME`), registers and answers transfers until the
/// peer closes the stream. Needs a current-thread runtime (its transactions
/// are not `Send`).
pub async fn run() -> Result<()> {
    let (out, mut inbound) = crate::pingpong::connect().await?;
    let io = Rc::new(Io {
        out,
        slots: RefCell::new(HashMap::new()),
    });
    let mut running: FuturesUnordered<Transaction> = FuturesUnordered::new();
    loop {
        tokio::select! {
            biased;
            // As the shim: every message that has arrived first, then the
            // transactions they woke.
            item = inbound.next() => {
                let msg = match item {
                    Some(Ok(msg)) => msg,
                    None => return Ok(()),
                    Some(Err(status)) => return fail("stream", status.message()),
                };
                match MessageType::try_from(msg.r#type) {
                    Ok(MessageType::Transaction) => {
                        let (from, to) = crate::pingpong::transfer_keys(msg.payload)?;
                        io.slots.borrow_mut().insert(msg.txid.clone(), Slot::default());
                        running.push(Box::pin(transfer(
                            Rc::clone(&io),
                            msg.txid,
                            msg.channel_id,
                            from,
                            to,
                        )));
                    }
                    Ok(MessageType::Response) => {
                        let mut slots = io.slots.borrow_mut();
                        if let Some(slot) = slots.get_mut(&msg.txid) {
                            slot.reply = Some(msg.payload);
                            if let Some(waker) = slot.waker.take() {
                                waker.wake();
                            }
                        }
                    }
                    Ok(MessageType::Keepalive) => io.send(msg)?,
                    _ => {}
                }
            }
            Some(done) = running.next(), if !running.is_empty() => done?,
        }
    }
}
