//! The three ways CouchDB compares JSON values in a Mango selector.
//!
//! * [`collate`]: view collation (`couch_ejson_compare:less/2`, used by
//!   `mango_json:cmp/2`) for `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`,
//!   `$nin` and `sort`. Order across types:
//!   `null < false < true < numbers < strings < arrays < objects`; numbers by
//!   exact value (`1 == 1.0`); strings by the Unicode Collation Algorithm with
//!   the CLDR root order at tertiary strength, as CouchDB's ICU collator
//!   (`ucol_open("")`, default attributes) does; arrays element by element, a
//!   shorter prefix first; objects member by member (key by the same string
//!   collation, then value) in key order, fewer members first when one is a
//!   prefix of the other.
//! * [`raw_cmp`]: Erlang term order (`mango_json:cmp_raw/2`), which CouchDB 3.x
//!   (`mango_selector:match/3`) uses for a field named `_id`:
//!   `numbers < false < null < true < objects < arrays < strings`, strings byte
//!   by byte.
//! * [`exact_eq`]: Erlang term equality (`lists:member/2`), which `$all` uses:
//!   no collation, and an integer never equals a float.
//!
//! Object members are visited in byte order of their keys whatever the map
//! implementation: a Fabric peer decodes values and queries into Go maps and
//! re-encodes them, which sorts the keys, before CouchDB sees them.
//!
//! # Strings
//!
//! The string collation is ICU4X's root collator (crate `icu_collator`, with
//! its compiled CLDR data) with default options: tertiary strength,
//! non-ignorable punctuation, no case level, no numeric ordering. It is the
//! same algorithm and data as ICU4C's root collator behind CouchDB, so for
//! Latin script: case is a third-level difference (`"a" < "A" < "b" < "B"`),
//! accents a second-level one (`"e" < "é" < "f"`, `"cote" < "coté" < "côte"
//! < "côté"`), punctuation and spaces sort before digits, digits before
//! letters, and digits compare one by one (`"10" < "9"`). Strings that differ
//! only in ways tertiary strength ignores (canonically equivalent forms such as
//! `"é"` and `"e\u{301}"`, or completely ignorable control characters) compare
//! equal, exactly as in CouchDB, so `$eq` matches them. The only expected
//! differences are between Unicode / CLDR versions (ICU4X here, the ICU
//! linked into a given CouchDB build), which concern newly added characters.
//!
//! Why a crate: the UCA needs the CLDR root collation table and canonical
//! decomposition to get even Latin accents and case right, which is data, not
//! logic, and a hand-written subset would drift silently from ICU. ICU4X is
//! the Unicode Consortium's own Rust implementation, kept in step with CLDR,
//! licensed Unicode-3.0 (allowed by `deny.toml`), and needs no system ICU. Its
//! cost, measured on this crate: 28 more crates in the lock file, all of the
//! ICU4X family but two; about 77 s of CPU time for a clean release build of
//! them (40 s of wall time on two cores); and 1.3 MB more in the release
//! `fabric-dev-peer` binary (12.5 MB to 13.8 MB), mostly the compiled root
//! collation and normalization data.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use serde_json::{Map, Number, Value};

/// The root collator, built once from the compiled data linked into the binary.
static ROOT: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    Collator::try_new(Default::default(), CollatorOptions::default())
        .expect("the root collation data is compiled in")
});

/// Compares two strings as CouchDB's ICU root collator does.
pub(crate) fn collate_str(a: &str, b: &str) -> Ordering {
    ROOT.compare(a, b)
}

/// Compares two JSON values in CouchDB view collation order.
pub(crate) fn collate(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        (Value::String(x), Value::String(y)) => collate_str(x, y),
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
            let (x, y) = (sorted(x), sorted(y));
            for ((lk, lv), (rk, rv)) in x.iter().zip(&y) {
                let o = collate_str(lk, rk).then_with(|| collate(lv, rv));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Whether two values are equal under collation (`1 == 1.0`, `"é" == "e\u{301}"`).
#[cfg(test)]
fn collate_eq(a: &Value, b: &Value) -> bool {
    collate(a, b) == Ordering::Equal
}

/// Compares two JSON values in Erlang term order, as CouchDB does for `_id`.
pub(crate) fn raw_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        // Atoms compare by name: false < null < true.
        (Value::Bool(_) | Value::Null, Value::Bool(_) | Value::Null) => {
            atom_name(a).cmp(atom_name(b))
        }
        (Value::Object(x), Value::Object(y)) => {
            // `{Props}` tuples: compare the property lists as lists of
            // `{Key, Value}` pairs.
            let (x, y) = (sorted(x), sorted(y));
            for ((lk, lv), (rk, rv)) in x.iter().zip(&y) {
                let o = lk
                    .as_bytes()
                    .cmp(rk.as_bytes())
                    .then_with(|| raw_cmp(lv, rv));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Array(x), Value::Array(y)) => {
            for (l, r) in x.iter().zip(y) {
                let o = raw_cmp(l, r);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => raw_rank(a).cmp(&raw_rank(b)),
    }
}

/// Erlang's `=:=` on decoded JSON: same types, same values, integers and
/// floats never equal, object members compared in key order.
pub(crate) fn exact_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (num(x), num(y)) {
            (Num::Int(i), Num::Int(j)) => i == j,
            (Num::Float(f), Num::Float(g)) => f == g,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(l, r)| exact_eq(l, r))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && sorted(x)
                    .iter()
                    .zip(&sorted(y))
                    .all(|((lk, lv), (rk, rv))| lk == rk && exact_eq(lv, rv))
        }
        _ => a == b,
    }
}

/// Erlang's `==` on decoded JSON: like [`exact_eq`] but numbers compare by
/// value, so `[1] == [1.0]`.
pub(crate) fn term_eq(a: &Value, b: &Value) -> bool {
    raw_cmp(a, b) == Ordering::Equal
}

/// An object's members in byte order of their keys.
fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<_> = map.iter().collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    members
}

fn atom_name(v: &Value) -> &'static str {
    match v {
        Value::Bool(false) => "false",
        Value::Bool(true) => "true",
        _ => "null",
    }
}

/// Position of a value's type in Erlang term order (numbers, atoms, tuples,
/// lists, binaries).
fn raw_rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::Bool(_) | Value::Null => 1,
        Value::Object(_) => 2,
        Value::Array(_) => 3,
        Value::String(_) => 4,
    }
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

/// The integer value of a number if CouchDB would hold it as an integer.
///
/// Values reach CouchDB through a Fabric peer, which decodes them into Go
/// `float64`s and re-encodes them: an integral number below 10^21 is written
/// without fraction or exponent, so CouchDB reads it as an integer, even if
/// it was stored as `9.0`.
pub(crate) fn as_integer(n: &Number) -> Option<i128> {
    match num(n) {
        Num::Int(i) => Some(i),
        Num::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => {
            // Integral and below 2^70: the conversion is exact.
            Some(f as i128)
        }
        Num::Float(_) => None,
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

    /// Asserts that `ordered` is strictly increasing under `cmp`, pairwise.
    fn assert_order(ordered: &[Value], cmp: fn(&Value, &Value) -> Ordering) {
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(cmp(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    // CouchDB view collation (docs.couchdb.org, "Views Collation"; the
    // examples follow its ordered list): null, false, true, numbers, strings
    // (ICU), arrays, objects.
    #[test]
    fn cross_type_order() {
        assert_order(
            &[
                json!(null),
                json!(false),
                json!(true),
                json!(-1),
                json!(0.5),
                json!(2),
                json!(""),
                json!("a"),
                json!("B"),
                json!([]),
                json!([1]),
                json!([1, 2]),
                json!([2]),
                json!({}),
                json!({"a": 1}),
                json!({"a": 2}),
                json!({"b": 0}),
            ],
            collate,
        );
    }

    // ICU root collation as in CouchDB's `couch_ejson_compare.c`
    // (`ucol_open("")`, `ucol_strcollIter`); the sequence is the one the
    // CouchDB "Views Collation" documentation lists for ASCII, extended with
    // accents (UCA: secondary differences after the base letter).
    #[test]
    fn strings_follow_icu_root_order() {
        let ordered: Vec<Value> = [
            "", " ", "_", "-", ",", ";", ":", "!", "?", ".", "'", "\"", "(", ")", "[", "]", "{",
            "}", "@", "*", "/", "\\", "&", "#", "%", "`", "^", "+", "<", "=", ">", "|", "~", "$",
            "0", "1", "10", "2", "9", "a", "A", "á", "Á", "à", "â", "b", "B", "c", "C", "ç", "d",
            "e", "E", "é", "É", "è", "ê", "f", "z", "Z",
        ]
        .iter()
        .map(|s| json!(s))
        .collect();
        assert_order(&ordered, collate);
        // Accents are a secondary difference: compared after the base letters.
        assert_order(
            &[json!("cote"), json!("coté"), json!("côte"), json!("côté")],
            collate,
        );
        assert_eq!(collate(&json!("résumé"), &json!("resume2")), Ordering::Less);
        assert_eq!(collate(&json!("Zoë"), &json!("zoe")), Ordering::Greater);
        assert_eq!(collate(&json!("zoë"), &json!("Zoe")), Ordering::Greater);
    }

    #[test]
    fn tertiary_equal_strings_are_equal() {
        // Canonically equivalent (NFC vs NFD) and completely ignorable characters.
        assert!(collate_eq(&json!("é"), &json!("e\u{301}")));
        assert!(collate_eq(&json!("ab"), &json!("a\u{0}b")));
        assert!(!collate_eq(&json!("a"), &json!("A")));
        assert!(!collate_eq(&json!("e"), &json!("é")));
    }

    // Erlang term order, used by `mango_json:cmp_raw/2` for `_id`.
    #[test]
    fn raw_order() {
        assert_order(
            &[
                json!(-1),
                json!(2.5),
                json!(3),
                json!(false),
                json!(null),
                json!(true),
                json!({}),
                json!({"a": 1}),
                json!({"b": 0}),
                json!([]),
                json!([1]),
                json!([1, 2]),
                json!(""),
                json!("B"),
                json!("a"),
                json!("é"),
            ],
            raw_cmp,
        );
        assert!(term_eq(&json!([1]), &json!([1.0])));
        assert!(!exact_eq(&json!([1]), &json!([1.0])));
        assert!(exact_eq(
            &json!({"a": 1, "b": [2.5]}),
            &json!({"b": [2.5], "a": 1})
        ));
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

    #[test]
    fn integers_as_couchdb_holds_them() {
        let n = |v: Value| match v {
            Value::Number(n) => as_integer(&n),
            _ => None,
        };
        assert_eq!(n(json!(9)), Some(9));
        assert_eq!(n(json!(9.0)), Some(9));
        assert_eq!(n(json!(-4.0)), Some(-4));
        assert_eq!(n(json!(9.5)), None);
        assert_eq!(n(json!(1e20)), Some(100_000_000_000_000_000_000));
        assert_eq!(n(json!(1e21)), None);
    }
}
