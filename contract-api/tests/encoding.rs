//! The encoding rule (`fabric_contract_api::codec`), type by type, through
//! the development peer: for every supported type, the metadata schema of its
//! parameter and result, the argument spellings accepted, the result, and the
//! result fed back as the argument. Then the same values through the typed
//! client, over the peer's Fabric Gateway on loopback.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use fabric_contract_api::testing::TestKit;
use fabric_contract_api::{Context, ContractChaincode, ContractError, contract};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Colour {
    Red,
    Green,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Shape {
    Dot,
    Circle { radius: f64 },
}

#[derive(Default)]
pub struct Echo;

#[contract(default)]
impl Echo {
    #[transaction(evaluate)]
    pub fn text(&self, _ctx: &Context, v: String) -> String {
        v
    }
    #[transaction(evaluate)]
    pub fn letter(&self, _ctx: &Context, v: char) -> char {
        v
    }
    #[transaction(evaluate)]
    pub fn flag(&self, _ctx: &Context, v: bool) -> bool {
        v
    }
    #[transaction(evaluate)]
    pub fn small(&self, _ctx: &Context, v: i8) -> i8 {
        v
    }
    #[transaction(evaluate)]
    pub fn short(&self, _ctx: &Context, v: i16) -> i16 {
        v
    }
    #[transaction(evaluate)]
    pub fn int(&self, _ctx: &Context, v: i32) -> i32 {
        v
    }
    #[transaction(evaluate)]
    pub fn long(&self, _ctx: &Context, v: i64) -> i64 {
        v
    }
    #[transaction(evaluate)]
    pub fn huge(&self, _ctx: &Context, v: i128) -> i128 {
        v
    }
    #[transaction(evaluate)]
    pub fn byte(&self, _ctx: &Context, v: u8) -> u8 {
        v
    }
    #[transaction(evaluate)]
    pub fn word(&self, _ctx: &Context, v: u16) -> u16 {
        v
    }
    #[transaction(evaluate)]
    pub fn count(&self, _ctx: &Context, v: u32) -> u32 {
        v
    }
    #[transaction(evaluate)]
    pub fn big(&self, _ctx: &Context, v: u64) -> u64 {
        v
    }
    #[transaction(evaluate)]
    pub fn size(&self, _ctx: &Context, v: usize) -> usize {
        v
    }
    #[transaction(evaluate)]
    pub fn single(&self, _ctx: &Context, v: f32) -> f32 {
        v
    }
    #[transaction(evaluate)]
    pub fn double(&self, _ctx: &Context, v: f64) -> f64 {
        v
    }
    #[transaction(evaluate)]
    pub fn raw(&self, _ctx: &Context, v: Vec<u8>) -> Vec<u8> {
        v
    }
    #[transaction(evaluate)]
    pub fn buffer(&self, _ctx: &Context, v: Bytes) -> Bytes {
        v
    }
    #[transaction(evaluate)]
    pub fn maybe_text(&self, _ctx: &Context, v: Option<String>) -> Option<String> {
        v
    }
    #[transaction(evaluate)]
    pub fn maybe_long(&self, _ctx: &Context, v: Option<i64>) -> Option<i64> {
        v
    }
    #[transaction(evaluate)]
    pub fn maybe_point(&self, _ctx: &Context, v: Option<Point>) -> Option<Point> {
        v
    }
    #[transaction(evaluate)]
    pub fn colour(&self, _ctx: &Context, v: Colour) -> Colour {
        v
    }
    #[transaction(evaluate)]
    pub fn shape(&self, _ctx: &Context, v: Shape) -> Shape {
        v
    }
    #[transaction(evaluate)]
    pub fn point(&self, _ctx: &Context, v: Point) -> Point {
        v
    }
    #[transaction(evaluate)]
    pub fn points(&self, _ctx: &Context, v: Vec<Point>) -> Vec<Point> {
        v
    }
    #[transaction(evaluate)]
    pub fn map(&self, _ctx: &Context, v: BTreeMap<String, u32>) -> BTreeMap<String, u32> {
        v
    }
    #[transaction(evaluate)]
    pub fn pair(&self, _ctx: &Context, v: (String, u8)) -> (String, u8) {
        v
    }
    #[transaction(evaluate)]
    pub fn any(&self, _ctx: &Context, v: Value) -> Value {
        v
    }
    /// A trailing optional parameter may be left out.
    #[transaction(evaluate)]
    pub fn greet(
        &self,
        _ctx: &Context,
        name: String,
        title: Option<String>,
    ) -> Result<String, ContractError> {
        Ok(match title {
            Some(t) => format!("{t} {name}"),
            None => name,
        })
    }
    #[transaction]
    pub fn nothing(&self, _ctx: &Context) {}
}

async fn kit() -> TestKit {
    TestKit::new(ContractChaincode::new().add(Echo)).await
}

/// Calls `function` with one raw argument; returns the payload or the error message.
async fn call(kit: &TestKit, function: &str, arg: &[u8]) -> Result<Vec<u8>, String> {
    let out = kit
        .invoke(&[function])
        .raw_args(vec![
            Bytes::copy_from_slice(function.as_bytes()),
            Bytes::copy_from_slice(arg),
        ])
        .evaluate()
        .await;
    if out.status() == 200 {
        Ok(out.payload().to_vec())
    } else {
        Err(out.message().to_owned())
    }
}

/// The metadata of transaction `name`.
async fn transaction(kit: &TestKit, name: &str) -> Value {
    let metadata: Value = serde_json::from_slice(
        kit.evaluate(&["org.hyperledger.fabric:GetMetadata"])
            .await
            .payload(),
    )
    .unwrap();
    metadata["contracts"]["Echo"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no transaction {name}"))
        .clone()
}

/// `(transaction, parameter schema, [(argument, result)])`: each argument
/// spelling and the result it gives; every result must give itself back.
type Case = (&'static str, Value, Vec<(&'static [u8], &'static [u8])>);

fn cases() -> Vec<Case> {
    vec![
        (
            "Text",
            json!({"type": "string"}),
            vec![
                (b"plain text", b"plain text"),
                (b"", b""),
                (b"\"quoted\"", b"\"quoted\""),
            ],
        ),
        (
            "Letter",
            json!({"type": "string", "minLength": 1, "maxLength": 1}),
            vec![(b"\xc3\xa9", b"\xc3\xa9")],
        ),
        (
            "Flag",
            json!({"type": "boolean"}),
            vec![
                (b"true", b"true"),
                (b"FALSE", b"false"),
                (b"1", b"true"),
                (b"f", b"false"),
            ],
        ),
        (
            "Small",
            json!({"type": "integer", "format": "int8", "minimum": -128, "maximum": 127}),
            vec![(b"-128", b"-128")],
        ),
        (
            "Short",
            json!({"type": "integer", "format": "int16", "minimum": -32768, "maximum": 32767}),
            vec![(b"300", b"300")],
        ),
        (
            "Int",
            json!({"type": "integer", "format": "int32"}),
            vec![(b"-7", b"-7")],
        ),
        (
            "Long",
            json!({"type": "integer", "format": "int64"}),
            vec![(b"9007199254740993", b"9007199254740993")],
        ),
        (
            "Huge",
            json!({"type": "integer"}),
            vec![(
                b"-170141183460469231731687303715884105728",
                b"-170141183460469231731687303715884105728",
            )],
        ),
        (
            "Byte",
            json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 255}),
            vec![(b"255", b"255")],
        ),
        (
            "Word",
            json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 65535}),
            vec![(b"65535", b"65535")],
        ),
        (
            "Count",
            json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295u32}),
            vec![(b"42", b"42")],
        ),
        (
            "Big",
            json!({"type": "integer", "minimum": 0, "maximum": 18446744073709551615u64}),
            vec![(b"18446744073709551615", b"18446744073709551615")],
        ),
        (
            "Size",
            json!({"type": "integer", "minimum": 0}),
            vec![(b"3", b"3")],
        ),
        (
            "Single",
            json!({"type": "number", "format": "float"}),
            vec![(b"0.1", b"0.1"), (b"2", b"2"), (b"2.0", b"2")],
        ),
        // As Go's and Node's JSON print numbers: no `.0`, an exponent from 1e21.
        (
            "Double",
            json!({"type": "number", "format": "double"}),
            vec![
                (b"7", b"7"),
                (b"2.5", b"2.5"),
                (b"1e21", b"1e+21"),
                (b"0.0000001", b"1e-7"),
                (b" 3 ", b"3"),
            ],
        ),
        (
            "Raw",
            json!({"type": "string", "format": "binary"}),
            vec![(b"\x00\xff\x10", b"\x00\xff\x10")],
        ),
        (
            "Buffer",
            json!({"type": "string", "format": "binary"}),
            vec![(b"bytes", b"bytes")],
        ),
        // `Option<T>`: `T`'s form; empty is `None`.
        (
            "MaybeText",
            json!({"type": "string"}),
            vec![(b"x", b"x"), (b"", b"")],
        ),
        (
            "MaybeLong",
            json!({"type": "integer", "format": "int64"}),
            vec![(b"5", b"5"), (b"", b"")],
        ),
        (
            "MaybePoint",
            json!({"$ref": "#/components/schemas/Point"}),
            vec![
                (
                    br#"{"x":1,"y":2.5,"label":null}"#,
                    br#"{"x":1,"y":2.5,"label":null}"#,
                ),
                (b"", b""),
            ],
        ),
        // A unit variant travels as its bare name, both ways (and as JSON).
        (
            "Colour",
            json!({"$ref": "#/components/schemas/Colour"}),
            vec![(b"Red", b"Red"), (b"\"Green\"", b"Green")],
        ),
        (
            "Shape",
            json!({"$ref": "#/components/schemas/Shape"}),
            vec![
                (b"Dot", b"Dot"),
                (
                    br#"{"Circle":{"radius":2.0}}"#,
                    br#"{"Circle":{"radius":2}}"#,
                ),
            ],
        ),
        (
            "Point",
            json!({"$ref": "#/components/schemas/Point"}),
            vec![(
                br#"{"x":1.0,"y":-0.5,"label":"p"}"#,
                br#"{"x":1,"y":-0.5,"label":"p"}"#,
            )],
        ),
        (
            "Points",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Point"}}),
            vec![(b"[]", b"[]")],
        ),
        (
            "Map",
            json!({"type": "object", "additionalProperties": {"type": "integer", "format": "uint32", "minimum": 0}}),
            vec![(br#"{"b":2,"a":1}"#, br#"{"a":1,"b":2}"#)],
        ),
        (
            "Pair",
            json!({"type": "array", "items": [{"type": "string"}, {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255}], "maxItems": 2, "minItems": 2}),
            vec![(br#"["a",7]"#, br#"["a",7]"#)],
        ),
        // Any JSON; bare text is a string.
        (
            "Any",
            json!({}),
            vec![
                (br#"{"k":[1,2.0]}"#, br#"{"k":[1,2]}"#),
                (b"hello", b"hello"),
                (b"12", b"12"),
            ],
        ),
    ]
}

#[tokio::test]
async fn every_type_follows_the_rule() {
    let kit = kit().await;
    for (name, schema, spellings) in cases() {
        let tx = transaction(&kit, name).await;
        let optional = name.starts_with("Maybe");
        let mut parameter = json!({"name": "v", "schema": schema});
        if !optional {
            parameter["required"] = json!(true);
        }
        assert_eq!(tx["parameters"], json!([parameter]), "{name} parameter");
        assert_eq!(tx["returns"], schema, "{name} returns");
        for (argument, result) in spellings {
            let got = call(&kit, name, argument).await.unwrap_or_else(|e| {
                panic!("{name}({}) failed: {e}", String::from_utf8_lossy(argument))
            });
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(result),
                "{name}({})",
                String::from_utf8_lossy(argument)
            );
            // The result is accepted back as the same type's argument.
            let again = call(&kit, name, &got).await.unwrap();
            assert_eq!(again, got, "{name}: the result fed back");
        }
    }
}

#[tokio::test]
async fn bad_arguments_name_the_parameter_and_the_type() {
    let kit = kit().await;
    for (name, argument, expected) in [
        (
            "Byte",
            &b"256"[..],
            "expected an integer from 0 to 255 (u8), got '256'",
        ),
        (
            "Flag",
            b"yes",
            "expected a boolean (true or false), got 'yes'",
        ),
        ("Letter", b"ab", "expected one character, got 'ab'"),
        ("Colour", b"Blue", "expected JSON for Colour, got 'Blue'"),
        (
            "MaybeLong",
            b"null",
            "expected an integer (i64), got 'null'",
        ),
        ("Point", b"{", "expected JSON for Point, got '{'"),
        ("Text", b"\xff", "expected UTF-8 text, got"),
    ] {
        let e = call(&kit, name, argument).await.unwrap_err();
        assert!(
            e.starts_with(&format!(
                "error managing parameter v (argument 1 of {name}): "
            )) && e.contains(expected),
            "{name}: {e}"
        );
        assert!(!e.contains("Nullable"), "{e}");
    }
}

#[tokio::test]
async fn optional_parameters_may_be_left_out_at_the_end() {
    let kit = kit().await;
    let greet = transaction(&kit, "Greet").await;
    assert_eq!(greet["parameters"][0]["required"], true);
    assert!(greet["parameters"][1].get("required").is_none());
    assert_eq!(kit.evaluate(&["Greet", "Ann"]).await.payload_text(), "Ann");
    assert_eq!(
        kit.evaluate(&["Greet", "Ann", ""]).await.payload_text(),
        "Ann"
    );
    assert_eq!(
        kit.evaluate(&["Greet", "Ann", "Dr"]).await.payload_text(),
        "Dr Ann"
    );
    let e = kit.evaluate(&["Greet"]).await;
    assert_eq!(
        e.message(),
        "incorrect number of params for Greet. Expected 1 to 2 (name, title), received 0"
    );
    let e = kit.evaluate(&["Greet", "a", "b", "c"]).await;
    assert_eq!(e.status(), 500);
    // A transaction returning nothing has no `returns`, and an empty payload.
    assert!(transaction(&kit, "Nothing").await.get("returns").is_none());
    assert_eq!(kit.submit(&["Nothing"]).await.payload_text(), "");
}

#[tokio::test]
async fn the_metadata_validates_against_the_official_schemas() {
    let kit = kit().await;
    let metadata: Value = serde_json::from_slice(
        kit.evaluate(&["org.hyperledger.fabric:GetMetadata"])
            .await
            .payload(),
    )
    .unwrap();
    test_fixtures::assert_valid_metadata(&metadata);
}

/// The same values through the typed client: encoded and decoded by the
/// same codec, over the development peer's Fabric Gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_client_round_trips_every_type() {
    use fabric_dev_peer::gateway::{GatewayListener, GatewayService};
    use fabric_dev_peer::network::{DevNetwork, OrgSpec};
    use fabric_dev_peer::{DevPeer, in_process};
    use fabric_gateway_client::{Gateway, PeerEndpoint, msp};

    let dir = std::env::temp_dir().join(format!("encoding-client-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let network = DevNetwork::create_or_load(&dir, &[OrgSpec::new("Org1MSP")], &[]).unwrap();
    let peer = DevPeer::in_memory().unwrap();
    peer.attach(in_process(
        Arc::new(ContractChaincode::new().add(Echo)),
        "echo:1",
    ))
    .await
    .unwrap();
    let service = GatewayService::for_network(peer.clone(), &network, 7051).unwrap();
    let listener = GatewayListener::bind("127.0.0.1:0", service, None)
        .await
        .unwrap();
    let user = network.user("Org1MSP", "User1").unwrap();
    let (identity, signer) = msp::load(&user.msp_dir, "Org1MSP").unwrap();
    let gateway = Gateway::builder()
        .identity(identity)
        .signer(signer)
        .endpoint(PeerEndpoint::new(format!(
            "http://{}",
            listener.local_addr()
        )))
        .connect()
        .await
        .unwrap();
    let echo = EchoClient::new(&gateway.network("mychannel"), "echo");

    assert_eq!(echo.text("a \"b\"").await.unwrap(), "a \"b\"");
    assert_eq!(echo.letter('é').await.unwrap(), 'é');
    assert!(echo.flag(true).await.unwrap());
    assert_eq!(echo.small(-128i8).await.unwrap(), -128);
    assert_eq!(echo.huge(i128::MIN).await.unwrap(), i128::MIN);
    assert_eq!(echo.big(u64::MAX).await.unwrap(), u64::MAX);
    assert_eq!(echo.single(0.1f32).await.unwrap(), 0.1f32);
    assert_eq!(echo.double(1e21).await.unwrap(), 1e21);
    assert_eq!(echo.raw(vec![0u8, 255]).await.unwrap(), vec![0u8, 255]);
    assert_eq!(echo.buffer(Bytes::from_static(b"x")).await.unwrap(), "x");
    assert_eq!(echo.maybe_text(None).await.unwrap(), None);
    assert_eq!(
        echo.maybe_text(Some("x".to_string())).await.unwrap(),
        Some("x".into())
    );
    assert_eq!(echo.maybe_long(Some(-5)).await.unwrap(), Some(-5));
    let point = Point {
        x: 2.0,
        y: -0.5,
        label: None,
    };
    assert_eq!(
        echo.maybe_point(Some(point.clone())).await.unwrap(),
        Some(point.clone())
    );
    assert_eq!(echo.colour(Colour::Green).await.unwrap(), Colour::Green);
    assert_eq!(
        echo.shape(Shape::Circle { radius: 1.5 }).await.unwrap(),
        Shape::Circle { radius: 1.5 }
    );
    assert_eq!(echo.shape(Shape::Dot).await.unwrap(), Shape::Dot);
    assert_eq!(echo.points(vec![point.clone()]).await.unwrap(), vec![point]);
    let map: BTreeMap<String, u32> = [("a".to_string(), 1)].into();
    assert_eq!(echo.map(map.clone()).await.unwrap(), map);
    assert_eq!(
        echo.pair(("a".to_string(), 7u8)).await.unwrap(),
        ("a".to_string(), 7)
    );
    assert_eq!(
        echo.any(json!({"k": [1, 2.5]})).await.unwrap(),
        json!({"k": [1, 2.5]})
    );
    assert_eq!(echo.any(json!("text")).await.unwrap(), json!("text"));
    assert_eq!(echo.greet("Ann", None).await.unwrap(), "Ann");
    assert_eq!(
        echo.greet("Ann", Some("Dr".to_string())).await.unwrap(),
        "Dr Ann"
    );
    // A submit transaction, and an evaluate one submitted on request.
    echo.nothing().await.unwrap();
    assert_eq!(echo.text("t").submit().await.unwrap(), "t");
    let _ = std::fs::remove_dir_all(&dir);
}
