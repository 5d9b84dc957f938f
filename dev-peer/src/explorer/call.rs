//! Calling a transaction from the page: a real signed Gateway transaction,
//! made with `fabric-gateway-client` as the chosen development user, and
//! the command line that does the same.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fabric_gateway_client::{Gateway, PeerEndpoint, msp};
use serde::{Deserialize, Serialize};

use super::feed::{EventView, code_name, events_of};
use super::{Decoded, Shared};

/// How long a call may take, step by step.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A call the page asks for.
#[derive(Debug, Clone, Deserialize)]
pub struct CallRequest {
    /// Chaincode name.
    pub chaincode: String,
    /// Function, as the metadata view gives it (`Contract:Tx` or `Tx`).
    pub function: String,
    /// One JSON text per parameter; `null` leaves an optional one empty.
    #[serde(default)]
    pub arguments: Vec<Option<String>>,
    /// Transient data: key and text value.
    #[serde(default)]
    pub transient: Vec<(String, String)>,
    /// `"submit"` or `"evaluate"`.
    pub mode: String,
    /// MSP id of the identity.
    pub mspid: String,
    /// The identity's name (`User1` or `User1@org1.example.com`).
    pub user: String,
}

/// What a call did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CallResult {
    /// Whether it succeeded (evaluated, or committed as valid).
    pub ok: bool,
    /// `"submit"` or `"evaluate"`.
    pub mode: String,
    /// The arguments sent, function first.
    pub args: Vec<String>,
    /// Who signed it: `User1@org1.example.com (Org1MSP)`.
    pub identity: String,
    /// Its transaction id.
    pub txid: Option<String>,
    /// The block it was committed in (submit).
    pub block: Option<u64>,
    /// Its validation code's name (submit), e.g. `VALID`.
    pub validation: Option<String>,
    /// The chaincode's status, when it answered with an error.
    pub status: Option<i32>,
    /// Its result.
    pub result: Option<Decoded>,
    /// Why it failed, as the chaincode or the Gateway said it.
    pub error: Option<String>,
    /// The Gateway's error in full (code and details).
    pub details: Option<String>,
    /// The chaincode events it emitted (from its committed block).
    pub events: Vec<EventView>,
    /// The same call from the command line.
    pub command: String,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Gateway connections, one per identity, made on first use.
#[derive(Default)]
pub(crate) struct Clients {
    gateways: tokio::sync::Mutex<HashMap<(String, String), Gateway>>,
}

impl Clients {
    async fn gateway(&self, shared: &Shared, mspid: &str, user: &str) -> Result<Gateway, String> {
        let material = shared
            .network
            .user(mspid, user)
            .ok_or_else(|| format!("no development identity {user} in {mspid}"))?;
        let key = (mspid.to_owned(), material.name.clone());
        let mut gateways = self.gateways.lock().await;
        if let Some(gateway) = gateways.get(&key) {
            return Ok(gateway.clone());
        }
        let (identity, signer) = msp::load(&material.msp_dir, mspid)
            .map_err(|e| format!("cannot load {}: {e}", material.msp_dir.display()))?;
        let mut endpoint = PeerEndpoint::new(shared.gateway.to_string());
        if shared.tls {
            endpoint = endpoint.tls_ca_certificate(shared.network.tls.ca_pem.clone().into_bytes());
        }
        let gateway = Gateway::builder()
            .identity(identity)
            .signer(signer)
            .endpoint(endpoint)
            .evaluate_timeout(TIMEOUT)
            .endorse_timeout(TIMEOUT)
            .submit_timeout(TIMEOUT)
            .commit_status_timeout(TIMEOUT)
            .connect()
            .await
            .map_err(|e| format!("cannot connect to the Gateway at {}: {e}", shared.gateway))?;
        gateways.insert(key, gateway.clone());
        Ok(gateway)
    }
}

/// Runs `request` with already encoded `args` (function first).
pub(crate) async fn call(shared: &Shared, request: &CallRequest, args: Vec<String>) -> CallResult {
    let started = Instant::now();
    let submit = request.mode == "submit";
    let mut out = CallResult {
        mode: if submit { "submit" } else { "evaluate" }.into(),
        command: command_line(shared, request, &args),
        identity: match shared.network.user(&request.mspid, &request.user) {
            Some(u) => format!("{} ({})", u.name, request.mspid),
            None => format!("{} ({})", request.user, request.mspid),
        },
        ..CallResult::default()
    };
    let gateway = match shared
        .clients
        .gateway(shared, &request.mspid, &request.user)
        .await
    {
        Ok(g) => g,
        Err(e) => {
            out.error = Some(e);
            out.args = args;
            return out;
        }
    };
    let contract = gateway
        .network(shared.channel.as_str())
        .contract(request.chaincode.as_str());
    let (function, rest) = args.split_first().expect("the function comes first");
    let transient: Vec<(String, Vec<u8>)> = request
        .transient
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
        .collect();
    if submit {
        match contract
            .submit_async(function)
            .arguments(rest)
            .transient_data(transient)
            .invoke()
            .await
        {
            Ok(submitted) => {
                out.txid = Some(submitted.transaction_id().to_owned());
                out.result = Some(Decoded::new(submitted.result()));
                match submitted.status().await {
                    Ok(status) => {
                        out.block = Some(status.block_number);
                        out.validation = Some(code_name(status.code));
                        out.ok = status.successful;
                        if status.successful {
                            match events_of(
                                shared.peer.ledger(),
                                &shared.channel,
                                status.block_number,
                                &status.transaction_id,
                            ) {
                                Ok(events) => out.events = events,
                                Err(e) => out.details = Some(format!("events: {e}")),
                            }
                        } else if let Err(e) = status.into_result() {
                            out.error = Some(e.to_string());
                        }
                    }
                    Err(e) => fail(&mut out, &e),
                }
            }
            Err(e) => fail(&mut out, &e),
        }
    } else {
        let proposal = contract
            .new_proposal(function)
            .arguments(rest)
            .transient_data(transient)
            .build();
        match proposal {
            Ok(proposal) => {
                out.txid = Some(proposal.transaction_id().to_owned());
                match proposal.evaluate().await {
                    Ok(payload) => {
                        out.ok = true;
                        out.result = Some(Decoded::new(&payload));
                    }
                    Err(e) => fail(&mut out, &e),
                }
            }
            Err(e) => fail(&mut out, &e),
        }
    }
    out.args = args;
    out.elapsed_ms = started.elapsed().as_millis() as u64;
    out
}

/// Fills in a failure: the chaincode's own message when it gave one.
fn fail(out: &mut CallResult, error: &fabric_gateway_client::Error) {
    if out.txid.is_none() {
        out.txid = error.transaction_id().map(str::to_owned);
    }
    out.details = Some(error.to_string());
    // "chaincode response 500, the asset x does not exist"
    let chaincode = error.details().iter().find_map(|d| {
        let rest = d.message.strip_prefix("chaincode response ")?;
        let (status, message) = rest.split_once(", ")?;
        Some((status.parse::<i32>().ok()?, message.to_owned()))
    });
    match chaincode {
        Some((status, message)) => {
            out.status = Some(status);
            out.error = Some(message);
        }
        None => {
            out.error = Some(
                error
                    .details()
                    .first()
                    .map(|d| d.message.clone())
                    .unwrap_or_else(|| error.to_string()),
            )
        }
    }
}

/// `fabric-dev-peer ... invoke|query ... --gateway ...`: the same call
/// through the command line, as the chosen user.
pub(crate) fn command_line(shared: &Shared, request: &CallRequest, args: &[String]) -> String {
    use base64::Engine;
    let user = request.user.split('@').next().unwrap_or(&request.user);
    let mut words: Vec<String> = vec![
        "fabric-dev-peer".into(),
        "--data-dir".into(),
        shared.data_dir.display().to_string(),
    ];
    if shared.channel != "mychannel" {
        words.extend(["-C".into(), shared.channel.clone()]);
    }
    words.extend([
        "--mspid".into(),
        request.mspid.clone(),
        "--user".into(),
        user.to_owned(),
        if request.mode == "submit" {
            "invoke"
        } else {
            "query"
        }
        .into(),
        "-n".into(),
        request.chaincode.clone(),
        "--gateway".into(),
        shared.gateway.to_string(),
    ]);
    if shared.tls {
        words.push("--tls".into());
    }
    words.extend(["-c".into(), serde_json::json!({ "Args": args }).to_string()]);
    if !request.transient.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = request
            .transient
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    base64::engine::general_purpose::STANDARD.encode(v).into(),
                )
            })
            .collect();
        words.extend([
            "--transient".into(),
            serde_json::Value::Object(map).to_string(),
        ]);
    }
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word as a POSIX shell reads it back: bare when it is safe, otherwise
/// in single quotes (a quote inside written `'\''`).
///
/// ```
/// # use fabric_dev_peer::explorer::shell_quote;
/// assert_eq!(shell_quote("Org1MSP"), "Org1MSP");
/// assert_eq!(shell_quote(r#"{"Args":["a b"]}"#), r#"'{"Args":["a b"]}'"#);
/// assert_eq!(shell_quote("it's"), r"'it'\''s'");
/// assert_eq!(shell_quote(""), "''");
/// ```
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
