//! Logging set-up for chaincode processes.

/// Installs the shim's `tracing` subscriber writing to stderr, unless one is
/// set: see [`fabric_chaincode_shim::logging`] for the settings (`RUST_LOG`,
/// `CORE_CHAINCODE_LOGGING_LEVEL`, `CORE_CHAINCODE_LOGGING_FORMAT=json`,
/// `NO_COLOR`).
pub fn init() {
    fabric_chaincode_shim::logging::init();
}
