//! `fabric-package`: packages Rust chaincode for `peer lifecycle chaincode install`.
//!
//! ```text
//! fabric-package ccaas  --label basic_1.0 --address basic.example.com:9999 [--tls-root-cert ca.pem [--client-cert c.pem --client-key k.pem]] [--meta-inf META-INF]
//! fabric-package binary --label basic_1.0 --executable target/release/asset-transfer-basic [--meta-inf META-INF]
//! ```
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fabric_package::{Connection, ConnectionTls, binary, ccaas};

#[derive(Parser)]
#[command(
    name = "fabric-package",
    version,
    about = "Packages Rust chaincode for peer lifecycle chaincode install"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A chaincode-as-a-service package (type `ccaas`, `connection.json`).
    Ccaas {
        /// Package label, e.g. basic_1.0.
        #[arg(long)]
        label: String,
        /// host:port where the peer reaches the chaincode server.
        #[arg(long)]
        address: String,
        /// How long the peer waits to connect (Go duration).
        #[arg(long, default_value = "10s")]
        dial_timeout: String,
        /// PEM of the CA of the chaincode server's TLS certificate: enables TLS.
        #[arg(long)]
        tls_root_cert: Option<PathBuf>,
        /// PEM client certificate the peer presents (mutual TLS).
        #[arg(long, requires = "client_key", requires = "tls_root_cert")]
        client_cert: Option<PathBuf>,
        /// PEM key of the client certificate.
        #[arg(long, requires = "client_cert")]
        client_key: Option<PathBuf>,
        /// A META-INF directory with CouchDB indexes.
        #[arg(long)]
        meta_inf: Option<PathBuf>,
        /// Where to write the package.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// A package of the chaincode executable for the bundled external builder (type `rust`).
    Binary {
        /// Package label, e.g. basic_1.0.
        #[arg(long)]
        label: String,
        /// The chaincode executable (build it for the peer's platform).
        #[arg(long)]
        executable: PathBuf,
        /// A META-INF directory with CouchDB indexes.
        #[arg(long)]
        meta_inf: Option<PathBuf>,
        /// Where to write the package.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<fabric_package::Package, String> {
    match cli.command {
        Command::Ccaas {
            label,
            address,
            dial_timeout,
            tls_root_cert,
            client_cert,
            client_key,
            meta_inf,
            out,
        } => {
            let tls = match tls_root_cert {
                None => None,
                Some(root) => Some(ConnectionTls {
                    root_cert: read(&root)?,
                    client: match (client_key, client_cert) {
                        (Some(k), Some(c)) => Some((read(&k)?, read(&c)?)),
                        _ => None,
                    },
                }),
            };
            let connection = Connection {
                address,
                dial_timeout,
                tls,
            };
            ccaas(&out, &label, &connection, meta_inf.as_deref()).map_err(|e| e.to_string())
        }
        Command::Binary {
            label,
            executable,
            meta_inf,
            out,
        } => binary(&out, &label, &executable, meta_inf.as_deref()).map_err(|e| e.to_string()),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(package) => {
            println!("{}", package.path.display());
            println!("package id: {}", package.package_id);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
