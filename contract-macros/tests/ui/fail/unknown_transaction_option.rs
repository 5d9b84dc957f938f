use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction(query)]
    fn read(&self, _ctx: &Context) {}
}

fn main() {}
