use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn consume(self, _ctx: &Context) {}
}

fn main() {}
