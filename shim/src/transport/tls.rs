//! Checks of PEM material before it reaches the TLS stack, so that a bad key
//! or certificate stops start-up with a message naming it instead of a
//! handshake failure later.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// At least one certificate must decode.
pub(crate) fn check_certificates(what: &str, pem: &[u8]) -> Result<()> {
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        cert.map_err(|e| Error::Config(format!("{what} is not a valid PEM certificate: {e}")))?;
        count += 1;
    }
    if count == 0 {
        return Err(Error::Config(format!("{what} contains no PEM certificate")));
    }
    Ok(())
}

/// A private key must decode.
pub(crate) fn check_private_key(what: &str, pem: &[u8]) -> Result<()> {
    PrivateKeyDer::from_pem_slice(pem)
        .map(drop)
        .map_err(|e| Error::Config(format!("{what} is not a valid PEM private key: {e}")))
}
