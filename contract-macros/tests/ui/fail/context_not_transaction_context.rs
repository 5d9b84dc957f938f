use fabric_contract_api::contract;

pub struct MyContext;

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &MyContext) {}
}

fn main() {}
