//! The typed client: the transactions' own types, `.await` by kind, overrides.
use fabric_contract_api::{Context, ContractError, contract};
use serde::{Deserialize, Serialize};

/// An asset.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
pub struct Asset {
    /// Its id.
    pub id: String,
}

/// Assets.
#[derive(Default)]
pub struct Assets;

#[contract(name = "assets")]
impl Assets {
    /// Creates an asset.
    #[transaction]
    fn create(&self, _ctx: &Context, id: String, size: u32, note: Option<String>) -> Result<(), ContractError> {
        let _ = (id, size, note);
        Ok(())
    }

    #[transaction(evaluate)]
    fn read(&self, _ctx: &Context, id: String) -> Result<Asset, ContractError> {
        Ok(Asset { id })
    }

    #[transaction(evaluate)]
    fn find(&self, _ctx: &Context, id: String) -> Option<Asset> {
        Some(Asset { id })
    }

    #[transaction]
    fn raw(&self, _ctx: &Context, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

#[allow(dead_code)]
async fn app(client: AssetsClient) -> Result<(), fabric_contract_api::client::ClientError> {
    client.create("a1", 5u32, None).await?;
    client.create(String::from("a2"), 6u8, Some("n".to_string())).await?;
    let asset: Asset = client.read("a1").await?;
    let maybe: Option<Asset> = client.find(asset.id).evaluate().await?;
    let bytes: Vec<u8> = client.raw(vec![1u8, 2]).transient("k", "v").submit().await?;
    let _ = (maybe, bytes, client.contract());
    Ok(())
}

fn main() {
    assert_eq!(
        std::any::type_name::<AssetsClient>().rsplit("::").next(),
        Some("AssetsClient")
    );
}
