//! Logging set-up for chaincode processes.

/// Installs a `tracing` subscriber writing to stderr, unless one is set.
///
/// The level comes from `RUST_LOG`, else from Fabric's
/// `CORE_CHAINCODE_LOGGING_LEVEL` (CRITICAL, ERROR, WARNING, NOTICE, INFO,
/// DEBUG, as the peer passes it), else `info`.
pub fn init() {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| {
            std::env::var("CORE_CHAINCODE_LOGGING_LEVEL")
                .ok()
                .map(|level| {
                    match level.to_ascii_uppercase().as_str() {
                        "CRITICAL" | "ERROR" => "error",
                        "WARNING" | "WARN" => "warn",
                        "DEBUG" => "debug",
                        _ => "info",
                    }
                    .to_owned()
                })
        })
        .unwrap_or_else(|| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
