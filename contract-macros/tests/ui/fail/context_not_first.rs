use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _id: String, _ctx: &Context) {}
}

fn main() {}
