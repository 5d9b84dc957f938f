//! Packages for `peer lifecycle chaincode install`.
//!
//! Fabric installs a chaincode package: a `.tar.gz` holding `metadata.json`
//! (`{"type": ..., "label": ...}`) and `code.tar.gz`. Two kinds are made here:
//!
//! * **chaincode-as-a-service** ([`ccaas`]): type `ccaas`, and `code.tar.gz`
//!   holds `connection.json` — where the peer dials the chaincode server
//!   (`address`, `dial_timeout`, `tls_required`, and with TLS
//!   `client_auth_required`, `client_key`, `client_cert`, `root_cert`). The
//!   peer's built-in `ccaas` builder (Fabric 2.4+) runs it.
//! * **binary** ([`binary`]): type `rust`, and `code.tar.gz` holds the
//!   chaincode executable as `chaincode`; the external builder in
//!   `packaging/builder/` (`bin/detect`, `bin/build`, `bin/release`,
//!   `bin/run`) installs it and runs it in the mode where it dials the peer.
//!
//! Both may carry CouchDB indexes (`META-INF/statedb/couchdb/indexes/*.json`).
//! Archives are reproducible (fixed timestamps and owners, sorted entries),
//! so the package id (`label:sha256`) only changes when the content does.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// TLS settings of `connection.json`.
#[derive(Debug, Clone, Default)]
pub struct ConnectionTls {
    /// PEM of the CA that issued the chaincode server's certificate.
    pub root_cert: String,
    /// With mutual TLS: the peer's client key and certificate (PEM).
    pub client: Option<(String, String)>,
}

/// What `connection.json` says.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `host:port` of the chaincode server, as the peer resolves it.
    pub address: String,
    /// Go duration string, e.g. `10s`.
    pub dial_timeout: String,
    /// TLS, or `None` for plaintext.
    pub tls: Option<ConnectionTls>,
}

#[derive(Serialize)]
struct ConnectionJson<'a> {
    address: &'a str,
    dial_timeout: &'a str,
    tls_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_auth_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_cert: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_cert: Option<&'a str>,
}

impl Connection {
    /// The `connection.json` text.
    pub fn to_json(&self) -> String {
        let tls = self.tls.as_ref();
        let client = tls.and_then(|t| t.client.as_ref());
        let json = ConnectionJson {
            address: &self.address,
            dial_timeout: &self.dial_timeout,
            tls_required: tls.is_some(),
            client_auth_required: tls.map(|_| client.is_some()),
            client_key: client.map(|(key, _)| key.as_str()),
            client_cert: client.map(|(_, cert)| cert.as_str()),
            root_cert: tls.map(|t| t.root_cert.as_str()),
        };
        serde_json::to_string_pretty(&json).expect("connection.json serializes")
    }
}

/// A built package.
#[derive(Debug, Clone)]
pub struct Package {
    /// Where it was written.
    pub path: PathBuf,
    /// Its label.
    pub label: String,
    /// `label:sha256` — the id `peer lifecycle chaincode install` prints.
    pub package_id: String,
}

/// Errors while packaging.
#[derive(Debug)]
pub struct PackageError(pub String);

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PackageError {}

fn io(context: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> PackageError {
    move |e| PackageError(format!("{context}: {e}"))
}

/// Checks a label as Fabric does: letters, digits, `_`, `.`, `+`, `-`.
pub fn check_label(label: &str) -> Result<(), PackageError> {
    let ok = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-'));
    if ok {
        Ok(())
    } else {
        Err(PackageError(format!(
            "invalid label {label:?}: use letters, digits and _ . + - only"
        )))
    }
}

/// A reproducible tar.gz of `(name, mode, bytes)` entries, sorted by name.
fn tar_gz(mut entries: Vec<(String, u32, Vec<u8>)>) -> Result<Vec<u8>, PackageError> {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let encoder = GzEncoder::new(Vec::new(), Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder.mode(tar::HeaderMode::Deterministic);
    for (name, mode, bytes) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(*mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .map_err(io(format!("cannot add {name}")))?;
    }
    let encoder = builder
        .into_inner()
        .map_err(io("cannot finish the archive"))?;
    encoder.finish().map_err(io("cannot compress the archive"))
}

/// The CouchDB index files under `dir/META-INF/statedb/couchdb/indexes`, if any.
fn indexes(meta_inf: Option<&Path>) -> Result<Vec<(String, u32, Vec<u8>)>, PackageError> {
    let Some(meta_inf) = meta_inf else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut stack = vec![meta_inf.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).map_err(io(format!("cannot read {}", dir.display())))?
        {
            let path = entry.map_err(io("cannot read a directory entry"))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(meta_inf)
                    .map_err(|_| PackageError(format!("{} is outside META-INF", path.display())))?;
                let name = format!("META-INF/{}", relative.to_string_lossy().replace('\\', "/"));
                let bytes =
                    std::fs::read(&path).map_err(io(format!("cannot read {}", path.display())))?;
                out.push((name, 0o644, bytes));
            }
        }
    }
    Ok(out)
}

fn write_package(
    out_dir: &Path,
    label: &str,
    kind: &str,
    code: Vec<(String, u32, Vec<u8>)>,
) -> Result<Package, PackageError> {
    check_label(label)?;
    let metadata = serde_json::json!({ "type": kind, "label": label }).to_string();
    let code = tar_gz(code)?;
    let package = tar_gz(vec![
        ("metadata.json".into(), 0o644, metadata.into_bytes()),
        ("code.tar.gz".into(), 0o644, code),
    ])?;
    std::fs::create_dir_all(out_dir).map_err(io(format!("cannot create {}", out_dir.display())))?;
    let path = out_dir.join(format!("{label}.tar.gz"));
    let mut file =
        std::fs::File::create(&path).map_err(io(format!("cannot create {}", path.display())))?;
    file.write_all(&package)
        .map_err(io(format!("cannot write {}", path.display())))?;
    let hash = Sha256::digest(&package);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Package {
        path,
        label: label.to_owned(),
        package_id: format!("{label}:{hex}"),
    })
}

/// Writes `<out_dir>/<label>.tar.gz`, a chaincode-as-a-service package.
pub fn ccaas(
    out_dir: &Path,
    label: &str,
    connection: &Connection,
    meta_inf: Option<&Path>,
) -> Result<Package, PackageError> {
    let mut code = vec![(
        "connection.json".into(),
        0o644,
        connection.to_json().into_bytes(),
    )];
    code.extend(indexes(meta_inf)?);
    write_package(out_dir, label, "ccaas", code)
}

/// Writes `<out_dir>/<label>.tar.gz`, a package of type `rust` holding the
/// chaincode executable, for the external builder in `packaging/builder`.
pub fn binary(
    out_dir: &Path,
    label: &str,
    executable: &Path,
    meta_inf: Option<&Path>,
) -> Result<Package, PackageError> {
    let bytes =
        std::fs::read(executable).map_err(io(format!("cannot read {}", executable.display())))?;
    let mut code = vec![("chaincode".into(), 0o755, bytes)];
    code.extend(indexes(meta_inf)?);
    write_package(out_dir, label, "rust", code)
}
