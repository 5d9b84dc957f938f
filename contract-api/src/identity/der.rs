//! DER reading with the rules of Go's `golang.org/x/crypto/cryptobyte`, which Go's
//! `crypto/x509` parser uses: one-byte tags only (no high tag numbers), definite minimal
//! lengths of at most four length bytes, and the value checks of its `ReadASN1*` methods.

/// A cursor over DER bytes (cryptobyte's `String`).
#[derive(Clone, Copy)]
pub(super) struct Der<'a>(pub(super) &'a [u8]);

/// One element: its tag byte, the whole encoding and the contents.
pub(super) struct Element<'a> {
    pub(super) tag: u8,
    pub(super) contents: &'a [u8],
}

impl<'a> Der<'a> {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// cryptobyte's `ReadAnyASN1Element`.
    pub(super) fn read_any(&mut self) -> Option<Element<'a>> {
        let s = self.0;
        let (&tag, &len_byte) = (s.first()?, s.get(1)?);
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (header_len, len) = if len_byte & 0x80 == 0 {
            (2, usize::from(len_byte))
        } else {
            let len_len = usize::from(len_byte & 0x7f);
            if len_len == 0 || len_len > 4 {
                return None;
            }
            let len_bytes = s.get(2..2 + len_len)?;
            let len = len_bytes
                .iter()
                .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            // DER: the short form below 128, no leading zero byte.
            if len < 128 || len_bytes[0] == 0 {
                return None;
            }
            (2 + len_len, usize::try_from(len).ok()?)
        };
        let total = header_len.checked_add(len)?;
        let element = s.get(..total)?;
        self.0 = &s[total..];
        Some(Element {
            tag,
            contents: &element[header_len..],
        })
    }

    /// cryptobyte's `ReadASN1`: the next element, which must have tag `tag`.
    pub(super) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.read_any().filter(|e| e.tag == tag).map(|e| e.contents)
    }
}

pub(super) const BOOLEAN: u8 = 0x01;
pub(super) const INTEGER: u8 = 0x02;
pub(super) const BIT_STRING: u8 = 0x03;
pub(super) const OCTET_STRING: u8 = 0x04;
pub(super) const NULL: u8 = 0x05;
pub(super) const OBJECT_IDENTIFIER: u8 = 0x06;
pub(super) const UTF8_STRING: u8 = 0x0c;
pub(super) const NUMERIC_STRING: u8 = 0x12;
pub(super) const PRINTABLE_STRING: u8 = 0x13;
pub(super) const T61_STRING: u8 = 0x14;
pub(super) const IA5_STRING: u8 = 0x16;
pub(super) const UTC_TIME: u8 = 0x17;
pub(super) const GENERALIZED_TIME: u8 = 0x18;
pub(super) const BMP_STRING: u8 = 0x1e;
pub(super) const SEQUENCE: u8 = 0x30;
pub(super) const SET: u8 = 0x31;

/// The arcs of an OBJECT IDENTIFIER's contents as cryptobyte's `ReadASN1ObjectIdentifier`
/// reads them: not empty, every arc in at most five bytes, below 2^31 and minimally
/// encoded; the first encoded value is split into two arcs.
pub(super) fn oid_arcs(mut contents: &[u8]) -> Option<Vec<u32>> {
    if contents.is_empty() {
        return None;
    }
    let first = base128(&mut contents)?;
    let mut arcs = if first < 80 {
        vec![first / 40, first % 40]
    } else {
        vec![2, first - 80]
    };
    while !contents.is_empty() {
        arcs.push(base128(&mut contents)?);
    }
    Some(arcs)
}

/// cryptobyte's `readBase128Int`.
fn base128(s: &mut &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for (i, &b) in s.iter().enumerate() {
        if i == 5 || value >= 1 << (31 - 7) {
            return None;
        }
        if i == 0 && b == 0x80 {
            return None;
        }
        value = (value << 7) | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            *s = &s[i + 1..];
            return Some(value);
        }
    }
    None
}

/// The dotted form of OID arcs (Go's `ObjectIdentifier.String`).
pub(super) fn dotted(arcs: &[u32]) -> String {
    arcs.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The contents of an INTEGER that cryptobyte reads into an `int64`: not empty, minimally
/// encoded, at most eight bytes.
pub(super) fn is_int64(contents: &[u8]) -> bool {
    match contents {
        [] => false,
        [0x00, next, ..] if next & 0x80 == 0 => false,
        [0xff, next, ..] if next & 0x80 != 0 => false,
        _ => contents.len() <= 8,
    }
}

/// cryptobyte's `ReadASN1BitString`: a padding count of at most 7, none for an empty
/// string, and zero padding bits.
pub(super) fn is_bit_string(contents: &[u8]) -> bool {
    match contents {
        [] => false,
        [padding] => *padding == 0,
        [padding, .., last] => *padding <= 7 && last & ((1u8 << padding) - 1) == 0,
    }
}

/// cryptobyte's `ReadASN1Boolean`: one byte, 0x00 or 0xff.
pub(super) fn is_boolean(contents: &[u8]) -> bool {
    matches!(contents, [0x00] | [0xff])
}

/// Whether Go reads `text` as a UTCTime (`generalized == false`) or GeneralizedTime.
///
/// cryptobyte parses with Go's `time.Parse` and the layout `060102150405Z0700` (UTCTime,
/// with a fallback to `0601021504Z0700`) or `20060102150405Z0700`, and then requires
/// `Format` to give back the same text. Together these accept exactly: fixed-width digits
/// with the month in 1–12, the day valid for the month and year, the hour below 24, minutes
/// and seconds below 60, then either `Z` or a sign with four digits `hhmm` (`hh` at most 24,
/// `mm` below 60) that is not a zero offset (which `Format` writes as `Z`).
pub(super) fn is_time(text: &[u8], generalized: bool) -> bool {
    if generalized {
        time_matches(text, 4, true)
    } else {
        time_matches(text, 2, true) || time_matches(text, 2, false)
    }
}

fn time_matches(text: &[u8], year_digits: usize, seconds: bool) -> bool {
    let mut rest = text;
    let mut field = |width: usize| -> Option<u32> {
        let digits = rest.get(..width)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        rest = &rest[width..];
        Some(
            digits
                .iter()
                .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0')),
        )
    };
    let Some(year) = field(year_digits) else {
        return false;
    };
    // Go maps a two-digit year 69–99 to 19xx and 00–68 to 20xx.
    let year = match (year_digits, year) {
        (2, y) if y >= 69 => 1900 + y,
        (2, y) => 2000 + y,
        (_, y) => y,
    };
    let (Some(month), Some(day), Some(hour), Some(minute)) =
        (field(2), field(2), field(2), field(2))
    else {
        return false;
    };
    let second = if seconds { field(2) } else { Some(0) };
    let Some(second) = second else {
        return false;
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(month, year)
        || hour >= 24
        || minute >= 60
        || second >= 60
    {
        return false;
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', h1, h2, m1, m2] => {
            let zone = [h1, h2, m1, m2];
            if !zone.iter().all(|d| d.is_ascii_digit()) {
                return false;
            }
            let hours = (h1 - b'0') * 10 + (h2 - b'0');
            let minutes = (m1 - b'0') * 10 + (m2 - b'0');
            hours <= 24 && minutes < 60 && (hours, minutes) != (0, 0)
        }
        _ => false,
    }
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_follow_cryptobyte() {
        let mut d = Der(&[0x04, 0x02, 1, 2, 0x05, 0x00]);
        let e = d.read_any().unwrap();
        assert_eq!((e.tag, e.contents), (0x04, &[1, 2][..]));
        assert_eq!(d.read(NULL), Some(&[][..]));
        assert!(d.is_empty());

        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([0; 0x80]);
        assert_eq!(Der(&long).read(OCTET_STRING).map(<[u8]>::len), Some(0x80));
        for bad in [
            &[0x04, 0x81, 0x05, 1, 2, 3, 4, 5][..], // long form below 128
            &[0x04, 0x82, 0x00, 0x80],              // leading zero length byte
            &[0x04, 0x80],                          // indefinite length
            &[0x04, 0x85, 1, 1, 1, 1, 1],           // five length bytes
            &[0x1f, 0x01, 0x00],                    // high tag number form
            &[0x04, 0x03, 1, 2],                    // truncated
            &[0x04],                                // no length
        ] {
            assert!(Der(bad).read_any().is_none(), "{bad:x?}");
        }
        // A tag mismatch fails `read`.
        assert!(Der(&[0x04, 0x00]).read(INTEGER).is_none());
    }

    #[test]
    fn oids_follow_cryptobyte() {
        assert_eq!(oid_arcs(&[0x55, 0x04, 0x03]), Some(vec![2, 5, 4, 3]));
        assert_eq!(
            oid_arcs(&[0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01]),
            Some(vec![1, 2, 3, 4, 5, 6, 7, 8, 1])
        );
        assert_eq!(oid_arcs(&[0x81, 0x00]), Some(vec![2, 48]));
        // 2^31 - 1 is the largest arc.
        assert_eq!(
            oid_arcs(&[0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f]),
            Some(vec![1, 2, 0x7fff_ffff])
        );
        assert_eq!(oid_arcs(&[0x2a, 0x88, 0x80, 0x80, 0x80, 0x00]), None);
        assert_eq!(oid_arcs(&[]), None);
        assert_eq!(oid_arcs(&[0x2a, 0x80, 0x01]), None, "non-minimal arc");
        assert_eq!(oid_arcs(&[0x2a, 0x81]), None, "truncated arc");
        assert_eq!(dotted(&[2, 5, 29, 15]), "2.5.29.15");
    }

    #[test]
    fn integers_bit_strings_and_booleans() {
        assert!(is_int64(&[0x00]));
        assert!(is_int64(&[0x00, 0x80]));
        assert!(is_int64(&[0xff, 0x7f]));
        assert!(is_int64(&[0x7f; 8]));
        assert!(!is_int64(&[]));
        assert!(!is_int64(&[0x00, 0x7f]));
        assert!(!is_int64(&[0xff, 0x80]));
        assert!(!is_int64(&[0x01; 9]));

        assert!(is_bit_string(&[0x00]));
        assert!(is_bit_string(&[0x03, 0xf8]));
        assert!(!is_bit_string(&[]));
        assert!(!is_bit_string(&[0x01]));
        assert!(!is_bit_string(&[0x08, 0x00]));
        assert!(!is_bit_string(&[0x03, 0xf9]));

        assert!(is_boolean(&[0x00]));
        assert!(is_boolean(&[0xff]));
        assert!(!is_boolean(&[0x01]));
        assert!(!is_boolean(&[]));
    }

    #[test]
    fn times_follow_go_parse_and_format() {
        for (ok, generalized) in [
            (&b"260101120000Z"[..], false),
            (b"2601011200Z", false), // UTCTime without seconds
            (b"000229235959Z", false),
            (b"260101120000+0130", false),
            (b"260101120000-2400", false),
            (b"20260101120000Z", true),
            (b"00000229000000Z", true),
        ] {
            assert!(is_time(ok, generalized), "{}", String::from_utf8_lossy(ok));
        }
        for (bad, generalized) in [
            (&b"690229000000Z"[..], false), // 1969 is no leap year
            (b"260431000000Z", false),
            (b"261301000000Z", false),
            (b"260101240000Z", false),
            (b"260101126000Z", false),
            (b"260101120060Z", false),
            (b"260101120000+0000", false), // Format writes Z
            (b"260101120000-0060", false), // Format writes -0100
            (b"260101120000+2500", false),
            (b"260101120000", false),
            (b"260101120000Zx", false),
            (b"260101120000.5Z", false),
            (b"2601011200000Z", false),
            (b"+60101120000Z", false),
            (b"20260101120000.5Z", true),
            (b"260101120000Z", true),
            (b"19000229000000Z", true),
        ] {
            assert!(
                !is_time(bad, generalized),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
