//! Parsing and evaluation of Mango selectors.
//!
//! Parsing follows CouchDB's normaliser (`mango_selector:normalize/1`): field
//! names are pushed down to the conditions (`{"a": {"b": {"$gt": 1}}}` becomes a
//! condition on the path `a.b`), combination operators found under a field apply
//! to that field, and several members in one object form an implicit `$and`.
//!
//! Evaluation reproduces CouchDB's negation handling. CouchDB pushes `$not` and
//! `$nor` down to the conditions (De Morgan, `$lt` ↔ `$gte`, `$in` ↔ `$nin`,
//! `$exists: b` ↔ `$exists: !b`, ...) and a condition on a field the document
//! lacks only matches when it is `$exists: false`. The consequence is that a
//! negated condition still requires the field to exist, e.g.
//! `{"$not": {"a": 1}}` does not match a document without `a`. Evaluating with
//! a `negated` flag gives exactly that result without rewriting the tree.
//!
//! Comparisons use view collation, except on a field named `_id`, which
//! CouchDB 3.x compares in Erlang term order (`mango_json:cmp_raw/2`), and in
//! `$all`, which uses term equality (`lists:member/2`); see [`super::collate`].

use serde_json::{Map, Value};

use super::QueryError;
use super::collate::{as_integer, collate, exact_eq, raw_cmp, term_eq, type_name};
use super::pcre;
use std::cmp::Ordering;

/// Top-level document members that Fabric keeps for itself and never exposes.
const HIDDEN_ROOT_FIELDS: [&str; 3] = ["_rev", "~version", "_attachments"];

/// A normalised selector.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// The empty selector `{}`: matches everything.
    All,
    /// `{}` in place of a sub-selector of the whole document, e.g. `{"$or": [{}]}`.
    /// CouchDB reads it as `{"$eq": {}}` on the document itself, and a Fabric
    /// document is never `{}` (it always has `_id` and `~version`).
    DocIsEmpty,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Nor(Vec<Node>),
    /// A condition on the value found at `path` (an empty path is the value itself,
    /// which only happens inside `$elemMatch`, `$allMatch` and `$keyMapMatch`).
    Field(Vec<String>, Cond),
}

/// A condition operator with its validated argument.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Eq(Value),
    Ne(Value),
    Gt(Value),
    Gte(Value),
    Lt(Value),
    Lte(Value),
    In(Vec<Value>),
    Nin(Vec<Value>),
    Exists(bool),
    Type(&'static str),
    Size(u64),
    Mod(i64, i64),
    Regex(regex::bytes::Regex),
    BeginsWith(String),
    All(Vec<Value>),
    ElemMatch(Box<Node>),
    AllMatch(Box<Node>),
    KeyMapMatch(Box<Node>),
}

/// The type names `$type` accepts.
const TYPE_NAMES: [&str; 6] = ["null", "boolean", "number", "string", "array", "object"];

/// Parses the value of the query's `selector` member.
pub(crate) fn parse_selector(selector: &Value) -> Result<Node, QueryError> {
    let node = match selector {
        Value::Object(obj) if obj.is_empty() => return Ok(Node::All),
        Value::Object(obj) => parse_object(obj, &[], false)?,
        other => {
            return Err(QueryError::InvalidSelector(format!(
                "the selector must be a JSON object, found {}",
                type_name(other)
            )));
        }
    };
    // `{"$not": {}}` (or `$not`s around it): after CouchDB pushes the negation
    // down, the top level is a condition without a field name, which
    // `mango_selector:normalize/1` rejects.
    let mut inner = &node;
    while let Node::Not(next) = inner {
        inner = next;
    }
    if matches!(node, Node::Not(_)) && matches!(inner, Node::DocIsEmpty) {
        return Err(QueryError::InvalidSelector(
            "one or more conditions is missing a field name ({\"$not\": {}} negates an empty \
             selector, which has no field)"
                .to_owned(),
        ));
    }
    Ok(node)
}

/// Parses a selector object whose members apply below `path`.
///
/// `allow_bare` permits operators with an empty path (inside `$elemMatch` and
/// friends, where they apply to the array element itself).
fn parse_object(
    obj: &Map<String, Value>,
    path: &[String],
    allow_bare: bool,
) -> Result<Node, QueryError> {
    if obj.is_empty() {
        // CouchDB's `norm_ops/1` turns `{}` below the top level into `{"$eq": {}}`
        // on the current path: a field, an array element, or the whole document.
        return Ok(if path.is_empty() && !allow_bare {
            Node::DocIsEmpty
        } else {
            Node::Field(path.to_vec(), Cond::Eq(Value::Object(Map::new())))
        });
    }
    let mut parts = Vec::with_capacity(obj.len());
    for (name, arg) in obj {
        let node = if name.starts_with('$') {
            parse_operator(name, arg, path, allow_bare)?
        } else {
            let mut sub = path.to_vec();
            sub.extend(parse_path(name)?);
            parse_field_value(arg, sub, allow_bare)?
        };
        parts.push(node);
    }
    Ok(if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Node::And(parts)
    })
}

/// The value of a field member: a nested selector object or an implicit `$eq`.
fn parse_field_value(arg: &Value, path: Vec<String>, allow_bare: bool) -> Result<Node, QueryError> {
    match arg {
        Value::Object(obj) => parse_object(obj, &path, allow_bare),
        other => Ok(Node::Field(path, Cond::Eq(other.clone()))),
    }
}

fn bad_arg(op: &str, reason: impl Into<String>) -> QueryError {
    QueryError::BadArgument {
        operator: op.to_owned(),
        reason: reason.into(),
    }
}

/// Parses the array argument of `$and`, `$or` and `$nor`.
fn parse_list(
    op: &str,
    arg: &Value,
    path: &[String],
    allow_bare: bool,
) -> Result<Vec<Node>, QueryError> {
    let Value::Array(items) = arg else {
        return Err(bad_arg(op, "expected an array of selectors"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(obj) => parse_object(obj, path, allow_bare),
            _ => Err(bad_arg(op, "every element must be a selector object")),
        })
        .collect()
}

/// Parses the selector argument of `$elemMatch`, `$allMatch` and `$keyMapMatch`,
/// which is evaluated against each element on its own.
fn parse_sub_selector(op: &str, arg: &Value) -> Result<Box<Node>, QueryError> {
    match arg {
        Value::Object(obj) => Ok(Box::new(parse_object(obj, &[], true)?)),
        _ => Err(bad_arg(op, "expected a selector object")),
    }
}

fn parse_operator(
    op: &str,
    arg: &Value,
    path: &[String],
    allow_bare: bool,
) -> Result<Node, QueryError> {
    // Combination operators: apply to the current path.
    match op {
        "$and" => return Ok(Node::And(parse_list(op, arg, path, allow_bare)?)),
        "$or" => return Ok(Node::Or(parse_list(op, arg, path, allow_bare)?)),
        "$nor" => return Ok(Node::Nor(parse_list(op, arg, path, allow_bare)?)),
        "$not" => {
            return match arg {
                Value::Object(obj) => Ok(Node::Not(Box::new(parse_object(obj, path, allow_bare)?))),
                _ => Err(bad_arg(op, "expected a selector object")),
            };
        }
        _ => {}
    }
    let cond = match op {
        "$eq" => Cond::Eq(arg.clone()),
        "$ne" => Cond::Ne(arg.clone()),
        "$gt" => Cond::Gt(arg.clone()),
        "$gte" => Cond::Gte(arg.clone()),
        "$lt" => Cond::Lt(arg.clone()),
        "$lte" => Cond::Lte(arg.clone()),
        "$in" | "$nin" | "$all" => {
            let Value::Array(values) = arg else {
                return Err(bad_arg(op, "expected an array of values"));
            };
            let values = values.clone();
            match op {
                "$in" => Cond::In(values),
                "$nin" => Cond::Nin(values),
                _ => Cond::All(values),
            }
        }
        "$exists" => match arg {
            Value::Bool(b) => Cond::Exists(*b),
            _ => return Err(bad_arg(op, "expected true or false")),
        },
        "$type" => match arg {
            Value::String(s) => match TYPE_NAMES.iter().find(|t| **t == s) {
                Some(t) => Cond::Type(t),
                None => {
                    return Err(bad_arg(
                        op,
                        format!(
                            "unknown type {s:?}; expected one of \"null\", \"boolean\", \
                             \"number\", \"string\", \"array\", \"object\""
                        ),
                    ));
                }
            },
            _ => return Err(bad_arg(op, "expected a type name string")),
        },
        "$size" => match arg.as_u64() {
            Some(n) => Cond::Size(n),
            None => return Err(bad_arg(op, "expected a non-negative integer")),
        },
        "$mod" => {
            let pair = match arg {
                Value::Array(items) if items.len() == 2 => items[0].as_i64().zip(items[1].as_i64()),
                _ => None,
            };
            match pair {
                Some((0, _)) => return Err(bad_arg(op, "the divisor must not be zero")),
                Some((d, r)) => Cond::Mod(d, r),
                None => {
                    return Err(bad_arg(
                        op,
                        "expected [divisor, remainder] with two integers",
                    ));
                }
            }
        }
        "$regex" => match arg {
            Value::String(pattern) => match pcre::compile(pattern) {
                Ok(re) => Cond::Regex(re),
                Err(reason) => {
                    return Err(QueryError::InvalidRegex {
                        pattern: pattern.clone(),
                        reason,
                    });
                }
            },
            _ => return Err(bad_arg(op, "expected a regular expression string")),
        },
        "$beginsWith" => match arg {
            Value::String(prefix) => Cond::BeginsWith(prefix.clone()),
            _ => return Err(bad_arg(op, "expected a string prefix")),
        },
        "$elemMatch" => Cond::ElemMatch(parse_sub_selector(op, arg)?),
        "$allMatch" => Cond::AllMatch(parse_sub_selector(op, arg)?),
        "$keyMapMatch" => Cond::KeyMapMatch(parse_sub_selector(op, arg)?),
        _ => return Err(QueryError::UnsupportedOperator(op.to_owned())),
    };
    if path.is_empty() && !allow_bare {
        return Err(QueryError::InvalidSelector(format!(
            "operator {op:?} must be applied to a field, e.g. {{\"field\": {{{op:?}: ...}}}}"
        )));
    }
    Ok(Node::Field(path.to_vec(), cond))
}

/// Splits a field name on unescaped dots. A backslash makes the next character
/// literal (`"a\\.b"` in JSON names the single field `a.b`).
pub(crate) fn parse_path(name: &str) -> Result<Vec<String>, QueryError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next().unwrap_or('\\')),
            '.' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    if parts.iter().any(String::is_empty) {
        return Err(QueryError::InvalidFieldName(name.to_owned()));
    }
    Ok(parts)
}

/// Result of looking a path up in a document.
pub(crate) enum Lookup<'a> {
    Found(&'a Value),
    /// The last object on the path lacks the member.
    NotFound,
    /// The path runs through a non-container, or an array with a bad index.
    /// CouchDB never matches such documents, not even with `$exists: false`.
    BadPath,
}

/// Looks `path` up below `value`. Array elements are addressed by decimal index.
pub(crate) fn lookup<'a>(value: &'a Value, path: &[String]) -> Lookup<'a> {
    let mut current = value;
    for name in path {
        current = match current {
            Value::Object(obj) => match obj.get(name) {
                Some(v) => v,
                None => return Lookup::NotFound,
            },
            Value::Array(items) => match array_index(name).and_then(|i| items.get(i)) {
                Some(v) => v,
                None => return Lookup::BadPath,
            },
            _ => return Lookup::BadPath,
        };
    }
    Lookup::Found(current)
}

/// A path segment as an array index, as Erlang's `binary_to_integer/1` reads
/// it (`"1"`, `"01"`, `"+1"`, `"-0"`); negative indexes are bad paths.
pub(crate) fn array_index(name: &str) -> Option<usize> {
    name.parse::<i64>()
        .ok()
        .and_then(|i| usize::try_from(i).ok())
}

/// Looks a path up in a top-level document, applying Fabric's view of it: `_id`
/// is the ledger key and `_rev` / `~version` do not exist.
pub(crate) fn lookup_root<'a>(doc: &'a Value, id: &'a Value, path: &[String]) -> Lookup<'a> {
    match path.first().map(String::as_str) {
        Some("_id") => lookup(id, &path[1..]),
        Some(name) if HIDDEN_ROOT_FIELDS.contains(&name) => Lookup::NotFound,
        _ => lookup(doc, path),
    }
}

/// Evaluates `node` against `value`; `id` is the document key for top-level
/// documents and `None` for array elements / map keys inside `$elemMatch` etc.
/// With `negated`, computes what CouchDB's pushed-down negation of `node` gives.
pub(crate) fn eval(node: &Node, value: &Value, id: Option<&Value>, negated: bool) -> bool {
    match node {
        Node::All => !negated,
        Node::DocIsEmpty => negated,
        // CouchDB treats an empty `$and`, `$or` or `$nor` as true
        // (`mango_selector:match/3`: "We need to treat an empty array as always
        // true"), and negation only turns one into another.
        Node::And(parts) | Node::Or(parts) | Node::Nor(parts) if parts.is_empty() => true,
        Node::And(parts) if negated => parts.iter().any(|p| eval(p, value, id, true)),
        Node::And(parts) => parts.iter().all(|p| eval(p, value, id, false)),
        Node::Or(parts) if negated => parts.iter().all(|p| eval(p, value, id, true)),
        Node::Or(parts) => parts.iter().any(|p| eval(p, value, id, false)),
        Node::Not(inner) => eval(inner, value, id, !negated),
        // $nor = $not of $or.
        Node::Nor(parts) if negated => parts.iter().any(|p| eval(p, value, id, false)),
        Node::Nor(parts) => parts.iter().all(|p| eval(p, value, id, true)),
        Node::Field(path, cond) => {
            let found = match id {
                Some(id) => lookup_root(value, id, path),
                None => lookup(value, path),
            };
            match found {
                // Only `$exists: false` (after negation) matches a missing field.
                Lookup::NotFound => matches!(cond, Cond::Exists(b) if *b == negated),
                Lookup::BadPath => false,
                Lookup::Found(v) => {
                    // CouchDB 3.x (`mango_selector:match/3`): a field named `_id`
                    // compares with `mango_json:cmp_raw/2`.
                    let cmp = if path.len() == 1 && path[0] == "_id" {
                        raw_cmp
                    } else {
                        collate
                    };
                    test(cond, v, cmp) != negated
                }
            }
        }
    }
}

/// Whether a present value satisfies a condition, comparing with `cmp`.
fn test(cond: &Cond, v: &Value, cmp: fn(&Value, &Value) -> Ordering) -> bool {
    match cond {
        Cond::Eq(a) => cmp(v, a) == Ordering::Equal,
        Cond::Ne(a) => cmp(v, a) != Ordering::Equal,
        Cond::Gt(a) => cmp(v, a) == Ordering::Greater,
        Cond::Gte(a) => cmp(v, a) != Ordering::Less,
        Cond::Lt(a) => cmp(v, a) == Ordering::Less,
        Cond::Lte(a) => cmp(v, a) != Ordering::Greater,
        Cond::In(args) => is_in(v, args, cmp),
        Cond::Nin(args) => !is_in(v, args, cmp),
        Cond::Exists(b) => *b,
        Cond::Type(t) => type_name(v) == *t,
        Cond::Size(n) => matches!(v, Value::Array(items) if items.len() as u64 == *n),
        Cond::Mod(d, r) => match v {
            Value::Number(n) => as_integer(n).is_some_and(|i| i % i128::from(*d) == i128::from(*r)),
            _ => false,
        },
        Cond::Regex(re) => matches!(v, Value::String(s) if re.is_match(s.as_bytes())),
        Cond::BeginsWith(prefix) => matches!(v, Value::String(s) if s.starts_with(prefix.as_str())),
        // `mango_selector:match/3`: `$all: []` matches nothing; otherwise every
        // argument must be an element (`lists:member/2`, exact term equality),
        // or the single array argument must equal the whole value (`==`).
        Cond::All(args) if args.is_empty() => false,
        Cond::All(args) => match v {
            Value::Array(items) => {
                args.iter().all(|a| items.iter().any(|i| exact_eq(i, a)))
                    || matches!(args.as_slice(), [whole @ Value::Array(_)] if term_eq(whole, v))
            }
            _ => false,
        },
        Cond::ElemMatch(sub) => match v {
            Value::Array(items) => items.iter().any(|i| eval(sub, i, None, false)),
            _ => false,
        },
        Cond::AllMatch(sub) => match v {
            Value::Array(items) => {
                !items.is_empty() && items.iter().all(|i| eval(sub, i, None, false))
            }
            _ => false,
        },
        Cond::KeyMapMatch(sub) => match v {
            Value::Object(obj) => obj
                .keys()
                .any(|k| eval(sub, &Value::String(k.clone()), None, false)),
            _ => false,
        },
    }
}

/// `$in`: an array value matches when any of its elements equals an argument.
fn is_in(v: &Value, args: &[Value], cmp: fn(&Value, &Value) -> Ordering) -> bool {
    let eq = |x: &Value, a: &Value| cmp(x, a) == Ordering::Equal;
    match v {
        Value::Array(items) => items.iter().any(|i| args.iter().any(|a| eq(i, a))),
        _ => args.iter().any(|a| eq(v, a)),
    }
}
