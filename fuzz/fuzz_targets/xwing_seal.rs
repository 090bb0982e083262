//! Encapsulating to whatever parses as an X-Wing public key (SPEC.md 5.1), and opening the
//! result: the round trip behind `xwing_public_key`'s parser.
//!
//! Input: the key bytes (the seeds are `xwing_public_key`'s).
//! Invariants: the parser's (as `xwing_public_key`, which checks them at full speed); a key
//! that parses can be encapsulated to without error (1120-byte enc, deterministic in the
//! randomness); the result opens under the fixture's X-Wing secret key exactly when the
//! key is that secret's public key (else `DecryptionFailed`: ML-KEM's implicit rejection).
//! Each parsed key costs an ML-KEM key expansion, two encapsulations and a decapsulation,
//! so this target runs at about a thousandth of the parser's speed.
#![no_main]

use keepsake::Error;
use keepsake::hazmat;
use keepsake::hpke::xwing::{self, ENC_LEN};
use keepsake_fuzz::fixture::Fixture;
use keepsake_fuzz::parse_xwing_checked;
use libfuzzer_sys::fuzz_target;

const INFO: &[u8] = b"keepsake fuzz xwing_seal";

fuzz_target!(
    init: {
        Fixture::get();
    },
    |data: &[u8]| {
        let Some(key) = parse_xwing_checked(data) else {
            return;
        };
        let f = Fixture::get();
        let randomness = [0x5a; 64];
        let (enc, ct) = hazmat::xwing_seal_base_with_randomness(&key, &randomness, INFO, b"", b"k")
            .expect("a parsed key encapsulates");
        assert_eq!(enc.len(), ENC_LEN);
        assert_eq!(ct.len(), 1 + 16);
        let again = hazmat::xwing_seal_base_with_randomness(&key, &randomness, INFO, b"", b"k")
            .expect("twice");
        assert!(again == (enc.clone(), ct.clone()), "not deterministic");
        let opened = xwing::open_base(&f.xwing, &enc[..], INFO, b"", &ct);
        if key == f.xwing.public_key() {
            assert_eq!(opened.expect("opens with its secret"), b"k");
        } else {
            assert!(
                matches!(opened, Err(Error::DecryptionFailed)),
                "a seal to another key: {opened:?}"
            );
        }
    }
);
