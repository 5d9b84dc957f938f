//! Certificate names the way Go reads and writes them for `cid`: `crypto/x509`'s
//! `parseName` and `readASN1Any`, `pkix.Name.FillFromRDNSequence`, then `ToRDNSequence`
//! and cid's `getDN`.

use super::der::{self, Der};

/// The fields of Go's `pkix.Name` that `ToRDNSequence` writes back, filled the way
/// `FillFromRDNSequence` fills them.
#[derive(Default)]
pub(super) struct GoName {
    common_name: String,
    serial_number: String,
    country: Vec<String>,
    province: Vec<String>,
    locality: Vec<String>,
    street_address: Vec<String>,
    postal_code: Vec<String>,
    organization: Vec<String>,
    pub(super) organizational_unit: Vec<String>,
}

impl GoName {
    /// Reads a DER `Name` (the whole SEQUENCE) like Go's `parseName`, then keeps what
    /// `FillFromRDNSequence` keeps: string values of the nine `pkix.Name` attribute types.
    ///
    /// Since Go 1.27 an attribute value of any type is accepted: the string types are
    /// decoded (and must be valid), INTEGER, BIT STRING, OBJECT IDENTIFIER, the two time
    /// types and BOOLEAN must be valid, anything else (UniversalString, SEQUENCE, ...) is
    /// taken as it is. A value that is not a string is left out of the name — it does not
    /// replace an earlier value of the same type.
    pub(super) fn parse(raw: &[u8]) -> Result<Self, String> {
        let invalid = || "x509: invalid RDNSequence".to_owned();
        let mut rdns = Der(raw).read(der::SEQUENCE).map(Der).ok_or_else(invalid)?;
        let mut out = GoName::default();
        while !rdns.is_empty() {
            let mut set = rdns.read(der::SET).map(Der).ok_or_else(invalid)?;
            while !set.is_empty() {
                let mut atv = set
                    .read(der::SEQUENCE)
                    .map(Der)
                    .ok_or("x509: invalid RDNSequence: invalid attribute")?;
                let arcs = atv
                    .read(der::OBJECT_IDENTIFIER)
                    .and_then(der::oid_arcs)
                    .ok_or("x509: invalid RDNSequence: invalid attribute type")?;
                // Bytes after the value inside the SEQUENCE are not looked at, as in Go.
                let value = read_value(&mut atv).map_err(|e| {
                    format!("x509: invalid RDNSequence: invalid attribute value: {e}")
                })?;
                if let Some(value) = value {
                    out.fill(&arcs, value);
                }
            }
        }
        Ok(out)
    }

    fn fill(&mut self, arcs: &[u32], value: String) {
        let [2, 5, 4, last] = *arcs else { return };
        match last {
            3 => self.common_name = value,
            5 => self.serial_number = value,
            6 => self.country.push(value),
            7 => self.locality.push(value),
            8 => self.province.push(value),
            9 => self.street_address.push(value),
            10 => self.organization.push(value),
            11 => self.organizational_unit.push(value),
            17 => self.postal_code.push(value),
            _ => {}
        }
    }

    /// `ToRDNSequence` followed by cid's `getDN` (which walks the sequence backwards).
    pub(super) fn to_dn(&self) -> String {
        let single = |v: &String| -> Vec<String> {
            if v.is_empty() {
                Vec::new()
            } else {
                vec![v.clone()]
            }
        };
        let rdns: [(&str, Vec<String>); 9] = [
            ("SERIALNUMBER", single(&self.serial_number)),
            ("CN", single(&self.common_name)),
            ("OU", self.organizational_unit.clone()),
            ("O", self.organization.clone()),
            ("POSTALCODE", self.postal_code.clone()),
            ("STREET", self.street_address.clone()),
            ("L", self.locality.clone()),
            ("ST", self.province.clone()),
            ("C", self.country.clone()),
        ];
        let mut dn = String::new();
        for (type_name, values) in rdns.iter().filter(|(_, v)| !v.is_empty()) {
            if !dn.is_empty() {
                dn.push(',');
            }
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    dn.push('+');
                }
                dn.push_str(type_name);
                dn.push('=');
                escape_dn_value(value, &mut dn);
            }
        }
        dn
    }
}

/// cid's value escaping (RFC 2253-like, as Go's `RDNSequence.String`).
fn escape_dn_value(value: &str, out: &mut String) {
    let last = value.len().saturating_sub(1);
    for (i, c) in value.char_indices() {
        let escape = (i == 0 && (c == ' ' || c == '#'))
            || (i == last && c == ' ')
            || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';');
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Go's `readASN1Any`: the value of an attribute, `Some` if it is a string.
fn read_value(atv: &mut Der<'_>) -> Result<Option<String>, &'static str> {
    let element = atv.read_any().ok_or("invalid ASN.1 element")?;
    let data = element.contents;
    let checked = |ok: bool, error: &'static str| if ok { Ok(None) } else { Err(error) };
    match element.tag {
        der::T61_STRING
        | der::PRINTABLE_STRING
        | der::UTF8_STRING
        | der::BMP_STRING
        | der::IA5_STRING
        | der::NUMERIC_STRING => go_asn1_string(element.tag, data).map(Some),
        der::INTEGER => checked(der::is_int64(data), "invalid ASN.1 integer"),
        der::BIT_STRING => checked(der::is_bit_string(data), "invalid ASN.1 BIT STRING"),
        der::OBJECT_IDENTIFIER => checked(
            der::oid_arcs(data).is_some(),
            "invalid ASN.1 OBJECT IDENTIFIER",
        ),
        der::UTC_TIME => checked(der::is_time(data, false), "x509: malformed UTCTime"),
        der::GENERALIZED_TIME => {
            checked(der::is_time(data, true), "x509: malformed GeneralizedTime")
        }
        der::BOOLEAN => checked(der::is_boolean(data), "invalid ASN.1 BOOLEAN"),
        // Go reads these without a check that could fail (NULL not even its length).
        der::OCTET_STRING | der::NULL => Ok(None),
        // Any other element becomes an asn1.RawValue.
        _ => Ok(None),
    }
}

/// Go's `x509.parseASN1String` for the six string tags.
fn go_asn1_string(tag: u8, data: &[u8]) -> Result<String, &'static str> {
    match tag {
        // T.61 is read as Latin-1, as current Go does (older Go copied the raw bytes).
        der::T61_STRING => Ok(data.iter().map(|&b| char::from(b)).collect()),
        der::PRINTABLE_STRING => {
            if data.iter().all(|&b| is_go_printable(b)) {
                Ok(String::from_utf8_lossy(data).into_owned())
            } else {
                Err("invalid PrintableString")
            }
        }
        der::UTF8_STRING => std::str::from_utf8(data)
            .map(str::to_owned)
            .map_err(|_| "invalid UTF-8 string"),
        der::BMP_STRING => {
            if !data.len().is_multiple_of(2) {
                return Err("invalid BMPString");
            }
            let data = match data {
                [head @ .., 0, 0] => head,
                _ => data,
            };
            data.chunks_exact(2)
                .map(|pair| {
                    let point = u16::from_be_bytes([pair[0], pair[1]]);
                    let reserved = point == 0xfffe
                        || point == 0xffff
                        || (0xfdd0..=0xfdef).contains(&point)
                        || (0xd800..=0xdfff).contains(&point);
                    match char::from_u32(u32::from(point)) {
                        Some(c) if !reserved => Ok(c),
                        _ => Err("invalid BMPString"),
                    }
                })
                .collect()
        }
        der::IA5_STRING => {
            if data.is_ascii() {
                Ok(String::from_utf8_lossy(data).into_owned())
            } else {
                Err("invalid IA5String")
            }
        }
        _ => {
            if data.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                Ok(String::from_utf8_lossy(data).into_owned())
            } else {
                Err("invalid NumericString")
            }
        }
    }
}

/// The PrintableString alphabet as Go accepts it (including `*` and `&`).
fn is_go_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || matches!(b, b' ' | b':' | b'=' | b'?' | b'*' | b'&')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Name of single-attribute RDNs, each `(type OID contents, value element)`.
    fn name(atvs: &[(&[u8], &[u8])]) -> Vec<u8> {
        fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
            let len = u8::try_from(contents.len()).unwrap();
            let mut out = if len < 128 {
                vec![tag, len]
            } else {
                vec![tag, 0x81, len]
            };
            out.extend_from_slice(contents);
            out
        }
        let mut rdns = Vec::new();
        for (oid, value) in atvs {
            let mut atv = tlv(der::OBJECT_IDENTIFIER, oid);
            atv.extend_from_slice(value);
            rdns.extend(tlv(der::SET, &tlv(der::SEQUENCE, &atv)));
        }
        tlv(der::SEQUENCE, &rdns)
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const OU: &[u8] = &[0x55, 0x04, 0x0b];

    #[test]
    fn non_string_values_are_left_out() {
        let raw = name(&[
            (CN, b"\x0c\x05first"),
            (CN, b"\x1c\x04\x00\x00\x00A"), // UniversalString
            (OU, b"\x02\x01\x05"),          // INTEGER
            (OU, b"\x0c\x06client"),
            (OU, b"\x30\x00"),              // SEQUENCE
            (OU, b"\x05\x03abc"),           // NULL with contents: not checked
            (OU, b"\x17\x0d260101120000Z"), // UTCTime
            (OU, b"\x2c\x03abc"),           // constructed UTF8String
            (OU, b"\x80\x01x"),             // context-specific
            (&[0x2a, 0x03], b"\x0c\x01x"),  // another attribute type
        ]);
        let parsed = GoName::parse(&raw).unwrap();
        assert_eq!(parsed.to_dn(), "CN=first,OU=client");
        assert_eq!(parsed.organizational_unit, ["client"]);
    }

    #[test]
    fn invalid_values_are_errors() {
        for (value, error) in [
            (&b"\x02\x02\x00\x01"[..], "invalid ASN.1 integer"),
            (
                b"\x02\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09",
                "invalid ASN.1 integer",
            ),
            (b"\x03\x02\x03\x01", "invalid ASN.1 BIT STRING"),
            (b"\x06\x02\x2a\x80", "invalid ASN.1 OBJECT IDENTIFIER"),
            (b"\x17\x0d261301120000Z", "x509: malformed UTCTime"),
            (b"\x18\x0d260101120000Z", "x509: malformed GeneralizedTime"),
            (b"\x01\x01\x01", "invalid ASN.1 BOOLEAN"),
            (b"\x13\x01@", "invalid PrintableString"),
            (b"\x0c\x01\xff", "invalid UTF-8 string"),
            (b"\x1e\x01A", "invalid BMPString"),
            (b"\x16\x01\x80", "invalid IA5String"),
            (b"\x12\x01a", "invalid NumericString"),
            (b"\x1f\x1c\x00", "invalid ASN.1 element"),
            (b"\x0c\x05abc", "invalid ASN.1 element"),
        ] {
            let err = GoName::parse(&name(&[(CN, value)])).err().unwrap();
            assert_eq!(
                err,
                format!("x509: invalid RDNSequence: invalid attribute value: {error}")
            );
        }
        assert_eq!(
            GoName::parse(&name(&[(&[0x55, 0x80, 0x04], b"\x0c\x01x")])).err(),
            Some("x509: invalid RDNSequence: invalid attribute type".to_owned())
        );
        assert_eq!(
            GoName::parse(&[0x30, 0x02, 0x30, 0x00]).err(),
            Some("x509: invalid RDNSequence".to_owned())
        );
        assert_eq!(
            GoName::parse(&[0x30, 0x04, 0x31, 0x02, 0x31, 0x00]).err(),
            Some("x509: invalid RDNSequence: invalid attribute".to_owned())
        );
    }

    #[test]
    fn empty_sets_and_trailing_bytes_in_an_attribute_are_accepted() {
        // An empty RDN, then an attribute with two extra bytes after its value.
        let raw = [
            0x30, 0x13, 0x31, 0x00, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c,
            0x04, b'u', b's', b'e', b'r', 0x05, 0x00,
        ];
        assert_eq!(GoName::parse(&raw).unwrap().to_dn(), "CN=user");
    }
}
