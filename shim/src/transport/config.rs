//! Start-up configuration from the environment and the command line, in the
//! variables and encodings the peer and its launchers use.

use std::path::Path;
use std::time::Duration;

use base64::Engine;

use crate::error::{Error, Result};

/// How the chaincode reaches its peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartMode {
    /// The chaincode dials the peer's `ChaincodeSupport.Register` (the peer
    /// launched it, or an external builder's `bin/run` did).
    Dial(DialConfig),
    /// Chaincode-as-a-service: the chaincode serves `Chaincode.Connect` and
    /// the peer dials in.
    Serve(ServeConfig),
}

/// Settings of the dialling mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialConfig {
    /// `host:port` of the peer's chaincode listener.
    pub peer_address: String,
    /// The chaincode's package id (`label:hash`), sent in REGISTER.
    pub chaincode_id: String,
    /// TLS settings when `CORE_PEER_TLS_ENABLED` is true.
    pub tls: Option<ClientTls>,
}

/// Settings of the process around its connection, the same in both modes:
/// how long a graceful shutdown may take, and where orchestrators can check
/// its health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleConfig {
    /// `CHAINCODE_DRAIN_TIMEOUT`: on SIGTERM or Ctrl-C, how long transactions
    /// already received may take to complete before they are cut off and the
    /// process exits non-zero. Default [`DEFAULT_DRAIN_TIMEOUT`].
    pub drain_timeout: Duration,
    /// `CHAINCODE_HEALTH_ADDRESS`: `host:port` of an extra plaintext listener
    /// answering only the gRPC health-checking protocol. Needed in the
    /// dialling mode to have health checks at all, and in
    /// chaincode-as-a-service when the chaincode port uses TLS (Kubernetes'
    /// `grpc` probes do not speak TLS).
    pub health_address: Option<String>,
}

/// The drain deadline when `CHAINCODE_DRAIN_TIMEOUT` is not set: well within
/// the 10 s of `docker stop` and the 30 s of Kubernetes' termination grace period.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            health_address: None,
        }
    }
}

impl LifecycleConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_sources(|name| std::env::var(name).ok())
    }

    /// Reads the settings from an environment lookup.
    ///
    /// `CHAINCODE_DRAIN_TIMEOUT` is a duration: a number with the unit `ms`,
    /// `s` or `m` (`500ms`, `5s`, `1.5s`, `2m`), or a number of seconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use fabric_chaincode_shim::transport::LifecycleConfig;
    ///
    /// let env = |name: &str| match name {
    ///     "CHAINCODE_DRAIN_TIMEOUT" => Some("1500ms".to_string()),
    ///     "CHAINCODE_HEALTH_ADDRESS" => Some("0.0.0.0:9998".to_string()),
    ///     _ => None,
    /// };
    /// let config = LifecycleConfig::from_sources(env).unwrap();
    /// assert_eq!(config.drain_timeout, Duration::from_millis(1500));
    /// assert_eq!(config.health_address.as_deref(), Some("0.0.0.0:9998"));
    ///
    /// assert_eq!(LifecycleConfig::from_sources(|_| None).unwrap(), LifecycleConfig::default());
    /// let err = LifecycleConfig::from_sources(|_| Some("soon".into())).unwrap_err();
    /// assert!(err.to_string().contains("CHAINCODE_DRAIN_TIMEOUT"));
    /// ```
    pub fn from_sources(env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let drain_timeout = match env(env::CHAINCODE_DRAIN_TIMEOUT) {
            Some(text) => parse_duration(&text).ok_or_else(|| {
                Error::Config(format!(
                    "'{}' must be a duration such as 5s, 500ms or 1m, not {text:?}",
                    env::CHAINCODE_DRAIN_TIMEOUT
                ))
            })?,
            None => DEFAULT_DRAIN_TIMEOUT,
        };
        Ok(LifecycleConfig {
            drain_timeout,
            health_address: env(env::CHAINCODE_HEALTH_ADDRESS),
        })
    }
}

/// `5s`, `500ms`, `1.5s`, `2m`, or a plain number of seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let number: f64 = number.trim().parse().ok()?;
    Duration::try_from_secs_f64(number * scale).ok()
}

/// TLS settings of the dialling mode.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientTls {
    /// PEM of the CA that issued the peer's TLS certificate.
    pub root_cert_pem: Vec<u8>,
    /// PEM client certificate (the peer requires one from its chaincode CA).
    pub client_cert_pem: Vec<u8>,
    /// PEM private key of the client certificate.
    pub client_key_pem: Vec<u8>,
    /// Name to verify in the peer's certificate instead of the address host.
    pub server_name: Option<String>,
}

/// Settings of chaincode-as-a-service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// `host:port` to listen on.
    pub address: String,
    /// The chaincode's package id, sent in REGISTER.
    pub chaincode_id: String,
    /// TLS settings; `None` serves plaintext.
    pub tls: Option<ServerTls>,
}

/// TLS settings of chaincode-as-a-service.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTls {
    /// PEM server certificate.
    pub cert_pem: Vec<u8>,
    /// PEM private key.
    pub key_pem: Vec<u8>,
    /// PEM CA certificates; when set, the peer must present a client
    /// certificate issued by one of them (mutual TLS).
    pub client_ca_pem: Option<Vec<u8>>,
}

// Keys and certificates stay out of debug output.
impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("mutual", &self.client_ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// Environment variable names, as Fabric's launchers and samples set them.
pub mod env {
    /// Package id in the dialling mode (set by the peer).
    pub const CHAINCODE_ID_NAME: &str = "CORE_CHAINCODE_ID_NAME";
    /// Peer address (Java shim convention; the Go/Node shims take `--peer.address`).
    pub const PEER_ADDRESS: &str = "CORE_PEER_ADDRESS";
    /// `true`/`false`: TLS to the peer.
    pub const PEER_TLS_ENABLED: &str = "CORE_PEER_TLS_ENABLED";
    /// PEM file of the peer's TLS CA (dialling); client CA (serving, Go contract API).
    pub const PEER_TLS_ROOTCERT_FILE: &str = "CORE_PEER_TLS_ROOTCERT_FILE";
    /// File holding the base64 of the client key PEM.
    pub const TLS_CLIENT_KEY_PATH: &str = "CORE_TLS_CLIENT_KEY_PATH";
    /// File holding the base64 of the client certificate PEM.
    pub const TLS_CLIENT_CERT_PATH: &str = "CORE_TLS_CLIENT_CERT_PATH";
    /// PEM file of the client key (preferred over the `_PATH` form when set).
    pub const TLS_CLIENT_KEY_FILE: &str = "CORE_TLS_CLIENT_KEY_FILE";
    /// PEM file of the client certificate (preferred over the `_PATH` form when set).
    pub const TLS_CLIENT_CERT_FILE: &str = "CORE_TLS_CLIENT_CERT_FILE";
    /// Overrides the name checked in the peer's certificate.
    pub const PEER_TLS_SERVERHOSTOVERRIDE: &str = "CORE_PEER_TLS_SERVERHOSTOVERRIDE";
    /// Listen address: its presence selects chaincode-as-a-service.
    pub const CHAINCODE_SERVER_ADDRESS: &str = "CHAINCODE_SERVER_ADDRESS";
    /// Package id in chaincode-as-a-service (fabric-samples convention).
    pub const CHAINCODE_ID: &str = "CHAINCODE_ID";
    /// `true` (default) or `false`: fabric-samples' switch for server TLS.
    pub const CHAINCODE_TLS_DISABLED: &str = "CHAINCODE_TLS_DISABLED";
    /// PEM file of the server key.
    pub const CHAINCODE_TLS_KEY: &str = "CHAINCODE_TLS_KEY";
    /// PEM file of the server certificate.
    pub const CHAINCODE_TLS_CERT: &str = "CHAINCODE_TLS_CERT";
    /// PEM file of the CA that must have issued the peer's client certificate.
    pub const CHAINCODE_CLIENT_CA_CERT: &str = "CHAINCODE_CLIENT_CA_CERT";
    /// Drain deadline of a graceful shutdown (`5s`, `500ms`, ...; default 5 s).
    pub const CHAINCODE_DRAIN_TIMEOUT: &str = "CHAINCODE_DRAIN_TIMEOUT";
    /// `host:port` of an extra plaintext gRPC health endpoint (both modes).
    pub const CHAINCODE_HEALTH_ADDRESS: &str = "CHAINCODE_HEALTH_ADDRESS";
    /// Log level (CRITICAL, ERROR, WARNING, INFO, DEBUG), as the peer passes it;
    /// `RUST_LOG` wins when set.
    pub const CHAINCODE_LOGGING_LEVEL: &str = "CORE_CHAINCODE_LOGGING_LEVEL";
    /// `json` for one JSON object per log line; anything else (the peer
    /// passes its own format string) is plain text.
    pub const CHAINCODE_LOGGING_FORMAT: &str = "CORE_CHAINCODE_LOGGING_FORMAT";
}

impl StartMode {
    /// Reads the configuration from the process environment and arguments.
    pub fn from_env() -> Result<Self> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Self::from_sources(|name| std::env::var(name).ok(), &args)
    }

    /// Reads the configuration from an environment lookup and command-line arguments
    /// (without the program name).
    ///
    /// `CHAINCODE_SERVER_ADDRESS` selects chaincode-as-a-service, with the
    /// package id from `CHAINCODE_ID` or `CORE_CHAINCODE_ID_NAME`; TLS from
    /// fabric-samples' `CHAINCODE_TLS_DISABLED=false` + `CHAINCODE_TLS_KEY`,
    /// `CHAINCODE_TLS_CERT`, `CHAINCODE_CLIENT_CA_CERT`, or from the Go
    /// contract API's `CORE_PEER_TLS_ENABLED=true` + `CORE_TLS_CLIENT_KEY_FILE`,
    /// `CORE_TLS_CLIENT_CERT_FILE`, `CORE_PEER_TLS_ROOTCERT_FILE`.
    ///
    /// Otherwise the chaincode dials the peer at `--peer.address` (also
    /// `-peer.address`, `--peerAddress`, `-a`) or `CORE_PEER_ADDRESS`, as
    /// `CORE_CHAINCODE_ID_NAME` (or `--chaincode-id-name`, `-i`, `--id`), with
    /// TLS when `CORE_PEER_TLS_ENABLED` is true.
    ///
    /// ```
    /// use fabric_chaincode_shim::transport::StartMode;
    ///
    /// let env = |name: &str| match name {
    ///     "CORE_CHAINCODE_ID_NAME" => Some("basic_1.0:abc".to_string()),
    ///     "CORE_PEER_TLS_ENABLED" => Some("false".to_string()),
    ///     _ => None,
    /// };
    /// let mode = StartMode::from_sources(env, &["-peer.address=peer0:7052".to_string()]).unwrap();
    /// let StartMode::Dial(dial) = mode else { panic!() };
    /// assert_eq!(dial.peer_address, "peer0:7052");
    ///
    /// let err = StartMode::from_sources(|_| None, &[]).unwrap_err();
    /// assert!(err.to_string().contains("CORE_CHAINCODE_ID_NAME"));
    /// ```
    pub fn from_sources(env: impl Fn(&str) -> Option<String>, args: &[String]) -> Result<Self> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let flags = Flags::parse(args)?;
        if let Some(address) = env(env::CHAINCODE_SERVER_ADDRESS) {
            let chaincode_id = env(env::CHAINCODE_ID)
                .or_else(|| env(env::CHAINCODE_ID_NAME))
                .ok_or_else(|| missing("CHAINCODE_ID (or CORE_CHAINCODE_ID_NAME) must be set when CHAINCODE_SERVER_ADDRESS is set"))?;
            let tls = server_tls(&env)?;
            return Ok(StartMode::Serve(ServeConfig {
                address,
                chaincode_id,
                tls,
            }));
        }

        if let Some(path) = &flags.chaincode_json {
            return external_builder_config(path);
        }
        let chaincode_id = flags
            .chaincode_id
            .or_else(|| env(env::CHAINCODE_ID_NAME))
            .ok_or_else(|| {
                missing("'CORE_CHAINCODE_ID_NAME' must be set (or --chaincode-id-name)")
            })?;
        let peer_address = flags
            .peer_address
            .or_else(|| env(env::PEER_ADDRESS))
            .ok_or_else(|| {
                missing("the peer address must be set with --peer.address <host:port> or CORE_PEER_ADDRESS (or set CHAINCODE_SERVER_ADDRESS to run as a service)")
            })?;
        let tls = if parse_bool(env::PEER_TLS_ENABLED, env(env::PEER_TLS_ENABLED))? {
            Some(ClientTls {
                root_cert_pem: read_file(
                    env::PEER_TLS_ROOTCERT_FILE,
                    env(env::PEER_TLS_ROOTCERT_FILE),
                )?,
                client_key_pem: pem_or_base64(
                    &env,
                    env::TLS_CLIENT_KEY_FILE,
                    env::TLS_CLIENT_KEY_PATH,
                )?,
                client_cert_pem: pem_or_base64(
                    &env,
                    env::TLS_CLIENT_CERT_FILE,
                    env::TLS_CLIENT_CERT_PATH,
                )?,
                server_name: env(env::PEER_TLS_SERVERHOSTOVERRIDE),
            })
        } else {
            None
        };
        Ok(StartMode::Dial(DialConfig {
            peer_address,
            chaincode_id,
            tls,
        }))
    }
}

/// What an external builder's `bin/run` receives from the peer in
/// `chaincode.json` (Fabric `core/container/externalbuilder`).
#[derive(serde::Deserialize)]
struct ChaincodeJson {
    chaincode_id: String,
    peer_address: String,
    #[serde(default)]
    client_cert: String,
    #[serde(default)]
    client_key: String,
    #[serde(default)]
    root_cert: String,
    #[serde(default)]
    mspid: String,
}

/// The dialling configuration from an external builder's `chaincode.json`
/// (`--chaincode-json <path>`): address, package id, PEM material, and the
/// peer's MSP id for [`crate::local_mspid`].
fn external_builder_config(path: &str) -> Result<StartMode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read --chaincode-json file {path:?}: {e}")))?;
    let json: ChaincodeJson = serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "--chaincode-json file {path:?} is not a chaincode.json: {e}"
        ))
    })?;
    if json.chaincode_id.is_empty() || json.peer_address.is_empty() {
        return Err(Error::Config(format!(
            "--chaincode-json file {path:?} must give chaincode_id and peer_address"
        )));
    }
    if !json.mspid.is_empty() {
        crate::set_local_mspid(Some(&json.mspid));
    }
    let tls = (!json.root_cert.is_empty()).then(|| ClientTls {
        root_cert_pem: json.root_cert.into_bytes(),
        client_cert_pem: json.client_cert.into_bytes(),
        client_key_pem: json.client_key.into_bytes(),
        server_name: None,
    });
    Ok(StartMode::Dial(DialConfig {
        peer_address: json.peer_address,
        chaincode_id: json.chaincode_id,
        tls,
    }))
}

fn server_tls(env: &impl Fn(&str) -> Option<String>) -> Result<Option<ServerTls>> {
    if let Some(disabled) = env(env::CHAINCODE_TLS_DISABLED) {
        if parse_bool(env::CHAINCODE_TLS_DISABLED, Some(disabled))? {
            return Ok(None);
        }
        let client_ca_pem = match env(env::CHAINCODE_CLIENT_CA_CERT) {
            Some(path) => Some(read_file(env::CHAINCODE_CLIENT_CA_CERT, Some(path))?),
            None => None,
        };
        return Ok(Some(ServerTls {
            key_pem: read_file(env::CHAINCODE_TLS_KEY, env(env::CHAINCODE_TLS_KEY))?,
            cert_pem: read_file(env::CHAINCODE_TLS_CERT, env(env::CHAINCODE_TLS_CERT))?,
            client_ca_pem,
        }));
    }
    if parse_bool(env::PEER_TLS_ENABLED, env(env::PEER_TLS_ENABLED))? {
        let client_ca_pem = match env(env::PEER_TLS_ROOTCERT_FILE) {
            Some(path) => Some(read_file(env::PEER_TLS_ROOTCERT_FILE, Some(path))?),
            None => None,
        };
        return Ok(Some(ServerTls {
            key_pem: pem_or_base64(env, env::TLS_CLIENT_KEY_FILE, env::TLS_CLIENT_KEY_PATH)?,
            cert_pem: pem_or_base64(env, env::TLS_CLIENT_CERT_FILE, env::TLS_CLIENT_CERT_PATH)?,
            client_ca_pem,
        }));
    }
    Ok(None)
}

/// Command-line flags in the spellings of the Go, Node and Java shims.
#[derive(Default)]
struct Flags {
    peer_address: Option<String>,
    chaincode_id: Option<String>,
    chaincode_json: Option<String>,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Self> {
        let mut flags = Flags::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                return Err(Error::Config(format!(
                    "unexpected command-line argument {arg:?}"
                )));
            };
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let slot = match name {
                "peer.address" | "peerAddress" | "a" => &mut flags.peer_address,
                "chaincode-id-name" | "id" | "i" => &mut flags.chaincode_id,
                "chaincode-json" => &mut flags.chaincode_json,
                _ => {
                    return Err(Error::Config(format!(
                        "unknown command-line flag {arg:?} (expected --peer.address, --chaincode-id-name or --chaincode-json)"
                    )));
                }
            };
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| Error::Config(format!("flag {arg:?} needs a value")))?
                }
            };
            *slot = Some(value);
            i += 1;
        }
        Ok(flags)
    }
}

fn missing(text: &str) -> Error {
    Error::Config(text.to_owned())
}

/// Go's `strconv.ParseBool`; unset means false.
fn parse_bool(name: &str, value: Option<String>) -> Result<bool> {
    match value.as_deref() {
        None => Ok(false),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(other) => Err(Error::Config(format!(
            "'{name}' must be set to 'true' or 'false', not {other:?}"
        ))),
    }
}

fn read_file(name: &str, path: Option<String>) -> Result<Vec<u8>> {
    let path =
        path.ok_or_else(|| Error::Config(format!("'{name}' must be set when TLS is enabled")))?;
    std::fs::read(Path::new(&path))
        .map_err(|e| Error::Config(format!("cannot read {name} file {path:?}: {e}")))
}

/// A PEM from `file_var`, else the base64 of a PEM stored in the file named by `path_var`.
fn pem_or_base64(
    env: &impl Fn(&str) -> Option<String>,
    file_var: &str,
    path_var: &str,
) -> Result<Vec<u8>> {
    if let Some(path) = env(file_var) {
        return read_file(file_var, Some(path));
    }
    let Some(path) = env(path_var) else {
        return Err(Error::Config(format!(
            "'{path_var}' (or '{file_var}') must be set when TLS is enabled"
        )));
    };
    let text = read_file(path_var, Some(path.clone()))?;
    let compact: Vec<u8> = text
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| {
            Error::Config(format!(
                "{path_var} file {path:?} does not hold base64: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn mode(vars: &[(&str, &str)], args: &[&str]) -> Result<StartMode> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        StartMode::from_sources(|n| map.get(n).cloned(), &args)
    }

    #[test]
    fn dial_flags_in_every_spelling() {
        for args in [
            &["-peer.address=p:1"][..],
            &["--peer.address", "p:1"],
            &["--peerAddress", "p:1"],
            &["-a", "p:1"],
        ] {
            let m = mode(&[("CORE_CHAINCODE_ID_NAME", "cc:1")], args).unwrap();
            assert_eq!(
                m,
                StartMode::Dial(DialConfig {
                    peer_address: "p:1".into(),
                    chaincode_id: "cc:1".into(),
                    tls: None
                })
            );
        }
    }

    #[test]
    fn flag_wins_over_env_address() {
        let m = mode(
            &[
                ("CORE_CHAINCODE_ID_NAME", "cc"),
                ("CORE_PEER_ADDRESS", "env:1"),
            ],
            &["--peer.address=flag:2"],
        )
        .unwrap();
        let StartMode::Dial(d) = m else { panic!() };
        assert_eq!(d.peer_address, "flag:2");
        let m = mode(
            &[
                ("CORE_CHAINCODE_ID_NAME", "cc"),
                ("CORE_PEER_ADDRESS", "env:1"),
            ],
            &[],
        )
        .unwrap();
        let StartMode::Dial(d) = m else { panic!() };
        assert_eq!(d.peer_address, "env:1");
    }

    #[test]
    fn errors_name_the_setting() {
        let e = mode(&[], &["--peer.address=p:1"]).unwrap_err().to_string();
        assert!(e.contains("CORE_CHAINCODE_ID_NAME"), "{e}");
        let e = mode(&[("CORE_CHAINCODE_ID_NAME", "cc")], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--peer.address"), "{e}");
        let e = mode(
            &[
                ("CORE_CHAINCODE_ID_NAME", "cc"),
                ("CORE_PEER_TLS_ENABLED", "yes"),
            ],
            &["-a", "p"],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("CORE_PEER_TLS_ENABLED"), "{e}");
        let e = mode(
            &[
                ("CORE_CHAINCODE_ID_NAME", "cc"),
                ("CORE_PEER_TLS_ENABLED", "true"),
            ],
            &["-a", "p"],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("CORE_PEER_TLS_ROOTCERT_FILE"), "{e}");
        let e = mode(&[("CHAINCODE_SERVER_ADDRESS", "0.0.0.0:9999")], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("CHAINCODE_ID"), "{e}");
        let e = mode(&[("CORE_CHAINCODE_ID_NAME", "cc")], &["--bogus=1"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--bogus"), "{e}");
        let e = mode(&[("CORE_CHAINCODE_ID_NAME", "cc")], &["--peer.address"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs a value"), "{e}");
    }

    #[test]
    fn serve_mode_tls_settings() {
        let m = mode(
            &[
                ("CHAINCODE_SERVER_ADDRESS", "0.0.0.0:9999"),
                ("CHAINCODE_ID", "basic:1"),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            m,
            StartMode::Serve(ServeConfig {
                address: "0.0.0.0:9999".into(),
                chaincode_id: "basic:1".into(),
                tls: None
            })
        );
        let e = mode(
            &[
                ("CHAINCODE_SERVER_ADDRESS", "a:1"),
                ("CHAINCODE_ID", "c"),
                ("CHAINCODE_TLS_DISABLED", "false"),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("CHAINCODE_TLS_KEY"), "{e}");
        let e = mode(
            &[
                ("CHAINCODE_SERVER_ADDRESS", "a:1"),
                ("CHAINCODE_ID", "c"),
                ("CHAINCODE_TLS_DISABLED", "false"),
                ("CHAINCODE_TLS_KEY", "/nonexistent/key.pem"),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("CHAINCODE_TLS_KEY") && e.contains("/nonexistent/key.pem"),
            "{e}"
        );
    }

    #[test]
    fn external_builder_chaincode_json() {
        let dir = std::env::temp_dir().join(format!("shim-ccjson-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chaincode.json");
        std::fs::write(
            &path,
            r#"{"chaincode_id":"basic:abc","peer_address":"peer0:7052","client_cert":"C","client_key":"K","root_cert":"R","mspid":"Org1MSP"}"#,
        )
        .unwrap();
        let arg = format!("--chaincode-json={}", path.display());
        let StartMode::Dial(d) = mode(&[], &[&arg]).unwrap() else {
            panic!()
        };
        assert_eq!(
            (d.peer_address.as_str(), d.chaincode_id.as_str()),
            ("peer0:7052", "basic:abc")
        );
        let tls = d.tls.unwrap();
        assert_eq!(
            (&tls.root_cert_pem[..], &tls.client_key_pem[..]),
            (&b"R"[..], &b"K"[..])
        );
        std::fs::write(&path, "{}").unwrap();
        let e = mode(&[], &[&arg]).unwrap_err().to_string();
        assert!(e.contains("not a chaincode.json"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn drain_timeouts() {
        for (text, millis) in [
            ("5s", 5000),
            ("500ms", 500),
            ("1.5s", 1500),
            ("2m", 120_000),
            ("3", 3000),
            (" 0 ", 0),
        ] {
            assert_eq!(
                parse_duration(text),
                Some(Duration::from_millis(millis)),
                "{text}"
            );
        }
        for text in ["", "s", "-1s", "5h", "five", "1e400"] {
            assert_eq!(parse_duration(text), None, "{text}");
        }
    }

    #[test]
    fn base64_path_encoding() {
        let dir = std::env::temp_dir().join(format!("shim-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = "-----BEGIN X-----\nAAAA\n-----END X-----\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
        let p = dir.join("client.key");
        std::fs::write(&p, format!("{b64}\n")).unwrap();
        let ps = p.to_string_lossy().to_string();
        let env = |n: &str| (n == "CORE_TLS_CLIENT_KEY_PATH").then(|| ps.clone());
        assert_eq!(
            pem_or_base64(&env, "CORE_TLS_CLIENT_KEY_FILE", "CORE_TLS_CLIENT_KEY_PATH").unwrap(),
            pem.as_bytes()
        );
        std::fs::write(&p, "not base64!").unwrap();
        let e = pem_or_base64(&env, "CORE_TLS_CLIENT_KEY_FILE", "CORE_TLS_CLIENT_KEY_PATH")
            .unwrap_err();
        assert!(e.to_string().contains("base64"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
