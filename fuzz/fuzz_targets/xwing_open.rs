//! X-Wing HPKE Base open (`xwing::open_base`, SPEC.md 5.1) with a fixed secret key on a
//! fuzzed encapsulation and ciphertext.
//!
//! The fixture holds a fixed X-Wing secret key and four genuine seals to it (plaintexts of
//! 0, 1, 32 and 100 bytes, `info` = `XWING_INFO`, empty aad). Input: `n (2, big-endian) ||
//! enc (n bytes) || ct`.
//! Invariants: never a panic; `InvalidLength { expected: 1120, got: n }` exactly when the
//! enc is not 1120 bytes; `InvalidPublicKey` exactly when its X25519 half (the last 32
//! bytes) is of low order (recomputed independently); otherwise `DecryptionFailed`, or a
//! plaintext only for a genuine seal byte for byte (a changed ML-KEM ciphertext gives
//! another shared secret by implicit rejection, a changed X25519 half another combiner
//! input), giving its plaintext. No other error.
#![no_main]

use keepsake::Error;
use keepsake::hpke::xwing::{self, ENC_LEN};
use keepsake_fuzz::fixture::{Fixture, XWING_INFO};
use keepsake_fuzz::{Fields, x25519_low_order};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        Fixture::get();
    },
    |data: &[u8]| {
        let f = Fixture::get();
        let mut fields = Fields(data);
        let n = usize::from(fields.u16()) % 4096;
        let enc = fields.take(n);
        let ct = fields.rest();
        let result = xwing::open_base(&f.xwing, enc, XWING_INFO, b"", ct);
        match result {
            Ok(plaintext) => {
                let genuine = f
                    .xwing_seals
                    .iter()
                    .find(|(e, c, _)| e[..] == enc[..] && c[..] == ct[..]);
                let (_, _, want) = genuine.expect("only a genuine seal opens");
                assert_eq!(&plaintext, want);
            }
            Err(Error::InvalidLength { expected, got, .. }) => {
                assert_ne!(enc.len(), ENC_LEN);
                assert_eq!((expected, got), (ENC_LEN, enc.len()));
            }
            Err(Error::InvalidPublicKey) => {
                assert_eq!(enc.len(), ENC_LEN);
                assert!(x25519_low_order(&enc[ENC_LEN - 32..]));
            }
            Err(Error::DecryptionFailed) => {
                assert_eq!(enc.len(), ENC_LEN);
                assert!(!x25519_low_order(&enc[ENC_LEN - 32..]));
                assert!(
                    !f.xwing_seals
                        .iter()
                        .any(|(e, c, _)| e[..] == enc[..] && c[..] == ct[..]),
                    "a genuine seal failed to open"
                );
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
);
