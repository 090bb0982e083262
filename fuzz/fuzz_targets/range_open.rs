//! Range reads on arbitrary sealed bytes, checked against the whole-stream open.
//!
//! Input: `media key (32) || media id (16) || kind (1) || offset (8) || len (8) || sealed`.
//! Invariants: when the whole object opens, a range gives exactly its slice (or
//! `RangeOutOfBounds` past the end); when it does not, a range that opens agrees with the
//! authentic prefix where they overlap and with its own two halves; errors are the stream
//! errors.
#![no_main]

use std::io::Cursor;

use keepsake::{Error, stream};
use keepsake_fuzz::{Fields, STREAM_ERRORS, assert_allowed, open_streaming, stream_context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let (key, id, kind) = stream_context(&mut fields);
    // Small offsets and lengths most of the time, so that ranges land inside the object.
    let (offset, len) = (fields.u64() % (1 << 14), fields.u64());
    let len = if len >> 63 == 1 { len } else { len % (1 << 14) };
    let sealed = fields.rest();
    let range = stream::open_range(&key, &id, kind, &mut Cursor::new(sealed), offset, len);
    let whole = stream::open(&key, &id, kind, sealed);
    match (&whole, &range) {
        (Ok(pt), Ok(part)) => {
            let start = usize::try_from(offset).expect("small");
            let end = offset.saturating_add(len).min(pt.len() as u64) as usize;
            assert!(part == &pt[start..end], "range differs from the slice");
        }
        (Ok(pt), Err(err)) => assert!(
            matches!(err, Error::RangeOutOfBounds { offset: o, plaintext_len } if *o == offset && *plaintext_len == pt.len() as u64),
            "{err:?}"
        ),
        (Err(_), Ok(part)) => {
            // Chunks that authenticate still open when another chunk is bad. What they give
            // equals the authentic prefix where the two overlap, and splitting the range
            // gives the same bytes.
            let (released, _) = open_streaming(&key, &id, kind, sealed);
            let start = offset as usize;
            if start + part.len() <= released.len() {
                assert!(part == &released[start..start + part.len()]);
            }
            let a = part.len() / 2;
            let mut source = Cursor::new(sealed);
            let first = stream::open_range(&key, &id, kind, &mut source, offset, a as u64);
            let second = stream::open_range(
                &key,
                &id,
                kind,
                &mut source,
                offset + a as u64,
                len - a as u64,
            );
            let (first, second) = (
                first.expect("a sub-range opens"),
                second.expect("a sub-range opens"),
            );
            assert!([first, second].concat() == *part, "split range differs");
        }
        (Err(_), Err(err)) => {
            let mut allowed = STREAM_ERRORS.to_vec();
            allowed.push("RangeOutOfBounds");
            assert_allowed(err, &allowed);
        }
    }
});
