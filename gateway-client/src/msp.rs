//! Loading an identity and its signer from an MSP folder, as written by
//! `cryptogen`, Fabric CA clients or `microfab connect`:
//!
//! ```text
//! msp/
//!   signcerts/   the certificate (PEM), e.g. User1@org1.example.com-cert.pem
//!   keystore/    the private key (PEM), e.g. priv_sk or <ski>_sk
//! ```
//!
//! As in the fabric-samples applications, the first file (by name) of each
//! folder is used; the MSP id is given, since the folder does not hold it.

use std::path::{Path, PathBuf};

use p256::pkcs8::der::pem;

use crate::error::IdentityError;
use crate::identity::{Identity, contains};
use crate::signing::EcdsaSigner;

/// Loads the identity (`signcerts/`) and the signer (`keystore/`) of an MSP
/// folder, checking that the key belongs to the certificate.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (identity, signer) = fabric_gateway_client::msp::load(
///     "organizations/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp",
///     "Org1MSP",
/// )?;
/// # let _ = (identity, signer);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`IdentityError`] if a folder is missing or empty, the files do not
/// parse, or the key does not match the certificate.
pub fn load(
    msp_dir: impl AsRef<Path>,
    msp_id: impl Into<String>,
) -> Result<(Identity, EcdsaSigner), IdentityError> {
    let msp_dir = msp_dir.as_ref();
    let identity = identity(msp_dir, msp_id)?;
    let signer = signer(msp_dir)?;
    let der = certificate_der(identity.credentials())?;
    if !contains(&der, &signer.public_key_sec1()) {
        return Err(IdentityError::InvalidKey(format!(
            "the private key in {} does not belong to the certificate in {}",
            msp_dir.join("keystore").display(),
            msp_dir.join("signcerts").display()
        )));
    }
    Ok((identity, signer))
}

/// The identity of an MSP folder: the first file of `signcerts/`.
///
/// # Errors
/// [`IdentityError`] if the folder is missing or empty, or the file holds
/// no PEM certificate.
pub fn identity(
    msp_dir: impl AsRef<Path>,
    msp_id: impl Into<String>,
) -> Result<Identity, IdentityError> {
    let path = first_file(&msp_dir.as_ref().join("signcerts"))?;
    Identity::from_pem_file(msp_id, path)
}

/// The signer of an MSP folder: the first file of `keystore/`.
///
/// # Errors
/// [`IdentityError`] if the folder is missing or empty, or the file is not
/// a P-256 private key.
pub fn signer(msp_dir: impl AsRef<Path>) -> Result<EcdsaSigner, IdentityError> {
    let path = first_file(&msp_dir.as_ref().join("keystore"))?;
    EcdsaSigner::from_pem_file(path)
}

/// The first regular file of a folder, by name.
///
/// # Errors
/// [`IdentityError::Io`] if the folder cannot be read,
/// [`IdentityError::EmptyDirectory`] if it holds no file.
pub fn first_file(dir: &Path) -> Result<PathBuf, IdentityError> {
    let io = |source| IdentityError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    files
        .into_iter()
        .next()
        .ok_or_else(|| IdentityError::EmptyDirectory {
            path: dir.to_owned(),
        })
}

fn certificate_der(pem_bytes: &[u8]) -> Result<Vec<u8>, IdentityError> {
    let invalid = |reason: String| IdentityError::InvalidCertificate(reason);
    let text = std::str::from_utf8(pem_bytes).map_err(|_| invalid("not UTF-8 PEM".into()))?;
    let start = text
        .find("-----BEGIN CERTIFICATE-----")
        .ok_or_else(|| invalid("no PEM certificate".into()))?;
    let (label, der) =
        pem::decode_vec(&text.as_bytes()[start..]).map_err(|e| invalid(format!("bad PEM: {e}")))?;
    if label != "CERTIFICATE" {
        return Err(invalid(format!("a `{label}` PEM block, not a certificate")));
    }
    Ok(der)
}
