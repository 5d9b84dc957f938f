//! What CouchDB holds for a ledger value, as a Fabric peer stores it.
//!
//! Fabric's CouchDB state database (`statecouchdb/couchdoc_conv.go`,
//! `keyValToCouchDoc`) decodes each value with Go's `json.Unmarshal` into a
//! `map[string]interface{}`:
//!
//! * a JSON **object** becomes the document's fields (next to `_id` = key,
//!   `_rev` and `~version`), re-encoded by Go: numbers pass through `float64`
//!   (so `9.0` is stored as the integer `9` and integers beyond 2^53 are
//!   rounded), duplicate keys keep their last value, and invalid UTF-8 inside
//!   strings becomes U+FFFD, one per byte;
//! * **anything else** (binary data, invalid JSON, `null`, or JSON that is an
//!   array, number, string or boolean) is stored as an attachment of a
//!   document that has no fields but `_id` and Fabric's internal ones. A
//!   selector sees only its `_id`; the value comes back unchanged.
//!
//! [`couch_fields`] returns the fields a selector sees, as a JSON object (empty
//! for an attachment: the two are indistinguishable to a selector).

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

/// The document fields CouchDB holds for a ledger value (without `_id`).
pub(crate) fn couch_fields(bytes: &[u8]) -> Value {
    match serde_json::from_str::<Value>(&go_lossy_utf8(bytes)) {
        Ok(Value::Object(map)) => Value::Object(map.into_iter().map(|(k, v)| (k, go(v))).collect()),
        _ => Value::Object(Map::new()),
    }
}

/// Invalid UTF-8 replaced as Go's JSON decoder does: U+FFFD for each byte of
/// an invalid sequence. (Outside strings such bytes make the JSON invalid
/// either way.)
fn go_lossy_utf8(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Cow::Owned(out);
            }
            Err(e) => {
                let valid = e.valid_up_to();
                // The prefix is valid UTF-8 by construction.
                out.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                out.extend(std::iter::repeat_n('\u{FFFD}', bad));
                rest = &rest[valid + bad..];
            }
        }
    }
}

/// A decoded value after Go's `float64` round trip of its numbers.
fn go(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::Number(go_number(&n)),
        Value::Array(items) => Value::Array(items.into_iter().map(go).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, go(v))).collect()),
        other => other,
    }
}

/// A number as CouchDB reads it after Go encoded it from a `float64`: an
/// integer when integral and below 10^21 (Go then writes no fraction or
/// exponent), else that float.
fn go_number(n: &Number) -> Number {
    // JSON numbers are finite, so `as_f64` always succeeds.
    let f = n.as_f64().unwrap_or(0.0);
    const I64_END: f64 = 9_223_372_036_854_775_808.0; // 2^63
    const U64_END: f64 = 18_446_744_073_709_551_616.0; // 2^64
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Integral and in range, so the casts are exact.
        if (-I64_END..I64_END).contains(&f) {
            return Number::from(f as i64);
        }
        if (0.0..U64_END).contains(&f) {
            return Number::from(f as u64);
        }
    }
    Number::from_f64(f).unwrap_or_else(|| Number::from(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Fabric `couchdoc_conv.go` `keyValToCouchDoc`: only values that Go's
    // `json.Unmarshal` decodes into a non-nil map are JSON documents.
    #[test]
    fn only_objects_are_documents() {
        assert_eq!(couch_fields(br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(couch_fields(b"{}"), json!({}));
        for other in [
            &b"\x00"[..],
            b"null",
            b"[1,2]",
            b"42",
            b"\"s\"",
            b"true",
            b"{not json",
            b"{\"a\":1} x",
        ] {
            assert_eq!(couch_fields(other), json!({}), "{other:?}");
        }
    }

    #[test]
    fn go_decoding_of_fields() {
        // float64 round trip: 9.0 is an integer, 2^53 + 1 rounds, 1e21 stays a float.
        let doc = couch_fields(br#"{"a":9.0,"b":9007199254740993,"c":1e21,"d":[2.5,-0.0]}"#);
        assert_eq!(
            doc,
            json!({"a": 9, "b": 9_007_199_254_740_992_u64, "c": 1e21, "d": [2.5, 0]})
        );
        assert!(doc["a"].is_i64());
        assert!(doc["c"].is_f64());
        // Duplicate keys: the last wins.
        assert_eq!(couch_fields(br#"{"a":1,"a":2}"#), json!({"a": 2}));
        // Invalid UTF-8 in a string: one U+FFFD per byte.
        assert_eq!(
            couch_fields(b"{\"s\":\"a\xF0\x9F\x98b\xFF\"}"),
            json!({"s": "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}"})
        );
        assert_eq!(couch_fields(b"{\"s\":1}\xFF"), json!({}));
    }
}
