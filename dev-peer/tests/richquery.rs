//! Behaviour tests for the CouchDB Mango subset in `fabric_dev_peer::richquery`.

use std::collections::HashSet;

use fabric_dev_peer::richquery::{Page, QueryError, QueryPage, RichQuery};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn parse(text: &str) -> RichQuery {
    RichQuery::parse(text).unwrap_or_else(|e| panic!("query {text} should parse: {e}"))
}

fn parse_err(text: &str) -> QueryError {
    match RichQuery::parse(text) {
        Ok(q) => panic!("query {text} should be rejected, parsed as {q:?}"),
        Err(e) => e,
    }
}

/// Whether `selector` matches `doc` stored under key `k`.
fn matches_key(selector: Value, key: &str, doc: Value) -> bool {
    parse(&json!({ "selector": selector }).to_string()).matches(key, doc.to_string().as_bytes())
}

fn matches(selector: Value, doc: Value) -> bool {
    matches_key(selector, "k", doc)
}

/// Owned `(key, bytes)` store, in ascending key order like a ledger snapshot.
struct Store(Vec<(String, Vec<u8>)>);

impl Store {
    fn new<K: Into<String>>(docs: Vec<(K, Value)>) -> Store {
        let mut docs: Vec<(String, Vec<u8>)> = docs
            .into_iter()
            .map(|(k, v)| (k.into(), v.to_string().into_bytes()))
            .collect();
        docs.sort();
        Store(docs)
    }

    fn raw(docs: Vec<(&str, &[u8])>) -> Store {
        Store(
            docs.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_vec()))
                .collect(),
        )
    }

    fn insert(&mut self, key: &str, value: Value) {
        self.0
            .push((key.to_owned(), value.to_string().into_bytes()));
        self.0.sort();
    }

    fn run(&self, query: &RichQuery, page: Page) -> Result<QueryPage, QueryError> {
        query.execute(self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice())), page)
    }

    /// Keys of all results of `query` (no paging).
    fn keys(&self, query: &str) -> Vec<String> {
        keys(&self.run(&parse(query), Page::default()).unwrap())
    }
}

fn keys(page: &QueryPage) -> Vec<String> {
    page.results.iter().map(|(k, _)| k.clone()).collect()
}

fn page(size: u32, bookmark: &str) -> Page {
    Page {
        page_size: size,
        bookmark: bookmark.to_owned(),
    }
}

/// Reads all pages of `query` with `size`, returning the pages' keys.
fn all_pages(store: &Store, query: &RichQuery, size: u32) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut bookmark = String::new();
    loop {
        let page = store.run(query, page(size, &bookmark)).unwrap();
        if page.results.is_empty() {
            let expected = if bookmark.is_empty() {
                "nil"
            } else {
                &bookmark
            };
            assert_eq!(
                page.bookmark, expected,
                "an empty page returns the bookmark it got"
            );
            return pages;
        }
        assert!(!page.bookmark.is_empty());
        bookmark = page.bookmark.clone();
        pages.push(keys(&page));
        assert!(pages.len() < 100, "pagination does not terminate");
    }
}

// ---------------------------------------------------------------- equality and comparison

#[test]
fn implicit_and_explicit_equality() {
    let doc = json!({"owner": "tom", "size": 5, "tags": ["a"], "meta": {"x": 1}});
    assert!(matches(json!({"owner": "tom"}), doc.clone()));
    assert!(matches(json!({"owner": {"$eq": "tom"}}), doc.clone()));
    assert!(!matches(json!({"owner": "ann"}), doc.clone()));
    assert!(!matches(json!({"owner": {"$eq": "ann"}}), doc.clone()));
    assert!(
        matches(json!({"size": 5.0}), doc.clone()),
        "1 == 1.0 by collation"
    );
    assert!(
        !matches(json!({"size": "5"}), doc.clone()),
        "no type coercion"
    );
    assert!(matches(json!({"tags": {"$eq": ["a"]}}), doc.clone()));
    assert!(matches(json!({"meta": {"$eq": {"x": 1}}}), doc.clone()));
    assert!(!matches(json!({"meta": {"$eq": {"x": 2}}}), doc.clone()));
    assert!(!matches(json!({"missing": "tom"}), doc.clone()));
    assert!(matches(json!({"n": null}), json!({"n": null})));
    assert!(
        !matches(json!({"n": null}), json!({})),
        "null is not missing"
    );
}

#[test]
fn equality_does_not_traverse_arrays() {
    // Unlike MongoDB, CouchDB compares the whole value.
    let doc = json!({"tags": ["red", "blue"]});
    assert!(!matches(json!({"tags": "red"}), doc.clone()));
    assert!(matches(
        json!({"tags": {"$elemMatch": {"$eq": "red"}}}),
        doc.clone()
    ));
    assert!(matches(json!({"tags": {"$in": ["red"]}}), doc));
}

#[test]
fn not_equal() {
    assert!(matches(
        json!({"owner": {"$ne": "ann"}}),
        json!({"owner": "tom"})
    ));
    assert!(!matches(
        json!({"owner": {"$ne": "tom"}}),
        json!({"owner": "tom"})
    ));
    assert!(matches(
        json!({"owner": {"$ne": "tom"}}),
        json!({"owner": null})
    ));
    assert!(
        !matches(json!({"owner": {"$ne": "tom"}}), json!({"other": 1})),
        "CouchDB: $ne requires the field to exist"
    );
}

#[test]
fn range_operators_on_numbers() {
    let doc = json!({"age": 5});
    for (op, arg, expected) in [
        ("$gt", 4, true),
        ("$gt", 5, false),
        ("$gte", 5, true),
        ("$gte", 6, false),
        ("$lt", 6, true),
        ("$lt", 5, false),
        ("$lte", 5, true),
        ("$lte", 4, false),
    ] {
        assert_eq!(
            matches(json!({"age": {op: arg}}), doc.clone()),
            expected,
            "age 5 {op} {arg}"
        );
    }
    assert!(matches(json!({"age": {"$gt": 4.5}}), doc.clone()));
    assert!(!matches(json!({"age": {"$gt": 5.5}}), doc.clone()));
    assert!(
        !matches(json!({"x": {"$lt": 100}}), doc),
        "missing fields never compare"
    );
}

// CouchDB compares strings with ICU's root collator (`couch_ejson_compare.c`,
// `ucol_open("")`); docs.couchdb.org "Views Collation": "Differing sequences of
// letters are compared without regard to case ... Identical sequences of
// letters are compared with regard to case, with lowercase before uppercase".
#[test]
fn range_operators_on_strings_use_icu_collation() {
    let doc = json!({"name": "bob"});
    assert!(matches(json!({"name": {"$gt": "alice"}}), doc.clone()));
    assert!(matches(json!({"name": {"$lt": "bobby"}}), doc.clone()));
    assert!(!matches(json!({"name": {"$lt": "bob"}}), doc.clone()));
    assert!(matches(json!({"name": {"$lte": "bob"}}), doc.clone()));
    assert!(!matches(json!({"name": {"$gt": "Zed"}}), doc.clone()));
    assert!(matches(json!({"name": {"$lt": "Zed"}}), doc.clone()));
    assert!(
        matches(json!({"name": {"$lt": "Bob"}}), doc.clone()),
        "b < B"
    );
    assert!(matches(json!({"name": {"$gt": "BOA"}}), doc.clone()));
    // Accents after the base letters, digits before letters, punctuation first.
    let e_acute = json!({"name": "émile"});
    assert!(matches(
        json!({"name": {"$gt": "emile", "$lt": "emilf"}}),
        e_acute.clone()
    ));
    assert!(matches(json!({"name": {"$gt": "Emile"}}), e_acute.clone()));
    assert!(matches(json!({"name": {"$lt": "f"}}), e_acute));
    assert!(matches(json!({"v": {"$lt": "a"}}), json!({"v": "9"})));
    assert!(matches(json!({"v": {"$lt": "0"}}), json!({"v": "~"})));
    // The documented key-range example: abc < Abc < ABC < abc1 < AbcZZZZZ.
    let range = json!({"v": {"$gte": "Abc", "$lte": "AbcZZZZ"}});
    assert!(matches(range.clone(), json!({"v": "ABC"})));
    assert!(matches(range.clone(), json!({"v": "abc1"})));
    assert!(!matches(range, json!({"v": "abc"})));
}

// `$eq` is `mango_json:cmp(Value, Arg) == 0`: ICU equality at its default
// (tertiary) strength, not byte equality.
#[test]
fn string_equality_is_collation_equality() {
    let nfd = json!({"name": "Jose\u{301}"});
    assert!(matches(json!({"name": "José"}), nfd.clone()));
    assert!(matches(json!({"name": {"$in": ["José"]}}), nfd.clone()));
    assert!(!matches(json!({"name": {"$ne": "José"}}), nfd.clone()));
    assert!(
        !matches(json!({"name": "jose\u{301}"}), nfd.clone()),
        "case differs"
    );
    assert!(!matches(json!({"name": "Jose"}), nfd), "accents differ");
}

#[test]
fn combined_range_on_one_field() {
    let sel = json!({"age": {"$gt": 1, "$lt": 5}});
    assert!(matches(sel.clone(), json!({"age": 3})));
    assert!(!matches(sel.clone(), json!({"age": 1})));
    assert!(!matches(sel.clone(), json!({"age": 5})));
    assert!(!matches(sel, json!({"age": 9})));
}

#[test]
fn cross_type_comparisons_follow_collation() {
    // null < false < true < numbers < strings < arrays < objects
    let gt5 = json!({"v": {"$gt": 5}});
    assert!(matches(gt5.clone(), json!({"v": 6})));
    assert!(matches(gt5.clone(), json!({"v": "a string"})));
    assert!(matches(gt5.clone(), json!({"v": []})));
    assert!(matches(gt5.clone(), json!({"v": {}})));
    assert!(!matches(gt5.clone(), json!({"v": true})));
    assert!(!matches(gt5, json!({"v": null})));

    let lt5 = json!({"v": {"$lt": 5}});
    assert!(matches(lt5.clone(), json!({"v": null})));
    assert!(matches(lt5.clone(), json!({"v": false})));
    assert!(matches(lt5.clone(), json!({"v": true})));
    assert!(!matches(lt5, json!({"v": "1"})));

    assert!(matches(json!({"v": {"$gt": null}}), json!({"v": false})));
    assert!(matches(json!({"v": {"$gt": "zzz"}}), json!({"v": [0]})));
    assert!(matches(json!({"v": {"$lt": {}}}), json!({"v": [1, 2, 3]})));
    assert!(matches(json!({"v": {"$gt": [1, 2]}}), json!({"v": [1, 3]})));
    assert!(matches(
        json!({"v": {"$gt": [1, 2]}}),
        json!({"v": [1, 2, 0]})
    ));

    // Restricting a range to numbers takes an explicit $type.
    let numeric = json!({"v": {"$gt": 5, "$type": "number"}});
    assert!(matches(numeric.clone(), json!({"v": 7})));
    assert!(!matches(numeric, json!({"v": "7"})));
}

// ---------------------------------------------------------------- $in / $nin / $exists

#[test]
fn in_and_nin() {
    let sel_in = json!({"color": {"$in": ["red", "green"]}});
    assert!(matches(sel_in.clone(), json!({"color": "red"})));
    assert!(!matches(sel_in.clone(), json!({"color": "blue"})));
    assert!(!matches(sel_in.clone(), json!({})));
    assert!(
        matches(sel_in.clone(), json!({"color": ["blue", "green"]})),
        "any element"
    );
    assert!(!matches(sel_in, json!({"color": ["blue"]})));
    assert!(!matches(
        json!({"color": {"$in": []}}),
        json!({"color": "red"})
    ));
    assert!(matches(json!({"n": {"$in": [1, null]}}), json!({"n": 1.0})));

    let sel_nin = json!({"color": {"$nin": ["red", "green"]}});
    assert!(matches(sel_nin.clone(), json!({"color": "blue"})));
    assert!(!matches(sel_nin.clone(), json!({"color": "red"})));
    assert!(matches(
        sel_nin.clone(),
        json!({"color": ["blue", "white"]})
    ));
    assert!(!matches(sel_nin.clone(), json!({"color": ["blue", "red"]})));
    assert!(
        !matches(sel_nin, json!({})),
        "CouchDB: $nin requires the field"
    );
    assert!(matches(
        json!({"color": {"$nin": []}}),
        json!({"color": "red"})
    ));
}

#[test]
fn exists() {
    assert!(matches(json!({"a": {"$exists": true}}), json!({"a": null})));
    assert!(!matches(json!({"a": {"$exists": true}}), json!({"b": 1})));
    assert!(matches(json!({"a": {"$exists": false}}), json!({"b": 1})));
    assert!(!matches(json!({"a": {"$exists": false}}), json!({"a": 0})));
    assert!(matches(
        json!({"a.b": {"$exists": false}}),
        json!({"a": {}})
    ));
    assert!(matches(
        json!({"a.b": {"$exists": true}}),
        json!({"a": {"b": []}})
    ));
    // CouchDB: a path through a scalar is a bad path and matches nothing.
    assert!(!matches(
        json!({"a.b": {"$exists": false}}),
        json!({"a": 5})
    ));
}

// ---------------------------------------------------------------- combination operators

#[test]
fn implicit_and_of_several_fields() {
    let sel = json!({"owner": "tom", "color": "red", "size": {"$gte": 3}});
    assert!(matches(
        sel.clone(),
        json!({"owner": "tom", "color": "red", "size": 3})
    ));
    assert!(!matches(
        sel.clone(),
        json!({"owner": "tom", "color": "red", "size": 2})
    ));
    assert!(!matches(
        sel.clone(),
        json!({"owner": "tom", "color": "blue", "size": 3})
    ));
    assert!(!matches(sel, json!({"owner": "tom", "color": "red"})));
}

#[test]
fn explicit_and() {
    let sel = json!({"$and": [{"owner": "tom"}, {"size": {"$in": [1, 2]}}]});
    assert!(matches(sel.clone(), json!({"owner": "tom", "size": 2})));
    assert!(!matches(sel.clone(), json!({"owner": "tom", "size": 3})));
    assert!(!matches(sel, json!({"owner": "ann", "size": 2})));
    assert!(matches(json!({"$and": []}), json!({"x": 1})));
}

#[test]
fn or() {
    let sel = json!({"year": 1977, "$or": [{"director": "George Lucas"}, {"director": "Steven Spielberg"}]});
    assert!(matches(
        sel.clone(),
        json!({"year": 1977, "director": "George Lucas"})
    ));
    assert!(matches(
        sel.clone(),
        json!({"year": 1977, "director": "Steven Spielberg"})
    ));
    assert!(!matches(
        sel.clone(),
        json!({"year": 1977, "director": "Ridley Scott"})
    ));
    assert!(!matches(
        sel,
        json!({"year": 1978, "director": "George Lucas"})
    ));
    // CouchDB 3.x (`mango_selector:match/3`) treats an empty `$or` as true.
    assert!(matches(json!({"$or": []}), json!({"x": 1})));
    // Under a field, the operator applies to that field.
    let under_field = json!({"age": {"$or": [{"$lt": 18}, {"$gt": 65}]}});
    assert!(matches(under_field.clone(), json!({"age": 10})));
    assert!(matches(under_field.clone(), json!({"age": 70})));
    assert!(!matches(under_field, json!({"age": 30})));
}

#[test]
fn nor() {
    let sel =
        json!({"year": {"$gte": 1900, "$lte": 1910}, "$nor": [{"year": 1901}, {"year": 1905}]});
    assert!(matches(sel.clone(), json!({"year": 1902})));
    assert!(!matches(sel.clone(), json!({"year": 1901})));
    assert!(!matches(sel.clone(), json!({"year": 1905})));
    assert!(!matches(sel, json!({"year": 1911})));
    // CouchDB pushes $nor down to {"a": {"$ne": 1}}: the field must exist.
    assert!(!matches(json!({"$nor": [{"a": 1}]}), json!({"b": 2})));
    assert!(matches(
        json!({"$nor": [{"a": {"$exists": true}}]}),
        json!({"b": 2})
    ));
}

#[test]
fn not() {
    let sel = json!({"year": {"$gte": 1900, "$lte": 1903}, "$not": {"year": 1901}});
    assert!(matches(sel.clone(), json!({"year": 1900})));
    assert!(!matches(sel.clone(), json!({"year": 1901})));
    assert!(!matches(sel, json!({"year": 1904})));

    // Negation as CouchDB normalises it: the negated field must still exist ...
    assert!(!matches(json!({"$not": {"a": 1}}), json!({"b": 1})));
    assert!(matches(json!({"$not": {"a": 1}}), json!({"a": 2})));
    assert!(!matches(json!({"$not": {"a": {"$gt": 5}}}), json!({})));
    assert!(matches(json!({"a": {"$not": {"$gt": 5}}}), json!({"a": 5})));
    assert!(!matches(
        json!({"a": {"$not": {"$regex": "^x"}}}),
        json!({})
    ));
    // ... except when negating $exists.
    assert!(matches(
        json!({"$not": {"a": {"$exists": true}}}),
        json!({"b": 1})
    ));
    assert!(!matches(
        json!({"$not": {"a": {"$exists": false}}}),
        json!({"b": 1})
    ));
    assert!(matches(
        json!({"$not": {"a": {"$exists": false}}}),
        json!({"a": null})
    ));
    // De Morgan: not(a == 1 and b == 2) is (a != 1 or b != 2), each requiring its field.
    let not_both = json!({"$not": {"a": 1, "b": 2}});
    assert!(matches(not_both.clone(), json!({"a": 1, "b": 3})));
    assert!(!matches(not_both.clone(), json!({"a": 1, "b": 2})));
    assert!(!matches(not_both, json!({"a": 1})));
    // Double negation cancels.
    assert!(matches(
        json!({"$not": {"$not": {"a": 1}}}),
        json!({"a": 1})
    ));
    assert!(!matches(
        json!({"$not": {"$not": {"a": 1}}}),
        json!({"a": 2})
    ));
    // $not of $or / $nor.
    let not_or = json!({"$not": {"$or": [{"a": 1}, {"a": 2}]}});
    assert!(matches(not_or.clone(), json!({"a": 3})));
    assert!(!matches(not_or, json!({"a": 2})));
    assert!(matches(
        json!({"$not": {"$nor": [{"a": 1}]}}),
        json!({"a": 1})
    ));
    // Negating an operator that has no inverse (here $size) keeps the field requirement.
    assert!(matches(
        json!({"$not": {"a": {"$size": 1}}}),
        json!({"a": [1, 2]})
    ));
    assert!(!matches(json!({"$not": {"a": {"$size": 1}}}), json!({})));
}

// ---------------------------------------------------------------- field paths

#[test]
fn dot_paths_and_nested_objects() {
    let doc = json!({"imdb": {"rating": 8, "votes": {"count": 1000}}, "cast": [{"name": "a"}, {"name": "b"}]});
    assert!(matches(json!({"imdb.rating": 8}), doc.clone()));
    assert!(matches(json!({"imdb": {"rating": 8}}), doc.clone()));
    assert!(matches(
        json!({"imdb": {"rating": {"$gt": 7}}}),
        doc.clone()
    ));
    assert!(matches(
        json!({"imdb.votes.count": {"$gte": 1000}}),
        doc.clone()
    ));
    assert!(matches(json!({"imdb": {"votes.count": 1000}}), doc.clone()));
    assert!(matches(
        json!({"imdb": {"votes": {"count": {"$lt": 1001}}}}),
        doc.clone()
    ));
    assert!(!matches(json!({"imdb": {"rating": 9}}), doc.clone()));
    assert!(!matches(json!({"imdb.rating.x": 8}), doc.clone()));
    // A nested object without operators is a sub-field selector, not object equality.
    assert!(matches(
        json!({"imdb": {"rating": 8}}),
        json!({"imdb": {"rating": 8, "extra": 1}})
    ));
    assert!(!matches(
        json!({"imdb": {"$eq": {"rating": 8}}}),
        json!({"imdb": {"rating": 8, "extra": 1}})
    ));
    // Several sub-fields form an implicit $and.
    assert!(matches(
        json!({"imdb": {"rating": 8, "votes.count": 1000}}),
        doc.clone()
    ));
    assert!(!matches(
        json!({"imdb": {"rating": 8, "votes.count": 1}}),
        doc.clone()
    ));
    // Array indexes.
    assert!(matches(json!({"cast.1.name": "b"}), doc.clone()));
    assert!(!matches(
        json!({"cast.2.name": {"$exists": false}}),
        doc.clone()
    ));
    // Escaped dots name a field containing a dot.
    assert!(matches(json!({"a\\.b": 1}), json!({"a.b": 1})));
    assert!(!matches(json!({"a\\.b": 1}), json!({"a": {"b": 1}})));
    // An empty object under a field means equality with {}.
    assert!(matches(json!({"o": {}}), json!({"o": {}})));
    assert!(!matches(json!({"o": {}}), json!({"o": {"x": 1}})));
}

// ---------------------------------------------------------------- other operators

#[test]
fn regex() {
    let sel = json!({"name": {"$regex": "^[A-Z][a-z]+$"}});
    assert!(matches(sel.clone(), json!({"name": "Alice"})));
    assert!(!matches(sel.clone(), json!({"name": "alice"})));
    assert!(
        !matches(sel.clone(), json!({"name": 42})),
        "only strings match"
    );
    assert!(!matches(sel, json!({})));
    assert!(
        matches(json!({"name": {"$regex": "li"}}), json!({"name": "Alice"})),
        "unanchored"
    );
    assert!(matches(
        json!({"name": {"$regex": "(?i)^ALICE$"}}),
        json!({"name": "Alice"})
    ));

    let err = parse_err(r#"{"selector": {"name": {"$regex": "(unclosed"}}}"#);
    assert!(matches!(err, QueryError::InvalidRegex { ref pattern, .. } if pattern == "(unclosed"));
    assert!(err.to_string().contains("invalid $regex pattern"), "{err}");
    assert!(matches!(
        parse_err(r#"{"selector": {"name": {"$regex": 5}}}"#),
        QueryError::BadArgument { .. }
    ));
}

#[test]
fn all() {
    let sel = json!({"genre": {"$all": ["Comedy", "Short"]}});
    assert!(matches(
        sel.clone(),
        json!({"genre": ["Short", "Drama", "Comedy"]})
    ));
    assert!(!matches(sel.clone(), json!({"genre": ["Comedy"]})));
    assert!(!matches(sel.clone(), json!({"genre": "Comedy"})));
    assert!(!matches(sel, json!({})));
    // CouchDB also accepts a single array argument equal to the whole value.
    assert!(matches(
        json!({"g": {"$all": [["a", "b"]]}}),
        json!({"g": ["a", "b"]})
    ));
}

#[test]
fn size() {
    assert!(matches(json!({"t": {"$size": 2}}), json!({"t": [1, 2]})));
    assert!(!matches(json!({"t": {"$size": 2}}), json!({"t": [1]})));
    assert!(matches(json!({"t": {"$size": 0}}), json!({"t": []})));
    assert!(!matches(json!({"t": {"$size": 2}}), json!({"t": "ab"})));
    assert!(matches!(
        parse_err(r#"{"selector": {"t": {"$size": -1}}}"#),
        QueryError::BadArgument { .. }
    ));
}

#[test]
fn type_operator() {
    for (value, ty) in [
        (json!(null), "null"),
        (json!(true), "boolean"),
        (json!(1.5), "number"),
        (json!("s"), "string"),
        (json!([1]), "array"),
        (json!({"a": 1}), "object"),
    ] {
        assert!(
            matches(json!({"v": {"$type": ty}}), json!({"v": value.clone()})),
            "{value} is {ty}"
        );
        let other = if ty == "string" { "number" } else { "string" };
        assert!(!matches(
            json!({"v": {"$type": other}}),
            json!({"v": value})
        ));
    }
    assert!(!matches(json!({"v": {"$type": "null"}}), json!({})));
    let err = parse_err(r#"{"selector": {"v": {"$type": "integer"}}}"#);
    assert!(err.to_string().contains("integer"), "{err}");
}

#[test]
fn elem_match_and_all_match() {
    let doc =
        json!({"scores": [70, 82, 95], "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]});
    assert!(matches(
        json!({"scores": {"$elemMatch": {"$gte": 80, "$lt": 85}}}),
        doc.clone()
    ));
    assert!(!matches(
        json!({"scores": {"$elemMatch": {"$gte": 96}}}),
        doc.clone()
    ));
    assert!(matches(
        json!({"items": {"$elemMatch": {"sku": "b", "qty": {"$gt": 2}}}}),
        doc.clone()
    ));
    assert!(!matches(
        json!({"items": {"$elemMatch": {"sku": "a", "qty": {"$gt": 2}}}}),
        doc.clone()
    ));
    assert!(!matches(
        json!({"scores": {"$elemMatch": {"$gt": 0}}}),
        json!({"scores": 5})
    ));

    assert!(matches(
        json!({"scores": {"$allMatch": {"$gte": 70}}}),
        doc.clone()
    ));
    assert!(!matches(
        json!({"scores": {"$allMatch": {"$gte": 80}}}),
        doc.clone()
    ));
    assert!(matches(
        json!({"items": {"$allMatch": {"qty": {"$gte": 1}}}}),
        doc
    ));
    assert!(
        !matches(json!({"s": {"$allMatch": {"$gt": 0}}}), json!({"s": []})),
        "empty arrays never match"
    );
    // Inside $elemMatch, `_id` is the element's member, not the ledger key.
    assert!(matches_key(
        json!({"e": {"$elemMatch": {"_id": 1}}}),
        "key",
        json!({"e": [{"_id": 1}]})
    ));
}

#[test]
fn mod_operator() {
    let sel = json!({"n": {"$mod": [4, 1]}});
    assert!(matches(sel.clone(), json!({"n": 9})));
    assert!(!matches(sel.clone(), json!({"n": 10})));
    assert!(!matches(sel.clone(), json!({"n": 9.5})), "only integers");
    assert!(!matches(sel.clone(), json!({"n": "9"})));
    // Fabric stores values through Go's float64 (`couchdoc_conv.go`), which
    // writes 9.0 as 9: CouchDB then holds an integer.
    assert!(matches(sel.clone(), json!({"n": 9.0})), "stored 9.0 is 9");
    assert!(
        matches(json!({"n": {"$mod": [3, 1]}}), json!({"n": 1e20})),
        "1e20 is written 100000000000000000000 by Go: an integer"
    );
    assert!(
        matches(json!({"n": {"$mod": [3, -1]}}), json!({"n": -7})),
        "sign of the dividend"
    );
    assert!(matches!(
        parse_err(r#"{"selector": {"n": {"$mod": [0, 1]}}}"#),
        QueryError::BadArgument { .. }
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {"n": {"$mod": [2]}}}"#),
        QueryError::BadArgument { .. }
    ));
}

#[test]
fn begins_with_and_key_map_match() {
    assert!(matches(
        json!({"s": {"$beginsWith": "ab"}}),
        json!({"s": "abc"})
    ));
    assert!(!matches(
        json!({"s": {"$beginsWith": "ab"}}),
        json!({"s": "xabc"})
    ));
    assert!(!matches(
        json!({"s": {"$beginsWith": "1"}}),
        json!({"s": 12})
    ));
    let sel = json!({"cameras": {"$keyMapMatch": {"$eq": "secondary"}}});
    assert!(matches(
        sel.clone(),
        json!({"cameras": {"primary": 1, "secondary": 2}})
    ));
    assert!(!matches(sel.clone(), json!({"cameras": {"primary": 1}})));
    assert!(!matches(sel, json!({"cameras": ["secondary"]})));
}

// ---------------------------------------------------------------- Fabric specifics

#[test]
fn id_is_the_ledger_key() {
    let doc = json!({"owner": "tom"});
    assert!(matches_key(json!({"_id": "asset7"}), "asset7", doc.clone()));
    assert!(!matches_key(
        json!({"_id": "asset8"}),
        "asset7",
        doc.clone()
    ));
    assert!(matches_key(
        json!({"_id": {"$gt": null}}),
        "asset7",
        doc.clone()
    ));
    assert!(matches_key(
        json!({"_id": {"$gte": "asset5", "$lt": "asset9"}}),
        "asset7",
        doc.clone()
    ));
    assert!(matches_key(
        json!({"_id": {"$regex": "^asset[0-9]$"}}),
        "asset7",
        doc.clone()
    ));
    assert!(matches_key(
        json!({"_id": {"$in": ["asset1", "asset7"]}}),
        "asset7",
        doc.clone()
    ));
    assert!(!matches_key(
        json!({"_id": {"$exists": false}}),
        "asset7",
        doc
    ));
    // The key shadows a stored `_id` member; `_rev` and `~version` never exist.
    let with_internal = json!({"_id": "other", "_rev": "1-x", "~version": "v"});
    assert!(matches_key(
        json!({"_id": "real"}),
        "real",
        with_internal.clone()
    ));
    assert!(!matches_key(
        json!({"_id": "other"}),
        "real",
        with_internal.clone()
    ));
    assert!(matches_key(
        json!({"_rev": {"$exists": false}}),
        "real",
        with_internal.clone()
    ));
    assert!(!matches_key(
        json!({"~version": "v"}),
        "real",
        with_internal
    ));
}

// Fabric `statecouchdb/couchdoc_conv.go` (`keyValToCouchDoc`): a value that Go's
// `json.Unmarshal` does not decode into a map is stored as an attachment of a
// document with only `_id` and Fabric's internal fields; a selector sees that
// `_id`, and the peer returns the attachment's bytes unchanged.
#[test]
fn values_that_are_not_json_objects_are_documents_with_only_an_id() {
    let composite = "\u{0}color~name\u{0}blue\u{0}a1\u{0}";
    let raw: Vec<(&str, &[u8])> = vec![
        (composite, b"\x00".as_slice()),
        ("a", br#"{"x":1}"#.as_slice()),
        ("b", b"\x00\x01binary\xff".as_slice()),
        ("c", b"[1,2,3]".as_slice()),
        ("d", b"42".as_slice()),
        ("e", br#""a string""#.as_slice()),
        ("f", b"null".as_slice()),
        ("g", b"{not json".as_slice()),
        ("h", b"{}".as_slice()),
        ("i", b"true".as_slice()),
    ];
    let store = Store::raw(raw.clone());
    let every = [composite, "a", "b", "c", "d", "e", "f", "g", "h", "i"];
    assert_eq!(store.keys(r#"{"selector": {}}"#), every);
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$gt": ""}}}"#), every);
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$gt": null}}}"#), every);
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$regex": "^[a-z]$"}}}"#),
        every[1..]
    );
    // Only `_id`: no other field exists, not even one named like the value's content.
    assert_eq!(
        store.keys(r#"{"selector": {"x": {"$exists": false}}}"#),
        [composite, "b", "c", "d", "e", "f", "g", "h", "i"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {"x": {"$exists": true}}}"#),
        ["a"]
    );
    assert_eq!(store.keys(r#"{"selector": {"x": {"$ne": 2}}}"#), ["a"]);
    assert!(store.keys(r#"{"selector": {"0": 1}}"#).is_empty());
    // The values come back byte for byte.
    let page = store
        .run(&parse(r#"{"selector": {}}"#), Page::default())
        .unwrap();
    let returned: Vec<(&str, &[u8])> = page
        .results
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let mut expected = raw;
    expected.sort();
    assert_eq!(returned, expected);
    // With `fields`, an attachment document has none of them: `{}`.
    let projected = store
        .run(
            &parse(r#"{"selector": {"_id": "b"}, "fields": ["x"]}"#),
            Page::default(),
        )
        .unwrap();
    assert_eq!(projected.results, [("b".to_owned(), b"{}".to_vec())]);
    // Sorting on a field leaves them out (they are in no index on it); on `_id` they are in.
    assert_eq!(store.keys(r#"{"selector": {}, "sort": ["x"]}"#), ["a"]);
    assert_eq!(store.keys(r#"{"selector": {}, "sort": ["_id"]}"#), every);
}

// ---------------------------------------------------------------- sort

fn sort_store() -> Store {
    Store::new(vec![
        ("k1", json!({"color": "red", "size": 3})),
        ("k2", json!({"color": "blue", "size": 1})),
        ("k3", json!({"color": "red", "size": 1})),
        ("k4", json!({"color": "green", "size": 3})),
        ("k5", json!({"color": "blue", "size": 2})),
        ("k6", json!({"color": "red"})),
    ])
}

#[test]
fn without_sort_results_are_in_key_order() {
    let shuffled = Store::raw(vec![
        ("b", br#"{"n":1}"#.as_slice()),
        ("a", br#"{"n":2}"#.as_slice()),
        ("c", br#"{"n":3}"#.as_slice()),
    ]);
    assert_eq!(shuffled.keys(r#"{"selector": {}}"#), ["a", "b", "c"]);
    assert_eq!(
        sort_store().keys(r#"{"selector": {"color": "red"}}"#),
        ["k1", "k3", "k6"]
    );
}

#[test]
fn sort_one_field_ascending_and_descending() {
    let store = sort_store();
    assert_eq!(
        store.keys(r#"{"selector": {"size": {"$gt": 0}}, "sort": ["size"]}"#),
        ["k2", "k3", "k5", "k1", "k4"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {"size": {"$gt": 0}}, "sort": [{"size": "asc"}]}"#),
        ["k2", "k3", "k5", "k1", "k4"]
    );
    // Descending reverses the whole order, key tie-break included.
    assert_eq!(
        store.keys(r#"{"selector": {"size": {"$gt": 0}}, "sort": [{"size": "desc"}]}"#),
        ["k4", "k1", "k5", "k3", "k2"]
    );
}

#[test]
fn sort_two_fields() {
    let store = sort_store();
    assert_eq!(
        store.keys(r#"{"selector": {}, "sort": ["color", "size"]}"#),
        ["k2", "k5", "k4", "k3", "k1"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {}, "sort": [{"color": "desc"}, {"size": "desc"}]}"#),
        ["k1", "k3", "k4", "k5", "k2"]
    );
}

#[test]
fn sort_excludes_documents_without_the_sort_field() {
    // CouchDB serves a sort from an index, which only holds documents having the field.
    let keys = sort_store().keys(r#"{"selector": {"color": "red"}, "sort": ["size"]}"#);
    assert_eq!(keys, ["k3", "k1"]);
}

#[test]
fn sort_across_types_and_by_id() {
    let store = Store::new(vec![
        ("a", json!({"v": "x"})),
        ("b", json!({"v": 2})),
        ("c", json!({"v": null})),
        ("d", json!({"v": [1]})),
        ("e", json!({"v": true})),
        ("f", json!({"v": {"o": 1}})),
        ("g", json!({"v": 1.5})),
    ]);
    assert_eq!(
        store.keys(r#"{"selector": {}, "sort": ["v"]}"#),
        ["c", "e", "g", "b", "a", "d", "f"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {}, "sort": [{"_id": "desc"}]}"#),
        ["g", "f", "e", "d", "c", "b", "a"]
    );
}

#[test]
fn mixed_sort_directions_are_rejected() {
    let err = parse_err(r#"{"selector": {}, "sort": [{"a": "asc"}, {"b": "desc"}]}"#);
    assert_eq!(err, QueryError::MixedSortDirections);
    assert!(err.to_string().contains("same direction"), "{err}");
    let err = parse_err(r#"{"selector": {}, "sort": ["a", {"b": "desc"}]}"#);
    assert_eq!(err, QueryError::MixedSortDirections);
    assert!(matches!(
        parse_err(r#"{"selector": {}, "sort": [{"a": "up"}]}"#),
        QueryError::InvalidSort(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {}, "sort": "a"}"#),
        QueryError::InvalidSort(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {}, "sort": [{"a": "asc", "b": "asc"}]}"#),
        QueryError::InvalidSort(_)
    ));
}

// ---------------------------------------------------------------- limit / skip

#[test]
fn limit_and_skip() {
    let store = sort_store();
    assert_eq!(store.keys(r#"{"selector": {}, "limit": 2}"#), ["k1", "k2"]);
    assert_eq!(store.keys(r#"{"selector": {}, "skip": 4}"#), ["k5", "k6"]);
    assert_eq!(
        store.keys(r#"{"selector": {}, "skip": 1, "limit": 2}"#),
        ["k2", "k3"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {}, "skip": 10}"#),
        Vec::<String>::new()
    );
    assert_eq!(
        store.keys(r#"{"selector": {}, "limit": 0}"#),
        Vec::<String>::new()
    );
    assert_eq!(
        store.keys(r#"{"selector": {"size": {"$gt": 0}}, "sort": [{"size": "desc"}], "skip": 1, "limit": 3}"#),
        ["k1", "k5", "k3"]
    );
    for bad in [
        r#"{"selector": {}, "limit": -1}"#,
        r#"{"selector": {}, "skip": "2"}"#,
        r#"{"selector": {}, "limit": 1.5}"#,
    ] {
        assert!(
            matches!(parse_err(bad), QueryError::InvalidOption { .. }),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------- fields

#[test]
fn fields_projection() {
    let stored = r#"{ "owner" : "tom",  "size": 5, "meta": {"a": 1, "b": {"c": 2, "d": 3}}, "list": [10, 20] }"#;
    let store = Store::raw(vec![("k", stored.as_bytes())]);

    // Without fields: the original bytes, untouched.
    let all = store
        .run(&parse(r#"{"selector": {}}"#), Page::default())
        .unwrap();
    assert_eq!(all.results, [("k".to_owned(), stored.as_bytes().to_vec())]);

    let projected = |fields: &str| -> String {
        let q = parse(&format!(
            r#"{{"selector": {{"owner": "tom"}}, "fields": {fields}}}"#
        ));
        let page = store.run(&q, Page::default()).unwrap();
        assert_eq!(page.results.len(), 1);
        String::from_utf8(page.results[0].1.clone()).unwrap()
    };
    // Compact JSON holding only the listed fields, nested as in the document.
    assert_eq!(projected(r#"["size"]"#), r#"{"size":5}"#);
    let two = projected(r#"["owner", "meta.b.c"]"#);
    assert!(!two.contains(char::is_whitespace), "compact: {two}");
    assert_eq!(
        serde_json::from_str::<Value>(&two).unwrap(),
        json!({"owner": "tom", "meta": {"b": {"c": 2}}})
    );
    assert_eq!(
        projected(r#"["meta.a", "meta.b.d"]"#),
        r#"{"meta":{"a":1,"b":{"d":3}}}"#
    );
    assert_eq!(
        projected(r#"["meta.b"]"#),
        r#"{"meta":{"b":{"c":2,"d":3}}}"#
    );
    assert_eq!(projected(r#"["list"]"#), r#"{"list":[10,20]}"#);
    // Missing fields are left out; internal fields are never returned.
    assert_eq!(projected(r#"["nope", "meta.nope", "size.x"]"#), r#"{}"#);
    assert_eq!(
        projected(r#"["_id", "_rev", "~version", "size"]"#),
        r#"{"size":5}"#
    );
    assert_eq!(projected("[]"), "{}");

    // Projection never affects matching.
    let q = parse(r#"{"selector": {"meta.a": 1}, "fields": ["owner"]}"#);
    assert_eq!(keys(&store.run(&q, Page::default()).unwrap()), ["k"]);

    assert!(matches!(
        parse_err(r#"{"selector": {}, "fields": "owner"}"#),
        QueryError::InvalidOption { .. }
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {}, "fields": ["a..b"]}"#),
        QueryError::InvalidFieldName(_)
    ));
}

// ---------------------------------------------------------------- pagination

fn store_25() -> Store {
    // Ranks repeat (five documents each) so that sorting has ties to break.
    let mut docs: Vec<(String, Value)> = (0..25)
        .map(|i| {
            let doc = json!({"type": "asset", "rank": (i * 7) % 5, "i": i});
            (format!("asset{i:02}"), doc)
        })
        .collect();
    docs.push(("other".to_owned(), json!({"type": "other", "rank": 0})));
    Store::new(docs)
}

fn assert_partition(store: &Store, query: &str) {
    let q = parse(query);
    let expected = keys(&store.run(&q, Page::default()).unwrap());
    assert_eq!(expected.len(), 25);
    let pages = all_pages(store, &q, 10);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 10, 5], "{query}");
    let flat: Vec<String> = pages.concat();
    assert_eq!(
        flat, expected,
        "pages concatenate to the full result in order: {query}"
    );
    assert_eq!(
        flat.iter().collect::<HashSet<_>>().len(),
        25,
        "no duplicates"
    );
}

#[test]
fn pagination_without_sort() {
    assert_partition(&store_25(), r#"{"selector": {"type": "asset"}}"#);
}

#[test]
fn pagination_with_sort_and_ties() {
    let store = store_25();
    assert_partition(
        &store,
        r#"{"selector": {"type": "asset"}, "sort": ["rank"]}"#,
    );
    assert_partition(
        &store,
        r#"{"selector": {"type": "asset"}, "sort": [{"rank": "desc"}]}"#,
    );
    assert_partition(
        &store,
        r#"{"selector": {"type": "asset"}, "sort": [{"rank": "desc"}, {"i": "desc"}]}"#,
    );
}

// One `execute` is one CouchDB `_find` request: after the bookmark
// (`mango_json_bookmark:update_args/2`), `skip` matches are skipped and `limit`
// returned (`mango_cursor_view:handle_doc/2`); a non-zero page size replaces
// the query's `limit` as Fabric's `applyAdditionalQueryOptions` does.
#[test]
fn skip_applies_to_every_request_and_the_page_size_replaces_limit() {
    let store = store_25();
    let q = parse(r#"{"selector": {"type": "asset"}, "sort": ["rank"], "skip": 3, "limit": 15}"#);
    let all = keys(
        &store
            .run(
                &parse(r#"{"selector": {"type": "asset"}, "sort": ["rank"]}"#),
                Page::default(),
            )
            .unwrap(),
    );
    assert_eq!(keys(&store.run(&q, Page::default()).unwrap()), all[3..18]);
    // Pages of 10: the query's limit (15) is replaced, and each request skips 3.
    let pages = all_pages(&store, &q, 10);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 9]);
    assert_eq!(pages[0], all[3..13]);
    assert_eq!(pages[1], all[16..25]);
    // Skipped matches move the bookmark too: skipping past the end gives the
    // last match's position, not the bookmark given.
    let past = store
        .run(
            &parse(r#"{"selector": {"type": "asset"}, "skip": 30}"#),
            page(10, ""),
        )
        .unwrap();
    assert!(past.results.is_empty());
    assert_ne!(past.bookmark, "nil");
    let after = store
        .run(
            &parse(r#"{"selector": {"type": "asset"}}"#),
            page(10, &past.bookmark),
        )
        .unwrap();
    assert!(
        after.results.is_empty(),
        "the bookmark is after the last match"
    );
}

#[test]
fn last_page_returns_a_bookmark_that_yields_nothing() {
    let store = store_25();
    let q = parse(r#"{"selector": {"type": "asset"}}"#);
    let p1 = store.run(&q, page(20, "")).unwrap();
    let p2 = store.run(&q, page(20, &p1.bookmark)).unwrap();
    assert_eq!(p2.results.len(), 5);
    assert_ne!(p2.bookmark, p1.bookmark);
    let p3 = store.run(&q, page(20, &p2.bookmark)).unwrap();
    assert!(p3.results.is_empty());
    assert_eq!(p3.bookmark, p2.bookmark);
    // page_size 0: everything after the bookmark.
    let rest = store.run(&q, page(0, &p1.bookmark)).unwrap();
    assert_eq!(keys(&rest), keys(&p2));
    assert_eq!(rest.bookmark, p2.bookmark);
    // No results and no bookmark: CouchDB's "nil" (`mango_json_bookmark:create/1`
    // returns the atom `nil`), which CouchDB then refuses as a bookmark
    // (`mango_json_bookmark:unpack/1`, apache/couchdb#740).
    let none_query = parse(r#"{"selector": {"type": "none"}}"#);
    let none = store.run(&none_query, page(10, "")).unwrap();
    assert_eq!(none.results, []);
    assert_eq!(none.bookmark, "nil");
    let err = store.run(&none_query, page(10, "nil")).unwrap_err();
    assert!(matches!(err, QueryError::InvalidBookmark { .. }), "{err}");
    assert!(err.to_string().contains("\"nil\""), "{err}");
}

#[test]
fn query_bookmark_field_and_page_bookmark_precedence() {
    let store = store_25();
    let base = r#"{"selector": {"type": "asset"}, "sort": ["rank"]}"#;
    let q = parse(base);
    let first = store.run(&q, page(10, "")).unwrap();
    let second = store.run(&q, page(10, &first.bookmark)).unwrap();

    let with_field = parse(&format!(
        r#"{{"selector": {{"type": "asset"}}, "sort": ["rank"], "bookmark": "{}"}}"#,
        first.bookmark
    ));
    assert_eq!(store.run(&with_field, page(10, "")).unwrap(), second);
    // The paginated API's bookmark wins over the query's.
    let third = store.run(&q, page(10, &second.bookmark)).unwrap();
    assert_eq!(
        store.run(&with_field, page(10, &second.bookmark)).unwrap(),
        third
    );
}

#[test]
fn resuming_survives_changes_between_pages() {
    let mut store = store_25();
    let q = parse(r#"{"selector": {"type": "asset"}, "sort": ["rank"]}"#);
    let first = store.run(&q, page(10, "")).unwrap();
    let last = first.results.last().unwrap().0.clone();
    // Remove the last returned document and add one sorting before the bookmark.
    store.0.retain(|(k, _)| *k != last);
    store.insert("aaa", json!({"type": "asset", "rank": -1}));
    let rest = store.run(&q, page(0, &first.bookmark)).unwrap();
    let mut seen: Vec<String> = keys(&first);
    seen.extend(keys(&rest));
    assert_eq!(seen.len(), 25, "nothing skipped or repeated");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);
    assert!(!keys(&rest).contains(&"aaa".to_owned()));
}

#[test]
fn bad_bookmarks_are_rejected() {
    let store = store_25();
    let q = parse(r#"{"selector": {"type": "asset"}}"#);
    for bad in ["garbage!", "bm9wZQ", "eyJ2IjoxfQ"] {
        let err = store.run(&q, page(10, bad)).unwrap_err();
        assert!(
            matches!(err, QueryError::InvalidBookmark { .. }),
            "{bad}: {err}"
        );
        assert!(err.to_string().starts_with("invalid bookmark"), "{err}");
    }
    // A bookmark from a query with a different sort.
    let sorted = parse(r#"{"selector": {"type": "asset"}, "sort": ["rank"]}"#);
    let bm = store.run(&sorted, page(5, "")).unwrap().bookmark;
    assert!(matches!(
        store.run(&q, page(5, &bm)).unwrap_err(),
        QueryError::InvalidBookmark { .. }
    ));
    // ... also when it comes in the query text.
    let in_query = parse(r#"{"selector": {}, "bookmark": "%%%"}"#);
    assert!(store.run(&in_query, Page::default()).is_err());
    assert!(matches!(
        parse_err(r#"{"selector": {}, "bookmark": 5}"#),
        QueryError::InvalidOption { .. }
    ));
}

// ---------------------------------------------------------------- query validation

#[test]
fn top_level_members() {
    let err = parse_err(r#"{"selector": {}, "sorting": ["a"]}"#);
    assert_eq!(err, QueryError::UnknownQueryField("sorting".to_owned()));
    assert!(err.to_string().contains(r#""sorting""#), "{err}");
    // Accepted and ignored.
    let q = parse(
        r#"{"selector": {"a": 1}, "use_index": ["_design/idx", "by_a"], "execution_stats": true,
            "r": 1, "conflicts": false, "update": true, "stable": false}"#,
    );
    assert!(q.matches("k", br#"{"a": 1}"#));
}

#[test]
fn missing_selector_and_invalid_json() {
    let err = parse_err(r#"{"sort": ["a"]}"#);
    assert_eq!(err, QueryError::MissingSelector);
    assert!(
        err.to_string().contains("must contain a \"selector\""),
        "{err}"
    );
    assert!(matches!(
        parse_err(r#"{"selector": {"#),
        QueryError::InvalidJson(_)
    ));
    assert!(matches!(parse_err(""), QueryError::InvalidJson(_)));
    assert_eq!(parse_err(r#"["selector"]"#), QueryError::NotAnObject);
    assert!(matches!(
        parse_err(r#"{"selector": "a"}"#),
        QueryError::InvalidSelector(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": null}"#),
        QueryError::InvalidSelector(_)
    ));
}

#[test]
fn unsupported_and_malformed_operators() {
    let err = parse_err(r#"{"selector": {"$text": "hello"}}"#);
    assert_eq!(err, QueryError::UnsupportedOperator("$text".to_owned()));
    assert_eq!(
        err.to_string(),
        r#"invalid rich query: unsupported operator "$text""#
    );
    for op in ["$where", "$foo", "$geoWithin", "$elemmatch"] {
        let text = format!(r#"{{"selector": {{"a": {{"{op}": 1}}}}}}"#);
        assert_eq!(
            parse_err(&text),
            QueryError::UnsupportedOperator(op.to_owned())
        );
    }
    for bad in [
        r#"{"selector": {"$and": {"a": 1}}}"#,
        r#"{"selector": {"$or": [1, 2]}}"#,
        r#"{"selector": {"$not": [{"a": 1}]}}"#,
        r#"{"selector": {"a": {"$in": 1}}}"#,
        r#"{"selector": {"a": {"$nin": "x"}}}"#,
        r#"{"selector": {"a": {"$all": 1}}}"#,
        r#"{"selector": {"a": {"$exists": "yes"}}}"#,
        r#"{"selector": {"a": {"$elemMatch": 1}}}"#,
    ] {
        assert!(
            matches!(parse_err(bad), QueryError::BadArgument { .. }),
            "{bad}"
        );
    }
    // A condition operator needs a field (except inside $elemMatch & co.).
    assert!(matches!(
        parse_err(r#"{"selector": {"$gt": 1}}"#),
        QueryError::InvalidSelector(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {"$or": [{"$eq": 1}]}}"#),
        QueryError::InvalidSelector(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {"": 1}}"#),
        QueryError::InvalidFieldName(_)
    ));
    assert!(matches!(
        parse_err(r#"{"selector": {"a.": 1}}"#),
        QueryError::InvalidFieldName(_)
    ));
}

// CouchDB `mango_selector:match_int/2`: "An empty selector matches any value",
// including the documents Fabric stores for values that are not JSON objects.
#[test]
fn empty_selector_matches_every_document() {
    let q = parse(r#"{"selector": {}}"#);
    assert!(q.matches("k", b"{}"));
    assert!(q.matches("k", br#"{"a": 1}"#));
    assert!(q.matches("k", b"\x00"));
    assert!(q.matches("k", b"[1, 2]"));
}

// ---------------------------------------------------------------- every operator, every type

/// One document per JSON type under `v`, plus one without `v`.
fn typed_store() -> Store {
    Store::new(vec![
        ("null", json!({"v": null})),
        ("false", json!({"v": false})),
        ("true", json!({"v": true})),
        ("int", json!({"v": 5})),
        ("float", json!({"v": 2.5})),
        ("str", json!({"v": "m"})),
        ("arr", json!({"v": [1, "m"]})),
        ("empty", json!({"v": []})),
        ("obj", json!({"v": {"k": 1}})),
        ("missing", json!({"w": 1})),
    ])
}

// Expected results follow `mango_selector:match/3` (CouchDB 3.x) with view
// collation `null < false < true < numbers < strings < arrays < objects`
// (`couch_ejson_compare`); a missing field matches only `$exists: false`.
#[test]
fn every_operator_against_every_json_type() {
    let store = typed_store();
    let present = [
        "arr", "empty", "false", "float", "int", "null", "obj", "str", "true",
    ];
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"$eq": null}), vec!["null"]),
        (json!({"$eq": false}), vec!["false"]),
        (json!({"$eq": 5.0}), vec!["int"]),
        (json!({"$eq": "m"}), vec!["str"]),
        (json!({"$eq": [1, "m"]}), vec!["arr"]),
        (json!({"$eq": {"k": 1.0}}), vec!["obj"]),
        (
            json!({"$ne": 5}),
            vec![
                "arr", "empty", "false", "float", "null", "obj", "str", "true",
            ],
        ),
        (json!({"$gt": 5}), vec!["arr", "empty", "obj", "str"]),
        (
            json!({"$gte": 5}),
            vec!["arr", "empty", "int", "obj", "str"],
        ),
        (json!({"$lt": 5}), vec!["false", "float", "null", "true"]),
        (
            json!({"$lte": 5}),
            vec!["false", "float", "int", "null", "true"],
        ),
        (json!({"$gt": "m"}), vec!["arr", "empty", "obj"]),
        (
            json!({"$lt": []}),
            vec!["false", "float", "int", "null", "str", "true"],
        ),
        (json!({"$gte": {}}), vec!["obj"]),
        (
            json!({"$gt": null}),
            vec![
                "arr", "empty", "false", "float", "int", "obj", "str", "true",
            ],
        ),
        (
            json!({"$in": [5, "m", null]}),
            vec!["arr", "int", "null", "str"],
        ),
        (
            json!({"$nin": [5, "m"]}),
            vec!["empty", "false", "float", "null", "obj", "true"],
        ),
        (json!({"$exists": true}), present.to_vec()),
        (json!({"$exists": false}), vec!["missing"]),
        (json!({"$type": "null"}), vec!["null"]),
        (json!({"$type": "boolean"}), vec!["false", "true"]),
        (json!({"$type": "number"}), vec!["float", "int"]),
        (json!({"$type": "string"}), vec!["str"]),
        (json!({"$type": "array"}), vec!["arr", "empty"]),
        (json!({"$type": "object"}), vec!["obj"]),
        (json!({"$size": 2}), vec!["arr"]),
        (json!({"$size": 0}), vec!["empty"]),
        (json!({"$mod": [2, 1]}), vec!["int"]),
        (json!({"$regex": "^m$"}), vec!["str"]),
        (json!({"$beginsWith": "m"}), vec!["str"]),
        (json!({"$all": ["m"]}), vec!["arr"]),
        (json!({"$all": [[1, "m"]]}), vec!["arr"]),
        (json!({"$elemMatch": {"$eq": 1}}), vec!["arr"]),
        (json!({"$allMatch": {"$exists": true}}), vec!["arr"]),
        (json!({"$allMatch": {"$type": "number"}}), vec![]),
        (json!({"$keyMapMatch": {"$eq": "k"}}), vec!["obj"]),
        (
            json!({"$not": {"$eq": 5}}),
            vec![
                "arr", "empty", "false", "float", "null", "obj", "str", "true",
            ],
        ),
        (json!({"$not": {"$exists": true}}), vec!["missing"]),
        (
            json!({"$or": [{"$eq": 5}, {"$eq": "m"}]}),
            vec!["int", "str"],
        ),
        (
            json!({"$and": [{"$gt": 1}, {"$lt": 10}]}),
            vec!["float", "int"],
        ),
        (
            json!({"$nor": [{"$eq": 5}, {"$type": "array"}]}),
            vec!["false", "float", "null", "obj", "str", "true"],
        ),
    ];
    for (cond, expected) in cases {
        let query = json!({"selector": {"v": cond}}).to_string();
        let mut got = store.keys(&query);
        got.sort();
        assert_eq!(got, expected, "{query}");
    }
}

// CouchDB 3.x (3.3.3, 3.4.3, 3.5.x) `mango_selector:match/3`: a field named
// `_id` is compared with `mango_json:cmp_raw/2`, Erlang term order, where
// every string (binary) is greater than numbers, atoms, tuples and lists, and
// strings compare byte by byte.
#[test]
fn id_compares_in_raw_term_order() {
    let store = Store::new(vec![
        ("B", json!({})),
        ("a", json!({})),
        ("b", json!({})),
        ("é", json!({})),
    ]);
    let all = ["B", "a", "b", "é"];
    let none: [&str; 0] = [];
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$lt": []}}}"#), none);
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$gt": {"a": 1}}}}"#),
        all
    );
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$gt": [1]}}}"#), all);
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$gt": 5}}}"#), all);
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$lte": true}}}"#), none);
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$lt": "b"}}}"#),
        ["B", "a"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$gt": "Z"}}}"#),
        ["a", "b", "é"]
    );
    assert_eq!(store.keys(r#"{"selector": {"_id": {"$gt": "e"}}}"#), ["é"]);
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$in": ["e\u0301", "B"]}}}"#),
        ["B"]
    );
    assert_eq!(
        store.keys(r#"{"selector": {"_id": {"$ne": "a"}}}"#),
        ["B", "b", "é"]
    );
    // The same rule applies to an `_id` member inside `$elemMatch`.
    let elements = json!({"e": [{"_id": "x"}]});
    assert!(matches(
        json!({"e": {"$elemMatch": {"_id": {"$gt": []}}}}),
        elements.clone()
    ));
    assert!(!matches(
        json!({"e": {"$elemMatch": {"id": {"$gt": []}}}}),
        json!({"e": [{"id": "x"}]})
    ));
    // Other fields use collation, where strings sort before arrays and objects.
    assert!(!matches(json!({"id": {"$gt": []}}), json!({"id": "x"})));
}

// `$regex` runs `re:run(Value, Regex, [{capture, none}])` without the
// `unicode` option (`mango_selector:match/3`): PCRE on bytes.
#[test]
fn regex_is_pcre_on_bytes() {
    let store = Store::new(vec![
        ("1", json!({"name": "Zoe"})),
        ("2", json!({"name": "Zoë"})),
        ("3", json!({"name": "李"})),
        ("4", json!({"name": "Émile"})),
        ("5", json!({"name": "émile"})),
        ("6", json!({"name": "line\n"})),
    ]);
    let q = |re: &str| store.keys(&json!({"selector": {"name": {"$regex": re}}}).to_string());
    assert_eq!(
        q(r"^\w+$"),
        ["1", "6"],
        "not Zoë nor 李; \"line\\n\" by PCRE's $"
    );
    assert_eq!(q("(?i)^émile$"), ["5"]);
    assert_eq!(q("(?i)^ÉMILE$"), ["4"]);
    assert_eq!(
        q("^.{3}$"),
        ["1", "3"],
        "`.` is one byte: Zoe and 李 have three"
    );
    assert_eq!(q("^[^a-z]$"), Vec::<String>::new(), "李 is three bytes");
    assert_eq!(
        q("^line$"),
        ["6"],
        "PCRE's $ matches before a final newline"
    );
    assert_eq!(q(r"^line\z"), Vec::<String>::new());
    for (pattern, feature) in [
        ("Z(?=o)", "look-ahead"),
        ("(?<!x)Z", "look-behind"),
        (r"(o)\1", "back-references"),
        (r"\p{Lu}", "Unicode properties"),
    ] {
        let err = parse_err(&json!({"selector": {"name": {"$regex": pattern}}}).to_string());
        assert!(
            matches!(err, QueryError::InvalidRegex { .. }),
            "{pattern}: {err}"
        );
        assert!(err.to_string().contains(feature), "{pattern}: {err}");
    }
}

// `mango_selector:match/3`: "We need to treat an empty array as always true"
// for `$and` and `$or` (`$nor` is normalised to an `$and` of negations);
// `$in: []` and `$all: []` are false, `$nin: []` true. `norm_ops/1` reads `{}`
// below the top level as `{"$eq": {}}`.
#[test]
fn empty_arrays_and_empty_selectors() {
    let store = Store::new(vec![
        ("small", json!({"size": 5, "tags": [{}]})),
        ("big", json!({"size": 500, "tags": [1]})),
        ("none", json!({"other": 1})),
    ]);
    let keys = |selector: Value| store.keys(&json!({ "selector": selector }).to_string());
    let all = ["big", "none", "small"];
    let none: [&str; 0] = [];
    assert_eq!(keys(json!({"size": {"$gt": 100}, "$or": []})), ["big"]);
    assert_eq!(keys(json!({"$or": []})), all);
    assert_eq!(keys(json!({"$and": []})), all);
    assert_eq!(keys(json!({"$nor": []})), all);
    assert_eq!(keys(json!({"$not": {"$or": []}})), all);
    assert_eq!(keys(json!({"$not": {"$and": []}})), all);
    assert_eq!(keys(json!({"size": {"$in": []}})), none);
    assert_eq!(keys(json!({"size": {"$nin": []}})), ["big", "small"]);
    assert_eq!(keys(json!({"tags": {"$all": []}})), none);
    assert_eq!(
        keys(json!({"tags": {"$not": {"$all": []}}})),
        ["big", "small"]
    );
    assert_eq!(
        keys(json!({"size": {"$not": {"$in": []}}})),
        ["big", "small"]
    );
    // `{}` inside a combination is `$eq: {}` on the whole document, which a
    // Fabric document (it has `_id` and `~version`) never is.
    assert_eq!(keys(json!({"$or": [{}]})), none);
    assert_eq!(keys(json!({"$and": [{}]})), none);
    assert_eq!(keys(json!({"$nor": [{}]})), all);
    assert_eq!(keys(json!({"tags": {"$elemMatch": {}}})), ["small"]);
    let err = parse_err(r#"{"selector": {"$not": {}}}"#);
    assert!(err.to_string().contains("missing a field name"), "{err}");
}

// `$all` checks membership with `lists:member/2`, Erlang's exact equality:
// the integer 1 is not the float 1.0 (but a stored 1.0 reaches CouchDB as 1
// through Fabric's Go decoding).
#[test]
fn all_uses_exact_equality() {
    assert!(!matches(json!({"t": {"$all": [1.0]}}), json!({"t": [1]})));
    assert!(matches(json!({"t": {"$all": [1]}}), json!({"t": [1.0]})));
    assert!(matches(json!({"t": {"$all": ["é"]}}), json!({"t": ["é"]})));
    assert!(
        !matches(json!({"t": {"$all": ["e\u{301}"]}}), json!({"t": ["é"]})),
        "no collation in $all"
    );
    assert!(matches(
        json!({"t": {"$in": ["e\u{301}"]}}),
        json!({"t": ["é"]})
    ));
    assert!(
        matches(json!({"t": {"$all": [[1.0, 2]]}}), json!({"t": [1, 2]})),
        "== on the whole array"
    );
}

// Sorting uses the same ICU collation (a view index on the sort fields); `_id`
// sorts in raw order, as the `_all_docs` index.
#[test]
fn sort_uses_icu_collation_and_raw_ids() {
    let store = Store::new(vec![
        ("k1", json!({"n": "b"})),
        ("k2", json!({"n": "B"})),
        ("k3", json!({"n": "a"})),
        ("k4", json!({"n": "A"})),
        ("k5", json!({"n": "é"})),
        ("k6", json!({"n": "e"})),
        ("k7", json!({"n": "10"})),
        ("k8", json!({"n": "9"})),
        ("k9", json!({"n": "_x"})),
    ]);
    assert_eq!(
        store.keys(r#"{"selector": {}, "sort": ["n"]}"#),
        ["k9", "k7", "k8", "k3", "k4", "k1", "k2", "k6", "k5"]
    );
    let ids = Store::new(vec![
        ("b", json!({})),
        ("B", json!({})),
        ("a", json!({})),
        ("é", json!({})),
    ]);
    assert_eq!(
        ids.keys(r#"{"selector": {}, "sort": ["_id"]}"#),
        ["B", "a", "b", "é"]
    );
}
