//! The transfer chaincode written directly on the shim's `Chaincode` trait
//! (`Transfer`, `TransferBatch`, `TransferMulti`, `TransferMultiBatch`),
//! started by the production path: `fabric_chaincode_shim::start` on a
//! current-thread runtime, dialling `--peer.address`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match fabric_chaincode_shim::start(fabric_bench::transfer::TransferChaincode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chaincode stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
