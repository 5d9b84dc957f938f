//! The JSON API's handlers, called directly and over loopback HTTP.

use super::*;
use crate::ledger::{Space, Write, WriteSet};
use crate::network::{OrgSpec, UserSpec};

fn network(tag: &str) -> (DevNetwork, PathBuf) {
    let root = std::env::temp_dir().join(format!("explorer-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut org1 = OrgSpec::new("Org1MSP");
    let (_, auditor) = UserSpec::parse("auditor@Org1MSP;ou=client;attr=role=auditor").unwrap();
    org1.users.push(auditor);
    let network = DevNetwork::create_or_load(&root, &[org1, OrgSpec::new("Org2MSP")], &[]).unwrap();
    (network, root)
}

fn shared(tag: &str) -> (Arc<Shared>, PathBuf) {
    let (network, root) = network(tag);
    let peer = DevPeer::in_memory().unwrap();
    let mut writes = WriteSet::default();
    writes.values.insert(
        (Space::public("mychannel", "basic"), "asset1".into()),
        Write::Put(bytes::Bytes::from_static(br#"{"ID":"asset1"}"#)),
    );
    peer.ledger().commit("t1", None, &writes).unwrap();
    let shared = Shared::new(ExplorerConfig {
        peer,
        network,
        chaincodes: vec!["basic".into(), "events".into()],
        gateway: "0.0.0.0:7051".parse().unwrap(),
        tls: true,
        data_dir: root.clone(),
        hosts: vec!["devbox".into()],
        commits: None,
    });
    (Arc::new(shared), root)
}

#[tokio::test]
async fn identities_list_every_user_with_ous_and_attributes() {
    let (shared, root) = shared("identities");
    let Json(list) = identities(State(Arc::clone(&shared))).await;
    let names: Vec<(&str, &str)> = list
        .iter()
        .map(|i| (i.mspid.as_str(), i.user.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Org1MSP", "Admin"),
            ("Org1MSP", "User1"),
            ("Org1MSP", "auditor"),
            ("Org2MSP", "Admin"),
            ("Org2MSP", "User1")
        ]
    );
    assert_eq!(list[0].ous, ["admin"]);
    assert_eq!(list[2].name, "auditor@org1.example.com");
    assert_eq!(list[2].attributes["role"], "auditor");
    assert!(list[1].attributes.is_empty());
    // The Gateway on every interface is called on loopback.
    let Json(info) = info(State(Arc::clone(&shared))).await;
    assert_eq!(info.gateway, "127.0.0.1:7051");
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn chaincodes_that_are_not_connected_say_so() {
    let (shared, root) = shared("chaincodes");
    let Json(list) = chaincodes(State(Arc::clone(&shared))).await;
    assert_eq!(list.len(), 2);
    assert!(!list[0].connected);
    let missing = contracts(State(Arc::clone(&shared)), Path("nope".into()))
        .await
        .unwrap_err();
    assert_eq!(missing.0, StatusCode::NOT_FOUND);
    assert_eq!(missing.1, "no chaincode nope is hosted here");
    let down = contracts(State(Arc::clone(&shared)), Path("basic".into()))
        .await
        .unwrap_err();
    assert_eq!(down.0, StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.1.contains("basic"), "{}", down.1);
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn ledger_keys_and_history() {
    let (shared, root) = shared("ledger");
    let Json(spaces) = ledger(State(Arc::clone(&shared))).await.unwrap();
    assert_eq!(spaces.len(), 2);
    assert_eq!((spaces[0].name.as_str(), spaces[0].keys), ("basic", 1));
    let Json(page) = keys(
        State(Arc::clone(&shared)),
        Path("basic".into()),
        Query(vec![("prefix".into(), "asset".into())]),
    )
    .await
    .unwrap();
    assert_eq!(page.keys[0].key, "asset1");
    assert_eq!(
        page.keys[0].value.as_ref().unwrap().display,
        "{\n  \"ID\": \"asset1\"\n}"
    );
    let Json(entries) = history(
        State(Arc::clone(&shared)),
        Path("basic".into()),
        Query(HistoryQuery {
            key: "asset1".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(entries[0].txid, "t1");
    let bad = keys(
        State(Arc::clone(&shared)),
        Path("basic".into()),
        Query(vec![("limit".into(), "many".into())]),
    )
    .await
    .unwrap_err();
    assert_eq!(bad, ApiError::bad_request("limit: not a number: many"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn key_queries_read_repeated_attributes() {
    let query = key_query(&[
        ("type".into(), "color~id".into()),
        ("attr".into(), "blue".into()),
        ("attr".into(), "".into()),
        ("after".into(), "k".into()),
        ("mspid".into(), "Org2MSP".into()),
    ])
    .unwrap();
    assert_eq!(query.object_type, "color~id");
    assert_eq!(query.attributes, ["blue"], "blank trailing fields dropped");
    assert_eq!(query.after.as_deref(), Some("k"));
    assert_eq!(query.limit, 50);
    assert!(key_query(&[("colour".into(), "x".into())]).is_err());
}

fn request(function: &str, arguments: Vec<Option<&str>>) -> CallRequest {
    CallRequest {
        chaincode: "basic".into(),
        function: function.into(),
        arguments: arguments
            .into_iter()
            .map(|a| a.map(str::to_owned))
            .collect(),
        transient: Vec::new(),
        mode: "submit".into(),
        mspid: "Org1MSP".into(),
        user: "User1".into(),
    }
}

#[test]
fn calls_are_checked_against_the_metadata_and_encoded() {
    let view = metadata::describe(&serde_json::json!({"contracts": {"SmartContract": {
        "name": "SmartContract", "default": true, "transactions": [{"name": "CreateAsset", "tag": ["submit"],
        "parameters": [
            {"name": "id", "required": true, "schema": {"type": "string"}},
            {"name": "size", "required": true, "schema": {"type": "integer"}},
            {"name": "note", "schema": {"type": "string"}}]}]}}}))
    .unwrap();
    let args = encode_call(
        &view,
        &request("CreateAsset", vec![Some("\"a 1\""), Some("5"), None]),
    )
    .unwrap();
    assert_eq!(args, ["CreateAsset", "a 1", "5", ""]);
    let err = |r: CallRequest| encode_call(&view, &r).unwrap_err().1;
    assert_eq!(
        err(request("Nope", vec![])),
        "chaincode basic has no transaction Nope"
    );
    assert_eq!(
        err(request("CreateAsset", vec![Some("\"a\"")])),
        "CreateAsset takes 3 arguments, got 1"
    );
    assert_eq!(
        err(request("CreateAsset", vec![None, Some("5"), None])),
        "id is required"
    );
    assert!(
        err(request(
            "CreateAsset",
            vec![Some("\"a\""), Some("five"), None]
        ))
        .starts_with("size: not JSON")
    );
}

#[tokio::test]
async fn command_lines_are_ready_to_paste() {
    let (shared, root) = shared("command");
    let mut call = request("CreateAsset", vec![]);
    call.transient = vec![("asset_properties".into(), "{\"x\":1}".into())];
    let line = call::command_line(
        &shared,
        &call,
        &["CreateAsset".into(), "a1".into(), "it's blue".into()],
    );
    assert_eq!(
        line,
        format!(
            "fabric-dev-peer --data-dir {} --mspid Org1MSP --user User1 invoke -n basic --gateway 127.0.0.1:7051 --tls -c '{{\"Args\":[\"CreateAsset\",\"a1\",\"it'\\''s blue\"]}}' --transient '{{\"asset_properties\":\"eyJ4IjoxfQ==\"}}'",
            root.display()
        )
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn hosts_are_addresses_localhost_or_configured_names() {
    let hosts = ["devbox".to_string()];
    for ok in [
        "127.0.0.1:7080",
        "localhost:7080",
        "LOCALHOST",
        "[::1]:7080",
        "10.0.0.2",
        "devbox:7080",
    ] {
        assert!(host_allowed(ok, &hosts), "{ok}");
    }
    for refused in ["evil.example:7080", "127.0.0.1.nip.io", "[nope]:1"] {
        assert!(!host_allowed(refused, &hosts), "{refused}");
    }
}

/// One HTTP/1.1 request over loopback; the status line and body.
async fn http(addr: SocketAddr, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[tokio::test]
async fn the_server_serves_the_page_and_refuses_foreign_hosts_and_form_posts() {
    let (network, root) = network("server");
    let server = ExplorerServer::bind(
        "127.0.0.1:0",
        ExplorerConfig {
            peer: DevPeer::in_memory().unwrap(),
            network,
            chaincodes: Vec::new(),
            gateway: "127.0.0.1:7051".parse().unwrap(),
            tls: false,
            data_dir: root.clone(),
            hosts: Vec::new(),
            commits: None,
        },
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    assert_eq!(server.url(), format!("http://{addr}/"));
    let (status, body) = http(
        addr,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<title>"), "{body}");
    let (status, body) = http(
        addr,
        "GET /api/chaincodes HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 403 Forbidden");
    assert!(body.contains("not evil.example"), "{body}");
    let form = "chaincode=basic";
    let (status, _) = http(
        addr,
        &format!(
            "POST /api/call HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    )
    .await;
    assert_eq!(status, "HTTP/1.1 415 Unsupported Media Type");
    let (status, body) = http(
        addr,
        "GET /api/nothing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, r#"{"error":"no such page"}"#);
    drop(server);
    let _ = std::fs::remove_dir_all(root);
}
