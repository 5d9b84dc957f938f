//! Generates the Rust code for the workspace's `.proto` files.
//!
//! The generated code is committed under `protos/src/generated/`, so no
//! user of the workspace needs a protobuf compiler. `cargo run -p protogen`
//! rewrites it; the `drift` test regenerates into a temporary directory and
//! fails when the committed files differ.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The `.proto` files compiled, relative to `protos/proto`.
pub const PROTO_FILES: &[&str] = &[
    "peer/chaincode_shim.proto",
    "peer/chaincode.proto",
    "peer/chaincode_event.proto",
    "peer/proposal.proto",
    "peer/proposal_response.proto",
    "peer/transaction.proto",
    "common/common.proto",
    "common/policies.proto",
    "msp/identities.proto",
    "msp/msp_principal.proto",
    "ledger/queryresult/kv_query_result.proto",
    "ledger/rwset/rwset.proto",
    "ledger/rwset/kvrwset/kv_rwset.proto",
    "orderer/ab.proto",
    "gateway/gateway.proto",
    "google/rpc/status.proto",
    "frames/chaincode_frame.proto",
];

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("protogen lives at <root>/tools/protogen")
        .to_path_buf()
}

/// Where the committed generated code lives.
pub fn committed_dir() -> PathBuf {
    workspace_root().join("protos/src/generated")
}

/// Compiles the `.proto` files and writes one Rust file per protobuf package into `out_dir`.
pub fn generate(out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = workspace_root().join("protos/proto");
    let files: Vec<PathBuf> = PROTO_FILES.iter().map(|f| proto_root.join(f)).collect();
    let fds = protox::compile(&files, [&proto_root])?;
    std::fs::create_dir_all(out_dir)?;
    tonic_prost_build::configure()
        // `service Chaincode { rpc Connect }` would collide with the generated
        // `connect()` constructor of the transport helpers, so leave them out.
        .build_transport(false)
        .build_client(true)
        .build_server(true)
        // Payloads are sliced out of the receive buffer instead of copied.
        .bytes(".")
        // The two large optional fields go behind a pointer: a frame is then
        // ~130 bytes instead of 280, and frames are moved many times per
        // transaction (encode, channel, stream, session, reply routing).
        .boxed(".protos.ChaincodeMessage.proposal")
        .boxed(".protos.ChaincodeMessage.chaincode_event")
        .boxed(".frames.ChaincodeFrame.proposal")
        .boxed(".frames.ChaincodeFrame.chaincode_event")
        // The shim's frame also boxes its (unused, always absent) timestamp:
        // 144 -> 128 bytes, which the compiler moves with a few inline
        // instructions instead of a call to `memcpy` (about 30 moves per
        // transaction; `protos/tests/frames.rs` checks the size).
        .boxed(".frames.ChaincodeFrame.timestamp")
        .emit_rerun_if_changed(false)
        .out_dir(out_dir)
        .compile_fds(fds)?;
    frame_services(out_dir);
    Ok(())
}

/// The chaincode stream's two services over `frames.ChaincodeFrame` (the
/// shim's view of `protos.ChaincodeMessage`): the same routes as
/// `protos.ChaincodeSupport/Register` and `protos.Chaincode/Connect`, written
/// to `protos.ChaincodeSupport.rs` and `protos.Chaincode.rs` for the module
/// `frames`. A `.proto` service cannot name them: its package decides the
/// route, and package `protos` already has services of these names.
fn frame_services(out_dir: &Path) {
    use tonic_build::manual::{Builder, Method, Service};
    let stream = |name: &str, route: &str| {
        Method::builder()
            .name(name)
            .route_name(route)
            .input_type("super::ChaincodeFrame")
            .output_type("super::ChaincodeFrame")
            .codec_path("tonic_prost::ProstCodec")
            .client_streaming()
            .server_streaming()
            .build()
    };
    let support = Service::builder()
        .name("ChaincodeSupport")
        .package("protos")
        .comment("The peer's side: a chaincode process dials the peer and registers.")
        .method(stream("register", "Register"))
        .build();
    let chaincode = Service::builder()
        .name("Chaincode")
        .package("protos")
        .comment("The chaincode's side as a service: the peer dials it and connects.")
        .method(stream("connect", "Connect"))
        .build();
    Builder::new()
        // As above: `connect()` would collide with the transport constructor.
        .build_transport(false)
        .out_dir(out_dir)
        .compile(&[support, chaincode]);
}
