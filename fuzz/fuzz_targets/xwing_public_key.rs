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

use keepsake_fuzz::parse_xwing_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    parse_xwing_checked(data);
});
