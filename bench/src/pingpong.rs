//! The transport's limit: a raw tonic `ChaincodeSupport.Register` client that
//! answers the transfer's messages (GET_STATE, GET_STATE, PUT_STATE,
//! PUT_STATE, COMPLETED) from one loop with a map of transaction states — no
//! session, no stub, no task per transaction, no framework logic.

use std::collections::HashMap;

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::chaincode_support_client::ChaincodeSupportClient;
use fabric_chaincode_shim::proto::protos::{
    ChaincodeId, ChaincodeInput, ChaincodeMessage, GetState, PutState, Response,
};
use fabric_chaincode_shim::transport::StartMode;
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::transfer::amount;
use crate::{BenchError, Result, fail};

struct Tx {
    step: u8,
    from: String,
    to: String,
    a: u64,
    b: u64,
}

/// Dials the peer as the environment and arguments say (`--peer.address`,
/// `CORE_CHAINCODE_ID_NAME`), queues REGISTER and opens the stream: the
/// outgoing queue and the incoming messages.
pub(crate) async fn connect() -> Result<(
    mpsc::Sender<ChaincodeMessage>,
    tonic::Streaming<ChaincodeMessage>,
)> {
    let config = match StartMode::from_env() {
        Ok(StartMode::Dial(config)) => config,
        Ok(StartMode::Serve(_)) => return Err("the ping-pong only dials the peer".into()),
        Err(e) => return fail("configuration", e),
    };
    let endpoint =
        tonic::transport::Endpoint::from_shared(format!("http://{}", config.peer_address))
            .map_err(|e| BenchError(format!("peer address: {e}")))?
            .tcp_nodelay(true);
    let channel = match endpoint.connect().await {
        Ok(channel) => channel,
        Err(e) => return fail("cannot connect to the peer", e),
    };
    let mut client = ChaincodeSupportClient::new(channel);
    let (out, rx) = mpsc::channel::<ChaincodeMessage>(1024);
    let register = ChaincodeId {
        name: config.chaincode_id.clone(),
        ..Default::default()
    };
    queue(
        &out,
        frame(MessageType::Register, encode(&register), "", ""),
    )?;
    match client.register(ReceiverStream::new(rx)).await {
        Ok(response) => Ok((out, response.into_inner())),
        Err(status) => fail("the peer refused the stream", status.message()),
    }
}

/// The two keys of a transfer (its second and third arguments) from a
/// TRANSACTION's payload.
pub(crate) fn transfer_keys(payload: Bytes) -> Result<(String, String)> {
    let input =
        ChaincodeInput::decode(payload).map_err(|e| BenchError(format!("ChaincodeInput: {e}")))?;
    let arg = |i: usize| {
        input
            .args
            .get(i)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_default()
    };
    Ok((arg(1), arg(2)))
}

/// Queues a message for the peer.
pub(crate) fn queue(out: &mpsc::Sender<ChaincodeMessage>, msg: ChaincodeMessage) -> Result<()> {
    out.try_send(msg)
        .map_err(|e| BenchError(format!("cannot queue a message: {e}")))
}

/// Dials the peer as the environment and arguments say (`--peer.address`,
/// `CORE_CHAINCODE_ID_NAME`), registers and answers transfers until the
/// peer closes the stream.
pub async fn run() -> Result<()> {
    let (out, mut inbound) = connect().await?;
    let send = |msg| queue(&out, msg);
    let mut txs: HashMap<String, Tx> = HashMap::new();
    loop {
        let msg = match inbound.message().await {
            Ok(Some(msg)) => msg,
            Ok(None) => return Ok(()),
            Err(status) => return fail("stream", status.message()),
        };
        match MessageType::try_from(msg.r#type) {
            Ok(MessageType::Transaction) => {
                let (from, to) = transfer_keys(msg.payload)?;
                let tx = Tx {
                    step: 1,
                    from,
                    to,
                    a: 0,
                    b: 0,
                };
                let get = GetState {
                    key: tx.from.clone(),
                    collection: String::new(),
                };
                send(frame(
                    MessageType::GetState,
                    encode(&get),
                    &msg.txid,
                    &msg.channel_id,
                ))?;
                txs.insert(msg.txid, tx);
            }
            Ok(MessageType::Response) => {
                let Some(tx) = txs.get_mut(&msg.txid) else {
                    continue;
                };
                let (ty, payload) = match tx.step {
                    1 => {
                        tx.a =
                            amount(Some(&msg.payload).filter(|p| !p.is_empty()).map(|p| &p[..]))?;
                        let get = GetState {
                            key: tx.to.clone(),
                            collection: String::new(),
                        };
                        (MessageType::GetState, encode(&get))
                    }
                    2 => {
                        tx.b =
                            amount(Some(&msg.payload).filter(|p| !p.is_empty()).map(|p| &p[..]))?;
                        let put = PutState {
                            key: tx.from.clone(),
                            value: Bytes::from(tx.a.saturating_sub(1).to_string()),
                            collection: String::new(),
                        };
                        (MessageType::PutState, encode(&put))
                    }
                    3 => {
                        let put = PutState {
                            key: tx.to.clone(),
                            value: Bytes::from((tx.b + 1).to_string()),
                            collection: String::new(),
                        };
                        (MessageType::PutState, encode(&put))
                    }
                    _ => {
                        txs.remove(&msg.txid);
                        let done = Response {
                            status: 200,
                            ..Default::default()
                        };
                        (MessageType::Completed, encode(&done))
                    }
                };
                if let Some(tx) = txs.get_mut(&msg.txid) {
                    tx.step += 1;
                }
                send(frame(ty, payload, &msg.txid, &msg.channel_id))?;
            }
            Ok(MessageType::Keepalive) => send(msg)?,
            _ => {}
        }
    }
}
