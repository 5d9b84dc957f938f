//! The generated code names everything by absolute path: nothing needs to be
//! imported, and local items with the names it uses do not disturb it.
#![allow(dead_code, non_camel_case_types)]

mod shadowing {
    pub struct Bytes;
    pub struct Context;
    pub struct Codec;
    pub struct String;
    pub struct Vec;
    pub struct Box;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Info;
    pub enum Result {
        Ok,
        Err,
    }
    pub fn check_arity() {}
    pub mod fabric_contract_api {}
    pub mod core {}
    pub mod std {}

    pub struct Plain;

    #[::fabric_contract_api::contract]
    impl Plain {
        #[transaction]
        fn echo(
            &self,
            _ctx: &::fabric_contract_api::Context,
            text: ::std::string::String,
        ) -> ::core::result::Result<::std::string::String, ::fabric_contract_api::ContractError>
        {
            ::core::result::Result::Ok(text)
        }
    }
}

fn main() {
    let _ = ::fabric_contract_api::ContractChaincode::new().add(shadowing::Plain);
}
