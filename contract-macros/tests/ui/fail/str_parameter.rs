use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context, _id: &str) {}
}

fn main() {}
