use fabric_contract_api::{Context, contract};

struct Assets;

pub struct Owner {
    pub name: String,
}

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context, _id: String, _owner: Owner) {}
}

fn main() {}
