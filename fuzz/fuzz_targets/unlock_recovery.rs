//! Unlock with a recovery phrase (SPEC.md 5.3, 5.8) on an arbitrary bundle and phrase.
//!
//! Input: `phrase length (2) || phrase (UTF-8, lossy) || bundle`.
//! Seeds: the fixture account's bundles (`keepsake_fuzz::fixture`) at generations 0 and 2.
//! Invariants: the bundle is parsed first, then the phrase; a keyring that unlocks derives
//! the bundle's identity at the bundle's generation, and unlocking twice gives the same
//! one; errors are 5.8's.
#![no_main]

use keepsake::RecoveryPhrase;
use keepsake::account::{AccountBundle, unlock_with_recovery};
use keepsake_fuzz::{BUNDLE_ERRORS, Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let n = usize::from(fields.u16());
    let words = String::from_utf8_lossy(fields.take(n)).into_owned();
    let bundle = match AccountBundle::parse(fields.rest()) {
        Ok(bundle) => bundle,
        Err(err) => return assert_allowed(&err, BUNDLE_ERRORS),
    };
    let phrase = match RecoveryPhrase::parse(&words) {
        Ok(phrase) => phrase,
        Err(err) => return assert_allowed(&err, &["InvalidRecoveryPhrase"]),
    };
    match unlock_with_recovery(&bundle, &phrase) {
        Ok(keyring) => {
            assert_eq!(keyring.identity_public_key(), bundle.identity());
            assert_eq!(keyring.generation(), bundle.generation());
            let again = unlock_with_recovery(&bundle, &phrase).expect("unlocks twice");
            assert_eq!(again.identity_public_key(), bundle.identity());
        }
        Err(err) => assert_allowed(
            &err,
            &[
                "WrongRecoveryPhrase",
                "IdentityMismatch",
                "BundleTampered",
                "UnsupportedVersion",
                "InvalidPublicKey",
            ],
        ),
    }
});
