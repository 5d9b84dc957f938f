//! JSON as Go and Node write it.
//!
//! Two things differ between `serde_json` and the JSON of Fabric's Go and
//! Node contract APIs:
//!
//! * **numbers**: an integral float is `2` in Go's `encoding/json` and in
//!   JavaScript, `2.0` in `serde_json`; very large and very small ones use
//!   an exponent (`1e+21`, `1e-7`). Every JSON this crate writes — results,
//!   and arguments of the typed clients — prints numbers the Go/Node way
//!   ([`to_vec`], [`format_float`]);
//! * **escaping**: Go's `json.Marshal` also escapes `<`, `>`, `&`, U+2028
//!   and U+2029 inside strings. A contract that must store values
//!   byte-identical to its Go counterpart (same write set, same hashes of
//!   private data) serializes with [`to_vec_go`].
//!
//! Fields keep their declaration order, as Go keeps struct field order.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};

/// Formats a float as Go's `encoding/json` and JavaScript's
/// `JSON.stringify` do: the shortest text that reads back as the same value,
/// without a fraction when it is integral, and with an exponent below 1e-6
/// or from 1e21 on (`1e+21`, `1e-7`). `f32` values are widened without
/// changing their shortest form.
///
/// ```
/// use fabric_contract_api::json::format_float;
/// assert_eq!(format_float(2.0), "2");
/// assert_eq!(format_float(0.1), "0.1");
/// assert_eq!(format_float(1e21), "1e+21");
/// assert_eq!(format_float(1.5e-7), "1.5e-7");
/// assert_eq!(format_float(-1234567.0), "-1234567");
/// ```
pub fn format_float(value: f64) -> String {
    format_with(value.abs(), value, |v| format!("{v}"), |v| format!("{v:e}"))
}

/// [`format_float`] for an `f32`, with the `f32`'s own shortest digits.
pub fn format_float32(value: f32) -> String {
    format_with(
        f64::from(value.abs()),
        value,
        |v| format!("{v}"),
        |v| format!("{v:e}"),
    )
}

fn format_with<F: Copy>(
    abs: f64,
    value: F,
    fixed: impl Fn(F) -> String,
    exponent: impl Fn(F) -> String,
) -> String {
    if abs != 0.0 && abs.is_finite() && !(1e-6..1e21).contains(&abs) {
        let text = exponent(value);
        // Rust writes `1e21`; Go and JavaScript write `1e+21`.
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        }
    } else {
        fixed(value)
    }
}

/// A `serde_json` formatter that prints floats with [`format_float`] and,
/// when asked, escapes strings as Go does.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoFormatter {
    /// Escape `<`, `>`, `&`, U+2028 and U+2029 (Go's `json.Marshal`).
    pub escape_html: bool,
}

impl Formatter for GoFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(format_float(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(format_float32(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.escape_html {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        serde_json::ser::CompactFormatter.write_char_escape(writer, char_escape)
    }
}

fn serialize<T: Serialize + ?Sized>(
    value: &T,
    formatter: GoFormatter,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// Serializes `value` as JSON with numbers written as Go and Node write them
/// (see [`format_float`]); strings are escaped as `serde_json` and
/// JavaScript escape them.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Point { x: f64, y: f64 }
/// let bytes = fabric_contract_api::json::to_vec(&Point { x: 2.0, y: 0.5 }).unwrap();
/// assert_eq!(bytes, br#"{"x":2,"y":0.5}"#);
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    serialize(value, GoFormatter { escape_html: false })
}

/// Serializes `value` as Go's `json.Marshal` would.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Note {
///     #[serde(rename = "Text")]
///     text: String,
///     #[serde(rename = "Size")]
///     size: f64,
/// }
///
/// let note = Note { text: "a<b & c>d".into(), size: 3.0 };
/// let bytes = fabric_contract_api::json::to_vec_go(&note).unwrap();
/// assert_eq!(bytes, br#"{"Text":"a\u003cb \u0026 c\u003ed","Size":3}"#);
/// ```
pub fn to_vec_go<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    serialize(value, GoFormatter { escape_html: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_and_javascript_print_them() {
        for (value, text) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (7.0, "7"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.25e22, "1.25e+22"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (-2.5e-10, "-2.5e-10"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::MAX, "1.7976931348623157e+308"),
        ] {
            assert_eq!(format_float(value), text, "{value:?}");
        }
        assert_eq!(format_float32(0.1), "0.1");
        assert_eq!(format_float32(16777216.0), "16777216");
    }

    #[test]
    fn nested_floats_and_escapes() {
        let value = serde_json::json!({"a": [1.0, 2.5, 1e22], "s": "<&>\u{2028}\"\n"});
        assert_eq!(
            String::from_utf8(to_vec(&value).unwrap()).unwrap(),
            "{\"a\":[1,2.5,1e+22],\"s\":\"<&>\u{2028}\\\"\\n\"}"
        );
        assert_eq!(
            String::from_utf8(to_vec_go(&value).unwrap()).unwrap(),
            "{\"a\":[1,2.5,1e+22],\"s\":\"\\u003c\\u0026\\u003e\\u2028\\\"\\n\"}"
        );
    }
}
