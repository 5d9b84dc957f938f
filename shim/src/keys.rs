//! Composite keys and key rules (Fabric's `CreateCompositeKey`,
//! `SplitCompositeKey` and the simple-key check of range queries).
//!
//! A composite key is `U+0000 objectType U+0000 attr1 U+0000 ... attrN U+0000`.
//! The leading U+0000 puts composite keys in their own namespace: range
//! queries over simple keys start at `U+0001` and never see them.

use crate::error::{Error, Result};

/// Starts every composite key and separates (and ends) its components.
pub const COMPOSITE_KEY_NAMESPACE: char = '\u{0}';
/// The largest code point; `partial key + MAX_UNICODE_RUNE` ends a partial-key range.
pub const MAX_UNICODE_RUNE: char = '\u{10FFFF}';
/// Replaces an empty start key in range queries, skipping composite keys.
pub(crate) const EMPTY_KEY_SUBSTITUTE: &str = "\u{1}";

/// Builds a composite key from an object type and attributes.
///
/// Components may be empty (as in Go) but must not contain U+0000 or U+10FFFF.
///
/// ```
/// use fabric_chaincode_shim::{create_composite_key, split_composite_key};
///
/// let key = create_composite_key("asset", &["blue", "a1"]).unwrap();
/// assert_eq!(key, "\u{0}asset\u{0}blue\u{0}a1\u{0}");
/// let (object_type, attributes) = split_composite_key(&key).unwrap();
/// assert_eq!((object_type.as_str(), attributes), ("asset", vec!["blue".to_string(), "a1".to_string()]));
/// assert!(create_composite_key("asset", &["bad\u{0}"]).is_err());
/// ```
pub fn create_composite_key<S: AsRef<str>>(object_type: &str, attributes: &[S]) -> Result<String> {
    validate_component(object_type)?;
    let len = 2
        + object_type.len()
        + attributes
            .iter()
            .map(|a| a.as_ref().len() + 1)
            .sum::<usize>();
    let mut key = String::with_capacity(len);
    key.push(COMPOSITE_KEY_NAMESPACE);
    key.push_str(object_type);
    key.push(COMPOSITE_KEY_NAMESPACE);
    for attribute in attributes {
        let attribute = attribute.as_ref();
        validate_component(attribute)?;
        key.push_str(attribute);
        key.push(COMPOSITE_KEY_NAMESPACE);
    }
    Ok(key)
}

/// Splits a composite key into its object type and attributes.
///
/// Empty attributes are kept, as in Go. A key that does not start with
/// U+0000 or has no components is rejected (Go would panic on the latter).
pub fn split_composite_key(key: &str) -> Result<(String, Vec<String>)> {
    let rest = key
        .strip_prefix(COMPOSITE_KEY_NAMESPACE)
        .ok_or_else(|| Error::InvalidArgument(format!("not a composite key: {key:?}")))?;
    let mut components = rest.split(COMPOSITE_KEY_NAMESPACE);
    // The final separator leaves an empty tail after the last component.
    let mut parts: Vec<String> = Vec::new();
    let mut pending = components.next();
    for next in components {
        if let Some(p) = pending {
            parts.push(p.to_owned());
        }
        pending = Some(next);
    }
    if parts.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "not a composite key: {key:?} has no components"
        )));
    }
    let object_type = parts.remove(0);
    Ok((object_type, parts))
}

fn validate_component(component: &str) -> Result<()> {
    for (position, c) in component.char_indices() {
        if c == COMPOSITE_KEY_NAMESPACE || c == MAX_UNICODE_RUNE {
            return Err(Error::InvalidArgument(format!(
                "input contains unicode {} starting at position [{position}]. \
                 U+0000 and U+10FFFF are not allowed in the input attribute of a composite key",
                unicode_name(c)
            )));
        }
    }
    Ok(())
}

fn unicode_name(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Range-query keys must be simple keys: not in the composite-key namespace.
pub(crate) fn validate_simple_keys(keys: &[&str]) -> Result<()> {
    for key in keys {
        if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
            return Err(Error::InvalidArgument(format!(
                "first character of the key [{key}] contains a null character which is not allowed"
            )));
        }
    }
    Ok(())
}

/// The `[start, end)` range covering every key that extends a partial composite key.
pub(crate) fn partial_key_range<S: AsRef<str>>(
    object_type: &str,
    attributes: &[S],
) -> Result<(String, String)> {
    let start = create_composite_key(object_type, attributes)?;
    let mut end = start.clone();
    end.push(MAX_UNICODE_RUNE);
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_empty_attributes() {
        let key = create_composite_key("t", &["a", "", "c"]).unwrap();
        let (t, attrs) = split_composite_key(&key).unwrap();
        assert_eq!(t, "t");
        assert_eq!(attrs, ["a", "", "c"]);
    }

    #[test]
    fn empty_object_type_and_no_attributes() {
        let key = create_composite_key::<&str>("", &[]).unwrap();
        assert_eq!(key, "\u{0}\u{0}");
        assert_eq!(split_composite_key(&key).unwrap(), (String::new(), vec![]));
    }

    #[test]
    fn rejects_forbidden_code_points_with_position() {
        let err = create_composite_key("t", &["ab\u{10FFFF}"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input contains unicode U+10FFFF starting at position [2]. \
             U+0000 and U+10FFFF are not allowed in the input attribute of a composite key"
        );
        assert!(create_composite_key("\u{0}", &[] as &[&str]).is_err());
    }

    #[test]
    fn split_rejects_simple_and_empty_keys() {
        assert!(split_composite_key("plain").is_err());
        assert!(split_composite_key("\u{0}").is_err());
        assert!(split_composite_key("").is_err());
    }

    #[test]
    fn partial_range_ends_with_max_rune() {
        let (start, end) = partial_key_range("color", &["blue"]).unwrap();
        assert_eq!(start, "\u{0}color\u{0}blue\u{0}");
        assert_eq!(end, "\u{0}color\u{0}blue\u{0}\u{10FFFF}");
    }

    #[test]
    fn simple_key_check() {
        assert!(validate_simple_keys(&["a", ""]).is_ok());
        assert!(validate_simple_keys(&["\u{0}a"]).is_err());
    }
}
