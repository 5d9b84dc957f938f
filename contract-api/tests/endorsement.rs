//! Key-level endorsement policies: byte equality with Go's `statebased` package and Go's
//! lenient reader.

use fabric_chaincode_shim::proto::common::msp_principal::Classification;
use fabric_chaincode_shim::proto::common::signature_policy::{NOutOf, Type};
use fabric_chaincode_shim::proto::common::{
    MspPrincipal, MspRole, OrganizationUnit, SignaturePolicy, SignaturePolicyEnvelope,
};
use fabric_contract_api::endorsement::{EndorsementError, KeyEndorsementPolicy, RoleType};
use prost::Message;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn signed_by(index: i32) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(Type::SignedBy(index)),
    }
}

fn n_out_of(n: i32, rules: Vec<SignaturePolicy>) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(Type::NOutOf(NOutOf { n, rules })),
    }
}

fn role_principal(msp_id: &str, role: i32) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::Role as i32,
        principal: MspRole {
            msp_identifier: msp_id.into(),
            role,
        }
        .encode_to_vec()
        .into(),
    }
}

/// What Go's `policyFromMSPIDs` builds, written out independently: AND (n = number of
/// orgs) over SignedBy(i), principals in the given (already sorted) order.
fn go_envelope(orgs: &[(&str, i32)]) -> Vec<u8> {
    let n = orgs.len() as i32;
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(n, (0..n).map(signed_by).collect())),
        identities: orgs
            .iter()
            .map(|(id, role)| role_principal(id, *role))
            .collect(),
    }
    .encode_to_vec()
}

const MEMBER: i32 = 0;
const ADMIN: i32 = 1;
const CLIENT: i32 = 2;
const PEER: i32 = 3;
const ORDERER: i32 = 4;

#[test]
fn go_vector_single_member_org() {
    // Go v2.3.0: AddOrgs(RoleTypeMember, "Org1MSP"); Policy().
    let mut policy = KeyEndorsementPolicy::new();
    policy.add_orgs(RoleType::Member, &["Org1MSP"]).unwrap();
    let bytes = policy.policy().unwrap();
    assert_eq!(
        hex(&bytes),
        "120812060801120208001a0b12090a074f7267314d5350"
    );
    assert_eq!(bytes, policy.to_bytes());
    assert_eq!(bytes, go_envelope(&[("Org1MSP", MEMBER)]));
}

#[test]
fn go_vector_empty_policy() {
    // Go v2.3.0: Policy() of an empty policy: rule = NOutOf{} (n = 0 omitted), no identities.
    let policy = KeyEndorsementPolicy::new();
    assert!(policy.is_empty());
    assert!(policy.list_orgs().is_empty());
    assert_eq!(hex(&policy.policy().unwrap()), "12021200");
    assert_eq!(policy.to_bytes(), go_envelope(&[]));
}

#[test]
fn two_orgs_in_unsorted_order_give_sorted_principals() {
    let mut policy = KeyEndorsementPolicy::new();
    policy
        .add_orgs(RoleType::Member, &["Org2MSP", "Org1MSP"])
        .unwrap();
    assert_eq!(policy.list_orgs(), ["Org1MSP", "Org2MSP"]);

    let bytes = policy.to_bytes();
    assert_eq!(
        bytes,
        go_envelope(&[("Org1MSP", MEMBER), ("Org2MSP", MEMBER)])
    );
    // Worked out by hand:
    //   12 0c                      envelope.rule (12 bytes)
    //     12 0a                    SignaturePolicy.n_out_of (10 bytes)
    //       08 02                  n = 2
    //       12 02 08 00            rules[0] = SignedBy(0) (oneof: 0 is still written)
    //       12 02 08 01            rules[1] = SignedBy(1)
    //   1a 0b                      envelope.identities[0] (11 bytes)
    //     12 09                    MSPPrincipal.principal (classification ROLE = 0 omitted)
    //       0a 07 "Org1MSP"        MSPRole.msp_identifier (role MEMBER = 0 omitted)
    //   1a 0b 12 09 0a 07 "Org2MSP"
    // (version 0 is omitted)
    assert_eq!(
        hex(&bytes),
        concat!(
            "120c",
            "120a",
            "0802",
            "12020800",
            "12020801",
            "1a0b12090a074f7267314d5350",
            "1a0b12090a074f7267324d5350",
        )
    );
}

#[test]
fn three_peer_orgs_are_ordered_bytewise() {
    // Go's sort.Strings compares bytes: upper-case letters sort before lower-case ones.
    let mut policy = KeyEndorsementPolicy::new();
    policy
        .add_orgs(RoleType::Peer, &["alphaMSP", "Org2MSP", "ZetaMSP"])
        .unwrap();
    assert_eq!(policy.list_orgs(), ["Org2MSP", "ZetaMSP", "alphaMSP"]);
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org2MSP", PEER), ("ZetaMSP", PEER), ("alphaMSP", PEER)])
    );
    assert_eq!(policy.role("alphaMSP"), Some(RoleType::Peer));
}

#[test]
fn peer_role_bytes() {
    let mut policy = KeyEndorsementPolicy::new();
    policy.add_orgs(RoleType::Peer, &["Org1MSP"]).unwrap();
    // Same as the MEMBER vector except the MSPRole now carries "10 03" (role = PEER = 3),
    // which makes it 11 bytes, the principal 13 (0x0d) bytes:
    //   1208 1206 0801 1202 0800 | 1a0d 120b 0a07 "Org1MSP" 1003
    assert_eq!(
        hex(&policy.to_bytes()),
        "120812060801120208001a0d120b0a074f7267314d53501003"
    );
    assert_eq!(policy.to_bytes(), go_envelope(&[("Org1MSP", PEER)]));
}

#[test]
fn admin_and_client_roles_can_be_added() {
    let mut policy = KeyEndorsementPolicy::new();
    policy.add_orgs(RoleType::Admin, &["Org1MSP"]).unwrap();
    policy.add_orgs(RoleType::Client, &["Org2MSP"]).unwrap();
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org1MSP", ADMIN), ("Org2MSP", CLIENT)])
    );
    assert_eq!(policy.role("Org1MSP"), Some(RoleType::Admin));
    assert_eq!(policy.role("Org2MSP"), Some(RoleType::Client));
    assert_eq!(policy.role("Org3MSP"), None);
}

#[test]
fn adding_an_org_again_replaces_its_role() {
    let mut policy = KeyEndorsementPolicy::new();
    policy
        .add_orgs(RoleType::Member, &["Org1MSP", "Org2MSP"])
        .unwrap();
    policy.add_orgs(RoleType::Peer, &["Org2MSP"]).unwrap();
    assert_eq!(policy.list_orgs(), ["Org1MSP", "Org2MSP"]);
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org1MSP", MEMBER), ("Org2MSP", PEER)])
    );
}

#[test]
fn add_then_delete() {
    let mut policy = KeyEndorsementPolicy::new();
    policy
        .add_orgs(RoleType::Peer, &["Org3MSP", "Org1MSP", "Org2MSP"])
        .unwrap();
    policy.del_orgs(&["Org2MSP", "NotThereMSP"]);
    assert_eq!(policy.list_orgs(), ["Org1MSP", "Org3MSP"]);
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org1MSP", PEER), ("Org3MSP", PEER)])
    );

    policy.del_orgs(&["Org1MSP", "Org3MSP"]);
    assert!(policy.is_empty());
    assert_eq!(hex(&policy.to_bytes()), "12021200");
    assert_eq!(policy, KeyEndorsementPolicy::new());
}

#[test]
fn empty_msp_id_is_rejected_without_adding_anything() {
    let mut policy = KeyEndorsementPolicy::new();
    let err = policy
        .add_orgs(RoleType::Member, &["Org1MSP", ""])
        .unwrap_err();
    assert_eq!(err, EndorsementError::EmptyMspId);
    assert!(policy.is_empty());
}

#[test]
fn round_trip() {
    let mut mixed = KeyEndorsementPolicy::new();
    mixed.add_orgs(RoleType::Peer, &["Org2MSP"]).unwrap();
    mixed.add_orgs(RoleType::Member, &["Org1MSP"]).unwrap();
    mixed.add_orgs(RoleType::Admin, &["Org3MSP"]).unwrap();
    for policy in [KeyEndorsementPolicy::new(), mixed] {
        let bytes = policy.to_bytes();
        let read = KeyEndorsementPolicy::from_bytes(&bytes).unwrap();
        assert_eq!(read, policy);
        assert_eq!(read.to_bytes(), bytes);
    }
}

#[test]
fn empty_bytes_are_an_empty_policy() {
    let policy = KeyEndorsementPolicy::from_bytes(&[]).unwrap();
    assert!(policy.is_empty());
    assert_eq!(hex(&policy.to_bytes()), "12021200");
}

#[test]
fn an_or_policy_is_read_and_written_back_as_and() {
    // OR('Org1MSP.member', 'Org2MSP.admin') as Fabric's policy compiler writes it:
    // 1-out-of-2. Go's reader ignores the rule and keeps every role principal.
    let or_policy = SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(1, vec![signed_by(0), signed_by(1)])),
        identities: vec![
            role_principal("Org1MSP", MEMBER),
            role_principal("Org2MSP", ADMIN),
        ],
    }
    .encode_to_vec();
    let policy = KeyEndorsementPolicy::from_bytes(&or_policy).unwrap();
    assert_eq!(policy.list_orgs(), ["Org1MSP", "Org2MSP"]);
    assert_eq!(policy.role("Org2MSP"), Some(RoleType::Admin));
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org1MSP", MEMBER), ("Org2MSP", ADMIN)])
    );
}

#[test]
fn nested_out_of_other_principals_and_unknown_roles() {
    // OutOf(2, 'Org3MSP.peer', AND('Org1MSP.orderer', 'OrgX.role9'), <an OU principal>,
    // <an identity principal>), with principals in unsorted order and a duplicate of Org3MSP.
    let envelope = SignaturePolicyEnvelope {
        version: 1,
        rule: Some(n_out_of(
            2,
            vec![
                signed_by(0),
                n_out_of(2, vec![signed_by(1), signed_by(2)]),
                signed_by(3),
                signed_by(4),
            ],
        )),
        identities: vec![
            role_principal("Org3MSP", CLIENT),
            role_principal("Org1MSP", ORDERER),
            role_principal("OrgX", 9),
            MspPrincipal {
                principal_classification: Classification::OrganizationUnit as i32,
                principal: OrganizationUnit {
                    msp_identifier: "Org9MSP".into(),
                    organizational_unit_identifier: "dept".into(),
                    certifiers_identifier: Default::default(),
                }
                .encode_to_vec()
                .into(),
            },
            MspPrincipal {
                principal_classification: Classification::Identity as i32,
                principal: b"-----BEGIN CERTIFICATE-----".to_vec().into(),
            },
            role_principal("Org3MSP", PEER),
        ],
    }
    .encode_to_vec();

    let policy = KeyEndorsementPolicy::from_bytes(&envelope).unwrap();
    // Non-role principals are dropped; the last Org3MSP principal wins.
    assert_eq!(policy.list_orgs(), ["Org1MSP", "Org3MSP", "OrgX"]);
    assert_eq!(policy.role("Org3MSP"), Some(RoleType::Peer));
    // ORDERER and unknown codes have no RoleType but are kept and written back.
    assert_eq!(policy.role("Org1MSP"), None);
    assert_eq!(policy.role("OrgX"), None);
    assert_eq!(
        policy.to_bytes(),
        go_envelope(&[("Org1MSP", ORDERER), ("Org3MSP", PEER), ("OrgX", 9)])
    );
}

#[test]
fn garbage_bytes_are_an_error() {
    for garbage in [&b"\xff\xff\xff"[..], b"not a policy", b"\x12\x05\x12"] {
        let err = KeyEndorsementPolicy::from_bytes(garbage).unwrap_err();
        assert!(matches!(err, EndorsementError::InvalidPolicy(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("Error unmarshaling to SignaturePolicy: "),
            "{err}"
        );
    }

    // A ROLE principal that is not an MSPRole.
    let envelope = SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(1, vec![signed_by(0)])),
        identities: vec![MspPrincipal {
            principal_classification: Classification::Role as i32,
            principal: vec![0x0a, 0x09, b'O'].into(),
        }],
    }
    .encode_to_vec();
    let err = KeyEndorsementPolicy::from_bytes(&envelope).unwrap_err();
    assert!(
        matches!(err, EndorsementError::InvalidPrincipal(_)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("error unmarshaling msp principal: ")
    );
}

#[test]
fn role_type_names() {
    for (text, role) in [
        ("MEMBER", RoleType::Member),
        ("ADMIN", RoleType::Admin),
        ("CLIENT", RoleType::Client),
        ("PEER", RoleType::Peer),
    ] {
        assert_eq!(text.parse::<RoleType>().unwrap(), role);
        assert_eq!(role.to_string(), text);
        assert_eq!(role.as_str(), text);
    }
    for unknown in ["member", "ORDERER", ""] {
        let err = unknown.parse::<RoleType>().unwrap_err();
        assert_eq!(err, EndorsementError::RoleTypeDoesNotExist(unknown.into()));
        assert_eq!(
            err.to_string(),
            format!("role type {unknown} does not exist")
        );
    }
    assert_eq!(RoleType::from_code(3), Some(RoleType::Peer));
    assert_eq!(RoleType::from_code(4), None);
    assert_eq!(RoleType::from_code(-1), None);
}
