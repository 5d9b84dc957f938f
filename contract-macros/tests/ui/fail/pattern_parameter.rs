use fabric_contract_api::{Context, contract};

struct Geometry;

#[contract]
impl Geometry {
    #[transaction(evaluate)]
    fn area(&self, _ctx: &Context, (w, h): (u32, u32)) -> u32 {
        w * h
    }
}

fn main() {}
