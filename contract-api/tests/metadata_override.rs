//! The metadata override file (`META-INF/metadata.json`, then
//! `contract-metadata/metadata.json`), merged as Go merges it.

use fabric_contract_api::{Context, ContractChaincode, contract};

#[derive(Default)]
struct Assets;

#[contract(default)]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context, id: String) -> String {
        id
    }
}

#[derive(Default)]
struct Audit;

#[contract]
impl Audit {
    #[transaction(evaluate)]
    fn log(&self, _ctx: &Context) {}
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("metadata-override-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &std::path::Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn without_a_file_the_metadata_is_generated() {
    let d = dir("none");
    let m = ContractChaincode::new()
        .add(Assets)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap();
    assert_eq!(m.info.title, "undefined");
    assert!(m.contracts.contains_key("Assets"));
}

#[test]
fn info_and_components_from_the_file_win_and_contracts_are_kept() {
    let d = dir("info");
    write(
        &d,
        "META-INF/metadata.json",
        r#"{"info":{"title":"My chaincode","version":"2.0.0"},"contracts":{},
            "components":{"schemas":{"Thing":{"$id":"Thing","properties":{"id":{"type":"string","pattern":"^a"}}}}}}"#,
    );
    let m = ContractChaincode::new()
        .add(Assets)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap();
    assert_eq!(
        (m.info.title.as_str(), m.info.version.as_str()),
        ("My chaincode", "2.0.0")
    );
    assert!(
        m.contracts.contains_key("Assets"),
        "empty contracts in the file keep the generated ones"
    );
    assert_eq!(
        m.components.schemas["Thing"]["properties"]["id"]["pattern"],
        "^a"
    );
}

#[test]
fn contracts_from_the_file_replace_the_generated_ones() {
    let d = dir("contracts");
    write(
        &d,
        "contract-metadata/metadata.json",
        r#"{"info":{"title":"t","version":"1"},"contracts":{"Assets":{"name":"Assets","transactions":[
            {"name":"Create","tag":["submit"],"parameters":[{"name":"id","schema":{"type":"string","maxLength":8}}]}]}}}"#,
    );
    let chaincode = ContractChaincode::new().add(Assets).with_metadata_dir(&d);
    let m = chaincode.metadata().unwrap();
    assert_eq!(
        m.contracts["Assets"].transactions[0].parameters[0].schema["maxLength"],
        8
    );
    assert!(
        m.contracts.contains_key("org.hyperledger.fabric"),
        "the system contract is kept"
    );
    // GetMetadata returns the merged document.
    let json: serde_json::Value =
        serde_json::from_str(&chaincode.metadata_json().unwrap()).unwrap();
    assert_eq!(
        json["contracts"]["Assets"]["transactions"][0]["parameters"][0]["schema"]["maxLength"],
        8
    );
}

#[test]
fn meta_inf_is_read_before_contract_metadata() {
    let d = dir("order");
    write(
        &d,
        "META-INF/metadata.json",
        r#"{"info":{"title":"from META-INF","version":"1"}}"#,
    );
    write(
        &d,
        "contract-metadata/metadata.json",
        r#"{"info":{"title":"from contract-metadata","version":"1"}}"#,
    );
    let m = ContractChaincode::new()
        .add(Assets)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap();
    assert_eq!(m.info.title, "from META-INF");
}

#[test]
fn a_bad_file_is_an_error_naming_it() {
    let d = dir("bad");
    write(&d, "META-INF/metadata.json", "{ not json");
    let err = ContractChaincode::new()
        .add(Assets)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap_err();
    assert!(
        err.message().starts_with("metadata file ")
            && err.message().contains("META-INF/metadata.json is not JSON"),
        "{err}"
    );

    write(
        &d,
        "META-INF/metadata.json",
        r#"{"info":{"title":"no version"}}"#,
    );
    let err = ContractChaincode::new()
        .add(Assets)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap_err();
    assert!(
        err.message().contains("info: missing field `version`"),
        "{err}"
    );

    // Like Node: a file listing contracts must list every implemented one.
    write(
        &d,
        "META-INF/metadata.json",
        r#"{"info":{"title":"t","version":"1"},"contracts":{"Assets":{"name":"Assets","transactions":[]}}}"#,
    );
    let err = ContractChaincode::new()
        .add(Assets)
        .add(Audit)
        .with_metadata_dir(&d)
        .metadata()
        .unwrap_err();
    assert!(err.message().ends_with("missing contract Audit"), "{err}");
}
