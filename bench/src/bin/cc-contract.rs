//! The transfer chaincode written with `#[contract]` / `#[transaction]`
//! ([`fabric_bench::contract`]), started by the production path:
//! `ContractChaincode::start()` (logging, metadata, then the shim on a
//! current-thread runtime).

use std::process::ExitCode;

fn main() -> ExitCode {
    fabric_bench::contract::chaincode().start()
}
