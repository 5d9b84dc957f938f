use fabric_contract_api::{Context, contract};

struct Assets;

#[derive(Debug)]
pub struct Oops;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context) -> Result<(), Oops> {
        Err(Oops)
    }
}

fn main() {}
