//! How transaction arguments are decoded and results encoded, type by type,
//! with the encodings of Fabric's Go and Node contract APIs:
//!
//! | Rust type | argument | result |
//! |---|---|---|
//! | `String` | raw UTF-8 text | raw text |
//! | integers, floats | decimal text (`"42"`, `"1.5"`) | decimal text |
//! | `bool` | `true`/`false` (also Go's `1`, `t`, `T`, `TRUE`, `True`, `0`, `f`, ...) | `true`/`false` |
//! | `char` | one character | the character |
//! | `Vec<u8>`, `bytes::Bytes` | raw bytes | raw bytes |
//! | `()` | — | empty payload |
//! | any other `serde` type | JSON | JSON; a value that serializes to a JSON string, number or boolean is sent as text, `null` as an empty payload |
//!
//! The generated code picks the encoding per type at compile time with
//! "autoref specialization": [`Codec<T>`] has the text methods for the types
//! above (found first), and `&Codec<T>` the JSON ones for everything else.

use std::marker::PhantomData;

use bytes::Bytes;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ContractError;
use crate::metadata::MetadataBuilder;

/// Where an argument sits, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct ArgSite {
    /// The transaction's wire name.
    pub transaction: &'static str,
    /// The parameter's Rust name.
    pub parameter: &'static str,
    /// 1-based position among the transaction's arguments.
    pub position: usize,
}

impl ArgSite {
    fn error(&self, expected: &str, raw: &[u8], cause: impl std::fmt::Display) -> ContractError {
        // The argument as text, quoted but not escaped (the message is quoted
        // again by whoever prints it, e.g. the peer CLI), control characters
        // made visible, long values cut.
        let mut shown = String::new();
        for (i, c) in String::from_utf8_lossy(raw).chars().enumerate() {
            if i == 64 {
                shown.push_str("...");
                break;
            }
            if c.is_control() {
                shown.extend(c.escape_default());
            } else {
                shown.push(c);
            }
        }
        ContractError::new(format!(
            "error managing parameter {} (argument {} of {}): expected {expected}, got '{shown}': {cause}",
            self.parameter, self.position, self.transaction
        ))
    }
}

/// Selects the encoding of `T` (see the module documentation).
pub struct Codec<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: ?Sized> Codec<T> {
    /// The codec of `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Codec(PhantomData)
    }
}

/// Decoding of types sent as text or raw bytes (found before [`ArgViaJson`]).
pub trait ArgViaText<T> {
    /// Decodes one argument.
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<T, ContractError>;
    /// The argument's schema.
    fn arg_schema(&self, builder: &mut MetadataBuilder) -> Value;
}

/// Decoding of every other type, as JSON.
pub trait ArgViaJson<T> {
    /// Decodes one argument.
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<T, ContractError>;
    /// The argument's schema.
    fn arg_schema(&self, builder: &mut MetadataBuilder) -> Value;
}

/// Encoding of results sent as text, raw bytes or nothing (found before [`RetViaJson`]).
pub trait RetViaText<T> {
    /// Encodes a result.
    fn encode_return(&self, value: T) -> Result<Bytes, ContractError>;
    /// The result's schema (`None` for `()`).
    fn return_schema(&self, builder: &mut MetadataBuilder) -> Option<Value>;
}

/// Encoding of every other result, as JSON.
pub trait RetViaJson<T> {
    /// Encodes a result.
    fn encode_return(&self, value: T) -> Result<Bytes, ContractError>;
    /// The result's schema.
    fn return_schema(&self, builder: &mut MetadataBuilder) -> Option<Value>;
}

fn utf8<'a>(raw: &'a [u8], site: &ArgSite, expected: &str) -> Result<&'a str, ContractError> {
    std::str::from_utf8(raw).map_err(|e| site.error(expected, raw, e))
}

impl ArgViaText<String> for Codec<String> {
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<String, ContractError> {
        utf8(raw, &site, "UTF-8 text").map(str::to_owned)
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        json!({ "type": "string" })
    }
}

impl RetViaText<String> for Codec<String> {
    fn encode_return(&self, value: String) -> Result<Bytes, ContractError> {
        Ok(Bytes::from(value))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string" }))
    }
}

impl RetViaText<&'static str> for Codec<&'static str> {
    fn encode_return(&self, value: &'static str) -> Result<Bytes, ContractError> {
        Ok(Bytes::from_static(value.as_bytes()))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string" }))
    }
}

impl ArgViaText<char> for Codec<char> {
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<char, ContractError> {
        let text = utf8(raw, &site, "one character")?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(site.error("one character", raw, "not exactly one character")),
        }
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        json!({ "type": "string", "minLength": 1, "maxLength": 1 })
    }
}

impl RetViaText<char> for Codec<char> {
    fn encode_return(&self, value: char) -> Result<Bytes, ContractError> {
        Ok(Bytes::from(value.to_string()))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string", "minLength": 1, "maxLength": 1 }))
    }
}

/// Go's `strconv.ParseBool` spellings, plus any case of `true`/`false` (Node).
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        other if other.trim().eq_ignore_ascii_case("true") => Some(true),
        other if other.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

impl ArgViaText<bool> for Codec<bool> {
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<bool, ContractError> {
        let text = utf8(raw, &site, "a boolean")?;
        parse_bool(text)
            .ok_or_else(|| site.error("a boolean (true or false)", raw, "not a boolean"))
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        json!({ "type": "boolean" })
    }
}

impl RetViaText<bool> for Codec<bool> {
    fn encode_return(&self, value: bool) -> Result<Bytes, ContractError> {
        Ok(Bytes::from_static(if value { b"true" } else { b"false" }))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "boolean" }))
    }
}

macro_rules! numbers {
    ($($ty:ty => $expected:literal, $schema:expr;)*) => {$(
        impl ArgViaText<$ty> for Codec<$ty> {
            fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<$ty, ContractError> {
                let text = utf8(raw, &site, $expected)?;
                text.parse::<$ty>().map_err(|e| site.error($expected, raw, e))
            }
            fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
                $schema
            }
        }

        impl RetViaText<$ty> for Codec<$ty> {
            fn encode_return(&self, value: $ty) -> Result<Bytes, ContractError> {
                Ok(Bytes::from(value.to_string()))
            }
            fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
                Some($schema)
            }
        }
    )*};
}

numbers! {
    i8 => "an integer (i8)", json!({ "type": "integer", "format": "int8", "minimum": i8::MIN, "maximum": i8::MAX });
    i16 => "an integer (i16)", json!({ "type": "integer", "format": "int16", "minimum": i16::MIN, "maximum": i16::MAX });
    i32 => "an integer (i32)", json!({ "type": "integer", "format": "int32" });
    i64 => "an integer (i64)", json!({ "type": "integer", "format": "int64" });
    i128 => "an integer (i128)", json!({ "type": "integer" });
    isize => "an integer (isize)", json!({ "type": "integer", "format": "int64" });
    u8 => "an integer from 0 to 255 (u8)", json!({ "type": "integer", "format": "int32", "minimum": 0, "maximum": u8::MAX });
    u16 => "an integer from 0 to 65535 (u16)", json!({ "type": "integer", "format": "int32", "minimum": 0, "maximum": u16::MAX });
    u32 => "a non-negative integer (u32)", json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX });
    u64 => "a non-negative integer (u64)", json!({ "type": "integer", "minimum": 0, "maximum": u64::MAX });
    u128 => "a non-negative integer (u128)", json!({ "type": "integer", "minimum": 0 });
    usize => "a non-negative integer (usize)", json!({ "type": "integer", "minimum": 0 });
    f32 => "a number (f32)", json!({ "type": "number", "format": "float" });
    f64 => "a number (f64)", json!({ "type": "number", "format": "double" });
}

impl ArgViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn decode_arg(&self, raw: &[u8], _: ArgSite) -> Result<Vec<u8>, ContractError> {
        Ok(raw.to_vec())
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        json!({ "type": "string", "format": "byte" })
    }
}

impl RetViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn encode_return(&self, value: Vec<u8>) -> Result<Bytes, ContractError> {
        Ok(Bytes::from(value))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string", "format": "byte" }))
    }
}

impl ArgViaText<Bytes> for Codec<Bytes> {
    fn decode_arg(&self, raw: &[u8], _: ArgSite) -> Result<Bytes, ContractError> {
        Ok(Bytes::copy_from_slice(raw))
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        json!({ "type": "string", "format": "byte" })
    }
}

impl RetViaText<Bytes> for Codec<Bytes> {
    fn encode_return(&self, value: Bytes) -> Result<Bytes, ContractError> {
        Ok(value)
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string", "format": "byte" }))
    }
}

impl RetViaText<()> for Codec<()> {
    fn encode_return(&self, _: ()) -> Result<Bytes, ContractError> {
        Ok(Bytes::new())
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        None
    }
}

impl<T: DeserializeOwned + JsonSchema> ArgViaJson<T> for &Codec<T> {
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<T, ContractError> {
        serde_json::from_slice(raw)
            .map_err(|e| site.error(&format!("JSON for {}", T::schema_name()), raw, e))
    }
    fn arg_schema(&self, builder: &mut MetadataBuilder) -> Value {
        builder.schema_for::<T>()
    }
}

impl<T: Serialize + JsonSchema> RetViaJson<T> for &Codec<T> {
    fn encode_return(&self, value: T) -> Result<Bytes, ContractError> {
        let json = serde_json::to_vec(&value)
            .map_err(|e| ContractError::new(format!("error handling success response: {e}")))?;
        // A value that serializes to a JSON scalar is sent as text (as Go's
        // `fmt.Sprint` would), `null` as nothing; objects and arrays as the
        // JSON itself, fields in declaration order.
        Ok(match json.first() {
            Some(b'"') => Bytes::from(serde_json::from_slice::<String>(&json).map_err(|e| {
                ContractError::new(format!("error handling success response: {e}"))
            })?),
            Some(b'n') => Bytes::new(),
            _ => Bytes::from(json),
        })
    }
    fn return_schema(&self, builder: &mut MetadataBuilder) -> Option<Value> {
        Some(builder.schema_for::<T>())
    }
}

/// Wraps a transaction's error to turn it into a [`ContractError`]: a
/// `ContractError` is kept as it is (with its payload and status), any other
/// `Display` error becomes its message.
pub struct ErrorWrap<E>(pub E);

/// Keeps a [`ContractError`] (found before [`ErrorViaDisplay`]).
#[allow(clippy::wrong_self_convention)] // `&self` is what makes the autoref selection work.
pub trait ErrorViaContractError {
    /// The error to send.
    fn into_contract_error(&self) -> ContractError;
}

impl ErrorViaContractError for ErrorWrap<ContractError> {
    fn into_contract_error(&self) -> ContractError {
        self.0.clone()
    }
}

/// Turns any `Display` error into its message.
#[allow(clippy::wrong_self_convention)] // `&self` is what makes the autoref selection work.
pub trait ErrorViaDisplay {
    /// The error to send.
    fn into_contract_error(&self) -> ContractError;
}

impl<E: std::fmt::Display> ErrorViaDisplay for &ErrorWrap<E> {
    fn into_contract_error(&self) -> ContractError {
        ContractError::new(self.0.to_string())
    }
}

/// Checks the number of arguments against the parameter names.
pub fn check_arity(
    transaction: &str,
    args: &[Bytes],
    parameters: &[&str],
) -> Result<(), ContractError> {
    if args.len() == parameters.len() {
        return Ok(());
    }
    let names = if parameters.is_empty() {
        String::new()
    } else {
        format!(" ({})", parameters.join(", "))
    };
    Err(ContractError::new(format!(
        "incorrect number of params for {transaction}. Expected {}{names}, received {}",
        parameters.len(),
        args.len()
    )))
}

#[cfg(test)]
// The borrows select the specialization under test; removing them changes which impl runs.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    const SITE: ArgSite = ArgSite {
        transaction: "CreateAsset",
        parameter: "size",
        position: 3,
    };

    #[derive(serde::Serialize, serde::Deserialize, JsonSchema, Debug, PartialEq)]
    struct Asset {
        id: String,
    }

    #[test]
    fn text_types_win_over_json() {
        let s: String = (&Codec::<String>::new())
            .decode_arg(b"plain text", SITE)
            .unwrap();
        assert_eq!(s, "plain text");
        let n: i32 = (&Codec::<i32>::new()).decode_arg(b"-12", SITE).unwrap();
        assert_eq!(n, -12);
        let b: Vec<u8> = (&Codec::<Vec<u8>>::new())
            .decode_arg(b"\x00\xff", SITE)
            .unwrap();
        assert_eq!(b, vec![0, 255]);
        let a: Asset = (&Codec::<Asset>::new())
            .decode_arg(br#"{"id":"a1"}"#, SITE)
            .unwrap();
        assert_eq!(a, Asset { id: "a1".into() });
        let v: Vec<String> = (&Codec::<Vec<String>>::new())
            .decode_arg(br#"["x","y"]"#, SITE)
            .unwrap();
        assert_eq!(v, ["x", "y"]);
    }

    #[test]
    fn errors_name_parameter_position_and_expectation() {
        let e = (&Codec::<i32>::new()).decode_arg(b"abc", SITE).unwrap_err();
        assert_eq!(
            e.message(),
            "error managing parameter size (argument 3 of CreateAsset): expected an integer (i32), got 'abc': invalid digit found in string"
        );
        let e = (&Codec::<Asset>::new()).decode_arg(b"{", SITE).unwrap_err();
        assert!(
            e.message().contains("expected JSON for Asset"),
            "{}",
            e.message()
        );
        let e = (&Codec::<u8>::new()).decode_arg(b"256", SITE).unwrap_err();
        assert!(e.message().contains("0 to 255"), "{}", e.message());
    }

    #[test]
    fn booleans_accept_go_and_node_spellings() {
        for t in ["true", "TRUE", "True", "t", "1", " true "] {
            assert!(
                (&Codec::<bool>::new())
                    .decode_arg(t.as_bytes(), SITE)
                    .unwrap(),
                "{t}"
            );
        }
        for f in ["false", "F", "0", "FaLsE"] {
            assert!(
                !(&Codec::<bool>::new())
                    .decode_arg(f.as_bytes(), SITE)
                    .unwrap(),
                "{f}"
            );
        }
        assert!((&Codec::<bool>::new()).decode_arg(b"yes", SITE).is_err());
    }

    #[test]
    fn results() {
        assert_eq!(
            (&Codec::<String>::new()).encode_return("x".into()).unwrap(),
            "x"
        );
        assert_eq!((&Codec::<u64>::new()).encode_return(7).unwrap(), "7");
        assert_eq!((&Codec::<bool>::new()).encode_return(true).unwrap(), "true");
        assert_eq!((&Codec::<()>::new()).encode_return(()).unwrap(), "");
        assert_eq!(
            (&Codec::<Asset>::new())
                .encode_return(Asset { id: "a".into() })
                .unwrap(),
            r#"{"id":"a"}"#
        );
        assert_eq!(
            (&Codec::<Option<Asset>>::new())
                .encode_return(None)
                .unwrap(),
            ""
        );
        assert_eq!(
            (&Codec::<Option<String>>::new())
                .encode_return(Some("s".into()))
                .unwrap(),
            "s"
        );
        assert_eq!(
            (&Codec::<Vec<u8>>::new())
                .encode_return(vec![1, 2])
                .unwrap(),
            &[1u8, 2][..]
        );
        // Struct fields keep their declaration order (not sorted).
        #[derive(serde::Serialize, JsonSchema)]
        struct Ordered {
            zebra: u8,
            apple: u8,
        }
        assert_eq!(
            (&Codec::<Ordered>::new())
                .encode_return(Ordered { zebra: 1, apple: 2 })
                .unwrap(),
            r#"{"zebra":1,"apple":2}"#
        );
        assert_eq!((&Codec::<f64>::new()).encode_return(1.5).unwrap(), "1.5");
        assert_eq!(
            (&Codec::<Option<i32>>::new())
                .encode_return(Some(-3))
                .unwrap(),
            "-3"
        );
        assert_eq!(
            (&Codec::<Option<bool>>::new())
                .encode_return(Some(true))
                .unwrap(),
            "true"
        );
        assert_eq!(
            (&Codec::<Option<String>>::new())
                .encode_return(Some("a\"b".into()))
                .unwrap(),
            "a\"b"
        );
    }

    #[test]
    fn contract_errors_keep_their_payload() {
        let e = (&ErrorWrap(ContractError::new("m").with_payload("p"))).into_contract_error();
        assert_eq!(e.payload(), "p");
        let e = (&ErrorWrap(std::fmt::Error)).into_contract_error();
        assert_eq!(e.message(), "an error occurred when formatting an argument");
    }

    #[test]
    fn arity() {
        assert!(check_arity("T", &[Bytes::new()], &["a"]).is_ok());
        let e = check_arity("CreateAsset", &[], &["id", "size"]).unwrap_err();
        assert_eq!(
            e.message(),
            "incorrect number of params for CreateAsset. Expected 2 (id, size), received 0"
        );
    }
}
