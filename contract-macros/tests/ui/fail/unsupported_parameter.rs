use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn read(&self, _ctx: &Context, _p: *const u8) {}
}

fn main() {}
