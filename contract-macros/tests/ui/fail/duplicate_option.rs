use fabric_contract_api::{Context, contract};

struct Assets;

#[contract(default, name = "a", name = "b")]
impl Assets {
    #[transaction(evaluate, evaluate)]
    fn read(&self, _ctx: &Context) {}
}

fn main() {}
