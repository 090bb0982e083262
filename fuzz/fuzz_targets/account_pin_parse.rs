//! Parsing a device's stored account pin (`AccountPin::from_slice`, SPEC.md 5.9) on
//! arbitrary bytes, and checking it against a keyring.
//!
//! Input: the pin bytes.
//! Invariants: a pin parses exactly when it is `ACCOUNT_PIN_LEN` (40) bytes, into
//! `identity = bytes[..32]` (the identity's 32-byte digest) and `generation = be64(bytes[32..])`, and re-serializes byte for
//! byte; otherwise `InvalidLength { expected: 40, got: len }`. Against the fixture's keyring
//! (generation 2), `check_pin` accepts exactly the account's identity at generation <= 2,
//! gives `IdentityMismatch` for another identity and `Rollback { seen, offered: 2 }` above.
#![no_main]

use keepsake::Error;
use keepsake::account::{ACCOUNT_PIN_LEN, AccountPin};
use keepsake_fuzz::fixture::{Fixture, GENERATION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        Fixture::get();
    },
    |data: &[u8]| {
        match AccountPin::from_slice(data) {
            Ok(pin) => {
                assert_eq!(data.len(), ACCOUNT_PIN_LEN);
                assert_eq!(pin.to_bytes()[..], data[..]);
                assert_eq!(pin.identity[..], data[..32]);
                assert_eq!(pin.generation.to_be_bytes()[..], data[32..]);
                assert_eq!(AccountPin::from_slice(&pin.to_bytes()).expect("reparses"), pin);
                let f = Fixture::get();
                match f.keyring.check_pin(&pin) {
                    Ok(()) => {
                        assert_eq!(pin.identity, f.identity_digest);
                        assert!(pin.generation <= GENERATION);
                    }
                    Err(Error::IdentityMismatch) => assert_ne!(pin.identity, f.identity_digest),
                    Err(Error::Rollback { seen, offered }) => {
                        assert_eq!(pin.identity, f.identity_digest);
                        assert_eq!((seen, offered), (pin.generation, GENERATION));
                        assert!(seen > offered);
                    }
                    Err(other) => panic!("unexpected error {other:?}"),
                }
            }
            Err(Error::InvalidLength { expected, got, .. }) => {
                assert_ne!(data.len(), ACCOUNT_PIN_LEN);
                assert_eq!((expected, got), (ACCOUNT_PIN_LEN, data.len()));
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
);
