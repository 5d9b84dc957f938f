//! CouchDB-style collation of JSON values.
//!
//! Order across types: `null < false < true < numbers < strings < arrays < objects`.
//! Numbers compare by exact numeric value (so `1 == 1.0`, and large integers are
//! not rounded through `f64`). Strings compare by Unicode code point, which is
//! where this engine departs from CouchDB: CouchDB uses ICU collation (so there
//! `"a" < "B"`, while here `"B" < "a"`). Arrays compare element by element, a
//! shorter prefix sorting first. Objects compare pair by pair (key, then value)
//! in the order the members are stored, the object with fewer members sorting
//! first when one is a prefix of the other.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Compares two JSON values in CouchDB collation order (strings by code point).
pub(crate) fn collate(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (l, r) in x.iter().zip(y) {
                let o = collate(l, r);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            for ((lk, lv), (rk, rv)) in x.iter().zip(y) {
                let o = lk.cmp(rk).then_with(|| collate(lv, rv));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Whether two values are equal under collation (`1 == 1.0`).
pub(crate) fn collate_eq(a: &Value, b: &Value) -> bool {
    collate(a, b) == Ordering::Equal
}

/// Position of a value's type in the cross-type collation order.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(false) => 1,
        Value::Bool(true) => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

/// A JSON number split into its exact integer form or a float.
enum Num {
    Int(i128),
    Float(f64),
}

fn num(n: &Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Num::Int(i128::from(u))
    } else {
        // JSON numbers are always finite, so this never yields NaN.
        Num::Float(n.as_f64().unwrap_or(0.0))
    }
}

fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    match (num(a), num(b)) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).reverse(),
    }
}

/// Exact comparison of an integer with a (finite) float.
fn cmp_int_float(i: i128, f: f64) -> Ordering {
    // 2^127: every i128 is strictly below it and at or above its negation.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f < -LIMIT {
        return Ordering::Greater;
    }
    let t = f.trunc();
    // `t` is integral and within i128 range, so the cast is exact.
    match i.cmp(&(t as i128)) {
        Ordering::Equal => {
            if f > t {
                Ordering::Less
            } else if f < t {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

/// The `$type` name of a value: `null`, `boolean`, `number`, `string`, `array` or `object`.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cross_type_order() {
        let ordered = [
            json!(null),
            json!(false),
            json!(true),
            json!(-1),
            json!(0.5),
            json!(2),
            json!(""),
            json!("B"),
            json!("a"),
            json!([]),
            json!([1]),
            json!([1, 2]),
            json!([2]),
            json!({}),
            json!({"a": 1}),
            json!({"a": 2}),
            json!({"b": 0}),
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(collate(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn exact_numbers() {
        assert!(collate_eq(&json!(1), &json!(1.0)));
        assert!(collate_eq(&json!(-0.0), &json!(0)));
        let big = json!(9_007_199_254_740_993_u64); // 2^53 + 1
        let float = json!(9_007_199_254_740_992.0_f64); // 2^53
        assert_eq!(collate(&big, &float), Ordering::Greater);
        assert_eq!(collate(&json!(u64::MAX), &json!(1e300)), Ordering::Less);
        assert_eq!(collate(&json!(i64::MIN), &json!(-1e300)), Ordering::Greater);
        assert_eq!(collate(&json!(2), &json!(2.5)), Ordering::Less);
        assert_eq!(collate(&json!(-2), &json!(-2.5)), Ordering::Greater);
    }
}
