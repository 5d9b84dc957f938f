//! The protobuf messages of an identity, decoded the way Go's `proto.Unmarshal`
//! (google.golang.org/protobuf) decodes them.
//!
//! Go and prost agree on well-formed input but not on one kind of odd input: a known field
//! number arriving with another wire type than its declaration (say `mspid`, a string, sent
//! as a varint). Go reads such a field as an unknown field and skips it, so the message
//! decodes as if the field were absent; prost fails. The identity code needs Go's outcome,
//! so the four small messages it reads are decoded here by hand, with Go's rules:
//!
//! * a tag is a varint of at most ten bytes; its field number must be in `1..=2^29-1`;
//! * a known field with its declared wire type is read (the last occurrence wins), a
//!   `string` field must hold valid UTF-8;
//! * any other field, including a known one with another wire type, is skipped; wire types
//!   6 and 7, an end-group without its start, a group ended by another field number, groups
//!   nested deeper than Go's limit and truncated data are errors.

use std::fmt;

/// Why Go's `proto.Unmarshal` would fail, with its error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WireError {
    /// Go's `errDecode`. Go prefixes it with "proto:" followed by either a space or, chosen
    /// at random per binary, a non-breaking space; the plain space is used here.
    Malformed,
    /// A `string` field holds invalid UTF-8.
    InvalidUtf8,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireError::Malformed => "proto: cannot parse invalid wire-format data",
            WireError::InvalidUtf8 => "string field contains invalid UTF-8",
        })
    }
}

/// `msp.SerializedIdentity` (`msp/identities.proto`).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct SerializedIdentity<'a> {
    /// Field 1, `string mspid`.
    pub(super) mspid: &'a str,
    /// Field 2, `bytes id_bytes`.
    pub(super) id_bytes: &'a [u8],
}

impl<'a> SerializedIdentity<'a> {
    pub(super) fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut out = SerializedIdentity::default();
        decode(buf, |number, value| {
            match (number, value) {
                (1, Value::Bytes(b)) => out.mspid = utf8(b)?,
                (2, Value::Bytes(b)) => out.id_bytes = b,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// The two fields of `msp.SerializedIdemixIdentity` that `cid` reads: field 3 `bytes ou`
/// and field 4 `bytes role` (fields 1, 2 and 5 are bytes too, read and ignored).
pub(super) fn idemix_ou_and_role(buf: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let (mut ou, mut role) = (&[][..], &[][..]);
    decode(buf, |number, value| {
        match (number, value) {
            (3, Value::Bytes(b)) => ou = b,
            (4, Value::Bytes(b)) => role = b,
            _ => {}
        }
        Ok(())
    })?;
    Ok((ou, role))
}

/// `msp.OrganizationUnit.organizational_unit_identifier` (field 2); fields 1 (`string
/// msp_identifier`) and 3 (`bytes certifiers_identifier`) are checked and ignored.
pub(super) fn organizational_unit_identifier(buf: &[u8]) -> Result<&str, WireError> {
    let mut ou = "";
    decode(buf, |number, value| {
        match (number, value) {
            (1, Value::Bytes(b)) => {
                utf8(b)?;
            }
            (2, Value::Bytes(b)) => ou = utf8(b)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(ou)
}

/// `msp.MSPRole.role` (field 2, an enum: an `int32` varint, truncated like Go's
/// `int32(v)`); field 1 (`string msp_identifier`) is checked and ignored.
pub(super) fn msp_role(buf: &[u8]) -> Result<i32, WireError> {
    let mut role = 0;
    decode(buf, |number, value| {
        match (number, value) {
            (1, Value::Bytes(b)) => {
                utf8(b)?;
            }
            // Truncated to the low 32 bits, as Go's `int32(v)`.
            (2, Value::Varint(v)) => role = v as i32,
            _ => {}
        }
        Ok(())
    })?;
    Ok(role)
}

fn utf8(b: &[u8]) -> Result<&str, WireError> {
    std::str::from_utf8(b).map_err(|_| WireError::InvalidUtf8)
}

/// A field value of a wire type the messages above declare.
#[derive(Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    /// Fixed-width values and groups: no field of these messages has such a type.
    Other,
}

const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;
/// Go's `protowire.DefaultRecursionLimit`: a top-level group is read at this depth and an
/// error is reported once a nested group's depth would drop below zero.
const GROUP_DEPTH_LIMIT: usize = 10_000;

/// Walks the fields of one message, calling `field` with each field number and value.
fn decode<'a>(
    mut buf: &'a [u8],
    mut field: impl FnMut(u64, Value<'a>) -> Result<(), WireError>,
) -> Result<(), WireError> {
    while !buf.is_empty() {
        let tag = varint(&mut buf)?;
        let number = tag >> 3;
        if !(1..=MAX_FIELD_NUMBER).contains(&number) {
            return Err(WireError::Malformed);
        }
        let value = match tag & 7 {
            0 => Value::Varint(varint(&mut buf)?),
            1 => {
                take(&mut buf, 8)?;
                Value::Other
            }
            2 => {
                let len = varint(&mut buf)?;
                Value::Bytes(take(&mut buf, len)?)
            }
            3 => {
                skip_group(&mut buf, number)?;
                Value::Other
            }
            5 => {
                take(&mut buf, 4)?;
                Value::Other
            }
            // 4: an end-group without a start (Go compares it with group number 0);
            // 6 and 7: reserved wire types.
            _ => return Err(WireError::Malformed),
        };
        field(number, value)?;
    }
    Ok(())
}

/// Skips the body of the group `number` whose start tag was just read (Go's
/// `protowire.ConsumeFieldValue`, which bounds the nesting depth).
fn skip_group(buf: &mut &[u8], number: u64) -> Result<(), WireError> {
    let mut open = vec![number];
    while let Some(&innermost) = open.last() {
        let tag = varint(buf)?;
        let number = tag >> 3;
        // Inside a group Go only requires a field number in 1..=i32::MAX.
        if number == 0 || number > i32::MAX as u64 {
            return Err(WireError::Malformed);
        }
        match tag & 7 {
            0 => {
                varint(buf)?;
            }
            1 => {
                take(buf, 8)?;
            }
            2 => {
                let len = varint(buf)?;
                take(buf, len)?;
            }
            3 => {
                if open.len() > GROUP_DEPTH_LIMIT {
                    return Err(WireError::Malformed);
                }
                open.push(number);
            }
            4 => {
                if number != innermost {
                    return Err(WireError::Malformed);
                }
                open.pop();
            }
            5 => {
                take(buf, 4)?;
            }
            _ => return Err(WireError::Malformed),
        }
    }
    Ok(())
}

/// Go's `protowire.ConsumeVarint`: at most ten bytes, the tenth at most 1.
fn varint(buf: &mut &[u8]) -> Result<u64, WireError> {
    let mut value = 0u64;
    for (i, &byte) in buf.iter().enumerate().take(10) {
        if i == 9 && byte > 1 {
            return Err(WireError::Malformed);
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            *buf = &buf[i + 1..];
            return Ok(value);
        }
    }
    Err(WireError::Malformed)
}

fn take<'a>(buf: &mut &'a [u8], len: u64) -> Result<&'a [u8], WireError> {
    let len = usize::try_from(len).map_err(|_| WireError::Malformed)?;
    if len > buf.len() {
        return Err(WireError::Malformed);
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_follow_go() {
        let mut b: &[u8] = &[0x96, 0x01, 0xff];
        assert_eq!(varint(&mut b), Ok(150));
        assert_eq!(b, &[0xff]);
        // Ten bytes, the last one 1: u64::MAX.
        let mut b: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(varint(&mut b), Ok(u64::MAX));
        // The tenth byte above 1 overflows; eleven bytes are too many; truncation.
        let mut b: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(varint(&mut b), Err(WireError::Malformed));
        let mut b: &[u8] = &[0x80; 11];
        assert_eq!(varint(&mut b), Err(WireError::Malformed));
        let mut b: &[u8] = &[0x80];
        assert_eq!(varint(&mut b), Err(WireError::Malformed));
        // Non-minimal encodings are accepted, as in Go.
        let mut b: &[u8] = &[0x81, 0x80, 0x00];
        assert_eq!(varint(&mut b), Ok(1));
    }

    #[test]
    fn wrong_wire_types_are_skipped() {
        // mspid (1) as a varint, id_bytes (2) as fixed32, then a proper mspid.
        let buf = [0x08, 0x05, 0x15, 1, 2, 3, 4, 0x0a, 0x01, b'M'];
        let sid = SerializedIdentity::decode(&buf).unwrap();
        assert_eq!(sid.mspid, "M");
        assert!(sid.id_bytes.is_empty());
        // A role sent length-delimited is skipped: role 0.
        assert_eq!(msp_role(&[0x12, 0x01, 0x01]), Ok(0));
        assert_eq!(msp_role(&[0x10, 0x03]), Ok(3));
        // The enum is truncated to 32 bits: 2^32 + 1 is 1.
        assert_eq!(msp_role(&[0x10, 0x81, 0x80, 0x80, 0x80, 0x10]), Ok(1));
    }

    #[test]
    fn groups_are_skipped_when_well_formed() {
        // Field 1 as an (empty) group, field 5 as a group holding a nested group and a
        // string, then id_bytes.
        let buf = [
            0x0b, 0x0c, 0x2b, 0x33, 0x08, 0x01, 0x34, 0x0a, 0x01, b'x', 0x2c, 0x12, 0x01, b'c',
        ];
        let sid = SerializedIdentity::decode(&buf).unwrap();
        assert_eq!(sid.mspid, "");
        assert_eq!(sid.id_bytes, b"c");
        // Ended by another number, unterminated, or an end without a start.
        assert!(SerializedIdentity::decode(&[0x0b, 0x14]).is_err());
        assert!(SerializedIdentity::decode(&[0x0b]).is_err());
        assert!(SerializedIdentity::decode(&[0x0c]).is_err());
    }

    #[test]
    fn group_depth_is_bounded_like_go() {
        // Field 1 groups nested n deep, then closed.
        let nested = |n: usize| {
            let mut buf = vec![0x0b; n];
            buf.extend(std::iter::repeat_n(0x0c, n));
            buf
        };
        assert!(SerializedIdentity::decode(&nested(GROUP_DEPTH_LIMIT + 1)).is_ok());
        assert_eq!(
            SerializedIdentity::decode(&nested(GROUP_DEPTH_LIMIT + 2)),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        for buf in [
            &[0x00][..],                        // field number 0
            &[0x0e],                            // wire type 6
            &[0x0f],                            // wire type 7
            &[0x0a, 0x05, b'a'],                // truncated bytes
            &[0x0d, 1, 2],                      // truncated fixed32
            &[0x09, 1, 2, 3, 4, 5, 6, 7],       // truncated fixed64
            &[0x80, 0x80, 0x80, 0x80, 0x10, 0], // field number 2^29
        ] {
            assert_eq!(
                SerializedIdentity::decode(buf),
                Err(WireError::Malformed),
                "{buf:x?}"
            );
        }
        assert_eq!(
            SerializedIdentity::decode(&[0x0a, 0x01, 0xff]),
            Err(WireError::InvalidUtf8)
        );
        // Inside a group only the field number's range is checked: 2^29 is fine there.
        assert!(SerializedIdentity::decode(&[0x0b, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0x0c]).is_ok());
        // The error texts are Go's.
        assert_eq!(
            WireError::Malformed.to_string(),
            "proto: cannot parse invalid wire-format data"
        );
        assert_eq!(
            WireError::InvalidUtf8.to_string(),
            "string field contains invalid UTF-8"
        );
    }
}
