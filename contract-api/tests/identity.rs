//! Client identity: Go `cid` compatible IDs, attributes, idemix and malformed input.
//!
//! Certificates are generated here with rcgen (a CA and leaves signed by it). Expected DN
//! strings were worked out by hand from Go's rules (crypto/x509 `parseName` →
//! `pkix.Name.FillFromRDNSequence` → `Name.ToRDNSequence` → cid's `getDN`, which walks the
//! sequence backwards); each test explains the rule it checks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fabric_chaincode_shim::proto::common::{MspRole, OrganizationUnit};
use fabric_chaincode_shim::proto::msp::{SerializedIdemixIdentity, SerializedIdentity};
use fabric_contract_api::identity::{ClientIdentity, IdentityError};
use prost::Message;
use rcgen::string::{BmpString, Ia5String, PrintableString, TeletexString, UniversalString};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CustomExtension, DistinguishedName, DnType,
    DnValue, IsCa, Issuer, KeyPair,
};

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

const ORG1_CA_DN: &str =
    "CN=ca.org1.example.com,O=org1.example.com,L=San Francisco,ST=California,C=US";

fn name(entries: Vec<(DnType, DnValue)>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in entries {
        dn.push(ty, value);
    }
    dn
}

fn utf8(s: &str) -> DnValue {
    DnValue::Utf8String(s.to_owned())
}

/// A second attribute of an already used type: rcgen keys its names by `DnType`, and a
/// custom type with the standard OID is a different key that encodes the same OID.
fn custom(oid: &[u64]) -> DnType {
    DnType::CustomDnType(oid.to_vec())
}

/// A CA like cryptogen's `ca.org1.example.com` (subject in cryptogen's order C, ST, L, O, CN).
fn org1_ca() -> (Issuer<'static, KeyPair>, Certificate) {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(vec![
        (DnType::CountryName, utf8("US")),
        (DnType::StateOrProvinceName, utf8("California")),
        (DnType::LocalityName, utf8("San Francisco")),
        (DnType::OrganizationName, utf8("org1.example.com")),
        (DnType::CommonName, utf8("ca.org1.example.com")),
    ]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (Issuer::new(params, key), cert)
}

fn leaf(
    subject: DistinguishedName,
    extensions: Vec<CustomExtension>,
    ca: &Issuer<'_, KeyPair>,
) -> Certificate {
    let mut params = CertificateParams::default();
    params.distinguished_name = subject;
    params.custom_extensions = extensions;
    let key = KeyPair::generate().unwrap();
    params.signed_by(&key, ca).unwrap()
}

/// A leaf signed by the org1 CA.
fn org1_leaf(subject: DistinguishedName, extensions: Vec<CustomExtension>) -> Certificate {
    let (ca, _) = org1_ca();
    leaf(subject, extensions, &ca)
}

/// cryptogen's `User1@org1.example.com` (subject order C, ST, L, OU, CN).
fn user1_subject() -> DistinguishedName {
    name(vec![
        (DnType::CountryName, utf8("US")),
        (DnType::StateOrProvinceName, utf8("California")),
        (DnType::LocalityName, utf8("San Francisco")),
        (DnType::OrganizationalUnitName, utf8("client")),
        (DnType::CommonName, utf8("User1@org1.example.com")),
    ])
}

fn attribute_extension(json: &str) -> CustomExtension {
    CustomExtension::from_oid_content(&[1, 2, 3, 4, 5, 6, 7, 8, 1], json.as_bytes().to_vec())
}

/// What `stub.creator()` returns.
fn creator(mspid: &str, id_bytes: &[u8]) -> Vec<u8> {
    SerializedIdentity {
        mspid: mspid.to_owned(),
        id_bytes: id_bytes.to_vec().into(),
    }
    .encode_to_vec()
}

fn identity_of(cert: &Certificate) -> ClientIdentity {
    ClientIdentity::from_creator(&creator("Org1MSP", cert.pem().as_bytes())).unwrap()
}

fn go_id(subject: &str, issuer: &str) -> String {
    STANDARD.encode(format!("x509::{subject}::{issuer}"))
}

/// The DER of `cert` with the only occurrence of `from` replaced by `to` (same length).
/// The signature no longer matches, which does not matter: cid never verifies it.
fn patched_pem(cert: &Certificate, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut der = cert.der().to_vec();
    let hits: Vec<usize> = der
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "pattern must occur exactly once");
    der[hits[0]..hits[0] + to.len()].copy_from_slice(to);
    pem_of(&der)
}

fn pem_of(der: &[u8]) -> Vec<u8> {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem.into_bytes()
}

// ---------------------------------------------------------------------------------------
// X.509 identities
// ---------------------------------------------------------------------------------------

#[test]
fn cryptogen_user_id_is_exactly_gos() {
    let (ca, ca_cert) = org1_ca();
    let cert = leaf(user1_subject(), vec![], &ca);
    let pem = cert.pem();
    let identity = ClientIdentity::from_creator(&creator("Org1MSP", pem.as_bytes())).unwrap();

    // The string Go cid v2.3.0 produced for a real cryptogen user (fabric-facts §3.5): the
    // fixed order CN, OU, ..., L, ST, C — not the certificate's C, ST, L, OU, CN.
    let subject = "CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US";
    assert_eq!(identity.subject_dn(), Some(subject));
    assert_eq!(identity.issuer_dn(), Some(ORG1_CA_DN));
    assert_eq!(
        identity.id().unwrap(),
        STANDARD.encode(
            "x509::CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US\
             ::CN=ca.org1.example.com,O=org1.example.com,L=San Francisco,ST=California,C=US"
        )
    );

    assert_eq!(identity.msp_id(), "Org1MSP");
    assert!(identity.is_x509());
    assert_eq!(identity.id_bytes(), pem.as_bytes());
    assert_eq!(identity.x509_certificate_der(), Some(cert.der().as_ref()));
    let parsed = identity.x509_certificate().unwrap();
    assert_eq!(
        parsed
            .subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "User1@org1.example.com"
    );
    assert_eq!(
        parsed
            .issuer()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "ca.org1.example.com"
    );

    // The CA certificate identifies as itself (self-issued).
    let ca_identity = identity_of(&ca_cert);
    assert_eq!(ca_identity.id().unwrap(), go_id(ORG1_CA_DN, ORG1_CA_DN));
}

#[test]
fn has_ou_value_checks_the_subject_ous() {
    let identity = identity_of(&org1_leaf(user1_subject(), vec![]));
    assert!(identity.has_ou_value("client").unwrap());
    assert!(!identity.has_ou_value("Client").unwrap(), "case-sensitive");
    assert!(!identity.has_ou_value("peer").unwrap());
    // The issuer's O is not an OU of the subject.
    assert!(!identity.has_ou_value("org1.example.com").unwrap());
}

#[test]
fn id_is_stable_for_a_renewed_certificate() {
    let (ca, _) = org1_ca();
    let first = identity_of(&leaf(user1_subject(), vec![], &ca));
    let renewed = identity_of(&leaf(user1_subject(), vec![], &ca));
    assert_ne!(first.x509_certificate_der(), renewed.x509_certificate_der());
    assert_eq!(first.id().unwrap(), renewed.id().unwrap());
}

#[test]
fn several_values_of_one_type_share_one_rdn() {
    // Go flattens all RDNs into pkix.Name and writes every OU into one multi-valued RDN,
    // in certificate order, joined with '+'. Same for O, L, ST, C, STREET, POSTALCODE.
    let subject = name(vec![
        (DnType::CountryName, utf8("US")),
        (DnType::OrganizationalUnitName, utf8("org1")),
        (DnType::CommonName, utf8("peer0")),
        (custom(&[2, 5, 4, 11]), utf8("client")),
        (DnType::OrganizationName, utf8("Org A")),
        (custom(&[2, 5, 4, 10]), utf8("Org B")),
        (custom(&[2, 5, 4, 6]), utf8("GB")),
    ]);
    let identity = identity_of(&org1_leaf(subject, vec![]));
    assert_eq!(
        identity.subject_dn(),
        Some("CN=peer0,OU=org1+OU=client,O=Org A+O=Org B,C=US+C=GB")
    );
    assert!(identity.has_ou_value("org1").unwrap());
    assert!(identity.has_ou_value("client").unwrap());
}

#[test]
fn special_characters_are_escaped_like_go() {
    // getDN escapes , + " \ < > ; anywhere; a space only as first or last character; '#'
    // only as first character; nothing else ('=', tabs, non-ASCII stay as they are).
    let subject = name(vec![
        (DnType::CommonName, utf8(r#"a,b+c"d\e<f>g;h"#)),
        (DnType::OrganizationalUnitName, utf8("#hash # inside")),
        (DnType::OrganizationName, utf8(" padded org ")),
        (DnType::LocalityName, utf8("Zürich = ok\t")),
        (DnType::StateOrProvinceName, utf8("Müller, Jörg 日本")),
        (DnType::CountryName, utf8(" ")),
    ]);
    let identity = identity_of(&org1_leaf(subject, vec![]));
    // Field by field (in Go's order CN, OU, O, L, ST, C):
    //   CN=a\,b\+c\"d\\e\<f\>g\;h   every special character escaped
    //   OU=\#hash # inside          only the leading '#'
    //   O=\ padded org\            leading and trailing space, not the inner one
    //   L=Zürich = ok<TAB>         '=', a tab and non-ASCII untouched
    //   ST=Müller\, Jörg 日本       ',' escaped, UTF-8 kept
    //   C=\                        a single space is both first and last: escaped once
    let expected = concat!(
        r#"CN=a\,b\+c\"d\\e\<f\>g\;h"#,
        r",OU=\#hash # inside",
        r",O=\ padded org\ ",
        ",L=Zürich = ok\t",
        r",ST=Müller\, Jörg 日本",
        r",C=\ "
    );
    assert_eq!(identity.subject_dn(), Some(expected));
    assert_eq!(identity.id().unwrap(), go_id(expected, ORG1_CA_DN));
}

#[test]
fn only_the_nine_go_fields_appear_in_fixed_order() {
    // Certificate order is scrambled; emailAddress, UID, DC and title are not fields of
    // pkix.Name, so Go drops them. SERIALNUMBER, STREET and POSTALCODE are fields and take
    // their places in SERIALNUMBER, CN, OU, O, POSTALCODE, STREET, L, ST, C.
    let subject = name(vec![
        (DnType::CountryName, utf8("US")),
        (
            custom(&[1, 2, 840, 113549, 1, 9, 1]),
            DnValue::Ia5String(Ia5String::try_from("user1@org1.example.com").unwrap()),
        ),
        (custom(&[2, 5, 4, 9]), utf8("1 Main St")),
        (custom(&[0, 9, 2342, 19200300, 100, 1, 1]), utf8("uid-42")),
        (DnType::OrganizationName, utf8("org1.example.com")),
        (custom(&[2, 5, 4, 5]), utf8("42")),
        (custom(&[0, 9, 2342, 19200300, 100, 1, 25]), utf8("example")),
        (DnType::CommonName, utf8("user1")),
        (custom(&[2, 5, 4, 17]), utf8("94105")),
        (custom(&[2, 5, 4, 12]), utf8("Engineer")),
        (DnType::LocalityName, utf8("San Francisco")),
        (DnType::StateOrProvinceName, utf8("California")),
        (DnType::OrganizationalUnitName, utf8("client")),
    ]);
    let identity = identity_of(&org1_leaf(subject, vec![]));
    assert_eq!(
        identity.subject_dn(),
        Some(
            "SERIALNUMBER=42,CN=user1,OU=client,O=org1.example.com,POSTALCODE=94105,\
             STREET=1 Main St,L=San Francisco,ST=California,C=US"
        )
    );
}

#[test]
fn last_common_name_wins_and_empty_values() {
    // pkix.Name keeps one CommonName: the last one parsed.
    let two_cns = name(vec![
        (DnType::CommonName, utf8("first")),
        (DnType::OrganizationalUnitName, utf8("client")),
        (custom(&[2, 5, 4, 3]), utf8("second")),
    ]);
    let identity = identity_of(&org1_leaf(two_cns, vec![]));
    assert_eq!(identity.subject_dn(), Some("CN=second,OU=client"));

    // An empty last CN makes CommonName "", which ToRDNSequence leaves out entirely; an
    // empty O is still a value of the Organization list and prints as "O=".
    let empty = name(vec![
        (DnType::CommonName, utf8("first")),
        (DnType::OrganizationName, utf8("")),
        (custom(&[2, 5, 4, 3]), utf8("")),
    ]);
    let identity = identity_of(&org1_leaf(empty, vec![]));
    assert_eq!(identity.subject_dn(), Some("O="));

    // A certificate with an empty subject has an empty DN.
    let identity = identity_of(&org1_leaf(DistinguishedName::new(), vec![]));
    assert_eq!(identity.subject_dn(), Some(""));
    assert_eq!(identity.id().unwrap(), go_id("", ORG1_CA_DN));
}

#[test]
fn other_string_types_are_decoded_like_go() {
    // BMPString is UTF-16BE, PrintableString and IA5String are ASCII; all end up as UTF-8.
    let subject = name(vec![
        (
            DnType::LocalityName,
            DnValue::BmpString(BmpString::try_from("Zürich").unwrap()),
        ),
        (
            DnType::CommonName,
            DnValue::PrintableString(PrintableString::try_from("Printable (1)").unwrap()),
        ),
        (
            DnType::OrganizationName,
            DnValue::Ia5String(Ia5String::try_from("ia5@org").unwrap()),
        ),
        (
            DnType::CountryName,
            DnValue::TeletexString(TeletexString::try_from("Caf~").unwrap()),
        ),
    ]);
    let cert = org1_leaf(subject, vec![]);
    assert_eq!(
        identity_of(&cert).subject_dn(),
        Some("CN=Printable (1),O=ia5@org,L=Zürich,C=Caf~")
    );

    // Go reads a T61String as Latin-1: the byte 0xE9 is 'é'. rcgen only writes ASCII
    // TeletexStrings, so the byte is patched into the DER.
    let pem = patched_pem(&cert, b"Caf~", b"Caf\xe9");
    let identity = ClientIdentity::from_parts("Org1MSP", &pem).unwrap();
    assert_eq!(
        identity.subject_dn(),
        Some("CN=Printable (1),O=ia5@org,L=Zürich,C=Café")
    );
}

#[test]
fn only_the_first_pem_block_is_used() {
    // A chain "CA then leaf" identifies as the CA, as in Go (pem.Decode returns the first
    // block only).
    let (ca, ca_cert) = org1_ca();
    let cert = leaf(user1_subject(), vec![], &ca);
    let chain = format!("{}{}", ca_cert.pem(), cert.pem());
    let identity = ClientIdentity::from_parts("Org1MSP", chain.as_bytes()).unwrap();
    assert_eq!(identity.subject_dn(), Some(ORG1_CA_DN));

    let chain = format!("{}{}", cert.pem(), ca_cert.pem());
    let identity = ClientIdentity::from_parts("Org1MSP", chain.as_bytes()).unwrap();
    assert_eq!(
        identity.subject_dn(),
        Some("CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US")
    );
}

#[test]
fn pem_with_preamble_and_crlf_is_read() {
    let cert = org1_leaf(user1_subject(), vec![]);
    let text = format!(
        "Bag Attributes\n    friendlyName: user1\n{}",
        cert.pem().replace('\n', "\r\n")
    );
    let identity = ClientIdentity::from_parts("Org1MSP", text.as_bytes()).unwrap();
    assert_eq!(identity.x509_certificate_der(), Some(cert.der().as_ref()));
}

// ---------------------------------------------------------------------------------------
// attributes
// ---------------------------------------------------------------------------------------

#[test]
fn fabric_ca_attributes_are_read_from_the_extension() {
    let json = r#"{"attrs":{"hf.Affiliation":"org1.department1","hf.EnrollmentID":"user1","hf.Type":"client","abac.init":"true"}}"#;
    let identity = identity_of(&org1_leaf(user1_subject(), vec![attribute_extension(json)]));

    assert_eq!(identity.attribute_value("hf.EnrollmentID"), Some("user1"));
    assert_eq!(identity.attribute_value("hf.Type"), Some("client"));
    assert_eq!(identity.attribute_value("abac.init"), Some("true"));
    assert_eq!(
        identity.attribute_value("hf.enrollmentid"),
        None,
        "names are exact"
    );
    assert_eq!(identity.attribute_value("missing"), None);
    assert_eq!(identity.attributes().len(), 4);

    identity
        .assert_attribute_value("abac.init", "true")
        .unwrap();
    let err = identity
        .assert_attribute_value("hf.Type", "admin")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "attribute 'hf.Type' equals 'client', not 'admin'"
    );
    assert_eq!(
        err,
        IdentityError::AttributeMismatch {
            name: "hf.Type".into(),
            actual: "client".into(),
            expected: "admin".into(),
        }
    );
    let err = identity
        .assert_attribute_value("role", "admin")
        .unwrap_err();
    assert_eq!(err.to_string(), "attribute 'role' was not found");

    // The attributes do not change the ID.
    assert_eq!(
        identity.id().unwrap(),
        go_id(
            "CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US",
            ORG1_CA_DN
        )
    );
}

#[test]
fn certificate_without_extension_has_no_attributes() {
    let identity = identity_of(&org1_leaf(user1_subject(), vec![]));
    assert!(identity.attributes().is_empty());
    assert_eq!(identity.attribute_value("hf.EnrollmentID"), None);
    assert_eq!(
        identity
            .assert_attribute_value("hf.EnrollmentID", "user1")
            .unwrap_err()
            .to_string(),
        "attribute 'hf.EnrollmentID' was not found"
    );
}

#[test]
fn attribute_json_follows_go_json_unmarshal() {
    let read = |json: &str| {
        identity_of(&org1_leaf(user1_subject(), vec![attribute_extension(json)]))
            .attributes()
            .clone()
    };
    // A top-level null, a null map and an object without "attrs" mean no attributes.
    assert!(read("null").is_empty());
    assert!(read(r#"{"attrs":null}"#).is_empty());
    assert!(read(r#"{"other":[1,2]}"#).is_empty());
    // The field name matches case-insensitively; unknown keys are ignored; a null value is
    // the empty string (Go's zero value).
    let attrs = read(r#"{"Attrs":{"a":"1","b":null},"x":{"y":true}}"#);
    assert_eq!(attrs.get("a").map(String::as_str), Some("1"));
    // Go's matching is strings.EqualFold, Unicode simple folding: U+017F (long s) folds
    // to 's'; a key of another length or with '_' does not match.
    assert_eq!(read(r#"{"ATTRſ":{"a":"1"}}"#).len(), 1);
    assert!(read(r#"{"attr":{"a":"1"}}"#).is_empty());
    assert!(read(r#"{"attrs_":{"a":"1"}}"#).is_empty());
    assert!(read(r#"{"a_ttrs":{"a":"1"}}"#).is_empty());
    assert_eq!(attrs.get("b").map(String::as_str), Some(""));
    // Duplicate keys: the last value wins.
    let attrs = read(r#"{"attrs":{"a":"1","a":"2"}}"#);
    assert_eq!(attrs.get("a").map(String::as_str), Some("2"));
}

#[test]
fn malformed_attribute_extension_is_an_error() {
    for json in [
        r#"{"attrs":{"count":1}}"#, // a number where Go wants a string
        r#"{"attrs":["a"]}"#,
        "[]",
        "not json",
        r#"{"attrs":{"a":"1"}} trailing"#,
        "",
    ] {
        let cert = org1_leaf(user1_subject(), vec![attribute_extension(json)]);
        let err =
            ClientIdentity::from_creator(&creator("Org1MSP", cert.pem().as_bytes())).unwrap_err();
        assert!(
            matches!(err, IdentityError::InvalidAttributes(_)),
            "{json:?}: {err:?}"
        );
        assert!(
            err.to_string().starts_with(
                "failed to get attributes from the transaction invoker's certificate: "
            ),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// idemix
// ---------------------------------------------------------------------------------------

fn idemix_id_bytes(ou: &str, role: i32) -> Vec<u8> {
    SerializedIdemixIdentity {
        nym_x: vec![1; 32].into(),
        nym_y: vec![2; 32].into(),
        ou: OrganizationUnit {
            msp_identifier: "idemixMSP".into(),
            organizational_unit_identifier: ou.into(),
            certifiers_identifier: vec![3; 32].into(),
        }
        .encode_to_vec()
        .into(),
        role: MspRole {
            msp_identifier: "idemixMSP".into(),
            role,
        }
        .encode_to_vec()
        .into(),
        proof: vec![4; 64].into(),
    }
    .encode_to_vec()
}

#[test]
fn idemix_identity_has_ou_and_role_but_no_id() {
    let identity = ClientIdentity::from_creator(&creator(
        "idemixMSP",
        &idemix_id_bytes("org1.department1", 1),
    ))
    .unwrap();
    assert_eq!(identity.msp_id(), "idemixMSP");
    assert!(!identity.is_x509());
    assert_eq!(identity.attribute_value("ou"), Some("org1.department1"));
    assert_eq!(identity.attribute_value("role"), Some("admin"));
    assert_eq!(identity.attributes().len(), 2);
    identity.assert_attribute_value("role", "admin").unwrap();
    assert_eq!(
        identity
            .assert_attribute_value("role", "member")
            .unwrap_err()
            .to_string(),
        "attribute 'role' equals 'admin', not 'member'"
    );

    let err = identity.id().unwrap_err();
    assert_eq!(err, IdentityError::CannotDetermineIdentity);
    assert_eq!(err.to_string(), "cannot determine identity");
    assert!(identity.x509_certificate().is_none());
    assert!(identity.x509_certificate_der().is_none());
    assert!(identity.subject_dn().is_none());
    assert!(identity.has_ou_value("org1.department1").unwrap());
    assert!(!identity.has_ou_value("org2").unwrap());
}

#[test]
fn idemix_role_names() {
    for (code, expected) in [
        (0, "member"),
        (1, "admin"),
        (2, "client"),
        (3, "peer"),
        (4, ""),
    ] {
        let identity =
            ClientIdentity::from_parts("idemixMSP", &idemix_id_bytes("ou1", code)).unwrap();
        // Go leaves the role empty for any code it does not name (ORDERER included).
        assert_eq!(
            identity.attribute_value("role"),
            Some(expected),
            "role {code}"
        );
    }
}

#[test]
fn idemix_creator_from_go_attrmgr_tests() {
    // The idemix creator used by fabric-chaincode-go's pkg/attrmgr tests (real idemix
    // output): MSP "idemixMSPID2", OU "org1.department1", role MEMBER.
    let creator = STANDARD
        .decode(concat!(
            "CgxpZGVtaXhNU1BJRDISgQgKIAZM+v2JgGPuCod5T3RGBdeSUGGAgpu1W1TMwOeEn1sJEiCBvWZYvM0Q7Vpz",
            "498M1KlsILTZ5jk6pGihIfWaeGV+0RpCCgxpZGVtaXhNU1BJRDISEG9yZzEuZGVwYXJ0bWVudDEaIIQ6XWpZ",
            "n5NGEMPdfoKXn262cOdbyiKjTLa+4nXEc0wyIg4KDGlkZW1peE1TUElEMirmBgpECiDUyAZaFx3+OBClul07",
            "XsuS1Kh6VKxAkp8CYWGylozr5BIgIxzFAuzglE95JvJYbzUo16mYsiLwLUA7KuDK0lgyYogSRAogILB8Pu98",
            "YqrMYURrsftwFtHzWQiZtdwQImcNuPhBA1QSIHrgGLSNFqGHXxC5nOqfDqySyfwYEKLaxWyuO0tMqy8xGkQK",
            "IEP2aKh/YLIKMc6vqz8kCIAtHON2iC/TFAcTKo0B8gMAEiDHnrLuVSWUZzRe1iwUh2rsK6UMTnlF7nFPXC/N",
            "E2EhNSIg9JqjO+vb3iU0YXdbLlh3vCU1b8hkGkFxd1r91B8ZyL0qIFs7ajZtYPU/gc4x8j/95ujxavBM2CY9",
            "+aWo0HHMq5AyMiDkDCZAYRico3+k5UMUyOb/dr2EkO/1Hay8jjZpUGazQzogcxIUhnyP/Jkfmce0KTClAwK4",
            "EWYjqSsPYJ9OMKI5R+hCIM7tzJGcK324QYiFCwGLCdIRcf4b0iX2q9+RSsCJmVuuSiC/p2ZvXGKN8HeCzJVb",
            "GB8qVE1G1/vx0zCNJ/vqMSdKsFIglOQPuVIHAF6kwVE7Fid5Me4bolxJml2h44aoWXR2slZSILyd0LbL0uwU",
            "ksqzZ10WqwVbuQ2D69E5e5ItB2CVIF99WiD94PNz3TBMERm7ZPouFYRtw/mhnlNh0T+j5w5R8+BXhGJECiAG",
            "TPr9iYBj7gqHeU90RgXXklBhgIKbtVtUzMDnhJ9bCRIggb1mWLzNEO1ac+PfDNSpbCC02eY5OqRooSH1mnhl",
            "ftFqIJc15atDPZQ+S4ARmu375M/8NuYAUXtwFCViRvzWOuf+cogBCiD+DDNQtMlsIChWD1d8KJE6zhxTmhK/",
            "hDzSJha2icCe+xIgTqZgV3OKwFTbWuHGN9gTuSTdeOKH0DWJ0mntNKN+aisaIHAgRufFQqOzdncNdRJOPlHv",
            "yyR1jWFYSOkJtIG+3Cf/IiAFVOO804jCkELupkkpfrKfi0y+gIIamLPgEoERSq0Em3pnMGUCMQCgFofNfUeO",
            "+uc8wNdqOpwt4dHn/8AggYMNwZD7gY2om71ZrCXDpmznw2eSmaHb2K8CMEk0d4Y29f2xBv2XLMsC0JrkiXjE",
            "o0YakZn66FACO02lEBku2/aGBKokDLRfofA1d4ABAYoBAA==",
        ))
        .unwrap();
    let identity = ClientIdentity::from_creator(&creator).unwrap();
    assert_eq!(identity.msp_id(), "idemixMSPID2");
    assert_eq!(identity.attribute_value("ou"), Some("org1.department1"));
    assert_eq!(identity.attribute_value("role"), Some("member"));
    assert_eq!(identity.attribute_value("id"), None);
    assert!(identity.id().is_err());
}

// ---------------------------------------------------------------------------------------
// malformed input: always an error, never a panic
// ---------------------------------------------------------------------------------------

#[test]
fn empty_creator_is_an_error() {
    assert_eq!(
        ClientIdentity::from_creator(&[]).unwrap_err(),
        IdentityError::MissingCreator
    );
}

#[test]
fn empty_identity_bytes_are_an_empty_idemix_identity_as_in_go() {
    // Go's cid: pem.Decode finds no block, so the bytes are read as a
    // SerializedIdemixIdentity; empty bytes decode as an empty one, whose empty `ou` and
    // `role` decode as an OrganizationUnit with an empty identifier and role 0 (MEMBER).
    // cid.New succeeds; GetID then fails.
    for identity in [
        ClientIdentity::from_creator(&creator("Org1MSP", b"")).unwrap(),
        ClientIdentity::from_parts("Org1MSP", b"").unwrap(),
    ] {
        assert_eq!(identity.msp_id(), "Org1MSP");
        assert!(!identity.is_x509());
        assert_eq!(identity.attribute_value("ou"), Some(""));
        assert_eq!(identity.attribute_value("role"), Some("member"));
        assert_eq!(
            identity.id().unwrap_err().to_string(),
            "cannot determine identity"
        );
    }
}

#[test]
fn garbage_creator_is_an_error() {
    for garbage in [
        &[0xff_u8, 0xff, 0xff][..],
        b"\x0a\x10short",
        b"\x12\xff\xff\xff\xff\x0f",
    ] {
        let err = ClientIdentity::from_creator(garbage).unwrap_err();
        assert!(matches!(err, IdentityError::InvalidCreator(_)), "{err:?}");
        // Go's text (its "proto:" prefix is followed by a space or, at random per binary,
        // a non-breaking space).
        assert_eq!(
            err.to_string(),
            "failed to unmarshal transaction invoker's identity: \
             proto: cannot parse invalid wire-format data"
        );
    }
    // A string field must be valid UTF-8.
    let err = ClientIdentity::from_creator(b"\x0a\x01\xff").unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to unmarshal transaction invoker's identity: \
         string field contains invalid UTF-8"
    );
}

#[test]
fn bytes_that_are_neither_pem_nor_idemix() {
    // 'n' (0x6e) is field 13 with the invalid wire type 6: not a protobuf message.
    let err = ClientIdentity::from_creator(&creator("Org1MSP", b"not a certificate")).unwrap_err();
    assert!(matches!(err, IdentityError::NotX509NorIdemix(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "identity bytes are neither X509 PEM format nor an idemix credential: \
         failed to get attributes from the transaction invoker's idemix credential: \
         failed to unmarshal transaction invoker's idemix identity: \
         proto: cannot parse invalid wire-format data"
    );

    // A valid SerializedIdemixIdentity whose `ou` is not an OrganizationUnit.
    let bad_ou = SerializedIdemixIdentity {
        ou: vec![0x0a, 0x05, b'x'].into(),
        ..Default::default()
    }
    .encode_to_vec();
    let err = ClientIdentity::from_parts("idemixMSP", &bad_ou).unwrap_err();
    assert!(
        matches!(err, IdentityError::NotX509NorIdemix(ref m) if m.contains("ou")),
        "{err:?}"
    );

    // ... or whose `role` is not an MSPRole.
    let bad_role = SerializedIdemixIdentity {
        role: vec![0x10].into(),
        ..Default::default()
    }
    .encode_to_vec();
    let err = ClientIdentity::from_parts("idemixMSP", &bad_role).unwrap_err();
    assert!(
        matches!(err, IdentityError::NotX509NorIdemix(ref m) if m.contains("role")),
        "{err:?}"
    );
}

#[test]
fn pem_with_invalid_der_is_an_error() {
    let err = ClientIdentity::from_parts("Org1MSP", &pem_of(&[0, 1, 2, 3, 4])).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("failed to parse certificate: "));

    // A truncated certificate.
    let cert = org1_leaf(user1_subject(), vec![]);
    let der = cert.der();
    let err = ClientIdentity::from_parts("Org1MSP", &pem_of(&der[..der.len() / 2])).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );

    // A certificate followed by trailing bytes inside the block (Go: "x509: trailing data").
    let mut with_trailer = der.to_vec();
    with_trailer.extend_from_slice(&[0, 0]);
    let err = ClientIdentity::from_parts("Org1MSP", &pem_of(&with_trailer)).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );

    // The first block is used whatever its type; a private key is no certificate.
    let key = KeyPair::generate().unwrap();
    let text = format!("{}{}", key.serialize_pem(), cert.pem());
    let err = ClientIdentity::from_parts("Org1MSP", text.as_bytes()).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn name_values_go_rejects_are_errors() {
    // '@' is not in the PrintableString alphabet: Go's parser rejects the certificate.
    let subject = name(vec![(
        DnType::CommonName,
        DnValue::PrintableString(PrintableString::try_from("user1.org1").unwrap()),
    )]);
    let cert = org1_leaf(subject, vec![]);
    let pem = patched_pem(&cert, b"user1.org1", b"user1@org1");
    let err = ClientIdentity::from_parts("Org1MSP", &pem).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid PrintableString"), "{err}");

    // A non-ASCII byte in an IA5String.
    let subject = name(vec![(
        DnType::CommonName,
        DnValue::Ia5String(Ia5String::try_from("user1-org1").unwrap()),
    )]);
    let cert = org1_leaf(subject, vec![]);
    let pem = patched_pem(&cert, b"user1-org1", b"user1\xfforg1");
    let err = ClientIdentity::from_parts("Org1MSP", &pem).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// edge cases where Go's outcome is matched exactly
// ---------------------------------------------------------------------------------------

#[test]
fn duplicate_extension_is_refused_like_go() {
    // Go's parseCertificate: "x509: certificate contains duplicate extension with OID %q".
    let json = r#"{"attrs":{"hf.EnrollmentID":"user1"}}"#;
    let cert = org1_leaf(
        user1_subject(),
        vec![attribute_extension(json), attribute_extension(json)],
    );
    let err = ClientIdentity::from_creator(&creator("Org1MSP", cert.pem().as_bytes())).unwrap_err();
    assert!(
        matches!(err, IdentityError::InvalidCertificate(_)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        r#"failed to parse certificate: x509: certificate contains duplicate extension with OID "1.2.3.4.5.6.7.8.1""#
    );

    // Any OID, not only the attribute one; the first repeated OID is named.
    let ext = |oid: &[u64]| CustomExtension::from_oid_content(oid, vec![0x05, 0x00]);
    let cert = org1_leaf(
        user1_subject(),
        vec![
            ext(&[1, 3, 6, 1, 4, 1, 99999, 1]),
            ext(&[1, 3, 6, 1, 4, 1, 99999, 2]),
            ext(&[1, 3, 6, 1, 4, 1, 99999, 2]),
            ext(&[1, 3, 6, 1, 4, 1, 99999, 1]),
        ],
    );
    let err = ClientIdentity::from_parts("Org1MSP", cert.pem().as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"failed to parse certificate: x509: certificate contains duplicate extension with OID "1.3.6.1.4.1.99999.2""#
    );

    // Distinct extensions are fine.
    let cert = org1_leaf(
        user1_subject(),
        vec![
            ext(&[1, 3, 6, 1, 4, 1, 99999, 1]),
            ext(&[1, 3, 6, 1, 4, 1, 99999, 2]),
        ],
    );
    ClientIdentity::from_parts("Org1MSP", cert.pem().as_bytes()).unwrap();
}

#[test]
fn extension_oid_go_cannot_read_is_refused() {
    // Go reads OID arcs below 2^31 only ("x509: malformed extension OID field").
    let cert = org1_leaf(
        user1_subject(),
        vec![CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 1 << 31],
            vec![0x05, 0x00],
        )],
    );
    let err = ClientIdentity::from_parts("Org1MSP", cert.pem().as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to parse certificate: x509: malformed extension OID field"
    );
    // 2^31 - 1 is read.
    let cert = org1_leaf(
        user1_subject(),
        vec![CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, (1 << 31) - 1],
            vec![0x05, 0x00],
        )],
    );
    ClientIdentity::from_parts("Org1MSP", cert.pem().as_bytes()).unwrap();
}

fn universal(s: &str) -> DnValue {
    DnValue::UniversalString(UniversalString::try_from(s).unwrap())
}

#[test]
fn universal_string_attribute_is_left_out_like_go() {
    // Go 1.27's parseName reads a value of a type it has no decoder for (UniversalString,
    // tag 28) as an asn1.RawValue; FillFromRDNSequence keeps only string values, so the
    // attribute is skipped: it neither appears nor replaces an earlier value of its type.
    let subject = name(vec![
        (DnType::CommonName, utf8("first")),
        (DnType::OrganizationalUnitName, universal("admin")),
        (custom(&[2, 5, 4, 11]), utf8("client")),
        (custom(&[2, 5, 4, 3]), universal("second")),
        (DnType::CountryName, universal("US")),
    ]);
    let identity = identity_of(&org1_leaf(subject, vec![]));
    assert_eq!(identity.subject_dn(), Some("CN=first,OU=client"));
    assert_eq!(
        identity.id().unwrap(),
        STANDARD.encode(
            "x509::CN=first,OU=client\
             ::CN=ca.org1.example.com,O=org1.example.com,L=San Francisco,ST=California,C=US"
        )
    );
    // HasOUValue reads the same parsed name.
    assert!(identity.has_ou_value("client").unwrap());
    assert!(!identity.has_ou_value("admin").unwrap());

    // The only CN a UniversalString: no CN at all.
    let subject = name(vec![
        (DnType::CommonName, universal("User1@org1.example.com")),
        (DnType::OrganizationalUnitName, utf8("client")),
    ]);
    let identity = identity_of(&org1_leaf(subject, vec![]));
    assert_eq!(identity.subject_dn(), Some("OU=client"));

    // In the issuer too.
    let mut params = CertificateParams::default();
    params.distinguished_name = name(vec![
        (DnType::CountryName, utf8("US")),
        (DnType::OrganizationName, universal("org1.example.com")),
        (DnType::CommonName, utf8("ca.org1.example.com")),
    ]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let ca_cert = params.self_signed(&key).unwrap();
    let ca = Issuer::new(params, key);
    let identity = identity_of(&leaf(user1_subject(), vec![], &ca));
    assert_eq!(identity.issuer_dn(), Some("CN=ca.org1.example.com,C=US"));
    assert_eq!(
        identity.id().unwrap(),
        STANDARD.encode(
            "x509::CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US\
             ::CN=ca.org1.example.com,C=US"
        )
    );
    let ca_identity = identity_of(&ca_cert);
    assert_eq!(
        ca_identity.subject_dn(),
        Some("CN=ca.org1.example.com,C=US")
    );
}

#[test]
fn other_non_string_name_values_follow_go() {
    // Go 1.27 also reads INTEGER, BIT STRING, OBJECT IDENTIFIER, times and BOOLEAN values,
    // leaves them out of the name when valid and refuses the certificate when not. The
    // values are patched over a PrintableString of the same length.
    let subject = name(vec![
        (DnType::CommonName, utf8("user1")),
        (
            DnType::OrganizationalUnitName,
            DnValue::PrintableString(PrintableString::try_from("abc").unwrap()),
        ),
    ]);
    let cert = org1_leaf(subject, vec![]);
    // INTEGER 65537: valid, left out.
    let pem = patched_pem(&cert, b"\x13\x03abc", b"\x02\x03\x01\x00\x01");
    let identity = ClientIdentity::from_parts("Org1MSP", &pem).unwrap();
    assert_eq!(identity.subject_dn(), Some("CN=user1"));
    // A non-minimal INTEGER: refused.
    let pem = patched_pem(&cert, b"\x13\x03abc", b"\x02\x03\x00\x00\x01");
    let err = ClientIdentity::from_parts("Org1MSP", &pem).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to parse certificate: \
         x509: invalid RDNSequence: invalid attribute value: invalid ASN.1 integer"
    );
    // BOOLEAN TRUE followed by a NULL inside the attribute's SEQUENCE: Go reads the value
    // and never looks at the bytes after it.
    let pem = patched_pem(&cert, b"\x13\x03abc", b"\x01\x01\xff\x05\x00");
    let identity = ClientIdentity::from_parts("Org1MSP", &pem).unwrap();
    assert_eq!(identity.subject_dn(), Some("CN=user1"));
    // A BOOLEAN other than 0x00 or 0xff: refused.
    let pem = patched_pem(&cert, b"\x13\x03abc", b"\x01\x01\x01\x05\x00");
    let err = ClientIdentity::from_parts("Org1MSP", &pem).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to parse certificate: \
         x509: invalid RDNSequence: invalid attribute value: invalid ASN.1 BOOLEAN"
    );
}

/// A creator encoded by hand: `(field number, wire type, payload)`; the payload of a
/// length-delimited field is written with its length.
fn raw_creator(fields: &[(u8, u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(number, wire_type, payload) in fields {
        out.push((number << 3) | wire_type);
        if wire_type == 2 {
            let mut len = payload.len();
            while len >= 0x80 {
                out.push((len as u8 & 0x7f) | 0x80);
                len >>= 7;
            }
            out.push(len as u8);
        }
        out.extend_from_slice(payload);
    }
    out
}

#[test]
fn creator_field_with_wrong_wire_type_is_skipped_like_go() {
    // Go's proto.Unmarshal reads a known field that arrives with another wire type as an
    // unknown field and skips it: the message reads as if the field were absent.
    let cert = org1_leaf(user1_subject(), vec![]);
    let pem = cert.pem();
    let user1_id = go_id(
        "CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US",
        ORG1_CA_DN,
    );

    // mspid (field 1) as a varint: an empty MSP ID, the certificate's identity.
    let bytes = raw_creator(&[(1, 0, &[0x05]), (2, 2, pem.as_bytes())]);
    let identity = ClientIdentity::from_creator(&bytes).unwrap();
    assert_eq!(identity.msp_id(), "");
    assert_eq!(identity.id().unwrap(), user1_id);

    // ... as fixed32 or as a group, after a proper mspid: the proper one stays.
    let bytes = raw_creator(&[
        (1, 2, b"Org1MSP"),
        (1, 5, &[1, 2, 3, 4]),
        (1, 3, &[0x08, 0x01, 0x0c]), // a group holding field 1 = 1, closed by tag 0x0c
        (2, 2, pem.as_bytes()),
    ]);
    let identity = ClientIdentity::from_creator(&bytes).unwrap();
    assert_eq!(identity.msp_id(), "Org1MSP");
    assert_eq!(identity.id().unwrap(), user1_id);

    // id_bytes (field 2) as a varint: no identity bytes, which Go reads as an empty idemix
    // identity (role "member", empty "ou"); GetID fails.
    let bytes = raw_creator(&[(1, 2, b"Org1MSP"), (2, 0, &[0x01])]);
    let identity = ClientIdentity::from_creator(&bytes).unwrap();
    assert_eq!(identity.msp_id(), "Org1MSP");
    assert!(!identity.is_x509());
    assert_eq!(identity.attribute_value("role"), Some("member"));
    assert_eq!(identity.attribute_value("ou"), Some(""));
    assert_eq!(
        identity.id().unwrap_err(),
        IdentityError::CannotDetermineIdentity
    );

    // The same rule inside an idemix identity: a role sent length-delimited is skipped,
    // leaving role 0 ("member").
    let id_bytes = SerializedIdemixIdentity {
        ou: OrganizationUnit {
            organizational_unit_identifier: "org1.department1".into(),
            ..Default::default()
        }
        .encode_to_vec()
        .into(),
        role: raw_creator(&[(1, 2, b"idemixMSP"), (2, 2, &[0x01])]).into(),
        ..Default::default()
    }
    .encode_to_vec();
    let identity = ClientIdentity::from_creator(&creator("idemixMSP", &id_bytes)).unwrap();
    assert_eq!(identity.attribute_value("role"), Some("member"));
    assert_eq!(identity.attribute_value("ou"), Some("org1.department1"));

    // A wire type that does not exist stays an error.
    let bytes = raw_creator(&[(1, 6, &[])]);
    assert_eq!(
        ClientIdentity::from_creator(&bytes)
            .unwrap_err()
            .to_string(),
        "failed to unmarshal transaction invoker's identity: \
         proto: cannot parse invalid wire-format data"
    );
}
