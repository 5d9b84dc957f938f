//! Raw tonic ping-pong whose transactions are `async` blocks (the limit for
//! `async` contracts) on a current-thread runtime.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(fabric_bench::pingpong_async::run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ping-pong stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
