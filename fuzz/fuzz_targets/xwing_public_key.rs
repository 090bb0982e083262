//! Parsing an X-Wing public key (`XWingPublicKey::from_slice`, SPEC.md 5.1) on arbitrary
//! bytes.
//!
//! Input: the key bytes.
//! Invariants: a key parses exactly when it is 1216 bytes whose ML-KEM-768 half passes
//! FIPS 203's modulus check and whose X25519 half is not of low order (both recomputed here
//! independently of the core: `keepsake_fuzz::xwing_key_valid`); otherwise
//! `InvalidLength { expected: 1216, got: len }` for another length, else
//! `InvalidPublicKey`. A key that parses keeps its bytes and parses back to itself. What is done with a parsed key (encapsulating to it) is `xwing_seal`'s.
#![no_main]

use keepsake::Error;
use keepsake::hpke::xwing::{PUBLIC_KEY_LEN, XWingPublicKey};
use keepsake_fuzz::xwing_key_valid;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let valid = xwing_key_valid(data);
    match XWingPublicKey::from_slice(data) {
        Ok(key) => {
            assert!(valid, "a key failing the modulus or low-order check parsed");
            assert_eq!(key.as_bytes()[..], data[..]);
            let again = XWingPublicKey::from_slice(key.as_bytes()).expect("reparses");
            assert!(again == key);
        }
        Err(Error::InvalidLength { expected, got, .. }) => {
            assert_ne!(data.len(), PUBLIC_KEY_LEN);
            assert_eq!((expected, got), (PUBLIC_KEY_LEN, data.len()));
        }
        Err(Error::InvalidPublicKey) => {
            assert_eq!(data.len(), PUBLIC_KEY_LEN);
            assert!(!valid, "a valid key refused");
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
