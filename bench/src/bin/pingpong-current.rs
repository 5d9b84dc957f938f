//! Raw tonic ping-pong (the transport's limit) on a current-thread runtime.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
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
