use fabric_contract_api::{Context, contract};

struct Assets<T>(T);

#[contract]
impl<T: Send + Sync + 'static> Assets<T> {
    #[transaction]
    fn create(&self, _ctx: &Context) {}
}

fn main() {}
