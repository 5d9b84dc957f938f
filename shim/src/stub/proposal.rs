//! What the stub extracts from the signed proposal of a transaction.
//!
//! The proposal is decoded when a transaction first asks for one of its
//! fields (creator, transient data, binding, timestamp), not when the
//! transaction starts: most transactions never ask, and the four nested
//! messages cost about 6 % of a plain transfer's instructions (callgrind,
//! `bench/ANALYSIS.md` §7). A proposal that does not decode fails its
//! transaction with the Go shim's message once it is asked for (see
//! [`Proposal::error`]); a peer never sends one, as it decoded the proposal
//! itself to endorse it.

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::proto::common::{Header, HeaderType, SignatureHeader};
use crate::proto::protos::{ChaincodeProposalPayload, Proposal as ProposalMessage, SignedProposal};

/// A transaction's signed proposal, decoded on first use.
#[derive(Debug)]
pub(crate) struct Proposal {
    signed: Option<SignedProposal>,
    /// Boxed: most transactions never decode it, and each one's state stays
    /// smaller.
    decoded: OnceLock<Box<Decoded>>,
}

#[derive(Debug, Default)]
struct Decoded {
    fields: Fields,
    /// Why the proposal did not decode (then `fields` are empty).
    error: Option<String>,
}

/// Creator, transient data, binding and timestamp of a proposal.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub creator: Bytes,
    pub transient: HashMap<String, Bytes>,
    pub timestamp: Option<prost_types::Timestamp>,
    nonce: Bytes,
    epoch: u64,
    binding: OnceLock<Bytes>,
}

impl Proposal {
    /// The proposal of a transaction; a transaction without one (only system
    /// chaincodes send those) gets empty fields.
    pub fn new(signed: Option<SignedProposal>) -> Self {
        Proposal {
            signed,
            decoded: OnceLock::new(),
        }
    }

    /// The signed proposal as the peer sent it (not decoded).
    pub fn signed(&self) -> Option<&SignedProposal> {
        self.signed.as_ref()
    }

    /// Its fields, decoded on the first call; empty if it does not decode.
    pub fn fields(&self) -> &Fields {
        &self.decoded().fields
    }

    /// SHA-256 of nonce, creator and epoch, computed on first use; empty
    /// without a proposal (or with one that does not decode).
    pub fn binding(&self) -> &Bytes {
        let decoded = self.decoded();
        decoded.fields.binding.get_or_init(|| {
            if self.signed.is_none() || decoded.error.is_some() {
                return Bytes::new();
            }
            let fields = &decoded.fields;
            let digest = Sha256::new()
                .chain_update(&fields.nonce)
                .chain_update(&fields.creator)
                .chain_update(fields.epoch.to_le_bytes())
                .finalize();
            Bytes::copy_from_slice(&digest)
        })
    }

    /// Why the proposal did not decode, once a field of it was asked for:
    /// the transaction then fails as the Go shim fails it ("failed to
    /// create new ChaincodeStub: …"). `None` while nothing was asked.
    pub fn error(&self) -> Option<&str> {
        self.decoded.get().and_then(|d| d.error.as_deref())
    }

    fn decoded(&self) -> &Decoded {
        self.decoded.get_or_init(|| Box::new(self.decode_signed()))
    }

    fn decode_signed(&self) -> Decoded {
        match &self.signed {
            None => Decoded::default(),
            Some(signed) => match decode(signed) {
                Ok(fields) => Decoded {
                    fields,
                    error: None,
                },
                Err(error) => {
                    tracing::error!("the transaction's proposal does not decode: {error}");
                    Decoded {
                        fields: Fields::default(),
                        error: Some(error),
                    }
                }
            },
        }
    }
}

/// Decodes a signed proposal as Fabric's Go shim does (`newChaincodeStub`),
/// with its messages.
fn decode(signed: &SignedProposal) -> Result<Fields, String> {
    let proposal = ProposalMessage::decode(signed.proposal_bytes.clone())
        .map_err(|e| format!("failed to extract Proposal from SignedProposal: {e}"))?;
    if proposal.header.is_empty() {
        return Err("failed to extract Proposal fields: proposal header is nil".into());
    }
    let header = Header::decode(proposal.header.clone())
        .map_err(|e| format!("failed to extract proposal header: {e}"))?;
    let channel_header = ChannelHeaderFields::decode(header.channel_header.clone())
        .map_err(|e| format!("failed to extract channel header: {e}"))?;
    let valid = [
        HeaderType::EndorserTransaction as i32,
        HeaderType::Config as i32,
    ];
    if !valid.contains(&channel_header.r#type) {
        let received = HeaderType::try_from(channel_header.r#type)
            .map(|t| t.as_str_name().to_owned())
            .unwrap_or_else(|_| channel_header.r#type.to_string());
        return Err(format!(
            "invalid channel header type. Expected ENDORSER_TRANSACTION or CONFIG, received {received}"
        ));
    }
    let signature_header = SignatureHeader::decode(header.signature_header.clone())
        .map_err(|e| format!("failed to extract signature header: {e}"))?;
    let payload = ChaincodeProposalPayload::decode(proposal.payload.clone())
        .map_err(|e| format!("failed to extract proposal payload: {e}"))?;

    Ok(Fields {
        creator: signature_header.creator,
        transient: payload.transient_map,
        timestamp: channel_header.timestamp,
        nonce: signature_header.nonce,
        epoch: channel_header.epoch,
        binding: OnceLock::new(),
    })
}

/// The fields of `common.ChannelHeader` that the stub uses. Decoding only
/// these skips the channel and transaction ids, which the stub already has
/// from the message, instead of copying them into new strings.
#[derive(Clone, PartialEq, prost::Message)]
struct ChannelHeaderFields {
    #[prost(int32, tag = "1")]
    r#type: i32,
    #[prost(message, optional, tag = "3")]
    timestamp: Option<prost_types::Timestamp>,
    #[prost(uint64, tag = "6")]
    epoch: u64,
}
