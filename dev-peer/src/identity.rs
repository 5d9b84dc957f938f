//! A development identity: an MSP, a CA and a user certificate generated on
//! start, so that client-identity code works locally.

use std::collections::BTreeMap;

use bytes::Bytes;
use fabric_chaincode_shim::proto::msp::SerializedIdentity;
use prost::Message;
use rcgen::{BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, KeyPair};

use crate::error::{PeerError, Result};

/// The Fabric CA attribute extension.
const ATTRIBUTE_OID: &[u64] = &[1, 2, 3, 4, 5, 6, 7, 8, 1];

/// A creator identity for the transactions the development peer runs.
#[derive(Clone)]
pub struct DevIdentity {
    /// MSP id, e.g. `Org1MSP`.
    pub mspid: String,
    /// PEM certificate of the user.
    pub cert_pem: String,
    /// PEM certificate of the CA that issued it.
    pub ca_pem: String,
}

impl std::fmt::Debug for DevIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIdentity")
            .field("mspid", &self.mspid)
            .finish_non_exhaustive()
    }
}

/// What the user certificate says.
#[derive(Debug, Clone)]
pub struct IdentitySpec {
    /// MSP id.
    pub mspid: String,
    /// Common name of the user.
    pub common_name: String,
    /// Organizational units (e.g. `client`).
    pub organizational_units: Vec<String>,
    /// Organization of the CA.
    pub organization: String,
    /// Fabric CA attributes (`hf.*` and custom ones).
    pub attributes: BTreeMap<String, String>,
}

impl Default for IdentitySpec {
    fn default() -> Self {
        IdentitySpec {
            mspid: "Org1MSP".into(),
            common_name: "User1@org1.example.com".into(),
            organizational_units: vec!["client".into()],
            organization: "org1.example.com".into(),
            attributes: BTreeMap::new(),
        }
    }
}

fn cert_error(e: rcgen::Error) -> PeerError {
    PeerError::Rejected(format!("cannot generate the development identity: {e}"))
}

impl DevIdentity {
    /// Generates a CA and a user certificate as `spec` says.
    pub fn generate(spec: &IdentitySpec) -> Result<Self> {
        let ca_key = KeyPair::generate().map_err(cert_error)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, format!("ca.{}", spec.organization));
        ca.distinguished_name
            .push(DnType::OrganizationName, spec.organization.clone());
        let ca_cert = ca.self_signed(&ca_key).map_err(cert_error)?;
        let issuer = rcgen::Issuer::new(ca, ca_key);

        let user_key = KeyPair::generate().map_err(cert_error)?;
        let mut user = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
        user.distinguished_name
            .push(DnType::CommonName, spec.common_name.clone());
        for ou in &spec.organizational_units {
            user.distinguished_name
                .push(DnType::OrganizationalUnitName, ou.clone());
        }
        if !spec.attributes.is_empty() {
            let json = serde_json::json!({ "attrs": spec.attributes });
            user.custom_extensions
                .push(CustomExtension::from_oid_content(
                    ATTRIBUTE_OID,
                    json.to_string().into_bytes(),
                ));
        }
        let user_cert = user.signed_by(&user_key, &issuer).map_err(cert_error)?;
        Ok(DevIdentity {
            mspid: spec.mspid.clone(),
            cert_pem: user_cert.pem(),
            ca_pem: ca_cert.pem(),
        })
    }

    /// The encoded `SerializedIdentity` a proposal carries as its creator.
    pub fn creator(&self) -> Bytes {
        Bytes::from(
            SerializedIdentity {
                mspid: self.mspid.clone(),
                id_bytes: Bytes::from(self.cert_pem.clone().into_bytes()),
            }
            .encode_to_vec(),
        )
    }
}
