//! `fabric-dev-peer`: run and test chaincode on one machine, no Fabric network.
//!
//! ```text
//! fabric-dev-peer invoke -n basic --chaincode target/debug/asset-transfer-basic -c '{"Args":["InitLedger"]}'
//! fabric-dev-peer query  -n basic --chaincode target/debug/asset-transfer-basic -c '{"Args":["GetAllAssets"]}'
//! fabric-dev-peer query  -n basic --connect 127.0.0.1:9999 -c '{"Args":["ReadAsset","asset1"]}'
//! fabric-dev-peer metadata -n basic --chaincode target/debug/asset-transfer-basic
//! fabric-dev-peer state
//! fabric-dev-peer script demo.script -n basic --chaincode target/debug/asset-transfer-basic
//! fabric-dev-peer demo
//! ```
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    fabric_dev_peer::cli::main()
}
