//! The metadata override file, as Go and Node read it.

use std::path::Path;

use crate::error::ContractError;
use crate::metadata::{ChaincodeMetadata, SYSTEM_CONTRACT};

/// Where the file is looked for, in order.
pub const PATHS: [&str; 2] = ["META-INF/metadata.json", "contract-metadata/metadata.json"];

/// Merges the first override file found under `dir` into `generated`, as Go
/// does: the file's `info` wins when present, its `contracts` when not empty
/// (replacing all generated ones), its `components` when not empty. A file
/// that does not parse, or leaves out a contract the chaincode implements (as
/// Node requires), is an error naming the file.
pub fn apply(dir: &Path, generated: ChaincodeMetadata) -> Result<ChaincodeMetadata, ContractError> {
    let Some(path) = PATHS.iter().map(|p| dir.join(p)).find(|p| p.is_file()) else {
        return Ok(generated);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        ContractError::new(format!("cannot read metadata file {}: {e}", path.display()))
    })?;
    merge(&path, &text, generated)
}

/// Merges the text of an override file (read from `path`) into `generated`.
pub fn merge(
    path: &Path,
    text: &str,
    generated: ChaincodeMetadata,
) -> Result<ChaincodeMetadata, ContractError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ContractError::new(format!("metadata file {} is not JSON: {e}", path.display()))
    })?;
    let mut merged = generated;
    let object = value.as_object().ok_or_else(|| {
        ContractError::new(format!(
            "metadata file {} must hold a JSON object",
            path.display()
        ))
    })?;
    if let Some(info) = object.get("info") {
        merged.info = serde_json::from_value(info.clone()).map_err(|e| {
            ContractError::new(format!(
                "cannot use metadata file {}: info: {e}",
                path.display()
            ))
        })?;
    }
    if let Some(contracts) = object
        .get("contracts")
        .filter(|c| c.as_object().is_some_and(|m| !m.is_empty()))
    {
        let mut contracts: std::collections::BTreeMap<String, crate::metadata::ContractMetadata> =
            serde_json::from_value(contracts.clone()).map_err(|e| {
                ContractError::new(format!(
                    "cannot use metadata file {}: contracts: {e}",
                    path.display()
                ))
            })?;
        for name in merged.contracts.keys() {
            if name != SYSTEM_CONTRACT && !contracts.contains_key(name) {
                return Err(ContractError::new(format!(
                    "cannot use metadata file {}: missing contract {name}",
                    path.display()
                )));
            }
        }
        if let Some(system) = merged.contracts.get(SYSTEM_CONTRACT) {
            contracts
                .entry(SYSTEM_CONTRACT.to_owned())
                .or_insert_with(|| system.clone());
        }
        merged.contracts = contracts;
    }
    if let Some(components) = object.get("components") {
        let components: crate::metadata::Components = serde_json::from_value(components.clone())
            .map_err(|e| {
                ContractError::new(format!(
                    "cannot use metadata file {}: components: {e}",
                    path.display()
                ))
            })?;
        if !components.schemas.is_empty() {
            merged.components = components;
        }
    }
    if let Some(schema) = object.get("$schema").and_then(|s| s.as_str()) {
        merged.schema = Some(schema.to_owned());
    }
    Ok(merged)
}
