//! Raw tonic ping-pong (the transport's limit) on tokio's multi-thread
//! runtime, as `#[tokio::main]` builds it (one worker per core).

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(fabric_bench::pingpong::run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ping-pong stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
