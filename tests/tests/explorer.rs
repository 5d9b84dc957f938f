//! The contract explorer page of `fabric-dev-peer serve`, driven in a real
//! headless Chromium over WebDriver as a person would use it: pick a
//! transaction, fill its generated form by the labels, submit or evaluate
//! it, read the result, the ledger and the live feed.
//!
//! Needs Chromium and its WebDriver (Debian: `apt-get install -y chromium
//! chromium-driver`; `.ci/run` installs them). The screenshots in
//! `docs/images/explorer-*.png` are written by this test when
//! `FABRIC_RS_UPDATE_SCREENSHOTS=1` (always to `target/explorer-screenshots`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use integration_tests::{Served, serve_tls, workspace_bin};

/// How long the page may take for anything (the machine is shared and slow).
const PATIENCE: Duration = Duration::from_secs(120);

/// Enter, as WebDriver types it.
const ENTER: &str = "\u{E007}";

/// The first of `names` found as a file or on `PATH`.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        let path = Path::new(name);
        if path.is_absolute() {
            if path.is_file() {
                return Some(path.to_path_buf());
            }
            continue;
        }
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            if dir.join(name).is_file() {
                return Some(dir.join(name));
            }
        }
    }
    None
}

/// Headless Chromium behind its chromedriver, both ended when dropped.
struct Browser {
    client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver runs in a process group of its own with the browser
        // it started: end them together, by that group's id.
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn browser() -> Browser {
    let install = "install them with `apt-get install -y chromium chromium-driver` \
                   (Debian/Ubuntu; .ci/run does it) and run the tests again";
    let chromium = find_program(&["/usr/bin/chromium", "chromium", "chromium-browser"])
        .unwrap_or_else(|| {
            panic!("Chromium is missing: the explorer test drives it headless; {install}")
        });
    let chromedriver =
        find_program(&["/usr/bin/chromedriver", "chromedriver"]).unwrap_or_else(|| {
            panic!(
                "chromedriver is missing: the explorer test drives Chromium through it; {install}"
            )
        });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let mut command = Command::new(&chromedriver);
    command
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let driver = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
    let profile = std::env::temp_dir().join(format!("explorer-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let browser = Browser {
        client: connect(port, &chromium, &profile).await,
        driver,
        profile,
    };
    browser
        .client
        .set_window_size(1280, 1000)
        .await
        .expect("the window resizes");
    browser
}

async fn connect(port: u16, chromium: &Path, profile: &Path) -> Client {
    let deadline = Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,1000",
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver: {e}"))
}

/// Waits until `check` gives a value, polling; panics with `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {PATIENCE:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The element at `xpath`, once the page has it.
async fn find(client: &Client, xpath: &str) -> Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("no element {xpath}: {e}"))
}

/// The text of the element at `css` once it contains `needle`.
async fn text_with(client: &Client, css: &str, needle: &str) -> String {
    eventually(&format!("{css} to say {needle:?}"), || async {
        let element = client.find(Locator::Css(css)).await.ok()?;
        let text = element.text().await.ok()?;
        text.contains(needle).then_some(text)
    })
    .await
}

/// The form control that the label reading `label` is for (inside `scope`, an XPath).
async fn field(client: &Client, scope: &str, label: &str) -> Element {
    let label = find(
        client,
        &format!("{scope}//label[normalize-space(.)='{label}']"),
    )
    .await;
    match label.attr("for").await.unwrap() {
        Some(id) => client
            .find(Locator::Id(&id))
            .await
            .unwrap_or_else(|e| panic!("no control #{id}: {e}")),
        // A label around its control.
        None => label
            .find(Locator::XPath(".//input | .//select | .//textarea"))
            .await
            .unwrap_or_else(|e| panic!("the label {label:?} has no control: {e}")),
    }
}

/// Clicks the link or button whose visible text starts with `text`.
async fn click(client: &Client, scope: &str, text: &str) {
    find(
        client,
        &format!("{scope}//*[self::a or self::button][starts-with(normalize-space(.), '{text}')]"),
    )
    .await
    .click()
    .await
    .unwrap_or_else(|e| panic!("cannot click {text}: {e}"));
}

/// Opens a transaction from the list of chaincode `chaincode`.
async fn open_transaction(client: &Client, chaincode: &str, name: &str) {
    click(
        client,
        &format!("//nav[@id='contract-nav']//div[h3/a[normalize-space(.)='{chaincode}']]"),
        &format!("{name} "),
    )
    .await;
    find(
        client,
        &format!("//h2[starts-with(normalize-space(.), '{name} ')]"),
    )
    .await;
}

/// Fills the transaction form's fields by their labels, then presses Enter in the last.
async fn fill_and_enter(client: &Client, values: &[(&str, &str)]) {
    let mut last = None;
    for (label, value) in values {
        let input = field(client, "//form[@id='tx-form']", label).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
        last = Some(input);
    }
    last.expect("at least one field")
        .send_keys(ENTER)
        .await
        .unwrap();
}

/// Saves what the browser shows as `<target>/explorer-screenshots/<name>`,
/// the window sized to the page (up to a limit); with
/// `FABRIC_RS_UPDATE_SCREENSHOTS=1` also as `docs/images/<name>`, the
/// screenshots the docs show (so a test run does not change tracked files
/// unless asked to).
async fn screenshot(client: &Client, name: &str) {
    let sizes = client
        .execute(
            "return [window.innerHeight, window.outerHeight, document.documentElement.scrollHeight]",
            Vec::new(),
        )
        .await
        .unwrap();
    let size = |i: usize| sizes[i].as_u64().expect("a height");
    let (inner, outer, page) = (size(0), size(1), size(2));
    let wanted = page.clamp(600, 1800);
    client
        .set_window_size(1280, (wanted + outer.saturating_sub(inner)) as u32)
        .await
        .unwrap();
    eventually("the window to take its new size", || async {
        let inner = client
            .execute(
                "window.scrollTo(0, 0); return window.innerHeight",
                Vec::new(),
            )
            .await
            .ok()?
            .as_u64()?;
        (inner >= wanted).then_some(())
    })
    .await;
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "WebDriver returns PNG");
    let target = workspace_bin("fabric-dev-peer")
        .parent()
        .and_then(Path::parent)
        .expect("<target>/<profile>/fabric-dev-peer")
        .join("explorer-screenshots");
    let mut dirs = vec![target];
    if std::env::var_os("FABRIC_RS_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/images"));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), &png).unwrap();
    }
    client.set_window_size(1280, 1000).await.unwrap();
}

/// Runs a command line the page shows, as a shell would, with this
/// build's `fabric-dev-peer` first on `PATH`.
async fn run_shown_command(line: &str) -> String {
    let bin = workspace_bin("fabric-dev-peer");
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(line)
        .env("PATH", path)
        .output()
        .await
        .expect("sh runs");
    assert!(
        output.status.success(),
        "`{line}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

async fn serve() -> (Served, String) {
    let served = serve_tls(
        "explorer",
        &[
            ("basic", &workspace_bin("asset-transfer-basic")),
            ("events", &workspace_bin("asset-transfer-events")),
        ],
        &[
            "--explorer",
            "127.0.0.1:0",
            "--identity",
            "auditor@Org1MSP;ou=client;attr=role=auditor",
        ],
    )
    .await;
    let url = served
        .explorer
        .clone()
        .expect("serve prints `Explorer: <url>` before Ready.");
    (served, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_calls_contracts_and_reads_the_ledger_and_the_live_feed() {
    // The browser first: without it the test says how to install it.
    let browser = browser().await;
    let (_served, url) = serve().await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let c = &browser.client;
    c.goto(&url).await.unwrap();
    find(c, "//body[@data-ready='true']").await;
    assert_eq!(
        c.title().await.unwrap(),
        "Contract explorer · fabric-dev-peer"
    );

    // The identities of the development network, with OUs and attributes.
    let identity = field(c, "//header", "Identity").await;
    let options = identity
        .find_all(Locator::Css("option"))
        .await
        .unwrap()
        .len();
    assert_eq!(options, 3, "Admin, User1 and auditor of Org1MSP");
    assert!(
        text_with(c, "#identity-details", "User1@org1.example.com")
            .await
            .contains("OU client")
    );

    // ----- submit CreateAsset through the generated form -----
    open_transaction(c, "basic", "CreateAsset").await;
    let run = find(c, "//form[@id='tx-form']//button[@type='submit']").await;
    assert_eq!(
        run.text().await.unwrap(),
        "Submit transaction",
        "from its tag"
    );
    // The page checks the schema before calling: `size` is an integer.
    fill_and_enter(
        c,
        &[
            ("id", "asset-x"),
            ("color", "blue"),
            ("size", "big"),
            ("owner", "Ana"),
            ("appraised_value", "300"),
        ],
    )
    .await;
    let errors = text_with(c, "#form-errors", "size must be a whole number").await;
    assert!(errors.contains("One field needs attention"), "{errors}");
    assert!(
        c.find(Locator::Id("call-result")).await.is_err(),
        "nothing was called"
    );
    fill_and_enter(c, &[("size", "5")]).await;
    let result = text_with(c, "#call-result", "Committed: VALID in block").await;
    assert!(
        result.contains("User1@org1.example.com (Org1MSP)"),
        "{result}"
    );
    assert!(result.contains("Events (0)"), "{result}");
    let txid = find(c, "//div[@id='call-result']//dd[contains(@class, 'txid')]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(txid.len(), 64, "a Fabric transaction id: {txid}");
    let command = find(c, "//pre[@id='call-command']")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        command.contains(r#"--mspid Org1MSP --user User1 invoke -n basic --gateway 127.0.0.1:"#)
            && command.ends_with(
                r#"--tls -c '{"Args":["CreateAsset","asset-x","blue","5","Ana","300"]}'"#
            ),
        "{command}"
    );
    screenshot(c, "explorer-contracts.png").await;

    // ----- the asset in the world state, and its history -----
    click(c, "//nav[@aria-label='Views']", "Ledger").await;
    find(c, "//h2[@id='ledger-heading']").await;
    let namespace = field(c, "//form[@id='ledger-form']", "Chaincode").await;
    namespace.select_by_value("basic").await.unwrap();
    let prefix = field(c, "//form[@id='ledger-form']", "Keys starting with").await;
    prefix.send_keys("nothing-").await.unwrap();
    prefix.send_keys(ENTER).await.unwrap();
    text_with(
        c,
        "#ledger-results",
        "No keys in basic's world state match the search.",
    )
    .await;
    prefix.clear().await.unwrap();
    prefix.send_keys("asset-").await.unwrap();
    prefix.send_keys(ENTER).await.unwrap();
    let keys = text_with(c, "#ledger-results", "asset-x").await;
    assert!(keys.contains("1 key of basic's world state"), "{keys}");
    assert!(keys.contains("\"Owner\": \"Ana\""), "pretty JSON: {keys}");
    click(
        c,
        "//li[@class='key'][h3[normalize-space(.)='asset-x']]",
        "History",
    )
    .await;
    let history = text_with(c, ".history-list", &txid).await;
    assert!(history.contains("written"), "{history}");
    screenshot(c, "explorer-ledger.png").await;

    // ----- evaluate ReadAsset: decoded JSON; the command line works as shown -----
    click(c, "//nav[@aria-label='Views']", "Contracts").await;
    open_transaction(c, "basic", "ReadAsset").await;
    let run = find(c, "//form[@id='tx-form']//button[@type='submit']").await;
    assert_eq!(run.text().await.unwrap(), "Evaluate transaction");
    // With transient data, which the command line carries as base64.
    click(c, "//form[@id='tx-form']", "Add transient entry").await;
    field(c, "//form[@id='tx-form']", "Key")
        .await
        .send_keys("note")
        .await
        .unwrap();
    field(c, "//form[@id='tx-form']", "Value (text)")
        .await
        .send_keys("hi")
        .await
        .unwrap();
    fill_and_enter(c, &[("id", "asset-x")]).await;
    let read = text_with(c, "#call-result", "Evaluated").await;
    assert!(read.contains("\"Owner\": \"Ana\""), "{read}");
    assert!(read.contains("\"AppraisedValue\": 300"), "{read}");
    let command = find(c, "//pre[@id='call-command']")
        .await
        .text()
        .await
        .unwrap();
    assert!(command.contains(" query -n basic "), "{command}");
    assert!(
        command.ends_with(r#"--transient '{"note":"aGk="}'"#),
        "{command}"
    );
    let printed = run_shown_command(&command).await;
    assert!(printed.contains(r#""Owner":"Ana""#), "{printed}");

    // A failing call shows the chaincode's message.
    fill_and_enter(c, &[("id", "x")]).await;
    text_with(c, "#call-result", "Evaluate failed").await;
    let error = find(c, "//p[@id='call-error']").await.text().await.unwrap();
    assert_eq!(error, "the asset x does not exist");
    assert!(
        text_with(c, "#call-result", "chaincode status 500")
            .await
            .contains("Status"),
    );

    // The raw metadata, one click away.
    click(c, "//div[@id='contract-panel']", "Show metadata JSON").await;
    text_with(c, "#raw-metadata", "\"contracts\"").await;
    let download = find(c, "//a[normalize-space(.)='Download metadata']").await;
    assert!(
        download
            .attr("href")
            .await
            .unwrap()
            .unwrap()
            .ends_with("/api/chaincodes/basic/metadata?download=1")
    );

    // ----- another identity submits to the events chaincode -----
    identity
        .select_by_value("Org1MSP|auditor@org1.example.com")
        .await
        .unwrap();
    assert!(
        text_with(c, "#identity-details", "attributes role=auditor")
            .await
            .contains("auditor@org1.example.com")
    );
    open_transaction(c, "events", "CreateAsset").await;
    fill_and_enter(
        c,
        &[
            ("id", "event-asset"),
            ("color", "red"),
            ("size", "3"),
            ("owner", "Bo"),
            ("appraised_value", "70"),
        ],
    )
    .await;
    let created = text_with(c, "#call-result", "Committed: VALID").await;
    assert!(
        created.contains("auditor@org1.example.com (Org1MSP)"),
        "{created}"
    );
    assert!(
        created.contains("Events (1)\nCreateAsset from events"),
        "{created}"
    );
    let event_tx = find(c, "//div[@id='call-result']//dd[contains(@class, 'txid')]")
        .await
        .text()
        .await
        .unwrap();
    let command = find(c, "//pre[@id='call-command']")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        command.contains("--user auditor invoke -n events"),
        "{command}"
    );

    // ----- the live feed has both transactions, the event with its payload -----
    click(c, "//nav[@aria-label='Views']", "Live feed").await;
    let feed = text_with(c, "#feed-list", &event_tx).await;
    assert!(feed.contains(&txid), "the basic transaction too: {feed}");
    let item = find(c, &format!("//li[@data-txid='{event_tx}']")).await;
    let item = item.text().await.unwrap();
    assert!(item.contains("VALID"), "{item}");
    assert!(item.contains("CreateAsset from events"), "{item}");
    assert!(item.contains("\"Owner\": \"Bo\""), "{item}");
    let empty_state = c.find(Locator::Id("feed-empty")).await.unwrap();
    assert!(!empty_state.is_displayed().await.unwrap());
    screenshot(c, "explorer-feed.png").await;

    // A transaction from elsewhere (the command line) arrives while the page watches.
    let again = command.replace("event-asset", "event-asset-2");
    let printed = run_shown_command(&again).await;
    assert!(
        printed.starts_with("Chaincode invoke successful."),
        "{printed}"
    );
    let live = find(
        c,
        "//ol[@id='feed-list']/li[1][.//pre[contains(., 'event-asset-2')]]",
    )
    .await;
    assert!(
        live.text()
            .await
            .unwrap()
            .contains("CreateAsset from events")
    );
    assert_eq!(
        find(c, "//span[@id='feed-count']")
            .await
            .text()
            .await
            .unwrap(),
        "3"
    );

    // ----- a phone-sized window: nothing wider than the screen -----
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{url}#/contracts/basic/CreateAsset"))
        .await
        .unwrap();
    find(c, "//h2[starts-with(normalize-space(.), 'CreateAsset ')]").await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(0), "no horizontal scrolling at phone width");

    // ----- every kind of parameter the form generator knows -----
    c.set_window_size(1280, 1000).await.unwrap();
    generated_form(c).await;

    browser.client.clone().close().await.unwrap();
}

/// Builds a form with the page's own generator for parameters of every
/// kind, fills it by the labels and reads what the page would send.
async fn generated_form(c: &Client) {
    let parameters = json!([
        {"name": "quantity", "required": true, "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10}},
        {"name": "price", "required": true, "schema": {"type": "number", "exclusiveMinimum": 0}},
        {"name": "big", "required": true, "schema": {"type": "integer", "format": "int64"}},
        {"name": "colour", "required": true, "schema": {"type": "string", "enum": ["red", "blue"]}},
        {"name": "express", "required": true, "schema": {"type": "boolean"}},
        {"name": "gift", "schema": {"type": "boolean"}},
        {"name": "note", "schema": {"type": "string", "maxLength": 5}},
        {"name": "owner", "required": true, "schema": {"type": "object", "$id": "Owner",
            "properties": {"name": {"type": "string"}, "email": {"type": "string"}}, "required": ["name"]}},
        {"name": "tags", "required": true, "schema": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
        {"name": "extra", "schema": {}},
        {"name": "address", "schema": {"type": "object",
            "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    ]);
    c.execute(
        r#"const panel = document.getElementById("contract-panel");
           const form = document.createElement("form");
           form.id = "generated";
           window.generated = arguments[0].map((p, i) =>
               buildField(p.schema, {id: `g${i}`, label: p.name, required: !!p.required}));
           window.generated.forEach((f) => form.append(f.element));
           panel.replaceChildren(form);"#,
        vec![parameters],
    )
    .await
    .unwrap();
    let collect = || async {
        c.execute(
            "return window.generated.map((f) => { const o = f.collect(); \
             return [o.json === undefined ? null : o.json, o.errors.map((e) => e.message)]; })",
            Vec::new(),
        )
        .await
        .unwrap()
    };
    let form = "//form[@id='generated']";
    // Nothing filled in: the required ones say so, the optional ones are left out.
    let empty = collect().await;
    assert_eq!(empty[0], json!([null, ["quantity is required"]]));
    assert_eq!(empty[3], json!([null, ["colour is required"]]));
    assert_eq!(empty[4], json!(["false", []]), "an unticked box is false");
    assert_eq!(
        empty[5],
        json!([null, []]),
        "an optional boolean left unset"
    );
    assert_eq!(empty[6], json!([null, []]));
    assert_eq!(empty[7], json!(["{}", ["name is required"]]));
    assert_eq!(empty[8], json!(["[]", ["tags needs at least 1 item"]]));
    assert_eq!(empty[9], json!([null, []]));
    assert_eq!(
        empty[10],
        json!([null, []]),
        "an optional object left empty is not given"
    );

    let type_in = |label: &'static str, text: &'static str| async move {
        let input = field(c, form, label).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    };
    type_in("quantity", "11").await;
    type_in("price", "0").await;
    type_in("big", "1.5").await;
    type_in("note", "too long").await;
    type_in("extra", "{oops").await;
    let wrong = collect().await;
    assert_eq!(wrong[0][1], json!(["quantity must be at most 10"]));
    assert_eq!(wrong[1][1], json!(["price must be above 0"]));
    assert_eq!(wrong[2][1], json!(["big must be a whole number, like 42"]));
    assert_eq!(wrong[6][1], json!(["note must have at most 5 characters"]));
    assert!(
        wrong[9][1][0]
            .as_str()
            .unwrap()
            .starts_with("extra is not valid JSON")
    );
    // The field says what is wrong, next to it.
    let said = text_with(c, "#g0-error", "at most 10").await;
    assert_eq!(said, "quantity must be at most 10.");

    type_in("quantity", "7").await;
    type_in("price", "2.50").await;
    type_in("big", "9007199254740993").await;
    field(c, form, "colour")
        .await
        .select_by_label("blue")
        .await
        .unwrap();
    field(c, form, "express").await.click().await.unwrap();
    field(c, form, "gift")
        .await
        .select_by_label("false")
        .await
        .unwrap();
    type_in("note", "hi").await;
    type_in("name", "Ana").await;
    click(c, form, "Add tags item").await;
    type_in("tags item 1", "red \"one\"").await;
    type_in("extra", r#"{"a": [1, 2]}"#).await;
    type_in("city", "Oslo").await;
    let good = collect().await;
    let sent: Vec<&serde_json::Value> = good.as_array().unwrap().iter().map(|f| &f[0]).collect();
    assert_eq!(
        sent,
        [
            "7",
            "2.50",
            "9007199254740993",
            "\"blue\"",
            "true",
            "false",
            "\"hi\"",
            r#"{"name":"Ana"}"#,
            r#"["red \"one\""]"#,
            r#"{"a": [1, 2]}"#,
            r#"{"city":"Oslo"}"#
        ],
        "numbers exactly as typed, strings as JSON for the server to send bare"
    );
    assert!(
        good.as_array().unwrap().iter().all(|f| f[1] == json!([])),
        "{good}"
    );
}
