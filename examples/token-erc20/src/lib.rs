//! The fabric-samples `token-erc-20` contract (Go version), in Rust.
//!
//! A fungible token in an account-based model: every client identity has an
//! account whose id is the identity's Go `cid` `GetID()` string (base64 of
//! `x509::<subject DN>::<issuer DN>`), so the ids clients exchange are the
//! ones the Go contract gives. Members of `Org1MSP` play the central bank:
//! only they may initialize the token, mint and burn. Balances, allowances and
//! the total supply are stored as decimal text; `Transfer` and `Approval`
//! events carry `{"from":...,"to":...,"value":...}` as in Go.
//!
//! Transaction names, argument order and encodings, stored values, results,
//! events and error messages are those of the Go sample, so its client
//! applications and walk-through work unchanged.
#![forbid(unsafe_code)]

use fabric_contract_api::identity::ClientIdentity;
use fabric_contract_api::{Context, ContractError, contract, shim};
use serde::Serialize;

/// The key of the token's name; its presence means the contract is initialized.
pub const NAME_KEY: &str = "name";
/// The key of the token's symbol.
pub const SYMBOL_KEY: &str = "symbol";
/// The key of the token's decimals.
pub const DECIMALS_KEY: &str = "decimals";
/// The key of the total supply.
pub const TOTAL_SUPPLY_KEY: &str = "totalSupply";
/// The object type of the allowance composite keys `allowance~owner~spender`.
pub const ALLOWANCE_PREFIX: &str = "allowance";
/// The MSP whose members may initialize the contract, mint and burn.
pub const MINTER_MSP: &str = "Org1MSP";

/// What every transaction but Initialize returns until Initialize has run.
pub const NOT_INITIALIZED: &str = "Contract options need to be set before calling any function, call Initialize() to initialize contract";

/// The payload of `Transfer` and `Approval` events.
#[derive(Debug, Serialize)]
struct Event<'a> {
    from: &'a str,
    to: &'a str,
    value: i64,
}

/// The token contract. Its name is the Go type's, so `SmartContract:Function`
/// calls and the metadata read the same.
#[derive(Debug, Default)]
pub struct SmartContract;

#[contract(
    default,
    title = "token-erc20",
    version = "1.0.0",
    license = "Apache-2.0"
)]
impl SmartContract {
    /// Creates new tokens in the minter's account (the caller must be of
    /// Org1MSP). Emits a `Transfer` event from `0x0`.
    ///
    /// * `amount` - how many tokens to create, positive
    #[transaction]
    pub async fn mint(&self, ctx: &Context, amount: i64) -> Result<(), ContractError> {
        require_initialized(ctx).await?;
        require_minter(ctx, "client is not authorized to mint new tokens")?;
        let minter = client_id(ctx)?;
        if amount <= 0 {
            return Err("mint amount must be a positive integer".into());
        }
        let current_balance = ctx.stub().get_state(&minter).await.map_err(|e| {
            ContractError::new(format!(
                "failed to read minter account {minter} from world state: {e}"
            ))
        })?;
        let current_balance = current_balance.map_or(0, |b| atoi(&b));
        let updated_balance = add(current_balance, amount)?;
        ctx.stub()
            .put_state(&minter, updated_balance.to_string())
            .await?;

        let total_supply = ctx
            .stub()
            .get_state(TOTAL_SUPPLY_KEY)
            .await
            .map_err(|e| ContractError::new(format!("failed to retrieve total token supply: {e}")))?
            .map_or(0, |b| atoi(&b));
        let total_supply = add(total_supply, amount)?;
        ctx.stub()
            .put_state(TOTAL_SUPPLY_KEY, total_supply.to_string())
            .await?;

        emit(ctx, "Transfer", "0x0", &minter, amount)
    }

    /// Redeems tokens from the minter's account (the caller must be of
    /// Org1MSP). Emits a `Transfer` event to `0x0`.
    ///
    /// * `amount` - how many tokens to destroy, positive
    #[transaction]
    pub async fn burn(&self, ctx: &Context, amount: i64) -> Result<(), ContractError> {
        require_initialized(ctx).await?;
        // The Go sample reuses the mint message here.
        require_minter(ctx, "client is not authorized to mint new tokens")?;
        let minter = client_id(ctx)?;
        if amount <= 0 {
            return Err("burn amount must be a positive integer".into());
        }
        let current_balance = ctx
            .stub()
            .get_state(&minter)
            .await
            .map_err(|e| {
                ContractError::new(format!(
                    "failed to read minter account {minter} from world state: {e}"
                ))
            })?
            .ok_or_else(|| ContractError::new("The balance does not exist"))?;
        let updated_balance = sub(atoi(&current_balance), amount)?;
        ctx.stub()
            .put_state(&minter, updated_balance.to_string())
            .await?;

        let total_supply = ctx
            .stub()
            .get_state(TOTAL_SUPPLY_KEY)
            .await
            .map_err(|e| ContractError::new(format!("failed to retrieve total token supply: {e}")))?
            .ok_or_else(|| ContractError::new("totalSupply does not exist"))?;
        let total_supply = sub(atoi(&total_supply), amount)?;
        ctx.stub()
            .put_state(TOTAL_SUPPLY_KEY, total_supply.to_string())
            .await?;

        emit(ctx, "Transfer", &minter, "0x0", amount)
    }

    /// Transfers tokens from the caller's account to a recipient's. Emits a
    /// `Transfer` event.
    ///
    /// * `recipient` - the recipient's account id, as `ClientAccountID` returns it
    /// * `amount` - how many tokens
    #[transaction]
    pub async fn transfer(
        &self,
        ctx: &Context,
        recipient: String,
        amount: i64,
    ) -> Result<(), ContractError> {
        require_initialized(ctx).await?;
        let client = client_id(ctx)?;
        transfer_helper(ctx, &client, &recipient, amount)
            .await
            .map_err(|e| ContractError::new(format!("failed to transfer: {e}")))?;
        emit(ctx, "Transfer", &client, &recipient, amount)
    }

    /// The balance of an account.
    ///
    /// * `account` - the account id
    #[transaction(evaluate)]
    pub async fn balance_of(&self, ctx: &Context, account: String) -> Result<i64, ContractError> {
        require_initialized(ctx).await?;
        balance(ctx, &account).await
    }

    /// The balance of the caller's account.
    #[transaction(evaluate)]
    pub async fn client_account_balance(&self, ctx: &Context) -> Result<i64, ContractError> {
        require_initialized(ctx).await?;
        let client = client_id(ctx)?;
        balance(ctx, &client).await
    }

    /// The caller's account id: its client identity's id, to give to payers.
    #[transaction(evaluate, name = "ClientAccountID")]
    pub async fn client_account_id(&self, ctx: &Context) -> Result<String, ContractError> {
        require_initialized(ctx).await?;
        client_id(ctx)
    }

    /// The total supply of tokens (0 before the first mint).
    #[transaction(evaluate)]
    pub async fn total_supply(&self, ctx: &Context) -> Result<i64, ContractError> {
        require_initialized(ctx).await?;
        let total_supply = ctx.stub().get_state(TOTAL_SUPPLY_KEY).await.map_err(|e| {
            ContractError::new(format!("failed to retrieve total token supply: {e}"))
        })?;
        Ok(total_supply.map_or(0, |b| atoi(&b)))
    }

    /// Allows a spender to withdraw from the caller's account, several times
    /// if it likes, up to `value` in total (replacing any earlier allowance).
    /// Emits an `Approval` event.
    ///
    /// * `spender` - the spender's account id
    /// * `value` - the allowance
    #[transaction]
    pub async fn approve(
        &self,
        ctx: &Context,
        spender: String,
        value: i64,
    ) -> Result<(), ContractError> {
        require_initialized(ctx).await?;
        let owner = client_id(ctx)?;
        let key = allowance_key(&owner, &spender)?;
        ctx.stub()
            .put_state(&key, value.to_string())
            .await
            .map_err(|e| {
                ContractError::new(format!(
                    "failed to update state of smart contract for key {key}: {e}"
                ))
            })?;
        emit(ctx, "Approval", &owner, &spender, value)
    }

    /// What a spender may still withdraw from an owner's account.
    ///
    /// * `owner` - the owner's account id
    /// * `spender` - the spender's account id
    #[transaction(evaluate)]
    pub async fn allowance(
        &self,
        ctx: &Context,
        owner: String,
        spender: String,
    ) -> Result<i64, ContractError> {
        require_initialized(ctx).await?;
        let key = allowance_key(&owner, &spender)?;
        let allowance = ctx.stub().get_state(&key).await.map_err(|e| {
            ContractError::new(format!(
                "failed to read allowance for {key} from world state: {e}"
            ))
        })?;
        Ok(allowance.map_or(0, |b| atoi(&b)))
    }

    /// Transfers tokens from an account to another on the owner's behalf,
    /// within the allowance the owner gave the caller, which it decreases.
    /// Emits a `Transfer` event.
    ///
    /// * `from` - the owner's account id
    /// * `to` - the recipient's account id
    /// * `value` - how many tokens
    #[transaction]
    pub async fn transfer_from(
        &self,
        ctx: &Context,
        from: String,
        to: String,
        value: i64,
    ) -> Result<(), ContractError> {
        require_initialized(ctx).await?;
        let spender = client_id(ctx)?;
        let key = allowance_key(&from, &spender)?;
        let current_allowance = ctx.stub().get_state(&key).await.map_err(|e| {
            ContractError::new(format!(
                "failed to retrieve the allowance for {key} from world state: {e}"
            ))
        })?;
        let current_allowance = atoi(current_allowance.as_deref().unwrap_or_default());
        if current_allowance < value {
            return Err("spender does not have enough allowance for transfer".into());
        }
        transfer_helper(ctx, &from, &to, value)
            .await
            .map_err(|e| ContractError::new(format!("failed to transfer: {e}")))?;
        let updated_allowance = sub(current_allowance, value)?;
        ctx.stub()
            .put_state(&key, updated_allowance.to_string())
            .await?;
        emit(ctx, "Transfer", &from, &to, value)
    }

    /// The token's name.
    #[transaction(evaluate)]
    pub async fn name(&self, ctx: &Context) -> Result<String, ContractError> {
        require_initialized(ctx).await?;
        let name = ctx
            .stub()
            .get_state(NAME_KEY)
            .await
            .map_err(|e| ContractError::new(format!("failed to get Name bytes: {e}")))?;
        Ok(text(name))
    }

    /// The token's symbol.
    #[transaction(evaluate)]
    pub async fn symbol(&self, ctx: &Context) -> Result<String, ContractError> {
        require_initialized(ctx).await?;
        let symbol = ctx
            .stub()
            .get_state(SYMBOL_KEY)
            .await
            .map_err(|e| ContractError::new(format!("failed to get Symbol: {e}")))?;
        Ok(text(symbol))
    }

    /// Sets the token's name, symbol and decimals, once; the caller must be
    /// of Org1MSP. Every other transaction fails until this has run.
    ///
    /// * `name` - the token's name
    /// * `symbol` - its symbol
    /// * `decimals` - the decimals used for its amounts (stored as given)
    #[transaction]
    pub async fn initialize(
        &self,
        ctx: &Context,
        name: String,
        symbol: String,
        decimals: String,
    ) -> Result<bool, ContractError> {
        require_minter(ctx, "client is not authorized to initialize contract")?;
        let existing = ctx
            .stub()
            .get_state(NAME_KEY)
            .await
            .map_err(|e| ContractError::new(format!("failed to get Name: {e}")))?;
        if existing.is_some() {
            return Err(
                "contract options are already set, client is not authorized to change them".into(),
            );
        }
        ctx.stub()
            .put_state(NAME_KEY, name)
            .await
            .map_err(|e| ContractError::new(format!("failed to set token name: {e}")))?;
        ctx.stub()
            .put_state(SYMBOL_KEY, symbol)
            .await
            .map_err(|e| ContractError::new(format!("failed to set symbol: {e}")))?;
        // Sic: the Go sample says "token name" here too.
        ctx.stub()
            .put_state(DECIMALS_KEY, decimals)
            .await
            .map_err(|e| ContractError::new(format!("failed to set token name: {e}")))?;
        Ok(true)
    }
}

/// Moves `value` from one account to another (Go's `transferHelper`); the
/// errors are wrapped by the callers.
async fn transfer_helper(
    ctx: &Context,
    from: &str,
    to: &str,
    value: i64,
) -> Result<(), ContractError> {
    if from == to {
        return Err("cannot transfer to and from same client account".into());
    }
    if value < 0 {
        return Err("transfer amount cannot be negative".into());
    }
    let from_balance = ctx
        .stub()
        .get_state(from)
        .await
        .map_err(|e| {
            ContractError::new(format!(
                "failed to read client account {from} from world state: {e}"
            ))
        })?
        .ok_or_else(|| ContractError::new(format!("client account {from} has no balance")))?;
    let from_balance = atoi(&from_balance);
    if from_balance < value {
        return Err(format!("client account {from} has insufficient funds").into());
    }
    let to_balance = ctx.stub().get_state(to).await.map_err(|e| {
        ContractError::new(format!(
            "failed to read recipient account {to} from world state: {e}"
        ))
    })?;
    let to_balance = to_balance.map_or(0, |b| atoi(&b));
    // As in Go, `sub` refuses a value of 0 although the check above allows it.
    let from_updated = sub(from_balance, value)?;
    let to_updated = add(to_balance, value)?;
    ctx.stub().put_state(from, from_updated.to_string()).await?;
    ctx.stub().put_state(to, to_updated.to_string()).await?;
    Ok(())
}

/// The balance stored for an account, which must exist.
async fn balance(ctx: &Context, account: &str) -> Result<i64, ContractError> {
    let balance = ctx
        .stub()
        .get_state(account)
        .await
        .map_err(|e| ContractError::new(format!("failed to read from world state: {e}")))?
        .ok_or_else(|| ContractError::new(format!("the account {account} does not exist")))?;
    Ok(atoi(&balance))
}

/// Go's `checkInitialized` and the check every transaction but Initialize makes.
async fn require_initialized(ctx: &Context) -> Result<(), ContractError> {
    let name = ctx.stub().get_state(NAME_KEY).await.map_err(|e| {
        ContractError::new(format!(
            "failed to check if contract is already initialized: failed to get token name: {e}"
        ))
    })?;
    if name.is_none() {
        return Err(NOT_INITIALIZED.into());
    }
    Ok(())
}

/// Fails with `refusal` unless the caller is a member of the minter MSP.
fn require_minter(ctx: &Context, refusal: &str) -> Result<(), ContractError> {
    let identity = identity(ctx).map_err(|e| format!("failed to get MSPID: {e}"))?;
    if identity.msp_id() != MINTER_MSP {
        return Err(refusal.into());
    }
    Ok(())
}

/// The caller's account id (Go's `GetClientIdentity().GetID()`).
fn client_id(ctx: &Context) -> Result<String, ContractError> {
    identity(ctx)
        .and_then(|identity| identity.id().map_err(ContractError::from))
        .map_err(|e| ContractError::new(format!("failed to get client id: {e}")))
}

fn identity(ctx: &Context) -> Result<&ClientIdentity, ContractError> {
    Ok(ctx.client_identity()?)
}

/// The key of the allowance `owner` gave `spender`.
fn allowance_key(owner: &str, spender: &str) -> Result<String, ContractError> {
    shim::create_composite_key(ALLOWANCE_PREFIX, &[owner, spender]).map_err(|e| {
        ContractError::new(format!(
            "failed to create the composite key for prefix {ALLOWANCE_PREFIX}: {e}"
        ))
    })
}

/// Sets the transaction's event, its payload JSON as Go marshals the event struct.
fn emit(ctx: &Context, name: &str, from: &str, to: &str, value: i64) -> Result<(), ContractError> {
    let payload = go_json(&Event { from, to, value })
        .map_err(|e| ContractError::new(format!("failed to obtain JSON encoding: {e}")))?;
    ctx.stub()
        .set_event(name, payload)
        .map_err(|e| ContractError::new(format!("failed to set event: {e}")))
}

/// A stored value as Go's `string(bytes)` (nil is "").
fn text(value: Option<impl AsRef<[u8]>>) -> String {
    value.map_or_else(String::new, |v| {
        String::from_utf8_lossy(v.as_ref()).into_owned()
    })
}

/// Go's `strconv.Atoi` with its error ignored, as the Go sample does: the
/// decimal value, clamped to the `int` range when it overflows, else 0.
pub fn atoi(text: &[u8]) -> i64 {
    use std::num::IntErrorKind;
    let Ok(text) = std::str::from_utf8(text) else {
        return 0;
    };
    match text.parse::<i64>() {
        Ok(n) => n,
        Err(e) => match e.kind() {
            IntErrorKind::PosOverflow => i64::MAX,
            IntErrorKind::NegOverflow => i64::MIN,
            _ => 0,
        },
    }
}

/// Adds with the Go sample's overflow check (Go's `int` wraps; so does this).
pub fn add(b: i64, q: i64) -> Result<i64, ContractError> {
    let sum = q.wrapping_add(b);
    if (sum < q || sum < b) == (b >= 0 && q >= 0) {
        return Err(format!("Math: addition overflow occurred {b} + {q}").into());
    }
    Ok(sum)
}

/// Subtracts a positive `q` from `b`, refusing to go below zero, with the Go
/// sample's messages.
pub fn sub(b: i64, q: i64) -> Result<i64, ContractError> {
    if q <= 0 {
        return Err(
            format!("Error: the subtraction number is {q}, it should be greater than 0").into(),
        );
    }
    if b < q {
        return Err(format!("Error: the number {b} is not enough to be subtracted by {q}").into());
    }
    Ok(b - q)
}

/// JSON as Go's `encoding/json` writes it (see [`fabric_contract_api::json`]).
fn go_json<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    fabric_contract_api::json::to_vec_go(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_matches_go() {
        assert_eq!(add(0, 5).unwrap(), 5);
        assert_eq!(
            add(i64::MAX, 1).unwrap_err().message(),
            "Math: addition overflow occurred 9223372036854775807 + 1"
        );
        assert_eq!(sub(10, 4).unwrap(), 6);
        assert_eq!(sub(10, 10).unwrap(), 0);
        assert_eq!(
            sub(3, 4).unwrap_err().message(),
            "Error: the number 3 is not enough to be subtracted by 4"
        );
        assert_eq!(
            sub(3, 0).unwrap_err().message(),
            "Error: the subtraction number is 0, it should be greater than 0"
        );
    }

    #[test]
    fn atoi_matches_go_with_the_error_ignored() {
        assert_eq!(atoi(b"42"), 42);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"x1"), 0);
        assert_eq!(atoi(b"99999999999999999999"), i64::MAX);
        assert_eq!(atoi(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn event_json_is_gos() {
        let json = go_json(&Event {
            from: "a&b",
            to: "<c>",
            value: -1,
        })
        .unwrap();
        assert_eq!(
            json,
            br#"{"from":"a\u0026b","to":"\u003cc\u003e","value":-1}"#
        );
    }
}
