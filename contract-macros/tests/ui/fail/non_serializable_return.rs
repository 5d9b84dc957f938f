use fabric_contract_api::{Context, ContractError, contract};

struct Assets;

pub struct Asset {
    pub id: String,
}

#[contract]
impl Assets {
    #[transaction(evaluate)]
    fn read(&self, _ctx: &Context, _id: String) -> Result<Asset, ContractError> {
        Ok(Asset { id: _id })
    }
}

fn main() {}
