//! How transaction arguments and results travel, type by type: one rule for
//! the chaincode and for the typed clients `#[contract]` generates.
//!
//! **The rule.** An argument or a result is the JSON value of its Rust type
//! (as `serde` serializes it) written as text, except that a JSON string
//! travels bare, without quotes. So a client reading only the metadata knows
//! what to send: a parameter whose schema is `{"type":"string"}` takes the
//! text itself, any other schema takes JSON text. Two kinds of type are
//! exceptions, both marked in their schemas:
//!
//! | Rust type | argument | result | schema |
//! |---|---|---|---|
//! | `String` (results also `&'static str`) | the text | the text | `{"type":"string"}` |
//! | `char` | one character | the character | string of length 1 |
//! | `bool` | `true`/`false` (also Go's `1`, `t`, `T`, `TRUE`, `True`, `0`, `f`, ...) | `true`/`false` | `{"type":"boolean"}` |
//! | integers | decimal (`-42`) | decimal | `integer`, with format and bounds |
//! | `f32`, `f64` | decimal or exponent (`1.5`, `2`, `1e+21`) | as Go's and Node's JSON print them: `2`, `0.5`, `1e+21`, `1e-7` | `number` |
//! | `Vec<u8>`, `bytes::Bytes` | **raw bytes** (as Go's `[]byte`) | raw bytes | `{"type":"string","format":"binary"}` |
//! | `()` (results) | — | empty payload | no `returns` |
//! | **`Option<T>`** (written `Option<...>`) | `T`'s form; an **empty argument**, or a trailing argument left out, is `None` | `T`'s form; `None` is an empty payload | `T`'s schema; the parameter is not `required` |
//! | every other `serde` type: structs, enums, `Vec`, maps, tuples, ... | its JSON; a type whose JSON is a string (a unit enum variant, a newtype of `String`) also takes the bare text | its JSON (fields in declaration order); a JSON string bare, `null` as an empty payload | from `schemars`; structs and enums in `components` |
//!
//! It follows from the rule that every result can be passed back as an
//! argument of the same type, with one edge: `Some(String::new())` is
//! returned as an empty payload, which reads back as `None`.
//!
//! Where Go or Node define an encoding it is theirs: strings, numbers and
//! booleans as text, `[]byte` raw, structs as JSON, `nil` as an empty
//! payload. Go prints a top-level float with `%v` (`1e+06`); this crate
//! prints it as both print floats inside JSON (`1000000`), as Node does.
//!
//! The generated code picks the encoding per type at compile time with
//! "autoref specialization": [`Codec<T>`] has the text methods for the types
//! above (found first), `&Codec<T>` the JSON ones for every other type, and a
//! last fallback (`…Unsupported`) lets a type that has neither compile
//! silently so that the one error the user sees is the one at the type,
//! from [`Parameter`], [`TransactionResult`] or [`TransactionError`].

use std::marker::PhantomData;

use bytes::Bytes;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ContractError;
use crate::json::{format_float, format_float32};
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

/// A type's name as its user wrote it: `Option<Vec<Asset>>`, without
/// module paths.
pub fn type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(&segment));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(&segment));
    out
}

/// Selects the encoding of `T` (see the module documentation).
pub struct Codec<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: ?Sized> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Codec<T> {}

impl<T: ?Sized> Codec<T> {
    /// The codec of `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Codec(PhantomData)
    }
}

// ----- what a transaction's types must be (one error, at the type) -----

/// A type a transaction can take as a parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a transaction parameter",
    label = "not a transaction parameter type",
    note = "a parameter is decoded from the argument's text: use a string, number, bool, char, `Vec<u8>`, `Option<T>`, or a type that derives `serde::Deserialize` and `schemars::JsonSchema`"
)]
pub trait Parameter {}
impl<T: DeserializeOwned + JsonSchema> Parameter for T {}

/// A type a transaction can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a transaction result",
    label = "not a transaction result type",
    note = "a result is encoded as the response payload: return a string, number, bool, char, `Vec<u8>`, `()`, `Option<T>`, or a type that derives `serde::Serialize` and `schemars::JsonSchema`"
)]
pub trait TransactionResult {}
impl<T: Serialize + JsonSchema> TransactionResult for T {}

/// A type a transaction can fail with.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a transaction error",
    label = "not a transaction error type",
    note = "the error's text becomes the response message: use `ContractError` or a type that implements `std::fmt::Display`"
)]
pub trait TransactionError {}
impl<E: std::fmt::Display> TransactionError for E {}

/// A parameter type a typed client can send.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent by the typed client",
    label = "not serializable",
    note = "the typed client encodes each argument: the parameter type must also derive `serde::Serialize`"
)]
pub trait ClientArgument {}
impl<T: Serialize> ClientArgument for T {}

/// A result type a typed client can read.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read by the typed client",
    label = "not deserializable",
    note = "the typed client decodes each result: the result type must also derive `serde::Deserialize`"
)]
pub trait ClientResult {}
impl<T: DeserializeOwned> ClientResult for T {}

// ----- the chaincode's side: decode arguments, encode results -----

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

/// The last resort for a type that is not a [`Parameter`]: it compiles, so
/// that the only error is the one [`Parameter`] reports at the type.
pub trait ArgUnsupported<T> {
    /// Never called: the contract does not compile.
    fn decode_arg(self, raw: &[u8], site: ArgSite) -> Result<T, ContractError>;
    /// Never called: the contract does not compile.
    fn arg_schema(self, builder: &mut MetadataBuilder) -> Value;
}

impl<T> ArgUnsupported<T> for Codec<T> {
    fn decode_arg(self, raw: &[u8], site: ArgSite) -> Result<T, ContractError> {
        Err(site.error(&type_name::<T>(), raw, "unsupported type"))
    }
    fn arg_schema(self, _: &mut MetadataBuilder) -> Value {
        json!({})
    }
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

/// The last resort for a type that is not a [`TransactionResult`] (see
/// [`ArgUnsupported`]).
pub trait RetUnsupported<T> {
    /// Never called: the contract does not compile.
    fn encode_return(self, value: T) -> Result<Bytes, ContractError>;
    /// Never called: the contract does not compile.
    fn return_schema(self, builder: &mut MetadataBuilder) -> Option<Value>;
}

impl<T> RetUnsupported<T> for Codec<T> {
    fn encode_return(self, _: T) -> Result<Bytes, ContractError> {
        Err(ContractError::new(format!(
            "unsupported result type {}",
            type_name::<T>()
        )))
    }
    fn return_schema(self, _: &mut MetadataBuilder) -> Option<Value> {
        None
    }
}

// ----- the typed client's side: encode arguments, decode results -----

/// Why a typed client could not read a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the result as {expected}: {cause}")]
pub struct DecodeError {
    /// The Rust type expected.
    pub expected: String,
    /// What went wrong.
    pub cause: String,
}

impl DecodeError {
    fn new<T: ?Sized>(cause: impl std::fmt::Display) -> Self {
        DecodeError {
            expected: type_name::<T>(),
            cause: cause.to_string(),
        }
    }
}

/// Encoding of arguments sent as text or raw bytes (found before [`EncodeArgViaJson`]).
pub trait EncodeArgViaText<T> {
    /// The argument's bytes.
    fn encode_arg(&self, value: &T) -> Bytes;
}

/// Encoding of every other argument, as JSON (a JSON string bare).
pub trait EncodeArgViaJson<T> {
    /// The argument's bytes.
    fn encode_arg(&self, value: &T) -> Bytes;
}

/// The last resort for a type that is not a [`ClientArgument`] (see [`ArgUnsupported`]).
pub trait EncodeArgUnsupported<T> {
    /// Never called: the client does not compile.
    fn encode_arg(self, value: &T) -> Bytes;
}

impl<T> EncodeArgUnsupported<T> for Codec<T> {
    fn encode_arg(self, _: &T) -> Bytes {
        Bytes::new()
    }
}

/// Decoding of results sent as text, raw bytes or nothing (found before [`DecodeRetViaJson`]).
pub trait DecodeRetViaText<T> {
    /// Reads a result.
    fn decode_return(&self, payload: &[u8]) -> Result<T, DecodeError>;
}

/// Decoding of every other result, as JSON.
pub trait DecodeRetViaJson<T> {
    /// Reads a result.
    fn decode_return(&self, payload: &[u8]) -> Result<T, DecodeError>;
}

/// The last resort for a type that is not a [`ClientResult`] (see [`ArgUnsupported`]).
pub trait DecodeRetUnsupported<T> {
    /// Never called: the client does not compile.
    fn decode_return(self, payload: &[u8]) -> Result<T, DecodeError>;
}

impl<T> DecodeRetUnsupported<T> for Codec<T> {
    fn decode_return(self, _: &[u8]) -> Result<T, DecodeError> {
        Err(DecodeError::new::<T>("unsupported type"))
    }
}

// ----- the text types -----

fn utf8<'a>(raw: &'a [u8], site: &ArgSite, expected: &str) -> Result<&'a str, ContractError> {
    std::str::from_utf8(raw).map_err(|e| site.error(expected, raw, e))
}

fn utf8_result<T>(payload: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(payload).map_err(DecodeError::new::<T>)
}

/// Implements the four directions of a text type from its schema, its
/// description in errors, a parser and a printer.
macro_rules! text_type {
    ($ty:ty, $expected:expr, $schema:expr, |$text:ident| $parse:expr, |$value:ident| $print:expr) => {
        impl ArgViaText<$ty> for Codec<$ty> {
            fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<$ty, ContractError> {
                let $text = utf8(raw, &site, $expected)?;
                $parse.map_err(|e| site.error($expected, raw, e))
            }
            fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
                $schema
            }
        }

        impl RetViaText<$ty> for Codec<$ty> {
            fn encode_return(&self, $value: $ty) -> Result<Bytes, ContractError> {
                Ok(Bytes::from($print))
            }
            fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
                Some($schema)
            }
        }

        impl EncodeArgViaText<$ty> for Codec<$ty> {
            fn encode_arg(&self, $value: &$ty) -> Bytes {
                let $value = $value.clone();
                Bytes::from($print)
            }
        }

        impl DecodeRetViaText<$ty> for Codec<$ty> {
            fn decode_return(&self, payload: &[u8]) -> Result<$ty, DecodeError> {
                let $text = utf8_result::<$ty>(payload)?;
                $parse.map_err(DecodeError::new::<$ty>)
            }
        }
    };
}

text_type!(
    String,
    "UTF-8 text",
    json!({ "type": "string" }),
    |text| Ok::<_, std::convert::Infallible>(text.to_owned()),
    |value| value
);

impl RetViaText<&'static str> for Codec<&'static str> {
    fn encode_return(&self, value: &'static str) -> Result<Bytes, ContractError> {
        Ok(Bytes::from_static(value.as_bytes()))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(json!({ "type": "string" }))
    }
}

fn one_char(text: &str) -> Result<char, &'static str> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err("not exactly one character"),
    }
}

text_type!(
    char,
    "one character",
    json!({ "type": "string", "minLength": 1, "maxLength": 1 }),
    |text| one_char(text),
    |value| value.to_string()
);

/// Go's `strconv.ParseBool` spellings, plus any case of `true`/`false` (Node).
fn parse_bool(text: &str) -> Result<bool, &'static str> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        other if other.trim().eq_ignore_ascii_case("true") => Ok(true),
        other if other.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err("not a boolean"),
    }
}

text_type!(
    bool,
    "a boolean (true or false)",
    json!({ "type": "boolean" }),
    |text| parse_bool(text),
    |value| if value { "true" } else { "false" }
);

macro_rules! integers {
    ($($ty:ty => $expected:literal, $schema:expr;)*) => {$(
        text_type!($ty, $expected, $schema, |text| text.parse::<$ty>(), |value| value.to_string());
    )*};
}

integers! {
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
}

text_type!(
    f32,
    "a number (f32)",
    json!({ "type": "number", "format": "float" }),
    |text| text.trim().parse::<f32>(),
    |value| format_float32(value)
);

text_type!(
    f64,
    "a number (f64)",
    json!({ "type": "number", "format": "double" }),
    |text| text.trim().parse::<f64>(),
    |value| format_float(value)
);

/// Raw bytes: the schema says `binary` (any octets), not `byte` (base64).
fn bytes_schema() -> Value {
    json!({ "type": "string", "format": "binary" })
}

impl ArgViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn decode_arg(&self, raw: &[u8], _: ArgSite) -> Result<Vec<u8>, ContractError> {
        Ok(raw.to_vec())
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        bytes_schema()
    }
}

impl RetViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn encode_return(&self, value: Vec<u8>) -> Result<Bytes, ContractError> {
        Ok(Bytes::from(value))
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(bytes_schema())
    }
}

impl EncodeArgViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn encode_arg(&self, value: &Vec<u8>) -> Bytes {
        Bytes::copy_from_slice(value)
    }
}

impl DecodeRetViaText<Vec<u8>> for Codec<Vec<u8>> {
    fn decode_return(&self, payload: &[u8]) -> Result<Vec<u8>, DecodeError> {
        Ok(payload.to_vec())
    }
}

impl ArgViaText<Bytes> for Codec<Bytes> {
    fn decode_arg(&self, raw: &[u8], _: ArgSite) -> Result<Bytes, ContractError> {
        Ok(Bytes::copy_from_slice(raw))
    }
    fn arg_schema(&self, _: &mut MetadataBuilder) -> Value {
        bytes_schema()
    }
}

impl RetViaText<Bytes> for Codec<Bytes> {
    fn encode_return(&self, value: Bytes) -> Result<Bytes, ContractError> {
        Ok(value)
    }
    fn return_schema(&self, _: &mut MetadataBuilder) -> Option<Value> {
        Some(bytes_schema())
    }
}

impl EncodeArgViaText<Bytes> for Codec<Bytes> {
    fn encode_arg(&self, value: &Bytes) -> Bytes {
        value.clone()
    }
}

impl DecodeRetViaText<Bytes> for Codec<Bytes> {
    fn decode_return(&self, payload: &[u8]) -> Result<Bytes, DecodeError> {
        Ok(Bytes::copy_from_slice(payload))
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

impl DecodeRetViaText<()> for Codec<()> {
    fn decode_return(&self, _: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

// ----- everything else: JSON -----

impl<T: DeserializeOwned + JsonSchema> ArgViaJson<T> for &Codec<T> {
    fn decode_arg(&self, raw: &[u8], site: ArgSite) -> Result<T, ContractError> {
        decode_json(raw).map_err(|e| site.error(&format!("JSON for {}", type_name::<T>()), raw, e))
    }
    fn arg_schema(&self, builder: &mut MetadataBuilder) -> Value {
        builder.schema_for::<T>()
    }
}

/// JSON text, or else the bare text as a JSON string (how a value whose
/// JSON is a string travels).
fn decode_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, serde_json::Error> {
    match serde_json::from_slice(raw) {
        Ok(value) => Ok(value),
        Err(e) => match std::str::from_utf8(raw) {
            Ok(text) => serde_json::from_value(Value::String(text.to_owned())).map_err(|_| e),
            Err(_) => Err(e),
        },
    }
}

/// A value's JSON, except that a JSON string is its bare text and `null`
/// nothing.
fn encode_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Bytes> {
    let json = crate::json::to_vec(value)?;
    Ok(match json.first() {
        Some(b'"') => Bytes::from(serde_json::from_slice::<String>(&json)?),
        Some(b'n') => Bytes::new(),
        _ => Bytes::from(json),
    })
}

impl<T: Serialize + JsonSchema> RetViaJson<T> for &Codec<T> {
    fn encode_return(&self, value: T) -> Result<Bytes, ContractError> {
        encode_json(&value)
            .map_err(|e| ContractError::new(format!("error handling success response: {e}")))
    }
    fn return_schema(&self, builder: &mut MetadataBuilder) -> Option<Value> {
        Some(builder.schema_for::<T>())
    }
}

impl<T: Serialize> EncodeArgViaJson<T> for &Codec<T> {
    fn encode_arg(&self, value: &T) -> Bytes {
        // Serializing to memory fails only for values `serde_json` cannot
        // represent (e.g. a map with non-string keys); they go as nothing,
        // and the contract reports the missing value.
        encode_json(value).unwrap_or_default()
    }
}

impl<T: DeserializeOwned> DecodeRetViaJson<T> for &Codec<T> {
    fn decode_return(&self, payload: &[u8]) -> Result<T, DecodeError> {
        if payload.is_empty() {
            return serde_json::from_value(Value::Null).map_err(DecodeError::new::<T>);
        }
        decode_json(payload).map_err(DecodeError::new::<T>)
    }
}

/// Wraps a transaction's error to turn it into a [`ContractError`]: a
/// `ContractError` is kept as it is (with its payload and status), any other
/// `Display` error becomes its message. The generated code calls
/// `(&&ErrorWrap(e)).into_contract_error()`.
pub struct ErrorWrap<E>(pub E);

/// Keeps a [`ContractError`] (found before [`ErrorViaDisplay`]).
#[allow(clippy::wrong_self_convention)] // `&self` is what makes the autoref selection work.
pub trait ErrorViaContractError {
    /// The error to send.
    fn into_contract_error(&self) -> ContractError;
}

impl ErrorViaContractError for &ErrorWrap<ContractError> {
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

impl<E: std::fmt::Display> ErrorViaDisplay for &&ErrorWrap<E> {
    fn into_contract_error(&self) -> ContractError {
        ContractError::new(self.0.to_string())
    }
}

/// The last resort for a type that is not a [`TransactionError`] (see
/// [`ArgUnsupported`]).
#[allow(clippy::wrong_self_convention)] // `&self` is what makes the autoref selection work.
pub trait ErrorUnsupported {
    /// Never called: the contract does not compile.
    fn into_contract_error(&self) -> ContractError;
}

impl<E> ErrorUnsupported for ErrorWrap<E> {
    fn into_contract_error(&self) -> ContractError {
        ContractError::new(format!("unsupported error type {}", type_name::<E>()))
    }
}

/// Checks the number of arguments: at least `required` (the parameters up
/// to the last one that is not an `Option`), at most all of them.
pub fn check_arity(
    transaction: &str,
    args: &[Bytes],
    parameters: &[&str],
    required: usize,
) -> Result<(), ContractError> {
    if (required..=parameters.len()).contains(&args.len()) {
        return Ok(());
    }
    let names = if parameters.is_empty() {
        String::new()
    } else {
        format!(" ({})", parameters.join(", "))
    };
    let expected = if required == parameters.len() {
        parameters.len().to_string()
    } else {
        format!("{required} to {}", parameters.len())
    };
    Err(ContractError::new(format!(
        "incorrect number of params for {transaction}. Expected {expected}{names}, received {}",
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
        let e = (&&ErrorWrap(ContractError::new("m").with_payload("p"))).into_contract_error();
        assert_eq!(e.payload(), "p");
        let e = (&&ErrorWrap(std::fmt::Error)).into_contract_error();
        assert_eq!(e.message(), "an error occurred when formatting an argument");
    }

    #[test]
    fn arity() {
        assert!(check_arity("T", &[Bytes::new()], &["a"], 1).is_ok());
        let e = check_arity("CreateAsset", &[], &["id", "size"], 2).unwrap_err();
        assert_eq!(
            e.message(),
            "incorrect number of params for CreateAsset. Expected 2 (id, size), received 0"
        );
        // Trailing optional parameters may be left out, not more.
        assert!(check_arity("T", &[Bytes::new()], &["a", "b"], 1).is_ok());
        let e = check_arity(
            "T",
            &[Bytes::new(), Bytes::new(), Bytes::new()],
            &["a", "b"],
            1,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "incorrect number of params for T. Expected 1 to 2 (a, b), received 3"
        );
    }
}
