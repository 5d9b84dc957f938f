//! Composite keys: splitting any string never panics, and creating then
//! splitting gives the components back.
#![no_main]

use fabric_chaincode_shim::{create_composite_key, split_composite_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, Vec<String>, String)| {
    let (object_type, attributes, raw) = input;
    let _ = split_composite_key(&raw);
    match create_composite_key(&object_type, &attributes) {
        Ok(key) => {
            let (t, a) = split_composite_key(&key).expect("a created key splits");
            assert_eq!(t, object_type);
            assert_eq!(a, attributes);
        }
        Err(_) => {
            let forbidden = |s: &str| s.contains('\u{0}') || s.contains('\u{10FFFF}');
            assert!(forbidden(&object_type) || attributes.iter().any(|a| forbidden(a)));
        }
    }
});
