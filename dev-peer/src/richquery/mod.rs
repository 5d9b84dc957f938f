//! An in-process engine for the CouchDB Mango queries that Fabric's rich
//! queries (`GetQueryResult`, `GetQueryResultWithPagination`) send, answering
//! as CouchDB 3.x behind a Fabric peer does.
//!
//! Chaincode written for a CouchDB state database can be tested against the
//! development peer without running CouchDB. The engine is a pure library: it
//! parses a query once ([`RichQuery::parse`]), tests single values
//! ([`RichQuery::matches`]) and runs one CouchDB `_find` request over a
//! snapshot of `(key, value)` pairs ([`RichQuery::execute`]). It performs no
//! I/O and keeps no indexes; every query is a full scan, so it is meant for
//! development-sized data. The peer side of Fabric's rules (which `limit` is
//! sent, how many requests a query makes) is in
//! [`Simulation::rich_query`](crate::simulation::Simulation::rich_query).
//!
//! ```
//! use fabric_dev_peer::richquery::{Page, RichQuery};
//!
//! let query = RichQuery::parse(
//!     r#"{"selector": {"owner": "tom", "size": {"$gte": 5}}, "sort": [{"size": "desc"}], "fields": ["size"]}"#,
//! )?;
//! let docs: [(&str, &[u8]); 3] = [
//!     ("asset1", br#"{"owner":"tom","size":5}"#),
//!     ("asset2", br#"{"owner":"ann","size":9}"#),
//!     ("asset3", br#"{"owner":"tom","size":7}"#),
//! ];
//! let page = query.execute(docs, Page::default())?;
//! let keys: Vec<&str> = page.results.iter().map(|(k, _)| k.as_str()).collect();
//! assert_eq!(keys, ["asset3", "asset1"]);
//! assert_eq!(page.results[0].1, br#"{"size":7}"#);
//! # Ok::<(), fabric_dev_peer::richquery::QueryError>(())
//! ```
//!
//! # Query document
//!
//! | member | meaning here |
//! |---|---|
//! | `selector` | **required**; a JSON object, see below |
//! | `sort` | array of `"field"` or `{"field": "asc" \| "desc"}`; all directions must be the same |
//! | `limit` | non-negative integer; default: no limit. A Fabric peer replaces it on every request ([`RichQuery::parse_fabric`] ignores it), so through the peer it has **no effect** |
//! | `skip` | non-negative integer; default `0`; applied by every request, after its bookmark |
//! | `fields` | array of field names (dot paths allowed) to project the returned values on |
//! | `bookmark` | string from a previous [`QueryPage::bookmark`]; [`Page::bookmark`] wins when both are set |
//! | `use_index`, `execution_stats`, `r`, `conflicts`, `update`, `stable`, `allow_fallback` | accepted and ignored (there are no indexes, replicas or statistics here) |
//!
//! Any other member is an error ([`QueryError::UnknownQueryField`]).
//!
//! # Documents
//!
//! A Fabric peer stores each value as a CouchDB document (`couchdoc_conv.go`,
//! `keyValToCouchDoc`) and the selector sees that document:
//!
//! * a value that is a **JSON object** gives the document its fields, as Go
//!   decoded and re-encoded them: numbers pass through `float64` (a stored
//!   `9.0` is the integer `9`, integers beyond 2^53 are rounded), the last of
//!   duplicate keys wins, invalid UTF-8 in strings becomes U+FFFD;
//! * **any other value** (binary data such as the `0x00` of a composite-key
//!   index entry, invalid JSON, `null`, or a JSON array, number, string or
//!   boolean) is stored as an attachment of a document that has only `_id`.
//!   `{}` and selectors on `_id` find it (`{"_id": {"$gt": ""}}` returns the
//!   index entries too), `{"x": {"$exists": false}}` matches it, any other
//!   condition does not;
//! * **`_id`** is the ledger key; a member of the value called `_id` is
//!   shadowed by it (a Fabric CouchDB peer refuses to store such values).
//!   `_rev`, `~version` and `_attachments`, Fabric's and CouchDB's internal
//!   fields, are treated as absent.
//!
//! # Selectors
//!
//! * **Implicit equality**: `{"owner": "tom"}`; explicit form `{"owner": {"$eq": "tom"}}`.
//! * **Implicit `$and`**: several members in one object, at any level:
//!   `{"owner": "tom", "age": {"$gt": 1, "$lt": 5}}`.
//! * **Nested fields**, by dot path `{"a.b.c": 1}` or by nesting
//!   `{"a": {"b": {"c": {"$gt": 0}}}}` (nested objects without operators are
//!   sub-field selectors, not object equality; use `{"a": {"$eq": {...}}}` to
//!   compare whole objects). A backslash escapes the next character of a field
//!   name, so the JSON name `"a\\.b"` is the single field `a.b`. A path segment
//!   that is a decimal number indexes into an array (`"tags.0"`).
//! * **Combination operators** may also appear under a field, where they apply
//!   to that field: `{"age": {"$or": [{"$lt": 1}, {"$gt": 9}]}}`.
//! * **`{}`** is the match-all selector at the top level only. Anywhere else
//!   CouchDB reads it as `{"$eq": {}}` on the current field, array element or,
//!   inside a top-level `$and`/`$or`/`$nor`/`$not`, the whole document, which
//!   is never `{}` (so `{"$or": [{}]}` matches nothing and `{"$not": {}}` is
//!   CouchDB's "missing a field name" error).
//!
//! Supported operators:
//!
//! | operator | argument | matches when the field ... |
//! |---|---|---|
//! | `$and`, `$or`, `$nor` | array of selectors | all / any / none of them match; an **empty array is always true**, even negated (CouchDB 3.x) |
//! | `$not` | selector | the selector does not match (see *negation* below) |
//! | `$eq`, `$ne` | any JSON | is equal / not equal to it by collation (`1` equals `1.0`, `"é"` equals `"e\u{301}"`) |
//! | `$gt`, `$gte`, `$lt`, `$lte` | any JSON | compares so by collation, **across types** (below) |
//! | `$in`, `$nin` | array | is (not) equal to one of them; an array field matches `$in` when any element does; `$in: []` never matches, `$nin: []` always does |
//! | `$exists` | boolean | exists / does not exist |
//! | `$type` | `"null"`, `"boolean"`, `"number"`, `"string"`, `"array"`, `"object"` | has that JSON type |
//! | `$size` | non-negative integer | is an array of that length |
//! | `$mod` | `[divisor, remainder]`, integers, divisor ≠ 0 | is an integer with `field % divisor == remainder` (sign of the dividend, as in Erlang) |
//! | `$regex` | string | is a string the PCRE pattern matches anywhere, **on its bytes** (below) |
//! | `$beginsWith` | string | is a string with that prefix (CouchDB ≥ 3.4) |
//! | `$all` | array | is an array containing every argument element by **exact** equality (no collation; `1` is not `1.0`), or equal to the single array argument; `$all: []` never matches |
//! | `$elemMatch` | selector | is an array with at least one element matching it |
//! | `$allMatch` | selector | is a non-empty array all of whose elements match it |
//! | `$keyMapMatch` | selector | is an object with at least one key matching it |
//!
//! Inside `$elemMatch`, `$allMatch` and `$keyMapMatch` the selector applies to
//! each element (or key) on its own, so operators may be used without a field:
//! `{"scores": {"$elemMatch": {"$gte": 80, "$lt": 85}}}`.
//!
//! **Not supported**, each rejected with [`QueryError::UnsupportedOperator`]:
//! `$text` (needs a text index), `$where`, `$geoWithin`, `$geoIntersects`,
//! `$near`, `$nearSphere`, and any other `$`-name.
//!
//! ## Semantics (as in CouchDB 3.x)
//!
//! * **Missing fields** never match a condition except `$exists: false`. In
//!   particular `{"a": {"$ne": 1}}` and `{"a": {"$nin": [1]}}` do *not* match a
//!   document without `a` (CouchDB documents that "`$ne` means the specified
//!   field must exist"; MongoDB differs). A path that runs through a scalar
//!   (`"a.b"` when `a` is `5`) or past the end of an array matches nothing, not
//!   even `$exists: false`, as in CouchDB.
//! * **Negation**: CouchDB rewrites `$not`/`$nor` into negated conditions
//!   (`$lt` ↔ `$gte`, `$in` ↔ `$nin`, `$exists: b` ↔ `$exists: !b`, De Morgan for
//!   `$and`/`$or`), so a negated condition still requires its field:
//!   `{"$not": {"a": 1}}` matches documents whose `a` exists and is not `1`, and
//!   `{"$not": {"a": {"$exists": true}}}` matches documents without `a`.
//! * **Collation** (`couch_ejson_compare`): values compare in CouchDB view
//!   collation order, `null < false < true < numbers < strings < arrays <
//!   objects`; numbers by exact value; arrays element by element, a shorter
//!   prefix first; objects member by member in key order (a Fabric peer hands
//!   CouchDB objects with sorted keys), key then value.
//!   **Strings** compare by the Unicode Collation Algorithm with the CLDR root
//!   order at tertiary strength, as CouchDB's ICU collator (`ucol_open("")`,
//!   default attributes) does; here it is ICU4X's root collator
//!   (crate `icu_collator`, compiled data). So case is compared only between
//!   otherwise equal strings, lowercase first (`"a" < "A" < "b" < "B"`,
//!   `"abc" < "Abc" < "ABC" < "abc1"`); accents are compared after the base
//!   letters (`"e" < "é" < "f"`, `"cote" < "coté" < "côte" < "côté"`);
//!   whitespace and punctuation sort before symbols, symbols before digits,
//!   digits before letters (`"_x" < "10" < "9" < "a"`; digits one by one, not
//!   by numeric value); strings equal at tertiary strength are equal, e.g. the
//!   composed and decomposed forms of `"é"`, or strings differing only by
//!   control characters, so `$eq`, `$ne`, `$in` and `$nin` treat them as
//!   equal. Keys of objects compare the same way.
//! * **`_id`** is compared in Erlang term order, as CouchDB 3.x does for a
//!   field named `_id` (`mango_selector:match/3` uses `mango_json:cmp_raw/2`;
//!   this also applies to an `_id` member inside `$elemMatch`): a string is
//!   greater than any number, boolean, null, array or object
//!   (`{"_id": {"$lt": []}}` matches nothing, `{"_id": {"$gt": {"a": 1}}}`
//!   everything), and strings compare byte by byte (`"B" < "a" < "é"`;
//!   `"é"` is not `"e\u{301}"`). Sorting on `_id` uses the same byte order.
//! * **Cross-type comparisons**: range operators are *not* restricted to one
//!   JSON type; like CouchDB's matcher they use collation. `{"a": {"$gt": 5}}`
//!   matches `6` but also `"x"`, `[]` and `{}`; `{"a": {"$lt": 5}}` matches
//!   `null` and booleans. Add `{"$type": "number"}` to restrict a range to numbers.
//! * **Equality is exact**: `{"tags": "red"}` does not match `{"tags": ["red"]}`
//!   (no MongoDB-style array traversal); use `$elemMatch`, `$all` or `$in`.
//! * **`$regex`** is PCRE without Unicode mode, as CouchDB runs it
//!   (`re:run/3` without the `unicode` option): `\w`, `\d`, `\s`, `\b`, POSIX
//!   classes and `(?i)` know only ASCII (`^\w+$` matches neither `"Zoë"` nor
//!   `"李"`, `(?i)émile` does not match `"Émile"`); `.` and classes count bytes
//!   (`^.{3}$` matches `"李"`, `[é]` is a class of two bytes); `$` also matches
//!   before a final newline. Patterns are translated to the [`regex`] crate's
//!   byte syntax with Unicode off, which has no backtracking: look-ahead,
//!   look-behind, back-references, atomic groups, possessive quantifiers,
//!   recursion, conditionals, branch reset, `\G`, `\K`, `\X`, `\p{..}`, `(*VERB)`s,
//!   callouts and the `x` flag are refused by name ([`QueryError::InvalidRegex`]),
//!   and so is a `$` followed by more pattern in its alternative
//!   (`(a$|b)\n`), whose PCRE meaning the translation cannot keep.
//!
//! ## Results
//!
//! * **Order**: without `sort`, results are in key order (bytes, as
//!   `_all_docs`). With `sort`, by the sort fields in collation order, ties
//!   broken by key; `desc` reverses the whole order, ties included. Documents
//!   lacking a sort field are *not* returned: in CouchDB a sorted query must be
//!   served by an index on the sort fields, and such an index only contains
//!   documents that have them.
//! * **One [`execute`](RichQuery::execute) is one `_find` request**: it starts
//!   after the bookmark, skips `skip` matches, and returns up to its limit
//!   ([`Page::page_size`] when non-zero, else the query's `limit`, else all).
//!   A Fabric peer sends the query's `skip` with **every** request, so on a
//!   real network (and through [`Simulation::rich_query`](crate::simulation::Simulation::rich_query))
//!   `skip` applies to each page of a paginated query, and to each block of
//!   1000 results of a `GetQueryResult`.
//! * **Bookmarks**: the returned bookmark is the position of the last match the
//!   request went through (skipped ones included, as CouchDB moves its
//!   bookmark over them); a request that saw no match returns the bookmark it
//!   was given, or `"nil"` ([`NO_BOOKMARK`]) if it had none, which, as in
//!   CouchDB, is refused as an input bookmark. Resuming from the last page's
//!   bookmark returns no results and the same bookmark. Bookmarks are
//!   `base64url(JSON)` of the last match's sort values and key, so resuming
//!   continues strictly after that position, with or without `sort`. A
//!   bookmark that does not decode, or comes from a query with a different
//!   number of sort fields, is an error ([`QueryError::InvalidBookmark`]).
//! * **Values** are the stored bytes, unchanged, unless `fields` is given. With
//!   `fields`, each value is a compact JSON object, keys sorted, holding only
//!   the listed fields that exist, nested as in the document (`"a.b"` gives
//!   `{"a":{"b":...}}`) and with the document's (Go-decoded) numbers; for a
//!   value stored as an attachment it is `{}`, as on a Fabric peer. `_id`,
//!   `_rev` and `~version` are never part of a returned value (Fabric strips
//!   them; the key is returned separately). `"fields": []` returns `{}` for
//!   every result, as Fabric does. `fields` never affects matching or sorting.
//!
//! # Remaining differences from CouchDB behind a Fabric peer
//!
//! Each is either an error here, so that no query silently answers
//! differently, or a documented corner:
//!
//! * **Stricter validation** (errors here, accepted by CouchDB): a `$type` name
//!   other than the six above (CouchDB matches nothing); `$mod` with divisor 0
//!   (CouchDB fails at match time); an operator without a field at the top
//!   level or inside a top-level combination (`{"$or": [{"$gt": 1}]}`, which
//!   CouchDB applies to the whole document); `$regex` features the `regex`
//!   crate lacks (listed above), escapes PCRE 8 reads as literal letters
//!   (`\y`), `\1`–`\9` even where PCRE would read an octal escape, and
//!   `\x{..}` above `\xFF`. Reason: without backtracking or a whole-document
//!   value model these cannot be answered exactly. Conversely, a few patterns
//!   PCRE itself rejects may compile here.
//! * **Returned JSON values** are the bytes the chaincode stored. A CouchDB
//!   peer returns JSON objects re-encoded by Go (keys sorted, no whitespace,
//!   numbers through `float64`), for `GetState` as for queries. Reason: the
//!   development ledger keeps values as written, and `GetState` returns them
//!   so; queries return the same bytes.
//! * **Bookmarks after changes**: CouchDB resumes at the bookmarked row and
//!   skips one row, so if that document was changed or deleted between pages
//!   the next match is skipped instead (apache/couchdb#3657); here resuming is
//!   strictly after the bookmarked position. Bookmarks are opaque and are not
//!   CouchDB's byte format.
//! * **Indexes**: none. `use_index` is ignored, and a sort never fails for
//!   lack of an index (CouchDB rejects a sort no index covers); documents
//!   without a sort field are left out, as an index on it would.
//! * **Collation versions**: ICU4X's Unicode/CLDR data may differ from the ICU
//!   linked into a given CouchDB build for characters added in recent Unicode
//!   versions; the Latin-script cases above (case, accents, digits,
//!   punctuation) are the same.
//! * **`_attachments`**: on a document stored as an attachment CouchDB has an
//!   `_attachments` member (the attachment's stub) that a selector could test;
//!   here it is treated as absent, like Fabric's other internal fields.
//! * **Edge cases of Go decoding**: an escaped lone surrogate (`"\ud800"`) in
//!   a value makes it non-JSON here (an attachment document), while Go decodes
//!   it to U+FFFD.
//! * **`$regex` corner cases**: in multi-line mode, PCRE's `^` does not match
//!   after a newline that ends the subject, the translated pattern's does;
//!   this only changes patterns that can match an empty line at the end.
//! * **Limits**: `skip` and a requested `limit` beyond `usize` saturate; a
//!   query returns at most `ledger.state.totalQueryLimit` (100 000) results
//!   through the peer, as Fabric does.

mod bookmark;
mod collate;
mod pcre;
mod selector;
mod stored;

use std::cmp::Ordering;

use serde_json::{Map, Value};

use self::bookmark::Position;
use self::collate::{collate, raw_cmp};
use self::selector::{Lookup, Node};

/// Top-level query members that CouchDB accepts and this engine ignores.
const IGNORED_MEMBERS: [&str; 7] = [
    "use_index",
    "execution_stats",
    "r",
    "conflicts",
    "update",
    "stable",
    "allow_fallback",
];

/// Top-level document members that never appear in projected values.
const RESERVED_ROOT_FIELDS: [&str; 4] = ["_id", "_rev", "~version", "_attachments"];

/// Why a rich query (or its bookmark) was rejected.
///
/// Messages are meant for contract developers and name the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query text is not valid JSON.
    #[error("invalid rich query: not valid JSON: {0}")]
    InvalidJson(String),
    /// The query is valid JSON but not an object.
    #[error(
        "invalid rich query: the query must be a JSON object such as {{\"selector\": {{...}}}}"
    )]
    NotAnObject,
    /// The query has no `selector` member.
    #[error("invalid rich query: query must contain a \"selector\" field")]
    MissingSelector,
    /// The query has a top-level member this engine does not know.
    #[error(
        "invalid rich query: unknown field {0:?} (supported: \"selector\", \"sort\", \"limit\", \
         \"skip\", \"fields\", \"bookmark\")"
    )]
    UnknownQueryField(String),
    /// The selector is malformed (not an object, operator without a field, ...).
    #[error("invalid rich query: {0}")]
    InvalidSelector(String),
    /// The selector uses an operator this engine does not support.
    #[error("invalid rich query: unsupported operator {0:?}")]
    UnsupportedOperator(String),
    /// An operator got an argument of the wrong shape.
    #[error("invalid rich query: bad argument for {operator:?}: {reason}")]
    BadArgument {
        /// The operator, e.g. `$in`.
        operator: String,
        /// What was expected.
        reason: String,
    },
    /// A `$regex` pattern does not compile.
    #[error("invalid rich query: invalid $regex pattern {pattern:?}: {reason}")]
    InvalidRegex {
        /// The pattern as given.
        pattern: String,
        /// The regex compiler's explanation.
        reason: String,
    },
    /// A field name has an empty segment (`""`, `"a..b"`, `"a."`).
    #[error(
        "invalid rich query: invalid field name {0:?} (empty name or empty segment between dots)"
    )]
    InvalidFieldName(String),
    /// `sort` is malformed.
    #[error("invalid rich query: invalid \"sort\": {0}")]
    InvalidSort(String),
    /// `sort` mixes `asc` and `desc`.
    #[error(
        "invalid rich query: all \"sort\" fields must use the same direction \
         (CouchDB does not support mixing \"asc\" and \"desc\")"
    )]
    MixedSortDirections,
    /// `limit`, `skip`, `fields` or `bookmark` has the wrong type.
    #[error("invalid rich query: invalid {name:?}: {reason}")]
    InvalidOption {
        /// The member name.
        name: String,
        /// What was expected.
        reason: String,
    },
    /// A bookmark does not decode or does not belong to this query.
    #[error("invalid bookmark {bookmark:?}: {reason}")]
    InvalidBookmark {
        /// The bookmark as given.
        bookmark: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// The `sort` member: field paths and one direction for all of them.
#[derive(Debug, Clone, Default)]
struct Sort {
    fields: Vec<Vec<String>>,
    descending: bool,
}

/// A parsed, validated rich query.
///
/// See the [module documentation](crate::richquery) for the supported subset and its semantics.
#[derive(Debug, Clone)]
pub struct RichQuery {
    selector: Node,
    sort: Sort,
    limit: Option<usize>,
    skip: usize,
    fields: Option<Vec<Vec<String>>>,
    bookmark: Option<String>,
}

/// What a Fabric peer sets on one CouchDB request, for [`RichQuery::execute`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The request's `limit`. When non-zero it replaces the query's own
    /// `limit`, as a Fabric peer does; `0` keeps the query's `limit` (none:
    /// unlimited).
    pub page_size: u32,
    /// Bookmark returned by the previous request, or empty to start from the
    /// beginning. When non-empty it takes precedence over the query's own
    /// `bookmark` member (as in Fabric's `applyAdditionalQueryOptions`).
    pub bookmark: String,
}

/// One page of query results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPage {
    /// Matching `(key, value)` pairs in query order. Values are the stored
    /// bytes, or compact JSON projections when the query has `fields`.
    pub results: Vec<(String, Vec<u8>)>,
    /// Bookmark to pass in [`Page::bookmark`] to get the next page: the position
    /// of the last match the request went through, else the bookmark it was
    /// given, else [`NO_BOOKMARK`].
    pub bookmark: String,
}

/// The bookmark CouchDB returns when a request saw no document and was given
/// no bookmark (the Erlang atom `nil`, `mango_json_bookmark:create/1`).
pub const NO_BOOKMARK: &str = "nil";

/// A matching document during execution.
struct Hit<'a> {
    key: &'a str,
    bytes: &'a [u8],
    doc: Value,
    sort: Vec<Value>,
}

impl RichQuery {
    /// Parses and validates query text such as
    /// `{"selector": {"owner": "tom"}, "sort": ["size"], "limit": 10}`.
    ///
    /// All validation happens here (operators, arguments, regular expressions,
    /// sort, fields), so [`matches`](Self::matches) cannot fail and
    /// [`execute`](Self::execute) only fails on a bad bookmark.
    pub fn parse(text: &str) -> Result<RichQuery, QueryError> {
        Self::parse_with(text, true)
    }

    /// Parses query text as a Fabric peer forwards it to CouchDB: the peer sets
    /// `limit` itself on every request (`statecouchdb.go`,
    /// `applyAdditionalQueryOptions`: "This will override any limit passed in
    /// the query"), so the query's own `limit` is ignored, whatever its value.
    pub fn parse_fabric(text: &str) -> Result<RichQuery, QueryError> {
        Self::parse_with(text, false)
    }

    fn parse_with(text: &str, keep_limit: bool) -> Result<RichQuery, QueryError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| QueryError::InvalidJson(e.to_string()))?;
        let Value::Object(members) = value else {
            return Err(QueryError::NotAnObject);
        };
        let mut query = RichQuery {
            selector: Node::All,
            sort: Sort::default(),
            limit: None,
            skip: 0,
            fields: None,
            bookmark: None,
        };
        let mut has_selector = false;
        for (name, value) in &members {
            match name.as_str() {
                "selector" => {
                    query.selector = selector::parse_selector(value)?;
                    has_selector = true;
                }
                "sort" => query.sort = parse_sort(value)?,
                "limit" if keep_limit => query.limit = Some(parse_count("limit", value)?),
                "limit" => {}
                "skip" => query.skip = parse_count("skip", value)?,
                "fields" => query.fields = Some(parse_fields(value)?),
                "bookmark" => match value {
                    Value::String(s) => query.bookmark = Some(s.clone()).filter(|s| !s.is_empty()),
                    _ => return Err(invalid_option("bookmark", "expected a string")),
                },
                other if IGNORED_MEMBERS.contains(&other) => {}
                other => return Err(QueryError::UnknownQueryField(other.to_owned())),
            }
        }
        if !has_selector {
            return Err(QueryError::MissingSelector);
        }
        Ok(query)
    }

    /// Whether the value stored under `key` matches the selector, as CouchDB
    /// sees it behind a Fabric peer: a JSON object is a document with its
    /// fields (numbers through Go's `float64`), anything else a document with
    /// only `_id` (see the [module documentation](crate::richquery)). `key` is
    /// visible to the selector as `_id`.
    pub fn matches(&self, key: &str, value: &[u8]) -> bool {
        self.matches_fields(key, &stored::couch_fields(value))
    }

    fn matches_fields(&self, key: &str, doc: &Value) -> bool {
        selector::eval(
            &self.selector,
            doc,
            Some(&Value::String(key.to_owned())),
            false,
        )
    }

    /// Runs the query over `(key, value bytes)` pairs, normally a snapshot of a
    /// namespace in ascending key order (other orders are sorted first), as one
    /// CouchDB `_find` request.
    ///
    /// Matching documents are ordered (by `sort`, else by key); the request
    /// starts after the bookmark (from `page`, else from the query), skips
    /// `skip` matches, and returns at most `limit` results, where the limit is
    /// `page.page_size` when that is non-zero (Fabric replaces the query's
    /// `limit` on every request) and the query's `limit` otherwise (none:
    /// unlimited). The returned bookmark is the position of the last match the
    /// request went through (skipped ones included), else the bookmark it was
    /// given, else [`NO_BOOKMARK`].
    ///
    /// # Errors
    ///
    /// [`QueryError::InvalidBookmark`] if the bookmark does not decode or was
    /// produced by a query with a different sort.
    pub fn execute<'a, I>(&self, docs: I, page: Page) -> Result<QueryPage, QueryError>
    where
        I: IntoIterator<Item = (&'a str, &'a [u8])>,
    {
        let given_bookmark = if page.bookmark.is_empty() {
            self.bookmark.clone().unwrap_or_default()
        } else {
            page.bookmark
        };
        let resume = if given_bookmark.is_empty() {
            None
        } else {
            Some(bookmark::decode(&given_bookmark, self.sort.fields.len())?)
        };
        let limit = match page.page_size {
            0 => self.limit.unwrap_or(usize::MAX),
            size => usize::try_from(size).unwrap_or(usize::MAX),
        };

        let mut hits = Vec::new();
        for (key, bytes) in docs {
            let doc = stored::couch_fields(bytes);
            if !self.matches_fields(key, &doc) {
                continue;
            }
            let Some(sort) = self.sort_values(key, &doc) else {
                continue;
            };
            hits.push(Hit {
                key,
                bytes,
                doc,
                sort,
            });
        }
        // Already sorted in the common unsorted case; the sort is then linear.
        hits.sort_by(|a, b| self.order(&a.sort, a.key, &b.sort, b.key));

        let from = resume.as_ref().map_or(0, |pos| {
            hits.partition_point(|h| {
                self.order(&h.sort, h.key, &pos.sort, &pos.key) != Ordering::Greater
            })
        });
        // As `mango_cursor_view:handle_message/2` and `handle_doc/2`: while the
        // limit is not reached, each match moves the bookmark, then is skipped
        // or returned.
        let mut skip = self.skip;
        let mut last = None;
        let mut selected = Vec::new();
        for hit in &hits[from..] {
            if selected.len() >= limit {
                break;
            }
            last = Some(hit);
            if skip > 0 {
                skip -= 1;
            } else {
                selected.push(hit);
            }
        }

        let bookmark = match last {
            Some(last) => bookmark::encode(&Position {
                sort: last.sort.clone(),
                key: last.key.to_owned(),
            }),
            None if given_bookmark.is_empty() => NO_BOOKMARK.to_owned(),
            None => given_bookmark,
        };
        let results = selected
            .iter()
            .map(|h| (h.key.to_owned(), self.value_bytes(h)))
            .collect();
        Ok(QueryPage { results, bookmark })
    }

    /// The document's values for the sort fields, or `None` if one is missing.
    fn sort_values(&self, key: &str, doc: &Value) -> Option<Vec<Value>> {
        if self.sort.fields.is_empty() {
            return Some(Vec::new());
        }
        let id = Value::String(key.to_owned());
        self.sort
            .fields
            .iter()
            .map(|path| match selector::lookup_root(doc, &id, path) {
                Lookup::Found(v) => Some(v.clone()),
                Lookup::NotFound | Lookup::BadPath => None,
            })
            .collect()
    }

    /// Query order: sort values by collation (`_id` in raw order, as its
    /// `_all_docs` index), then key; all reversed for `desc`.
    fn order(&self, a_sort: &[Value], a_key: &str, b_sort: &[Value], b_key: &str) -> Ordering {
        let ord = a_sort
            .iter()
            .zip(b_sort)
            .zip(&self.sort.fields)
            .map(|((a, b), path)| {
                if path.len() == 1 && path[0] == "_id" {
                    raw_cmp(a, b)
                } else {
                    collate(a, b)
                }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a_key.cmp(b_key));
        if self.sort.descending {
            ord.reverse()
        } else {
            ord
        }
    }

    /// The bytes returned for a hit: the original value, or its projection.
    fn value_bytes(&self, hit: &Hit<'_>) -> Vec<u8> {
        let Some(fields) = &self.fields else {
            return hit.bytes.to_vec();
        };
        let mut out = Value::Object(Map::new());
        for path in fields {
            if RESERVED_ROOT_FIELDS.contains(&path[0].as_str()) {
                continue;
            }
            if let Lookup::Found(v) = selector::lookup(&hit.doc, path) {
                insert_path(&mut out, path, v.clone());
            }
        }
        serde_json::to_vec(&sorted_keys(out)).unwrap_or_default()
    }
}

/// `value` with every object's members in key order, as Go encodes the maps
/// a Fabric peer decodes CouchDB's results into.
fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(String, Value)> = map.into_iter().collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// Sets `value` at `path` below `target`, creating objects for missing members
/// (CouchDB's `mango_doc:set_field`).
fn insert_path(target: &mut Value, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match target {
        Value::Object(members) => {
            if rest.is_empty() {
                members.insert(first.clone(), value);
            } else {
                let child = members
                    .entry(first.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                insert_path(child, rest, value);
            }
        }
        Value::Array(items) => {
            if let Some(slot) = selector::array_index(first).and_then(|i| items.get_mut(i)) {
                if rest.is_empty() {
                    *slot = value;
                } else {
                    insert_path(slot, rest, value);
                }
            }
        }
        _ => {}
    }
}

fn invalid_option(name: &str, reason: &str) -> QueryError {
    QueryError::InvalidOption {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

fn parse_count(name: &str, value: &Value) -> Result<usize, QueryError> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| invalid_option(name, "expected a non-negative integer"))
}

fn parse_fields(value: &Value) -> Result<Vec<Vec<String>>, QueryError> {
    let Value::Array(items) = value else {
        return Err(invalid_option("fields", "expected an array of field names"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(name) => selector::parse_path(name),
            _ => Err(invalid_option(
                "fields",
                "every element must be a field name string",
            )),
        })
        .collect()
}

fn parse_sort(value: &Value) -> Result<Sort, QueryError> {
    let Value::Array(items) = value else {
        return Err(QueryError::InvalidSort(
            "expected an array such as [\"field\"] or [{\"field\": \"desc\"}]".to_owned(),
        ));
    };
    let mut sort = Sort::default();
    let mut direction: Option<bool> = None;
    for item in items {
        let (name, descending) = match item {
            Value::String(name) => (name, false),
            Value::Object(members) if members.len() == 1 => {
                let (name, dir) = members.iter().next().expect("one member");
                match dir.as_str() {
                    Some("asc") => (name, false),
                    Some("desc") => (name, true),
                    _ => {
                        return Err(QueryError::InvalidSort(format!(
                            "the direction of {name:?} must be \"asc\" or \"desc\", found {dir}"
                        )));
                    }
                }
            }
            other => {
                return Err(QueryError::InvalidSort(format!(
                    "each element must be \"field\" or {{\"field\": \"asc\"|\"desc\"}}, found {other}"
                )));
            }
        };
        if direction.is_some_and(|d| d != descending) {
            return Err(QueryError::MixedSortDirections);
        }
        direction = Some(descending);
        sort.fields.push(selector::parse_path(name)?);
    }
    sort.descending = direction.unwrap_or(false);
    Ok(sort)
}
