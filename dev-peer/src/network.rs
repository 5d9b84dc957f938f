//! The development network's organizations on disk: for each organization a
//! CA, a TLS CA, a peer identity and a few users, in the folder layout of
//! Fabric's test network, so applications written for it find their MSP
//! folders where they expect them:
//!
//! ```text
//! <root>/peerOrganizations/org1.example.com/
//!   ca/ca.org1.example.com-cert.pem, ca/priv_sk
//!   tlsca/tlsca.org1.example.com-cert.pem, tlsca/priv_sk
//!   msp/cacerts/, msp/tlscacerts/
//!   peers/peer0.org1.example.com/msp/{signcerts,keystore,cacerts}/
//!   peers/peer0.org1.example.com/tls/{ca.crt,server.crt,server.key}
//!   users/User1@org1.example.com/msp/{signcerts,keystore,cacerts,tlscacerts}/
//!   users/User1@org1.example.com/tls/ca.crt
//! ```
//!
//! CAs and keys are kept between runs; certificates are issued again at
//! every start, so a changed user list or attribute takes effect.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::msp::{Msp, OrgTrust, SigningIdentity};

/// The Fabric CA attribute extension.
const ATTRIBUTE_OID: &[u64] = &[1, 2, 3, 4, 5, 6, 7, 8, 1];

/// A user to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// The name before `@<domain>`, e.g. `User1`.
    pub name: String,
    /// Organizational units (`client`, `admin`, ...).
    pub organizational_units: Vec<String>,
    /// Fabric CA attributes.
    pub attributes: BTreeMap<String, String>,
}

impl UserSpec {
    /// A user with one organizational unit and no attributes.
    pub fn new(name: &str, ou: &str) -> Self {
        UserSpec {
            name: name.to_owned(),
            organizational_units: vec![ou.to_owned()],
            attributes: BTreeMap::new(),
        }
    }

    /// Parses `NAME@MSPID[;ou=OU][;attr=NAME=VALUE]...` (the `--user`
    /// option); returns the MSP id and the user.
    pub fn parse(text: &str) -> Result<(String, UserSpec), String> {
        let mut parts = text.split(';');
        let head = parts.next().unwrap_or_default();
        let (name, mspid) = head
            .split_once('@')
            .filter(|(n, m)| !n.is_empty() && !m.is_empty())
            .ok_or_else(|| {
                format!("expected NAME@MSPID[;ou=OU][;attr=NAME=VALUE], got {text:?}")
            })?;
        let mut user = UserSpec {
            name: name.to_owned(),
            organizational_units: Vec::new(),
            attributes: BTreeMap::new(),
        };
        for part in parts {
            match part.split_once('=') {
                Some(("ou", ou)) if !ou.is_empty() => user.organizational_units.push(ou.to_owned()),
                Some(("attr", attr)) => {
                    let (k, v) = attr
                        .split_once('=')
                        .ok_or_else(|| format!("expected attr=NAME=VALUE, got {part:?}"))?;
                    user.attributes.insert(k.to_owned(), v.to_owned());
                }
                _ => return Err(format!("expected ou=OU or attr=NAME=VALUE, got {part:?}")),
            }
        }
        if user.organizational_units.is_empty() {
            user.organizational_units.push("client".into());
        }
        Ok((mspid.to_owned(), user))
    }
}

/// An organization to create or load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSpec {
    /// MSP id, e.g. `Org1MSP`.
    pub mspid: String,
    /// Users besides `Admin` and `User1`.
    pub users: Vec<UserSpec>,
}

impl OrgSpec {
    /// An organization with the default users.
    pub fn new(mspid: &str) -> Self {
        OrgSpec {
            mspid: mspid.to_owned(),
            users: Vec::new(),
        }
    }

    /// `org1.example.com` for `Org1MSP`, as in Fabric's test network.
    pub fn domain(&self) -> String {
        format!(
            "{}.example.com",
            self.mspid.trim_end_matches("MSP").to_ascii_lowercase()
        )
    }
}

/// A user's material.
#[derive(Debug, Clone)]
pub struct UserMaterial {
    /// `User1@org1.example.com`.
    pub name: String,
    /// Its MSP folder.
    pub msp_dir: PathBuf,
    /// Its certificate and key.
    pub identity: SigningIdentity,
}

/// An organization's material.
#[derive(Debug, Clone)]
pub struct OrgMaterial {
    /// MSP id.
    pub mspid: String,
    /// `org1.example.com`.
    pub domain: String,
    /// `<root>/peerOrganizations/<domain>` (the samples' `CRYPTO_PATH`).
    pub dir: PathBuf,
    /// PEM of its CA.
    pub ca_pem: String,
    /// Its peer, which endorses.
    pub peer: SigningIdentity,
    /// Its users: `Admin`, `User1`, then the extra ones.
    pub users: Vec<UserMaterial>,
}

/// The TLS material of the peer that serves the Gateway.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The TLS CA that clients trust (`.../tls/ca.crt`).
    pub ca_path: PathBuf,
    /// PEM of the TLS CA.
    pub ca_pem: String,
    /// PEM certificate of the server.
    pub cert_pem: String,
    /// PEM key of the server.
    pub key_pem: String,
    /// The name in the certificate apps use as host alias.
    pub host_alias: String,
}

/// Every organization of the development network.
#[derive(Debug, Clone)]
pub struct DevNetwork {
    /// `<data dir>/organizations`.
    pub root: PathBuf,
    /// The organizations, the first being the Gateway peer's own.
    pub orgs: Vec<OrgMaterial>,
    /// The Gateway peer's TLS material.
    pub tls: TlsMaterial,
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| err(&format!("cannot create {}", dir.display()), e))?;
    }
    std::fs::write(path, text).map_err(|e| err(&format!("cannot write {}", path.display()), e))
}

/// Loads the key at `path`, or generates and writes one.
fn key_at(path: &Path) -> Result<KeyPair, String> {
    if let Ok(pem) = std::fs::read_to_string(path) {
        return KeyPair::from_pem(&pem)
            .map_err(|e| err(&format!("bad key in {}", path.display()), e));
    }
    let key = KeyPair::generate().map_err(|e| err("cannot generate a key", e))?;
    write(path, &key.serialize_pem())?;
    Ok(key)
}

/// Loads the CA in `dir` (`<name>-cert.pem`, `priv_sk`), or creates it.
fn ca_at(
    dir: &Path,
    name: &str,
    organization: &str,
) -> Result<(Issuer<'static, KeyPair>, String), String> {
    let key = key_at(&dir.join("priv_sk"))?;
    let cert_path = dir.join(format!("{name}-cert.pem"));
    if let Ok(pem) = std::fs::read_to_string(&cert_path)
        && let Ok(issuer) = Issuer::from_ca_cert_pem(
            &pem,
            KeyPair::from_pem(&key.serialize_pem()).map_err(|e| err("key", e))?,
        )
    {
        return Ok((issuer, pem));
    }
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA", e))?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, organization);
    let cert = params
        .self_signed(&key)
        .map_err(|e| err("cannot sign the CA", e))?;
    let pem = cert.pem();
    write(&cert_path, &pem)?;
    Ok((Issuer::new(params, key), pem))
}

/// Issues a signing certificate for `common_name` with `key`.
fn issue(
    issuer: &Issuer<'_, KeyPair>,
    key: &KeyPair,
    common_name: &str,
    ous: &[String],
    attributes: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("cert", e))?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    for ou in ous {
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, ou.clone());
    }
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if !attributes.is_empty() {
        let json = serde_json::json!({ "attrs": attributes });
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                ATTRIBUTE_OID,
                json.to_string().into_bytes(),
            ));
    }
    Ok(params
        .signed_by(key, issuer)
        .map_err(|e| err("cannot issue a certificate", e))?
        .pem())
}

/// An organization's CAs while its identities are issued.
struct OrgCas<'a> {
    mspid: &'a str,
    issuer: &'a Issuer<'a, KeyPair>,
    /// Name and PEM of the CA.
    ca: (&'a str, &'a str),
    /// Name and PEM of the TLS CA.
    tls_ca: (&'a str, &'a str),
}

/// Writes an MSP folder and returns the signing identity in it.
fn msp_folder(
    dir: &Path,
    cas: &OrgCas<'_>,
    full_name: &str,
    ous: &[String],
    attributes: &BTreeMap<String, String>,
) -> Result<SigningIdentity, String> {
    let key = key_at(&dir.join("keystore/priv_sk"))?;
    let cert = issue(cas.issuer, &key, full_name, ous, attributes)?;
    write(&dir.join(format!("signcerts/{full_name}-cert.pem")), &cert)?;
    write(
        &dir.join(format!("cacerts/{}-cert.pem", cas.ca.0)),
        cas.ca.1,
    )?;
    write(
        &dir.join(format!("tlscacerts/{}-cert.pem", cas.tls_ca.0)),
        cas.tls_ca.1,
    )?;
    SigningIdentity::from_pem(cas.mspid, &cert, &key.serialize_pem())
}

impl DevNetwork {
    /// Creates (or loads, keeping CAs and keys) the organizations under
    /// `root`, and the TLS material of the first organization's peer for
    /// `hosts` (names and IP addresses clients dial, besides the peer's own
    /// name).
    pub fn create_or_load(root: &Path, orgs: &[OrgSpec], hosts: &[String]) -> Result<Self, String> {
        if orgs.is_empty() {
            return Err("at least one organization is needed".into());
        }
        let mut materials = Vec::new();
        let mut tls = None;
        for (index, spec) in orgs.iter().enumerate() {
            let domain = spec.domain();
            let dir = root.join("peerOrganizations").join(&domain);
            let ca_name = format!("ca.{domain}");
            let tlsca_name = format!("tlsca.{domain}");
            let (issuer, ca_pem) = ca_at(&dir.join("ca"), &ca_name, &domain)?;
            let (tls_issuer, tls_ca_pem) = ca_at(&dir.join("tlsca"), &tlsca_name, &domain)?;
            write(
                &dir.join(format!("msp/cacerts/{ca_name}-cert.pem")),
                &ca_pem,
            )?;
            write(
                &dir.join(format!("msp/tlscacerts/{tlsca_name}-cert.pem")),
                &tls_ca_pem,
            )?;
            let cas = OrgCas {
                mspid: &spec.mspid,
                issuer: &issuer,
                ca: (ca_name.as_str(), ca_pem.as_str()),
                tls_ca: (tlsca_name.as_str(), tls_ca_pem.as_str()),
            };

            let peer_name = format!("peer0.{domain}");
            let peer_dir = dir.join("peers").join(&peer_name);
            let peer = msp_folder(
                &peer_dir.join("msp"),
                &cas,
                &peer_name,
                &["peer".to_string()],
                &BTreeMap::new(),
            )?;
            // The peer's TLS server certificate.
            let tls_key = key_at(&peer_dir.join("tls/server.key"))?;
            let mut names = vec![
                peer_name.clone(),
                "localhost".to_string(),
                "127.0.0.1".to_string(),
            ];
            for host in hosts {
                if !names.contains(host) {
                    names.push(host.clone());
                }
            }
            let mut params =
                CertificateParams::new(Vec::<String>::new()).map_err(|e| err("TLS", e))?;
            params
                .distinguished_name
                .push(DnType::CommonName, peer_name.clone());
            params.subject_alt_names = names
                .iter()
                .map(|n| match n.parse::<std::net::IpAddr>() {
                    Ok(ip) => Ok(SanType::IpAddress(ip)),
                    Err(_) => n
                        .clone()
                        .try_into()
                        .map(SanType::DnsName)
                        .map_err(|e| err(&format!("bad host name {n:?}"), e)),
                })
                .collect::<Result<_, _>>()?;
            let server_pem = params
                .signed_by(&tls_key, &tls_issuer)
                .map_err(|e| err("cannot issue the TLS certificate", e))?
                .pem();
            write(&peer_dir.join("tls/server.crt"), &server_pem)?;
            write(&peer_dir.join("tls/ca.crt"), &tls_ca_pem)?;
            if index == 0 {
                tls = Some(TlsMaterial {
                    ca_path: peer_dir.join("tls/ca.crt"),
                    ca_pem: tls_ca_pem.clone(),
                    cert_pem: server_pem,
                    key_pem: tls_key.serialize_pem(),
                    host_alias: peer_name.clone(),
                });
            }

            let mut users = vec![
                UserSpec::new("Admin", "admin"),
                UserSpec::new("User1", "client"),
            ];
            for extra in &spec.users {
                users.retain(|u| u.name != extra.name);
                users.push(extra.clone());
            }
            let mut user_materials = Vec::new();
            for user in &users {
                let full_name = format!("{}@{domain}", user.name);
                let user_dir = dir.join("users").join(&full_name);
                let identity = msp_folder(
                    &user_dir.join("msp"),
                    &cas,
                    &full_name,
                    &user.organizational_units,
                    &user.attributes,
                )?;
                write(&user_dir.join("tls/ca.crt"), &tls_ca_pem)?;
                user_materials.push(UserMaterial {
                    name: full_name,
                    msp_dir: user_dir.join("msp"),
                    identity,
                });
            }
            materials.push(OrgMaterial {
                mspid: spec.mspid.clone(),
                domain,
                dir,
                ca_pem,
                peer,
                users: user_materials,
            });
        }
        Ok(DevNetwork {
            root: root.to_path_buf(),
            orgs: materials,
            tls: tls.expect("the first organization sets it"),
        })
    }

    /// The channel's MSPs: every organization's CA.
    pub fn msp(&self) -> Result<Msp, String> {
        self.orgs
            .iter()
            .map(|o| OrgTrust::from_pem(&o.mspid, &o.ca_pem))
            .collect::<Result<Vec<_>, _>>()
            .map(Msp::new)
    }

    /// The user `name` (`User1` or `User1@org1.example.com`) of `mspid`.
    pub fn user(&self, mspid: &str, name: &str) -> Option<&UserMaterial> {
        let org = self.orgs.iter().find(|o| o.mspid == mspid)?;
        org.users
            .iter()
            .find(|u| u.name == name || u.name.split('@').next() == Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_specs_parse() {
        let (mspid, user) = UserSpec::parse("auditor@Org2MSP;ou=client;attr=role=auditor").unwrap();
        assert_eq!(mspid, "Org2MSP");
        assert_eq!(user.name, "auditor");
        assert_eq!(user.organizational_units, ["client"]);
        assert_eq!(user.attributes["role"], "auditor");
        assert_eq!(
            UserSpec::parse("bob@Org1MSP")
                .unwrap()
                .1
                .organizational_units,
            ["client"]
        );
        assert!(UserSpec::parse("nobody").is_err());
        assert!(UserSpec::parse("a@Org1MSP;color=red").is_err());
    }

    #[test]
    fn material_is_kept_between_runs_and_verifies() {
        let root = std::env::temp_dir().join(format!("devnet-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let orgs = [OrgSpec::new("Org1MSP"), OrgSpec::new("Org2MSP")];
        let first = DevNetwork::create_or_load(&root, &orgs, &[]).unwrap();
        let second = DevNetwork::create_or_load(&root, &orgs, &["gateway.local".into()]).unwrap();
        assert_eq!(
            first.orgs[0].ca_pem, second.orgs[0].ca_pem,
            "the CA is kept"
        );
        let msp = second.msp().unwrap();
        // A certificate issued by the first run still checks after a restart.
        let user = first.user("Org2MSP", "User1").unwrap();
        let creator = msp.check(&user.identity.serialized(), b"m", &user.identity.sign(b"m"));
        assert_eq!(creator.unwrap().mspid, "Org2MSP");
        // The layout apps read.
        let org1 = root.join("peerOrganizations/org1.example.com");
        for path in [
            "users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem",
            "users/User1@org1.example.com/msp/keystore/priv_sk",
            "users/Admin@org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem",
            "peers/peer0.org1.example.com/tls/ca.crt",
        ] {
            assert!(org1.join(path).is_file(), "{path}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
