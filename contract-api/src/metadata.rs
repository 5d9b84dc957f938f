//! Contract metadata: the JSON that `org.hyperledger.fabric:GetMetadata`
//! returns and that tooling reads (Fabric's `contract-schema.json`).
//!
//! The metadata validates against both Fabric schemas (the Node API's
//! draft-04 `contract-schema.json` and the Go API's draft-07 one):
//!
//! * transactions carry `tag`s that tools written for Go (`submit`/`SUBMIT`,
//!   `evaluate`/`EVALUATE`) and for Node (`SUBMIT`/`submitTx`, `EVALUATE`) recognise;
//! * parameters have their Rust names and doc comments;
//! * type schemas come from [`schemars`], reduced to the subset of JSON
//!   Schema that the Fabric schema allows for parameters and return values;
//!   user types are `$ref`s to `#/components/schemas/<Name>`, each with `$id`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The whole metadata document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaincodeMetadata {
    /// The schema the document follows.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The chaincode's title and version.
    pub info: Info,
    /// Every contract by name, including the system contract `org.hyperledger.fabric`.
    pub contracts: BTreeMap<String, ContractMetadata>,
    /// Shared type schemas.
    #[serde(default)]
    pub components: Components,
}

/// Title, version and descriptive fields (`info` in the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Terms of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_service: Option<String>,
    /// Contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// License.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
}

impl Info {
    /// Info with a title and a version.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Info {
            title: title.into(),
            version: version.into(),
            description: None,
            terms_of_service: None,
            contact: None,
            license: None,
        }
    }
}

/// Contact details.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// License.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// License name, e.g. `Apache-2.0`.
    pub name: String,
    /// License URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractMetadata {
    /// The contract's name (the prefix of `Contract:Transaction`).
    pub name: String,
    /// Descriptive info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    /// Transactions, in declaration order.
    pub transactions: Vec<TransactionMetadata>,
    /// Whether calls without a contract prefix go to this contract.
    #[serde(default)]
    pub default: bool,
}

/// One transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionMetadata {
    /// Wire name.
    pub name: String,
    /// Submit/evaluate tags (see [`submit_tags`] and [`evaluate_tags`]).
    #[serde(default)]
    pub tag: Vec<String>,
    /// Parameters in order.
    #[serde(default)]
    pub parameters: Vec<ParameterMetadata>,
    /// Schema of the result; absent when the transaction returns nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Value>,
}

/// One transaction parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterMetadata {
    /// The Rust parameter name.
    pub name: String,
    /// From the parameter's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a call must give it (`false` for an `Option`, which a caller
    /// may leave empty, or out at the end).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// The parameter's type.
    pub schema: Value,
}

/// `components` of the metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Components {
    /// Schemas of user types by name; each has `$id` and `properties`.
    #[serde(default)]
    pub schemas: BTreeMap<String, Value>,
}

/// Tags of a submit transaction, readable by Go- and Node-based tools.
pub fn submit_tags() -> Vec<String> {
    ["submit", "SUBMIT", "submitTx"].map(String::from).to_vec()
}

/// Tags of an evaluate transaction, readable by Go- and Node-based tools.
pub fn evaluate_tags() -> Vec<String> {
    ["evaluate", "EVALUATE"].map(String::from).to_vec()
}

/// Collects type schemas while contracts describe their transactions.
pub struct MetadataBuilder {
    generator: SchemaGenerator,
}

impl Default for MetadataBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MetadataBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataBuilder").finish_non_exhaustive()
    }
}

const DEFINITIONS_PATH: &str = "/components/schemas";
const REF_PREFIX: &str = "#/components/schemas/";

impl MetadataBuilder {
    /// A builder with no schemas yet.
    pub fn new() -> Self {
        let settings = SchemaSettings::draft07().with(|s| {
            s.definitions_path = DEFINITIONS_PATH.into();
            s.meta_schema = None;
        });
        MetadataBuilder {
            generator: settings.into_generator(),
        }
    }

    /// The schema of `T` as a parameter or return value: a `$ref` for user
    /// types (whose schemas go to `components`), an inline schema otherwise,
    /// reduced to what Fabric's schema allows there.
    pub fn schema_for<T: ?Sized + JsonSchema>(&mut self) -> Value {
        let schema = self.generator.subschema_for::<T>();
        fabric_subset(schema.to_value())
    }

    /// Assembles the document: `contracts` plus the system contract and
    /// every collected type schema.
    pub fn finish(mut self, info: Info, contracts: Vec<ContractMetadata>) -> ChaincodeMetadata {
        let mut all: BTreeMap<String, ContractMetadata> =
            contracts.into_iter().map(|c| (c.name.clone(), c)).collect();
        all.insert(SYSTEM_CONTRACT.to_owned(), system_contract());
        let schemas = self
            .generator
            .take_definitions(true)
            .into_iter()
            .map(|(name, schema)| {
                let component = component(&name, schema);
                (name, component)
            })
            .collect();
        ChaincodeMetadata {
            schema: None,
            info,
            contracts: all,
            components: Components { schemas },
        }
    }
}

/// The name of Fabric's system contract.
pub const SYSTEM_CONTRACT: &str = "org.hyperledger.fabric";

fn system_contract() -> ContractMetadata {
    ContractMetadata {
        name: SYSTEM_CONTRACT.to_owned(),
        info: Some(Info::new(SYSTEM_CONTRACT, "latest")),
        transactions: vec![TransactionMetadata {
            name: "GetMetadata".to_owned(),
            tag: evaluate_tags(),
            parameters: Vec::new(),
            returns: Some(serde_json::json!({ "type": "string" })),
        }],
        default: false,
    }
}

/// A component: the type's schema with `$id` and (as Go's schema requires)
/// `properties`, even for enums.
fn component(name: &str, schema: Value) -> Value {
    let mut object = match schema {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), Value::Array(vec![other]));
            map
        }
    };
    object.remove("$schema");
    let mut out = Map::new();
    out.insert("$id".into(), Value::String(name.to_owned()));
    for (k, v) in object {
        out.insert(k, v);
    }
    out.entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        for value in props.values_mut() {
            *value = fabric_subset(std::mem::take(value));
        }
    }
    if matches!(out.get("required"), Some(Value::Array(a)) if a.is_empty()) {
        out.remove("required");
    }
    Value::Object(out)
}

/// Keywords allowed by the `schema` definition of Fabric's contract schema.
const ALLOWED: &[&str] = &[
    "$ref",
    "format",
    "title",
    "description",
    "default",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "additionalProperties",
    "type",
    "items",
    "allOf",
    "properties",
    "discriminator",
    "readOnly",
    "example",
];

/// Reduces a JSON Schema to the subset Fabric's contract schema accepts for
/// parameters, returns and properties.
///
/// * `Option<T>`'s `anyOf [T, null]` and `type: [t, "null"]` become `T`
///   (a missing or null value is what "not required" already says);
/// * `const` becomes a one-value `enum`; `oneOf`s of such become one `enum`;
/// * other unions (`oneOf`/`anyOf` of several shapes, as data-carrying enums
///   produce) are not expressible and become `{}` (any value) with a
///   description: their exact schema is in `components`;
/// * a tuple's `prefixItems` becomes the array form of `items`;
/// * unknown keywords are dropped.
pub fn fabric_subset(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        // `true` (anything) or `false`.
        return Value::Object(Map::new());
    };
    if let Some(Value::String(r)) = map.get("$ref") {
        let mut only = Map::new();
        only.insert("$ref".into(), Value::String(r.clone()));
        if let Some(d) = map.get("description") {
            only.insert("description".into(), d.clone());
        }
        return Value::Object(only);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = map.remove(key) {
            let non_null: Vec<Value> = branches
                .into_iter()
                .filter(|b| !is_null_schema(b))
                .collect();
            let merged = if non_null.len() == 1 {
                fabric_subset(non_null.into_iter().next().unwrap_or_default())
            } else if let Some(values) = enum_values(&non_null) {
                serde_json::json!({ "enum": values })
            } else {
                serde_json::json!({ "description": "one of several shapes; see the type's schema in components" })
            };
            if let Value::Object(m) = merged {
                for (k, v) in m {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            map.insert(
                "type".into(),
                non_null.into_iter().next().unwrap_or_default(),
            );
        } else {
            map.insert("type".into(), Value::Array(non_null));
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    // A tuple's `prefixItems` (draft 2020) is `items` as an array (draft 4).
    if let Some(Value::Array(prefix)) = map.remove("prefixItems") {
        map.insert("items".into(), Value::Array(prefix));
    }
    map.retain(|k, _| ALLOWED.contains(&k.as_str()));
    for key in ["items", "additionalProperties"] {
        if let Some(v) = map.remove(key) {
            let v = match v {
                Value::Bool(b) => Value::Bool(b),
                Value::Array(items) => Value::Array(items.into_iter().map(fabric_subset).collect()),
                other => fabric_subset(other),
            };
            map.insert(key.into(), v);
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for value in props.values_mut() {
            *value = fabric_subset(std::mem::take(value));
        }
    }
    if let Some(Value::Array(all)) = map.remove("allOf") {
        map.insert(
            "allOf".into(),
            Value::Array(all.into_iter().map(fabric_subset).collect()),
        );
    }
    if matches!(map.get("required"), Some(Value::Array(a)) if a.is_empty()) {
        map.remove("required");
    }
    Value::Object(map)
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const").is_some_and(Value::is_null)
}

/// The values of a `oneOf` made only of `const`/`enum` branches.
fn enum_values(branches: &[Value]) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    for b in branches {
        if let Some(c) = b.get("const") {
            values.push(c.clone());
        } else if let Some(Value::Array(e)) = b.get("enum") {
            values.extend(e.iter().cloned());
        } else {
            return None;
        }
    }
    Some(values)
}

/// The `$ref` to a component.
pub fn component_ref(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("{REF_PREFIX}{name}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn option_becomes_inner_type() {
        assert_eq!(
            fabric_subset(json!({"type": ["string", "null"]})),
            json!({"type": "string"})
        );
        assert_eq!(
            fabric_subset(json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]})),
            json!({"$ref": "#/components/schemas/A"})
        );
    }

    #[test]
    fn unit_enum_one_of_becomes_enum() {
        let s = json!({"oneOf": [{"const": "Red", "description": "r"}, {"const": "Blue"}]});
        assert_eq!(fabric_subset(s), json!({"enum": ["Red", "Blue"]}));
    }

    #[test]
    fn unknown_keywords_dropped_recursively() {
        let s = json!({"type": "array", "items": {"type": "integer", "format": "int32", "examples": [1]}, "$comment": "x"});
        assert_eq!(
            fabric_subset(s),
            json!({"type": "array", "items": {"type": "integer", "format": "int32"}})
        );
    }

    #[test]
    fn data_enum_becomes_any_with_description() {
        let s = json!({"oneOf": [{"type": "object", "properties": {"A": {"type": "string"}}}, {"type": "string", "enum": ["B"]}]});
        let out = fabric_subset(s);
        assert!(out.get("oneOf").is_none());
        assert!(out.get("description").is_some());
    }
}
