//! The contract through the generated dispatch, on the in-memory test kit,
//! with client identities of Org1MSP (the minter organisation) and Org2MSP.

use base64::Engine as _;
use fabric_contract_api::ContractChaincode;
use fabric_contract_api::identity::ClientIdentity;
use fabric_contract_api::testing::{IdentitySpec, TestKit, TxOutcome};
use fabric_dev_peer::DevIdentity;
use token_erc20::{NOT_INITIALIZED, SmartContract};

fn person(mspid: &str, name: &str, organization: &str) -> IdentitySpec {
    IdentitySpec {
        mspid: mspid.into(),
        common_name: name.into(),
        organizational_units: vec!["client".into()],
        organization: organization.into(),
        ..IdentitySpec::default()
    }
}

fn minter() -> IdentitySpec {
    person("Org1MSP", "minter", "org1.example.com")
}

fn spender() -> IdentitySpec {
    person("Org1MSP", "spender", "org1.example.com")
}

fn recipient() -> IdentitySpec {
    person("Org2MSP", "recipient", "org2.example.com")
}

/// The account id of an identity: what Go's `cid` `GetID()` gives for its certificate.
fn account(spec: &IdentitySpec) -> String {
    let identity = DevIdentity::generate(spec).unwrap();
    ClientIdentity::from_parts(&identity.mspid, identity.cert_pem.as_bytes())
        .unwrap()
        .id()
        .unwrap()
}

struct Token {
    kit: TestKit,
}

impl Token {
    async fn new() -> Token {
        Token {
            kit: TestKit::new(ContractChaincode::new().add(SmartContract)).await,
        }
    }

    /// A token initialized by the minter.
    async fn initialized() -> Token {
        let token = Token::new().await;
        token
            .ok(
                &minter(),
                &["Initialize", "some name", "some symbol", "2"],
                "true",
            )
            .await;
        token
    }

    async fn submit(&self, who: &IdentitySpec, args: &[&str]) -> TxOutcome {
        self.kit.invoke(args).identity(who).submit().await
    }

    async fn evaluate(&self, who: &IdentitySpec, args: &[&str]) -> TxOutcome {
        self.kit.invoke(args).identity(who).evaluate().await
    }

    /// Submits and expects success with this payload; returns the outcome.
    async fn ok(&self, who: &IdentitySpec, args: &[&str], payload: &str) -> TxOutcome {
        let out = self.submit(who, args).await;
        assert_eq!(
            (out.status(), out.message(), out.payload_text().as_str()),
            (200, "", payload),
            "{args:?}"
        );
        assert!(out.committed);
        out
    }

    /// Submits and expects this error, with nothing committed.
    async fn fails(&self, who: &IdentitySpec, args: &[&str], message: &str) {
        let out = self.submit(who, args).await;
        assert_eq!((out.status(), out.message()), (500, message), "{args:?}");
        assert!(!out.committed);
        assert!(out.event.is_none());
    }

    async fn query(&self, who: &IdentitySpec, args: &[&str]) -> String {
        let out = self.evaluate(who, args).await;
        assert_eq!((out.status(), out.message()), (200, ""), "{args:?}");
        out.payload_text()
    }

    fn stored(&self, key: &str) -> Option<String> {
        self.kit
            .state(key)
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
    }
}

/// The event of an outcome: its name and JSON payload.
fn event(out: &TxOutcome) -> (String, String) {
    let event = out.event.as_ref().expect("an event");
    (
        event.event_name.clone(),
        String::from_utf8(event.payload.to_vec()).unwrap(),
    )
}

fn transfer_event(from: &str, to: &str, value: i64) -> (String, String) {
    (
        "Transfer".into(),
        format!(r#"{{"from":"{from}","to":"{to}","value":{value}}}"#),
    )
}

fn allowance_key(owner: &str, spender: &str) -> String {
    format!("\u{0}allowance\u{0}{owner}\u{0}{spender}\u{0}")
}

#[tokio::test]
async fn nothing_works_before_initialize() {
    let token = Token::new().await;
    let someone = account(&recipient());
    for args in [
        &["Mint", "5000"][..],
        &["Burn", "1"],
        &["Transfer", &someone, "1"],
        &["BalanceOf", &someone],
        &["ClientAccountBalance"],
        &["ClientAccountID"],
        &["TotalSupply"],
        &["Approve", &someone, "1"],
        &["Allowance", &someone, &someone],
        &["TransferFrom", &someone, &someone, "1"],
        &["Name"],
        &["Symbol"],
    ] {
        token.fails(&minter(), args, NOT_INITIALIZED).await;
    }
    assert_eq!(
        NOT_INITIALIZED,
        "Contract options need to be set before calling any function, call Initialize() to initialize contract"
    );
}

#[tokio::test]
async fn only_org1_initializes_and_only_once() {
    let token = Token::new().await;
    token
        .fails(
            &recipient(),
            &["Initialize", "n", "s", "2"],
            "client is not authorized to initialize contract",
        )
        .await;
    token
        .ok(
            &minter(),
            &["Initialize", "some name", "some symbol", "2"],
            "true",
        )
        .await;
    assert_eq!(token.stored("name").as_deref(), Some("some name"));
    assert_eq!(token.stored("symbol").as_deref(), Some("some symbol"));
    assert_eq!(token.stored("decimals").as_deref(), Some("2"));
    token
        .fails(
            &minter(),
            &["Initialize", "other", "o", "4"],
            "contract options are already set, client is not authorized to change them",
        )
        .await;
    // Anyone may read them.
    assert_eq!(token.query(&recipient(), &["Name"]).await, "some name");
    assert_eq!(token.query(&recipient(), &["Symbol"]).await, "some symbol");
    assert_eq!(token.query(&recipient(), &["TotalSupply"]).await, "0");
}

#[tokio::test]
async fn account_ids_are_the_go_client_ids() {
    let token = Token::initialized().await;
    let id = token.query(&recipient(), &["ClientAccountID"]).await;
    assert_eq!(id, account(&recipient()));
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&id)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "x509::CN=recipient,OU=client::CN=ca.org2.example.com,O=org2.example.com"
    );
    // The same person with a new certificate from the same CA keeps the account.
    assert_eq!(token.query(&recipient(), &["ClientAccountID"]).await, id);
    assert_ne!(
        token.query(&spender(), &["ClientAccountID"]).await,
        token.query(&minter(), &["ClientAccountID"]).await
    );
}

#[tokio::test]
async fn mint_is_for_org1_and_emits_a_transfer_from_0x0() {
    let token = Token::initialized().await;
    let minter_id = account(&minter());
    token
        .fails(
            &recipient(),
            &["Mint", "5000"],
            "client is not authorized to mint new tokens",
        )
        .await;
    for amount in ["0", "-5"] {
        token
            .fails(
                &minter(),
                &["Mint", amount],
                "mint amount must be a positive integer",
            )
            .await;
    }
    let out = token.ok(&minter(), &["Mint", "5000"], "").await;
    assert_eq!(event(&out), transfer_event("0x0", &minter_id, 5000));
    assert_eq!(token.stored(&minter_id).as_deref(), Some("5000"));
    assert_eq!(token.stored("totalSupply").as_deref(), Some("5000"));
    assert_eq!(
        token.query(&minter(), &["ClientAccountBalance"]).await,
        "5000"
    );
    assert_eq!(
        token.query(&recipient(), &["BalanceOf", &minter_id]).await,
        "5000"
    );
    assert_eq!(token.query(&recipient(), &["TotalSupply"]).await, "5000");

    // Overflow of the account (checked first) leaves everything as it was.
    let max = i64::MAX.to_string();
    token
        .fails(
            &minter(),
            &["Mint", &max],
            "Math: addition overflow occurred 5000 + 9223372036854775807",
        )
        .await;
    assert_eq!(token.stored(&minter_id).as_deref(), Some("5000"));
    // Another Org1 identity mints into its own account; the supply overflows.
    token
        .fails(
            &spender(),
            &["Mint", &max],
            "Math: addition overflow occurred 5000 + 9223372036854775807",
        )
        .await;
    token.ok(&spender(), &["Mint", "10"], "").await;
    assert_eq!(token.query(&minter(), &["TotalSupply"]).await, "5010");
    // An amount that is not an integer never reaches the contract.
    let bad = token.submit(&minter(), &["Mint", "5e3"]).await;
    assert_eq!(bad.status(), 500);
    assert!(bad.message().contains("amount"), "{}", bad.message());
}

#[tokio::test]
async fn transfers_move_balances_and_check_funds() {
    let token = Token::initialized().await;
    let (minter_id, recipient_id, spender_id) = (
        account(&minter()),
        account(&recipient()),
        account(&spender()),
    );
    token.ok(&minter(), &["Mint", "5000"], "").await;
    let out = token
        .ok(&minter(), &["Transfer", &recipient_id, "100"], "")
        .await;
    assert_eq!(event(&out), transfer_event(&minter_id, &recipient_id, 100));
    assert_eq!(
        token.query(&minter(), &["ClientAccountBalance"]).await,
        "4900"
    );
    assert_eq!(
        token.query(&recipient(), &["ClientAccountBalance"]).await,
        "100"
    );
    assert_eq!(token.stored(&recipient_id).as_deref(), Some("100"));
    // Any organisation may transfer what it holds.
    token
        .ok(&recipient(), &["Transfer", &minter_id, "40"], "")
        .await;
    assert_eq!(
        token.query(&minter(), &["BalanceOf", &recipient_id]).await,
        "60"
    );

    token
        .fails(
            &recipient(),
            &["Transfer", &minter_id, "61"],
            &format!("failed to transfer: client account {recipient_id} has insufficient funds"),
        )
        .await;
    token
        .fails(
            &minter(),
            &["Transfer", &minter_id, "1"],
            "failed to transfer: cannot transfer to and from same client account",
        )
        .await;
    token
        .fails(
            &minter(),
            &["Transfer", &recipient_id, "-1"],
            "failed to transfer: transfer amount cannot be negative",
        )
        .await;
    // The Go sample's `sub` refuses 0, so a transfer of 0 fails.
    token
        .fails(
            &minter(),
            &["Transfer", &recipient_id, "0"],
            "failed to transfer: Error: the subtraction number is 0, it should be greater than 0",
        )
        .await;
    token
        .fails(
            &spender(),
            &["Transfer", &recipient_id, "1"],
            &format!("failed to transfer: client account {spender_id} has no balance"),
        )
        .await;
    let missing = token.evaluate(&spender(), &["ClientAccountBalance"]).await;
    assert_eq!(
        missing.message(),
        format!("the account {spender_id} does not exist")
    );
    let missing = token.evaluate(&spender(), &["BalanceOf", "nobody"]).await;
    assert_eq!(missing.message(), "the account nobody does not exist");
    // The whole balance can go.
    token
        .ok(&recipient(), &["Transfer", &spender_id, "60"], "")
        .await;
    assert_eq!(token.stored(&recipient_id).as_deref(), Some("0"));
    assert_eq!(token.query(&minter(), &["TotalSupply"]).await, "5000");
}

#[tokio::test]
async fn event_payloads_escape_html_characters_as_go_does() {
    let token = Token::initialized().await;
    token.ok(&minter(), &["Mint", "10"], "").await;
    let out = token.ok(&minter(), &["Transfer", "<a&b>", "1"], "").await;
    assert_eq!(
        event(&out).1,
        format!(
            r#"{{"from":"{}","to":"\u003ca\u0026b\u003e","value":1}}"#,
            account(&minter())
        )
    );
    assert_eq!(token.stored("<a&b>").as_deref(), Some("1"));
}

#[tokio::test]
async fn allowances_and_transfer_from() {
    let token = Token::initialized().await;
    let (minter_id, recipient_id, spender_id) = (
        account(&minter()),
        account(&recipient()),
        account(&spender()),
    );
    token.ok(&minter(), &["Mint", "5000"], "").await;
    token
        .ok(&minter(), &["Transfer", &recipient_id, "100"], "")
        .await;

    let out = token
        .ok(&minter(), &["Approve", &spender_id, "500"], "")
        .await;
    assert_eq!(
        event(&out),
        (
            "Approval".into(),
            format!(r#"{{"from":"{minter_id}","to":"{spender_id}","value":500}}"#)
        )
    );
    assert_eq!(
        token
            .stored(&allowance_key(&minter_id, &spender_id))
            .as_deref(),
        Some("500")
    );
    assert_eq!(
        token
            .query(&minter(), &["Allowance", &minter_id, &spender_id])
            .await,
        "500"
    );
    assert_eq!(
        token
            .query(&minter(), &["Allowance", &spender_id, &minter_id])
            .await,
        "0"
    );

    let out = token
        .ok(
            &spender(),
            &["TransferFrom", &minter_id, &recipient_id, "100"],
            "",
        )
        .await;
    assert_eq!(event(&out), transfer_event(&minter_id, &recipient_id, 100));
    assert_eq!(
        token.query(&spender(), &["BalanceOf", &minter_id]).await,
        "4800"
    );
    assert_eq!(
        token
            .query(&spender(), &["Allowance", &minter_id, &spender_id])
            .await,
        "400"
    );
    assert_eq!(
        token.query(&recipient(), &["ClientAccountBalance"]).await,
        "200"
    );

    token
        .fails(
            &spender(),
            &["TransferFrom", &minter_id, &recipient_id, "401"],
            "spender does not have enough allowance for transfer",
        )
        .await;
    // Nobody else may spend the minter's tokens.
    token
        .fails(
            &recipient(),
            &["TransferFrom", &minter_id, &recipient_id, "1"],
            "spender does not have enough allowance for transfer",
        )
        .await;
    // An allowance beyond the balance does not create funds.
    token
        .ok(&recipient(), &["Approve", &spender_id, "1000"], "")
        .await;
    token
        .fails(
            &spender(),
            &["TransferFrom", &recipient_id, &minter_id, "201"],
            &format!("failed to transfer: client account {recipient_id} has insufficient funds"),
        )
        .await;
    // Approve replaces the allowance; the whole allowance can be spent.
    token
        .ok(&minter(), &["Approve", &spender_id, "50"], "")
        .await;
    token
        .ok(
            &spender(),
            &["TransferFrom", &minter_id, &spender_id, "50"],
            "",
        )
        .await;
    assert_eq!(
        token
            .stored(&allowance_key(&minter_id, &spender_id))
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        token.query(&spender(), &["ClientAccountBalance"]).await,
        "50"
    );
}

#[tokio::test]
async fn burn_is_for_org1_and_cannot_go_below_zero() {
    let token = Token::initialized().await;
    let minter_id = account(&minter());
    token.ok(&minter(), &["Mint", "5000"], "").await;
    // Burn reuses Mint's refusal in the Go sample.
    token
        .fails(
            &recipient(),
            &["Burn", "1"],
            "client is not authorized to mint new tokens",
        )
        .await;
    token
        .fails(
            &minter(),
            &["Burn", "0"],
            "burn amount must be a positive integer",
        )
        .await;
    token
        .fails(&spender(), &["Burn", "1"], "The balance does not exist")
        .await;
    token
        .fails(
            &minter(),
            &["Burn", "5001"],
            "Error: the number 5000 is not enough to be subtracted by 5001",
        )
        .await;
    let out = token.ok(&minter(), &["Burn", "800"], "").await;
    assert_eq!(event(&out), transfer_event(&minter_id, "0x0", 800));
    assert_eq!(token.stored(&minter_id).as_deref(), Some("4200"));
    assert_eq!(token.query(&recipient(), &["TotalSupply"]).await, "4200");
}

#[tokio::test]
async fn evaluate_commits_nothing() {
    let token = Token::initialized().await;
    let out = token.evaluate(&minter(), &["Mint", "5"]).await;
    assert_eq!(out.status(), 200);
    assert!(!out.committed);
    assert_eq!(token.stored(&account(&minter())), None);
}

#[tokio::test]
async fn direct_method_calls_use_the_transaction_creator() {
    let token = Token::initialized().await;
    let contract = SmartContract;
    let tx = token
        .kit
        .invoke(&[])
        .identity(&minter())
        .transaction()
        .await;
    contract.mint(tx.context(), 70).await.unwrap();
    assert_eq!(
        contract.client_account_id(tx.context()).await.unwrap(),
        account(&minter())
    );
    tx.commit().await;
    let tx = token
        .kit
        .invoke(&[])
        .identity(&recipient())
        .transaction()
        .await;
    let err = contract.mint(tx.context(), 1).await.unwrap_err();
    assert_eq!(err.message(), "client is not authorized to mint new tokens");
    assert_eq!(
        contract
            .balance_of(tx.context(), account(&minter()))
            .await
            .unwrap(),
        70
    );
    tx.rollback().await;
}
