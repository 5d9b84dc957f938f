use fabric_contract_api::{Context, ContractChaincode, contract};

#[derive(Default)]
struct Greeter;

#[contract]
impl Greeter {
    #[transaction(evaluate)]
    fn hello(&self, _ctx: &Context, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let metadata = ContractChaincode::new().add(Greeter).metadata().unwrap();
    let greeter = &metadata.contracts["Greeter"];
    assert!(greeter.default);
    assert_eq!(greeter.transactions[0].name, "Hello");
    // The impl is still an ordinary impl.
    let _ = Greeter::hello;
}
