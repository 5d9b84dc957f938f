use fabric_contract_api::contract;

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _id: String) {}
}

fn main() {}
