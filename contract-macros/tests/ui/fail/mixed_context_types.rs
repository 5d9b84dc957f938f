use fabric_contract_api::{Context, TransactionContext, contract};

struct Audited(Context);

impl TransactionContext for Audited {
    fn from_context(base: Context) -> Self {
        Audited(base)
    }
    fn context(&self) -> &Context {
        &self.0
    }
}

struct Assets;

#[contract]
impl Assets {
    #[transaction]
    fn create(&self, _ctx: &Audited) {}

    #[transaction]
    fn delete(&self, _ctx: &Context) {}
}

fn main() {}
