//! `fabric-dev-peer new`: a contract project of its own, outside this
//! repository — a contract, a test-kit unit test, the chaincode `main`, a
//! README with the development peer's commands and a `.gitignore`.
//!
//! The templates are plain files under `templates/contract/` with
//! `{{placeholder}}`s, embedded in the binary. A dedicated generator crate
//! (`cargo generate`) would need a separate install and a template
//! repository a user can reach; this needs neither, and the test of the
//! generated project runs in this repository's own suite.
//!
//! ```no_run
//! use fabric_dev_peer::scaffold::{FabricRsSource, new_contract};
//!
//! let files = new_contract("my-contract".as_ref(), &FabricRsSource::for_this_build())?;
//! println!("created {} files", files.len());
//! # Ok::<(), String>(())
//! ```

use std::path::{Path, PathBuf};

/// Where the generated project takes the fabric-rs crates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FabricRsSource {
    /// A checkout of the fabric-rs repository (a path dependency).
    Path(PathBuf),
    /// The fabric-rs git repository.
    Git(String),
    /// crates.io, at this version requirement (e.g. `"0.1"`).
    Registry(String),
}

impl FabricRsSource {
    /// The checkout this program was built from, when it is still there;
    /// else the repository's git URL.
    pub fn for_this_build() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if root.join("contract-api/Cargo.toml").is_file() {
            Self::Path(std::fs::canonicalize(&root).unwrap_or(root))
        } else {
            Self::Git(env!("CARGO_PKG_REPOSITORY").to_owned())
        }
    }

    /// The `fabric-contract-api` dependency, with the given extra keys.
    fn dependency(&self, extra: &str) -> String {
        let version = requirement();
        match self {
            Self::Path(root) => format!(
                "{{ version = \"{version}\", path = {}{extra} }}",
                toml_string(&root.join("contract-api").display().to_string())
            ),
            Self::Git(url) => format!("{{ git = {}{extra} }}", toml_string(url)),
            Self::Registry(v) if extra.is_empty() => toml_string(v),
            Self::Registry(v) => format!("{{ version = {}{extra} }}", toml_string(v)),
        }
    }

    fn note(&self) -> String {
        match self {
            Self::Path(root) => format!("a local checkout: {}", root.display()),
            Self::Git(url) => format!("git: {url}"),
            Self::Registry(_) => "crates.io".into(),
        }
    }
}

/// `major.minor` of this crate's version: the requirement generated projects use.
fn requirement() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => version.to_owned(),
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `name` can be a package name (ASCII letters, digits, `-`, `_`,
/// starting with a letter).
fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../templates/contract/Cargo.toml.tmpl"),
    ),
    (
        ".gitignore",
        include_str!("../templates/contract/gitignore.tmpl"),
    ),
    (
        "README.md",
        include_str!("../templates/contract/README.md.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../templates/contract/lib.rs.tmpl"),
    ),
    (
        "src/main.rs",
        include_str!("../templates/contract/main.rs.tmpl"),
    ),
    (
        "tests/contract.rs",
        include_str!("../templates/contract/test.rs.tmpl"),
    ),
];

/// Creates a contract project in `dir` (which must not exist, or be empty),
/// named after the directory, and returns the files written.
pub fn new_contract(dir: &Path, source: &FabricRsSource) -> Result<Vec<PathBuf>, String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{} does not end in a usable name", dir.display()))?;
    if !valid_name(name) {
        return Err(format!(
            "{name:?} cannot be a package name: use ASCII letters, digits, '-' and '_', starting with a letter"
        ));
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(format!("{} exists and is not empty", dir.display()));
    }
    let crate_name = name.replace('-', "_");
    let dependency = source.dependency("");
    let dev_dependency = source.dependency(", features = [\"testing\"]");
    let note = source.note();
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate_name}}", &crate_name)
            .replace("{{dependency}}", &dependency)
            .replace("{{dev_dependency}}", &dev_dependency)
            .replace("{{source_note}}", &note)
    };
    let mut written = Vec::new();
    for (file, template) in TEMPLATES {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, fill(template))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    // A checkout's lock file pins the versions its own tests use.
    if let FabricRsSource::Path(root) = source
        && let Ok(lock) = std::fs::read(root.join("Cargo.lock"))
    {
        let path = dir.join("Cargo.lock");
        std::fs::write(&path, lock).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_for_each_source() {
        let v = requirement();
        assert_eq!(
            FabricRsSource::Path("/src/fabric-rs".into()).dependency(""),
            format!("{{ version = \"{v}\", path = \"/src/fabric-rs/contract-api\" }}")
        );
        assert_eq!(
            FabricRsSource::Git("https://example.org/x".into())
                .dependency(", features = [\"testing\"]"),
            "{ git = \"https://example.org/x\", features = [\"testing\"] }"
        );
        assert_eq!(
            FabricRsSource::Registry("0.1".into()).dependency(""),
            "\"0.1\""
        );
        assert_eq!(toml_string(r#"C:\a"b"#), r#""C:\\a\"b""#);
    }

    #[test]
    fn names_and_existing_directories_are_checked() {
        let tmp = std::env::temp_dir().join(format!("scaffold-{}", std::process::id()));
        let source = FabricRsSource::Registry("0.1".into());
        assert!(
            new_contract(&tmp.join("9lives"), &source)
                .unwrap_err()
                .contains("package name")
        );
        let dir = tmp.join("taken");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("keep"), "x").unwrap();
        assert!(
            new_contract(&dir, &source)
                .unwrap_err()
                .contains("not empty")
        );
        let files = new_contract(&tmp.join("fresh-one"), &source).unwrap();
        let manifest = std::fs::read_to_string(tmp.join("fresh-one/Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"fresh-one\""), "{manifest}");
        assert!(
            manifest.contains("fabric-contract-api = \"0.1\""),
            "{manifest}"
        );
        let main = std::fs::read_to_string(tmp.join("fresh-one/src/main.rs")).unwrap();
        assert!(main.contains("fresh_one::AssetContract"), "{main}");
        assert_eq!(files.len(), TEMPLATES.len());
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
