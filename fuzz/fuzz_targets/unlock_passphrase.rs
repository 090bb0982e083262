//! Unlock with a passphrase (SPEC.md 5.2, 5.8) on an arbitrary bundle.
//!
//! Input: `passphrase length (1) || passphrase (UTF-8, lossy) || bundle`.
//! Every bundle that parses runs Argon2id at its parameters (at least the floor, 19 MiB ×
//! 2 passes), so this target runs at tens of executions per second: see README.md.
//! Seeds: the fixture account's bundles (`keepsake_fuzz::fixture`) at generations 0 and 2.
//! Invariants: a keyring that unlocks derives the bundle's identity and is at the bundle's
//! generation (holding a root for each); errors are 5.8's.
#![no_main]

use keepsake::account::{AccountBundle, unlock_with_passphrase};
use keepsake_fuzz::{BUNDLE_ERRORS, Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let n = usize::from(fields.byte());
    let passphrase = String::from_utf8_lossy(fields.take(n)).into_owned();
    let bundle = match AccountBundle::parse(fields.rest()) {
        Ok(bundle) => bundle,
        Err(err) => return assert_allowed(&err, BUNDLE_ERRORS),
    };
    match unlock_with_passphrase(&bundle, &passphrase) {
        Ok(keyring) => {
            assert_eq!(keyring.identity_public_key(), bundle.identity());
            assert_eq!(keyring.generation(), bundle.generation());
            assert_eq!(keyring.pin().generation, bundle.generation());
        }
        Err(err) => assert_allowed(
            &err,
            &[
                "WrongPassphrase",
                "IdentityMismatch",
                "BundleTampered",
                "UnsupportedVersion",
                "InvalidPublicKey",
                "OutOfMemory",
            ],
        ),
    }
});
