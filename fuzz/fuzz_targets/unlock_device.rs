//! Unlock with a device key (SPEC.md 5.4, 5.8, 5.9) on a mutated rotated bundle.
//!
//! A fixed account (`keepsake_fuzz::fixture`: generation 2, two history entries, four
//! devices, device 0 revoked at generation 1) is built once with fixed randomness.
//! Input: `device (1) || pin (1) || bundle`. Device byte mod 6: devices 0..5 of the
//! fixture, 5 never enrolled. Pin byte: bits 0-1 the pinned generation (0..3), bit 2 a
//! foreign identity.
//! Invariants: an unlock that succeeds was given one of the account's genuine bundles
//! byte for byte (a MAC under one of its roots covers nothing else), with the device
//! enrolled in it, and yields the account's identity, the bundle's generation and every
//! root of generations 0..=g; on a genuine bundle the outcome is exactly determined
//! (`DeviceNotEnrolled`, `IdentityMismatch` for a foreign pin, `Rollback { seen, offered }`
//! for a pin newer than the bundle, else success); `Rollback` names the pin's and the
//! bundle's generations; every other error is one of 5.8's, never a panic.
#![no_main]

use keepsake::Error;
use keepsake::account::{AccountBundle, AccountPin, unlock_with_device};
use keepsake::hazmat;
use keepsake_fuzz::fixture::{DEVICES, Fixture};
use keepsake_fuzz::{BUNDLE_ERRORS, Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        Fixture::get();
    },
    |data: &[u8]| {
        let f = Fixture::get();
        let mut fields = Fields(data);
        let device = f.device(usize::from(fields.byte()) % (DEVICES + 1));
        let pin_byte = fields.byte();
        let pin = AccountPin {
            identity: if pin_byte & 4 == 0 {
                f.identity_digest
            } else {
                f.foreign
            },
            generation: u64::from(pin_byte & 3),
        };
        let bytes = fields.rest();
        let bundle = match AccountBundle::parse(bytes) {
            Ok(bundle) => bundle,
            Err(err) => return assert_allowed(&err, BUNDLE_ERRORS),
        };
        let genuine = f.genuine.iter().any(|g| g == bytes);
        let enrolled = bundle.devices().contains(&device.public_key());
        let generation = bundle.generation();
        let result = unlock_with_device(&bundle, &device, &pin);
        if genuine {
            let expected = if !enrolled {
                "DeviceNotEnrolled"
            } else if pin.identity != f.identity_digest {
                "IdentityMismatch"
            } else if pin.generation > generation {
                "Rollback"
            } else {
                "ok"
            };
            let got = match &result {
                Ok(_) => "ok",
                Err(e) => keepsake_fuzz::name(e),
            };
            assert_eq!(got, expected, "genuine bundle, unexpected outcome {result:?}");
        }
        match result {
            Ok(keyring) => {
                assert!(genuine, "an altered or foreign bundle unlocked");
                assert!(enrolled);
                assert_eq!(keyring.identity_public_key(), f.identity);
                assert_eq!(keyring.identity_public_key(), bundle.identity());
                assert_eq!(keyring.generation(), generation);
                assert!(generation >= pin.generation);
                assert_eq!(keyring.pin(), f.pin(generation));
                for g in 0..=generation as usize {
                    assert_eq!(hazmat::root_bytes(&keyring, g), Some(f.roots[g]));
                }
                assert_eq!(hazmat::root_bytes(&keyring, generation as usize + 1), None);
            }
            Err(Error::Rollback { seen, offered }) => {
                assert!(genuine, "Rollback is reported only once the MAC verified");
                assert_eq!((seen, offered), (pin.generation, generation));
                assert!(offered < seen);
            }
            Err(Error::DeviceNotEnrolled) => assert!(!enrolled),
            Err(err) => assert_allowed(
                &err,
                &[
                    "InvalidPublicKey",
                    "DecryptionFailed",
                    "IdentityMismatch",
                    "BundleTampered",
                    "UnsupportedVersion",
                ],
            ),
        }
    }
);
