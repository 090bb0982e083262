//! `Header::parse` and `RangePlan::new` on arbitrary bytes.
//!
//! Input: `sealed_len (8) || offset (8) || len (8) || header bytes`.
//! Invariants: a parsed header re-serializes to exactly the bytes it came from; errors
//! follow SPEC.md 3.5 step 1 (order and fields); a range plan stays inside the object and
//! covers the range it was asked for.
#![no_main]

use keepsake::Error;
use keepsake::stream::{HEADER_LEN, Header, MAGIC, RangePlan};
use keepsake_fuzz::{Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let (sealed_len, offset, len) = (fields.u64(), fields.u64(), fields.u64());
    let bytes = fields.rest();
    let header = match Header::parse(bytes) {
        Ok(header) => header,
        Err(err) => {
            assert_allowed(
                &err,
                &[
                    "TruncatedHeader",
                    "BadMagic",
                    "UnsupportedVersion",
                    "UnsupportedSuite",
                    "ChunkSizeOutOfRange",
                    "UnknownKind",
                ],
            );
            match err {
                Error::TruncatedHeader { needed, got } => {
                    assert_eq!((needed, got), (HEADER_LEN, bytes.len()));
                    assert!(bytes.len() < 4 || bytes[..4] == MAGIC);
                }
                Error::BadMagic => assert!(bytes.len() >= 4 && bytes[..4] != MAGIC),
                Error::UnsupportedVersion(v) => assert_eq!(v, bytes[4]),
                Error::UnsupportedSuite(s) => assert_eq!(s, bytes[5]),
                Error::ChunkSizeOutOfRange(c) => assert!(c == bytes[6] && !(8..=22).contains(&c)),
                Error::UnknownKind(k) => assert!(k == bytes[7] && k > 3),
                _ => unreachable!(),
            }
            return;
        }
    };
    assert!(bytes.len() >= HEADER_LEN);
    assert_eq!(header.to_bytes(), bytes[..HEADER_LEN]);
    assert_eq!(Header::parse(&header.to_bytes()).ok(), Some(header.clone()));

    match RangePlan::new(&header, sealed_len, offset, len) {
        Ok(plan) => {
            let chunk = header.chunk_size() as u64;
            assert!(plan.end <= plan.plaintext_len && offset <= plan.end);
            assert_eq!(plan.end, offset.saturating_add(len).min(plan.plaintext_len));
            let end = plan
                .sealed_offset
                .checked_add(plan.sealed_len)
                .expect("no overflow");
            assert!(plan.sealed_offset >= HEADER_LEN as u64 && end <= sealed_len);
            assert_eq!(plan.plaintext_start, plan.first_chunk * chunk);
            if plan.chunk_count > 0 {
                // The chunks cover [offset, end).
                assert!(plan.plaintext_start <= offset);
                let covered = plan.plaintext_start + plan.chunk_count * chunk;
                assert!(covered >= plan.end);
                // A range reaching the end opens the final chunk.
                assert_eq!(plan.reaches_end, end == sealed_len);
                if plan.end == plan.plaintext_len {
                    assert!(plan.reaches_end);
                }
            } else {
                assert!(
                    offset == plan.end && plan.end < plan.plaintext_len && plan.sealed_len == 0
                );
            }
        }
        Err(err) => assert_allowed(
            &err,
            &["TruncatedHeader", "TruncatedStream", "RangeOutOfBounds"],
        ),
    }
});
