use fabric_contract_api::{Context, contract};

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, ctx: Context, _id: String) {
        let _ = ctx;
    }
}

fn main() {}
