//! Bookmark encoding.
//!
//! A bookmark records the position of the last returned result: its sort values
//! (one per `sort` field, none without `sort`) and its key, which breaks ties.
//! It is `base64url(JSON)` without padding, the JSON being
//! `{"v":1,"k":"<key>","s":[<sort values>]}`. Sort values are stored in a tagged
//! form so that they decode to exactly the value they were taken from:
//! non-integer numbers as `{"f":"<IEEE-754 bits in hex>"}` (a decimal rendering
//! may not parse back to the same `f64`), arrays as `{"a":[...]}` and objects as
//! `{"o":{...}}`; `null`, booleans, strings and integers are stored as is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Number, Value, json};

use super::QueryError;

const VERSION: u64 = 1;

/// The position of a result in the query's order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    /// The result's values for the `sort` fields, in `sort` order.
    pub sort: Vec<Value>,
    /// The result's key.
    pub key: String,
}

/// Encodes a position as an opaque bookmark string.
pub(crate) fn encode(pos: &Position) -> String {
    let doc = json!({
        "v": VERSION,
        "k": pos.key,
        "s": pos.sort.iter().map(tag).collect::<Vec<_>>(),
    });
    URL_SAFE_NO_PAD.encode(doc.to_string())
}

/// Decodes a bookmark produced by [`encode`] for a query with `sort_fields` sort fields.
pub(crate) fn decode(text: &str, sort_fields: usize) -> Result<Position, QueryError> {
    let bad = |reason: &str| QueryError::InvalidBookmark {
        bookmark: text.to_owned(),
        reason: reason.to_owned(),
    };
    if text == super::NO_BOOKMARK {
        // CouchDB answers "nil" when a request had no result and no bookmark,
        // and rejects it as input (`mango_json_bookmark:unpack/1`).
        return Err(bad(
            "\"nil\" is the bookmark of a query that returned nothing; CouchDB rejects it \
             (start again with an empty bookmark)",
        ));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| bad("it is not a bookmark returned by this peer"))?;
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|_| bad("it is not a bookmark returned by this peer"))?;
    if doc.get("v").and_then(Value::as_u64) != Some(VERSION) {
        return Err(bad("it is not a bookmark returned by this peer"));
    }
    let key = doc
        .get("k")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("it is not a bookmark returned by this peer"))?;
    let sort = doc
        .get("s")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("it is not a bookmark returned by this peer"))?
        .iter()
        .map(untag)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("it is not a bookmark returned by this peer"))?;
    if sort.len() != sort_fields {
        return Err(bad(
            "it was returned by a query with a different sort; pass bookmarks only to the query that produced them",
        ));
    }
    Ok(Position {
        sort,
        key: key.to_owned(),
    })
}

fn tag(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let bits = n.as_f64().unwrap_or(0.0).to_bits();
            json!({ "f": format!("{bits:016x}") })
        }
        Value::Array(items) => json!({ "a": items.iter().map(tag).collect::<Vec<_>>() }),
        Value::Object(obj) => {
            let tagged: Map<String, Value> = obj.iter().map(|(k, v)| (k.clone(), tag(v))).collect();
            json!({ "o": tagged })
        }
        other => other.clone(),
    }
}

fn untag(v: &Value) -> Option<Value> {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => Some(v.clone()),
        Value::Number(n) if !n.is_f64() => Some(v.clone()),
        Value::Object(obj) if obj.len() == 1 => {
            let (tag, inner) = obj.iter().next()?;
            match (tag.as_str(), inner) {
                ("f", Value::String(hex)) => {
                    let f = f64::from_bits(u64::from_str_radix(hex, 16).ok()?);
                    Number::from_f64(f).map(Value::Number)
                }
                ("a", Value::Array(items)) => items
                    .iter()
                    .map(untag)
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array),
                ("o", Value::Object(members)) => members
                    .iter()
                    .map(|(k, v)| untag(v).map(|v| (k.clone(), v)))
                    .collect::<Option<Map<_, _>>>()
                    .map(Value::Object),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let pos = Position {
            sort: vec![
                json!(null),
                json!(true),
                json!(-7),
                json!(u64::MAX),
                json!(0.1 + 0.2),
                json!(1.0),
                json!("x\u{0}y"),
                json!([1.5, {"a": [2.25]}]),
                json!({"b": {"c": 3.75}}),
            ],
            key: "k\u{0}1".to_owned(),
        };
        let text = encode(&pos);
        assert!(!text.contains(['+', '/', '=']));
        assert_eq!(decode(&text, pos.sort.len()).unwrap(), pos);
        assert!(decode(&text, 1).is_err());
        assert!(decode("not a bookmark", 0).is_err());
    }
}
