//! Helpers shared by the workspace's integration tests and the examples' tests.

use std::path::PathBuf;

/// The `../shared/fabric` directory next to the workspace.
pub fn fabric_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fabric")
}

fn load(name: &str) -> serde_json::Value {
    let path = fabric_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Validates contract metadata against Fabric's two schemas: the Node API's
/// `contract-schema.json` (draft-04) and the Go API's `contract-schema-go.json`
/// (draft-07). Returns every violation found.
pub fn validate_metadata(metadata: &serde_json::Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for name in ["contract-schema.json", "contract-schema-go.json"] {
        let schema = load(name);
        let validator = match jsonschema::validator_for(&schema) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: the schema does not compile: {e}"));
                continue;
            }
        };
        for error in validator.iter_errors(metadata) {
            problems.push(format!("{name}: {error} at {}", error.instance_path()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Panics with every violation when the metadata does not validate.
pub fn assert_valid_metadata(metadata: &serde_json::Value) {
    if let Err(problems) = validate_metadata(metadata) {
        panic!("metadata does not validate:\n{}", problems.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_accept_their_own_examples_and_reject_garbage() {
        assert_valid_metadata(&load("example-full-metadata.json"));
        assert_valid_metadata(&load("node-asset-contract-metadata.json"));
        let bad = serde_json::json!({"info": {"title": "x"}, "contracts": {}});
        let problems = validate_metadata(&bad).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("version")),
            "{problems:?}"
        );
    }
}
