//! Unlock with a device key (SPEC.md 5.4, 5.8) on an arbitrary bundle.
//!
//! Input: `device secret (32) || pinned identity (32) || bundle`.
//! Invariants: a keyring that unlocks derives both the pinned identity and the bundle's
//! (no planted root gets through); errors are 5.8's.
#![no_main]

use keepsake::account::{AccountBundle, DeviceKey, unlock_with_device};
use keepsake::hpke::HpkePublicKey;
use keepsake_fuzz::{BUNDLE_ERRORS, Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let device = DeviceKey::from_bytes(fields.array());
    let pin = HpkePublicKey::from_bytes(fields.array());
    let bundle = match AccountBundle::parse(fields.rest()) {
        Ok(bundle) => bundle,
        Err(err) => return assert_allowed(&err, BUNDLE_ERRORS),
    };
    match unlock_with_device(&bundle, &device, &pin) {
        Ok(keyring) => {
            assert_eq!(keyring.identity_public_key(), pin);
            assert_eq!(keyring.identity_public_key(), bundle.identity());
            assert!(bundle.devices().contains(&device.public_key()));
        }
        Err(err) => assert_allowed(
            &err,
            &[
                "DeviceNotEnrolled",
                "InvalidPublicKey",
                "DecryptionFailed",
                "IdentityMismatch",
                "BundleTampered",
            ],
        ),
    }
});
