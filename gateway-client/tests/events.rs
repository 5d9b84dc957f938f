//! Chaincode events: start positions, checkpoints, errors and deadlines.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::Script;
use fabric_gateway_client::{
    ChaincodeEvent, Checkpointer, Code, Error, FileCheckpointer, InMemoryCheckpointer,
};
use fabric_protos::gateway::{ChaincodeEventsRequest, ChaincodeEventsResponse};
use fabric_protos::orderer::seek_position::Type as Seek;
use fabric_protos::protos::ChaincodeEvent as ChaincodeEventProto;
use futures_util::StreamExt;

/// The chaincode's events in the mock ledger: (block, [transaction ids]).
const LEDGER: &[(u64, &[&str])] = &[(10, &["txA", "txB"]), (11, &["txC"]), (13, &["txD"])];
/// The block the next commit would be.
const NEXT_COMMIT: u64 = 13;

/// Answers like the real Gateway over [`LEDGER`]: from the start position,
/// or from the block of `after_transaction_id`, skipping events up to and
/// including that transaction's.
fn ledger_events(request: &ChaincodeEventsRequest) -> Vec<ChaincodeEventsResponse> {
    let mut start = match request.start_position.and_then(|p| p.r#type) {
        Some(Seek::Specified(s)) => s.number,
        _ => NEXT_COMMIT,
    };
    let after = &request.after_transaction_id;
    if let Some((block, _)) = LEDGER.iter().find(|(_, txs)| txs.contains(&after.as_str())) {
        start = *block;
    }
    let mut skipping = !after.is_empty() && LEDGER.iter().any(|(_, t)| t.contains(&after.as_str()));
    let mut responses = Vec::new();
    for (block, transactions) in LEDGER.iter().filter(|(b, _)| *b >= start) {
        let mut events = Vec::new();
        for tx in *transactions {
            if skipping {
                skipping = tx != after;
                continue;
            }
            events.push(ChaincodeEventProto {
                chaincode_id: request.chaincode_id.clone(),
                tx_id: (*tx).to_owned(),
                event_name: "AssetTransferred".to_owned(),
                payload: Bytes::from(format!("payload of {tx}")),
            });
        }
        if !events.is_empty() {
            responses.push(ChaincodeEventsResponse {
                events,
                block_number: *block,
            });
        }
    }
    responses
}

fn ledger_script() -> Script {
    Script {
        chaincode_events: Box::new(|request| {
            Ok(ledger_events(request).into_iter().map(Ok).collect())
        }),
        ..Script::default()
    }
}

fn start_of(request: &ChaincodeEventsRequest) -> (Option<u64>, &str) {
    let block = match request.start_position.and_then(|p| p.r#type) {
        Some(Seek::Specified(s)) => Some(s.number),
        Some(Seek::NextCommit(_)) => None,
        other => panic!("unexpected start position {other:?}"),
    };
    (block, request.after_transaction_id.as_str())
}

async fn take(
    stream: &mut fabric_gateway_client::ChaincodeEventStream,
    n: usize,
) -> Vec<ChaincodeEvent> {
    let mut events = Vec::new();
    for _ in 0..n {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event in time")
            .expect("the stream stays open")
            .expect("an event, not an error");
        events.push(event);
    }
    events
}

#[tokio::test]
async fn events_start_at_the_next_commit_or_a_given_block() {
    let mock = common::start(ledger_script()).await;
    let gateway = common::connect(&mock).await;
    let network = gateway.network("mychannel");

    let mut stream = network.chaincode_events("basic").stream().await.unwrap();
    let events = take(&mut stream, 1).await;
    assert_eq!(
        events,
        [ChaincodeEvent {
            block_number: 13,
            transaction_id: "txD".into(),
            chaincode_name: "basic".into(),
            event_name: "AssetTransferred".into(),
            payload: Bytes::from("payload of txD"),
        }]
    );

    let mut stream = network
        .chaincode_events("basic")
        .start_block(10)
        .stream()
        .await
        .unwrap();
    let events = take(&mut stream, 4).await;
    let seen: Vec<(u64, &str)> = events
        .iter()
        .map(|e| (e.block_number, e.transaction_id.as_str()))
        .collect();
    assert_eq!(seen, [(10, "txA"), (10, "txB"), (11, "txC"), (13, "txD")]);

    mock.assert_no_violations();
    let record = mock.record();
    assert_eq!(start_of(&record.events_requests[0]), (None, ""));
    assert_eq!(start_of(&record.events_requests[1]), (Some(10), ""));
    assert_eq!(record.events_requests[1].channel_id, "mychannel");
    assert_eq!(record.events_requests[1].chaincode_id, "basic");
    assert_eq!(
        record.events_requests[1].identity,
        gateway.identity().serialize()
    );
}

#[tokio::test]
async fn a_checkpointed_event_resumes_after_its_transaction() {
    let mock = common::start(ledger_script()).await;
    let gateway = common::connect(&mock).await;
    let network = gateway.network("mychannel");
    let checkpointer = InMemoryCheckpointer::new();

    // Nothing checkpointed yet: the start block is used.
    let mut stream = network
        .chaincode_events("basic")
        .start_block(10)
        .checkpoint(&checkpointer)
        .stream()
        .await
        .unwrap();
    let first = take(&mut stream, 1).await.remove(0);
    assert_eq!(first.transaction_id, "txA");
    checkpointer.checkpoint_chaincode_event(&first).unwrap();
    drop(stream);

    // Resume: the checkpoint wins over the start block.
    let mut stream = network
        .chaincode_events("basic")
        .start_block(0)
        .checkpoint(&checkpointer)
        .stream()
        .await
        .unwrap();
    let events = take(&mut stream, 2).await;
    assert_eq!(events[0].transaction_id, "txB");
    assert_eq!(events[1].transaction_id, "txC");

    // A checkpointed block resumes at the next block.
    checkpointer.checkpoint_block(11).unwrap();
    let mut stream = network
        .chaincode_events("basic")
        .checkpoint(&checkpointer)
        .stream()
        .await
        .unwrap();
    assert_eq!(take(&mut stream, 1).await[0].transaction_id, "txD");

    mock.assert_no_violations();
    let record = mock.record();
    assert_eq!(start_of(&record.events_requests[0]), (Some(10), ""));
    assert_eq!(start_of(&record.events_requests[1]), (Some(10), "txA"));
    assert_eq!(start_of(&record.events_requests[2]), (Some(12), ""));
}

#[tokio::test]
async fn a_file_checkpoint_survives_a_restart() {
    let mock = common::start(ledger_script()).await;
    let gateway = common::connect(&mock).await;
    let network = gateway.network("mychannel");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.json");

    {
        let checkpointer = FileCheckpointer::open(&path).unwrap();
        let mut stream = network
            .chaincode_events("basic")
            .start_block(10)
            .checkpoint(&checkpointer)
            .stream()
            .await
            .unwrap();
        for event in take(&mut stream, 3).await {
            checkpointer.checkpoint_chaincode_event(&event).unwrap();
        }
    }

    let checkpointer = FileCheckpointer::open(&path).unwrap();
    assert_eq!(checkpointer.block_number(), Some(11));
    assert_eq!(checkpointer.transaction_id().as_deref(), Some("txC"));
    let mut stream = network
        .chaincode_events("basic")
        .checkpoint(&checkpointer)
        .stream()
        .await
        .unwrap();
    assert_eq!(take(&mut stream, 1).await[0].transaction_id, "txD");
    assert_eq!(
        start_of(&mock.record().events_requests[1]),
        (Some(11), "txC")
    );
}

#[tokio::test]
async fn event_errors_and_deadlines_end_the_stream() {
    let mock = common::start(Script {
        chaincode_events: Box::new(|request| match request.chaincode_id.as_str() {
            "forbidden" => Err(tonic::Status::permission_denied(
                "Failed to get policy manager for channel [mychannel]",
            )),
            "failing" => Ok(vec![
                Ok(ChaincodeEventsResponse {
                    events: vec![ChaincodeEventProto {
                        chaincode_id: "failing".into(),
                        tx_id: "txA".into(),
                        event_name: "E".into(),
                        payload: Bytes::new(),
                    }],
                    block_number: 4,
                }),
                Err(tonic::Status::aborted("failed to read block 5")),
            ]),
            _ => Ok(Vec::new()),
        }),
        ..Script::default()
    })
    .await;
    let gateway = common::connect(&mock).await;
    let network = gateway.network("mychannel");

    let error = network
        .chaincode_events("forbidden")
        .stream()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ChaincodeEvents(_)), "{error:?}");
    assert_eq!(error.code(), Some(Code::PermissionDenied));
    assert_eq!(
        error.to_string(),
        "chaincode events failed: 7 PERMISSION_DENIED: Failed to get policy manager for channel [mychannel]"
    );

    // An error mid-stream comes after the events before it, and ends the stream.
    let mut stream = network.chaincode_events("failing").stream().await.unwrap();
    assert_eq!(take(&mut stream, 1).await[0].block_number, 4);
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(
        error.to_string(),
        "chaincode events failed: 10 ABORTED: failed to read block 5"
    );
    assert!(stream.next().await.is_none());

    let mut stream = network
        .chaincode_events("quiet")
        .timeout(Duration::from_millis(300))
        .stream()
        .await
        .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(10), stream.next_event())
        .await
        .expect("the deadline ends the wait")
        .unwrap_err();
    assert_eq!(error.code(), Some(Code::DeadlineExceeded), "{error:?}");
    assert!(stream.next_event().await.unwrap().is_none());
}
