//! What the stub extracts from the signed proposal of a transaction.

use std::collections::HashMap;

use bytes::Bytes;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::proto::common::{Header, HeaderType, SignatureHeader};
use crate::proto::protos::{ChaincodeProposalPayload, Proposal, SignedProposal};

/// Creator, transient data, binding and timestamp of a proposal.
#[derive(Debug, Default)]
pub(crate) struct ProposalInfo {
    pub signed: Option<SignedProposal>,
    pub creator: Bytes,
    pub transient: HashMap<String, Bytes>,
    pub timestamp: Option<prost_types::Timestamp>,
    nonce: Bytes,
    epoch: u64,
    binding: std::sync::OnceLock<Bytes>,
}

impl ProposalInfo {
    /// Decodes a signed proposal as Fabric's Go shim does; a transaction
    /// without one (only system chaincodes send those) gets empty fields.
    pub fn decode(signed: Option<SignedProposal>) -> Result<Self, String> {
        let Some(signed) = signed else {
            return Ok(Self::default());
        };
        let proposal = Proposal::decode(signed.proposal_bytes.clone())
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

        Ok(ProposalInfo {
            signed: Some(signed),
            creator: signature_header.creator,
            transient: payload.transient_map,
            timestamp: channel_header.timestamp,
            nonce: signature_header.nonce,
            epoch: channel_header.epoch,
            binding: std::sync::OnceLock::new(),
        })
    }
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

impl ProposalInfo {
    /// SHA-256 of nonce, creator and epoch, computed on first use; empty without a proposal.
    pub fn binding(&self) -> &Bytes {
        self.binding.get_or_init(|| {
            if self.signed.is_none() {
                return Bytes::new();
            }
            let digest = Sha256::new()
                .chain_update(&self.nonce)
                .chain_update(&self.creator)
                .chain_update(self.epoch.to_le_bytes())
                .finalize();
            Bytes::copy_from_slice(&digest)
        })
    }
}
