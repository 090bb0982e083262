//! Whole-stream open: `stream::open`, the streaming `Opener`, a `PushOpener` and
//! `open_range` of everything, on arbitrary sealed bytes.
//!
//! Input: `media key (32) || media id (16) || kind (1) || sealed`.
//! Invariants: all four agree (same plaintext or same error); released plaintext is a
//! prefix; errors are from SPEC.md 3.5/3.6; a stream that opens is the unique sealing of
//! its plaintext under its header (re-sealing with the header's salt gives the input).
#![no_main]

use keepsake::hazmat;
use keepsake::stream::{Header, SealOptions};
use keepsake_fuzz::{Fields, STREAM_ERRORS, all_openers_agree, stream_context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let (key, id, kind) = stream_context(&mut fields);
    let sealed = fields.rest();
    let (outcome, _) = all_openers_agree(&key, &id, kind, sealed, &[4096]);
    match outcome {
        Ok(pt) => {
            let header = Header::parse(sealed).expect("it opened");
            assert_eq!((header.media_id(), header.kind()), (id, kind));
            let options = SealOptions::new()
                .with_chunk_size_log2(header.chunk_size_log2())
                .expect("valid");
            let again = hazmat::seal_with_salt(
                &key,
                &id,
                kind,
                &pt,
                &options.with_parallel(false),
                *header.salt(),
            );
            assert!(
                again == sealed,
                "a second encoding of the same plaintext opened"
            );
        }
        Err(err) => assert!(
            STREAM_ERRORS.iter().any(|name| err.starts_with(name)),
            "unexpected error {err}"
        ),
    }
});
