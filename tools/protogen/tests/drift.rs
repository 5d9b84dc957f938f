//! Fails when `protos/src/generated/` is not what the `.proto` files produce.

use std::collections::BTreeMap;
use std::path::Path;

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("generated file is UTF-8");
            (name, text)
        })
        .collect()
}

#[test]
fn committed_generated_code_matches_proto_files() {
    let tmp = std::env::temp_dir().join(format!("protogen-drift-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    protogen::generate(&tmp).expect("the .proto files compile");
    let fresh = read_dir(&tmp);
    let committed = read_dir(&protogen::committed_dir());
    let _ = std::fs::remove_dir_all(&tmp);

    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "generated file set drifted: run `cargo run -p protogen` and commit the result"
    );
    for (name, text) in &fresh {
        assert!(
            committed[name] == *text,
            "protos/src/generated/{name} drifted from the .proto files: \
             run `cargo run -p protogen` and commit the result"
        );
    }
}
