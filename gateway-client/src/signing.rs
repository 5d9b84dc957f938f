//! Signing: the [`Signer`] trait, the [`HashAlgorithm`] applied before it,
//! and a built-in ECDSA P-256 signer.
//!
//! As in the official clients, what is signed is `signer(hash(message))`:
//! the client hashes (SHA-256 by default) and the signer signs the digest.
//! Signers that hash themselves (Ed25519, some HSMs) are used with
//! [`HashAlgorithm::None`]. A signer that can do both steps faster at once
//! overrides [`Signer::sign_message`], as [`EcdsaSigner`] does.

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

    /// Signs `hash(message)`: what the gateway calls for every proposal,
    /// envelope and commit-status request.
    ///
    /// The default hashes with `hash` and calls [`Signer::sign`]; override
    /// it only when hashing and signing together is faster and gives the
    /// same signature as `sign(hash.digest(message))` would verify to.
    fn sign_message<'a>(&'a self, message: &'a [u8], hash: HashAlgorithm) -> SignFuture<'a> {
        Box::pin(async move {
            let digest = hash.digest(message);
            self.sign(&digest).await
        })
    }
}

impl<S: Signer + ?Sized> Signer for Arc<S> {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        (**self).sign(digest)
    }

    fn sign_message<'a>(&'a self, message: &'a [u8], hash: HashAlgorithm) -> SignFuture<'a> {
        (**self).sign_message(message, hash)
    }
}

impl<S: Signer + ?Sized> Signer for Box<S> {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        (**self).sign(digest)
    }

    fn sign_message<'a>(&'a self, message: &'a [u8], hash: HashAlgorithm) -> SignFuture<'a> {
        (**self).sign_message(message, hash)
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
/// curve order, as Fabric requires.
///
/// Two implementations sit behind it. The gateway hands it whole messages
/// with SHA-256 ([`Signer::sign_message`]), which it signs with `ring`
/// (assembly field arithmetic and precomputed base-point tables, about nine
/// times faster than a pure-Rust signature here; `ring` is in every build
/// already, through rustls), with a random nonce. A bare digest
/// ([`EcdsaSigner::sign_digest`], or another hash algorithm) is signed with
/// RustCrypto's `p256`, deterministically (RFC 6979), because `ring` signs
/// only messages it hashes itself. Both verify the same way.
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
    fast: Arc<FastKey>,
}

/// The same key, for `ring`'s message signing.
struct FastKey {
    pair: ring::signature::EcdsaKeyPair,
    rng: ring::rand::SystemRandom,
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
        Self::from_key(key)
    }

    fn from_key(key: SigningKey) -> Result<Self, IdentityError> {
        let rng = ring::rand::SystemRandom::new();
        let public = key.verifying_key().to_encoded_point(false);
        let pair = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &key.to_bytes(),
            public.as_bytes(),
            &rng,
        )
        .map_err(|e| IdentityError::InvalidKey(format!("P-256 key rejected by ring: {e}")))?;
        Ok(Self {
            key,
            fast: Arc::new(FastKey { pair, rng }),
        })
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
        let key = SigningKey::from_pkcs8_der(der).map_err(|e| {
            IdentityError::InvalidKey(format!("not a PKCS#8 P-256 private key: {e}"))
        })?;
        Self::from_key(key)
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

    /// Signs `SHA-256(message)` now, with `ring`: a DER signature with low S.
    ///
    /// Verifies exactly as `sign_digest(&sha256(message))` does; the nonce is
    /// random rather than derived (RFC 6979), which Fabric does not check.
    ///
    /// # Errors
    /// [`SignError`] if the system's random number generator fails.
    pub fn sign_message_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let signature = self
            .fast
            .pair
            .sign(&self.fast.rng, message)
            .map_err(|_| SignError::new("ECDSA signing failed (no system randomness)"))?;
        // ring leaves S as it comes; Fabric accepts only the lower half.
        let parsed = Signature::from_der(signature.as_ref())
            .map_err(|e| SignError::with_source("ECDSA signing gave a malformed signature", e))?;
        Ok(match parsed.normalize_s() {
            Some(low) => low.to_der().as_bytes().to_vec(),
            None => signature.as_ref().to_vec(),
        })
    }
}

impl Signer for EcdsaSigner {
    fn sign<'a>(&'a self, digest: &'a [u8]) -> SignFuture<'a> {
        Box::pin(std::future::ready(self.sign_digest(digest)))
    }

    fn sign_message<'a>(&'a self, message: &'a [u8], hash: HashAlgorithm) -> SignFuture<'a> {
        let result = match hash {
            HashAlgorithm::Sha256 => self.sign_message_sha256(message),
            other => self.sign_digest(&other.digest(message)),
        };
        Box::pin(std::future::ready(result))
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
    fn message_signatures_are_low_s_der_and_verify_as_digest_signatures() {
        let signer = EcdsaSigner::from_pem(PKCS8).unwrap();
        let verifying = VerifyingKey::from_sec1_bytes(&signer.public_key_sec1()).unwrap();
        // Unnormalised, about half of ring's signatures would have a high S.
        for i in 0u32..128 {
            let message = i.to_be_bytes();
            let digest = HashAlgorithm::Sha256.digest(&message);
            let der = signer.sign_message_sha256(&message).unwrap();
            let signature = Signature::from_der(&der).unwrap();
            assert!(signature.normalize_s().is_none(), "high S for message {i}");
            verifying.verify_prehash(&digest, &signature).unwrap();
        }
    }

    #[tokio::test]
    async fn the_gateway_path_signs_with_the_requested_hash() {
        let signer: Box<dyn Signer> = Box::new(EcdsaSigner::from_pem(PKCS8).unwrap());
        let verifying =
            VerifyingKey::from_sec1_bytes(&EcdsaSigner::from_pem(PKCS8).unwrap().public_key_sec1())
                .unwrap();
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let der = signer.sign_message(b"proposal", hash).await.unwrap();
            let signature = Signature::from_der(&der).unwrap();
            verifying
                .verify_prehash(&hash.digest(b"proposal"), &signature)
                .unwrap();
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
