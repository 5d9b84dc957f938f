use fabric_contract_api::{Context, contract};

struct Assets;

#[contract(nmae = "assets")]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context) {}
}

fn main() {}
