//! [`Network`]: one Fabric channel seen through a [`Gateway`](crate::Gateway).

use std::fmt;
use std::sync::Arc;

use crate::contract::Contract;
use crate::events::ChaincodeEventsBuilder;
use crate::gateway::GatewayInner;

/// A Fabric channel: where contracts run and chaincode events come from.
///
/// ```no_run
/// # async fn run(gateway: fabric_gateway_client::Gateway) {
/// let network = gateway.network("mychannel");
/// let basic = network.contract("basic");
/// let tokens = network.contract_with_name("token", "org.example.Erc20");
/// # let _ = (basic, tokens);
/// # }
/// ```
#[derive(Clone)]
pub struct Network {
    gateway: Arc<GatewayInner>,
    name: String,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Network {
    pub(crate) fn new(gateway: Arc<GatewayInner>, name: String) -> Self {
        Self { gateway, name }
    }

    /// The channel name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The default contract of a chaincode: transaction names are sent as given.
    #[must_use]
    pub fn contract(&self, chaincode_name: impl Into<String>) -> Contract {
        Contract::new(
            Arc::clone(&self.gateway),
            self.name.clone(),
            chaincode_name.into(),
            None,
        )
    }

    /// A named contract of a chaincode: transaction `f` is sent as
    /// `contract_name:f`.
    #[must_use]
    pub fn contract_with_name(
        &self,
        chaincode_name: impl Into<String>,
        contract_name: impl Into<String>,
    ) -> Contract {
        Contract::new(
            Arc::clone(&self.gateway),
            self.name.clone(),
            chaincode_name.into(),
            Some(contract_name.into()),
        )
    }

    /// Starts a request for the events a chaincode emits in committed
    /// (valid) transactions; by default from the next block committed.
    pub fn chaincode_events(&self, chaincode_name: impl Into<String>) -> ChaincodeEventsBuilder {
        ChaincodeEventsBuilder::new(
            Arc::clone(&self.gateway),
            self.name.clone(),
            chaincode_name.into(),
        )
    }
}
