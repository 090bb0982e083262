//! Account bundle parsing (SPEC.md 5.5) on arbitrary bytes.
//!
//! Input: the bundle bytes.
//! Invariants: a bundle that parses is byte-identical to its canonical encoding and parses
//! back to itself; it holds at most `MAX_DEVICES` device slots, sorted, a generation below
//! `MAX_GENERATIONS` and exactly one history entry per earlier generation; more than
//! `MAX_BUNDLE_LEN` bytes is `TooLarge`; errors are 5.5's.
#![no_main]

use keepsake::Error;
use keepsake::account::AccountBundle;
use keepsake::bundle::{MAX_BUNDLE_LEN, MAX_DEVICES, MAX_GENERATIONS};
use keepsake_fuzz::{BUNDLE_ERRORS, assert_allowed};
use libfuzzer_sys::fuzz_target;

/// Occurrences of `needle` in `haystack` (every JSON string of a bundle is hex, so a key
/// name cannot appear inside a value).
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fuzz_target!(|data: &[u8]| {
    match AccountBundle::parse(data) {
        Ok(bundle) => {
            assert!(bundle.to_bytes() == data, "a non-canonical encoding parsed");
            assert_eq!(
                AccountBundle::parse(&bundle.to_bytes()).expect("reparses"),
                bundle
            );
            let devices = bundle.devices();
            assert!(devices.len() <= MAX_DEVICES);
            assert!(
                devices
                    .windows(2)
                    .all(|w| w[0].as_bytes() < w[1].as_bytes())
            );
            assert_eq!(count(data, b"{\"suite\":2,\"public_key\""), devices.len());
            let generation = bundle.generation();
            assert!(generation < MAX_GENERATIONS);
            // `"generation":` once in the body, once per history entry.
            assert_eq!(
                count(data, b"\"generation\":") as u64,
                1 + generation,
                "history is not one entry per earlier generation"
            );
        }
        Err(err) => {
            assert_allowed(&err, BUNDLE_ERRORS);
            assert_eq!(
                matches!(err, Error::TooLarge { .. }),
                data.len() > MAX_BUNDLE_LEN
            );
        }
    }
});
