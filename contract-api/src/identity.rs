//! The identity of the client that submitted a transaction.
//!
//! This is the Rust counterpart of Go's `github.com/hyperledger/fabric-chaincode-go/pkg/cid`
//! (with `pkg/attrmgr`). A [`ClientIdentity`] is built from the *creator* of the transaction
//! proposal, the marshaled `msp.SerializedIdentity` that the stub's `creator()` returns:
//!
//! * if the identity bytes hold a PEM block, the **first** block is parsed as an X.509
//!   certificate; [`ClientIdentity::id`] then yields exactly the string Go's `GetID`
//!   yields, and Fabric CA attributes are read from the certificate extension
//!   `1.2.3.4.5.6.7.8.1`;
//! * otherwise the bytes must be a marshaled `msp.SerializedIdemixIdentity`; the identity
//!   then has no certificate and exposes the attributes `ou` and `role`.
//!
//! Everything is parsed and validated once, when the identity is built, so a malformed
//! creator is reported by [`ClientIdentity::from_creator`] (as Go's `cid.New` does) and the
//! accessors afterwards cannot fail on the input.
//!
//! # The identity string
//!
//! The three official chaincode libraries produce three different ID strings for the same
//! certificate. This module follows Go (the one fabric-samples chaincode stores on the
//! ledger): `base64("x509::" + DN(subject) + "::" + DN(issuer))` with the DN written the way
//! Go's `pkix.Name` renders it, see [`ClientIdentity::id`].
//!
//! # Which Go
//!
//! The reference is fabric-chaincode-go v2.3 `cid` built with the current Go release,
//! 1.27, whose `crypto/x509`, `google.golang.org/protobuf` and `encoding/json` decide what
//! is accepted. With it, and here:
//!
//! * the creator is decoded like `proto.Unmarshal` does: a field with another wire type
//!   than declared (say `mspid` as a varint) is skipped as unknown, so it reads as absent;
//!   empty identity bytes are an idemix identity with an empty `ou` and the role `member`;
//! * a name attribute whose value is not a string (a UniversalString, an INTEGER, ...) is
//!   left out of the ID and of the OUs, if it is well formed (Go before 1.27 refused the
//!   certificate: "unsupported string type");
//! * a certificate with two extensions of the same OID is refused with
//!   `x509: certificate contains duplicate extension with OID "…"` (Go before 1.23 said
//!   `x509: certificate contains duplicate extensions`).
//!
//! # Differences from Go
//!
//! * **Certificate checks other than the names and the extension list.** The certificate
//!   is parsed by [`x509_parser`]; only its subject and issuer (Go's `parseName`) and the
//!   OIDs of its extensions (readable, no duplicates) are checked with Go's rules. Go's
//!   `x509.ParseCertificate` also refuses, among others, a negative serial number, a
//!   malformed standard extension (key usage, basic constraints, subject alternative
//!   names, name constraints, policies, ...) or one marked critical that must not be (the
//!   key identifiers, authority information access), and a public key it cannot use (an
//!   ECDSA key off the curves P-224/256/384/521 or off its curve, an invalid RSA key);
//!   such certificates are accepted here, and x509-parser may refuse structures that Go
//!   accepts, with its own error texts. Reason: matching this would mean redoing the rest
//!   of Go's certificate parser, elliptic-curve checks included, while a creator that
//!   reaches chaincode through a peer has already been deserialized by the peer's MSP with
//!   Go's parser — these certificates only occur in hand-made creators (tests, the
//!   development peer).
//! * **[`ClientIdentity::has_ou_value`] on an idemix identity** compares the `ou`
//!   attribute, where Go fails with "cannot obtain an X509 certificate for the identity".
//!   Reason: an idemix credential does carry an organizational unit, and a check that
//!   answers is more useful to a contract than an error it cannot act on.
//! * **Error texts that are not Go's:** [`IdentityError::MissingCreator`] (Go prints
//!   `failed to get transaction invoker's identity from the chaincode stub: %!w(<nil>)`,
//!   a formatting slip of `cid`), errors reported by x509-parser (see the first point), and a
//!   malformed attribute extension, whose detail is serde_json's (Go's `encoding/json`
//!   texts changed with 1.27). Go's protobuf errors start with "proto:" and a space that
//!   is, at random per binary, a non-breaking one; it is always a plain space here.
//!   Reason: the outcome (an error) is the same, and these texts of Go are accidental
//!   (`%!w(<nil>)`), deliberately unstable (the `proto:` space) or come from a parser this
//!   module does not use.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

mod der;
mod name;
mod wire;

use name::GoName;
use wire::WireError;

/// The `x509-parser` crate, re-exported so that the type returned by
/// [`ClientIdentity::x509_certificate`] can be named without adding the dependency.
pub use x509_parser;

/// The object identifier of the Fabric CA attribute extension (`attrmgr.AttrOIDString`).
pub const ATTRIBUTE_EXTENSION_OID: &str = "1.2.3.4.5.6.7.8.1";

/// DER content bytes of [`ATTRIBUTE_EXTENSION_OID`].
const ATTRIBUTE_EXTENSION_OID_DER: &[u8] = &[0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01];

/// Why a [`ClientIdentity`] could not be built, or why a check on it failed.
///
/// The messages follow the Go `cid` package where Go has a message for the same condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The creator bytes are empty: the transaction carried no signed proposal.
    #[error("failed to get transaction invoker's identity: the creator is empty")]
    MissingCreator,
    /// The creator is not a valid marshaled `msp.SerializedIdentity`; the text is Go's
    /// `proto.Unmarshal` error.
    #[error("failed to unmarshal transaction invoker's identity: {0}")]
    InvalidCreator(String),
    /// The identity bytes hold no PEM block and are not a valid idemix identity either.
    #[error("identity bytes are neither X509 PEM format nor an idemix credential: {0}")]
    NotX509NorIdemix(String),
    /// The first PEM block of the identity bytes is not a certificate Go would accept.
    #[error("failed to parse certificate: {0}")]
    InvalidCertificate(String),
    /// The certificate's attribute extension (`1.2.3.4.5.6.7.8.1`) is not valid JSON of the
    /// form `{"attrs":{"name":"value",...}}`.
    #[error("failed to get attributes from the transaction invoker's certificate: {0}")]
    InvalidAttributes(String),
    /// The identity is not an X.509 identity, so it has no ID (Go's `GetID` error).
    #[error("cannot determine identity")]
    CannotDetermineIdentity,
    /// [`ClientIdentity::assert_attribute_value`]: the attribute is absent.
    #[error("attribute '{name}' was not found")]
    AttributeNotFound {
        /// The attribute asked for.
        name: String,
    },
    /// [`ClientIdentity::assert_attribute_value`]: the attribute has another value.
    #[error("attribute '{name}' equals '{actual}', not '{expected}'")]
    AttributeMismatch {
        /// The attribute asked for.
        name: String,
        /// The value the identity has.
        actual: String,
        /// The value the caller required.
        expected: String,
    },
}

/// The identity that submitted a transaction (Go `cid.ClientIdentity`).
///
/// Build it from the stub's creator bytes with [`ClientIdentity::from_creator`], or from an
/// MSP ID and identity bytes with [`ClientIdentity::from_parts`].
///
/// # Example
///
/// ```
/// use fabric_contract_api::identity::ClientIdentity;
/// use fabric_chaincode_shim::proto::msp::SerializedIdentity;
/// use prost::Message;
/// use rcgen::{CertificateParams, DnType, KeyPair};
///
/// // A self-signed certificate stands in for a real enrolment certificate.
/// let mut params = CertificateParams::default();
/// params.distinguished_name.push(DnType::CommonName, "User1@org1.example.com");
/// params.distinguished_name.push(DnType::OrganizationalUnitName, "client");
/// let cert = params.self_signed(&KeyPair::generate()?)?;
///
/// // What `stub.creator()` returns: a marshaled msp.SerializedIdentity.
/// let creator = SerializedIdentity {
///     mspid: "Org1MSP".into(),
///     id_bytes: cert.pem().into_bytes().into(),
/// }
/// .encode_to_vec();
///
/// let identity = ClientIdentity::from_creator(&creator)?;
/// assert_eq!(identity.msp_id(), "Org1MSP");
/// assert_eq!(identity.subject_dn(), Some("CN=User1@org1.example.com,OU=client"));
/// // Go's cid.GetID: base64 of "x509::<subject DN>::<issuer DN>".
/// use base64::Engine;
/// let id = base64::engine::general_purpose::STANDARD.decode(identity.id()?)?;
/// assert_eq!(
///     String::from_utf8(id)?,
///     "x509::CN=User1@org1.example.com,OU=client::CN=User1@org1.example.com,OU=client"
/// );
/// assert!(identity.has_ou_value("client")?);
/// assert_eq!(identity.attribute_value("hf.EnrollmentID"), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    msp_id: String,
    id_bytes: Vec<u8>,
    kind: Kind,
    attributes: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    X509 {
        /// DER of the first PEM block; known to parse.
        der: Vec<u8>,
        subject_dn: String,
        issuer_dn: String,
        subject_ous: Vec<String>,
    },
    Idemix,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ClientIdentity");
        s.field("msp_id", &self.msp_id);
        match &self.kind {
            Kind::X509 {
                subject_dn,
                issuer_dn,
                ..
            } => {
                s.field("subject", subject_dn).field("issuer", issuer_dn);
            }
            Kind::Idemix => {
                s.field("idemix", &true);
            }
        }
        s.field("attributes", &self.attributes).finish()
    }
}

impl ClientIdentity {
    /// Builds the identity from the creator of a proposal: a marshaled
    /// `msp.SerializedIdentity` (what the stub's `creator()` returns).
    ///
    /// # Errors
    ///
    /// [`IdentityError::MissingCreator`] for empty bytes, [`IdentityError::InvalidCreator`]
    /// if they are not a `SerializedIdentity`, and any error of [`ClientIdentity::from_parts`].
    ///
    /// The creator is decoded the way Go's `proto.Unmarshal` decodes it: a field of the
    /// wrong wire type (e.g. `mspid` sent as a varint) is skipped as an unknown field, so it
    /// reads as absent — an empty MSP ID, or empty identity bytes, which make an idemix
    /// identity (see [`ClientIdentity::from_parts`]).
    pub fn from_creator(creator: &[u8]) -> Result<Self, IdentityError> {
        if creator.is_empty() {
            return Err(IdentityError::MissingCreator);
        }
        let sid = wire::SerializedIdentity::decode(creator)
            .map_err(|e| IdentityError::InvalidCreator(e.to_string()))?;
        Self::from_parts(sid.mspid, sid.id_bytes)
    }

    /// Builds the identity from an MSP ID and the identity bytes of a
    /// `SerializedIdentity` (a PEM certificate, or a marshaled `SerializedIdemixIdentity`).
    ///
    /// Like Go, only the first PEM block is used (a chain "CA then leaf" identifies as the
    /// CA), and bytes without any PEM block are read as an idemix identity. Empty identity
    /// bytes are therefore, as in Go, an idemix identity whose every field is empty: `ou`
    /// is empty and `role` is `member` (role code 0). No MSP validates such a creator, so a
    /// peer never passes one to chaincode.
    ///
    /// # Errors
    ///
    /// * [`IdentityError::InvalidCertificate`] if the first PEM block is not a certificate
    ///   Go's `x509.ParseCertificate` accepts (see "Differences from Go" in the
    ///   [module documentation](self) for the checks that are not Go's);
    /// * [`IdentityError::InvalidAttributes`] for a malformed attribute extension (Go fails
    ///   `cid.New` the same way);
    /// * [`IdentityError::NotX509NorIdemix`] for bytes that are neither PEM nor idemix.
    pub fn from_parts(msp_id: &str, id_bytes: &[u8]) -> Result<Self, IdentityError> {
        let (kind, attributes) = match first_pem_block(id_bytes) {
            Some(der) => parse_x509(der)?,
            None => (Kind::Idemix, idemix_attributes(id_bytes)?),
        };
        Ok(Self {
            msp_id: msp_id.to_owned(),
            id_bytes: id_bytes.to_vec(),
            kind,
            attributes,
        })
    }

    /// The ID of the MSP the identity belongs to (Go `GetMSPID`).
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The raw identity bytes: the PEM certificate (chain) or the marshaled idemix identity
    /// (Node's `getIDBytes`).
    pub fn id_bytes(&self) -> &[u8] {
        &self.id_bytes
    }

    /// Whether the identity is an X.509 certificate (`false` for idemix).
    pub fn is_x509(&self) -> bool {
        matches!(self.kind, Kind::X509 { .. })
    }

    /// The unique ID of the identity within its MSP, exactly as Go's `cid.GetID` returns it:
    /// standard base64 (with padding) of `"x509::" + DN(subject) + "::" + DN(issuer)`.
    ///
    /// The DN is written from the parsed name the way Go's `pkix.Name` does, not in the
    /// certificate's order: `SERIALNUMBER, CN, OU, O, POSTALCODE, STREET, L, ST, C`; several
    /// values of one type share one element joined with `+` (`OU=a+OU=b`); only the last
    /// `CN` and `SERIALNUMBER` count and an empty one is left out; every other attribute
    /// type (emailAddress, UID, DC, ...) is dropped; `, + " \ < > ;` are escaped with a
    /// backslash, a space only as first or last character, `#` only as first character;
    /// non-ASCII characters are kept as UTF-8. See [`ClientIdentity::subject_dn`].
    ///
    /// The ID stays the same when the certificate is renewed with the same names.
    ///
    /// # Errors
    ///
    /// [`IdentityError::CannotDetermineIdentity`] for an idemix identity.
    pub fn id(&self) -> Result<String, IdentityError> {
        match &self.kind {
            Kind::X509 {
                subject_dn,
                issuer_dn,
                ..
            } => Ok(STANDARD.encode(format!("x509::{subject_dn}::{issuer_dn}"))),
            Kind::Idemix => Err(IdentityError::CannotDetermineIdentity),
        }
    }

    /// The certificate subject as Go's `cid` writes it inside [`ClientIdentity::id`]
    /// (e.g. `CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US`);
    /// `None` for idemix.
    pub fn subject_dn(&self) -> Option<&str> {
        match &self.kind {
            Kind::X509 { subject_dn, .. } => Some(subject_dn),
            Kind::Idemix => None,
        }
    }

    /// The certificate issuer, written like [`ClientIdentity::subject_dn`]; `None` for idemix.
    pub fn issuer_dn(&self) -> Option<&str> {
        match &self.kind {
            Kind::X509 { issuer_dn, .. } => Some(issuer_dn),
            Kind::Idemix => None,
        }
    }

    /// The DER bytes of the identity's X.509 certificate; `None` for idemix
    /// (Go `GetX509Certificate` returns nil then).
    pub fn x509_certificate_der(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::X509 { der, .. } => Some(der),
            Kind::Idemix => None,
        }
    }

    /// The identity's X.509 certificate, parsed with [`x509_parser`]; `None` for idemix.
    ///
    /// The certificate is parsed again on every call (it borrows from `self`); it is known to
    /// parse because it was validated when the identity was built.
    pub fn x509_certificate(&self) -> Option<X509Certificate<'_>> {
        let der = self.x509_certificate_der()?;
        X509Certificate::from_der(der).ok().map(|(_, cert)| cert)
    }

    /// The value of an attribute (Go `GetAttributeValue`), or `None` if the identity does
    /// not have it.
    ///
    /// X.509 identities carry the attributes Fabric CA put in the certificate extension
    /// `1.2.3.4.5.6.7.8.1` (`{"attrs":{"hf.EnrollmentID":"user1",...}}`); a certificate
    /// without the extension has none. Idemix identities have exactly `ou` (the
    /// organizational unit) and `role` (`member`, `admin`, `client` or `peer`; empty for any
    /// other role code, as in Go).
    pub fn attribute_value(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    /// All attributes of the identity, by name (see [`ClientIdentity::attribute_value`]).
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }

    /// Checks that an attribute has the given value (Go `AssertAttributeValue`).
    ///
    /// # Errors
    ///
    /// [`IdentityError::AttributeNotFound`] ("attribute 'x' was not found") or
    /// [`IdentityError::AttributeMismatch`] ("attribute 'x' equals 'a', not 'b'").
    pub fn assert_attribute_value(&self, name: &str, value: &str) -> Result<(), IdentityError> {
        match self.attribute_value(name) {
            None => Err(IdentityError::AttributeNotFound {
                name: name.to_owned(),
            }),
            Some(actual) if actual != value => Err(IdentityError::AttributeMismatch {
                name: name.to_owned(),
                actual: actual.to_owned(),
                expected: value.to_owned(),
            }),
            Some(_) => Ok(()),
        }
    }

    /// Whether the identity belongs to the organizational unit `ou` (Go `HasOUValue`).
    ///
    /// For X.509 the subject's `OU` values are compared exactly (case-sensitive); an `OU`
    /// whose value is not a string is not among them, as in Go. For idemix the `ou`
    /// attribute is compared — Go returns an error for idemix instead (see "Differences
    /// from Go" in the [module documentation](self)).
    ///
    /// # Errors
    ///
    /// None at present; the `Result` mirrors Go's signature so that later checks can be
    /// added without breaking callers.
    pub fn has_ou_value(&self, ou: &str) -> Result<bool, IdentityError> {
        Ok(match &self.kind {
            Kind::X509 { subject_ous, .. } => subject_ous.iter().any(|v| v == ou),
            Kind::Idemix => self.attribute_value("ou") == Some(ou),
        })
    }
}

// ---------------------------------------------------------------------------------------
// X.509
// ---------------------------------------------------------------------------------------

fn parse_x509(der: Vec<u8>) -> Result<(Kind, BTreeMap<String, String>), IdentityError> {
    let invalid = IdentityError::InvalidCertificate;
    let (subject, issuer, attributes) = {
        let (rest, cert) = X509Certificate::from_der(&der).map_err(|e| invalid(e.to_string()))?;
        if !rest.is_empty() {
            return Err(invalid("x509: trailing data".to_owned()));
        }
        // In the order of Go's parseCertificate: issuer, subject, extensions.
        let issuer = GoName::parse(cert.issuer().as_raw()).map_err(invalid)?;
        let subject = GoName::parse(cert.subject().as_raw()).map_err(invalid)?;
        check_extension_oids(cert.extensions().iter().map(|ext| ext.oid.as_bytes()))
            .map_err(invalid)?;
        // Extensions are unique now; Go takes the first with the attribute OID.
        let attributes = match cert
            .extensions()
            .iter()
            .find(|ext| ext.oid.as_bytes() == ATTRIBUTE_EXTENSION_OID_DER)
        {
            Some(ext) => {
                parse_attributes_json(ext.value).map_err(IdentityError::InvalidAttributes)?
            }
            None => BTreeMap::new(),
        };
        (subject, issuer, attributes)
    };
    let kind = Kind::X509 {
        subject_dn: subject.to_dn(),
        issuer_dn: issuer.to_dn(),
        subject_ous: subject.organizational_unit,
        der,
    };
    Ok((kind, attributes))
}

/// The checks of Go's parseCertificate on the extension list: every extension OID must be
/// one Go can read, and no OID may occur twice.
fn check_extension_oids<'a>(oids: impl Iterator<Item = &'a [u8]>) -> Result<(), String> {
    let mut seen: Vec<&[u8]> = Vec::new();
    for oid in oids {
        let arcs =
            der::oid_arcs(oid).ok_or_else(|| "x509: malformed extension OID field".to_owned())?;
        // Go compares the dotted strings; for OIDs it can read, that is comparing the bytes.
        if seen.contains(&oid) {
            return Err(format!(
                "x509: certificate contains duplicate extension with OID \"{}\"",
                der::dotted(&arcs)
            ));
        }
        seen.push(oid);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// PEM (Go's encoding/pem.Decode, first block only)
// ---------------------------------------------------------------------------------------

const PEM_BEGIN: &[u8] = b"-----BEGIN ";
const PEM_END: &[u8] = b"-----END ";
const PEM_DASHES: &[u8] = b"-----";

/// The contents of the first well-formed PEM block of `data`, of any type; `None` if there is
/// none. A block that is not well formed (bad type line, no matching END line, bad base64) is
/// skipped and the search goes on, as in Go.
fn first_pem_block(data: &[u8]) -> Option<Vec<u8>> {
    let mut rest = data;
    loop {
        // A BEGIN line must start the input or follow a newline.
        if let Some(after) = rest.strip_prefix(PEM_BEGIN) {
            rest = after;
        } else {
            let at = find(rest, b"\n-----BEGIN ")?;
            rest = &rest[at + 1 + PEM_BEGIN.len()..];
        }

        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(block_type) = type_line.strip_suffix(PEM_DASHES) else {
            continue;
        };

        // Optional "Key: value" header lines.
        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }

        let (body_end, trailer_start) = if !has_headers && rest.starts_with(PEM_END) {
            (0, PEM_END.len())
        } else {
            match find(rest, b"\n-----END ") {
                Some(i) => (i, i + 1 + PEM_END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_start..];
        let trailer_len = block_type.len() + PEM_DASHES.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_type, rest_of_line) = trailer.split_at(trailer_len);
        if !end_type.starts_with(block_type) || !end_type.ends_with(PEM_DASHES) {
            continue;
        }
        if !get_line(rest_of_line).0.is_empty() {
            continue;
        }

        let base64_text: Vec<u8> = rest[..body_end]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        match GO_STD_BASE64.decode(base64_text) {
            Ok(bytes) => return Some(bytes),
            Err(_) => continue,
        }
    }
}

/// Go's `base64.StdEncoding` for decoding: padding required, non-zero trailing bits allowed.
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// One line without its line ending and trailing spaces/tabs, and the input after it.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    if let Some(stripped) = line.strip_suffix(b"\r") {
        line = stripped;
    }
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    (line, rest)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------

/// Reads the attribute extension the way Go's `json.Unmarshal` fills `attrmgr.Attributes`
/// (`{"attrs": map[string]string}`): the key `attrs` matches as `strings.EqualFold` does
/// (Unicode simple case folding, so `ATTRS` and `attrſ` match too), other keys
/// are ignored, a repeated `attrs` object adds to the map and `null` clears it, a `null`
/// value is the empty string, a top-level `null` means no attributes.
fn parse_attributes_json(value: &[u8]) -> Result<BTreeMap<String, String>, String> {
    // Go replaces invalid UTF-8 inside strings with U+FFFD instead of failing.
    let text = String::from_utf8_lossy(value);
    let parsed: CertAttributes = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(parsed.0)
}

/// Go's `strings.EqualFold(key, "attrs")`: each character must be in the simple case
/// folding orbit of its letter; only `s` has a third member, `ſ` (U+017F LONG S).
fn is_attrs_key(key: &str) -> bool {
    let mut chars = key.chars();
    let folds = |c: Option<char>, lower: char| {
        c.is_some_and(|c| c.to_ascii_lowercase() == lower || (lower == 's' && c == 'ſ'))
    };
    ['a', 't', 't', 'r', 's']
        .into_iter()
        .all(|lower| folds(chars.next(), lower))
        && chars.next().is_none()
}

struct CertAttributes(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for CertAttributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(CertAttributesVisitor)
    }
}

struct CertAttributesVisitor;

impl<'de> Visitor<'de> for CertAttributesVisitor {
    type Value = CertAttributes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"an object like {"attrs":{"name":"value"}}"#)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(CertAttributes(BTreeMap::new()))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(CertAttributes(BTreeMap::new()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut attrs = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            if is_attrs_key(&key) {
                match map.next_value::<Option<BTreeMap<String, Option<String>>>>()? {
                    Some(entries) => {
                        attrs.extend(entries.into_iter().map(|(k, v)| (k, v.unwrap_or_default())))
                    }
                    None => attrs.clear(),
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(CertAttributes(attrs))
    }
}

// ---------------------------------------------------------------------------------------
// Idemix
// ---------------------------------------------------------------------------------------

/// Go's `attrmgr.GetAttributesFromIdemix`: `ou` and `role` of a `SerializedIdemixIdentity`.
fn idemix_attributes(id_bytes: &[u8]) -> Result<BTreeMap<String, String>, IdentityError> {
    let fail = |what: &str, e: WireError| {
        IdentityError::NotX509NorIdemix(format!(
            "failed to get attributes from the transaction invoker's idemix credential: \
             failed to unmarshal transaction invoker's {what}: {e}"
        ))
    };
    let (ou, role) = wire::idemix_ou_and_role(id_bytes).map_err(|e| fail("idemix identity", e))?;
    let ou = wire::organizational_unit_identifier(ou).map_err(|e| fail("ou", e))?;
    let role = wire::msp_role(role).map_err(|e| fail("role", e))?;
    let role = match role {
        0 => "member",
        1 => "admin",
        2 => "client",
        3 => "peer",
        _ => "",
    };
    Ok(BTreeMap::from([
        ("ou".to_owned(), ou.to_owned()),
        ("role".to_owned(), role.to_owned()),
    ]))
}
