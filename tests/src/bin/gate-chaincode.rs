//! A test chaincode whose transactions can be kept in flight for as long as
//! a test wants: `wait` blocks until a line arrives on standard input (one
//! line lets one waiting transaction through), `ping` answers at once.
//! It starts like every chaincode (`fabric_chaincode_shim::start`), with the
//! shim's log set-up.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::Arc;

use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
use tokio::sync::Semaphore;

struct Gate {
    open: Arc<Semaphore>,
}

impl Chaincode for Gate {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        let (function, _) = stub.function_and_parameters();
        match function.as_str() {
            "wait" => {
                tracing::info!("waiting at the gate");
                match self.open.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return error("the gate is gone"),
                }
                tracing::info!("through the gate");
                success("opened")
            }
            "ping" => success("pong"),
            other => error(format!("unknown function {other}")),
        }
    }
}

fn main() -> ExitCode {
    fabric_chaincode_shim::logging::init();
    let open = Arc::new(Semaphore::new(0));
    let gate = Arc::clone(&open);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            if line.is_err() {
                break;
            }
            gate.add_permits(1);
        }
    });
    match fabric_chaincode_shim::start(Gate { open }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("chaincode stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
