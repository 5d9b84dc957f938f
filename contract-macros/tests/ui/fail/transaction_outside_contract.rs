use fabric_contract_api::{Context, transaction};

struct Assets;

impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context) {}
}

fn main() {}
