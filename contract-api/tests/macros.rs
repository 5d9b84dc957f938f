//! End-to-end behaviour of the code `#[contract]` generates: two contracts in
//! one chaincode, driven through the shim's real session by a tiny peer
//! emulation (module `peer` below), plus the `GetMetadata` document checked
//! against Fabric's two contract schemas.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fabric_contract_api::{
    Context, ContractChaincode, ContractError, Info, TransactionContext, contract,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// ---------------------------------------------------------------- user types

/// Colour of an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
enum Colour {
    Red,
    Blue,
}

/// Someone owning assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Owner {
    name: String,
    org: Option<String>,
}

/// An asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Asset {
    id: String,
    size: u32,
    colour: Colour,
    owners: Vec<Owner>,
    appraisals: BTreeMap<String, f64>,
    labels: HashMap<String, String>,
    note: Option<String>,
}

/// A plain `Display` error.
#[derive(Debug)]
struct NotFound(String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "asset {} not found", self.0)
    }
}

// ---------------------------------------------------------------- contracts

/// What the contracts did, per test (each test builds its own contracts).
#[derive(Clone, Default)]
struct Journal {
    log: Arc<Mutex<Vec<String>>>,
    runs: Arc<AtomicUsize>,
}

impl Journal {
    fn push(&self, entry: impl Into<String>) {
        self.log.lock().unwrap().push(entry.into());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// A custom context: the standard one plus a field of its own.
struct AuditContext {
    base: Context,
    label: String,
}

impl TransactionContext for AuditContext {
    fn from_context(base: Context) -> Self {
        let label = format!("audited {}", base.function());
        AuditContext { base, label }
    }

    fn context(&self) -> &Context {
        &self.base
    }
}

#[derive(Clone, Default)]
struct AssetContract {
    journal: Journal,
}

/// Manages assets.
#[contract(
    name = "basic",
    default,
    title = "Asset transfer",
    version = "1.2.3",
    license(
        name = "Apache-2.0",
        url = "https://www.apache.org/licenses/LICENSE-2.0"
    ),
    contact(name = "Ops", email = "ops@example.org", url = "https://example.org")
)]
impl AssetContract {
    /// Creates an asset.
    ///
    /// # Arguments
    /// * `id` - the asset's id
    /// * `size` - its size
    /// * owner: who owns it
    #[transaction]
    async fn create_asset(
        &self,
        ctx: &AuditContext,
        id: String,
        size: u32,
        owner: Owner,
    ) -> Result<Asset, ContractError> {
        self.journal.runs.fetch_add(1, Ordering::SeqCst);
        self.journal.push(format!("create_asset in {}", ctx.label));
        tokio::task::yield_now().await;
        Ok(Asset {
            id,
            size,
            colour: Colour::Red,
            owners: vec![owner],
            appraisals: BTreeMap::new(),
            labels: HashMap::new(),
            note: None,
        })
    }

    #[transaction(evaluate)]
    fn asset_exists(&self, _ctx: &AuditContext, id: String) -> bool {
        id == "a1"
    }

    #[transaction(evaluate, name = "Echo")]
    fn echo_text(
        &self,
        _ctx: &AuditContext,
        /// the text to send back
        text: String,
    ) -> String {
        text
    }

    #[transaction(evaluate)]
    fn mix(&self, _ctx: &AuditContext, small: i32, big: u64, ratio: f64, flag: bool) -> String {
        format!("{small}|{big}|{ratio}|{flag}")
    }

    #[transaction(evaluate)]
    fn half(&self, _ctx: &AuditContext, x: f64) -> f64 {
        x / 2.0
    }

    #[transaction(evaluate)]
    fn reverse(&self, _ctx: &AuditContext, data: Vec<u8>) -> Vec<u8> {
        data.into_iter().rev().collect()
    }

    #[transaction(evaluate)]
    async fn count(
        &self,
        _ctx: &AuditContext,
        owners: Vec<Owner>,
        extra: Option<u32>,
    ) -> Result<u64, ContractError> {
        Ok(owners.len() as u64 + u64::from(extra.unwrap_or(0)))
    }

    #[transaction]
    fn transfer(
        &self,
        _ctx: &AuditContext,
        mut asset: Asset,
        colour: Colour,
        appraisals: BTreeMap<String, f64>,
    ) -> Result<Asset, ContractError> {
        asset.colour = colour;
        asset.appraisals = appraisals;
        asset.note = Some("transferred".into());
        Ok(asset)
    }

    #[transaction]
    fn nothing(&self, _ctx: &AuditContext) {}

    #[transaction]
    async fn fail_with_payload(&self, _ctx: &AuditContext) -> Result<(), ContractError> {
        Err(ContractError::new("rejected").with_payload(r#"{"code":42}"#))
    }

    #[transaction(evaluate)]
    fn read_asset(&self, _ctx: &AuditContext, id: String) -> Result<Asset, NotFound> {
        Err(NotFound(id))
    }

    #[transaction]
    fn explode(&self, _ctx: &AuditContext) -> String {
        panic!("boom")
    }

    #[transaction(evaluate)]
    fn who(&self, ctx: &AuditContext) -> String {
        format!("{} / {}", ctx.label, ctx.context().function())
    }

    fn helper(&self) -> usize {
        self.journal.runs.load(Ordering::SeqCst)
    }

    #[before_transaction]
    async fn before(&self, ctx: &AuditContext) -> Result<(), ContractError> {
        let function = ctx.context().function();
        self.journal.push(format!("before {function}"));
        if function == "Forbidden" {
            return Err(ContractError::new("forbidden by the before hook"));
        }
        Ok(())
    }

    #[after_transaction]
    fn after(&self, ctx: &AuditContext, payload: &[u8]) -> Result<(), NotFound> {
        self.journal.push(format!(
            "after {} {}",
            ctx.context().function(),
            String::from_utf8_lossy(payload)
        ));
        if payload == b"veto" {
            return Err(NotFound("veto".into()));
        }
        Ok(())
    }

    #[unknown_transaction]
    async fn unknown(&self, ctx: &AuditContext) -> Result<String, ContractError> {
        let function = ctx.context().function();
        self.journal.push(format!("unknown {function}"));
        if function == "Forbidden" {
            unreachable!("the before hook stops it");
        }
        Ok(format!("no transaction {function}"))
    }
}

/// A second contract, with the standard context, a prefix containing a
/// colon and no hooks.
#[derive(Default)]
struct Second;

#[contract(name = "acme:second")]
impl Second {
    #[transaction(evaluate)]
    fn hello(&self, ctx: &Context, name: String) -> String {
        format!("hello {name} from {}", ctx.function())
    }

    #[transaction]
    async fn create_asset(&self, _ctx: &Context) -> &'static str {
        "second"
    }
}

fn chaincode(journal: &Journal) -> ContractChaincode {
    ContractChaincode::new()
        .with_info(Info::new("macros-test", "0.0.1"))
        .add(Second)
        .add(AssetContract {
            journal: journal.clone(),
        })
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn routing_by_wire_name() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;

    // The default contract, without a prefix and with its name.
    assert_eq!(peer.ok(&["Echo", "hi"]).await, "hi");
    assert_eq!(peer.ok(&["basic:Echo", "hi"]).await, "hi");
    assert_eq!(peer.ok(&["basic:AssetExists", "a1"]).await, "true");
    // As Go: a first letter in lower case finds the transaction.
    assert_eq!(peer.ok(&["assetExists", "zz"]).await, "false");
    // The prefix is split at the last colon.
    assert_eq!(
        peer.ok(&["acme:second:Hello", "bob"]).await,
        "hello bob from Hello"
    );
    assert_eq!(peer.ok(&["acme:second:CreateAsset"]).await, "second");

    let e = peer.err(&["missing:Hello"]).await;
    assert_eq!(e.message, "Contract not found with name missing");
    let e = peer.err(&["acme:second:Nope"]).await;
    assert_eq!(e.message, "Function Nope not found in contract acme:second");
    // Calling a method that is not a transaction is an unknown function.
    assert_eq!(peer.ok(&["Helper"]).await, "no transaction Helper");
}

#[tokio::test]
async fn argument_and_result_encodings() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;

    let asset = peer
        .ok(&["CreateAsset", "a1", "10", r#"{"name":"alice","org":null}"#])
        .await;
    let asset: Value = serde_json::from_str(&asset).unwrap();
    assert_eq!(
        asset,
        json!({"id": "a1", "size": 10, "colour": "Red", "owners": [{"name": "alice", "org": null}],
               "appraisals": {}, "labels": {}, "note": null})
    );
    assert_eq!(
        peer.ok(&["Mix", "-3", "18446744073709551615", "0.25", "TRUE"])
            .await,
        "-3|18446744073709551615|0.25|true"
    );
    assert_eq!(peer.ok(&["Half", "3"]).await, "1.5");
    assert_eq!(
        peer.invoke(&[b"Reverse", b"\x00\x01\xff"]).await.payload,
        &b"\xff\x01\x00"[..]
    );
    assert_eq!(
        peer.ok(&["Count", r#"[{"name":"a"},{"name":"b","org":"o"}]"#, "5"])
            .await,
        "7"
    );
    // An `Option` parameter: empty, or left out at the end, is `None`.
    assert_eq!(peer.ok(&["Count", "[]", ""]).await, "0");
    assert_eq!(peer.ok(&["Count", "[]"]).await, "0");
    let e = peer.err(&["Count", "[]", "null"]).await;
    assert!(
        e.message
            .contains("expected a non-negative integer (u32), got 'null'"),
        "{}",
        e.message
    );
    let moved = peer
        .ok(&[
            "Transfer",
            r#"{"id":"a2","size":1,"colour":"Red","owners":[],"appraisals":{},"labels":{"k":"v"},"note":null}"#,
            r#""Blue""#,
            r#"{"bank":12.5}"#,
        ])
        .await;
    let moved: Asset = serde_json::from_str(&moved).unwrap();
    assert_eq!(moved.colour, Colour::Blue);
    assert_eq!(moved.appraisals["bank"], 12.5);
    assert_eq!(moved.labels["k"], "v");
    assert_eq!(moved.note.as_deref(), Some("transferred"));

    let unit = peer.invoke(&[b"Nothing"]).await;
    assert_eq!((unit.status, unit.payload.len()), (200, 0));
}

#[tokio::test]
async fn argument_errors_never_run_the_transaction() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;

    let e = peer.err(&["CreateAsset", "a1"]).await;
    assert_eq!(
        e.message,
        "incorrect number of params for CreateAsset. Expected 3 (id, size, owner), received 1"
    );
    let e = peer.err(&["CreateAsset", "a1", "ten", "{}"]).await;
    assert_eq!(
        e.message,
        "error managing parameter size (argument 2 of CreateAsset): expected a non-negative integer (u32), got 'ten': invalid digit found in string"
    );
    let e = peer.err(&["CreateAsset", "a1", "10", "{\"nom\":1}"]).await;
    assert!(
        e.message.starts_with(
            "error managing parameter owner (argument 3 of CreateAsset): expected JSON for Owner"
        ),
        "{}",
        e.message
    );
    let e = peer.err(&["Transfer", "{}", "Green", "{}"]).await;
    assert!(
        e.message
            .starts_with("error managing parameter asset (argument 1 of Transfer)"),
        "{}",
        e.message
    );
    assert_eq!(
        journal.runs.load(Ordering::SeqCst),
        0,
        "a bad argument ran the transaction"
    );
    assert_eq!(
        journal.take(),
        [
            "before CreateAsset",
            "before CreateAsset",
            "before CreateAsset",
            "before Transfer"
        ],
        "the before hook runs, then decoding fails, and the after hook does not run"
    );

    peer.ok(&["CreateAsset", "a1", "10", r#"{"name":"alice"}"#])
        .await;
    assert_eq!(journal.runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        AssetContract {
            journal: journal.clone()
        }
        .helper(),
        1
    );
}

#[tokio::test]
async fn errors() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;

    let e = peer.err(&["FailWithPayload"]).await;
    assert_eq!(
        (e.status, e.message.as_str(), &e.payload[..]),
        (500, "rejected", &br#"{"code":42}"#[..])
    );
    let e = peer.err(&["ReadAsset", "a9"]).await;
    assert_eq!(
        (e.status, e.message.as_str(), e.payload.len()),
        (500, "asset a9 not found", 0)
    );
}

#[tokio::test]
async fn hooks_and_custom_context() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;

    let created = peer
        .ok(&["CreateAsset", "a1", "10", r#"{"name":"alice"}"#])
        .await;
    // The after hook receives exactly the payload sent.
    assert_eq!(
        journal.take(),
        [
            "before CreateAsset".to_owned(),
            "create_asset in audited CreateAsset".to_owned(),
            format!("after CreateAsset {created}")
        ]
    );

    // Unknown functions: before, the unknown hook (its result sent as a
    // transaction's), after.
    assert_eq!(
        peer.ok(&["basic:NoSuchThing"]).await,
        "no transaction NoSuchThing"
    );
    assert_eq!(
        journal.take(),
        [
            "before NoSuchThing",
            "unknown NoSuchThing",
            "after NoSuchThing no transaction NoSuchThing"
        ]
    );

    // A failing before hook stops the call.
    let e = peer.err(&["Forbidden"]).await;
    assert_eq!(e.message, "forbidden by the before hook");
    assert_eq!(journal.take(), ["before Forbidden"]);

    // A failing after hook turns success into an error.
    let e = peer.err(&["Echo", "veto"]).await;
    assert_eq!(e.message, "asset veto not found");
    assert_eq!(journal.take(), ["before Echo", "after Echo veto"]);

    // A failing transaction skips the after hook.
    peer.err(&["FailWithPayload"]).await;
    assert_eq!(journal.take(), ["before FailWithPayload"]);

    // The custom context sees the resolved function name.
    assert_eq!(peer.ok(&["who"]).await, "audited Who / Who");
}

#[tokio::test]
async fn panics_become_errors() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;
    let e = peer.err(&["Explode"]).await;
    assert!(e.message.contains("boom"), "{}", e.message);
    // The session survives.
    assert_eq!(peer.ok(&["Echo", "still here"]).await, "still here");
}

// ---------------------------------------------------------------- metadata

#[tokio::test]
async fn metadata_validates_and_describes_the_contracts() {
    let journal = Journal::default();
    let mut peer = peer::Peer::start(chaincode(&journal)).await;
    let text = peer.ok(&["org.hyperledger.fabric:GetMetadata"]).await;
    let metadata: Value = serde_json::from_str(&text).unwrap();

    test_fixtures::assert_valid_metadata(&metadata);
    // The validators do reject a broken document.
    let mut broken = metadata.clone();
    broken["contracts"]["basic"]["transactions"][0]["parameters"][0]["bogus"] = json!(1);
    let problems = test_fixtures::validate_metadata(&broken).unwrap_err();
    for official in test_fixtures::official_schemas() {
        assert!(
            problems.iter().any(|p| p.starts_with(&official.name)),
            "{} accepted a broken document",
            official.name
        );
    }

    assert_eq!(
        metadata["info"],
        json!({"title": "macros-test", "version": "0.0.1"})
    );
    let basic = &metadata["contracts"]["basic"];
    assert_eq!(basic["name"], "basic");
    assert_eq!(basic["default"], true);
    assert_eq!(
        basic["info"],
        json!({
            "title": "Asset transfer",
            "version": "1.2.3",
            "description": "Manages assets.",
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
            "contact": {"name": "Ops", "email": "ops@example.org", "url": "https://example.org"}
        })
    );
    let second = &metadata["contracts"]["acme:second"];
    assert_eq!(second["default"], false);
    assert_eq!(
        second["info"],
        json!({"title": "acme:second", "version": "latest"})
    );
    assert!(metadata["contracts"]["org.hyperledger.fabric"].is_object());

    // Transactions in declaration order, with their tags.
    let txs = basic["transactions"].as_array().unwrap();
    let names: Vec<&str> = txs.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "CreateAsset",
            "AssetExists",
            "Echo",
            "Mix",
            "Half",
            "Reverse",
            "Count",
            "Transfer",
            "Nothing",
            "FailWithPayload",
            "ReadAsset",
            "Explode",
            "Who"
        ]
    );
    let tx = |name: &str| txs.iter().find(|t| t["name"] == name).unwrap();
    assert_eq!(
        tx("CreateAsset")["tag"],
        json!(["submit", "SUBMIT", "submitTx"])
    );
    assert_eq!(tx("AssetExists")["tag"], json!(["evaluate", "EVALUATE"]));

    // Parameters: Rust names, descriptions from doc comments, schemas.
    assert_eq!(
        tx("CreateAsset")["parameters"],
        json!([
            {"name": "id", "description": "the asset's id", "required": true, "schema": {"type": "string"}},
            {"name": "size", "description": "its size", "required": true,
             "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295u32}},
            {"name": "owner", "description": "who owns it", "required": true, "schema": {"$ref": "#/components/schemas/Owner"}}
        ])
    );
    assert_eq!(
        tx("CreateAsset")["returns"],
        json!({"$ref": "#/components/schemas/Asset"})
    );
    assert_eq!(
        tx("Echo")["parameters"][0]["description"],
        "the text to send back"
    );
    assert_eq!(tx("AssetExists")["returns"], json!({"type": "boolean"}));
    assert_eq!(
        tx("Reverse")["parameters"][0]["schema"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        tx("Count")["parameters"][0]["schema"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Owner"}})
    );
    // An `Option<u32>` is described as a `u32` that is not required.
    assert_eq!(
        tx("Count")["parameters"][1],
        json!({"name": "extra", "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295u32}})
    );
    assert_eq!(
        tx("Transfer")["parameters"][1]["schema"],
        json!({"$ref": "#/components/schemas/Colour"})
    );
    assert!(tx("Nothing").get("returns").is_none());
    assert_eq!(tx("Nothing")["parameters"], json!([]));

    // Every user type is a component with `$id`, nested ones included.
    let schemas = metadata["components"]["schemas"].as_object().unwrap();
    let mut keys: Vec<&str> = schemas.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Asset", "Colour", "Owner"]);
    for (name, schema) in schemas {
        assert_eq!(schema["$id"], name.as_str());
    }
    assert_eq!(
        schemas["Asset"]["properties"]["owners"]["items"]["$ref"],
        "#/components/schemas/Owner"
    );
    assert_eq!(
        schemas["Asset"]["properties"]["colour"]["$ref"],
        "#/components/schemas/Colour"
    );
    assert_eq!(schemas["Colour"]["enum"], json!(["Red", "Blue"]));
}

// ---------------------------------------------------------------- the peer

/// Just enough of a peer to run transactions through the shim's session:
/// the handshake, then TRANSACTION → COMPLETED. The contracts here keep no
/// state, so any other request from the chaincode fails the test.
mod peer {
    use std::sync::Arc;

    use bytes::Bytes;
    use fabric_chaincode_shim::message::{MessageType, encode, frame};
    use fabric_chaincode_shim::proto::protos::{ChaincodeInput, ChaincodeMessage, Response};
    use fabric_chaincode_shim::session::Session;
    use fabric_contract_api::ContractChaincode;
    use prost::Message;
    use tokio::sync::mpsc;

    pub struct Peer {
        to_chaincode: mpsc::Sender<ChaincodeMessage>,
        from_chaincode: fabric_chaincode_shim::session::Outgoing,
        next_tx: usize,
    }

    impl Peer {
        /// Starts a session for `chaincode` and completes the handshake.
        pub async fn start(chaincode: ContractChaincode) -> Peer {
            let (session, mut from_chaincode) = Session::new(Arc::new(chaincode), "macros-test");
            let (to_chaincode, inbound) = mpsc::channel::<ChaincodeMessage>(16);
            let inbound = Box::pin(futures_util::stream::unfold(inbound, |mut rx| async move {
                rx.recv().await.map(|msg| (Ok(msg), rx))
            }));
            tokio::spawn(session.run(inbound));

            let register = from_chaincode.recv().await.expect("REGISTER");
            assert_eq!(register.r#type, MessageType::Register as i32);
            for ty in [MessageType::Registered, MessageType::Ready] {
                to_chaincode
                    .send(frame(ty, Bytes::new(), "", ""))
                    .await
                    .unwrap();
            }
            Peer {
                to_chaincode,
                from_chaincode,
                next_tx: 0,
            }
        }

        /// Runs one transaction and returns its response.
        pub async fn invoke(&mut self, args: &[&[u8]]) -> Response {
            self.next_tx += 1;
            let txid = format!("tx{}", self.next_tx);
            let input = ChaincodeInput {
                args: args.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
                ..Default::default()
            };
            self.to_chaincode
                .send(frame(MessageType::Transaction, encode(&input), &txid, "ch"))
                .await
                .unwrap();
            let msg = self.from_chaincode.recv().await.expect("an answer");
            assert_eq!(msg.txid, txid);
            assert_eq!(
                msg.r#type,
                MessageType::Completed as i32,
                "unexpected {} from the chaincode",
                fabric_chaincode_shim::message::type_name(msg.r#type)
            );
            Response::decode(msg.payload).unwrap()
        }

        /// Runs a transaction that must succeed; returns its payload as text.
        pub async fn ok(&mut self, args: &[&str]) -> String {
            let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
            let response = self.invoke(&args).await;
            assert_eq!(
                response.status, 200,
                "{args:?} failed: {}",
                response.message
            );
            String::from_utf8(response.payload.to_vec()).unwrap()
        }

        /// Runs a transaction that must fail; returns its response.
        pub async fn err(&mut self, args: &[&str]) -> Response {
            let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
            let response = self.invoke(&args).await;
            assert_eq!(
                response.status, 500,
                "{args:?} did not fail: {:?}",
                response.payload
            );
            response
        }
    }
}

/// The same chaincode through the development peer over real gRPC on
/// loopback (the chaincode dials the peer, as a peer-launched chaincode does).
#[tokio::test]
async fn the_same_dispatch_over_grpc_through_the_development_peer() {
    use bytes::Bytes;
    use fabric_dev_peer::{DevPeer, Invocation, RegisterServer};

    let journal = Journal::default();
    let peer = DevPeer::in_memory().unwrap();
    let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
    let config = fabric_chaincode_shim::transport::DialConfig {
        peer_address: server.local_addr().to_string(),
        chaincode_id: "macros:1".into(),
        tls: None,
    };
    peer.serve(server);
    let chaincode = std::sync::Arc::new(chaincode(&journal));
    tokio::spawn(async move { fabric_chaincode_shim::transport::dial(chaincode, &config).await });
    peer.wait_for("macros", std::time::Duration::from_secs(10))
        .await
        .unwrap();

    let call = |args: &[&str]| Invocation::new("macros", args);
    let created = peer
        .submit(call(&[
            "CreateAsset",
            "a1",
            "10",
            r#"{"name":"alice","org":null}"#,
        ]))
        .await
        .unwrap();
    assert_eq!(created.status(), 200, "{}", created.message());
    let asset: Value = serde_json::from_slice(created.payload()).unwrap();
    assert_eq!(asset["owners"][0]["name"], "alice");
    assert_eq!(
        peer.evaluate(call(&["acme:second:Hello", "bob"]))
            .await
            .unwrap()
            .payload_text(),
        "hello bob from Hello"
    );
    let bytes = peer
        .evaluate(Invocation::with_args(
            "macros",
            vec![
                Bytes::from_static(b"Reverse"),
                Bytes::from_static(b"\x00\x01\xff"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(&bytes.payload()[..], b"\xff\x01\x00");
    let bad = peer
        .submit(call(&["CreateAsset", "a2", "ten", "{}"]))
        .await
        .unwrap();
    assert_eq!(bad.status(), 500);
    assert!(bad.message().contains("size"), "{}", bad.message());
    let metadata = peer
        .evaluate(call(&["org.hyperledger.fabric:GetMetadata"]))
        .await
        .unwrap();
    let metadata: Value = serde_json::from_slice(metadata.payload()).unwrap();
    assert!(metadata["contracts"]["acme:second"].is_object());
    assert!(metadata["contracts"]["basic"].is_object());
}
