//! Benchmarks of the chaincode runtime (issue 7).
//!
//! * [`driver`]: a lean peer side of the chaincode protocol, written directly
//!   on the development peer's raw streams, that pushes N transfer
//!   transactions at concurrency C through one chaincode and checks that each
//!   applied exactly once.
//! * [`transfer`]: the transfer chaincode on the shim's `Chaincode` trait (the
//!   `cc-shim` binary, also driven in-process by the micro-benchmarks).
//! * [`contract`]: the same with `#[contract]` (the `cc-contract` binary).
//! * [`procfs`]: CPU time and memory of the chaincode process from `/proc`.
//! * [`runner`]: spawns a chaincode process, measures one point, takes medians.
//! * [`report`]: the Markdown report and the SVG plot.
//! * [`gateway`]: the client applications (issue 15): our Gateway client,
//!   the official Node client and a raw tonic call through
//!   `fabric-dev-peer serve`, each client its own process.
//!
//! The binaries in `src/bin` are the chaincodes under test, the raw tonic
//! ping-pong (the transport's limit) and [`pingpong_async`] (the same with
//! each transaction an `async` block), `gw-client` (our Gateway client and
//! the raw tonic baseline as client processes) and `compare`, the one
//! command that runs everything.
#![forbid(unsafe_code)]

pub mod contract;
pub mod driver;
pub mod gateway;
pub mod inprocess;
pub mod pingpong;
pub mod pingpong_async;
pub mod procfs;
pub mod report;
pub mod runner;
pub mod stats;
pub mod transfer;

/// An error of the benchmark harness: what failed, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchError(pub String);

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

impl From<String> for BenchError {
    fn from(text: String) -> Self {
        BenchError(text)
    }
}

impl From<&str> for BenchError {
    fn from(text: &str) -> Self {
        BenchError(text.to_owned())
    }
}

/// Result of the benchmark harness.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;

/// Formats an error for a [`BenchError`] with some context.
pub(crate) fn fail<T>(context: &str, e: impl std::fmt::Display) -> Result<T> {
    Err(BenchError(format!("{context}: {e}")))
}
