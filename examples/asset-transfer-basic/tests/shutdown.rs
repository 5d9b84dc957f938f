//! The chaincode binary stops on SIGTERM (what `docker stop`, systemd and
//! Kubernetes send) in both connection modes, while the peer holds its
//! stream open, and exits 0. As a service it answers gRPC health checks on
//! its own port.

use std::time::Duration;

use fabric_dev_peer::{DevPeer, Invocation};
use integration_tests::{
    Mode, ServingStatus, exit_status, free_port, health_client, health_status, launch, terminate,
};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-basic");
const PATIENCE: Duration = Duration::from_secs(60);

async fn stops_on_sigterm(mode: Mode, env: &[(&str, &str)]) -> DevPeer {
    let peer = DevPeer::in_memory().unwrap();
    let mut chaincode = launch(&peer, BINARY, "basic", mode, env).await;
    let init = peer
        .submit(Invocation::new("basic", &["InitLedger"]))
        .await
        .unwrap();
    assert_eq!(init.status(), 200, "{}", init.message());

    terminate(&chaincode);
    let status = exit_status(&mut chaincode, PATIENCE).await;
    assert_eq!(status.code(), Some(0), "{status}");
    // The peer saw the stream end: the chaincode is no longer reachable.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while peer.chaincode("basic").is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the peer still has the stream"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    peer
}

#[tokio::test]
async fn a_service_stops_on_sigterm_with_its_peer_connected() {
    let address = format!("127.0.0.1:{}", free_port());
    let peer = DevPeer::in_memory().unwrap();
    let mut chaincode = launch(
        &peer,
        BINARY,
        "basic",
        Mode::Service,
        &[("CHAINCODE_SERVER_ADDRESS", &address)],
    )
    .await;
    let mut health = health_client(&address).await;
    for service in ["", "protos.Chaincode"] {
        assert_eq!(
            health_status(&mut health, service).await.unwrap(),
            ServingStatus::Serving
        );
    }
    let read = peer
        .evaluate(Invocation::new("basic", &["GetAllAssets"]))
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "{}", read.message());

    terminate(&chaincode);
    let status = exit_status(&mut chaincode, PATIENCE).await;
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn a_service_stops_on_sigterm_after_serving_transactions() {
    stops_on_sigterm(Mode::Service, &[]).await;
}

#[tokio::test]
async fn a_dialling_chaincode_stops_on_sigterm() {
    let health = format!("127.0.0.1:{}", free_port());
    let peer = DevPeer::in_memory().unwrap();
    let mut chaincode = launch(
        &peer,
        BINARY,
        "basic",
        Mode::Dial,
        &[("CHAINCODE_HEALTH_ADDRESS", &health)],
    )
    .await;
    let mut client = health_client(&health).await;
    integration_tests::wait_for_health(&mut client, "", ServingStatus::Serving, PATIENCE).await;
    let init = peer
        .submit(Invocation::new("basic", &["InitLedger"]))
        .await
        .unwrap();
    assert_eq!(init.status(), 200, "{}", init.message());
    terminate(&chaincode);
    let status = exit_status(&mut chaincode, PATIENCE).await;
    assert_eq!(status.code(), Some(0), "{status}");

    stops_on_sigterm(Mode::Dial, &[]).await;
}
