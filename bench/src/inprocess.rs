//! A chaincode [`Session`] over in-process channels, answered as the driver's
//! peer answers a transfer: for the micro-benchmarks and the allocation
//! count (`examples/allocs.rs`), where the network would hide what the shim
//! itself does.

use std::sync::Arc;

use bytes::Bytes;
use fabric_chaincode_shim::Chaincode;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::frames::ChaincodeFrame;
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAdditionalParams, ChaincodeMessage, GetState, GetStateMultipleResult, Response,
    SignedProposal,
};
use fabric_chaincode_shim::session::{Outgoing, Session};
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::driver::transfer_transaction;

/// A session of `chaincode` on a current-thread runtime of its own, ready
/// (write batches and multi-key reads offered, 100 each).
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    to_chaincode: mpsc::Sender<Result<ChaincodeFrame, tonic::Status>>,
    from_chaincode: Outgoing,
    next: u64,
}

impl InProcess {
    /// Starts the session and takes it through REGISTER, REGISTERED and READY.
    pub fn start<C: Chaincode>(chaincode: C) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let (session, mut from_chaincode) = Session::new(Arc::new(chaincode), "bench");
        let (to_chaincode, inbound) = mpsc::channel(1024);
        runtime.block_on(async {
            tokio::spawn(session.run(ReceiverStream::new(inbound)));
            let register = from_chaincode.recv().await.expect("REGISTER");
            assert_eq!(register.r#type, MessageType::Register as i32);
            let params = ChaincodeAdditionalParams {
                use_write_batch: true,
                max_size_write_batch: 100,
                use_get_multiple_keys: true,
                max_size_get_multiple_keys: 100,
            };
            for msg in [
                frame(MessageType::Registered, Bytes::new(), "", ""),
                frame(MessageType::Ready, encode(&params), "", ""),
            ] {
                to_chaincode
                    .send(Ok(msg.into()))
                    .await
                    .expect("session alive");
            }
        });
        InProcess {
            runtime,
            to_chaincode,
            from_chaincode,
            next: 0,
        }
    }

    /// The next transfer's TRANSACTION message (see [`transfer_transaction`]).
    pub fn next_transaction(
        &mut self,
        function: &Bytes,
        proposal: Option<&SignedProposal>,
    ) -> ChaincodeMessage {
        self.next += 1;
        transfer_transaction(function, self.next, proposal)
    }

    /// One transfer, start to COMPLETED (status 200, or this panics).
    pub fn transact(&mut self, function: &str) {
        let msg = self.next_transaction(&Bytes::copy_from_slice(function.as_bytes()), None);
        self.run(msg);
    }

    /// Sends `msg` and answers the chaincode's requests until it completes:
    /// keys starting with `a` hold 100, the others nothing.
    pub fn run(&mut self, msg: ChaincodeMessage) {
        let (to, from) = (&self.to_chaincode, &mut self.from_chaincode);
        self.runtime.block_on(async move {
            to.send(Ok(msg.into())).await.expect("session alive");
            loop {
                let msg = from.recv().await.expect("session alive");
                let payload = match MessageType::try_from(msg.r#type) {
                    Ok(MessageType::Completed) => {
                        let r = Response::decode(msg.payload).expect("a Response");
                        assert_eq!(r.status, 200, "{}", r.message);
                        return;
                    }
                    Ok(MessageType::GetState) => {
                        let req = GetState::decode(msg.payload).expect("GetState");
                        if req.key.starts_with('a') {
                            Bytes::from_static(b"100")
                        } else {
                            Bytes::new()
                        }
                    }
                    Ok(MessageType::GetStateMultiple) => encode(&GetStateMultipleResult {
                        values: vec![Bytes::from_static(b"100"), Bytes::new()],
                    }),
                    _ => Bytes::new(),
                };
                // As decoded off the wire: the ids are shared bytes.
                let reply = ChaincodeFrame {
                    r#type: MessageType::Response as i32,
                    payload,
                    txid: msg.txid,
                    channel_id: msg.channel_id,
                    ..Default::default()
                };
                to.send(Ok(reply)).await.expect("session alive");
            }
        });
    }
}
