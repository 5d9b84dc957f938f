//! `cargo run -p protogen`: regenerate `protos/src/generated/`.
#![forbid(unsafe_code)]

fn main() {
    let out = protogen::committed_dir();
    if let Err(e) = protogen::generate(&out) {
        eprintln!("protogen: {e}");
        std::process::exit(1);
    }
    println!("protogen: wrote {}", out.display());
}
