//! Connecting over TLS (CA, server name override, mutual TLS), and loading
//! an identity and signer from an MSP folder.

mod common;

use common::Script;
use fabric_gateway_client::{Error, Gateway, Identity, IdentityError, PeerEndpoint, msp};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tonic::transport::{Certificate, ServerTlsConfig};

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), Issuer::new(params, key))
}

/// A certificate and key PEM signed by the issuer.
fn leaf(issuer: &Issuer<'static, KeyPair>, name: &str) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    let certificate = params.signed_by(&key, issuer).unwrap();
    (certificate.pem(), key.serialize_pem())
}

async fn gateway_over(endpoint: PeerEndpoint) -> Result<Gateway, Error> {
    let credentials = common::new_credentials();
    Gateway::builder()
        .identity(Identity::new("Org1MSP", credentials.certificate_pem))
        .signer(fabric_gateway_client::EcdsaSigner::from_pem(&credentials.key_pem).unwrap())
        .endpoint(endpoint)
        .connect()
        .await
}

#[tokio::test]
async fn tls_with_a_server_name_override() {
    let (ca_pem, issuer) = ca("tlsca.org1.example.com");
    let (server_cert, server_key) = leaf(&issuer, "peer0.org1.example.com");
    let tls = ServerTlsConfig::new().identity(tonic::transport::Identity::from_pem(
        server_cert,
        server_key,
    ));
    let mock = common::start_with(Script::default(), Some(tls)).await;
    let address = format!("127.0.0.1:{}", mock.address.port());

    // The sample application's settings: the CA and PEER_HOST_ALIAS.
    let gateway = gateway_over(
        PeerEndpoint::new(&address)
            .tls_ca_certificate(ca_pem.clone())
            .server_name_override("peer0.org1.example.com"),
    )
    .await
    .unwrap();
    let result = gateway
        .network("mychannel")
        .contract("basic")
        .evaluate_transaction("ReadAsset", ["asset1"])
        .await
        .unwrap();
    assert_eq!(&result[..], b"result:asset1");
    mock.assert_no_violations();

    // The certificate does not name 127.0.0.1: without the override the
    // handshake fails.
    let error = gateway_over(PeerEndpoint::new(&address).tls_ca_certificate(ca_pem))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");

    // Another CA is not trusted.
    let (other_ca, _) = ca("another CA");
    let error = gateway_over(
        PeerEndpoint::new(&address)
            .tls_ca_certificate(other_ca)
            .server_name_override("peer0.org1.example.com"),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");

    // Plaintext to a TLS port does not work either.
    let gateway = gateway_over(PeerEndpoint::new(&address)).await;
    let reached = match gateway {
        Ok(gateway) => gateway
            .network("mychannel")
            .contract("basic")
            .evaluate_transaction("ReadAsset", ["asset1"])
            .await
            .is_ok(),
        Err(_) => false,
    };
    assert!(!reached);
    assert_eq!(mock.record().evaluations.len(), 1);
}

#[tokio::test]
async fn mutual_tls_presents_the_client_certificate() {
    let (ca_pem, issuer) = ca("tlsca.org1.example.com");
    let (server_cert, server_key) = leaf(&issuer, "peer0.org1.example.com");
    let (client_cert, client_key) = leaf(&issuer, "user1.org1.example.com");
    let tls = ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(
            server_cert,
            server_key,
        ))
        .client_ca_root(Certificate::from_pem(&ca_pem));
    let mock = common::start_with(Script::default(), Some(tls)).await;
    let endpoint = PeerEndpoint::new(format!("localhost:{}", mock.address.port()))
        .tls_ca_certificate(ca_pem)
        .server_name_override("peer0.org1.example.com");

    let gateway = gateway_over(
        endpoint
            .clone()
            .tls_client_certificate(client_cert, client_key),
    )
    .await
    .unwrap();
    gateway
        .network("mychannel")
        .contract("basic")
        .evaluate_transaction("ReadAsset", ["asset1"])
        .await
        .unwrap();

    // Without a client certificate the server refuses the call.
    let refused = match gateway_over(endpoint).await {
        Ok(gateway) => gateway
            .network("mychannel")
            .contract("basic")
            .evaluate_transaction("ReadAsset", ["asset1"])
            .await
            .is_err(),
        Err(_) => true,
    };
    assert!(refused);
    assert_eq!(mock.record().evaluations.len(), 1);
    mock.assert_no_violations();
}

/// Writes an MSP folder as cryptogen does: signcerts/ and keystore/.
fn write_msp(dir: &std::path::Path, certificate_pem: &str, key_pem: &str) {
    std::fs::create_dir_all(dir.join("signcerts")).unwrap();
    std::fs::create_dir_all(dir.join("keystore")).unwrap();
    std::fs::write(
        dir.join("signcerts/User1@org1.example.com-cert.pem"),
        certificate_pem,
    )
    .unwrap();
    std::fs::write(dir.join("keystore/priv_sk"), key_pem).unwrap();
}

#[tokio::test]
async fn an_msp_folder_gives_identity_and_signer() {
    let mock = common::start(Script::default()).await;
    let credentials = common::new_credentials();
    let dir = tempfile::tempdir().unwrap();
    let msp_dir = dir.path().join("msp");
    write_msp(&msp_dir, &credentials.certificate_pem, &credentials.key_pem);

    let (identity, signer) = msp::load(&msp_dir, "Org1MSP").unwrap();
    assert_eq!(identity.msp_id(), "Org1MSP");
    assert_eq!(
        identity.credentials(),
        credentials.certificate_pem.as_bytes()
    );
    let gateway = Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(PeerEndpoint::new(mock.address.to_string()))
        .connect()
        .await
        .unwrap();
    gateway
        .network("mychannel")
        .contract("basic")
        .submit_transaction("CreateAsset", ["asset1"])
        .await
        .unwrap();
    // The mock verified the signatures against the certificate.
    mock.assert_no_violations();
    assert_eq!(mock.record().signatures_verified, 3);

    // A SEC1 ("EC PRIVATE KEY") key works as well.
    let sec1 = p256_sec1(&credentials.key_pem);
    std::fs::write(msp_dir.join("keystore/priv_sk"), sec1).unwrap();
    msp::load(&msp_dir, "Org1MSP").unwrap();
}

#[test]
fn msp_folder_mistakes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let msp_dir = dir.path().join("msp");
    let credentials = common::new_credentials();
    let other = common::new_credentials();

    let error = msp::load(&msp_dir, "Org1MSP").unwrap_err();
    assert!(matches!(error, IdentityError::Io { .. }), "{error:?}");

    std::fs::create_dir_all(msp_dir.join("signcerts")).unwrap();
    let error = msp::load(&msp_dir, "Org1MSP").unwrap_err();
    assert!(
        matches!(error, IdentityError::EmptyDirectory { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("signcerts"), "{error}");

    // A key that is not the certificate's.
    write_msp(&msp_dir, &credentials.certificate_pem, &other.key_pem);
    let error = msp::load(&msp_dir, "Org1MSP").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("does not belong to the certificate"),
        "{error}"
    );

    // Not a key at all.
    write_msp(
        &msp_dir,
        &credentials.certificate_pem,
        &credentials.certificate_pem,
    );
    let error = msp::load(&msp_dir, "Org1MSP").unwrap_err();
    assert!(matches!(error, IdentityError::InvalidKey(_)), "{error:?}");

    // Not a certificate.
    write_msp(&msp_dir, &credentials.key_pem, &credentials.key_pem);
    let error = msp::load(&msp_dir, "Org1MSP").unwrap_err();
    assert!(
        matches!(error, IdentityError::InvalidCertificate(_)),
        "{error:?}"
    );
}

/// The same key as SEC1 PEM (what `openssl ec` writes).
fn p256_sec1(pkcs8_pem: &str) -> String {
    use p256::pkcs8::DecodePrivateKey;
    p256::SecretKey::from_pkcs8_pem(pkcs8_pem)
        .unwrap()
        .to_sec1_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}
