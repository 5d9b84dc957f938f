//! Creator and certificate parsing: any bytes give an identity or an error.
#![no_main]

use fabric_contract_api::identity::ClientIdentity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&[u8], &str, &[u8])| {
    let (creator, msp, id_bytes) = input;
    for identity in [ClientIdentity::from_creator(creator), ClientIdentity::from_parts(msp, id_bytes)] {
        if let Ok(identity) = identity {
            let _ = identity.id();
            let _ = identity.attribute_value("hf.EnrollmentID");
            let _ = identity.assert_attribute_value("role", "admin");
            let _ = identity.has_ou_value("client");
            let _ = identity.x509_certificate();
        }
    }
});
