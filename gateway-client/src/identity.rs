//! Who the client is: an MSP id and an X.509 certificate.

use std::path::Path;

use bytes::Bytes;
use fabric_protos::msp::SerializedIdentity;
use prost::Message;

use crate::error::IdentityError;

/// A client identity: the MSP id of its organization and its X.509
/// certificate in PEM form. It travels in every proposal, transaction and
/// signed request as a serialized `msp.SerializedIdentity`, the *creator*.
///
/// ```
/// use fabric_gateway_client::Identity;
///
/// let identity = Identity::new("Org1MSP", "-----BEGIN CERTIFICATE-----\n...");
/// assert_eq!(identity.msp_id(), "Org1MSP");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    msp_id: String,
    credentials: Vec<u8>,
}

impl Identity {
    /// An identity from an MSP id and a certificate PEM.
    #[must_use]
    pub fn new(msp_id: impl Into<String>, certificate_pem: impl Into<Vec<u8>>) -> Self {
        Self {
            msp_id: msp_id.into(),
            credentials: certificate_pem.into(),
        }
    }

    /// An identity from an MSP id and a certificate PEM file.
    ///
    /// # Errors
    /// [`IdentityError::Io`] if the file cannot be read,
    /// [`IdentityError::InvalidCertificate`] if it holds no PEM certificate.
    pub fn from_pem_file(
        msp_id: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<Self, IdentityError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|source| IdentityError::Io {
            path: path.to_owned(),
            source,
        })?;
        if !contains(&pem, b"-----BEGIN CERTIFICATE-----") {
            return Err(IdentityError::InvalidCertificate(format!(
                "{} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(Self::new(msp_id, pem))
    }

    /// The MSP id.
    #[must_use]
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The certificate PEM.
    #[must_use]
    pub fn credentials(&self) -> &[u8] {
        &self.credentials
    }

    /// The encoded `msp.SerializedIdentity` (the creator bytes).
    ///
    /// ```
    /// use fabric_gateway_client::Identity;
    ///
    /// let creator = Identity::new("Org1MSP", "PEM").serialize();
    /// // field 1 (mspid) "Org1MSP", field 2 (id_bytes) "PEM"
    /// assert_eq!(&creator[..], b"\x0a\x07Org1MSP\x12\x03PEM");
    /// ```
    #[must_use]
    pub fn serialize(&self) -> Bytes {
        SerializedIdentity {
            mspid: self.msp_id.clone(),
            id_bytes: Bytes::copy_from_slice(&self.credentials),
        }
        .encode_to_vec()
        .into()
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
