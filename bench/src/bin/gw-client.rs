//! One client process of the benchmark's client section (issue 15): our
//! Gateway client, or the raw tonic baseline, driving `fabric-dev-peer
//! serve` over the line protocol of `fabric_bench::gateway`.
//!
//! ```text
//! PEER_ENDPOINT=127.0.0.1:7051 MSP_DIR=…/users/User1@org1.example.com/msp \
//!   gw-client --mode rust|raw|raw-signed [--runtime multi|current]
//! ```
//!
//! * `rust`: `fabric-gateway-client` as an application uses it:
//!   `contract.evaluate_transaction("ReadAsset", ["asset1"])` and
//!   `contract.submit_transaction("CreateAsset", [id, …])` (which waits for
//!   the commit status), with the fabric-samples deadlines.
//! * `raw` (evaluate only): `EvaluateRequest`s built and signed before the
//!   calls, one per task in flight (a peer refuses two transactions with the
//!   same id in flight on one chaincode, so the C concurrent calls need C
//!   ids; a task sends its own request again and again), through the
//!   generated `fabric_protos::gateway::gateway_client::GatewayClient` — no
//!   client library on the call path, no signing, no deadline. The requests
//!   are made when a run needs more of them than exist, i.e. in the warm-up.
//! * `raw-signed` (evaluate only): per call, a fresh proposal built by the
//!   library's offline API (`new_proposal(..).build()`), signed with the
//!   same key as the library signs it (`EcdsaSigner::sign_message_sha256`),
//!   sent through the generated client: the raw call plus building and
//!   signing.
//!
//! Every mode uses one connection (one HTTP/2 channel) for all its calls;
//! `--runtime` picks tokio's runtime (default: the multi-thread runtime of
//! `#[tokio::main]`). `--signer digest` (mode `rust`, for experiments; not
//! what `compare` measures) gives the gateway `EcdsaSigner::sign_digest`
//! through the public `signer_fn`, i.e. the pure-Rust `p256` signature of
//! a SHA-256 digest, instead of `EcdsaSigner` itself, which signs whole
//! messages with `ring`.
#![forbid(unsafe_code)]

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fabric_bench::gateway::{
    ClientKind, Command, EVALUATE_ASSET, LatencyReply, MSP_ID, Op, Ready, RunReply,
};
use fabric_gateway_client::{Contract, EcdsaSigner, Gateway, PeerEndpoint, msp, signer_fn};
use fabric_protos::gateway::EvaluateRequest;
use fabric_protos::gateway::gateway_client::GatewayClient;
use fabric_protos::protos::SignedProposal;
use tonic::transport::Channel;

#[derive(Clone)]
enum Caller {
    Rust(Contract),
    Raw {
        client: GatewayClient<Channel>,
        contract: Contract,
        signer: Arc<EcdsaSigner>,
        /// One per task in flight, made before the run.
        requests: Arc<Vec<EvaluateRequest>>,
    },
    RawSigned {
        client: GatewayClient<Channel>,
        contract: Contract,
        signer: Arc<EcdsaSigner>,
    },
}

/// A signed `EvaluateRequest` for `ReadAsset asset1`: the proposal built by
/// the library's offline API, signed with `signer`.
fn evaluate_request(contract: &Contract, signer: &EcdsaSigner) -> Result<EvaluateRequest, String> {
    let proposal = contract
        .new_proposal("ReadAsset")
        .arguments([EVALUATE_ASSET])
        .build()
        .map_err(|e| e.to_string())?;
    let signature = signer
        .sign_message_sha256(proposal.proposal_bytes())
        .map_err(|e| e.to_string())?;
    Ok(EvaluateRequest {
        transaction_id: proposal.transaction_id().to_owned(),
        channel_id: proposal.channel_name().to_owned(),
        proposed_transaction: Some(SignedProposal {
            proposal_bytes: proposal.proposal_bytes().clone(),
            signature: signature.into(),
        }),
        target_organizations: Vec::new(),
    })
}

async fn raw_evaluate(
    mut client: GatewayClient<Channel>,
    request: EvaluateRequest,
) -> Result<(), String> {
    let response = client
        .evaluate(tonic::Request::new(request))
        .await
        .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?
        .into_inner();
    match response.result {
        Some(r) if r.status == 200 && !r.payload.is_empty() => Ok(()),
        other => Err(format!("unexpected evaluate result {other:?}")),
    }
}

impl Caller {
    /// Makes sure a run at concurrency `c` has what it needs before it starts.
    fn prepare(&mut self, c: usize) -> Result<(), String> {
        if let Caller::Raw {
            contract,
            signer,
            requests,
            ..
        } = self
            && requests.len() < c
        {
            let mut more = requests.as_ref().clone();
            while more.len() < c {
                more.push(evaluate_request(contract, signer)?);
            }
            *requests = Arc::new(more);
        }
        Ok(())
    }

    /// Call number `i` of a run, made by task `task`.
    async fn call(&self, op: Op, prefix: &str, i: usize, task: usize) -> Result<(), String> {
        match (self, op) {
            (Caller::Rust(contract), Op::Evaluate) => {
                let asset = contract
                    .evaluate_transaction("ReadAsset", [EVALUATE_ASSET])
                    .await
                    .map_err(|e| e.to_string())?;
                if asset.is_empty() {
                    return Err("ReadAsset returned nothing".into());
                }
                Ok(())
            }
            (Caller::Rust(contract), Op::Submit) => {
                let id = format!("{prefix}-{i}");
                contract
                    .submit_transaction("CreateAsset", [id.as_str(), "blue", "5", "Tom", "1300"])
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            (
                Caller::Raw {
                    client, requests, ..
                },
                Op::Evaluate,
            ) => raw_evaluate(client.clone(), requests[task].clone()).await,
            (
                Caller::RawSigned {
                    client,
                    contract,
                    signer,
                },
                Op::Evaluate,
            ) => {
                let request = evaluate_request(contract, signer)?;
                raw_evaluate(client.clone(), request).await
            }
            (_, Op::Submit) => Err("this mode only evaluates".into()),
        }
    }
}

struct Settings {
    mode: ClientKind,
    multi_thread: bool,
    digest_signer: bool,
    endpoint: String,
    msp_dir: String,
    msp_id: String,
    channel: String,
    chaincode: String,
}

fn settings() -> Result<Settings, String> {
    let env = |key: &str, default: Option<&str>| {
        std::env::var(key)
            .ok()
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_owned))
            .ok_or_else(|| format!("{key} is not set"))
    };
    let mut mode = None;
    let mut multi_thread = true;
    let mut digest_signer = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => {
                let m = args.next().unwrap_or_default();
                mode = Some(
                    ClientKind::parse(&m)
                        .filter(|k| *k != ClientKind::Node)
                        .ok_or(format!("--mode {m:?}: expected rust, raw or raw-signed"))?,
                );
            }
            "--runtime" => match args.next().as_deref() {
                Some("multi") => multi_thread = true,
                Some("current") => multi_thread = false,
                other => return Err(format!("--runtime {other:?}: expected multi or current")),
            },
            "--signer" => match args.next().as_deref() {
                Some("default") => digest_signer = false,
                Some("digest") => digest_signer = true,
                other => return Err(format!("--signer {other:?}: expected default or digest")),
            },
            "--help" | "-h" => {
                return Err(
                    "usage: PEER_ENDPOINT=host:port MSP_DIR=dir gw-client --mode rust|raw|raw-signed [--runtime multi|current] [--signer default|digest]"
                        .into(),
                );
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Settings {
        mode: mode.ok_or("--mode is required")?,
        multi_thread,
        digest_signer,
        endpoint: env("PEER_ENDPOINT", None)?,
        msp_dir: env("MSP_DIR", None)?,
        msp_id: env("MSP_ID", Some(MSP_ID))?,
        channel: env("CHANNEL_NAME", Some(fabric_bench::gateway::CHANNEL))?,
        chaincode: env("CHAINCODE_NAME", Some(fabric_bench::gateway::CHAINCODE))?,
    })
}

async fn connect(s: &Settings) -> Result<Caller, String> {
    let (identity, signer) = msp::load(&s.msp_dir, s.msp_id.clone()).map_err(|e| e.to_string())?;
    let channel = PeerEndpoint::new(s.endpoint.clone())
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let builder = Gateway::builder()
        .identity(identity)
        .connection(channel.clone());
    if s.mode == ClientKind::Rust {
        let builder = if s.digest_signer {
            builder.signer(signer_fn(move |digest: &[u8]| signer.sign_digest(digest)))
        } else {
            builder.signer(signer)
        };
        // The fabric-samples application's deadlines, as the Node client gets them.
        let gateway = builder
            .evaluate_timeout(Duration::from_secs(5))
            .endorse_timeout(Duration::from_secs(15))
            .submit_timeout(Duration::from_secs(5))
            .commit_status_timeout(Duration::from_secs(60))
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        return Ok(Caller::Rust(
            gateway
                .network(s.channel.clone())
                .contract(s.chaincode.clone()),
        ));
    }
    // Only to build proposals offline: no call goes through it.
    let gateway = builder.connect().await.map_err(|e| e.to_string())?;
    let contract = gateway
        .network(s.channel.clone())
        .contract(s.chaincode.clone());
    let client = GatewayClient::new(channel);
    let signer = Arc::new(signer);
    if s.mode == ClientKind::Raw {
        return Ok(Caller::Raw {
            client,
            contract,
            signer,
            requests: Arc::new(Vec::new()),
        });
    }
    Ok(Caller::RawSigned {
        client,
        contract,
        signer,
    })
}

/// `n` calls with `c` in flight, each task taking the next call number.
async fn run(
    caller: &mut Caller,
    op: Op,
    c: usize,
    n: usize,
    prefix: &str,
) -> (RunReply, Vec<u64>) {
    if let Err(e) = caller.prepare(c.min(n)) {
        return (
            RunReply {
                calls: n,
                ok: 0,
                failed: n,
                elapsed_s: 0.0,
                error: Some(e),
            },
            Vec::new(),
        );
    }
    let next = Arc::new(AtomicUsize::new(0));
    let prefix: Arc<str> = prefix.into();
    let started = Instant::now();
    let tasks: Vec<_> = (0..c.min(n))
        .map(|task| {
            let caller = caller.clone();
            let next = Arc::clone(&next);
            let prefix = Arc::clone(&prefix);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(n / c + 1);
                let mut failed = 0;
                let mut first_error = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = Instant::now();
                    let result = caller.call(op, &prefix, i, task).await;
                    latencies.push(t.elapsed().as_nanos() as u64);
                    if let Err(e) = result {
                        failed += 1;
                        first_error.get_or_insert(e);
                    }
                }
                (latencies, failed, first_error)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    let mut failed = 0;
    let mut error = None;
    for task in tasks {
        match task.await {
            Ok((l, f, e)) => {
                latencies.extend(l);
                failed += f;
                if error.is_none() {
                    error = e;
                }
            }
            Err(e) => {
                failed += 1;
                error.get_or_insert(format!("a task failed: {e}"));
            }
        }
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let calls = latencies.len();
    (
        RunReply {
            calls,
            ok: calls.saturating_sub(failed),
            failed,
            elapsed_s,
            error,
        },
        latencies,
    )
}

fn reply(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn main() -> ExitCode {
    let s = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gw-client: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = if s.multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()
    .expect("a tokio runtime");
    let mut caller = match runtime.block_on(connect(&s)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gw-client: cannot connect to {}: {e}", s.endpoint);
            return ExitCode::FAILURE;
        }
    };
    let mut detail = if s.multi_thread {
        format!(
            "tokio multi-thread runtime, {} workers",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )
    } else {
        "tokio current-thread runtime".to_owned()
    };
    if s.digest_signer {
        detail.push_str(", p256 digest signer");
    }
    let mut out = std::io::stdout().lock();
    let ready = Ready {
        ready: true,
        client: s.mode.name().to_owned(),
        detail,
    };
    if reply(&mut out, &ready).is_err() {
        return ExitCode::FAILURE;
    }
    let mut last = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let written = match Command::parse(&line) {
            Ok(Command::Run {
                op,
                concurrency,
                calls,
                prefix,
            }) => {
                let (r, latencies) =
                    runtime.block_on(run(&mut caller, op, concurrency, calls, &prefix));
                last = latencies;
                reply(&mut out, &r)
            }
            Ok(Command::Latencies) => reply(
                &mut out,
                &LatencyReply {
                    latencies_ns: std::mem::take(&mut last),
                },
            ),
            Ok(Command::Quit) => break,
            Err(e) => {
                eprintln!("gw-client: {e}");
                return ExitCode::FAILURE;
            }
        };
        if written.is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
