use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(_ctx: &Context, _id: String) {}
}

fn main() {}
