use fabric_contract_api::{Context, contract};

struct Counter {
    count: u64,
}

#[contract]
impl Counter {
    #[transaction]
    fn increment(&mut self, _ctx: &Context) {
        self.count += 1;
    }
}

fn main() {}
