//! Key-level (state-based) endorsement policies.
//!
//! This is the Rust counterpart of Go's `github.com/hyperledger/fabric-chaincode-go/pkg/statebased`.
//! A [`KeyEndorsementPolicy`] is a set of organizations (MSP IDs), each with a role; its
//! bytes ([`KeyEndorsementPolicy::policy`]) are a marshaled `common.SignaturePolicyEnvelope`
//! that requires one signature of that role from **every** listed organization. Pass them to
//! the stub's `set_state_validation_parameter` / `set_private_data_validation_parameter`;
//! read the current ones back with `get_state_validation_parameter` and
//! [`KeyEndorsementPolicy::from_bytes`].
//!
//! The bytes are identical to Go's (and to Fabric's policy language `AND(...)`): an
//! N-out-of-N rule over all organizations, principals ordered bytewise by MSP ID.
//!
//! ```
//! use fabric_contract_api::endorsement::{KeyEndorsementPolicy, RoleType};
//!
//! let mut policy = KeyEndorsementPolicy::new();
//! policy.add_orgs(RoleType::Peer, &["Org2MSP", "Org1MSP"])?;
//! assert_eq!(policy.list_orgs(), ["Org1MSP", "Org2MSP"]);
//!
//! let bytes = policy.policy()?;
//! // ... stub.set_state_validation_parameter("asset1", &bytes) ...
//!
//! let mut read_back = KeyEndorsementPolicy::from_bytes(&bytes)?;
//! assert_eq!(read_back, policy);
//! read_back.del_orgs(&["Org2MSP"]);
//! assert_eq!(read_back.list_orgs(), ["Org1MSP"]);
//! assert_eq!(read_back.role("Org1MSP"), Some(RoleType::Peer));
//! # Ok::<(), fabric_contract_api::endorsement::EndorsementError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use fabric_chaincode_shim::proto::common::msp_principal::Classification;
use fabric_chaincode_shim::proto::common::msp_role::MspRoleType;
use fabric_chaincode_shim::proto::common::signature_policy::{NOutOf, Type};
use fabric_chaincode_shim::proto::common::{
    MspPrincipal, MspRole, SignaturePolicy, SignaturePolicyEnvelope,
};
use prost::Message;

/// Errors of [`KeyEndorsementPolicy`] and [`RoleType`] parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndorsementError {
    /// The bytes are not a marshaled `common.SignaturePolicyEnvelope`.
    #[error("Error unmarshaling to SignaturePolicy: {0}")]
    InvalidPolicy(prost::DecodeError),
    /// A principal of classification `ROLE` does not hold a marshaled `common.MSPRole`.
    #[error("error unmarshaling msp principal: {0}")]
    InvalidPrincipal(prost::DecodeError),
    /// The text is not the name of a [`RoleType`] (Go's `RoleTypeDoesNotExistError`).
    #[error("role type {0} does not exist")]
    RoleTypeDoesNotExist(String),
    /// [`KeyEndorsementPolicy::add_orgs`] was given an empty MSP ID. No identity belongs to
    /// such an organization, so the policy could never be satisfied again.
    #[error("an organization's MSP ID must not be empty")]
    EmptyMspId,
}

/// The role an organization's endorser must have (`common.MSPRole.MSPRoleType`).
///
/// Go's helper (`statebased.RoleType`) only offers `MEMBER` and `PEER` in `AddOrgs`; its
/// reader keeps whatever role existing policy bytes hold. This type also offers `ADMIN` and
/// `CLIENT`. Which role to use depends on the channel: with node OUs enabled, `PEER` is the
/// usual choice; without them, `MEMBER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleType {
    /// Any identity of the organization (`MEMBER`, role code 0).
    Member,
    /// An administrator of the organization (`ADMIN`, role code 1).
    Admin,
    /// A client of the organization (`CLIENT`, role code 2); needs node OUs.
    Client,
    /// A peer of the organization (`PEER`, role code 3); needs node OUs.
    Peer,
}

impl RoleType {
    /// The protobuf name: `"MEMBER"`, `"ADMIN"`, `"CLIENT"` or `"PEER"`.
    pub fn as_str(self) -> &'static str {
        self.msp_role_type().as_str_name()
    }

    /// The role's `common.MSPRole.MSPRoleType`.
    pub fn msp_role_type(self) -> MspRoleType {
        match self {
            RoleType::Member => MspRoleType::Member,
            RoleType::Admin => MspRoleType::Admin,
            RoleType::Client => MspRoleType::Client,
            RoleType::Peer => MspRoleType::Peer,
        }
    }

    /// The role for a protobuf role code, if it is one of the four above
    /// (`ORDERER` (4) and unknown codes give `None`).
    pub fn from_code(code: i32) -> Option<Self> {
        match MspRoleType::try_from(code).ok()? {
            MspRoleType::Member => Some(RoleType::Member),
            MspRoleType::Admin => Some(RoleType::Admin),
            MspRoleType::Client => Some(RoleType::Client),
            MspRoleType::Peer => Some(RoleType::Peer),
            MspRoleType::Orderer => None,
        }
    }
}

impl fmt::Display for RoleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RoleType {
    type Err = EndorsementError;

    /// Parses the exact (upper-case) protobuf name: `"MEMBER"`, `"ADMIN"`, `"CLIENT"` or
    /// `"PEER"`; anything else fails with Go's message "role type X does not exist".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "MEMBER" => Ok(RoleType::Member),
            "ADMIN" => Ok(RoleType::Admin),
            "CLIENT" => Ok(RoleType::Client),
            "PEER" => Ok(RoleType::Peer),
            other => Err(EndorsementError::RoleTypeDoesNotExist(other.to_owned())),
        }
    }
}

/// A key-level endorsement policy: every listed organization must endorse (Go
/// `statebased.KeyEndorsementPolicy`).
///
/// See the [module documentation](self) for an example.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyEndorsementPolicy {
    /// MSP ID → raw `MSPRoleType` code (kept raw so that roles read from bytes, including
    /// `ORDERER` or codes unknown to this version, are written back unchanged).
    orgs: BTreeMap<String, i32>,
}

impl KeyEndorsementPolicy {
    /// An empty policy (no organizations).
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads existing policy bytes (Go `NewStateEP`).
    ///
    /// Like Go, this never fails because of the policy's shape: the rule is ignored (an
    /// `OR`, an n-out-of-m or a nested rule is read as well), every principal of
    /// classification `ROLE` contributes its organization with its role (any role code,
    /// not only `MEMBER`/`PEER`; a later principal of the same organization wins), and other
    /// principals (OUs, identities, ...) are dropped. Writing the policy back therefore gives
    /// an AND of all organizations. Empty bytes give an empty policy.
    ///
    /// # Errors
    ///
    /// [`EndorsementError::InvalidPolicy`] if the bytes are not a `SignaturePolicyEnvelope`,
    /// [`EndorsementError::InvalidPrincipal`] if a `ROLE` principal is not an `MSPRole`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EndorsementError> {
        let envelope =
            SignaturePolicyEnvelope::decode(bytes).map_err(EndorsementError::InvalidPolicy)?;
        let mut orgs = BTreeMap::new();
        for principal in envelope.identities {
            if principal.principal_classification != Classification::Role as i32 {
                continue;
            }
            let role =
                MspRole::decode(principal.principal).map_err(EndorsementError::InvalidPrincipal)?;
            orgs.insert(role.msp_identifier, role.role);
        }
        Ok(Self { orgs })
    }

    /// Adds organizations (MSP IDs) that must endorse, all with the role `role`
    /// (Go `AddOrgs`). An organization already present gets the new role.
    ///
    /// # Errors
    ///
    /// [`EndorsementError::EmptyMspId`] if an MSP ID is empty (Go accepts it and produces
    /// a policy nobody can satisfy); nothing is added then.
    pub fn add_orgs(&mut self, role: RoleType, orgs: &[&str]) -> Result<(), EndorsementError> {
        if orgs.iter().any(|org| org.is_empty()) {
            return Err(EndorsementError::EmptyMspId);
        }
        let code = role.msp_role_type() as i32;
        for org in orgs {
            self.orgs.insert((*org).to_owned(), code);
        }
        Ok(())
    }

    /// Removes organizations (Go `DelOrgs`); absent ones are ignored.
    pub fn del_orgs(&mut self, orgs: &[&str]) {
        for org in orgs {
            self.orgs.remove(*org);
        }
    }

    /// The organizations that must endorse, **sorted** bytewise (Go's `ListOrgs` returns
    /// them in random map order).
    pub fn list_orgs(&self) -> Vec<String> {
        self.orgs.keys().cloned().collect()
    }

    /// The role required of `org`; `None` if the organization is not in the policy, or if
    /// the bytes it was read from gave it a role other than `MEMBER`, `ADMIN`, `CLIENT` or
    /// `PEER` (such a role is still written back by [`KeyEndorsementPolicy::policy`]).
    pub fn role(&self, org: &str) -> Option<RoleType> {
        self.orgs.get(org).copied().and_then(RoleType::from_code)
    }

    /// Whether no organization is listed. The bytes of an empty policy (`12021200`) are a
    /// 0-out-of-0 rule, which Fabric treats as satisfied by any endorsement.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }

    /// The policy as a `common.SignaturePolicyEnvelope` message.
    pub fn to_envelope(&self) -> SignaturePolicyEnvelope {
        let mut identities = Vec::with_capacity(self.orgs.len());
        let mut rules = Vec::with_capacity(self.orgs.len());
        for (index, (msp_id, role)) in self.orgs.iter().enumerate() {
            let principal = MspRole {
                msp_identifier: msp_id.clone(),
                role: *role,
            };
            identities.push(MspPrincipal {
                principal_classification: Classification::Role as i32,
                principal: principal.encode_to_vec().into(),
            });
            rules.push(SignaturePolicy {
                r#type: Some(Type::SignedBy(to_i32(index))),
            });
        }
        SignaturePolicyEnvelope {
            version: 0,
            rule: Some(SignaturePolicy {
                r#type: Some(Type::NOutOf(NOutOf {
                    n: to_i32(self.orgs.len()),
                    rules,
                })),
            }),
            identities,
        }
    }

    /// The marshaled policy, byte-for-byte what Go's `Policy()` returns.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_envelope().encode_to_vec()
    }

    /// The marshaled policy (Go `Policy()`); the same as [`KeyEndorsementPolicy::to_bytes`].
    ///
    /// # Errors
    ///
    /// None at present; the `Result` mirrors Go's signature.
    pub fn policy(&self) -> Result<Vec<u8>, EndorsementError> {
        Ok(self.to_bytes())
    }
}

/// Protobuf counts and indexes are `int32`; more than `i32::MAX` organizations cannot be
/// marshaled anyway (the message would exceed protobuf's 2 GiB limit).
fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
