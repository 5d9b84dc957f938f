//! The gRPC connection to a peer's Gateway service.
//!
//! [`PeerEndpoint`] builds a tonic [`Channel`] in plaintext or TLS, with the
//! knobs the Fabric samples use: a CA certificate to trust, a server name
//! override (the sample's `PEER_HOST_ALIAS`, gRPC's
//! `ssl_target_name_override`) and an optional client certificate for
//! mutual TLS. Any [`Channel`] built otherwise works too.

use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::error::TransportError;

/// Where and how to connect to a peer.
///
/// ```no_run
/// use fabric_gateway_client::PeerEndpoint;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tls_ca = std::fs::read("peers/peer0.org1.example.com/tls/ca.crt")?;
/// let channel = PeerEndpoint::new("localhost:7051")
///     .tls_ca_certificate(tls_ca)
///     .server_name_override("peer0.org1.example.com")
///     .connect()
///     .await?;
/// # let _ = channel;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct PeerEndpoint {
    address: String,
    ca_pem: Option<Vec<u8>>,
    server_name: Option<String>,
    client_identity: Option<(Vec<u8>, Vec<u8>)>,
    connect_timeout: Option<Duration>,
    keep_alive: Option<Duration>,
}

impl PeerEndpoint {
    /// A peer address: `host:port`, `http://host:port` or `https://host:port`.
    ///
    /// Without a scheme, TLS is used if a CA certificate is set, plaintext
    /// otherwise.
    #[must_use]
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            ca_pem: None,
            server_name: None,
            client_identity: None,
            connect_timeout: None,
            keep_alive: None,
        }
    }

    /// Trusts this CA certificate (PEM) for the peer's TLS certificate, and
    /// turns TLS on.
    #[must_use]
    pub fn tls_ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Checks the peer's TLS certificate against this name instead of the
    /// address's host, e.g. `peer0.org1.example.com` when connecting to
    /// `localhost:7051`.
    #[must_use]
    pub fn server_name_override(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Presents this client certificate and key (PEM) for mutual TLS.
    #[must_use]
    pub fn tls_client_certificate(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_identity = Some((certificate_pem.into(), key_pem.into()));
        self
    }

    /// Gives up connecting after this long.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends HTTP/2 keep-alive pings at this interval.
    #[must_use]
    pub fn keep_alive_interval(mut self, interval: Duration) -> Self {
        self.keep_alive = Some(interval);
        self
    }

    /// Connects now.
    ///
    /// # Errors
    /// [`TransportError`] if the address or the TLS settings are invalid, or
    /// the peer cannot be reached.
    pub async fn connect(&self) -> Result<Channel, TransportError> {
        let endpoint = self.endpoint()?;
        endpoint.connect().await.map_err(|e| {
            TransportError::with_source(format!("cannot connect to {}", self.address), e)
        })
    }

    /// A channel that connects on first use (and reconnects as needed).
    ///
    /// # Errors
    /// [`TransportError`] if the address or the TLS settings are invalid.
    pub fn connect_lazy(&self) -> Result<Channel, TransportError> {
        Ok(self.endpoint()?.connect_lazy())
    }

    fn uri(&self) -> Result<String, TransportError> {
        let tls = self.ca_pem.is_some() || self.client_identity.is_some();
        let address = self.address.trim();
        if let Some(rest) = address.strip_prefix("http://") {
            if tls {
                // TLS settings were given on purpose: honour them.
                return Ok(format!("https://{rest}"));
            }
            return Ok(address.to_owned());
        }
        if address.starts_with("https://") {
            if !tls {
                return Err(TransportError::new(format!(
                    "{address}: an https:// address needs a TLS CA certificate (tls_ca_certificate)"
                )));
            }
            return Ok(address.to_owned());
        }
        if address.contains("://") {
            return Err(TransportError::new(format!(
                "{address}: the scheme must be http:// or https://"
            )));
        }
        let scheme = if tls { "https" } else { "http" };
        Ok(format!("{scheme}://{address}"))
    }

    fn endpoint(&self) -> Result<Endpoint, TransportError> {
        let uri = self.uri()?;
        let mut endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| TransportError::with_source(format!("invalid address {uri}"), e))?;
        if let Some(timeout) = self.connect_timeout {
            endpoint = endpoint.connect_timeout(timeout);
        }
        if let Some(interval) = self.keep_alive {
            endpoint = endpoint
                .http2_keep_alive_interval(interval)
                .keep_alive_while_idle(true);
        }
        if uri.starts_with("https://") {
            let mut tls = ClientTlsConfig::new();
            if let Some(ca) = &self.ca_pem {
                tls = tls.ca_certificate(Certificate::from_pem(ca));
            }
            if let Some(name) = &self.server_name {
                tls = tls.domain_name(name.clone());
            }
            if let Some((cert, key)) = &self.client_identity {
                tls = tls.identity(tonic::transport::Identity::from_pem(cert, key));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| TransportError::with_source("invalid TLS settings", e))?;
        }
        Ok(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_follows_tls_settings() {
        let uri = |e: PeerEndpoint| e.uri().unwrap();
        assert_eq!(
            uri(PeerEndpoint::new("localhost:7051")),
            "http://localhost:7051"
        );
        assert_eq!(
            uri(PeerEndpoint::new("localhost:7051").tls_ca_certificate("ca")),
            "https://localhost:7051"
        );
        assert_eq!(
            uri(PeerEndpoint::new("http://localhost:7051").tls_ca_certificate("ca")),
            "https://localhost:7051"
        );
        assert!(PeerEndpoint::new("https://localhost:7051").uri().is_err());
        assert!(PeerEndpoint::new("grpcs://localhost:7051").uri().is_err());
    }
}
