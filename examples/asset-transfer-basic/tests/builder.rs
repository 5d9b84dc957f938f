//! Deployment as the peer's external builder does it: package the binary,
//! run `bin/build` and `bin/run` with a `chaincode.json` carrying mutual-TLS
//! material, and the chaincode dials the (development) peer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fabric_dev_peer::{DevPeer, Invocation, RegisterServer, ServerTls};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

const BINARY: &str = env!("CARGO_BIN_EXE_asset-transfer-basic");

fn builder(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../packaging/builder/bin")
        .join(script)
}

fn unpack(package: &Path, into: &Path) {
    let bytes = std::fs::read(package).unwrap();
    let mut outer = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    outer.unpack(into.join("pkg")).unwrap();
    let code = std::fs::read(into.join("pkg/code.tar.gz")).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(code.as_slice()))
        .unpack(into.join("src"))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_external_builder_runs_the_chaincode_with_mutual_tls() {
    let dir = std::env::temp_dir().join(format!("builder-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The peer's TLS CA issues the peer's server certificate and the chaincode's client certificate.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "peer TLS CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["127.0.0.1".into()]);
    let (client_cert, client_key) = leaf(vec!["basic".into()]);

    let peer = DevPeer::in_memory().unwrap();
    let server = RegisterServer::bind(
        "127.0.0.1:0",
        Some(ServerTls {
            cert_pem: server_cert.into_bytes(),
            key_pem: server_key.into_bytes(),
            client_ca_pem: Some(ca_pem.clone().into_bytes()),
        }),
    )
    .await
    .unwrap();
    let address = server.local_addr().to_string();
    peer.serve(server);

    let package = fabric_package::binary(&dir, "basic_1.0", Path::new(BINARY), None).unwrap();
    unpack(&package.path, &dir);
    let build = dir.join("build");
    let run = dir.join("run");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    let status = std::process::Command::new(builder("detect"))
        .args([dir.join("src"), dir.join("pkg")])
        .status()
        .unwrap();
    assert!(status.success(), "bin/detect claims the package");
    let status = std::process::Command::new(builder("build"))
        .args([dir.join("src"), dir.join("pkg"), build.clone()])
        .status()
        .unwrap();
    assert!(status.success());
    let chaincode_json = serde_json::json!({
        "chaincode_id": package.package_id,
        "peer_address": address,
        "client_cert": client_cert,
        "client_key": client_key,
        "root_cert": ca_pem,
        "mspid": "Org1MSP",
    });
    std::fs::write(run.join("chaincode.json"), chaincode_json.to_string()).unwrap();
    let _chaincode = tokio::process::Command::new(builder("run"))
        .args([&build, &run])
        .env("CORE_CHAINCODE_LOGGING_LEVEL", "WARNING")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    peer.wait_for("basic_1.0", Duration::from_secs(30))
        .await
        .unwrap();
    let out = peer
        .submit(Invocation::new("basic_1.0", &["InitLedger"]))
        .await
        .unwrap();
    assert_eq!(out.status(), 200, "{}", out.message());
    let out = peer
        .evaluate(Invocation::new("basic_1.0", &["ReadAsset", "asset3"]))
        .await
        .unwrap();
    assert!(
        out.payload_text().contains("\"Owner\":\"Jin Soo\""),
        "{}",
        out.payload_text()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
