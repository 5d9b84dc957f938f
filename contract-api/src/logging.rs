//! Logging set-up for chaincode processes.

/// Installs a `tracing` subscriber writing to stderr, unless one is set.
///
/// The level (one level: `error`, `warn`, `info`, `debug`, `trace`, `off`;
/// per-module directives are not read, to keep the binary small) comes from
/// `RUST_LOG`, else from Fabric's
/// `CORE_CHAINCODE_LOGGING_LEVEL` (CRITICAL, ERROR, WARNING, NOTICE, INFO,
/// DEBUG, as the peer passes it), else `info`.
pub fn init() {
    use tracing_subscriber::filter::LevelFilter;
    let level = |text: &str| match text.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" | "ERROR" => LevelFilter::ERROR,
        "WARNING" | "WARN" => LevelFilter::WARN,
        "DEBUG" => LevelFilter::DEBUG,
        "TRACE" => LevelFilter::TRACE,
        "OFF" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    };
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("CORE_CHAINCODE_LOGGING_LEVEL"))
        .map(|v| level(&v))
        .unwrap_or(LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
