//! What the command line parses and prints, in the habits of Fabric's `peer` CLI.

use std::collections::HashMap;

use base64::Engine;
use bytes::Bytes;

use crate::peer::TxOutcome;

/// Parses `-c`: `{"Args":["CreateAsset","a1"]}` or
/// `{"function":"CreateAsset","Args":["a1"]}` (keys in any case, as the
/// peer CLI's Go JSON decoding accepts).
///
/// ```
/// let args = fabric_dev_peer::cli::parse_ctor(r#"{"function":"Create","Args":["a1"]}"#).unwrap();
/// assert_eq!(args, ["Create", "a1"]);
/// assert!(fabric_dev_peer::cli::parse_ctor("{oops").is_err());
/// ```
pub fn parse_ctor(text: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid -c JSON {text:?}: {e}"))?;
    let object = value.as_object().ok_or_else(|| {
        format!("invalid -c JSON {text:?}: expected an object like {{\"Args\":[...]}}")
    })?;
    let mut args = Vec::new();
    let mut function = None;
    let mut found_args = false;
    for (key, value) in object {
        match key.to_ascii_lowercase().as_str() {
            "function" => {
                function = Some(
                    value
                        .as_str()
                        .ok_or_else(|| {
                            format!("invalid -c JSON: \"function\" must be a string, got {value}")
                        })?
                        .to_owned(),
                );
            }
            "args" => {
                found_args = true;
                let list = value.as_array().ok_or_else(|| {
                    format!("invalid -c JSON: \"Args\" must be an array, got {value}")
                })?;
                for item in list {
                    args.push(match item {
                        serde_json::Value::String(s) => s.clone(),
                        other => {
                            return Err(format!(
                                "invalid -c JSON: arguments must be strings, got {other}"
                            ));
                        }
                    });
                }
            }
            "isinit" => {}
            other => {
                return Err(format!(
                    "invalid -c JSON: unknown field {other:?} (expected Args and function)"
                ));
            }
        }
    }
    if !found_args && function.is_none() {
        return Err(format!("invalid -c JSON {text:?}: no \"Args\""));
    }
    if let Some(f) = function {
        args.insert(0, f);
    }
    Ok(args)
}

/// Parses `--transient`: a JSON object of base64 values, as the peer CLI takes it.
pub fn parse_transient(text: &str) -> Result<HashMap<String, Bytes>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid --transient JSON: {e}"))?;
    let object = value.as_object().ok_or_else(|| {
        "invalid --transient JSON: expected an object of base64 values".to_string()
    })?;
    object
        .iter()
        .map(|(k, v)| {
            let text = v.as_str().ok_or_else(|| {
                format!("invalid --transient value for {k:?}: expected a base64 string")
            })?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| format!("invalid --transient value for {k:?}: not base64: {e}"))?;
            Ok((k.clone(), Bytes::from(bytes)))
        })
        .collect()
}

/// The line the peer CLI prints after a successful invoke.
pub fn invoke_result(outcome: &TxOutcome) -> String {
    format!(
        "Chaincode invoke successful. result: status:{} payload:{:?}",
        outcome.response.status,
        String::from_utf8_lossy(&outcome.response.payload)
    )
}

/// The line the peer CLI prints when endorsement fails.
pub fn failure(action: &str, outcome: &TxOutcome) -> String {
    format!(
        "Error: endorsement failure during {action}. response: status:{} message:{:?}",
        outcome.response.status, outcome.response.message
    )
}

/// Whether the peer would endorse this outcome.
pub fn succeeded(outcome: &TxOutcome) -> bool {
    (200..400).contains(&outcome.response.status)
}

/// A printable form of a key (composite-key separators shown as `\u{0}`).
pub fn show_key(key: &str) -> String {
    key.replace('\u{0}', "\\u0000")
        .replace('\u{10FFFF}', "\\U0010FFFF")
}

// ----- the command line (feature `cli`) -----

#[cfg(feature = "cli")]
pub use self::command::{main, run};

#[cfg(feature = "cli")]
mod command {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::Duration;

    use clap::{Args, Parser, Subcommand};

    use super::{failure, invoke_result, parse_ctor, parse_transient, show_key, succeeded};
    use crate::{
        DevIdentity, DevPeer, IdentitySpec, Invocation, Ledger, Mode, PeerConfig, RegisterServer,
    };

    fn parse_attribute(text: &str) -> Result<(String, String), String> {
        text.split_once('=')
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .ok_or_else(|| format!("expected name=value, got {text:?}"))
    }

    /// Where command output goes.
    type Out<'a> = dyn std::io::Write + Send + 'a;

    macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

    /// The `fabric-dev-peer` program: parses the process arguments, prints to
    /// stdout and stderr, returns the exit code.
    pub fn main() -> ExitCode {
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(colour_wanted(&std::io::stderr()))
            .try_init();
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("Error: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout();
        match runtime.block_on(run(std::env::args(), &mut stdout)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(line) => {
                eprintln!("{line}");
                ExitCode::FAILURE
            }
        }
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set to
    /// anything (<https://no-color.org>).
    fn colour_wanted(stream: &impl std::io::IsTerminal) -> bool {
        stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// Runs one command line (the first item is the program name), writing its
    /// output to `out`; `Err` is the one-line error to print.
    pub async fn run(
        args: impl IntoIterator<Item = String>,
        out: &mut Out<'_>,
    ) -> Result<(), String> {
        let cli = match Cli::try_parse_from(args) {
            Ok(cli) => cli,
            Err(e)
                if matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                ) =>
            {
                let _ = write!(out, "{e}");
                return Ok(());
            }
            Err(e) => return Err(e.to_string().trim_end().to_owned()),
        };
        dispatch(cli, out).await
    }

    #[derive(Parser)]
    #[command(
        name = "fabric-dev-peer",
        version,
        about = "A local development peer for Hyperledger Fabric chaincode"
    )]
    struct Cli {
        /// Where the ledger is kept between runs.
        #[arg(long, global = true, default_value = ".dev-peer")]
        data_dir: PathBuf,
        /// Channel name.
        #[arg(short = 'C', long, global = true, default_value = "mychannel")]
        channel: String,
        /// Largest write batch offered to chaincodes in READY (0: do not offer write batches).
        #[arg(long, global = true, default_value_t = 1000)]
        write_batch: u32,
        /// Most keys per GET_STATE_MULTIPLE offered in READY (0: do not offer it).
        #[arg(long, global = true, default_value_t = 1000)]
        get_multiple: u32,
        /// MSP id of the client creating transactions (also the peer's own, `CORE_PEER_LOCALMSPID`).
        #[arg(long, global = true, default_value = "Org1MSP")]
        mspid: String,
        /// Common name of the client's certificate.
        #[arg(long, global = true, default_value = "User1@org1.example.com")]
        user: String,
        /// Organizational units of the client's certificate (repeatable).
        #[arg(long = "ou", global = true, default_values_t = vec!["client".to_string()])]
        ous: Vec<String>,
        /// Fabric CA attributes of the client's certificate, `name=value` (repeatable).
        #[arg(long = "attr", global = true, value_parser = parse_attribute)]
        attributes: Vec<(String, String)>,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Submits a transaction: simulates it and commits its writes when it succeeds.
        Invoke(Call),
        /// Evaluates a transaction: simulates it and prints its result.
        Query(Call),
        /// Prints the chaincode's contract metadata (`org.hyperledger.fabric:GetMetadata`).
        Metadata(Target),
        /// Prints the committed state of the channel.
        State {
            /// Only this chaincode's namespace.
            #[arg(short = 'n', long)]
            name: Option<String>,
        },
        /// Runs the invocations of a script file: lines `invoke <-c JSON>` or `query <-c JSON>`.
        Script {
            /// The script.
            file: PathBuf,
            #[command(flatten)]
            target: Target,
        },
        /// Builds the asset-transfer-basic example and runs its demo script against a persistent ledger.
        Demo,
        /// Runs until stopped: hosts chaincodes and serves the Fabric Gateway to client applications.
        Serve(Box<ServeArgs>),
        /// Creates a contract project of its own: contract, unit test, README, .gitignore.
        New {
            /// Directory to create; its name is the package's.
            dir: PathBuf,
            /// Take the fabric-rs crates from this checkout (default: the one this program was built from).
            #[arg(long, conflicts_with_all = ["fabric_rs_git", "fabric_rs_version"])]
            fabric_rs_path: Option<PathBuf>,
            /// Take the fabric-rs crates from this git repository.
            #[arg(long, conflicts_with = "fabric_rs_version")]
            fabric_rs_git: Option<String>,
            /// Take the fabric-rs crates from crates.io, at this version requirement.
            #[arg(long)]
            fabric_rs_version: Option<String>,
        },
    }

    #[derive(Args)]
    struct ServeArgs {
        /// Address of the Fabric Gateway service (`gateway.Gateway`).
        #[arg(long, default_value = "127.0.0.1:7051")]
        listen: String,
        /// Address where chaincodes started elsewhere dial in (`ChaincodeSupport.Register`).
        #[arg(long, default_value = "127.0.0.1:7052")]
        chaincode_listen: String,
        /// Serve the Gateway over TLS, with a generated TLS CA (as Fabric's test network does).
        #[arg(long)]
        tls: bool,
        /// Organizations of the channel, by MSP id (repeatable); the first one's peer serves the Gateway.
        #[arg(long = "org", default_values_t = vec!["Org1MSP".to_string()])]
        orgs: Vec<String>,
        /// More users: `NAME@MSPID[;ou=OU][;attr=NAME=VALUE]...` (every organization has Admin and User1).
        #[arg(long = "identity")]
        identities: Vec<String>,
        /// More host names or IP addresses for the TLS certificate (localhost and 127.0.0.1 are in it).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Chaincode executable to start, `NAME=PATH` (repeatable); its output goes to `<data-dir>/logs/NAME.log`.
        #[arg(long = "chaincode", value_parser = parse_named_path)]
        chaincodes: Vec<(String, PathBuf)>,
        /// Chaincode-as-a-service server to dial, `NAME=HOST:PORT` (repeatable).
        #[arg(long = "connect", value_parser = parse_named_address)]
        services: Vec<(String, String)>,
        /// Address of the contract explorer web page [default: 127.0.0.1:7080, or a free port if busy].
        #[arg(long, value_name = "ADDRESS")]
        explorer: Option<String>,
        /// Do not serve the contract explorer web page.
        #[arg(long, conflicts_with = "explorer")]
        no_explorer: bool,
    }

    fn parse_named_path(text: &str) -> Result<(String, PathBuf), String> {
        parse_named_address(text).map(|(n, p)| (n, PathBuf::from(p)))
    }

    fn parse_named_address(text: &str) -> Result<(String, String), String> {
        text.split_once('=')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))
    }

    #[derive(Args)]
    struct Target {
        /// Chaincode name.
        #[arg(short = 'n', long)]
        name: String,
        /// Chaincode executable to start; it dials this peer as the real peer starts chaincode.
        /// Its output goes to `<data-dir>/logs/<name>.log`.
        #[arg(long, conflicts_with_all = ["connect", "gateway"])]
        chaincode: Option<PathBuf>,
        /// Address of a chaincode-as-a-service server to dial instead.
        #[arg(long, conflicts_with = "gateway")]
        connect: Option<String>,
        /// Call through the Fabric Gateway of a running `serve` (or any peer) at this address,
        /// as `--user` of `--mspid` (their MSP folder under `<data-dir>/organizations`).
        #[arg(long)]
        gateway: Option<String>,
        /// With `--gateway`: use TLS, trusting `--cafile` (default: the TLS CAs `serve` wrote).
        #[arg(long, requires = "gateway")]
        tls: bool,
        /// With `--gateway --tls`: the TLS CA certificate to trust.
        #[arg(long, requires = "tls")]
        cafile: Option<PathBuf>,
    }

    #[derive(Args)]
    struct Call {
        #[command(flatten)]
        target: Target,
        /// Constructor message: '{"Args":["CreateAsset","asset1"]}' or '{"function":"CreateAsset","Args":["asset1"]}'.
        #[arg(short = 'c', long = "ctor")]
        ctor: String,
        /// Transient data: a JSON object of base64 values.
        #[arg(long)]
        transient: Option<String>,
    }

    /// A running peer with the chaincode attached (and its process, if started here).
    struct Session {
        peer: DevPeer,
        name: String,
        channel: String,
        _child: Option<tokio::process::Child>,
        /// Where the output of the chaincode started here goes.
        log: Option<PathBuf>,
    }

    impl Cli {
        fn config(&self) -> PeerConfig {
            PeerConfig {
                write_batch: (self.write_batch > 0).then_some(self.write_batch),
                get_multiple: (self.get_multiple > 0).then_some(self.get_multiple),
                channel: self.channel.clone(),
                ..PeerConfig::default()
            }
        }

        fn peer(&self) -> Result<DevPeer, String> {
            // The previous command of this process may still be releasing the
            // database (its chaincode stream closing); give it a moment.
            let mut attempts = 0;
            let ledger = loop {
                match Ledger::open(&self.data_dir) {
                    Ok(ledger) => break ledger,
                    Err(e) if attempts < 50 && e.to_string().contains("already open") => {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Err(e) if e.to_string().contains("already open") => {
                        return Err(format!(
                            "Error: {e}: is `fabric-dev-peer serve` running on {}? Call it with --gateway <address> instead",
                            self.data_dir.display()
                        ));
                    }
                    Err(e) => return Err(format!("Error: {e}")),
                }
            };
            let organization = format!(
                "{}.example.com",
                self.mspid.trim_end_matches("MSP").to_ascii_lowercase()
            );
            let spec = IdentitySpec {
                mspid: self.mspid.clone(),
                common_name: self.user.clone(),
                organizational_units: self.ous.clone(),
                organization,
                attributes: self.attributes.iter().cloned().collect(),
            };
            let identity = DevIdentity::generate(&spec).map_err(|e| format!("Error: {e}"))?;
            DevPeer::with_identity(ledger, self.config(), identity)
                .map_err(|e| format!("Error: {e}"))
        }

        async fn session(&self, target: &Target) -> Result<Session, String> {
            let peer = self.peer()?;
            let mut log = None;
            let child = match (&target.chaincode, &target.connect) {
                (Some(path), _) => {
                    let file = self
                        .data_dir
                        .join("logs")
                        .join(format!("{}.log", target.name));
                    let child = start_chaincode(&peer, path, &target.name, &file).await?;
                    log = Some(file);
                    Some(child)
                }
                (None, Some(address)) => {
                    peer.connect(address, None).await.map_err(|e| {
                        format!(
                            "Error: chaincode {} is not reachable at {address}: {e}",
                            target.name
                        )
                    })?;
                    None
                }
                (None, None) => {
                    return Err(format!(
                        "Error: chaincode {} is not connected: give --chaincode <executable> or --connect <address>",
                        target.name
                    ));
                }
            };
            Ok(Session {
                peer,
                name: target.name.clone(),
                channel: self.channel.clone(),
                _child: child,
                log,
            })
        }
    }

    /// Starts the chaincode executable, its stdout and stderr appended to
    /// `log` (so its logs and panics never mix with this command's output).
    async fn start_chaincode(
        peer: &DevPeer,
        path: &Path,
        name: &str,
        log: &Path,
    ) -> Result<tokio::process::Child, String> {
        let server = RegisterServer::bind("127.0.0.1:0", None)
            .await
            .map_err(|e| format!("Error: {e}"))?;
        let address = server.local_addr().to_string();
        peer.serve(server);
        launch_chaincode(peer, path, name, log, &address).await
    }

    /// Starts a chaincode executable that dials `address`, its output
    /// appended to `log`, and waits until it registers.
    async fn launch_chaincode(
        peer: &DevPeer,
        path: &Path,
        name: &str,
        log: &Path,
        address: &str,
    ) -> Result<tokio::process::Child, String> {
        let open_log = || -> std::io::Result<std::fs::File> {
            if let Some(dir) = log.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
        };
        let stdout = open_log().map_err(|e| {
            format!(
                "Error: cannot open the chaincode log {}: {e}",
                log.display()
            )
        })?;
        let stderr = stdout.try_clone().map_err(|e| {
            format!(
                "Error: cannot open the chaincode log {}: {e}",
                log.display()
            )
        })?;
        let mut child = tokio::process::Command::new(path)
            .arg("--peer.address")
            .arg(address)
            .env("CORE_CHAINCODE_ID_NAME", format!("{name}:dev"))
            .env("CORE_PEER_TLS_ENABLED", "false")
            .env("CORE_PEER_LOCALMSPID", &peer.identity().mspid)
            .env(
                "CORE_CHAINCODE_LOGGING_LEVEL",
                std::env::var("CORE_CHAINCODE_LOGGING_LEVEL").unwrap_or_else(|_| "WARNING".into()),
            )
            .stdin(std::process::Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("Error: cannot start chaincode {}: {e}", path.display()))?;
        tokio::select! {
            registered = peer.wait_for(name, Duration::from_secs(30)) => {
                registered.map_err(|_| format!(
                    "Error: chaincode {} did not connect within 30 s (its output: {})",
                    path.display(),
                    log.display()
                ))?;
            }
            status = child.wait() => {
                return Err(format!(
                    "Error: chaincode {} exited before connecting ({}; its output: {})",
                    path.display(),
                    status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                    log.display()
                ));
            }
        }
        Ok(child)
    }

    impl Session {
        async fn call(
            &self,
            out: &mut Out<'_>,
            action: &str,
            ctor: &str,
            transient: Option<&str>,
        ) -> Result<(), String> {
            let args = parse_ctor(ctor).map_err(|e| format!("Error: {e}"))?;
            let mut invocation = Invocation::new(&self.name, &args).on_channel(&self.channel);
            if let Some(t) = transient {
                invocation.transient = parse_transient(t).map_err(|e| format!("Error: {e}"))?;
            }
            let mode = if action == "invoke" {
                Mode::Submit
            } else {
                Mode::Evaluate
            };
            let outcome = self
                .peer
                .execute(invocation, mode)
                .await
                .map_err(|e| format!("Error: {e}"))?;
            if !succeeded(&outcome) {
                let mut line = failure(action, &outcome);
                if let Some(log) = &self.log
                    && outcome.response.message.contains("panicked")
                {
                    line.push_str(&format!(" (chaincode output: {})", log.display()));
                }
                return Err(line);
            }
            if mode == Mode::Submit {
                outln!(out, "{}", invoke_result(&outcome));
                if let Some(event) = &outcome.event {
                    outln!(
                        out,
                        "Event: {} payload:{:?}",
                        event.event_name,
                        String::from_utf8_lossy(&event.payload)
                    );
                }
            } else {
                outln!(
                    out,
                    "{}",
                    String::from_utf8_lossy(&outcome.response.payload)
                );
            }
            Ok(())
        }

        async fn metadata(&self, out: &mut Out<'_>) -> Result<(), String> {
            let invocation = Invocation::new(&self.name, &["org.hyperledger.fabric:GetMetadata"])
                .on_channel(&self.channel);
            let outcome = self
                .peer
                .evaluate(invocation)
                .await
                .map_err(|e| format!("Error: {e}"))?;
            if !succeeded(&outcome) {
                return Err(failure("query", &outcome));
            }
            print_metadata(out, &outcome.response.payload)
        }

        async fn script(&self, out: &mut Out<'_>, file: &Path) -> Result<(), String> {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("Error: cannot read {}: {e}", file.display()))?;
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (action, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                if action != "invoke" && action != "query" {
                    return Err(format!(
                        "Error: {}:{}: expected `invoke` or `query`, got {action:?}",
                        file.display(),
                        number + 1
                    ));
                }
                outln!(out, "> {action} {}", rest.trim());
                if let Err(line) = self.call(out, action, rest.trim(), None).await {
                    outln!(out, "{line}");
                }
            }
            Ok(())
        }
    }

    async fn dispatch(cli: Cli, out: &mut Out<'_>) -> Result<(), String> {
        match &cli.command {
            Command::Invoke(call) if call.target.gateway.is_some() => {
                gateway_call(&cli, call, "invoke", out).await
            }
            Command::Query(call) if call.target.gateway.is_some() => {
                gateway_call(&cli, call, "query", out).await
            }
            Command::Metadata(target) if target.gateway.is_some() => {
                let call = Call {
                    target: Target {
                        name: target.name.clone(),
                        chaincode: None,
                        connect: None,
                        gateway: target.gateway.clone(),
                        tls: target.tls,
                        cafile: target.cafile.clone(),
                    },
                    ctor: r#"{"Args":["org.hyperledger.fabric:GetMetadata"]}"#.into(),
                    transient: None,
                };
                let mut json = Vec::new();
                gateway_call(&cli, &call, "query", &mut json).await?;
                print_metadata(out, &json)
            }
            Command::Invoke(call) => {
                let session = cli.session(&call.target).await?;
                session
                    .call(out, "invoke", &call.ctor, call.transient.as_deref())
                    .await
            }
            Command::Query(call) => {
                let session = cli.session(&call.target).await?;
                session
                    .call(out, "query", &call.ctor, call.transient.as_deref())
                    .await
            }
            Command::Metadata(target) => cli.session(target).await?.metadata(out).await,
            Command::State { name } => {
                let peer = cli.peer()?;
                let entries = peer
                    .ledger()
                    .dump(&cli.channel)
                    .map_err(|e| format!("Error: {e}"))?;
                for (space, key, value) in entries {
                    if name.as_ref().is_some_and(|n| *n != space.namespace) {
                        continue;
                    }
                    let place = if space.collection.is_empty() {
                        space.namespace.clone()
                    } else {
                        format!("{}/{}", space.namespace, space.collection)
                    };
                    let metadata = peer
                        .ledger()
                        .metadata(&space, &key)
                        .map_err(|e| format!("Error: {e}"))?;
                    let mut line = format!(
                        "{place} {} = {}",
                        show_key(&key),
                        String::from_utf8_lossy(&value)
                    );
                    for entry in metadata {
                        let hex = crate::peer::hex(&entry.value);
                        line.push_str(&format!("  [{}={hex}]", entry.metakey));
                    }
                    outln!(out, "{line}");
                }
                Ok(())
            }
            Command::Script { file, target } => cli.session(target).await?.script(out, file).await,
            Command::Demo => demo(&cli, out).await,
            Command::Serve(args) => serve(&cli, args, out).await,
            Command::New {
                dir,
                fabric_rs_path,
                fabric_rs_git,
                fabric_rs_version,
            } => {
                use crate::scaffold::{FabricRsSource, new_contract};
                let source = match (fabric_rs_path, fabric_rs_git, fabric_rs_version) {
                    (Some(path), _, _) => FabricRsSource::Path(
                        std::fs::canonicalize(path)
                            .map_err(|e| format!("Error: {}: {e}", path.display()))?,
                    ),
                    (_, Some(url), _) => FabricRsSource::Git(url.clone()),
                    (_, _, Some(version)) => FabricRsSource::Registry(version.clone()),
                    _ => FabricRsSource::for_this_build(),
                };
                let files = new_contract(dir, &source).map_err(|e| format!("Error: {e}"))?;
                outln!(out, "Created {} ({} files):", dir.display(), files.len());
                for file in &files {
                    outln!(out, "  {}", file.display());
                }
                let name = dir.file_name().unwrap_or_default().to_string_lossy();
                outln!(
                    out,
                    "Next: cd {} && cargo test && cargo build",
                    dir.display()
                );
                outln!(
                    out,
                    "then: fabric-dev-peer invoke -n {name} --chaincode target/debug/{name} -c '{{\"Args\":[\"CreateAsset\",\"asset1\",\"Tomoko\",\"300\"]}}'"
                );
                Ok(())
            }
        }
    }

    /// Prints `GetMetadata`'s JSON, indented.
    fn print_metadata(out: &mut Out<'_>, json: &[u8]) -> Result<(), String> {
        let value: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| format!("Error: GetMetadata did not return JSON: {e}"))?;
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        Ok(())
    }

    /// `invoke`/`query` through a Fabric Gateway (`--gateway`), signed by
    /// `--user` of `--mspid` from the MSP folders `serve` writes.
    async fn gateway_call(
        cli: &Cli,
        call: &Call,
        action: &str,
        out: &mut Out<'_>,
    ) -> Result<(), String> {
        use fabric_gateway_client::{Gateway, PeerEndpoint, msp};

        let target = &call.target;
        let address = target.gateway.as_deref().unwrap_or_default();
        let domain = format!(
            "{}.example.com",
            cli.mspid.trim_end_matches("MSP").to_ascii_lowercase()
        );
        let org_dir = cli
            .data_dir
            .join("organizations/peerOrganizations")
            .join(&domain);
        let user = if cli.user.contains('@') {
            cli.user.clone()
        } else {
            format!("{}@{domain}", cli.user)
        };
        let msp_dir = org_dir.join("users").join(&user).join("msp");
        let (identity, signer) = msp::load(&msp_dir, &cli.mspid).map_err(|e| {
            format!(
                "Error: cannot read the identity of {user} in {}: {e} (is `serve` running with --data-dir {}?)",
                msp_dir.display(),
                cli.data_dir.display()
            )
        })?;
        let mut endpoint = PeerEndpoint::new(address);
        if target.tls {
            // The TLS CAs `serve` wrote, one per organization (whichever
            // organization's peer serves the Gateway), or `--cafile`.
            let pem = match &target.cafile {
                Some(ca) => std::fs::read(ca)
                    .map_err(|e| format!("Error: cannot read the TLS CA {}: {e}", ca.display()))?,
                None => {
                    let orgs = cli.data_dir.join("organizations/peerOrganizations");
                    let mut pem = Vec::new();
                    for org in std::fs::read_dir(&orgs)
                        .map_err(|e| {
                            format!("Error: cannot read {}: {e} (give --cafile)", orgs.display())
                        })?
                        .flatten()
                    {
                        let domain = org.file_name().to_string_lossy().into_owned();
                        if let Ok(ca) = std::fs::read(
                            org.path().join(format!("peers/peer0.{domain}/tls/ca.crt")),
                        ) {
                            pem.extend_from_slice(&ca);
                        }
                    }
                    pem
                }
            };
            endpoint = endpoint.tls_ca_certificate(pem);
        }
        let gateway = Gateway::builder()
            .identity(identity)
            .signer(signer)
            .endpoint(endpoint)
            .connect()
            .await
            .map_err(|e| format!("Error: cannot connect to the gateway at {address}: {e}"))?;
        let args = parse_ctor(&call.ctor).map_err(|e| format!("Error: {e}"))?;
        let (function, rest) = args.split_first().ok_or("Error: no function to call")?;
        let contract = gateway.network(&cli.channel).contract(&target.name);
        let transient = match &call.transient {
            Some(t) => parse_transient(t).map_err(|e| format!("Error: {e}"))?,
            None => Default::default(),
        };
        let transient: Vec<(String, Vec<u8>)> = transient
            .into_iter()
            .map(|(k, v)| (k, v.to_vec()))
            .collect();
        let result = if action == "invoke" {
            contract
                .submit(function)
                .arguments(rest)
                .transient_data(transient)
                .invoke()
                .await
        } else {
            contract
                .evaluate(function)
                .arguments(rest)
                .transient_data(transient)
                .invoke()
                .await
        };
        match result {
            Ok(payload) if action == "invoke" => {
                outln!(
                    out,
                    "Chaincode invoke successful. result: status:200 payload:{:?}",
                    String::from_utf8_lossy(&payload)
                );
                Ok(())
            }
            Ok(payload) => {
                outln!(out, "{}", String::from_utf8_lossy(&payload));
                Ok(())
            }
            Err(e) => {
                // A chaincode's own error reads as the peer CLI prints it.
                let chaincode = e.details().iter().find_map(|d| {
                    let rest = d.message.strip_prefix("chaincode response ")?;
                    let (status, message) = rest.split_once(", ")?;
                    Some((status.parse::<i32>().ok()?, message.to_owned()))
                });
                match chaincode {
                    Some((status, message)) => Err(format!(
                        "Error: endorsement failure during {action}. response: status:{status} message:{message:?}"
                    )),
                    None => Err(format!("Error: {e}")),
                }
            }
        }
    }

    /// `serve`: the peer as a long-running node with the Fabric Gateway.
    async fn serve(cli: &Cli, args: &ServeArgs, out: &mut Out<'_>) -> Result<(), String> {
        use crate::gateway::{GatewayListener, GatewayService};
        use crate::network::{DevNetwork, OrgSpec, UserSpec};

        let mut orgs: Vec<OrgSpec> = args.orgs.iter().map(|m| OrgSpec::new(m)).collect();
        for text in &args.identities {
            let (mspid, user) =
                UserSpec::parse(text).map_err(|e| format!("Error: --identity: {e}"))?;
            let org = orgs.iter_mut().find(|o| o.mspid == mspid).ok_or_else(|| {
                format!("Error: --identity {text}: {mspid} is not one of the --org organizations")
            })?;
            org.users.push(user);
        }
        std::fs::create_dir_all(&cli.data_dir)
            .map_err(|e| format!("Error: cannot create {}: {e}", cli.data_dir.display()))?;
        let data_dir = std::fs::canonicalize(&cli.data_dir).unwrap_or(cli.data_dir.clone());
        let network =
            DevNetwork::create_or_load(&data_dir.join("organizations"), &orgs, &args.hosts)
                .map_err(|e| format!("Error: {e}"))?;
        // The explorer's live feed hears of every commit from the store.
        let (kv, commits) = crate::explorer::observe(
            crate::ledger::RedbKv::open(&data_dir.join("ledger.redb"))
                .map_err(|e| format!("Error: {e}"))?,
        );
        let ledger = Ledger::new(std::sync::Arc::new(kv));
        let identity = DevIdentity::generate(&IdentitySpec {
            mspid: network.orgs[0].mspid.clone(),
            organization: network.orgs[0].domain.clone(),
            ..IdentitySpec::default()
        })
        .map_err(|e| format!("Error: {e}"))?;
        let peer = DevPeer::with_identity(ledger, cli.config(), identity)
            .map_err(|e| format!("Error: {e}"))?;
        let register = RegisterServer::bind(&args.chaincode_listen, None)
            .await
            .map_err(|e| format!("Error: {e}"))?;
        let chaincode_address = register.local_addr().to_string();
        peer.serve(register);
        let mut children = Vec::new();
        let mut hosted = Vec::new();
        for (name, path) in &args.chaincodes {
            let log = data_dir.join("logs").join(format!("{name}.log"));
            children.push(launch_chaincode(&peer, path, name, &log, &chaincode_address).await?);
            hosted.push(format!(
                "{name}: {} (output: {})",
                path.display(),
                log.display()
            ));
        }
        for (name, address) in &args.services {
            peer.connect(address, None).await.map_err(|e| {
                format!("Error: chaincode {name} is not reachable at {address}: {e}")
            })?;
            hosted.push(format!("{name}: chaincode-as-a-service at {address}"));
        }
        let port = args
            .listen
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .unwrap_or(7051);
        let service = GatewayService::for_network(peer.clone(), &network, port)
            .map_err(|e| format!("Error: {e}"))?;
        let tls = args.tls.then(|| {
            (
                network.tls.cert_pem.clone().into_bytes(),
                network.tls.key_pem.clone().into_bytes(),
            )
        });
        let gateway = GatewayListener::bind(&args.listen, service, tls)
            .await
            .map_err(|e| format!("Error: {e}"))?;

        let explorer = if args.no_explorer {
            drop(commits); // nobody reads them: the store stops reporting
            None
        } else {
            Some(
                crate::explorer::ExplorerServer::bind_or_default(
                    args.explorer.as_deref(),
                    crate::explorer::ExplorerConfig {
                        peer: peer.clone(),
                        network: network.clone(),
                        chaincodes: args
                            .chaincodes
                            .iter()
                            .map(|(n, _)| n.clone())
                            .chain(args.services.iter().map(|(n, _)| n.clone()))
                            .collect(),
                        gateway: gateway.local_addr(),
                        tls: args.tls,
                        data_dir: data_dir.clone(),
                        hosts: args.hosts.clone(),
                        commits: Some(commits),
                    },
                )
                .await
                .map_err(|e| format!("Error: explorer: {e}"))?,
            )
        };
        outln!(
            out,
            "Ledger: {} (channel {})",
            data_dir.display(),
            cli.channel
        );
        if args.tls {
            outln!(
                out,
                "Fabric Gateway: {} (TLS: trust {}, server name {})",
                gateway.local_addr(),
                network.tls.ca_path.display(),
                network.tls.host_alias
            );
        } else {
            outln!(out, "Fabric Gateway: {} (plaintext)", gateway.local_addr());
        }
        outln!(out, "Chaincodes dial: {chaincode_address}");
        for line in &hosted {
            outln!(out, "Chaincode {line}");
        }
        outln!(out, "Identities (MSP folders):");
        for org in &network.orgs {
            outln!(out, "  {} {}", org.mspid, org.dir.display());
            for user in &org.users {
                outln!(out, "    {}", user.msp_dir.display());
            }
        }
        outln!(
            out,
            "fabric-samples gateway apps: CRYPTO_PATH={} PEER_ENDPOINT={}",
            network.orgs[0].dir.display(),
            gateway.local_addr()
        );
        if let Some(explorer) = &explorer {
            outln!(out, "Explorer: {}{}", explorer.url(), explorer.note());
        }
        outln!(out, "Ready. Ctrl-C stops.");
        let _ = out.flush();
        shutdown_signal().await;
        outln!(out, "Stopping.");
        drop(explorer);
        drop(gateway);
        drop(children);
        Ok(())
    }

    /// Ctrl-C, or SIGTERM on Unix.
    async fn shutdown_signal() {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Ok(mut term) = signal(SignalKind::terminate()) {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
        }
        let _ = tokio::signal::ctrl_c().await;
    }

    /// Builds the asset-transfer-basic example and runs its demo script.
    async fn demo(cli: &Cli, out: &mut Out<'_>) -> Result<(), String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("Error: cannot locate the workspace")?
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        outln!(out, "Building examples/asset-transfer-basic ...");
        let status = std::process::Command::new(&cargo)
            .args(["build", "-q", "-p", "asset-transfer-basic"])
            .current_dir(&root)
            .status()
            .map_err(|e| format!("Error: cannot run {cargo}: {e}"))?;
        if !status.success() {
            return Err("Error: building asset-transfer-basic failed".into());
        }
        let target_dir = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        let binary = target_dir.join("debug").join("asset-transfer-basic");
        let target = Target {
            name: "basic".into(),
            chaincode: Some(binary),
            connect: None,
            gateway: None,
            tls: false,
            cafile: None,
        };
        outln!(
            out,
            "Ledger: {} (kept between runs; delete it to start over)",
            std::fs::canonicalize(&cli.data_dir)
                .unwrap_or(cli.data_dir.clone())
                .display()
        );
        let session = cli.session(&target).await?;
        session
            .script(out, &root.join("examples/asset-transfer-basic/demo.script"))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctor_forms() {
        assert_eq!(parse_ctor(r#"{"Args":["A","b"]}"#).unwrap(), ["A", "b"]);
        assert_eq!(parse_ctor(r#"{"args":["A"]}"#).unwrap(), ["A"]);
        assert_eq!(parse_ctor(r#"{"function":"F","Args":[]}"#).unwrap(), ["F"]);
        assert!(
            parse_ctor(r#"{"Args":[1]}"#)
                .unwrap_err()
                .contains("must be strings")
        );
        assert!(
            parse_ctor(r#"{"Argz":[]}"#)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(
            parse_ctor(r#"[]"#)
                .unwrap_err()
                .contains("expected an object")
        );
        assert!(parse_ctor("{}").unwrap_err().contains("no \"Args\""));
    }

    #[test]
    fn transient_is_base64() {
        let t = parse_transient(r#"{"k":"aGVsbG8="}"#).unwrap();
        assert_eq!(&t["k"][..], b"hello");
        assert!(
            parse_transient(r#"{"k":"!!"}"#)
                .unwrap_err()
                .contains("not base64")
        );
        assert!(
            parse_transient(r#"{"k":1}"#)
                .unwrap_err()
                .contains("base64 string")
        );
    }
}
