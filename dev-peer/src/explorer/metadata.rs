//! Contract metadata (`org.hyperledger.fabric:GetMetadata`) as the page
//! shows it: contracts and transactions with their kind (submit or
//! evaluate, from the `tag`), and parameter and return schemas with every
//! `$ref` resolved into `components.schemas`; and the rule that turns a
//! form's values into transaction arguments.
//!
//! It reads what Go, Node, Java and this workspace's contract API emit:
//! `tag` or `tags` (`submit`, `SUBMIT`, `submitTx`, `INVOKE`, `evaluate`,
//! `EVALUATE`, `QUERY`), `$ref`s written `#/components/schemas/Name` or
//! bare `Name`, a default contract marked `"default": true` (Go, Rust) or
//! `contractInstance.default` (Node), and subclasses as `allOf`.

use serde::Serialize;
use serde_json::{Map, Value};

/// The system contract every contract chaincode has.
pub const SYSTEM_CONTRACT: &str = "org.hyperledger.fabric";

/// How deep `$ref`s are followed; past it (or around a cycle) the schema
/// keeps its `$ref` and the page edits the value as JSON.
const MAX_DEPTH: usize = 16;

/// A chaincode's contracts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContractsView {
    /// `info.title` of the metadata, if any.
    pub title: Option<String>,
    /// `info.version` of the metadata, if any.
    pub version: Option<String>,
    /// The contracts, the default one first, the system contract last.
    pub contracts: Vec<ContractView>,
}

/// One contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContractView {
    /// Its name.
    pub name: String,
    /// `info.title`, when it says more than the name.
    pub title: Option<String>,
    /// `info.description`.
    pub description: Option<String>,
    /// Whether transactions route to it without the `Contract:` prefix.
    pub default: bool,
    /// Its transactions, in the metadata's order.
    pub transactions: Vec<TransactionView>,
}

/// One transaction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransactionView {
    /// Its name.
    pub name: String,
    /// The function name to call: `Contract:Name`, or `Name` in the default contract.
    pub function: String,
    /// `"submit"` or `"evaluate"`, from its tag (submit when it has none).
    pub kind: &'static str,
    /// Its tags as written.
    pub tags: Vec<String>,
    /// Its description, if the metadata has one.
    pub description: Option<String>,
    /// Its parameters, in order.
    pub parameters: Vec<ParameterView>,
    /// The schema of its result, `$ref`s resolved (`None`: no result).
    pub returns: Option<Value>,
}

/// One parameter.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParameterView {
    /// Its name.
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Whether it must be given (`required`, default false in Fabric's schema).
    pub required: bool,
    /// Its schema, `$ref`s resolved.
    pub schema: Value,
    /// Whether the argument travels as bare text (a string schema) rather than JSON text.
    pub text: bool,
}

/// Reads a chaincode's metadata.
///
/// ```
/// # use fabric_dev_peer::explorer::metadata::describe;
/// let metadata = serde_json::json!({
///     "info": {"title": "basic", "version": "1"},
///     "contracts": {"Assets": {"name": "Assets", "default": true, "transactions": [
///         {"name": "ReadAsset", "tag": ["evaluate"],
///          "parameters": [{"name": "id", "schema": {"type": "string"}}],
///          "returns": {"$ref": "#/components/schemas/Asset"}}]}},
///     "components": {"schemas": {"Asset": {"$id": "Asset",
///         "properties": {"ID": {"type": "string"}}}}}
/// });
/// let view = describe(&metadata).unwrap();
/// let read = &view.contracts[0].transactions[0];
/// assert_eq!((read.function.as_str(), read.kind), ("ReadAsset", "evaluate"));
/// assert_eq!(read.returns.as_ref().unwrap()["properties"]["ID"]["type"], "string");
/// ```
pub fn describe(metadata: &Value) -> Result<ContractsView, String> {
    let contracts = metadata
        .get("contracts")
        .and_then(Value::as_object)
        .ok_or("the metadata has no \"contracts\" object")?;
    let empty = Map::new();
    let components = metadata
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let text = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut views = Vec::new();
    for (key, contract) in contracts {
        let name = contract
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(key)
            .to_owned();
        let default = contract.get("default").and_then(Value::as_bool) == Some(true)
            || contract
                .pointer("/contractInstance/default")
                .and_then(Value::as_bool)
                == Some(true);
        let transactions = contract
            .get("transactions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|tx| transaction(tx, &name, default, components))
            .collect();
        views.push(ContractView {
            title: text(contract, "/info/title").filter(|t| *t != name),
            description: text(contract, "/info/description"),
            name,
            default,
            transactions,
        });
    }
    // The default contract first, the system contract last, others by name.
    views.sort_by_key(|c| (!c.default, c.name == SYSTEM_CONTRACT, c.name.clone()));
    Ok(ContractsView {
        title: text(metadata, "/info/title"),
        version: text(metadata, "/info/version"),
        contracts: views,
    })
}

fn transaction(
    tx: &Value,
    contract: &str,
    default: bool,
    components: &Map<String, Value>,
) -> Option<TransactionView> {
    let name = tx.get("name")?.as_str()?.to_owned();
    let tags: Vec<String> = tx
        .get("tag")
        .or_else(|| tx.get("tags"))
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let evaluate = tags
        .iter()
        .any(|t| matches!(t.to_ascii_lowercase().as_str(), "evaluate" | "query"))
        // Node's and Java's system contracts carry no tag; it only reads.
        || (tags.is_empty() && contract == SYSTEM_CONTRACT);
    let parameters = tx
        .get("parameters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let p = resolve(p, components);
            let schema = p.get("schema").map(|s| resolve(s, components));
            let schema = schema.unwrap_or_else(|| Value::Object(Map::new()));
            ParameterView {
                name: p
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("arg{i}")),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned),
                required: p.get("required").and_then(Value::as_bool) == Some(true),
                text: is_text(&schema),
                schema,
            }
        })
        .collect();
    let function = if default && contract != SYSTEM_CONTRACT {
        name.clone()
    } else {
        format!("{contract}:{name}")
    };
    Some(TransactionView {
        function,
        kind: if evaluate { "evaluate" } else { "submit" },
        tags,
        description: tx
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        parameters,
        returns: tx.get("returns").map(|r| resolve(r, components)),
        name,
    })
}

/// `schema` with every `$ref` replaced by the component it names (keeping
/// the referring schema's own keywords, e.g. a `description`) and every
/// `allOf` of objects merged into one object.
///
/// ```
/// # use fabric_dev_peer::explorer::metadata::resolve;
/// let components = serde_json::json!({"Owner": {"$id": "Owner",
///     "properties": {"name": {"type": "string"}}, "required": ["name"]}});
/// let resolved = resolve(
///     &serde_json::json!({"type": "array", "items": {"$ref": "Owner"}}),
///     components.as_object().unwrap(),
/// );
/// assert_eq!(resolved["items"]["required"][0], "name");
/// ```
pub fn resolve(schema: &Value, components: &Map<String, Value>) -> Value {
    resolve_in(schema, components, &mut Vec::new())
}

fn resolve_in(schema: &Value, components: &Map<String, Value>, path: &mut Vec<String>) -> Value {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
                let target = components.get(&name).or_else(|| {
                    components
                        .values()
                        .find(|c| c.get("$id").and_then(Value::as_str) == Some(reference))
                });
                let Some(target) = target else {
                    return schema.clone();
                };
                if path.contains(&name) || path.len() >= MAX_DEPTH {
                    // A recursive type: the page edits this part as JSON.
                    let mut kept = object.clone();
                    kept.insert("x-recursive".into(), Value::Bool(true));
                    return Value::Object(kept);
                }
                path.push(name);
                let mut resolved = match resolve_in(target, components, path) {
                    Value::Object(o) => o,
                    other => {
                        path.pop();
                        return other;
                    }
                };
                path.pop();
                for (k, v) in object {
                    if k != "$ref" {
                        resolved.insert(k.clone(), resolve_in(v, components, path));
                    }
                }
                return Value::Object(resolved);
            }
            let mut out: Map<String, Value> = object
                .iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        // Maps of schemas by name.
                        "properties" | "definitions" => match v {
                            Value::Object(props) => Value::Object(
                                props
                                    .iter()
                                    .map(|(p, s)| (p.clone(), resolve_in(s, components, path)))
                                    .collect(),
                            ),
                            other => other.clone(),
                        },
                        // Examples and defaults are values, not schemas.
                        "enum" | "default" | "example" | "required" => v.clone(),
                        _ => resolve_in(v, components, path),
                    };
                    (k.clone(), v)
                })
                .collect();
            if let Some(Value::Array(parts)) = out.get("allOf").cloned()
                && parts.iter().all(|p| p.get("properties").is_some())
            {
                out.remove("allOf");
                let mut properties = Map::new();
                let mut required: Vec<Value> = Vec::new();
                for part in parts {
                    if let Some(Value::Object(props)) = part.get("properties") {
                        properties.extend(props.clone());
                    }
                    for r in part
                        .get("required")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if !required.contains(r) {
                            required.push(r.clone());
                        }
                    }
                }
                if let Some(Value::Object(own)) = out.get("properties") {
                    properties.extend(own.clone());
                }
                out.insert("type".into(), Value::String("object".into()));
                out.insert("properties".into(), Value::Object(properties));
                if !required.is_empty() {
                    out.insert("required".into(), Value::Array(required));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| resolve_in(i, components, path))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether an argument of this (resolved) schema travels as its bare text:
/// a `string` schema (whatever its `format`, `binary` included) or an
/// `enum` of strings. Every other argument travels as JSON text.
pub fn is_text(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(_) => false,
        None => schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty() && e.iter().all(Value::is_string)),
    }
}

/// The argument for one parameter, following the contract API's rule: the
/// page sends each value as JSON text (`None` for an optional parameter
/// left empty). A string for a [text](is_text) schema travels as its bare
/// text, every other value as its JSON text, as written; an empty optional
/// parameter is an empty argument.
///
/// ```
/// # use fabric_dev_peer::explorer::metadata::encode_argument;
/// use serde_json::json;
/// assert_eq!(encode_argument(&json!({"type": "string"}), Some("\"a 1\"")).unwrap(), "a 1");
/// assert_eq!(encode_argument(&json!({"type": "integer"}), Some("300")).unwrap(), "300");
/// assert_eq!(encode_argument(&json!({"type": "object"}), Some(r#"{"a":1}"#)).unwrap(), r#"{"a":1}"#);
/// assert_eq!(encode_argument(&json!({"type": "boolean"}), None).unwrap(), "");
/// assert!(encode_argument(&json!({"type": "integer"}), Some("3 oops")).is_err());
/// ```
pub fn encode_argument(schema: &Value, json: Option<&str>) -> Result<String, String> {
    let Some(text) = json else {
        return Ok(String::new());
    };
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))?;
    match value {
        Value::String(s) if is_text(schema) => Ok(s),
        _ => Ok(text.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the Go contract API emits (fabric-facts §6.4), with a Node-style
    /// contract beside it.
    fn go_metadata() -> Value {
        json!({"info":{"title":"undefined","version":"latest"},"contracts":{
            "SmartContract":{"info":{"title":"SmartContract","version":"latest"},"name":"SmartContract",
              "transactions":[
                {"parameters":[{"name":"param0","schema":{"type":"string"}},{"name":"param1","schema":{"type":"string"}},
                  {"name":"param2","schema":{"type":"integer","format":"int64"}}],"tag":["submit","SUBMIT"],"name":"CreateAsset"},
                {"parameters":[{"name":"param0","schema":{"type":"string"}}],"tag":["evaluate","EVALUATE"],"name":"ReadAsset",
                  "returns":{"$ref":"#/components/schemas/Asset"}}],"default":true},
            "org.hyperledger.fabric":{"name":"org.hyperledger.fabric","transactions":[{"name":"GetMetadata"}]},
            "NodeContract":{"name":"NodeContract","contractInstance":{"name":"NodeContract"},
              "transactions":[{"tag":["SUBMIT","submitTx"],"name":"update",
                "parameters":[{"name":"bob","description":"","required":true,"schema":{"$ref":"#/components/schemas/Bob"}}]},
                {"tags":["QUERY"],"name":"javaStyle"}]}},
          "components":{"schemas":{
            "Asset":{"$id":"Asset","properties":{"ID":{"type":"string"},"owner":{"$ref":"Person"},
              "value":{"type":"integer","format":"int64"}},"required":["ID","owner","value"],"additionalProperties":false},
            "Person":{"$id":"Person","type":"object","properties":{"name":{"type":"string"}}},
            "Bob":{"$id":"Bob","allOf":[{"type":"object","properties":{"houseName":{"type":"string"}},"required":["houseName"]},{"$ref":"Person"}]}}}})
    }

    #[test]
    fn go_and_node_metadata_read_the_same() {
        let view = describe(&go_metadata()).unwrap();
        let names: Vec<&str> = view.contracts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["SmartContract", "NodeContract", "org.hyperledger.fabric"]
        );
        assert_eq!(view.title.as_deref(), Some("undefined"));
        let basic = &view.contracts[0];
        assert!(basic.default);
        assert_eq!(
            basic.title, None,
            "a title that repeats the name is dropped"
        );
        let create = &basic.transactions[0];
        assert_eq!(
            (create.function.as_str(), create.kind),
            ("CreateAsset", "submit")
        );
        assert_eq!(create.parameters.len(), 3);
        assert!(create.parameters[0].text);
        assert!(!create.parameters[2].text);
        assert!(!create.parameters[0].required);
        let read = &basic.transactions[1];
        assert_eq!(read.kind, "evaluate");
        let returns = read.returns.as_ref().unwrap();
        assert_eq!(returns["$id"], "Asset");
        assert_eq!(
            returns["properties"]["owner"]["properties"]["name"]["type"], "string",
            "bare $refs inside components resolve too"
        );

        let node = &view.contracts[1];
        assert!(!node.default);
        let update = &node.transactions[0];
        assert_eq!(
            (update.function.as_str(), update.kind),
            ("NodeContract:update", "submit")
        );
        let bob = &update.parameters[0];
        assert!(bob.required);
        assert_eq!(bob.description, None);
        assert_eq!(bob.schema["type"], "object", "allOf merges into one object");
        assert_eq!(
            bob.schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["houseName", "name"]
        );
        assert_eq!(bob.schema["required"], json!(["houseName"]));
        assert_eq!(
            node.transactions[1].kind, "evaluate",
            "Java's QUERY in tags"
        );

        let system = &view.contracts[2];
        assert_eq!(
            system.transactions[0].function,
            "org.hyperledger.fabric:GetMetadata"
        );
        assert_eq!(system.transactions[0].kind, "evaluate");
    }

    #[test]
    fn recursive_and_missing_refs_stay_refs() {
        let components = json!({"Tree": {"$id": "Tree", "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}});
        let tree = resolve(
            &json!({"$ref": "#/components/schemas/Tree", "description": "the root"}),
            components.as_object().unwrap(),
        );
        assert_eq!(tree["description"], "the root");
        assert_eq!(tree["properties"]["children"]["items"]["x-recursive"], true);
        let missing = resolve(&json!({"$ref": "Nowhere"}), components.as_object().unwrap());
        assert_eq!(missing, json!({"$ref": "Nowhere"}));
        assert!(describe(&json!({"info": {}})).is_err());
    }

    #[test]
    fn arguments_follow_the_contract_api_rule() {
        let text = |s: Value, v: &str| encode_argument(&s, Some(v)).unwrap();
        assert_eq!(text(json!({"type": "string"}), r#""Tomoko""#), "Tomoko");
        assert_eq!(
            text(json!({"type": "string"}), r#""say \"hi\"""#),
            r#"say "hi""#
        );
        assert_eq!(
            text(json!({"type": "string", "format": "binary"}), r#""raw""#),
            "raw"
        );
        assert_eq!(text(json!({"enum": ["red", "blue"]}), r#""red""#), "red");
        assert_eq!(
            text(json!({"type": "string", "enum": ["a"]}), r#""a""#),
            "a"
        );
        // Every other value is its JSON text, as written (64-bit integers exact).
        assert_eq!(
            text(json!({"type": "integer"}), "9007199254740993"),
            "9007199254740993"
        );
        assert_eq!(text(json!({"type": "number"}), "1.50"), "1.50");
        assert_eq!(text(json!({"type": "boolean"}), "true"), "true");
        assert_eq!(text(json!({"enum": [1, 2]}), "2"), "2");
        assert_eq!(text(json!({"type": "array"}), r#"["a"]"#), r#"["a"]"#);
        assert_eq!(text(json!({}), r#""x""#), r#""x""#);
        assert_eq!(
            encode_argument(&json!({"type": "string"}), None).unwrap(),
            ""
        );
        assert!(encode_argument(&json!({"type": "string"}), Some("bare")).is_err());
    }
}
