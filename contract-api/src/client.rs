//! Typed contract clients for applications (feature `client`).
//!
//! `#[contract]` on `impl SmartContract` also generates `SmartContractClient`
//! when this feature is on: one method per transaction, with the
//! transaction's own Rust parameter and result types, so a wrong argument
//! type is a compile error and results come back decoded. Arguments are
//! encoded and results decoded by the same [`codec`](crate::codec) as the
//! chaincode's side. Calls go through a Fabric Gateway with
//! [`fabric-gateway-client`](gateway), to any peer that serves it.
//!
//! An application depends on the contract's crate with the `client`
//! feature and without its chaincode runtime, then:
//!
//! ```no_run
//! # use fabric_contract_api::{contract, Context, ContractError};
//! # #[derive(Default)] pub struct SmartContract;
//! # #[contract(default)] impl SmartContract {
//! #     #[transaction(evaluate)] pub async fn read_asset(&self, _ctx: &Context, id: String) -> Result<String, ContractError> { Ok(id) }
//! #     #[transaction] pub async fn transfer_asset(&self, _ctx: &Context, id: String, owner: String) -> Result<String, ContractError> { Ok(owner) }
//! # }
//! use fabric_contract_api::client::gateway::{Gateway, PeerEndpoint};
//!
//! # async fn run(gateway: Gateway) -> Result<(), fabric_contract_api::client::ClientError> {
//! let network = gateway.network("mychannel");
//! let basic = SmartContractClient::new(&network, "basic");
//! // `ReadAsset` is an evaluate transaction: `.await` evaluates it.
//! let asset: String = basic.read_asset("asset1").await?;
//! // `TransferAsset` is a submit transaction: `.await` submits it and waits for the commit.
//! let previous_owner = basic.transfer_asset("asset1", "Ana").await?;
//! // Either kind can be chosen explicitly, with transient data or endorsing organizations.
//! let dry_run = basic.transfer_asset("asset1", "Bo").evaluate().await?;
//! # let _ = (asset, previous_owner, dry_run);
//! # Ok(())
//! # }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bytes::Bytes;
pub use fabric_gateway_client as gateway;

use crate::codec::DecodeError;

/// Whether a transaction is evaluated (run on one peer, not committed) or
/// submitted (endorsed, ordered, and waited for until committed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[transaction(evaluate)]`.
    Evaluate,
    /// `#[transaction]`.
    Submit,
}

/// Why a typed call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The Gateway call failed: the transaction's own error (a chaincode
    /// response 500), an endorsement, ordering or commit failure, or a
    /// transport error, as [`gateway::Error`] describes it.
    #[error(transparent)]
    Gateway(#[from] gateway::Error),
    /// The transaction succeeded but its result is not of the declared type
    /// (a peer running another version of the contract, say).
    #[error("the result of {transaction} could not be read: {source}")]
    Decode {
        /// The transaction's name.
        transaction: String,
        /// Why.
        source: DecodeError,
    },
}

impl ClientError {
    /// The message the contract failed with (the `ContractError` text), when
    /// the error is a chaincode response ("chaincode response 500, ...").
    pub fn chaincode_message(&self) -> Option<&str> {
        let ClientError::Gateway(error) = self else {
            return None;
        };
        let from = |text: &'_ str| -> Option<usize> {
            text.find("chaincode response ")
                .and_then(|i| text[i..].find(", ").map(|j| i + j + 2))
        };
        error
            .details()
            .iter()
            .find_map(|d| from(&d.message).map(|at| &d.message[at..]))
    }
}

type Decoder<T> = fn(&[u8]) -> Result<T, DecodeError>;

/// One typed call, ready to go: `.await` runs it as its transaction is
/// declared (evaluate or submit); the methods change how.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<T> {
    contract: gateway::Contract,
    name: &'static str,
    kind: Kind,
    args: Vec<Bytes>,
    transient: Vec<(String, Bytes)>,
    endorsing_organizations: Vec<String>,
    decode: Decoder<T>,
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("args", &self.args.len())
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// A call of transaction `name` (used by the generated clients).
    #[doc(hidden)]
    pub fn new(
        contract: &gateway::Contract,
        name: &'static str,
        kind: Kind,
        args: Vec<Bytes>,
        decode: Decoder<T>,
    ) -> Self {
        Call {
            contract: contract.clone(),
            name,
            kind,
            args,
            transient: Vec::new(),
            endorsing_organizations: Vec::new(),
            decode,
        }
    }

    /// The transaction's name as sent.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The encoded arguments.
    pub fn arguments(&self) -> &[Bytes] {
        &self.args
    }

    /// Evaluates instead: runs on one peer, commits nothing.
    pub fn evaluate(mut self) -> Self {
        self.kind = Kind::Evaluate;
        self
    }

    /// Submits instead: endorses, orders and waits for the commit.
    pub fn submit(mut self) -> Self {
        self.kind = Kind::Submit;
        self
    }

    /// Adds transient data (private inputs, not recorded in the transaction).
    pub fn transient(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.transient.push((key.into(), value.into()));
        self
    }

    /// The organizations that must endorse (by MSP id).
    pub fn endorsing_organizations<I, S>(mut self, msp_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.endorsing_organizations = msp_ids.into_iter().map(Into::into).collect();
        self
    }

    /// Submits the transaction and returns as soon as it is ordered, with
    /// its result; [`Submitted::status`] then waits for the commit.
    pub async fn submit_async(self) -> Result<Submitted<T>, ClientError> {
        let transient: Vec<(String, &[u8])> = self
            .transient
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref()))
            .collect();
        let mut builder = self
            .contract
            .submit_async(self.name)
            .arguments(&self.args)
            .transient_data(transient);
        if !self.endorsing_organizations.is_empty() {
            builder = builder.endorsing_organizations(self.endorsing_organizations.clone());
        }
        let submitted = builder.invoke().await?;
        let result = (self.decode)(submitted.result()).map_err(|source| ClientError::Decode {
            transaction: self.name.to_owned(),
            source,
        })?;
        Ok(Submitted { result, submitted })
    }

    /// Runs the call.
    pub async fn send(self) -> Result<T, ClientError> {
        let transient: Vec<(String, &[u8])> = self
            .transient
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref()))
            .collect();
        let payload = match self.kind {
            Kind::Evaluate => {
                self.contract
                    .evaluate(self.name)
                    .arguments(&self.args)
                    .transient_data(transient)
                    .invoke()
                    .await?
            }
            Kind::Submit => {
                let mut builder = self
                    .contract
                    .submit(self.name)
                    .arguments(&self.args)
                    .transient_data(transient);
                if !self.endorsing_organizations.is_empty() {
                    builder = builder.endorsing_organizations(self.endorsing_organizations.clone());
                }
                builder.invoke().await?
            }
        };
        (self.decode)(&payload).map_err(|source| ClientError::Decode {
            transaction: self.name.to_owned(),
            source,
        })
    }
}

impl<T: Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, ClientError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A transaction submitted with [`Call::submit_async`]: its result now, its
/// commit status when it is committed.
#[derive(Debug)]
pub struct Submitted<T> {
    result: T,
    submitted: gateway::SubmittedTransaction,
}

impl<T> Submitted<T> {
    /// The transaction's result (from its endorsement).
    pub fn result(&self) -> &T {
        &self.result
    }

    /// The result, taken.
    pub fn into_result(self) -> T {
        self.result
    }

    /// The transaction id.
    pub fn transaction_id(&self) -> &str {
        self.submitted.transaction_id()
    }

    /// Waits for the commit: the block and the validation code (`successful`
    /// when valid; an MVCC conflict, say, is a status, not an error).
    pub async fn status(&self) -> Result<gateway::Status, ClientError> {
        Ok(self.submitted.status().await?)
    }
}
