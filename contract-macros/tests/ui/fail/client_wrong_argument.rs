//! A typed client checks its arguments at compile time.
use fabric_contract_api::{Context, ContractError, contract};

/// Assets.
pub struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context, _id: String, _size: u32) -> Result<(), ContractError> {
        Ok(())
    }
}

async fn app(client: AssetsClient) {
    // `size` is a `u32`: a string is a compile error, not a runtime one.
    let _ = client.create("asset1", "big").await;
}

fn main() {
    let _ = app;
}
