//! [`Contract`]: evaluate and submit transactions of one chaincode (and
//! contract), directly or through a [`ProposalBuilder`].

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::error::Error;
use crate::gateway::{GatewayInner, Timeouts};
use crate::proposal::{Proposal, ProposalParts, build_proposal, new_nonce};
use crate::transaction::SubmittedTransaction;

/// No arguments, for transactions that take none.
///
/// ```no_run
/// # async fn run(contract: fabric_gateway_client::Contract) -> Result<(), fabric_gateway_client::Error> {
/// use fabric_gateway_client::NO_ARGS;
/// let assets = contract.evaluate_transaction("GetAllAssets", NO_ARGS).await?;
/// # let _ = assets;
/// # Ok(())
/// # }
/// ```
pub const NO_ARGS: [&[u8]; 0] = [];

/// A smart contract: a chaincode on a channel, optionally one named
/// contract in it.
///
/// ```no_run
/// # async fn run(gateway: fabric_gateway_client::Gateway) -> Result<(), fabric_gateway_client::Error> {
/// let contract = gateway.network("mychannel").contract("basic");
///
/// contract
///     .submit_transaction("CreateAsset", ["asset7", "yellow", "5", "Tom", "1300"])
///     .await?;
/// let asset = contract.evaluate_transaction("ReadAsset", ["asset7"]).await?;
/// println!("{}", String::from_utf8_lossy(&asset));
///
/// // The builder form: transient data, endorsing organizations, deadlines.
/// let result = contract
///     .submit("CreateAsset")
///     .transient_data([("asset_properties", br#"{"size":5}"#.as_slice())])
///     .endorsing_organizations(["Org1MSP"])
///     .commit_status_timeout(std::time::Duration::from_secs(60))
///     .invoke()
///     .await?;
/// # let _ = result;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Contract {
    gateway: Arc<GatewayInner>,
    channel: String,
    chaincode: String,
    contract_name: Option<String>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("channel", &self.channel)
            .field("chaincode", &self.chaincode)
            .field("contract_name", &self.contract_name)
            .finish_non_exhaustive()
    }
}

impl Contract {
    pub(crate) fn new(
        gateway: Arc<GatewayInner>,
        channel: String,
        chaincode: String,
        contract_name: Option<String>,
    ) -> Self {
        Self {
            gateway,
            channel,
            chaincode,
            contract_name,
        }
    }

    /// The chaincode name.
    #[must_use]
    pub fn chaincode_name(&self) -> &str {
        &self.chaincode
    }

    /// The contract name, if one was given.
    #[must_use]
    pub fn contract_name(&self) -> Option<&str> {
        self.contract_name.as_deref()
    }

    /// The channel name.
    #[must_use]
    pub fn channel_name(&self) -> &str {
        &self.channel
    }

    /// Evaluates a transaction (a query: run on one peer, not ordered) and
    /// returns its result.
    ///
    /// # Errors
    /// [`Error::Evaluate`] with the gRPC code and details, or [`Error::Sign`].
    pub async fn evaluate_transaction<I>(&self, name: &str, arguments: I) -> Result<Bytes, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.evaluate(name).arguments(arguments).invoke().await
    }

    /// Submits a transaction (endorse, order, wait for the commit) and
    /// returns its result once it is committed as valid.
    ///
    /// # Errors
    /// [`Error::Endorse`], [`Error::Submit`], [`Error::CommitStatus`] (each
    /// with the transaction id), [`Error::Commit`] if the transaction was
    /// committed invalid, [`Error::Sign`].
    pub async fn submit_transaction<I>(&self, name: &str, arguments: I) -> Result<Bytes, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.submit(name).arguments(arguments).invoke().await
    }

    /// A transaction to evaluate: `.invoke()` returns its result.
    pub fn evaluate(&self, name: &str) -> ProposalBuilder<Evaluate> {
        ProposalBuilder::new(self.clone(), name)
    }

    /// A transaction to submit: `.invoke()` returns its result once it is
    /// committed as valid.
    pub fn submit(&self, name: &str) -> ProposalBuilder<Submit> {
        ProposalBuilder::new(self.clone(), name)
    }

    /// A transaction to submit without waiting for its commit: `.invoke()`
    /// returns a [`SubmittedTransaction`].
    pub fn submit_async(&self, name: &str) -> ProposalBuilder<SubmitAsync> {
        ProposalBuilder::new(self.clone(), name)
    }

    /// A proposal to take step by step (`.build()`), e.g. to sign offline.
    pub fn new_proposal(&self, name: &str) -> ProposalBuilder<Propose> {
        ProposalBuilder::new(self.clone(), name)
    }

    fn transaction_name(&self, name: &str) -> String {
        match &self.contract_name {
            Some(contract) => format!("{contract}:{name}"),
            None => name.to_owned(),
        }
    }
}

/// [`ProposalBuilder`] mode of [`Contract::evaluate`].
#[derive(Debug)]
pub struct Evaluate;
/// [`ProposalBuilder`] mode of [`Contract::submit`].
#[derive(Debug)]
pub struct Submit;
/// [`ProposalBuilder`] mode of [`Contract::submit_async`].
#[derive(Debug)]
pub struct SubmitAsync;
/// [`ProposalBuilder`] mode of [`Contract::new_proposal`].
#[derive(Debug)]
pub struct Propose;

/// A transaction invocation being set up: arguments, transient data,
/// endorsing organizations and deadlines. What `.invoke()` does depends on
/// the contract method that made it (the mode `M`); `.build()` gives the
/// [`Proposal`] in any mode.
#[must_use = "a proposal builder does nothing until invoked or built"]
pub struct ProposalBuilder<M> {
    contract: Contract,
    name: String,
    arguments: Vec<Bytes>,
    transient: HashMap<String, Bytes>,
    endorsing_organizations: Vec<String>,
    timeouts: Timeouts,
    mode: PhantomData<M>,
}

impl<M> fmt::Debug for ProposalBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProposalBuilder")
            .field("contract", &self.contract)
            .field("name", &self.name)
            .field("arguments", &self.arguments.len())
            .field("transient_keys", &self.transient.keys().collect::<Vec<_>>())
            .field("endorsing_organizations", &self.endorsing_organizations)
            .finish_non_exhaustive()
    }
}

impl<M> ProposalBuilder<M> {
    fn new(contract: Contract, name: &str) -> Self {
        let timeouts = contract.gateway.timeouts;
        Self {
            contract,
            name: name.to_owned(),
            arguments: Vec::new(),
            transient: HashMap::new(),
            endorsing_organizations: Vec::new(),
            timeouts,
            mode: PhantomData,
        }
    }

    /// Appends transaction arguments (strings or bytes).
    pub fn arguments<I>(mut self, arguments: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.arguments.extend(
            arguments
                .into_iter()
                .map(|a| Bytes::copy_from_slice(a.as_ref())),
        );
        self
    }

    /// Adds private data that the chaincode can read but that is not
    /// recorded in the transaction (the proposal's transient map).
    pub fn transient_data<I, K, V>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: AsRef<[u8]>,
    {
        self.transient.extend(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), Bytes::copy_from_slice(v.as_ref()))),
        );
        self
    }

    /// Only these organizations (MSP ids) endorse — or, for evaluate, may
    /// run the query.
    pub fn endorsing_organizations<I>(mut self, msp_ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.endorsing_organizations = msp_ids.into_iter().map(Into::into).collect();
        self
    }

    /// The deadline of the Evaluate call, instead of the gateway's default.
    pub fn evaluate_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.evaluate = Some(timeout);
        self
    }

    /// The deadline of the Endorse call, instead of the gateway's default.
    pub fn endorse_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.endorse = Some(timeout);
        self
    }

    /// The deadline of the Submit call, instead of the gateway's default.
    pub fn submit_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.submit = Some(timeout);
        self
    }

    /// The deadline of the CommitStatus call, instead of the gateway's default.
    pub fn commit_status_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.commit_status = Some(timeout);
        self
    }

    /// Builds the proposal (not yet signed).
    ///
    /// # Errors
    /// [`Error::Random`] if no random nonce can be had.
    pub fn build(self) -> Result<Proposal, Error> {
        let contract = &self.contract;
        let nonce = new_nonce()?;
        let transaction_name = contract.transaction_name(&self.name);
        let (transaction_id, proposal_bytes) = build_proposal(&ProposalParts {
            channel: &contract.channel,
            chaincode: &contract.chaincode,
            transaction_name: &transaction_name,
            arguments: &self.arguments,
            transient: &self.transient,
            creator: &contract.gateway.creator,
            nonce: &nonce,
            timestamp: SystemTime::now(),
        });
        Ok(Proposal::new(
            Arc::clone(&contract.gateway),
            contract.channel.clone(),
            transaction_id,
            proposal_bytes,
            self.endorsing_organizations,
            self.timeouts,
        ))
    }
}

impl ProposalBuilder<Evaluate> {
    /// Evaluates the transaction and returns its result.
    ///
    /// # Errors
    /// As [`Contract::evaluate_transaction`].
    pub async fn invoke(self) -> Result<Bytes, Error> {
        self.build()?.evaluate().await
    }
}

impl ProposalBuilder<SubmitAsync> {
    /// Endorses and submits the transaction, without waiting for its commit.
    ///
    /// # Errors
    /// [`Error::Endorse`], [`Error::Submit`] (with the transaction id),
    /// [`Error::Sign`].
    pub async fn invoke(self) -> Result<SubmittedTransaction, Error> {
        self.build()?.endorse().await?.submit().await
    }
}

impl ProposalBuilder<Submit> {
    /// Endorses and submits the transaction, waits for its commit, and
    /// returns its result if it committed as valid.
    ///
    /// # Errors
    /// As [`Contract::submit_transaction`].
    pub async fn invoke(self) -> Result<Bytes, Error> {
        let submitted = self.build()?.endorse().await?.submit().await?;
        submitted.status().await?.into_result()?;
        Ok(submitted.result().clone())
    }
}
