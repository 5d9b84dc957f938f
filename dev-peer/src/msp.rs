//! Who may sign what: the organizations' MSPs as a channel knows them, the
//! checks Fabric applies to a creator and its signatures, and the signer a
//! peer endorses with.
//!
//! Signatures are ECDSA P-256 over SHA-256, DER-encoded, with a low `s`
//! (Fabric refuses the high-`s` twin of a valid signature). Certificates
//! must chain to an organization's CA and be within their validity period.
//! RustCrypto's `p256` does the curve arithmetic and `x509-parser` reads the
//! certificates.

use bytes::Bytes;
use fabric_chaincode_shim::proto::msp::SerializedIdentity;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::DecodePrivateKey;
use prost::Message;
use x509_parser::prelude::*;

/// Why a creator or signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MspError {
    /// The creator cannot be read or names no known organization.
    #[error("creator org unknown, creator is malformed")]
    Malformed(String),
    /// The creator is known but its certificate or signature does not check.
    #[error("creator org [{mspid}]")]
    Denied {
        /// The creator's MSP id.
        mspid: String,
        /// What failed (for logs; Fabric does not tell the client).
        reason: String,
    },
}

impl MspError {
    /// What failed, in full (for logs).
    pub fn reason(&self) -> &str {
        match self {
            MspError::Malformed(reason) => reason,
            MspError::Denied { reason, .. } => reason,
        }
    }
}

/// An organization the channel trusts: its MSP id and CA certificates.
#[derive(Debug, Clone)]
pub struct OrgTrust {
    /// MSP id, e.g. `Org1MSP`.
    pub mspid: String,
    /// DER of its root CA certificates.
    pub ca_certs: Vec<Vec<u8>>,
}

impl OrgTrust {
    /// An organization with one CA, given as PEM.
    pub fn from_pem(mspid: &str, ca_pem: &str) -> Result<Self, String> {
        let (_, pem) = parse_x509_pem(ca_pem.as_bytes())
            .map_err(|e| format!("the CA certificate of {mspid} is not PEM: {e}"))?;
        Ok(OrgTrust {
            mspid: mspid.to_owned(),
            ca_certs: vec![pem.contents],
        })
    }
}

/// The MSPs of a channel.
#[derive(Debug, Clone, Default)]
pub struct Msp {
    orgs: Vec<OrgTrust>,
}

/// A creator that passed the checks: its MSP id, its identity bytes and key.
#[derive(Debug, Clone)]
pub struct Creator {
    /// MSP id.
    pub mspid: String,
    /// The encoded `SerializedIdentity`.
    pub serialized: Bytes,
    key: VerifyingKey,
}

impl Msp {
    /// The MSPs of `orgs`.
    pub fn new(orgs: Vec<OrgTrust>) -> Self {
        Msp { orgs }
    }

    /// The organizations.
    pub fn orgs(&self) -> &[OrgTrust] {
        &self.orgs
    }

    /// Whether `mspid` is one of the organizations.
    pub fn knows(&self, mspid: &str) -> bool {
        self.orgs.iter().any(|o| o.mspid == mspid)
    }

    /// Reads and checks a serialized identity: a known MSP, a certificate
    /// issued by one of its CAs, valid now, with a P-256 key.
    pub fn creator(&self, serialized: &[u8]) -> Result<Creator, MspError> {
        let identity = SerializedIdentity::decode(serialized)
            .map_err(|e| MspError::Malformed(format!("not a SerializedIdentity: {e}")))?;
        let org = self
            .orgs
            .iter()
            .find(|o| o.mspid == identity.mspid)
            .ok_or_else(|| MspError::Malformed(format!("unknown MSP {:?}", identity.mspid)))?;
        let denied = |reason: String| MspError::Denied {
            mspid: identity.mspid.clone(),
            reason,
        };
        let (_, pem) = parse_x509_pem(&identity.id_bytes).map_err(|e| {
            MspError::Malformed(format!("the identity is not a PEM certificate: {e}"))
        })?;
        let (_, cert) = X509Certificate::from_der(&pem.contents)
            .map_err(|e| MspError::Malformed(format!("the identity is not a certificate: {e}")))?;
        if !cert.validity().is_valid() {
            return Err(denied(format!(
                "the certificate is not valid now (valid {} to {})",
                cert.validity().not_before,
                cert.validity().not_after
            )));
        }
        let issued = org.ca_certs.iter().any(|ca_der| {
            let Ok((_, ca)) = X509Certificate::from_der(ca_der) else {
                return false;
            };
            let Ok(ca_key) = verifying_key(&ca) else {
                return false;
            };
            cert.issuer() == ca.subject()
                && Signature::from_der(&cert.signature_value.data)
                    .is_ok_and(|sig| ca_key.verify(cert.tbs_certificate.as_ref(), &sig).is_ok())
        });
        if !issued {
            return Err(denied(format!(
                "the certificate was not issued by a CA of {}",
                identity.mspid
            )));
        }
        let key = verifying_key(&cert).map_err(denied)?;
        Ok(Creator {
            mspid: identity.mspid,
            serialized: Bytes::copy_from_slice(serialized),
            key,
        })
    }

    /// Checks `signature` (DER, low `s`) by `creator` over `message`.
    pub fn verify(
        &self,
        creator: &Creator,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), MspError> {
        let denied = |reason: &str| MspError::Denied {
            mspid: creator.mspid.clone(),
            reason: reason.to_owned(),
        };
        let sig =
            Signature::from_der(signature).map_err(|_| denied("the signature is not DER ECDSA"))?;
        if sig.normalize_s().is_some() {
            return Err(denied("invalid S. Must be smaller than half the order"));
        }
        creator
            .key
            .verify(message, &sig)
            .map_err(|_| denied("the signature is invalid"))
    }

    /// [`Msp::creator`] then [`Msp::verify`].
    pub fn check(
        &self,
        serialized: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<Creator, MspError> {
        let creator = self.creator(serialized)?;
        self.verify(&creator, message, signature)?;
        Ok(creator)
    }
}

/// The P-256 key of a certificate.
fn verifying_key(cert: &X509Certificate<'_>) -> Result<VerifyingKey, String> {
    VerifyingKey::from_sec1_bytes(&cert.public_key().subject_public_key.data)
        .map_err(|_| "the certificate's key is not ECDSA P-256".to_string())
}

/// An identity that signs: a peer endorsing, or a client.
#[derive(Clone)]
pub struct SigningIdentity {
    /// MSP id.
    pub mspid: String,
    /// PEM certificate.
    pub cert_pem: String,
    key: SigningKey,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("mspid", &self.mspid)
            .finish_non_exhaustive()
    }
}

impl SigningIdentity {
    /// An identity from its certificate and PKCS#8 private key, as PEM.
    pub fn from_pem(mspid: &str, cert_pem: &str, key_pem: &str) -> Result<Self, String> {
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|e| format!("the private key of {mspid} is not a PKCS#8 P-256 key: {e}"))?;
        Ok(SigningIdentity {
            mspid: mspid.to_owned(),
            cert_pem: cert_pem.to_owned(),
            key,
        })
    }

    /// The encoded `SerializedIdentity`.
    pub fn serialized(&self) -> Bytes {
        Bytes::from(
            SerializedIdentity {
                mspid: self.mspid.clone(),
                id_bytes: Bytes::from(self.cert_pem.clone().into_bytes()),
            }
            .encode_to_vec(),
        )
    }

    /// Signs `message` (SHA-256, DER, low `s`).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(message);
        let sig = sig.normalize_s().unwrap_or(sig);
        sig.to_der().as_bytes().to_vec()
    }
}
