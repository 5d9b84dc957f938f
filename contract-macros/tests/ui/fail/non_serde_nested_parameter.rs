use fabric_contract_api::{Context, contract};

struct Assets;

pub struct Owner {
    pub name: String,
}

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Context, _owners: std::vec::Vec<Owner>) {}
}

fn main() {}
