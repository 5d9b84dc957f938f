use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create_asset(&self, _ctx: &Context) {}

    #[transaction(name = "CreateAsset")]
    fn create_asset_v2(&self, _ctx: &Context) {}
}

fn main() {}
