//! The development peer's Gateway request decoding: signed proposals,
//! transaction envelopes, read-write sets and the signed request identities,
//! from arbitrary bytes. Errors are fine; panics are not.
#![no_main]

use std::sync::OnceLock;

use fabric_chaincode_shim::proto::common::Envelope;
use fabric_chaincode_shim::proto::gateway::{ChaincodeEventsRequest, CommitStatusRequest};
use fabric_chaincode_shim::proto::protos::SignedProposal;
use fabric_dev_peer::gateway::{UnpackedProposal, UnpackedTransaction, decode_public_rwset};
use fabric_dev_peer::msp::{Msp, OrgTrust};
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn msp() -> &'static Msp {
    static MSP: OnceLock<Msp> = OnceLock::new();
    // A known MSP id with no CA: certificates are parsed, never trusted.
    MSP.get_or_init(|| {
        Msp::new(vec![OrgTrust {
            mspid: "Org1MSP".into(),
            ca_certs: Vec::new(),
        }])
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(signed) = SignedProposal::decode(data)
        && let Ok(proposal) = UnpackedProposal::unpack(&signed)
    {
        let _ = proposal.validate_structure();
        let _ = proposal.proposal_hash();
        let _ = msp().check(
            &proposal.signature_header.creator,
            &signed.proposal_bytes,
            &signed.signature,
        );
    }
    if let Ok(envelope) = Envelope::decode(data)
        && let Ok(transaction) = UnpackedTransaction::unpack(&envelope)
    {
        let _ = transaction.event();
        let _ = decode_public_rwset("mychannel", &transaction.action.results);
        for endorsement in &transaction.endorsements {
            let _ = msp().creator(&endorsement.endorser);
        }
    }
    let _ = decode_public_rwset("mychannel", data);
    if let Ok(request) = CommitStatusRequest::decode(data) {
        let _ = msp().creator(&request.identity);
    }
    if let Ok(request) = ChaincodeEventsRequest::decode(data) {
        let _ = msp().creator(&request.identity);
    }
});
