//! Diagnostics of the macros (trybuild): `ui/fail/*.rs` must fail to compile
//! with exactly the errors in the `.stderr` next to them, `ui/pass/*.rs` must
//! compile and run.
//!
//! The `.stderr` files hold rustc's exact output, which changes between
//! compiler versions, so this test only runs on the toolchain they were
//! recorded with ([`RECORDED_WITH`]) and prints a note otherwise. To move to
//! a new toolchain: change [`RECORDED_WITH`], run
//! `TRYBUILD=overwrite cargo test -p fabric-contract-macros --test ui`, and
//! review every changed `.stderr` (each error must still point at the right
//! token with a clear message).

use std::process::Command;

/// The `rustc --version` prefix the `.stderr` files were recorded with.
const RECORDED_WITH: &str = "rustc 1.95.";

fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    String::from_utf8(output.stdout).ok()
}

#[test]
fn ui() {
    match rustc_version() {
        Some(version) if version.starts_with(RECORDED_WITH) => {}
        other => {
            eprintln!(
                "note: skipping the UI tests: they were recorded with {RECORDED_WITH}x, this is {}",
                other.as_deref().map_or("an unknown rustc", str::trim)
            );
            return;
        }
    }
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
