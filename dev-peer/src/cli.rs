//! What the command line parses and prints, in the habits of Fabric's `peer` CLI.

use std::collections::HashMap;

use base64::Engine;
use bytes::Bytes;

use crate::peer::TxOutcome;

/// Parses `-c`: `{"Args":["CreateAsset","a1"]}` or
/// `{"function":"CreateAsset","Args":["a1"]}` (keys in any case, as the
/// peer CLI's Go JSON decoding accepts).
///
/// ```
/// let args = fabric_dev_peer::cli::parse_ctor(r#"{"function":"Create","Args":["a1"]}"#).unwrap();
/// assert_eq!(args, ["Create", "a1"]);
/// assert!(fabric_dev_peer::cli::parse_ctor("{oops").is_err());
/// ```
pub fn parse_ctor(text: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid -c JSON {text:?}: {e}"))?;
    let object = value.as_object().ok_or_else(|| {
        format!("invalid -c JSON {text:?}: expected an object like {{\"Args\":[...]}}")
    })?;
    let mut args = Vec::new();
    let mut function = None;
    let mut found_args = false;
    for (key, value) in object {
        match key.to_ascii_lowercase().as_str() {
            "function" => {
                function = Some(
                    value
                        .as_str()
                        .ok_or_else(|| {
                            format!("invalid -c JSON: \"function\" must be a string, got {value}")
                        })?
                        .to_owned(),
                );
            }
            "args" => {
                found_args = true;
                let list = value.as_array().ok_or_else(|| {
                    format!("invalid -c JSON: \"Args\" must be an array, got {value}")
                })?;
                for item in list {
                    args.push(match item {
                        serde_json::Value::String(s) => s.clone(),
                        other => {
                            return Err(format!(
                                "invalid -c JSON: arguments must be strings, got {other}"
                            ));
                        }
                    });
                }
            }
            "isinit" => {}
            other => {
                return Err(format!(
                    "invalid -c JSON: unknown field {other:?} (expected Args and function)"
                ));
            }
        }
    }
    if !found_args && function.is_none() {
        return Err(format!("invalid -c JSON {text:?}: no \"Args\""));
    }
    if let Some(f) = function {
        args.insert(0, f);
    }
    Ok(args)
}

/// Parses `--transient`: a JSON object of base64 values, as the peer CLI takes it.
pub fn parse_transient(text: &str) -> Result<HashMap<String, Bytes>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid --transient JSON: {e}"))?;
    let object = value.as_object().ok_or_else(|| {
        "invalid --transient JSON: expected an object of base64 values".to_string()
    })?;
    object
        .iter()
        .map(|(k, v)| {
            let text = v.as_str().ok_or_else(|| {
                format!("invalid --transient value for {k:?}: expected a base64 string")
            })?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| format!("invalid --transient value for {k:?}: not base64: {e}"))?;
            Ok((k.clone(), Bytes::from(bytes)))
        })
        .collect()
}

/// The line the peer CLI prints after a successful invoke.
pub fn invoke_result(outcome: &TxOutcome) -> String {
    format!(
        "Chaincode invoke successful. result: status:{} payload:{:?}",
        outcome.response.status,
        String::from_utf8_lossy(&outcome.response.payload)
    )
}

/// The line the peer CLI prints when endorsement fails.
pub fn failure(action: &str, outcome: &TxOutcome) -> String {
    format!(
        "Error: endorsement failure during {action}. response: status:{} message:{:?}",
        outcome.response.status, outcome.response.message
    )
}

/// Whether the peer would endorse this outcome.
pub fn succeeded(outcome: &TxOutcome) -> bool {
    (200..400).contains(&outcome.response.status)
}

/// A printable form of a key (composite-key separators shown as `\u{0}`).
pub fn show_key(key: &str) -> String {
    key.replace('\u{0}', "\\u0000")
        .replace('\u{10FFFF}', "\\U0010FFFF")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctor_forms() {
        assert_eq!(parse_ctor(r#"{"Args":["A","b"]}"#).unwrap(), ["A", "b"]);
        assert_eq!(parse_ctor(r#"{"args":["A"]}"#).unwrap(), ["A"]);
        assert_eq!(parse_ctor(r#"{"function":"F","Args":[]}"#).unwrap(), ["F"]);
        assert!(
            parse_ctor(r#"{"Args":[1]}"#)
                .unwrap_err()
                .contains("must be strings")
        );
        assert!(
            parse_ctor(r#"{"Argz":[]}"#)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(
            parse_ctor(r#"[]"#)
                .unwrap_err()
                .contains("expected an object")
        );
        assert!(parse_ctor("{}").unwrap_err().contains("no \"Args\""));
    }

    #[test]
    fn transient_is_base64() {
        let t = parse_transient(r#"{"k":"aGVsbG8="}"#).unwrap();
        assert_eq!(&t["k"][..], b"hello");
        assert!(
            parse_transient(r#"{"k":"!!"}"#)
                .unwrap_err()
                .contains("not base64")
        );
        assert!(
            parse_transient(r#"{"k":1}"#)
                .unwrap_err()
                .contains("base64 string")
        );
    }
}
