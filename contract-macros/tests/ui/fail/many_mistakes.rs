// Every mistake is reported at once, and the impl is still emitted: the
// direct call in `main` does not add an error of its own.
use fabric_contract_api::{Context, ContractChaincode, contract};

struct Assets;

#[contract(name = "assets", colour = "blue")]
impl Assets {
    #[transaction(evaluate, submit)]
    fn read(&self, _ctx: &Context, _id: &[u8]) {}

    #[transaction]
    fn write(&self, _ctx: &mut Context, _: String) {}

    #[transaction]
    fn generic<T: Into<String>>(&self, _ctx: &Context, _value: T) {}

    #[after_transaction]
    fn after(&self, _ctx: &Context, _payload: Vec<u8>) {}

    pub fn helper(&self) -> u8 {
        1
    }
}

fn main() {
    let _ = Assets.helper();
    let _ = ContractChaincode::new().add(Assets);
}
