//! The generated dispatch fed arbitrary arguments: every call ends in a
//! response (200 or a 500 that names the problem), never in a panic.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use fabric_chaincode_shim::message::{MessageType, encode, frame};
use fabric_chaincode_shim::proto::protos::{ChaincodeInput, ChaincodeMessage, Response};
use fabric_chaincode_shim::session::Session;
use fabric_contract_api::{Context, ContractChaincode, ContractError, contract};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Inner {
    name: String,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
enum Kind {
    Small,
    Large,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Record {
    id: String,
    value: i64,
    kind: Kind,
    inner: Option<Inner>,
    map: BTreeMap<String, u8>,
}

#[derive(Default)]
struct Everything;

#[contract(default)]
impl Everything {
    #[transaction]
    fn text(&self, _ctx: &Context, a: String, b: char) -> String {
        format!("{a}{b}")
    }

    #[transaction]
    fn numbers(&self, _ctx: &Context, a: i8, b: u64, c: f64, d: bool, e: i128) -> f64 {
        a as f64 + b as f64 + c + if d { 1.0 } else { 0.0 } + e as f64
    }

    #[transaction]
    fn bytes(&self, _ctx: &Context, raw: Vec<u8>) -> Vec<u8> {
        raw
    }

    #[transaction]
    fn json(&self, _ctx: &Context, record: Record, list: Vec<Inner>, maybe: Option<u32>) -> Result<Record, ContractError> {
        let _ = (list, maybe);
        Ok(record)
    }
}

fuzz_target!(|input: (u8, Vec<Vec<u8>>)| {
    let (function, args) = input;
    let names = ["Text", "Numbers", "Bytes", "Json", "Everything:Json", "Nope", "org.hyperledger.fabric:GetMetadata"];
    let mut all = vec![Bytes::from_static(names[usize::from(function) % names.len()].as_bytes())];
    all.extend(args.into_iter().map(Bytes::from));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async move {
        let chaincode = Arc::new(ContractChaincode::new().add(Everything));
        let (session, mut outgoing) = Session::new(chaincode, "fuzz:1");
        let (to_session, inbound) = tokio::sync::mpsc::channel::<Result<ChaincodeMessage, tonic::Status>>(8);
        tokio::spawn(session.run(tokio_stream::wrappers::ReceiverStream::new(inbound)));
        to_session.send(Ok(frame(MessageType::Registered, Bytes::new(), "", ""))).await.unwrap();
        to_session.send(Ok(frame(MessageType::Ready, Bytes::new(), "", ""))).await.unwrap();
        let input = ChaincodeInput { args: all, ..Default::default() };
        to_session.send(Ok(frame(MessageType::Transaction, encode(&input), "tx", "ch"))).await.unwrap();
        loop {
            let msg = outgoing.recv().await.expect("the session answers");
            if msg.r#type == MessageType::Register as i32 {
                continue;
            }
            assert_eq!(msg.r#type, MessageType::Completed as i32, "{msg:?}");
            let response = Response::decode(msg.payload).unwrap();
            assert!(response.status == 200 || response.status == 500);
            assert!(!response.message.starts_with("transaction panicked"), "{}", response.message);
            break;
        }
    });
});
