//! The transfer chaincode on the shim's [`Chaincode`] trait: `Transfer from to`
//! moves one unit from key `from` to key `to` (2 GetState + 2 PutState), and
//! its variants use a write batch and/or one GET_STATE_MULTIPLE instead.

use bytes::Bytes;
use fabric_chaincode_shim::{Chaincode, ChaincodeStub, Response, error, success};

/// The functions of [`TransferChaincode`] and of the `cc-contract` binary.
pub const FUNCTIONS: [&str; 4] = [
    "Transfer",
    "TransferBatch",
    "TransferMulti",
    "TransferMultiBatch",
];

/// The chaincode of the `cc-shim` binary.
#[derive(Debug, Default, Clone, Copy)]
pub struct TransferChaincode;

impl Chaincode for TransferChaincode {
    async fn invoke(&self, stub: &ChaincodeStub) -> Response {
        let (function, params) = stub.function_and_parameters();
        let [from, to] = params.as_slice() else {
            return error("expected 2 arguments: from, to");
        };
        let result = match function.as_str() {
            "Transfer" => transfer(stub, from, to).await,
            "TransferBatch" => {
                stub.start_write_batch();
                transfer(stub, from, to).await
            }
            "TransferMulti" => transfer_multi(stub, from, to).await,
            "TransferMultiBatch" => {
                stub.start_write_batch();
                transfer_multi(stub, from, to).await
            }
            other => Err(format!("unknown function {other}")),
        };
        match result {
            Ok(()) => success(Bytes::new()),
            Err(e) => error(e),
        }
    }
}

/// Two GetState, then two PutState.
pub async fn transfer(stub: &ChaincodeStub, from: &str, to: &str) -> Result<(), String> {
    let a = stub.get_state(from).await.map_err(|e| e.to_string())?;
    let b = stub.get_state(to).await.map_err(|e| e.to_string())?;
    apply(stub, from, to, a.as_deref(), b.as_deref()).await
}

/// One GET_STATE_MULTIPLE (when the peer offers it), then two PutState.
pub async fn transfer_multi(stub: &ChaincodeStub, from: &str, to: &str) -> Result<(), String> {
    let values = stub
        .get_multiple_states(&[from, to])
        .await
        .map_err(|e| e.to_string())?;
    apply(stub, from, to, values[0].as_deref(), values[1].as_deref()).await
}

async fn apply(
    stub: &ChaincodeStub,
    from: &str,
    to: &str,
    a: Option<&[u8]>,
    b: Option<&[u8]>,
) -> Result<(), String> {
    let (a, b) = debit_credit(a, b)?;
    stub.put_state(from, a.to_string())
        .await
        .map_err(|e| e.to_string())?;
    stub.put_state(to, b.to_string())
        .await
        .map_err(|e| e.to_string())
}

/// The new balances of `from` and `to` (absent = 0), or why not.
pub fn debit_credit(from: Option<&[u8]>, to: Option<&[u8]>) -> Result<(u64, u64), String> {
    let a = amount(from)?;
    let b = amount(to)?;
    if a == 0 {
        return Err("insufficient funds".into());
    }
    Ok((a - 1, b + 1))
}

/// A stored balance: decimal text; absent is 0.
pub fn amount(value: Option<&[u8]>) -> Result<u64, String> {
    match value {
        None => Ok(0),
        Some(v) => std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not an amount: {:?}", String::from_utf8_lossy(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances() {
        assert_eq!(debit_credit(Some(b"100"), None), Ok((99, 1)));
        assert_eq!(debit_credit(Some(b"5"), Some(b"7")), Ok((4, 8)));
        assert!(debit_credit(None, None).is_err());
        assert!(debit_credit(Some(b"x"), None).is_err());
    }
}
