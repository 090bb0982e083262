//! The push opener fed in arbitrary pieces, against the one-shot open.
//!
//! Input: `media key (32) || media id (16) || kind (1) || n (1) || n piece sizes (2 each)
//! || sealed`.
//! Invariants: the same plaintext or the same error as `stream::open` whatever the split;
//! what it releases before an error is a prefix of the authentic prefix; every call after
//! an error repeats it; nothing is accepted after `finish`.
#![no_main]

use keepsake_fuzz::{Fields, all_openers_agree, open_pushed, stream_context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let (key, id, kind) = stream_context(&mut fields);
    let n = usize::from(fields.byte() % 16);
    let splits: Vec<usize> = (0..n).map(|_| usize::from(fields.u16())).collect();
    let sealed = fields.rest();
    let (outcome, authentic) = all_openers_agree(&key, &id, kind, sealed, &splits);
    for step in [1usize, 88, 272, 273] {
        let (released, pushed) = open_pushed(&key, &id, kind, sealed, &[step]);
        assert_eq!(pushed, outcome, "split {step}");
        assert!(
            authentic.starts_with(&released),
            "split {step}: released non-authentic bytes"
        );
    }
});
