//! JSON as Go's `encoding/json` writes it.
//!
//! Go's `json.Marshal` escapes `<`, `>`, `&`, U+2028 and U+2029 inside
//! strings; `serde_json` does not. A contract that must store values
//! byte-identical to its Go counterpart (same write set, same hashes of
//! private data) serializes with [`to_vec_go`]. Fields keep their declaration
//! order, as Go keeps struct field order.

use serde::Serialize;

/// Serializes `value` as Go's `json.Marshal` would.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Note {
///     #[serde(rename = "Text")]
///     text: String,
/// }
///
/// let bytes = fabric_contract_api::json::to_vec_go(&Note { text: "a<b & c>d".into() }).unwrap();
/// assert_eq!(bytes, br#"{"Text":"a\u003cb \u0026 c\u003ed"}"#);
/// ```
pub fn to_vec_go<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let text = serde_json::to_string(value)?;
    let mut out = String::with_capacity(text.len());
    // The characters Go escapes only occur inside JSON strings.
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out.into_bytes())
}
