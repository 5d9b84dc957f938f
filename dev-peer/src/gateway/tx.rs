//! The transaction structures the Gateway reads and builds: a signed
//! proposal unpacked, the read-write set an endorser returns, the prepared
//! transaction envelope, and that envelope unpacked again at commit.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use fabric_chaincode_shim::proto::common::{
    ChannelHeader, Envelope, Header, HeaderType, Payload, SignatureHeader,
};
use fabric_chaincode_shim::proto::kvrwset::{
    HashedRwSet, KvMetadataEntry, KvMetadataWrite, KvRead, KvReadHash, KvWrite, KvWriteHash,
    KvrwSet, QueryReads, RangeQueryInfo, Version as KvVersion, range_query_info,
};
use fabric_chaincode_shim::proto::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ChaincodeEvent,
    ChaincodeHeaderExtension, ChaincodeId, ChaincodeInvocationSpec, ChaincodeProposalPayload,
    Endorsement, Proposal, ProposalResponsePayload, Response, SignedProposal, StateMetadata,
    Transaction, TransactionAction,
};
use fabric_chaincode_shim::proto::rwset::{
    CollectionHashedReadWriteSet, NsReadWriteSet, TxReadWriteSet,
};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::ledger::{RangeRead, ReadSet, Space, Version, Write, WriteSet};

/// A signed proposal, unpacked.
#[derive(Debug, Clone)]
pub struct UnpackedProposal {
    /// The proposal as sent.
    pub signed: SignedProposal,
    /// Its encoded `Header`.
    pub header: Header,
    /// Its channel header.
    pub channel_header: ChannelHeader,
    /// Its signature header.
    pub signature_header: SignatureHeader,
    /// Its payload (input and transient data).
    pub payload: ChaincodeProposalPayload,
    /// The chaincode name.
    pub chaincode: String,
    /// The arguments, function first.
    pub args: Vec<Bytes>,
    /// Whether it asks for INIT.
    pub init: bool,
}

impl UnpackedProposal {
    /// Unpacks a signed proposal; `Err` is the text Fabric gives for the
    /// first part that does not decode or is missing.
    pub fn unpack(signed: &SignedProposal) -> Result<Self, String> {
        if signed.proposal_bytes.is_empty() {
            return Err("a signed proposal is required".into());
        }
        let proposal = Proposal::decode(signed.proposal_bytes.clone())
            .map_err(|e| format!("error unmarshalling Proposal: {e}"))?;
        let header = Header::decode(proposal.header.clone())
            .map_err(|e| format!("error unmarshalling Header: {e}"))?;
        let channel_header = ChannelHeader::decode(header.channel_header.clone())
            .map_err(|e| format!("error unmarshalling ChannelHeader: {e}"))?;
        let signature_header = SignatureHeader::decode(header.signature_header.clone())
            .map_err(|e| format!("error unmarshalling SignatureHeader: {e}"))?;
        let payload = ChaincodeProposalPayload::decode(proposal.payload.clone())
            .map_err(|e| format!("error unmarshalling ChaincodeProposalPayload: {e}"))?;
        let spec = ChaincodeInvocationSpec::decode(payload.input.clone())
            .map_err(|e| format!("error unmarshalling ChaincodeInvocationSpec: {e}"))?;
        let channel = &channel_header.channel_id;
        if channel.is_empty() {
            return Err("no channel id provided".into());
        }
        let spec = spec
            .chaincode_spec
            .ok_or_else(|| format!("no chaincode spec is provided, channel id [{channel}]"))?;
        let id = spec
            .chaincode_id
            .ok_or_else(|| format!("no chaincode id is provided, channel id [{channel}]"))?;
        if id.name.is_empty() {
            return Err(format!(
                "no chaincode name is provided, channel id [{channel}]"
            ));
        }
        let input = spec.input.unwrap_or_default();
        Ok(UnpackedProposal {
            signed: signed.clone(),
            header,
            channel_header,
            signature_header,
            payload,
            chaincode: id.name,
            args: input.args,
            init: input.is_init,
        })
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel_header.channel_id
    }

    /// The transaction id.
    pub fn txid(&self) -> &str {
        &self.channel_header.tx_id
    }

    /// The transient data.
    pub fn transient(&self) -> &HashMap<String, Bytes> {
        &self.payload.transient_map
    }

    /// The endorser's structural checks (`UnpackedProposal.Validate` in
    /// Fabric's `core/endorser/msgvalidation.go`), before the creator's.
    pub fn validate_structure(&self) -> Result<(), String> {
        let ch = &self.channel_header;
        if ch.r#type != HeaderType::EndorserTransaction as i32
            && ch.r#type != HeaderType::Config as i32
        {
            let name = HeaderType::try_from(ch.r#type)
                .map(|t| t.as_str_name().to_owned())
                .unwrap_or_else(|_| ch.r#type.to_string());
            return Err(format!("invalid header type {name}"));
        }
        if ch.epoch != 0 {
            return Err("epoch is non-zero".into());
        }
        let extension = ChaincodeHeaderExtension::decode(ch.extension.clone())
            .map_err(|e| format!("error unmarshalling ChaincodeHeaderExtension: {e}"))?;
        let id = extension
            .chaincode_id
            .ok_or("ChaincodeHeaderExtension.ChaincodeId is nil")?;
        if id.name.is_empty() {
            return Err("ChaincodeHeaderExtension.ChaincodeId.Name is empty".into());
        }
        if self.args.is_empty() {
            return Err("chaincode input did not contain any input".into());
        }
        if self.signature_header.nonce.is_empty() {
            return Err("nonce is empty".into());
        }
        if self.signature_header.creator.is_empty() {
            return Err("creator is empty".into());
        }
        let expected = txid_of(&self.signature_header.nonce, &self.signature_header.creator);
        if self.txid() != expected {
            return Err(format!(
                "incorrectly computed txid '{}' -- expected '{expected}'",
                self.txid()
            ));
        }
        if self.signed.signature.is_empty() {
            return Err("empty signature bytes".into());
        }
        Ok(())
    }

    /// The payload without transient data, as it goes into the transaction.
    pub fn payload_without_transient(&self) -> Bytes {
        Bytes::from(
            ChaincodeProposalPayload {
                input: self.payload.input.clone(),
                transient_map: HashMap::new(),
            }
            .encode_to_vec(),
        )
    }

    /// SHA-256 over the channel header, the signature header and the payload
    /// without transient data (Fabric's `GetProposalHash2`).
    pub fn proposal_hash(&self) -> Bytes {
        let digest = Sha256::new()
            .chain_update(&self.header.channel_header)
            .chain_update(&self.header.signature_header)
            .chain_update(self.payload_without_transient())
            .finalize();
        Bytes::copy_from_slice(&digest)
    }
}

/// Lower-case hex SHA-256 of nonce and creator: a transaction id.
pub fn txid_of(nonce: &[u8], creator: &[u8]) -> String {
    fabric_chaincode_shim::proto::transaction_id(nonce, creator)
}

fn version(v: Option<Version>) -> Option<KvVersion> {
    v.map(|v| KvVersion {
        block_num: v.block,
        tx_num: v.tx,
    })
}

fn from_version(v: Option<KvVersion>) -> Option<Version> {
    v.map(|v| Version {
        block: v.block_num,
        tx: v.tx_num,
    })
}

fn hash(bytes: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&Sha256::digest(bytes))
}

#[derive(Default)]
struct Namespace {
    public: KvrwSet,
    collections: BTreeMap<String, HashedRwSet>,
}

/// The simulation results as Fabric encodes them: a `TxReadWriteSet` with
/// one `KVRWSet` per namespace (keys sorted) and hashed read-write sets of
/// private collections.
pub fn encode_rwset(reads: &ReadSet, writes: &WriteSet) -> Bytes {
    let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
    for ((space, key), read) in &reads.keys {
        let ns = namespaces.entry(space.namespace.clone()).or_default();
        if space.collection.is_empty() {
            ns.public.reads.push(KvRead {
                key: key.clone(),
                version: version(*read),
            });
        } else {
            ns.collections
                .entry(space.collection.clone())
                .or_default()
                .hashed_reads
                .push(KvReadHash {
                    key_hash: hash(key.as_bytes()),
                    version: version(*read),
                });
        }
    }
    for range in &reads.ranges {
        let ns = namespaces.entry(range.space.namespace.clone()).or_default();
        ns.public.range_queries_info.push(RangeQueryInfo {
            start_key: range.start.clone(),
            end_key: range.end.clone(),
            itr_exhausted: true,
            reads_info: Some(range_query_info::ReadsInfo::RawReads(QueryReads {
                kv_reads: range
                    .keys
                    .iter()
                    .map(|(k, v)| KvRead {
                        key: k.clone(),
                        version: version(Some(*v)),
                    })
                    .collect(),
            })),
        });
    }
    for ((space, key), write) in &writes.values {
        let ns = namespaces.entry(space.namespace.clone()).or_default();
        let (is_delete, value) = match write {
            Write::Put(v) if !v.is_empty() => (false, v.clone()),
            _ => (true, Bytes::new()),
        };
        if space.collection.is_empty() {
            ns.public.writes.push(KvWrite {
                key: key.clone(),
                is_delete,
                value,
            });
        } else {
            ns.collections
                .entry(space.collection.clone())
                .or_default()
                .hashed_writes
                .push(KvWriteHash {
                    key_hash: hash(key.as_bytes()),
                    is_delete,
                    value_hash: if is_delete {
                        Bytes::new()
                    } else {
                        hash(&value)
                    },
                    is_purge: matches!(write, Write::Purge),
                });
        }
    }
    for ((space, key), entries) in &writes.metadata {
        let ns = namespaces.entry(space.namespace.clone()).or_default();
        let entries = entries
            .iter()
            .map(|e| KvMetadataEntry {
                name: e.metakey.clone(),
                value: e.value.clone(),
            })
            .collect();
        if space.collection.is_empty() {
            ns.public.metadata_writes.push(KvMetadataWrite {
                key: key.clone(),
                entries,
            });
        }
    }
    let ns_rwset = namespaces
        .into_iter()
        .map(|(namespace, ns)| NsReadWriteSet {
            namespace,
            rwset: Bytes::from(ns.public.encode_to_vec()),
            collection_hashed_rwset: ns
                .collections
                .into_iter()
                .map(|(collection_name, set)| {
                    let hashed = set.encode_to_vec();
                    CollectionHashedReadWriteSet {
                        collection_name,
                        pvt_rwset_hash: hash(&hashed),
                        hashed_rwset: Bytes::from(hashed),
                    }
                })
                .collect(),
        })
        .collect();
    Bytes::from(
        TxReadWriteSet {
            data_model: 0,
            ns_rwset,
        }
        .encode_to_vec(),
    )
}

/// The public reads and writes of an encoded `TxReadWriteSet` on `channel`.
pub fn decode_public_rwset(channel: &str, results: &[u8]) -> Result<(ReadSet, WriteSet), String> {
    let set = TxReadWriteSet::decode(results).map_err(|e| format!("bad read-write set: {e}"))?;
    let mut reads = ReadSet::default();
    let mut writes = WriteSet::default();
    for ns in set.ns_rwset {
        let space = Space::public(channel, &ns.namespace);
        let kv = KvrwSet::decode(ns.rwset)
            .map_err(|e| format!("bad read-write set of {}: {e}", ns.namespace))?;
        for read in kv.reads {
            reads
                .keys
                .insert((space.clone(), read.key), from_version(read.version));
        }
        for range in kv.range_queries_info {
            let keys = match range.reads_info {
                Some(range_query_info::ReadsInfo::RawReads(raw)) => raw
                    .kv_reads
                    .into_iter()
                    .filter_map(|r| from_version(r.version).map(|v| (r.key, v)))
                    .collect(),
                // Merkle summaries are not produced here; a range without raw
                // reads cannot be checked.
                _ => return Err("range query reads as a Merkle summary are not supported".into()),
            };
            reads.ranges.push(RangeRead {
                space: space.clone(),
                start: range.start_key,
                end: range.end_key,
                keys,
            });
        }
        for write in kv.writes {
            let value = if write.is_delete {
                Write::Delete
            } else {
                Write::Put(write.value)
            };
            writes.values.insert((space.clone(), write.key), value);
        }
        for write in kv.metadata_writes {
            writes.metadata.insert(
                (space.clone(), write.key),
                write
                    .entries
                    .into_iter()
                    .map(|e| StateMetadata {
                        metakey: e.name,
                        value: e.value,
                    })
                    .collect(),
            );
        }
    }
    Ok((reads, writes))
}

/// What an endorser signs: the proposal hash and the chaincode's action.
pub fn proposal_response_payload(
    proposal: &UnpackedProposal,
    response: &Response,
    results: Bytes,
    event: Option<&ChaincodeEvent>,
    chaincode: ChaincodeId,
) -> Bytes {
    let action = ChaincodeAction {
        results,
        events: event
            .map(|e| Bytes::from(e.encode_to_vec()))
            .unwrap_or_default(),
        response: Some(response.clone()),
        chaincode_id: Some(chaincode),
    };
    Bytes::from(
        ProposalResponsePayload {
            proposal_hash: proposal.proposal_hash(),
            extension: Bytes::from(action.encode_to_vec()),
        }
        .encode_to_vec(),
    )
}

/// The unsigned transaction envelope the Gateway's Endorse returns (Fabric's
/// `prepareTransaction`).
pub fn prepare_transaction(
    proposal: &UnpackedProposal,
    response_payload: Bytes,
    endorsements: Vec<Endorsement>,
) -> Envelope {
    let action_payload = ChaincodeActionPayload {
        chaincode_proposal_payload: proposal.payload_without_transient(),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: response_payload,
            endorsements,
        }),
    };
    let transaction = Transaction {
        actions: vec![TransactionAction {
            header: proposal.header.signature_header.clone(),
            payload: Bytes::from(action_payload.encode_to_vec()),
        }],
    };
    let payload = Payload {
        header: Some(proposal.header.clone()),
        data: Bytes::from(transaction.encode_to_vec()),
    };
    Envelope {
        payload: Bytes::from(payload.encode_to_vec()),
        signature: Bytes::new(),
    }
}

/// A signed transaction envelope, unpacked as a committer reads it.
#[derive(Debug, Clone)]
pub struct UnpackedTransaction {
    /// The channel header.
    pub channel_header: ChannelHeader,
    /// The signature header (creator and nonce).
    pub signature_header: SignatureHeader,
    /// The encoded `ProposalResponsePayload` every endorser signed.
    pub response_payload: Bytes,
    /// The endorsements.
    pub endorsements: Vec<Endorsement>,
    /// The chaincode's action.
    pub action: ChaincodeAction,
}

impl UnpackedTransaction {
    /// Unpacks the headers of an envelope (what the orderer checks).
    pub fn headers(
        envelope: &Envelope,
    ) -> Result<(Payload, ChannelHeader, SignatureHeader), String> {
        let payload =
            Payload::decode(envelope.payload.clone()).map_err(|e| format!("bad payload: {e}"))?;
        let header = payload.header.clone().ok_or("missing header")?;
        let channel_header = ChannelHeader::decode(header.channel_header)
            .map_err(|e| format!("bad channel header: {e}"))?;
        let signature_header = SignatureHeader::decode(header.signature_header)
            .map_err(|e| format!("bad signature header: {e}"))?;
        Ok((payload, channel_header, signature_header))
    }

    /// Unpacks an endorser transaction envelope.
    pub fn unpack(envelope: &Envelope) -> Result<Self, String> {
        let (payload, channel_header, signature_header) = Self::headers(envelope)?;
        let transaction =
            Transaction::decode(payload.data).map_err(|e| format!("bad transaction: {e}"))?;
        let [action] = transaction.actions.as_slice() else {
            return Err(format!(
                "a transaction must have one action, this one has {}",
                transaction.actions.len()
            ));
        };
        let action_payload = ChaincodeActionPayload::decode(action.payload.clone())
            .map_err(|e| format!("bad action payload: {e}"))?;
        let endorsed = action_payload.action.ok_or("missing endorsed action")?;
        let response_payload =
            ProposalResponsePayload::decode(endorsed.proposal_response_payload.clone())
                .map_err(|e| format!("bad proposal response payload: {e}"))?;
        let chaincode_action = ChaincodeAction::decode(response_payload.extension)
            .map_err(|e| format!("bad chaincode action: {e}"))?;
        Ok(UnpackedTransaction {
            channel_header,
            signature_header,
            response_payload: endorsed.proposal_response_payload,
            endorsements: endorsed.endorsements,
            action: chaincode_action,
        })
    }

    /// The chaincode event of the action, if any.
    pub fn event(&self) -> Result<Option<ChaincodeEvent>, String> {
        if self.action.events.is_empty() {
            return Ok(None);
        }
        ChaincodeEvent::decode(self.action.events.clone())
            .map(Some)
            .map_err(|e| format!("bad chaincode event: {e}"))
    }
}
