//! [`ContractChaincode`]: routes `Contract:Transaction` calls to contracts and
//! answers the system contract's `GetMetadata`.

use std::path::Path;

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, success};

use crate::context::Context;
use crate::contract::Contract;
use crate::error::ContractError;
use crate::metadata::{
    ChaincodeMetadata, ContractMetadata, Info, MetadataBuilder, SYSTEM_CONTRACT,
};

/// A chaincode made of contracts.
///
/// Calls arrive as `args[0] = "[Contract:]Transaction"`, split at the last
/// colon (as Go does); without a prefix they go to the default contract.
/// `org.hyperledger.fabric:GetMetadata` returns the metadata JSON.
///
/// ```
/// use fabric_contract_api::{ContractChaincode, Info};
/// # use fabric_contract_api::{contract, Context, ContractError};
/// # #[derive(Default)] struct Greeter;
/// # #[contract] impl Greeter { #[transaction(evaluate)] fn hello(&self, _ctx: &Context, name: String) -> String { format!("hello {name}") } }
///
/// let chaincode = ContractChaincode::new()
///     .with_info(Info::new("greeter", "1.0.0"))
///     .add(Greeter);
/// let metadata = chaincode.metadata().unwrap();
/// assert!(metadata.contracts.contains_key("Greeter"));
/// // In `main`: `chaincode.start()` connects to the peer as the environment says.
/// ```
pub struct ContractChaincode {
    contracts: Vec<Box<dyn Contract>>,
    info: Info,
    metadata_dir: Option<std::path::PathBuf>,
    metadata: OnceLock<Result<Arc<(ChaincodeMetadata, String)>, ContractError>>,
    /// [`ContractChaincode::validate`], once per set of contracts (routing
    /// checks it for every call).
    checked: OnceLock<Result<(), ContractError>>,
}

impl Default for ContractChaincode {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ContractChaincode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.contracts.iter().map(|c| c.name()).collect();
        f.debug_struct("ContractChaincode")
            .field("contracts", &names)
            .finish_non_exhaustive()
    }
}

impl ContractChaincode {
    /// A chaincode with no contracts yet; its info defaults to Go's
    /// (`title` "undefined", `version` "latest").
    pub fn new() -> Self {
        ContractChaincode {
            contracts: Vec::new(),
            info: Info::new("undefined", "latest"),
            metadata_dir: None,
            metadata: OnceLock::new(),
            checked: OnceLock::new(),
        }
    }

    /// Sets the chaincode's info (top-level `info` of the metadata).
    pub fn with_info(mut self, info: Info) -> Self {
        self.info = info;
        self
    }

    /// Adds a contract.
    #[allow(clippy::should_implement_trait)] // a builder step, not arithmetic
    pub fn add<C: Contract>(mut self, contract: C) -> Self {
        self.contracts.push(Box::new(contract));
        self.checked = OnceLock::new();
        self
    }

    /// Looks for the metadata override file (`META-INF/metadata.json`, then
    /// `contract-metadata/metadata.json`) in `dir` instead of the working directory.
    pub fn with_metadata_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.metadata_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Checks the set of contracts: at least one, unique names, at most one default.
    pub fn validate(&self) -> Result<(), ContractError> {
        if self.contracts.is_empty() {
            return Err(ContractError::new(
                "a chaincode needs at least one contract",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.contracts {
            if c.name() == SYSTEM_CONTRACT {
                return Err(ContractError::new(format!(
                    "the contract name {SYSTEM_CONTRACT} is reserved"
                )));
            }
            if !seen.insert(c.name()) {
                return Err(ContractError::new(format!(
                    "two contracts are named {}",
                    c.name()
                )));
            }
        }
        let defaults: Vec<&str> = self
            .contracts
            .iter()
            .filter(|c| c.is_default())
            .map(|c| c.name())
            .collect();
        if defaults.len() > 1 {
            return Err(ContractError::new(format!(
                "only one contract can be the default, but {} are",
                defaults.join(" and ")
            )));
        }
        Ok(())
    }

    fn computed(&self) -> Result<Arc<(ChaincodeMetadata, String)>, ContractError> {
        self.metadata
            .get_or_init(|| {
                self.validate()?;
                let generated = self.generate();
                let dir = match &self.metadata_dir {
                    Some(d) => d.clone(),
                    None => std::env::current_dir().unwrap_or_default(),
                };
                let metadata = crate::override_file::apply(&dir, generated)?;
                let json = serde_json::to_string(&metadata)?;
                Ok(Arc::new((metadata, json)))
            })
            .clone()
    }

    fn generate(&self) -> ChaincodeMetadata {
        let default = self.default_index();
        let mut builder = MetadataBuilder::new();
        let contracts = self
            .contracts
            .iter()
            .enumerate()
            .map(|(i, c)| ContractMetadata {
                name: c.name().to_owned(),
                info: Some(c.info()),
                transactions: c.transactions(&mut builder),
                default: Some(i) == default,
            })
            .collect();
        builder.finish(self.info.clone(), contracts)
    }

    /// The metadata (generated, or from an override file).
    pub fn metadata(&self) -> Result<ChaincodeMetadata, ContractError> {
        Ok(self.computed()?.0.clone())
    }

    /// The metadata as the JSON that `GetMetadata` returns.
    pub fn metadata_json(&self) -> Result<String, ContractError> {
        Ok(self.computed()?.1.clone())
    }

    fn default_index(&self) -> Option<usize> {
        self.contracts
            .iter()
            .position(|c| c.is_default())
            .or((!self.contracts.is_empty()).then_some(0))
    }

    /// Runs one invocation: what the peer's INIT and TRANSACTION do.
    pub async fn route(&self, stub: &ChaincodeStub) -> Response {
        match self.route_inner(stub).await {
            Ok(payload) => success(payload),
            Err(e) => e.into_response(),
        }
    }

    async fn route_inner(&self, stub: &ChaincodeStub) -> Result<Bytes, ContractError> {
        let args = stub.args();
        let Some(first) = args.first() else {
            return Err(ContractError::new("Blank function name passed"));
        };
        let full = String::from_utf8_lossy(first);
        let (namespace, function) = match full.rfind(':') {
            Some(i) => (&full[..i], &full[i + 1..]),
            None => ("", &full[..]),
        };
        if namespace == SYSTEM_CONTRACT {
            return match function {
                "GetMetadata" => Ok(Bytes::from(self.metadata_json()?)),
                other => Err(ContractError::new(format!(
                    "Function {other} not found in contract {SYSTEM_CONTRACT}"
                ))),
            };
        }
        if let Err(e) = self.checked.get_or_init(|| self.validate()) {
            return Err(e.clone());
        }
        let contract = if namespace.is_empty() {
            self.default_index().map(|i| &self.contracts[i])
        } else {
            self.contracts.iter().find(|c| c.name() == namespace)
        };
        let Some(contract) = contract else {
            return Err(ContractError::new(format!(
                "Contract not found with name {namespace}"
            )));
        };
        if function.is_empty() {
            return Err(ContractError::new("Blank function name passed"));
        }
        // As Go: a call "createAsset" finds "CreateAsset".
        let upper;
        let function = if contract.has_transaction(function) {
            function
        } else {
            upper = first_upper(function);
            if contract.has_transaction(&upper) {
                &upper
            } else {
                function
            }
        };
        let ctx = Context::new(stub.clone(), function);
        contract.dispatch(ctx, function, &args[1..]).await
    }

    /// Starts the chaincode, in the mode its environment selects, and returns
    /// the process exit code: the body of `main` (see [`main!`](crate::main!)).
    ///
    /// With the argument `metadata` (or `--metadata`) it prints the metadata
    /// JSON and exits, without a peer: for build-time tooling.
    ///
    /// On SIGTERM or Ctrl-C it stops gracefully: running transactions
    /// complete, new ones are refused, and the exit code is success, or
    /// failure when `CHAINCODE_DRAIN_TIMEOUT` cut some off (see
    /// [`fabric_chaincode_shim::transport`]). Logs are set up by
    /// [`fabric_chaincode_shim::logging::init`].
    #[cfg(feature = "runtime")]
    pub fn start(self) -> std::process::ExitCode {
        use std::process::ExitCode;
        crate::logging::init();
        let first = std::env::args().nth(1);
        if matches!(first.as_deref(), Some("metadata" | "--metadata")) {
            return match self.metadata() {
                Ok(m) => {
                    println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        if let Err(e) = self.computed() {
            tracing::error!("cannot start the chaincode: {e}");
            return ExitCode::FAILURE;
        }
        match fabric_chaincode_shim::start(self) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("chaincode stopped: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

fn first_upper(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Chaincode for ContractChaincode {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        self.route(stub).await
    }

    async fn init(&self, stub: &ChaincodeStub) -> Response {
        if stub.args().is_empty() {
            return success("Default initiator successful.");
        }
        self.route(stub).await
    }
}
