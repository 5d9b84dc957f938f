//! Signing: the [`Signer`] trait, the [`HashAlgorithm`] applied before it,
//! and a built-in ECDSA P-256 signer.
//!
//! As in the official clients, what is signed is `signer(hash(message))`:
//! the client hashes (SHA-256 by default) and the signer signs the digest.
//! Signers that hash themselves (Ed25519, some HSMs) are used with
//! [`HashAlgorithm::None`].

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use sha2::Digest;

use crate::error::{IdentityError, SignError};

/// The future a [`Signer`] returns: the signature bytes.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, SignError>> + Send + 'a>>;

/// Signs digests with the private key of the client's [`Identity`](crate::Identity).
///
/// Asynchronous so that keys in an HSM or a remote signing service plug in;
/// a synchronous function becomes a signer with [`signer_fn`]. For ECDSA,
/// Fabric requires DER-encoded signatures with a low S value.
///
/// ```
/// use fabric_gateway_client::{SignError, SignFuture, Signer};
///
/// /// Asks a (pretend) remote service to sign.
/// struct RemoteSigner;
///
/// impl Signer for RemoteSigner {
///     fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
///         Box::pin(async move {
///             if digest.len() != 32 {
///                 return Err(SignError::new("expected a SHA-256 digest"));
///             }
///             Ok(b"signature".to_vec())
///         })
///     }
/// }
/// ```
pub trait Signer: Send + Sync {
    /// Signs a digest (or, with [`HashAlgorithm::None`], the message itself).
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a>;
}

impl<S: Signer + ?Sized> Signer for Arc<S> {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        (**self).sign(digest)
    }
}

impl<S: Signer + ?Sized> Signer for Box<S> {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        (**self).sign(digest)
    }
}

/// A [`Signer`] from a synchronous function, like Go's `identity.Sign`.
///
/// ```
/// use fabric_gateway_client::signer_fn;
///
/// let signer = signer_fn(|digest: &[u8]| Ok(digest.iter().rev().copied().collect()));
/// # let _ = signer;
/// ```
pub fn signer_fn<F>(sign: F) -> FnSigner<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, SignError> + Send + Sync,
{
    FnSigner(sign)
}

/// The [`Signer`] made by [`signer_fn`].
pub struct FnSigner<F>(F);

impl<F> fmt::Debug for FnSigner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnSigner")
    }
}

impl<F> Signer for FnSigner<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, SignError> + Send + Sync,
{
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        let result = (self.0)(digest);
        Box::pin(std::future::ready(result))
    }
}

/// How messages are hashed before the [`Signer`] sees them (the official
/// clients' `hash` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256: the default, and what Fabric's MSP expects for ECDSA.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// No hashing: the signer receives the whole message (Ed25519 signers,
    /// or signers that hash themselves). Not for [`EcdsaSigner`], which
    /// signs a digest.
    None,
}

impl HashAlgorithm {
    /// The bytes to hand to the signer for `message`.
    ///
    /// ```
    /// use fabric_gateway_client::HashAlgorithm;
    ///
    /// assert_eq!(HashAlgorithm::Sha256.digest(b"abc").len(), 32);
    /// assert_eq!(HashAlgorithm::None.digest(b"abc"), b"abc");
    /// ```
    #[must_use]
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(message).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Self::None => message.to_vec(),
        }
    }
}

/// The built-in signer: ECDSA on P-256 with a private key from a PEM file,
/// the key type Fabric CAs and `cryptogen` issue.
///
/// Signatures are DER-encoded with S normalised to the lower half of the
/// curve order, as Fabric requires. Signing is deterministic (RFC 6979).
///
/// ```
/// use fabric_gateway_client::EcdsaSigner;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let pem = "-----BEGIN PRIVATE KEY-----
/// MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmC55BK/2XKWC9W+y
/// 13Scrk4wFFea+y3vqprO65SgCGKhRANCAAQorF4Y3PMQbzCAkeB3YooLo0Zzx5Jm
/// +0d//w4PDNs8hj9WvIKP6Wg5LkvpOD6+n/Z5Lff3dVxH5rhvnTVFRpDD
/// -----END PRIVATE KEY-----";
/// let signer = EcdsaSigner::from_pem(pem)?;
/// let signature = signer.sign_digest(&[7; 32])?;
/// assert_eq!(signature[0], 0x30); // a DER SEQUENCE
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EcdsaSigner {
    key: SigningKey,
}

impl fmt::Debug for EcdsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaSigner")
            .field("curve", &"P-256")
            .finish_non_exhaustive()
    }
}

impl EcdsaSigner {
    /// A signer from a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, as
    /// `cryptogen` and Fabric CA write) or SEC1 (`BEGIN EC PRIVATE KEY`).
    ///
    /// # Errors
    /// [`IdentityError::InvalidKey`] if the PEM is not an unencrypted P-256
    /// private key.
    pub fn from_pem(pem: &str) -> Result<Self, IdentityError> {
        let key = if pem.contains("-----BEGIN PRIVATE KEY-----") {
            SigningKey::from_pkcs8_pem(pem).map_err(|e| {
                IdentityError::InvalidKey(format!("not a PKCS#8 P-256 private key: {e}"))
            })?
        } else if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
            let secret = p256::SecretKey::from_sec1_pem(pem).map_err(|e| {
                IdentityError::InvalidKey(format!("not a SEC1 P-256 private key: {e}"))
            })?;
            SigningKey::from(secret)
        } else if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(IdentityError::InvalidKey(
                "encrypted private keys are not supported; decrypt the key first".into(),
            ));
        } else {
            return Err(IdentityError::InvalidKey(
                "no `PRIVATE KEY` or `EC PRIVATE KEY` PEM block".into(),
            ));
        };
        Ok(Self { key })
    }

    /// A signer from a PEM private key file (see [`EcdsaSigner::from_pem`]).
    ///
    /// # Errors
    /// [`IdentityError::Io`] if the file cannot be read, otherwise as
    /// [`EcdsaSigner::from_pem`].
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, IdentityError> {
        let path = path.as_ref();
        let pem = std::fs::read_to_string(path).map_err(|source| IdentityError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(&pem)
    }

    /// A signer from a DER-encoded PKCS#8 private key.
    ///
    /// # Errors
    /// [`IdentityError::InvalidKey`] if the bytes are not a P-256 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, IdentityError> {
        SigningKey::from_pkcs8_der(der)
            .map(|key| Self { key })
            .map_err(|e| IdentityError::InvalidKey(format!("not a PKCS#8 P-256 private key: {e}")))
    }

    /// The public key as an uncompressed SEC1 point (65 bytes, `0x04 ‖ x ‖ y`).
    #[must_use]
    pub fn public_key_sec1(&self) -> Vec<u8> {
        self.key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    /// Signs a digest now: a DER signature with low S.
    ///
    /// # Errors
    /// [`SignError`] if the digest is shorter than 16 bytes.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        let signature: Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|e| SignError::with_source("ECDSA signing failed", e))?;
        let signature = signature.normalize_s().unwrap_or(signature);
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

impl Signer for EcdsaSigner {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        Box::pin(std::future::ready(self.sign_digest(digest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;

    const PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmC55BK/2XKWC9W+y
13Scrk4wFFea+y3vqprO65SgCGKhRANCAAQorF4Y3PMQbzCAkeB3YooLo0Zzx5Jm
+0d//w4PDNs8hj9WvIKP6Wg5LkvpOD6+n/Z5Lff3dVxH5rhvnTVFRpDD
-----END PRIVATE KEY-----";

    #[test]
    fn signatures_are_low_s_der_and_verify() {
        let signer = EcdsaSigner::from_pem(PKCS8).unwrap();
        let verifying = VerifyingKey::from_sec1_bytes(&signer.public_key_sec1()).unwrap();
        for i in 0u32..64 {
            let digest = HashAlgorithm::Sha256.digest(&i.to_be_bytes());
            let der = signer.sign_digest(&digest).unwrap();
            let signature = Signature::from_der(&der).unwrap();
            assert!(signature.normalize_s().is_none(), "high S for message {i}");
            verifying.verify_prehash(&digest, &signature).unwrap();
        }
    }

    #[test]
    fn sec1_keys_load_like_pkcs8_keys() {
        let pkcs8 = EcdsaSigner::from_pem(PKCS8).unwrap();
        let sec1_pem = p256::SecretKey::from_pkcs8_pem(PKCS8)
            .unwrap()
            .to_sec1_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        let sec1 = EcdsaSigner::from_pem(&sec1_pem).unwrap();
        assert_eq!(pkcs8.public_key_sec1(), sec1.public_key_sec1());
    }

    #[test]
    fn bad_keys_are_errors() {
        for pem in [
            "",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
        ] {
            assert!(matches!(
                EcdsaSigner::from_pem(pem),
                Err(IdentityError::InvalidKey(_))
            ));
        }
        let signer = EcdsaSigner::from_pem(PKCS8).unwrap();
        assert!(signer.sign_digest(b"short").is_err());
    }
}
