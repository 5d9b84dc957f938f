//! After endorsement: the prepared [`Transaction`] (its result read from
//! the envelope the Gateway returns), submitting it, and its [`Commit`]
//! status.
//!
//! ```text
//! Envelope{payload, signature = sign(hash(payload))}
//!  Payload{header (the proposal's), data = Transaction{actions: [TransactionAction{header,
//!   payload = ChaincodeActionPayload{chaincode_proposal_payload, action = ChaincodeEndorsedAction{
//!    proposal_response_payload = ProposalResponsePayload{proposal_hash,
//!     extension = ChaincodeAction{results, events, response{status, message, payload}, chaincode_id}},
//!    endorsements}}}]}}
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, Envelope, Payload};
use fabric_protos::gateway::{
    CommitStatusRequest, PreparedTransaction, SignedCommitStatusRequest, SubmitRequest,
};
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ProposalResponsePayload,
    Transaction as TransactionProto, TxValidationCode,
};
use prost::Message;

use crate::error::{CommitError, CommitStatusError, Error, SubmitError, validation_code_name};
use crate::gateway::{GatewayInner, Timeouts, request, with_deadline};

/// The channel and the chaincode result of a prepared transaction envelope.
pub(crate) fn parse_envelope(envelope: &Envelope) -> Result<(String, Bytes), String> {
    let payload =
        Payload::decode(envelope.payload.clone()).map_err(|e| format!("bad Payload: {e}"))?;
    let header = payload.header.ok_or("the Payload has no header")?;
    let channel_header = ChannelHeader::decode(header.channel_header)
        .map_err(|e| format!("bad ChannelHeader: {e}"))?;
    let transaction =
        TransactionProto::decode(payload.data).map_err(|e| format!("bad Transaction: {e}"))?;
    let mut problems = Vec::new();
    for action in &transaction.actions {
        match result_of_action(&action.payload) {
            Ok(result) => return Ok((channel_header.channel_id, result)),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        problems.push("the Transaction has no action".to_owned());
    }
    Err(format!("no chaincode result: {}", problems.join("; ")))
}

fn result_of_action(action_payload: &Bytes) -> Result<Bytes, String> {
    let payload = ChaincodeActionPayload::decode(action_payload.clone())
        .map_err(|e| format!("bad ChaincodeActionPayload: {e}"))?;
    let action = payload.action.ok_or("no endorsed action")?;
    let response_payload = ProposalResponsePayload::decode(action.proposal_response_payload)
        .map_err(|e| format!("bad ProposalResponsePayload: {e}"))?;
    let chaincode_action = ChaincodeAction::decode(response_payload.extension)
        .map_err(|e| format!("bad ChaincodeAction: {e}"))?;
    let response = chaincode_action.response.ok_or("no chaincode response")?;
    Ok(response.payload)
}

/// An endorsed transaction: its result is known, and it is ready to be
/// signed and submitted for ordering.
pub struct Transaction {
    gateway: Arc<GatewayInner>,
    channel: String,
    transaction_id: String,
    envelope: Envelope,
    result: Bytes,
    timeouts: Timeouts,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("channel", &self.channel)
            .field("transaction_id", &self.transaction_id)
            .field("signed", &!self.envelope.signature.is_empty())
            .field("result_len", &self.result.len())
            .finish_non_exhaustive()
    }
}

impl Transaction {
    pub(crate) fn from_envelope(
        gateway: Arc<GatewayInner>,
        transaction_id: String,
        envelope: Envelope,
        timeouts: Timeouts,
    ) -> Result<Self, Error> {
        let (channel, result) = parse_envelope(&envelope).map_err(|problem| {
            Error::InvalidResponse(format!(
                "the prepared transaction {transaction_id} does not decode: {problem}"
            ))
        })?;
        Ok(Self {
            gateway,
            channel,
            transaction_id,
            envelope,
            result,
            timeouts,
        })
    }

    pub(crate) fn from_bytes(
        gateway: Arc<GatewayInner>,
        bytes: &[u8],
        signature: Option<Bytes>,
    ) -> Result<Self, Error> {
        let invalid = |m: String| Error::InvalidArgument(format!("transaction bytes: {m}"));
        let prepared = PreparedTransaction::decode(bytes)
            .map_err(|e| invalid(format!("not a PreparedTransaction: {e}")))?;
        let mut envelope = prepared
            .envelope
            .ok_or_else(|| invalid("no envelope".into()))?;
        if let Some(signature) = signature {
            envelope.signature = signature;
        }
        let (channel, result) = parse_envelope(&envelope).map_err(invalid)?;
        let timeouts = gateway.timeouts;
        Ok(Self {
            gateway,
            channel,
            transaction_id: prepared.transaction_id,
            envelope,
            result,
            timeouts,
        })
    }

    /// The transaction id.
    #[must_use]
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The channel, as the envelope states it.
    #[must_use]
    pub fn channel_name(&self) -> &str {
        &self.channel
    }

    /// The chaincode's result (the response payload the endorsers agreed on).
    #[must_use]
    pub fn result(&self) -> &Bytes {
        &self.result
    }

    /// The transaction as a `gateway.PreparedTransaction`, to hand to an
    /// offline signer and back to
    /// [`Gateway::new_signed_transaction`](crate::Gateway::new_signed_transaction).
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        PreparedTransaction {
            transaction_id: self.transaction_id.clone(),
            envelope: Some(self.envelope.clone()),
        }
        .encode_to_vec()
    }

    /// What an offline signer signs: the gateway's hash of the envelope payload.
    #[must_use]
    pub fn digest(&self) -> Vec<u8> {
        self.gateway.hash.digest(&self.envelope.payload)
    }

    /// Signs the envelope (unless signed offline) and sends it to ordering.
    /// Returns without waiting for the commit; see
    /// [`SubmittedTransaction::status`].
    ///
    /// # Errors
    /// [`Error::Submit`] with the transaction id, gRPC code and details, or
    /// [`Error::Sign`].
    pub async fn submit(&self) -> Result<SubmittedTransaction, Error> {
        let mut envelope = self.envelope.clone();
        if envelope.signature.is_empty() {
            envelope.signature = self.gateway.sign(&envelope.payload).await?;
        }
        let submit = SubmitRequest {
            transaction_id: self.transaction_id.clone(),
            channel_id: self.channel.clone(),
            prepared_transaction: Some(envelope),
        };
        let timeout = self.timeouts.submit;
        let mut client = self.gateway.client.clone();
        with_deadline(timeout, client.submit(request(submit, timeout)))
            .await
            .map_err(|e| SubmitError::new(self.transaction_id.clone(), e))?;
        Ok(SubmittedTransaction {
            result: self.result.clone(),
            commit: Commit::new(
                Arc::clone(&self.gateway),
                self.transaction_id.clone(),
                self.channel.clone(),
                self.timeouts.commit_status,
            ),
        })
    }
}

/// A transaction sent to ordering: its result, and a way to wait for its
/// commit status.
///
/// ```no_run
/// # async fn run(contract: fabric_gateway_client::Contract) -> Result<(), fabric_gateway_client::Error> {
/// let submitted = contract
///     .submit_async("TransferAsset")
///     .arguments(["asset1", "Saptha"])
///     .invoke()
///     .await?;
/// println!("old owner: {}", String::from_utf8_lossy(submitted.result()));
/// let status = submitted.status().await?;
/// if !status.successful {
///     eprintln!("{} failed with {}", status.transaction_id, status.code_name());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SubmittedTransaction {
    result: Bytes,
    commit: Commit,
}

impl SubmittedTransaction {
    /// The chaincode's result.
    #[must_use]
    pub fn result(&self) -> &Bytes {
        &self.result
    }

    /// The transaction id.
    #[must_use]
    pub fn transaction_id(&self) -> &str {
        self.commit.transaction_id()
    }

    /// Waits for the transaction to be committed and returns its status.
    ///
    /// # Errors
    /// [`Error::CommitStatus`] with the transaction id, gRPC code and details
    /// (`DEADLINE_EXCEEDED` if the commit-status deadline passes first), or
    /// [`Error::Sign`].
    pub async fn status(&self) -> Result<Status, Error> {
        self.commit.status().await
    }

    /// The commit status request, e.g. to sign it offline.
    #[must_use]
    pub fn commit(&self) -> &Commit {
        &self.commit
    }
}

/// A signed request for the commit status of a transaction.
pub struct Commit {
    gateway: Arc<GatewayInner>,
    transaction_id: String,
    channel: String,
    request: Bytes,
    signature: Option<Bytes>,
    timeout: Option<Duration>,
}

impl fmt::Debug for Commit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Commit")
            .field("channel", &self.channel)
            .field("transaction_id", &self.transaction_id)
            .field("signed", &self.signature.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Commit {
    fn new(
        gateway: Arc<GatewayInner>,
        transaction_id: String,
        channel: String,
        timeout: Option<Duration>,
    ) -> Self {
        let request = CommitStatusRequest {
            transaction_id: transaction_id.clone(),
            channel_id: channel.clone(),
            identity: gateway.creator.clone(),
        }
        .encode_to_vec()
        .into();
        Self {
            gateway,
            transaction_id,
            channel,
            request,
            signature: None,
            timeout,
        }
    }

    pub(crate) fn from_bytes(
        gateway: Arc<GatewayInner>,
        bytes: &[u8],
        signature: Option<Bytes>,
    ) -> Result<Self, Error> {
        let invalid = |m: String| Error::InvalidArgument(format!("commit bytes: {m}"));
        let signed = SignedCommitStatusRequest::decode(bytes)
            .map_err(|e| invalid(format!("not a SignedCommitStatusRequest: {e}")))?;
        let request = CommitStatusRequest::decode(signed.request.clone())
            .map_err(|e| invalid(format!("not a CommitStatusRequest: {e}")))?;
        let timeout = gateway.timeouts.commit_status;
        Ok(Self {
            gateway,
            transaction_id: request.transaction_id,
            channel: request.channel_id,
            request: signed.request,
            signature: signature
                .or_else(|| (!signed.signature.is_empty()).then_some(signed.signature)),
            timeout,
        })
    }

    /// The transaction id.
    #[must_use]
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The request as a `gateway.SignedCommitStatusRequest`, to hand to an
    /// offline signer and back to
    /// [`Gateway::new_signed_commit`](crate::Gateway::new_signed_commit).
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        SignedCommitStatusRequest {
            request: self.request.clone(),
            signature: self.signature.clone().unwrap_or_default(),
        }
        .encode_to_vec()
    }

    /// What an offline signer signs: the gateway's hash of the request.
    #[must_use]
    pub fn digest(&self) -> Vec<u8> {
        self.gateway.hash.digest(&self.request)
    }

    /// Waits for the transaction to be committed and returns its status.
    ///
    /// # Errors
    /// [`Error::CommitStatus`] with the transaction id, gRPC code and
    /// details, or [`Error::Sign`].
    pub async fn status(&self) -> Result<Status, Error> {
        let signature = match &self.signature {
            Some(signature) => signature.clone(),
            None => self.gateway.sign(&self.request).await?,
        };
        let signed = SignedCommitStatusRequest {
            request: self.request.clone(),
            signature,
        };
        let mut client = self.gateway.client.clone();
        let response = with_deadline(
            self.timeout,
            client.commit_status(request(signed, self.timeout)),
        )
        .await
        .map_err(|e| CommitStatusError::new(self.transaction_id.clone(), e))?;
        Ok(Status {
            block_number: response.block_number,
            code: response.result,
            successful: response.result == TxValidationCode::Valid as i32,
            transaction_id: self.transaction_id.clone(),
        })
    }
}

/// The commit status of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The block the transaction is in.
    pub block_number: u64,
    /// The `TxValidationCode` value: 0 (`VALID`) for a committed
    /// transaction whose writes were applied.
    pub code: i32,
    /// Whether `code` is `VALID`.
    pub successful: bool,
    /// The transaction id.
    pub transaction_id: String,
}

impl Status {
    /// The validation code as the protobuf enum, if it is a known value.
    #[must_use]
    pub fn validation_code(&self) -> Option<TxValidationCode> {
        TxValidationCode::try_from(self.code).ok()
    }

    /// The protobuf name of the code, e.g. `MVCC_READ_CONFLICT`.
    #[must_use]
    pub fn code_name(&self) -> &'static str {
        validation_code_name(self.code)
    }

    /// `Ok(())` for a successful commit, otherwise the [`CommitError`].
    ///
    /// ```
    /// use fabric_gateway_client::Status;
    ///
    /// let status = Status { block_number: 5, code: 11, successful: false, transaction_id: "t1".into() };
    /// assert_eq!(
    ///     status.into_result().unwrap_err().to_string(),
    ///     "Transaction t1 failed to commit with status code 11 (MVCC_READ_CONFLICT)"
    /// );
    /// ```
    ///
    /// # Errors
    /// The [`CommitError`] of an unsuccessful status.
    pub fn into_result(self) -> Result<(), CommitError> {
        if self.successful {
            Ok(())
        } else {
            Err(CommitError::new(self.transaction_id, self.code))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fabric_protos::common::Header;
    use fabric_protos::protos::{ChaincodeEndorsedAction, Response, TransactionAction};

    fn envelope_with(actions: Vec<TransactionAction>) -> Envelope {
        let channel_header = ChannelHeader {
            channel_id: "mychannel".into(),
            ..ChannelHeader::default()
        };
        let payload = Payload {
            header: Some(Header {
                channel_header: channel_header.encode_to_vec().into(),
                signature_header: Bytes::new(),
            }),
            data: TransactionProto { actions }.encode_to_vec().into(),
        };
        Envelope {
            payload: payload.encode_to_vec().into(),
            signature: Bytes::new(),
        }
    }

    fn action_with_result(result: &'static [u8]) -> TransactionAction {
        let chaincode_action = ChaincodeAction {
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: Bytes::from_static(result),
            }),
            ..ChaincodeAction::default()
        };
        let response_payload = ProposalResponsePayload {
            proposal_hash: Bytes::from_static(b"hash"),
            extension: chaincode_action.encode_to_vec().into(),
        };
        let action_payload = ChaincodeActionPayload {
            chaincode_proposal_payload: Bytes::new(),
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: response_payload.encode_to_vec().into(),
                endorsements: Vec::new(),
            }),
        };
        TransactionAction {
            header: Bytes::new(),
            payload: action_payload.encode_to_vec().into(),
        }
    }

    #[test]
    fn result_is_the_first_action_that_parses() {
        let broken = TransactionAction {
            header: Bytes::new(),
            payload: Bytes::from_static(b"\xff\xff"),
        };
        let envelope = envelope_with(vec![broken, action_with_result(b"old owner")]);
        let (channel, result) = parse_envelope(&envelope).unwrap();
        assert_eq!(channel, "mychannel");
        assert_eq!(&result[..], b"old owner");
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        assert!(parse_envelope(&envelope_with(Vec::new())).is_err());
        let garbage = Envelope {
            payload: Bytes::from_static(b"\x0a\x05ab"),
            signature: Bytes::new(),
        };
        assert!(parse_envelope(&garbage).is_err());
        assert!(parse_envelope(&Envelope::default()).is_err());
    }
}
