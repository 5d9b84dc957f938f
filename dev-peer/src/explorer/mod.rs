//! The contract explorer: a web page that `fabric-dev-peer serve` serves
//! on a local port (`--explorer`, `127.0.0.1:7080` by default) to look at
//! the hosted chaincodes and call them.
//!
//! * **Contracts**: every hosted chaincode's contracts and transactions from
//!   its metadata ([`metadata`]), with a form per transaction generated from
//!   its parameter schemas, validated in the page, and called through the
//!   peer's own Fabric Gateway as a development identity — a real signed
//!   transaction — with its result, transaction id, block, validation code,
//!   events, and the equivalent command line.
//! * **Ledger**: world-state keys per chaincode (by key prefix or composite
//!   key parts), values, key history, and private data collections.
//! * **Live feed**: committed transactions and their chaincode events, as
//!   Server-Sent Events ([`feed`]).
//!
//! The page is plain HTML, CSS and JavaScript embedded in the binary; it
//! talks to a small JSON API:
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /api/info` | channel, Gateway address, TLS, data directory |
//! | `GET /api/identities` | every user of every organization: MSP id, name, OUs, attributes |
//! | `GET /api/chaincodes` | the hosted chaincodes and whether they are connected |
//! | `GET /api/chaincodes/{name}` | its contracts ([`metadata::ContractsView`]) |
//! | `GET /api/chaincodes/{name}/metadata` | its raw metadata JSON (`?download=1`: as a file) |
//! | `POST /api/call` | calls a transaction ([`CallRequest`] → [`CallResult`]) |
//! | `GET /api/ledger` | namespaces and collections with their key counts |
//! | `GET /api/ledger/{name}/keys` | a page of keys: `collection`, `prefix` or `type` and repeated `attr`, `after`, `limit`, `mspid` |
//! | `GET /api/ledger/{name}/history?key=` | a key's history, newest first |
//! | `GET /api/transactions` | the committed transactions the feed keeps |
//! | `GET /api/feed` | the same, then each new one, as Server-Sent Events |
//!
//! Errors are `{"error": "..."}` with a 4xx or 5xx status. Requests whose
//! `Host` is not an IP address, `localhost` or one of `serve --host` are
//! refused (no DNS rebinding), and `POST` needs a JSON body (no form
//! posts from other sites).

mod call;
pub mod feed;
pub mod metadata;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

pub use self::call::{CallRequest, CallResult, shell_quote};
pub use self::feed::{CommitTap, Feed, FeedItem, observe};
pub use self::state::{KeyPage, KeyQuery, readers};
use crate::network::DevNetwork;
use crate::peer::{DevPeer, Invocation};

/// The longest value text the API returns; longer ones are cut (with
/// `truncated` set) and the page says so.
pub const MAX_VALUE_TEXT: usize = 256 * 1024;

/// A payload or value, decoded for people: pretty-printed JSON, else text,
/// else base64.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Decoded {
    /// `"json"`, `"text"`, `"binary"` (shown as base64) or `"empty"`.
    pub kind: &'static str,
    /// What to show.
    pub display: String,
    /// Its size in bytes.
    pub size: usize,
    /// Whether `display` was cut at [`MAX_VALUE_TEXT`].
    pub truncated: bool,
}

impl Decoded {
    /// Decodes `bytes`.
    ///
    /// ```
    /// # use fabric_dev_peer::explorer::Decoded;
    /// assert_eq!(Decoded::new(br#"{"a":1}"#).display, "{\n  \"a\": 1\n}");
    /// assert_eq!(Decoded::new(b"Tomoko").kind, "text");
    /// assert_eq!(Decoded::new(&[0xff, 0]).display, "/wA=");
    /// assert_eq!(Decoded::new(b"").kind, "empty");
    /// ```
    pub fn new(bytes: &[u8]) -> Self {
        use base64::Engine;
        let (kind, mut display) = if bytes.is_empty() {
            ("empty", String::new())
        } else if let Ok(text) = std::str::from_utf8(bytes) {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => (
                    "json",
                    serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.to_owned()),
                ),
                _ => ("text", text.to_owned()),
            }
        } else {
            (
                "binary",
                base64::engine::general_purpose::STANDARD.encode(bytes),
            )
        };
        let truncated = display.len() > MAX_VALUE_TEXT;
        if truncated {
            let mut end = MAX_VALUE_TEXT;
            while !display.is_char_boundary(end) {
                end -= 1;
            }
            display.truncate(end);
        }
        Decoded {
            kind,
            display,
            size: bytes.len(),
            truncated,
        }
    }
}

/// What the explorer serves.
pub struct ExplorerConfig {
    /// The peer whose chaincodes and ledger it shows.
    pub peer: DevPeer,
    /// The development organizations and users (the identities to call as).
    pub network: DevNetwork,
    /// The hosted chaincodes' names.
    pub chaincodes: Vec<String>,
    /// Where the peer's Gateway listens (calls go through it).
    pub gateway: SocketAddr,
    /// Whether the Gateway speaks TLS (with `network.tls`).
    pub tls: bool,
    /// The data directory (for the command lines it shows).
    pub data_dir: PathBuf,
    /// Host names besides IP addresses and `localhost` that the page may be
    /// reached by (`serve --host`).
    pub hosts: Vec<String>,
    /// The committed transactions for the live feed ([`observe`]); without
    /// it the feed stays empty.
    pub commits: Option<CommitTap>,
}

impl std::fmt::Debug for ExplorerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplorerConfig")
            .field("chaincodes", &self.chaincodes)
            .field("gateway", &self.gateway)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) peer: DevPeer,
    pub(crate) network: DevNetwork,
    pub(crate) channel: String,
    pub(crate) chaincodes: Vec<String>,
    pub(crate) gateway: SocketAddr,
    pub(crate) tls: bool,
    pub(crate) data_dir: PathBuf,
    pub(crate) hosts: Vec<String>,
    pub(crate) feed: Feed,
    pub(crate) clients: call::Clients,
}

impl Shared {
    fn new(config: ExplorerConfig) -> Self {
        let feed = match config.commits {
            Some(tap) => Feed::start(config.peer.shared_ledger(), tap),
            None => Feed::default(),
        };
        // A Gateway listening on every interface is reached on loopback.
        let mut gateway = config.gateway;
        if gateway.ip().is_unspecified() {
            gateway.set_ip(match gateway {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Shared {
            channel: config.peer.config().channel.clone(),
            peer: config.peer,
            network: config.network,
            chaincodes: config.chaincodes,
            gateway,
            tls: config.tls,
            data_dir: config.data_dir,
            hosts: config.hosts,
            feed,
            clients: call::Clients::default(),
        }
    }

    fn mspids(&self) -> Vec<String> {
        self.network.orgs.iter().map(|o| o.mspid.clone()).collect()
    }
}

type AppState = State<Arc<Shared>>;

/// The explorer's HTTP routes over `config`, to serve with `axum::serve`
/// or to nest in another router. Call it inside a Tokio runtime: the live
/// feed's task starts here.
pub fn router(config: ExplorerConfig) -> axum::Router {
    let shared = Arc::new(Shared::new(config));
    axum::Router::new()
        .route("/", get(index))
        .route("/app.js", get(script))
        .route("/app.css", get(style))
        .route("/api/info", get(info))
        .route("/api/identities", get(identities))
        .route("/api/chaincodes", get(chaincodes))
        .route("/api/chaincodes/{name}", get(contracts))
        .route("/api/chaincodes/{name}/metadata", get(raw_metadata))
        .route("/api/call", post(call_transaction))
        .route("/api/ledger", get(ledger))
        .route("/api/ledger/{name}/keys", get(keys))
        .route("/api/ledger/{name}/history", get(history))
        .route("/api/transactions", get(transactions))
        .route("/api/feed", get(feed_events))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            check_host,
        ))
        .with_state(shared)
}

/// Where `serve` puts the explorer unless told otherwise.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:7080";

/// The explorer listening on a TCP port; it stops when dropped.
pub struct ExplorerServer {
    local_addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    /// The default address was busy and a free port was taken instead.
    moved: bool,
}

impl std::fmt::Debug for ExplorerServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplorerServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl ExplorerServer {
    /// Listens on `address` (`127.0.0.1:0` picks a free port) and serves the page.
    pub async fn bind(address: &str, config: ExplorerConfig) -> crate::Result<Self> {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| crate::PeerError::Transport(format!("cannot listen on {address}: {e}")))?;
        Ok(Self::serve(listener, config))
    }

    /// Serves the page on an open listener.
    pub fn serve(listener: tokio::net::TcpListener, config: ExplorerConfig) -> Self {
        let local_addr = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let app = router(config);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("explorer listener failed: {e}");
            }
        });
        ExplorerServer {
            local_addr,
            task,
            moved: false,
        }
    }

    /// Listens on `address`; without one, on [`DEFAULT_ADDRESS`], or on a
    /// free loopback port when that is busy (another `serve` has it), so
    /// that the page never keeps the peer from starting.
    pub async fn bind_or_default(
        address: Option<&str>,
        config: ExplorerConfig,
    ) -> crate::Result<Self> {
        if let Some(address) = address {
            return Self::bind(address, config).await;
        }
        match tokio::net::TcpListener::bind(DEFAULT_ADDRESS).await {
            Ok(listener) => Ok(Self::serve(listener, config)),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                let mut server = Self::bind("127.0.0.1:0", config).await?;
                server.moved = true;
                Ok(server)
            }
            Err(e) => Err(crate::PeerError::Transport(format!(
                "cannot listen on {DEFAULT_ADDRESS}: {e}"
            ))),
        }
    }

    /// ` (127.0.0.1:7080 is busy)` when [`bind_or_default`](Self::bind_or_default)
    /// had to take another port, else empty.
    pub fn note(&self) -> String {
        if self.moved {
            format!(" ({DEFAULT_ADDRESS} is busy)")
        } else {
            String::new()
        }
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The page's address, e.g. `http://127.0.0.1:7080/`.
    pub fn url(&self) -> String {
        let mut addr = self.local_addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}/")
    }
}

impl Drop for ExplorerServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ----- errors -----

/// An API failure: its HTTP status and message, sent as `{"error": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError(StatusCode, String);

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }

    fn internal(message: impl std::fmt::Display) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, message.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

async fn not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "no such page".into())
}

/// Refuses requests addressed to a name other than an IP address,
/// `localhost` or a configured host (DNS rebinding).
async fn check_host(State(shared): AppState, request: Request, next: Next) -> Response {
    if let Some(host) = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        && !host_allowed(host, &shared.hosts)
    {
        return ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "the explorer answers on IP addresses, localhost and `serve --host` names, not {host}"
            ),
        )
        .into_response();
    }
    next.run(request).await
}

fn host_allowed(host: &str, hosts: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:7080
        return rest
            .split_once(']')
            .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok()
        || hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
}

// ----- the page -----

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset(
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    )
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/app.css"))
}

// ----- the API -----

#[derive(Serialize)]
struct Info {
    channel: String,
    gateway: String,
    tls: bool,
    data_dir: String,
    version: &'static str,
}

async fn info(State(shared): AppState) -> Json<Info> {
    Json(Info {
        channel: shared.channel.clone(),
        gateway: shared.gateway.to_string(),
        tls: shared.tls,
        data_dir: shared.data_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// A development identity as the page lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IdentityView {
    /// Its organization's MSP id.
    pub mspid: String,
    /// Its full name, e.g. `User1@org1.example.com`.
    pub name: String,
    /// The name before `@`, as `--user` takes it.
    pub user: String,
    /// The organizational units of its certificate.
    pub ous: Vec<String>,
    /// The Fabric CA attributes of its certificate.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Its MSP folder.
    pub msp_dir: String,
}

/// The identities of `network`, organization by organization.
pub fn identity_views(network: &DevNetwork) -> Vec<IdentityView> {
    use x509_parser::prelude::*;
    let mut out = Vec::new();
    for org in &network.orgs {
        for user in &org.users {
            let mut ous = Vec::new();
            let mut attributes = std::collections::BTreeMap::new();
            if let Ok((_, pem)) = parse_x509_pem(user.identity.cert_pem.as_bytes())
                && let Ok((_, cert)) = parse_x509_certificate(&pem.contents)
            {
                ous = cert
                    .subject()
                    .iter_organizational_unit()
                    .filter_map(|ou| ou.as_str().ok().map(str::to_owned))
                    .collect();
                for ext in cert.extensions() {
                    if ext.oid.to_id_string() == "1.2.3.4.5.6.7.8.1"
                        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(ext.value)
                        && let Some(attrs) = value.get("attrs").and_then(|a| a.as_object())
                    {
                        attributes = attrs
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect();
                    }
                }
            }
            out.push(IdentityView {
                mspid: org.mspid.clone(),
                user: user.name.split('@').next().unwrap_or(&user.name).to_owned(),
                name: user.name.clone(),
                ous,
                attributes,
                msp_dir: user.msp_dir.display().to_string(),
            });
        }
    }
    out
}

async fn identities(State(shared): AppState) -> Json<Vec<IdentityView>> {
    Json(identity_views(&shared.network))
}

#[derive(Serialize)]
struct ChaincodeInfo {
    name: String,
    connected: bool,
}

async fn chaincodes(State(shared): AppState) -> Json<Vec<ChaincodeInfo>> {
    Json(
        shared
            .chaincodes
            .iter()
            .map(|name| ChaincodeInfo {
                name: name.clone(),
                connected: shared.peer.chaincode(name).is_some(),
            })
            .collect(),
    )
}

/// The chaincode's metadata, evaluated through the peer.
async fn fetch_metadata(shared: &Shared, name: &str) -> Result<serde_json::Value, ApiError> {
    if !shared.chaincodes.iter().any(|c| c == name) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no chaincode {name} is hosted here"),
        ));
    }
    let invocation =
        Invocation::new(name, &["org.hyperledger.fabric:GetMetadata"]).on_channel(&shared.channel);
    let outcome = shared.peer.evaluate(invocation).await.map_err(|e| {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("chaincode {name}: {e}"),
        )
    })?;
    if !(200..400).contains(&outcome.status()) {
        return Err(ApiError(
            StatusCode::BAD_GATEWAY,
            format!(
                "chaincode {name} has no contract metadata: GetMetadata answered status {}: {}",
                outcome.status(),
                outcome.message()
            ),
        ));
    }
    serde_json::from_slice(outcome.payload()).map_err(|e| {
        ApiError(
            StatusCode::BAD_GATEWAY,
            format!("chaincode {name}: GetMetadata did not return JSON: {e}"),
        )
    })
}

async fn contracts(
    State(shared): AppState,
    Path(name): Path<String>,
) -> ApiResult<metadata::ContractsView> {
    let raw = fetch_metadata(&shared, &name).await?;
    metadata::describe(&raw)
        .map(Json)
        .map_err(|e| ApiError(StatusCode::BAD_GATEWAY, format!("chaincode {name}: {e}")))
}

#[derive(Deserialize)]
struct DownloadQuery {
    #[serde(default)]
    download: Option<String>,
}

async fn raw_metadata(
    State(shared): AppState,
    Path(name): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let raw = fetch_metadata(&shared, &name).await?;
    let body = serde_json::to_string_pretty(&raw).map_err(ApiError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if query.download.is_some_and(|d| d != "0") {
        let file = format!(
            "attachment; filename=\"{}-metadata.json\"",
            name.replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                "_"
            )
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&file).map_err(ApiError::internal)?,
        );
    }
    Ok((headers, body).into_response())
}

/// Checks a call against the chaincode's metadata and encodes its arguments.
fn encode_call(
    view: &metadata::ContractsView,
    request: &CallRequest,
) -> Result<Vec<String>, ApiError> {
    let transaction = view
        .contracts
        .iter()
        .flat_map(|c| &c.transactions)
        .find(|t| t.function == request.function)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "chaincode {} has no transaction {}",
                request.chaincode, request.function
            ))
        })?;
    if request.arguments.len() != transaction.parameters.len() {
        return Err(ApiError::bad_request(format!(
            "{} takes {} arguments, got {}",
            transaction.name,
            transaction.parameters.len(),
            request.arguments.len()
        )));
    }
    if request.mode != "submit" && request.mode != "evaluate" {
        return Err(ApiError::bad_request(format!(
            "mode must be submit or evaluate, not {:?}",
            request.mode
        )));
    }
    let mut args = vec![request.function.clone()];
    for (parameter, value) in transaction.parameters.iter().zip(&request.arguments) {
        if value.is_none() && parameter.required {
            return Err(ApiError::bad_request(format!(
                "{} is required",
                parameter.name
            )));
        }
        args.push(
            metadata::encode_argument(&parameter.schema, value.as_deref())
                .map_err(|e| ApiError::bad_request(format!("{}: {e}", parameter.name)))?,
        );
    }
    Ok(args)
}

async fn call_transaction(
    State(shared): AppState,
    Json(request): Json<CallRequest>,
) -> ApiResult<CallResult> {
    let raw = fetch_metadata(&shared, &request.chaincode).await?;
    let view = metadata::describe(&raw).map_err(|e| ApiError(StatusCode::BAD_GATEWAY, e))?;
    if shared.network.user(&request.mspid, &request.user).is_none() {
        return Err(ApiError::bad_request(format!(
            "no development identity {} in {}",
            request.user, request.mspid
        )));
    }
    let args = encode_call(&view, &request)?;
    Ok(Json(call::call(&shared, &request, args).await))
}

async fn ledger(State(shared): AppState) -> ApiResult<Vec<state::NamespaceView>> {
    state::namespaces(
        shared.peer.ledger(),
        &shared.channel,
        &shared.chaincodes,
        &shared.mspids(),
    )
    .map(Json)
    .map_err(ApiError::internal)
}

/// `collection`, `prefix`, `type`, `attr` (repeated), `after`, `limit`, `mspid`.
fn key_query(params: &[(String, String)]) -> Result<KeyQuery, ApiError> {
    let mut query = KeyQuery {
        limit: 50,
        ..KeyQuery::default()
    };
    for (name, value) in params {
        match name.as_str() {
            "collection" => query.collection = value.clone(),
            "prefix" => query.prefix = value.clone(),
            "type" => query.object_type = value.clone(),
            "attr" => query.attributes.push(value.clone()),
            "after" => query.after = Some(value.clone()),
            "mspid" => query.mspid = value.clone(),
            "limit" => {
                query.limit = value
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("limit: not a number: {value}")))?
            }
            other => return Err(ApiError::bad_request(format!("unknown parameter {other}"))),
        }
    }
    // Trailing empty attributes are fields left blank in the page.
    while query.attributes.last().is_some_and(String::is_empty) {
        query.attributes.pop();
    }
    Ok(query)
}

async fn keys(
    State(shared): AppState,
    Path(name): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<KeyPage> {
    let query = key_query(&params)?;
    state::keys(
        shared.peer.ledger(),
        &shared.channel,
        &name,
        &query,
        &shared.mspids(),
    )
    .map(Json)
    .map_err(ApiError::bad_request)
}

#[derive(Deserialize)]
struct HistoryQuery {
    key: String,
}

async fn history(
    State(shared): AppState,
    Path(name): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> ApiResult<Vec<state::HistoryEntry>> {
    state::history(shared.peer.ledger(), &shared.channel, &name, &query.key)
        .map(Json)
        .map_err(ApiError::internal)
}

async fn transactions(State(shared): AppState) -> Json<Vec<FeedItem>> {
    Json(shared.feed.subscribe(0).0)
}

/// The kept transactions after `Last-Event-ID` (all on a first
/// connection), then each new one.
async fn feed_events(State(shared): AppState, headers: HeaderMap) -> impl IntoResponse {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (kept, receiver) = shared.feed.subscribe(after);
    let last = kept.last().map_or(after, |i| i.seq);
    let event = |item: &FeedItem| {
        Event::default()
            .id(item.seq.to_string())
            .event("transaction")
            .json_data(item)
    };
    let kept = futures_util::stream::iter(kept.iter().map(event).collect::<Vec<_>>());
    let live =
        futures_util::stream::unfold((receiver, last), move |(mut receiver, last)| async move {
            loop {
                match receiver.recv().await {
                    Ok(item) if item.seq <= last => continue,
                    Ok(item) => return Some((event(&item), (receiver, item.seq))),
                    // Too slow a reader: it missed some; carry on from the newest.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(futures_util::StreamExt::chain(kept, live)).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests;
