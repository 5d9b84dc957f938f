use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context) {}

    #[before_transaction]
    fn check_caller(&self, _ctx: &Context) {}

    #[before_transaction]
    fn log_call(&self, _ctx: &Context) {}
}

fn main() {}
