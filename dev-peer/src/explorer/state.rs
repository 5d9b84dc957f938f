//! The ledger as the page shows it: namespaces and collections, pages of
//! keys (by key prefix or by composite-key parts), values, key history, and
//! which private values an identity may see.

use std::collections::BTreeMap;

use fabric_chaincode_shim::{create_composite_key, split_composite_key};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Decoded;
use crate::ledger::{Ledger, Space};

/// The most keys one page lists.
pub const MAX_PAGE: usize = 200;

/// A namespace (chaincode) of the channel and what it holds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NamespaceView {
    /// Chaincode name.
    pub name: String,
    /// Keys in its public state.
    pub keys: usize,
    /// Its private data collections with keys, by name, and their key counts.
    pub collections: Vec<CollectionView>,
}

/// A private data collection.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CollectionView {
    /// Its name.
    pub name: String,
    /// Keys in it.
    pub keys: usize,
    /// The organizations (MSP ids) that may read its values, empty: every organization.
    pub readers: Vec<String>,
}

/// Every namespace of `channel` with keys, plus `hosted` ones without.
pub fn namespaces(
    ledger: &Ledger,
    channel: &str,
    hosted: &[String],
    mspids: &[String],
) -> crate::Result<Vec<NamespaceView>> {
    let mut counts: BTreeMap<String, (usize, BTreeMap<String, usize>)> = hosted
        .iter()
        .map(|h| (h.clone(), (0, BTreeMap::new())))
        .collect();
    for (space, _, _) in ledger.dump(channel)? {
        let entry = counts.entry(space.namespace).or_default();
        if space.collection.is_empty() {
            entry.0 += 1;
        } else {
            *entry.1.entry(space.collection).or_default() += 1;
        }
    }
    Ok(counts
        .into_iter()
        .map(|(name, (keys, collections))| NamespaceView {
            name,
            keys,
            collections: collections
                .into_iter()
                .map(|(name, keys)| CollectionView {
                    readers: readers(&name, mspids),
                    name,
                    keys,
                })
                .collect(),
        })
        .collect())
}

/// Who may read a collection's values here. The development peer has no
/// collection configuration (every organization is a member of every
/// collection), so the explorer follows the names: a collection whose name
/// contains organizations' MSP ids belongs to them — Fabric's implicit
/// collections `_implicit_org_Org1MSP`, the samples' `Org1MSPPrivateCollection`;
/// any other collection is readable by every organization.
///
/// ```
/// # use fabric_dev_peer::explorer::readers;
/// let orgs = ["Org1MSP".to_string(), "Org2MSP".to_string()];
/// assert_eq!(readers("_implicit_org_Org2MSP", &orgs), ["Org2MSP"]);
/// assert_eq!(readers("Org1MSPPrivateCollection", &orgs), ["Org1MSP"]);
/// assert!(readers("assetCollection", &orgs).is_empty());
/// ```
pub fn readers(collection: &str, mspids: &[String]) -> Vec<String> {
    mspids
        .iter()
        .filter(|m| collection.contains(m.as_str()))
        .cloned()
        .collect()
}

/// The parts of a composite key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CompositeView {
    /// Object type.
    pub object_type: String,
    /// Attributes.
    pub attributes: Vec<String>,
}

/// One key and its value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyView {
    /// The key as stored (composite keys contain U+0000).
    pub key: String,
    /// Its parts, for a composite key.
    pub composite: Option<CompositeView>,
    /// Its value; `None` when the identity may not read it.
    pub value: Option<Decoded>,
    /// Size of the value in bytes.
    pub size: usize,
    /// Hex SHA-256 of the value (private data only: what every peer holds).
    pub sha256: Option<String>,
    /// The block and transaction that last wrote it.
    pub version: Option<(u64, u64)>,
}

/// Which keys to list.
#[derive(Debug, Clone, Default)]
pub struct KeyQuery {
    /// Private data collection, empty for the public state.
    pub collection: String,
    /// Keys starting with this (a simple-key search).
    pub prefix: String,
    /// Composite keys of this object type (with `attributes` leading).
    pub object_type: String,
    /// Leading attributes of the composite keys.
    pub attributes: Vec<String>,
    /// Keys after this one (the previous page's `next`).
    pub after: Option<String>,
    /// Page size (at most [`MAX_PAGE`], 200).
    pub limit: usize,
    /// The MSP id of the identity looking (for private values).
    pub mspid: String,
}

/// A page of keys.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyPage {
    /// The keys, in key order.
    pub keys: Vec<KeyView>,
    /// Pass as `after` for the next page (`None`: this was the last).
    pub next: Option<String>,
    /// The MSP ids that may read the collection's values (empty: all).
    pub readers: Vec<String>,
    /// Whether the looking identity may read the values.
    pub readable: bool,
}

/// The greatest character: `prefix + MAX` bounds every key starting with `prefix`.
const MAX: char = char::MAX;

/// A page of the keys of `namespace` that `query` asks for.
pub fn keys(
    ledger: &Ledger,
    channel: &str,
    namespace: &str,
    query: &KeyQuery,
    mspids: &[String],
) -> Result<KeyPage, String> {
    let space = Space::private(channel, namespace, &query.collection);
    let prefix = if query.object_type.is_empty() {
        if !query.attributes.is_empty() {
            return Err("composite-key attributes need an object type".into());
        }
        query.prefix.clone()
    } else {
        create_composite_key(&query.object_type, &query.attributes).map_err(|e| e.to_string())?
    };
    let start = match &query.after {
        // The smallest key after `after`.
        Some(after) if after.as_str() >= prefix.as_str() => format!("{after}\u{0}"),
        _ => prefix.clone(),
    };
    let end = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}{MAX}")
    };
    let limit = query.limit.clamp(1, MAX_PAGE);
    let mut rows = ledger
        .range(&space, &start, &end, limit + 1)
        .map_err(|e| e.to_string())?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let private = !query.collection.is_empty();
    let readers = if private {
        readers(&query.collection, mspids)
    } else {
        Vec::new()
    };
    let readable = readers.is_empty() || readers.contains(&query.mspid);
    let mut keys = Vec::with_capacity(rows.len());
    for (key, value) in rows {
        let version = ledger
            .version(&space, &key)
            .map_err(|e| e.to_string())?
            .map(|v| (v.block, v.tx));
        keys.push(KeyView {
            composite: composite(&key),
            value: readable.then(|| Decoded::new(&value)),
            size: value.len(),
            sha256: private.then(|| crate::peer::hex(&Sha256::digest(&value))),
            version,
            key,
        });
    }
    Ok(KeyPage {
        next: if more {
            keys.last().map(|k| k.key.clone())
        } else {
            None
        },
        keys,
        readers,
        readable,
    })
}

/// The parts of `key` if it is a composite key.
fn composite(key: &str) -> Option<CompositeView> {
    if !key.starts_with('\u{0}') {
        return None;
    }
    split_composite_key(key)
        .ok()
        .map(|(object_type, attributes)| CompositeView {
            object_type,
            attributes,
        })
}

/// One committed change of a key.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryEntry {
    /// The transaction that made it.
    pub txid: String,
    /// The transaction's time (RFC 3339, UTC), if it has one.
    pub time: Option<String>,
    /// Whether it deleted the key.
    pub is_delete: bool,
    /// The value it wrote (none for a delete).
    pub value: Option<Decoded>,
}

/// The history of a public key, newest first.
pub fn history(
    ledger: &Ledger,
    channel: &str,
    namespace: &str,
    key: &str,
) -> crate::Result<Vec<HistoryEntry>> {
    Ok(ledger
        .history(&Space::public(channel, namespace), key)?
        .into_iter()
        .map(|m| HistoryEntry {
            txid: m.tx_id,
            time: m.timestamp.map(|t| rfc3339(t.seconds, t.nanos)),
            is_delete: m.is_delete,
            value: (!m.is_delete).then(|| Decoded::new(&m.value)),
        })
        .collect())
}

/// `seconds` and `nanos` since the Unix epoch as RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(seconds: i64, nanos: i32) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        nanos.clamp(0, 999_999_999) / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Write, WriteSet};
    use bytes::Bytes;

    fn ledger() -> Ledger {
        let ledger = Ledger::in_memory();
        let mut writes = WriteSet::default();
        let public = Space::public("ch", "basic");
        for key in ["asset1", "asset2", "asset10", "other"] {
            writes.values.insert(
                (public.clone(), key.into()),
                Write::Put(Bytes::from(format!("{{\"ID\":\"{key}\"}}"))),
            );
        }
        for (color, id) in [("blue", "a1"), ("blue", "a2"), ("red", "a3")] {
            writes.values.insert(
                (
                    public.clone(),
                    create_composite_key("color~id", &[color, id]).unwrap(),
                ),
                Write::Put(Bytes::from_static(b"\x00")),
            );
        }
        writes.values.insert(
            (
                Space::private("ch", "basic", "Org1MSPPrivateCollection"),
                "secret".into(),
            ),
            Write::Put(Bytes::from_static(b"42")),
        );
        ledger
            .commit(
                "t1",
                Some(prost_types::Timestamp {
                    seconds: 1_700_000_000,
                    nanos: 5_000_000,
                }),
                &writes,
            )
            .unwrap();
        let mut delete = WriteSet::default();
        delete
            .values
            .insert((public, "other".into()), Write::Delete);
        ledger.commit("t2", None, &delete).unwrap();
        ledger
    }

    fn orgs() -> Vec<String> {
        vec!["Org1MSP".into(), "Org2MSP".into()]
    }

    fn names(page: &KeyPage) -> Vec<String> {
        page.keys
            .iter()
            .map(|k| crate::cli::show_key(&k.key))
            .collect()
    }

    #[test]
    fn namespaces_count_keys_and_collections() {
        let ns = namespaces(&ledger(), "ch", &["events".into()], &orgs()).unwrap();
        assert_eq!(ns.len(), 2);
        assert_eq!((ns[0].name.as_str(), ns[0].keys), ("basic", 6));
        assert_eq!(ns[0].collections[0].readers, ["Org1MSP"]);
        assert_eq!((ns[1].name.as_str(), ns[1].keys), ("events", 0));
    }

    #[test]
    fn pages_by_prefix_and_by_composite_parts() {
        let ledger = ledger();
        let query = |q: KeyQuery| keys(&ledger, "ch", "basic", &q, &orgs()).unwrap();
        let first = query(KeyQuery {
            limit: 2,
            ..KeyQuery::default()
        });
        assert_eq!(
            names(&first),
            [
                "\\u0000color~id\\u0000blue\\u0000a1\\u0000",
                "\\u0000color~id\\u0000blue\\u0000a2\\u0000"
            ]
        );
        let composite = first.keys[0].composite.as_ref().unwrap();
        assert_eq!(composite.object_type, "color~id");
        assert_eq!(composite.attributes, ["blue", "a1"]);
        let second = query(KeyQuery {
            limit: 2,
            after: first.next.clone(),
            ..KeyQuery::default()
        });
        assert_eq!(
            names(&second),
            ["\\u0000color~id\\u0000red\\u0000a3\\u0000", "asset1"]
        );
        let rest = query(KeyQuery {
            limit: 10,
            after: second.next.clone(),
            ..KeyQuery::default()
        });
        assert_eq!(names(&rest), ["asset10", "asset2"], "deleted keys are gone");
        assert_eq!(rest.next, None);
        assert_eq!(rest.keys[0].value.as_ref().unwrap().kind, "json");
        assert_eq!(rest.keys[0].version, Some((1, 0)));

        let by_prefix = query(KeyQuery {
            prefix: "asset1".into(),
            limit: 10,
            ..KeyQuery::default()
        });
        assert_eq!(names(&by_prefix), ["asset1", "asset10"]);
        let blue = query(KeyQuery {
            object_type: "color~id".into(),
            attributes: vec!["blue".into()],
            limit: 10,
            ..KeyQuery::default()
        });
        assert_eq!(blue.keys.len(), 2);
        let all_types = query(KeyQuery {
            object_type: "color~id".into(),
            limit: 10,
            ..KeyQuery::default()
        });
        assert_eq!(all_types.keys.len(), 3);
        assert!(
            keys(
                &ledger,
                "ch",
                "basic",
                &KeyQuery {
                    attributes: vec!["x".into()],
                    ..KeyQuery::default()
                },
                &orgs()
            )
            .is_err()
        );
    }

    #[test]
    fn private_values_show_to_their_organization_only() {
        let ledger = ledger();
        let look = |mspid: &str| {
            keys(
                &ledger,
                "ch",
                "basic",
                &KeyQuery {
                    collection: "Org1MSPPrivateCollection".into(),
                    limit: 10,
                    mspid: mspid.into(),
                    ..KeyQuery::default()
                },
                &orgs(),
            )
            .unwrap()
        };
        let own = look("Org1MSP");
        assert!(own.readable);
        assert_eq!(own.keys[0].value.as_ref().unwrap().display, "42");
        let sha = "73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049";
        assert_eq!(own.keys[0].sha256.as_deref(), Some(sha));
        let other = look("Org2MSP");
        assert!(!other.readable);
        assert_eq!(other.keys[0].value, None);
        assert_eq!(other.keys[0].sha256.as_deref(), Some(sha));
        assert_eq!(other.keys[0].size, 2);
    }

    #[test]
    fn history_is_newest_first_with_times() {
        let ledger = ledger();
        let entries = history(&ledger, "ch", "basic", "other").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].txid, "t2");
        assert!(entries[0].is_delete);
        assert_eq!(entries[0].value, None);
        assert_eq!(entries[1].time.as_deref(), Some("2023-11-14T22:13:20.005Z"));
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }
}
