//! A probe chaincode that exposes every stub method as a function, and
//! helpers to connect it to the development peer over real gRPC.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fabric_chaincode_shim::transport::{ChaincodeServer, DialConfig, ServeConfig};
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};
use fabric_dev_peer::{DevPeer, Invocation, Ledger, PeerConfig, RegisterServer, TxOutcome};

static LEAKED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Exercises the stub; every function answers with text that tests assert on.
pub struct Probe;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn keys(kvs: &[fabric_chaincode_shim::proto::queryresult::Kv]) -> String {
    kvs.iter()
        .map(|kv| kv.key.replace('\u{0}', "~"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Probe {
    async fn run(&self, stub: &ChaincodeStub) -> Result<Response, fabric_chaincode_shim::Error> {
        let (function, p) = stub.function_and_parameters();
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        let text = |s: String| Ok(success(s));
        match function.as_str() {
            "put" => {
                stub.put_state(p[0], p[1].to_owned()).await?;
                text(String::new())
            }
            "get" => {
                let v = stub.get_state(p[0]).await?;
                text(
                    v.map(|v| String::from_utf8_lossy(&v).into_owned())
                        .unwrap_or_else(|| "<none>".into()),
                )
            }
            "del" => {
                stub.del_state(p[0]).await?;
                text(String::new())
            }
            "put_many" => {
                let n: usize = p[1].parse().unwrap();
                for i in 0..n {
                    stub.put_state(&format!("{}{i:04}", p[0]), format!("v{i}"))
                        .await?;
                }
                text(n.to_string())
            }
            "range" => {
                let it = stub.get_state_by_range(p[0], p[1]).await?;
                text(keys(&it.collect().await?))
            }
            "range_count" => {
                let it = stub.get_state_by_range(p[0], p[1]).await?;
                text(it.collect().await?.len().to_string())
            }
            "range_early" => {
                // Reads n results, drops the iterator, then makes another call.
                let n: usize = p[2].parse().unwrap();
                let mut it = stub.get_state_by_range(p[0], p[1]).await?;
                let mut read = 0;
                while read < n {
                    if it.next().await?.is_none() {
                        break;
                    }
                    read += 1;
                }
                let more = it.has_next();
                let explicit = p.get(3) == Some(&"close");
                if explicit {
                    it.close().await?;
                } else {
                    drop(it);
                }
                let _ = stub.get_state("after").await?;
                text(format!("{read}:{more}"))
            }
            "range_page" => {
                let (it, meta) = stub
                    .get_state_by_range_with_pagination(p[0], p[1], p[2].parse().unwrap(), p[3])
                    .await?;
                text(format!(
                    "{}|{}|{}",
                    keys(&it.collect().await?),
                    meta.fetched_records_count,
                    meta.bookmark
                ))
            }
            "composite_put" => {
                let key = stub_key(p[0], &p[1..p.len() - 1])?;
                stub.put_state(&key, p[p.len() - 1].to_owned()).await?;
                text(key.replace('\u{0}', "~"))
            }
            "partial" => {
                let it = stub
                    .get_state_by_partial_composite_key(p[0], &p[1..])
                    .await?;
                let mut out = Vec::new();
                for kv in it.collect().await? {
                    let (t, attrs) = fabric_chaincode_shim::split_composite_key(&kv.key)?;
                    out.push(format!("{t}/{}", attrs.join("/")));
                }
                text(out.join(","))
            }
            "partial_page" => {
                let n = p.len();
                let (it, meta) = stub
                    .get_state_by_partial_composite_key_with_pagination(
                        p[0],
                        &p[1..n - 2],
                        p[n - 2].parse().unwrap(),
                        p[n - 1],
                    )
                    .await?;
                text(format!(
                    "{}|{}",
                    keys(&it.collect().await?),
                    meta.bookmark.replace('\u{0}', "~")
                ))
            }
            "all_composite_page" => {
                let (it, meta) = stub
                    .get_all_states_composite_key_with_pagination(p[0].parse().unwrap(), p[1])
                    .await?;
                text(format!(
                    "{}|{}",
                    keys(&it.collect().await?),
                    meta.fetched_records_count
                ))
            }
            "query" => {
                let it = stub.get_query_result(p[0]).await?;
                text(keys(&it.collect().await?))
            }
            "query_page" => {
                let (it, meta) = stub
                    .get_query_result_with_pagination(p[0], p[1].parse().unwrap(), p[2])
                    .await?;
                text(format!(
                    "{}|{}|{}",
                    keys(&it.collect().await?),
                    meta.fetched_records_count,
                    meta.bookmark
                ))
            }
            "history" => {
                let it = stub.get_history_for_key(p[0]).await?;
                let entries: Vec<String> = it
                    .collect()
                    .await?
                    .iter()
                    .map(|m| {
                        format!(
                            "{}:{}:{}:{}",
                            &m.tx_id[..8.min(m.tx_id.len())],
                            String::from_utf8_lossy(&m.value),
                            m.is_delete,
                            m.timestamp.map(|t| t.seconds > 0).unwrap_or(false)
                        )
                    })
                    .collect();
                text(entries.join(","))
            }
            "priv_put" => {
                stub.put_private_data(p[0], p[1], p[2].to_owned()).await?;
                text(String::new())
            }
            "priv_get" => {
                let v = stub.get_private_data(p[0], p[1]).await?;
                text(
                    v.map(|v| String::from_utf8_lossy(&v).into_owned())
                        .unwrap_or_else(|| "<none>".into()),
                )
            }
            "priv_multi" => {
                let vals = stub.get_multiple_private_data(p[0], &p[1..]).await?;
                text(
                    vals.iter()
                        .map(|v| {
                            v.as_ref()
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                                .unwrap_or("<none>".into())
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )
            }
            "priv_hash" => {
                let v = stub.get_private_data_hash(p[0], p[1]).await?;
                text(v.map(|v| hex(&v)).unwrap_or_else(|| "<none>".into()))
            }
            "priv_del" => {
                stub.del_private_data(p[0], p[1]).await?;
                text(String::new())
            }
            "priv_purge" => {
                stub.purge_private_data(p[0], p[1]).await?;
                text(String::new())
            }
            "priv_range" => {
                let it = stub.get_private_data_by_range(p[0], p[1], p[2]).await?;
                text(keys(&it.collect().await?))
            }
            "priv_partial" => {
                let it = stub
                    .get_private_data_by_partial_composite_key(p[0], p[1], &p[2..])
                    .await?;
                text(keys(&it.collect().await?))
            }
            "priv_query" => {
                let it = stub.get_private_data_query_result(p[0], p[1]).await?;
                text(keys(&it.collect().await?))
            }
            "sbe_set" => {
                stub.set_state_validation_parameter(p[0], unhex(p[1]))
                    .await?;
                text(String::new())
            }
            "sbe_get" => {
                let v = stub.get_state_validation_parameter(p[0]).await?;
                text(v.map(|v| hex(&v)).unwrap_or_else(|| "<none>".into()))
            }
            "priv_sbe_set" => {
                stub.set_private_data_validation_parameter(p[0], p[1], unhex(p[2]))
                    .await?;
                text(String::new())
            }
            "priv_sbe_get" => {
                let v = stub
                    .get_private_data_validation_parameter(p[0], p[1])
                    .await?;
                text(v.map(|v| hex(&v)).unwrap_or_else(|| "<none>".into()))
            }
            "event" => {
                stub.set_event(p[0], p[1].to_owned())?;
                text(String::new())
            }
            "event_twice" => {
                stub.set_event("first", "1")?;
                stub.set_event("second", "2")?;
                text(String::new())
            }
            "invoke" => {
                let channel = p[1];
                let r = stub.invoke_chaincode(p[0], &p[2..], channel).await?;
                text(format!(
                    "{}|{}|{}",
                    r.status,
                    r.message,
                    String::from_utf8_lossy(&r.payload)
                ))
            }
            "batch" => {
                stub.start_write_batch();
                let n: usize = p[1].parse().unwrap();
                for i in 0..n {
                    stub.put_state(&format!("{}{i:04}", p[0]), format!("b{i}"))
                        .await?;
                }
                if p.get(2) == Some(&"finish") {
                    stub.finish_write_batch().await?;
                }
                text(n.to_string())
            }
            "batch_mixed" => {
                stub.start_write_batch();
                stub.put_state("m1", "first").await?;
                stub.put_state("m1", "second").await?;
                stub.put_state("m2", "x").await?;
                stub.del_state("m2").await?;
                stub.put_private_data("coll", "pm", "p").await?;
                stub.set_state_validation_parameter("m1", unhex("12021200"))
                    .await?;
                // Reads do not see buffered writes.
                let seen = stub.get_state("m1").await?;
                text(format!("{}", seen.is_some()))
            }
            "multi_get" => {
                let vals = stub.get_multiple_states(&p).await?;
                text(
                    vals.iter()
                        .map(|v| {
                            v.as_ref()
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                                .unwrap_or("<none>".into())
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )
            }
            "concurrent" => {
                let (a, b, c) = tokio::join!(
                    stub.get_state("a"),
                    stub.get_state("b"),
                    stub.put_state("c", "3")
                );
                c?;
                text(format!(
                    "{:?},{:?}",
                    a?.map(|v| v.to_vec()),
                    b?.map(|v| v.to_vec())
                ))
            }
            "info" => {
                let mut transient: Vec<String> = stub
                    .transient()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", String::from_utf8_lossy(v)))
                    .collect();
                transient.sort();
                text(format!(
                    "txid={} channel={} creator={} transient={} binding={} ts={} proposal={} args_slice={} init={}",
                    stub.tx_id().len(),
                    stub.channel_id(),
                    !stub.creator().is_empty(),
                    transient.join(";"),
                    stub.binding().len(),
                    stub.tx_timestamp().map(|t| t.seconds > 0).unwrap_or(false),
                    stub.signed_proposal().is_some(),
                    String::from_utf8_lossy(&stub.args_slice()),
                    stub.is_init(),
                ))
            }
            "decorations" => {
                let mut all: Vec<String> = stub
                    .decorations()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", String::from_utf8_lossy(v)))
                    .collect();
                all.sort();
                text(all.join(","))
            }
            "params" => {
                let params = stub.peer_params();
                text(format!(
                    "{:?},{:?}",
                    params.write_batch, params.get_multiple
                ))
            }
            "leak" => {
                // Keeps the stub past the end of its transaction.
                let leaked = stub.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let result = leaked.get_state("k").await;
                    *LEAKED.lock().unwrap() = Some(format!("{result:?}"));
                });
                text(String::new())
            }
            "leak_result" => text(LEAKED.lock().unwrap().clone().unwrap_or_default()),
            "panic" => panic!("probe was asked to panic"),
            "error" => Ok(error(p[0])),
            "slow" => {
                tokio::time::sleep(Duration::from_millis(p[0].parse().unwrap())).await;
                text("slept".into())
            }
            "put_empty_key" => {
                stub.put_state("", "x").await?;
                text(String::new())
            }
            other => Ok(error(format!("unknown probe function {other}"))),
        }
    }
}

fn stub_key(object_type: &str, attrs: &[&str]) -> Result<String, fabric_chaincode_shim::Error> {
    fabric_chaincode_shim::create_composite_key(object_type, attrs)
}

impl Chaincode for Probe {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        match self.run(stub).await {
            Ok(r) => r,
            Err(e) => error(format!("stub error: {e}")),
        }
    }
}

/// A peer with a gRPC listener and the probe dialled into it.
pub struct Harness {
    pub peer: DevPeer,
    pub name: String,
}

impl Harness {
    /// Probe `name` dials a fresh peer over loopback gRPC (`ChaincodeSupport.Register`).
    pub async fn dial(config: PeerConfig, name: &str) -> Harness {
        let peer = DevPeer::new(Ledger::in_memory(), config).unwrap();
        let server = RegisterServer::bind("127.0.0.1:0", None).await.unwrap();
        let address = server.local_addr().to_string();
        peer.serve(server);
        spawn_dialer(Probe, &address, name);
        peer.wait_for(name, Duration::from_secs(10)).await.unwrap();
        Harness {
            peer,
            name: name.into(),
        }
    }

    /// Probe `name` serves chaincode-as-a-service; a fresh peer dials it.
    pub async fn serve(config: PeerConfig, name: &str) -> Harness {
        let peer = DevPeer::new(Ledger::in_memory(), config).unwrap();
        let server = ChaincodeServer::bind(
            Arc::new(Probe),
            ServeConfig {
                address: "127.0.0.1:0".into(),
                chaincode_id: name.into(),
                tls: None,
            },
        )
        .await
        .unwrap();
        let address = server.local_addr().to_string();
        tokio::spawn(server.serve());
        peer.connect(&address, None).await.unwrap();
        Harness {
            peer,
            name: name.into(),
        }
    }

    pub async fn submit(&self, args: &[&str]) -> TxOutcome {
        self.peer
            .submit(Invocation::new(&self.name, args))
            .await
            .unwrap()
    }

    pub async fn evaluate(&self, args: &[&str]) -> TxOutcome {
        self.peer
            .evaluate(Invocation::new(&self.name, args))
            .await
            .unwrap()
    }

    /// Submits and returns the payload, failing the test on a non-200 status.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.submit(args).await;
        assert_eq!(
            out.response.status, 200,
            "{args:?}: {}",
            out.response.message
        );
        String::from_utf8(out.response.payload.to_vec()).unwrap()
    }

    /// Evaluates and returns the payload, failing the test on a non-200 status.
    pub async fn query(&self, args: &[&str]) -> String {
        let out = self.evaluate(args).await;
        assert_eq!(
            out.response.status, 200,
            "{args:?}: {}",
            out.response.message
        );
        String::from_utf8(out.response.payload.to_vec()).unwrap()
    }
}

/// Starts `chaincode` dialling `address` as `name`, in the background.
pub fn spawn_dialer<C: Chaincode>(
    chaincode: C,
    address: &str,
    name: &str,
) -> tokio::task::JoinHandle<fabric_chaincode_shim::Result<()>> {
    let config = DialConfig {
        peer_address: address.into(),
        chaincode_id: name.into(),
        tls: None,
    };
    let chaincode = Arc::new(chaincode);
    tokio::spawn(async move { fabric_chaincode_shim::transport::dial(chaincode, &config).await })
}

pub fn bytes(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}
