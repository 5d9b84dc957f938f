//! Transaction proposals: how the `SignedProposal` is laid out, the
//! transaction id, and [`Proposal`], a proposal ready to evaluate or endorse.
//!
//! ```text
//! SignedProposal{proposal_bytes, signature = sign(hash(proposal_bytes))}
//!  Proposal{header, payload}
//!   Header{channel_header, signature_header}
//!    ChannelHeader{type 3 ENDORSER_TRANSACTION, version 0, timestamp, channel_id, tx_id, epoch 0,
//!                  extension = ChaincodeHeaderExtension{chaincode_id{name}}}
//!    SignatureHeader{creator = SerializedIdentity, nonce = 24 random bytes}
//!   ChaincodeProposalPayload{input = ChaincodeInvocationSpec{ChaincodeSpec{type NODE,
//!                            chaincode_id{name}, input{args = [name, args...]}}}, TransientMap}
//! tx_id = lowercase hex(SHA-256(nonce ‖ creator))
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use fabric_protos::gateway::{EndorseRequest, EvaluateRequest, ProposedTransaction};
use fabric_protos::protos::{
    ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ChaincodeSpec, Proposal as ProposalProto, SignedProposal,
    chaincode_spec,
};
use prost::Message;

use crate::error::{EndorseError, Error};
use crate::gateway::{GatewayInner, Timeouts, request, with_deadline};
use crate::transaction::Transaction;

/// Length of the random nonce in each proposal, as in the official clients.
pub const NONCE_LENGTH: usize = 24;

/// The transaction id of a proposal: lowercase hex of SHA-256(nonce ‖ creator).
///
/// ```
/// let id = fabric_gateway_client::proposal::transaction_id(&[1; 24], b"creator");
/// assert_eq!(id.len(), 64);
/// assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
/// ```
#[must_use]
pub fn transaction_id(nonce: &[u8], creator: &[u8]) -> String {
    fabric_protos::transaction_id(nonce, creator)
}

/// Everything a proposal is made of.
pub(crate) struct ProposalParts<'a> {
    pub(crate) channel: &'a str,
    pub(crate) chaincode: &'a str,
    pub(crate) transaction_name: &'a str,
    pub(crate) arguments: &'a [Bytes],
    pub(crate) transient: &'a HashMap<String, Bytes>,
    pub(crate) creator: &'a Bytes,
    pub(crate) nonce: &'a [u8],
    pub(crate) timestamp: SystemTime,
}

/// The encoded `Proposal` and its transaction id.
pub(crate) fn build_proposal(parts: &ProposalParts<'_>) -> (String, Bytes) {
    let chaincode_id = ChaincodeId {
        name: parts.chaincode.to_owned(),
        ..ChaincodeId::default()
    };
    let transaction_id = transaction_id(parts.nonce, parts.creator);

    let channel_header = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        version: 0,
        timestamp: Some(prost_types::Timestamp::from(parts.timestamp)),
        channel_id: parts.channel.to_owned(),
        tx_id: transaction_id.clone(),
        epoch: 0,
        extension: ChaincodeHeaderExtension {
            chaincode_id: Some(chaincode_id.clone()),
        }
        .encode_to_vec()
        .into(),
        tls_cert_hash: Bytes::new(),
    };
    let signature_header = SignatureHeader {
        creator: parts.creator.clone(),
        nonce: Bytes::copy_from_slice(parts.nonce),
    };
    let header = Header {
        channel_header: channel_header.encode_to_vec().into(),
        signature_header: signature_header.encode_to_vec().into(),
    };

    let mut args = Vec::with_capacity(parts.arguments.len() + 1);
    args.push(Bytes::copy_from_slice(parts.transaction_name.as_bytes()));
    args.extend(parts.arguments.iter().cloned());
    let invocation = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            // What both official clients send, whatever the chaincode's language.
            r#type: chaincode_spec::Type::Node as i32,
            chaincode_id: Some(chaincode_id),
            input: Some(ChaincodeInput {
                args,
                ..ChaincodeInput::default()
            }),
            timeout: 0,
        }),
    };
    let payload = ChaincodeProposalPayload {
        input: invocation.encode_to_vec().into(),
        transient_map: parts.transient.clone(),
    };

    let proposal = ProposalProto {
        header: header.encode_to_vec().into(),
        payload: payload.encode_to_vec().into(),
        extension: Bytes::new(),
    };
    (transaction_id, proposal.encode_to_vec().into())
}

/// Fresh random bytes for a proposal nonce.
pub(crate) fn new_nonce() -> Result<[u8; NONCE_LENGTH], Error> {
    let mut nonce = [0; NONCE_LENGTH];
    getrandom::getrandom(&mut nonce).map_err(|e| Error::Random(e.to_string()))?;
    Ok(nonce)
}

/// The channel and transaction id written in an encoded proposal.
fn proposal_header(proposal_bytes: &[u8]) -> Result<ChannelHeader, String> {
    let proposal =
        ProposalProto::decode(proposal_bytes).map_err(|e| format!("not a Proposal: {e}"))?;
    let header =
        Header::decode(proposal.header).map_err(|e| format!("bad Proposal header: {e}"))?;
    ChannelHeader::decode(header.channel_header).map_err(|e| format!("bad ChannelHeader: {e}"))
}

/// A transaction proposal, built and ready to be signed, evaluated or
/// endorsed. Made by [`Contract::new_proposal`](crate::Contract::new_proposal)
/// (or [`Gateway::new_signed_proposal`](crate::Gateway::new_signed_proposal)
/// after offline signing); [`evaluate_transaction`](crate::Contract::evaluate_transaction)
/// and friends build one internally.
///
/// ```no_run
/// # async fn run(gateway: fabric_gateway_client::Gateway) -> Result<(), fabric_gateway_client::Error> {
/// let contract = gateway.network("mychannel").contract("basic");
/// let proposal = contract.new_proposal("TransferAsset").arguments(["asset1", "Tom"]).build()?;
/// println!("transaction {}", proposal.transaction_id());
/// let transaction = proposal.endorse().await?;
/// let submitted = transaction.submit().await?;
/// let status = submitted.status().await?;
/// assert!(status.successful);
/// # Ok(())
/// # }
/// ```
pub struct Proposal {
    gateway: Arc<GatewayInner>,
    channel: String,
    transaction_id: String,
    proposal_bytes: Bytes,
    signature: Option<Bytes>,
    endorsing_organizations: Vec<String>,
    timeouts: Timeouts,
}

impl fmt::Debug for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proposal")
            .field("channel", &self.channel)
            .field("transaction_id", &self.transaction_id)
            .field("signed", &self.signature.is_some())
            .field("endorsing_organizations", &self.endorsing_organizations)
            .finish_non_exhaustive()
    }
}

impl Proposal {
    pub(crate) fn new(
        gateway: Arc<GatewayInner>,
        channel: String,
        transaction_id: String,
        proposal_bytes: Bytes,
        endorsing_organizations: Vec<String>,
        timeouts: Timeouts,
    ) -> Self {
        Self {
            gateway,
            channel,
            transaction_id,
            proposal_bytes,
            signature: None,
            endorsing_organizations,
            timeouts,
        }
    }

    pub(crate) fn from_bytes(
        gateway: Arc<GatewayInner>,
        bytes: &[u8],
        signature: Option<Bytes>,
    ) -> Result<Self, Error> {
        let invalid = |m: String| Error::InvalidArgument(format!("proposal bytes: {m}"));
        let proposed = ProposedTransaction::decode(bytes)
            .map_err(|e| invalid(format!("not a ProposedTransaction: {e}")))?;
        let signed = proposed
            .proposal
            .ok_or_else(|| invalid("no proposal".into()))?;
        let channel_header = proposal_header(&signed.proposal_bytes).map_err(invalid)?;
        if channel_header.tx_id != proposed.transaction_id {
            return Err(invalid(format!(
                "transaction id {} differs from the proposal's {}",
                proposed.transaction_id, channel_header.tx_id
            )));
        }
        let timeouts = gateway.timeouts;
        Ok(Self {
            gateway,
            channel: channel_header.channel_id,
            transaction_id: proposed.transaction_id,
            proposal_bytes: signed.proposal_bytes,
            signature: signature
                .or_else(|| (!signed.signature.is_empty()).then_some(signed.signature)),
            endorsing_organizations: proposed.endorsing_organizations,
            timeouts,
        })
    }

    /// The transaction id.
    #[must_use]
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The channel the proposal is for.
    #[must_use]
    pub fn channel_name(&self) -> &str {
        &self.channel
    }

    /// The organizations asked to endorse (empty: the Gateway chooses).
    #[must_use]
    pub fn endorsing_organizations(&self) -> &[String] {
        &self.endorsing_organizations
    }

    /// The encoded `Proposal` that is signed.
    #[must_use]
    pub fn proposal_bytes(&self) -> &Bytes {
        &self.proposal_bytes
    }

    /// The proposal as a `gateway.ProposedTransaction`, to hand to an
    /// offline signer and back to
    /// [`Gateway::new_signed_proposal`](crate::Gateway::new_signed_proposal).
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        ProposedTransaction {
            transaction_id: self.transaction_id.clone(),
            proposal: Some(SignedProposal {
                proposal_bytes: self.proposal_bytes.clone(),
                signature: self.signature.clone().unwrap_or_default(),
            }),
            endorsing_organizations: self.endorsing_organizations.clone(),
        }
        .encode_to_vec()
    }

    /// What an offline signer signs: the gateway's hash of the proposal bytes.
    #[must_use]
    pub fn digest(&self) -> Vec<u8> {
        self.gateway.hash.digest(&self.proposal_bytes)
    }

    async fn signed_proposal(&self) -> Result<SignedProposal, Error> {
        let signature = match &self.signature {
            Some(signature) => signature.clone(),
            None => self.gateway.sign(&self.proposal_bytes).await?,
        };
        Ok(SignedProposal {
            proposal_bytes: self.proposal_bytes.clone(),
            signature,
        })
    }

    /// Runs the transaction on a peer without ordering it (a query), and
    /// returns the chaincode's result.
    ///
    /// # Errors
    /// [`Error::Evaluate`] with the gRPC code and details, or [`Error::Sign`].
    pub async fn evaluate(&self) -> Result<Bytes, Error> {
        let evaluate = EvaluateRequest {
            transaction_id: self.transaction_id.clone(),
            channel_id: self.channel.clone(),
            proposed_transaction: Some(self.signed_proposal().await?),
            target_organizations: self.endorsing_organizations.clone(),
        };
        let timeout = self.timeouts.evaluate;
        let mut client = self.gateway.client.clone();
        let response = with_deadline(timeout, client.evaluate(request(evaluate, timeout)))
            .await
            .map_err(Error::Evaluate)?;
        Ok(response.result.map(|r| r.payload).unwrap_or_default())
    }

    /// Collects the endorsements; the result is a [`Transaction`] to submit.
    ///
    /// # Errors
    /// [`Error::Endorse`] with the transaction id, gRPC code and details,
    /// [`Error::Sign`], or [`Error::InvalidResponse`] if the prepared
    /// transaction does not decode.
    pub async fn endorse(&self) -> Result<Transaction, Error> {
        let endorse = EndorseRequest {
            transaction_id: self.transaction_id.clone(),
            channel_id: self.channel.clone(),
            proposed_transaction: Some(self.signed_proposal().await?),
            endorsing_organizations: self.endorsing_organizations.clone(),
        };
        let timeout = self.timeouts.endorse;
        let mut client = self.gateway.client.clone();
        let response = with_deadline(timeout, client.endorse(request(endorse, timeout)))
            .await
            .map_err(|e| EndorseError::new(self.transaction_id.clone(), e))?;
        let envelope = response.prepared_transaction.ok_or_else(|| {
            Error::InvalidResponse(format!(
                "the endorse response for transaction {} has no prepared transaction",
                self.transaction_id
            ))
        })?;
        Transaction::from_envelope(
            Arc::clone(&self.gateway),
            self.transaction_id.clone(),
            envelope,
            self.timeouts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fabric_protos::msp::SerializedIdentity;

    fn creator() -> Bytes {
        SerializedIdentity {
            mspid: "Org1MSP".into(),
            id_bytes: Bytes::from_static(b"-----BEGIN CERTIFICATE-----\n"),
        }
        .encode_to_vec()
        .into()
    }

    #[test]
    fn proposal_bytes_follow_fabrics_layout() {
        let creator = creator();
        let nonce = [7u8; NONCE_LENGTH];
        let transient = HashMap::from([("secret".to_owned(), Bytes::from_static(b"\x00\x01"))]);
        let arguments = [Bytes::from_static(b"asset1"), Bytes::from_static(b"\xff")];
        let timestamp = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let (tx_id, bytes) = build_proposal(&ProposalParts {
            channel: "mychannel",
            chaincode: "basic",
            transaction_name: "org.example:ReadAsset",
            arguments: &arguments,
            transient: &transient,
            creator: &creator,
            nonce: &nonce,
            timestamp,
        });

        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(nonce);
        hasher.update(&creator);
        let expected_id: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(tx_id, expected_id);

        let proposal = ProposalProto::decode(bytes).unwrap();
        assert!(proposal.extension.is_empty());
        let header = Header::decode(proposal.header).unwrap();
        let channel_header = ChannelHeader::decode(header.channel_header).unwrap();
        assert_eq!(channel_header.r#type, 3);
        assert_eq!(channel_header.version, 0);
        assert_eq!(channel_header.epoch, 0);
        assert_eq!(channel_header.channel_id, "mychannel");
        assert_eq!(channel_header.tx_id, tx_id);
        assert_eq!(channel_header.timestamp.unwrap().seconds, 1_700_000_000);
        assert!(channel_header.tls_cert_hash.is_empty());
        let extension = ChaincodeHeaderExtension::decode(channel_header.extension).unwrap();
        assert_eq!(extension.chaincode_id.unwrap().name, "basic");

        let signature_header = SignatureHeader::decode(header.signature_header).unwrap();
        assert_eq!(signature_header.creator, creator);
        assert_eq!(&signature_header.nonce[..], &nonce);

        let payload = ChaincodeProposalPayload::decode(proposal.payload).unwrap();
        assert_eq!(payload.transient_map, transient);
        let spec = ChaincodeInvocationSpec::decode(payload.input)
            .unwrap()
            .chaincode_spec
            .unwrap();
        assert_eq!(spec.r#type, 2);
        assert_eq!(spec.chaincode_id.unwrap().name, "basic");
        let input = spec.input.unwrap();
        assert_eq!(
            input.args,
            vec![
                Bytes::from_static(b"org.example:ReadAsset"),
                Bytes::from_static(b"asset1"),
                Bytes::from_static(b"\xff"),
            ]
        );
        assert!(!input.is_init);
        assert!(input.decorations.is_empty());
    }

    #[test]
    fn nonces_are_fresh() {
        assert_ne!(new_nonce().unwrap(), new_nonce().unwrap());
    }

    #[test]
    fn channel_is_read_back() {
        let creator = creator();
        let (tx_id, bytes) = build_proposal(&ProposalParts {
            channel: "ch",
            chaincode: "cc",
            transaction_name: "f",
            arguments: &[],
            transient: &HashMap::new(),
            creator: &creator,
            nonce: &[1; NONCE_LENGTH],
            timestamp: SystemTime::now(),
        });
        let header = proposal_header(&bytes).unwrap();
        assert_eq!((header.channel_id.as_str(), header.tx_id), ("ch", tx_id));
        assert!(proposal_header(b"\xff\xff").is_err());
    }
}
