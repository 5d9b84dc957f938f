//! TLS and mutual TLS in both connection modes, with certificates made in the test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use fabric_chaincode_shim::transport::{
    ChaincodeServer, ClientTls, DialConfig, ServeConfig, ServerTls, StartMode,
};
use fabric_dev_peer::{DevPeer, Invocation, RegisterServer};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

struct Pki {
    ca_pem: String,
    server: (String, String),
    client: (String, String),
    expired_client: (String, String),
    rogue_client: (String, String),
    rogue_ca_pem: String,
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(issuer: &Issuer<'static, KeyPair>, names: &[&str], expired: bool) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().copied().unwrap_or("client"),
    );
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn pki() -> Pki {
    let (ca_pem, issuer) = ca("test CA");
    let (rogue_ca_pem, rogue) = ca("rogue CA");
    Pki {
        server: leaf(&issuer, &["localhost", "127.0.0.1"], false),
        client: leaf(&issuer, &["chaincode-client"], false),
        expired_client: leaf(&issuer, &["chaincode-client"], true),
        rogue_client: leaf(&rogue, &["chaincode-client"], false),
        ca_pem,
        rogue_ca_pem,
    }
}

async fn tls_peer_listener(pki: &Pki) -> (DevPeer, String) {
    let peer = DevPeer::in_memory().unwrap();
    let server = RegisterServer::bind(
        "127.0.0.1:0",
        Some(fabric_dev_peer::ServerTls {
            cert_pem: pki.server.0.clone().into_bytes(),
            key_pem: pki.server.1.clone().into_bytes(),
            client_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        }),
    )
    .await
    .unwrap();
    let address = server.local_addr().to_string();
    peer.serve(server);
    (peer, address)
}

fn dial_config(address: &str, root: &str, client: Option<&(String, String)>) -> DialConfig {
    DialConfig {
        peer_address: address.into(),
        chaincode_id: "probe:1".into(),
        tls: Some(ClientTls {
            root_cert_pem: root.as_bytes().to_vec(),
            client_cert_pem: client.map(|c| c.0.clone().into_bytes()).unwrap_or_default(),
            client_key_pem: client.map(|c| c.1.clone().into_bytes()).unwrap_or_default(),
            server_name: Some("localhost".into()),
        }),
    }
}

async fn dial(config: DialConfig) -> tokio::task::JoinHandle<fabric_chaincode_shim::Result<()>> {
    tokio::spawn(async move {
        fabric_chaincode_shim::transport::dial(Arc::new(common::Probe), &config).await
    })
}

#[tokio::test]
async fn dial_mode_with_mutual_tls() {
    let pki = pki();
    let (peer, address) = tls_peer_listener(&pki).await;
    dial(dial_config(&address, &pki.ca_pem, Some(&pki.client))).await;
    peer.wait_for("probe", Duration::from_secs(10))
        .await
        .unwrap();
    let out = peer
        .submit(Invocation::new("probe", &["put", "k", "v"]))
        .await
        .unwrap();
    assert_eq!(out.response.status, 200);
}

#[tokio::test]
async fn dial_mode_refused_without_a_trusted_client_certificate() {
    let pki = pki();
    let (peer, address) = tls_peer_listener(&pki).await;
    for client in [&pki.rogue_client, &pki.expired_client] {
        let task = dial(dial_config(&address, &pki.ca_pem, Some(client))).await;
        let result = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        assert!(result.is_err(), "an untrusted client must not get in");
    }
    // Plaintext against the TLS listener.
    let mut plain = dial_config(&address, &pki.ca_pem, None);
    plain.tls = None;
    let result = tokio::time::timeout(Duration::from_secs(10), dial(plain).await)
        .await
        .unwrap()
        .unwrap();
    assert!(result.is_err());
    // A peer certificate from another CA is refused by the chaincode.
    let task = dial(dial_config(&address, &pki.rogue_ca_pem, Some(&pki.client))).await;
    let result = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert!(result.unwrap_err().to_string().contains("cannot connect"));
    assert!(peer.chaincode("probe").is_none());
}

#[tokio::test]
async fn a_bad_key_stops_dialling_with_a_clear_error() {
    let pki = pki();
    let mut config = dial_config("127.0.0.1:1", &pki.ca_pem, Some(&pki.client));
    config.tls.as_mut().unwrap().client_key_pem = b"not a key".to_vec();
    let err = fabric_chaincode_shim::transport::dial(Arc::new(common::Probe), &config)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the client key is not a valid PEM private key: no items found"
    );
}

async fn tls_chaincode_server(pki: &Pki, mutual: bool) -> String {
    let server = ChaincodeServer::bind(
        Arc::new(common::Probe),
        ServeConfig {
            address: "127.0.0.1:0".into(),
            chaincode_id: "probe:1".into(),
            tls: Some(ServerTls {
                cert_pem: pki.server.0.clone().into_bytes(),
                key_pem: pki.server.1.clone().into_bytes(),
                client_ca_pem: mutual.then(|| pki.ca_pem.clone().into_bytes()),
            }),
        },
    )
    .await
    .unwrap();
    let address = server.local_addr().to_string();
    tokio::spawn(server.serve());
    address
}

fn peer_tls(root: &str, identity: Option<&(String, String)>) -> fabric_dev_peer::ClientTls {
    fabric_dev_peer::ClientTls {
        root_cert_pem: root.as_bytes().to_vec(),
        identity: identity.map(|(c, k)| (c.clone().into_bytes(), k.clone().into_bytes())),
        server_name: Some("localhost".into()),
    }
}

#[tokio::test]
async fn service_mode_with_mutual_tls() {
    let pki = pki();
    let address = tls_chaincode_server(&pki, true).await;
    let peer = DevPeer::in_memory().unwrap();
    peer.connect(&address, Some(peer_tls(&pki.ca_pem, Some(&pki.client))))
        .await
        .unwrap();
    let out = peer
        .submit(Invocation::new("probe", &["put", "k", "v"]))
        .await
        .unwrap();
    assert_eq!(out.response.status, 200);
    // The server keeps serving: a second peer connects too.
    let second = DevPeer::in_memory().unwrap();
    second
        .connect(&address, Some(peer_tls(&pki.ca_pem, Some(&pki.client))))
        .await
        .unwrap();
    assert_eq!(
        second
            .submit(Invocation::new("probe", &["get", "k"]))
            .await
            .unwrap()
            .response
            .status,
        200
    );
}

#[tokio::test]
async fn service_mode_refuses_untrusted_peers() {
    let pki = pki();
    let address = tls_chaincode_server(&pki, true).await;
    let peer = DevPeer::in_memory().unwrap();
    for identity in [None, Some(&pki.rogue_client), Some(&pki.expired_client)] {
        let result = peer
            .connect(&address, Some(peer_tls(&pki.ca_pem, identity)))
            .await;
        assert!(
            result.is_err(),
            "identity {:?} must be refused",
            identity.map(|_| "given")
        );
    }
    // No plaintext fallback.
    assert!(peer.connect(&address, None).await.is_err());
    assert!(peer.chaincode("probe").is_none());
}

#[tokio::test]
async fn service_mode_tls_without_client_authentication() {
    let pki = pki();
    let address = tls_chaincode_server(&pki, false).await;
    let peer = DevPeer::in_memory().unwrap();
    peer.connect(&address, Some(peer_tls(&pki.ca_pem, None)))
        .await
        .unwrap();
    assert_eq!(
        peer.submit(Invocation::new("probe", &["get", "k"]))
            .await
            .unwrap()
            .response
            .status,
        200
    );
}

#[tokio::test]
async fn service_tls_settings_come_from_files_named_in_the_environment() {
    let pki = pki();
    let dir = std::env::temp_dir().join(format!("shim-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let cert = write("server.crt", &pki.server.0);
    let key = write("server.key", &pki.server.1);
    let ca = write("ca.crt", &pki.ca_pem);
    let env = |name: &str| match name {
        "CHAINCODE_SERVER_ADDRESS" => Some("127.0.0.1:0".to_string()),
        "CHAINCODE_ID" => Some("probe:1".to_string()),
        "CHAINCODE_TLS_DISABLED" => Some("false".to_string()),
        "CHAINCODE_TLS_CERT" => Some(cert.clone()),
        "CHAINCODE_TLS_KEY" => Some(key.clone()),
        "CHAINCODE_CLIENT_CA_CERT" => Some(ca.clone()),
        _ => None,
    };
    let StartMode::Serve(config) = StartMode::from_sources(env, &[]).unwrap() else {
        panic!("CHAINCODE_SERVER_ADDRESS selects the service mode")
    };
    let tls = config.tls.as_ref().unwrap();
    assert_eq!(tls.cert_pem, pki.server.0.as_bytes());
    assert_eq!(tls.client_ca_pem.as_deref(), Some(pki.ca_pem.as_bytes()));
    // A certificate file that holds no certificate stops start-up, naming it.
    let mut broken = config.clone();
    broken.tls.as_mut().unwrap().cert_pem = b"garbage".to_vec();
    let err = ChaincodeServer::bind(Arc::new(common::Probe), broken)
        .await
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "the server certificate contains no PEM certificate"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `openssl s_client` against `address` with one TLS version (the
/// client allows old versions: security level 0); its combined output.
fn openssl_handshake(address: &str, version_flag: &str, ca: &std::path::Path) -> String {
    let output = std::process::Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            address,
            version_flag,
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
            "-CAfile",
        ])
        .arg(ca)
        .args(["-servername", "localhost", "-brief"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the openssl command is installed (.ci/run installs it)");
    String::from_utf8_lossy(&output.stderr).to_string() + &String::from_utf8_lossy(&output.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_below_1_2_is_refused() {
    let pki = pki();
    let address = tls_chaincode_server(&pki, false).await;
    let dir = std::env::temp_dir().join(format!("shim-tls-versions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let outputs = tokio::task::spawn_blocking(move || {
        ["-tls1_2", "-tls1_3", "-tls1_1", "-tls1"]
            .map(|flag| openssl_handshake(&address, flag, &ca))
    })
    .await
    .unwrap();
    let established = |text: &str| text.contains("Protocol version");
    assert!(
        established(&outputs[0]),
        "TLS 1.2 is accepted:\n{}",
        outputs[0]
    );
    assert!(
        established(&outputs[1]),
        "TLS 1.3 is accepted:\n{}",
        outputs[1]
    );
    for (version, text) in [("1.1", &outputs[2]), ("1.0", &outputs[3])] {
        assert!(!established(text), "TLS {version} must be refused:\n{text}");
        // Refused by the server (it answers with an alert), not by the client.
        assert!(text.contains("SSL alert number"), "TLS {version}:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
