//! Round trip of the media stream: arbitrary plaintext, chunk size and write splits ->
//! streaming seal -> every opener; and one arbitrary bit flip -> every opener fails.
//!
//! Invariants: the streaming `Sealer` writes exactly the one-shot sealing; `open`, the
//! `Opener`, the `PushOpener` (with arbitrary splits) and `open_range` of everything give
//! the plaintext; an arbitrary range gives its slice; after a flip, all of them agree on
//! one error and release only a prefix of the plaintext.
#![no_main]

use std::io::{Cursor, Write};

use arbitrary::Arbitrary;
use keepsake::stream::{self, SealOptions};
use keepsake::{MediaId, MediaKey, hazmat};
use keepsake_fuzz::{all_openers_agree, kind};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    key: [u8; 32],
    id: [u8; 16],
    kind: u8,
    chunk_log2: u8,
    salt: [u8; 32],
    parallel: bool,
    splits: Vec<u16>,
    range: (u16, u16),
    flip: (u32, u8),
    plaintext: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let (key, id, kind) = (
        MediaKey::from_bytes(input.key),
        MediaId::from_bytes(input.id),
        kind(input.kind),
    );
    let log2 = 8 + input.chunk_log2 % 3;
    let options = SealOptions::new()
        .with_chunk_size_log2(log2)
        .expect("in range")
        .with_parallel(input.parallel);
    let pt = &input.plaintext;
    let one_shot = hazmat::seal_with_salt(&key, &id, kind, pt, &options, input.salt);
    assert_eq!(
        one_shot.len() as u64,
        stream::sealed_len(pt.len() as u64, log2).expect("small")
    );

    let mut sealer = hazmat::sealer_with_salt(&key, &id, kind, Vec::new(), &options, input.salt)
        .expect("sealer");
    let mut rest = &pt[..];
    let mut sizes = input
        .splits
        .iter()
        .map(|&n| usize::from(n))
        .chain(std::iter::once(usize::MAX))
        .cycle();
    while !rest.is_empty() {
        let n = sizes.next().unwrap_or(usize::MAX).clamp(1, rest.len());
        sealer.write_all(&rest[..n]).expect("writes to a Vec");
        rest = &rest[n..];
    }
    let streamed = sealer.finish().expect("finishes");
    assert!(streamed == one_shot, "streaming seal differs from one-shot");

    let splits: Vec<usize> = input.splits.iter().map(|&n| usize::from(n)).collect();
    let (outcome, _) = all_openers_agree(&key, &id, kind, &streamed, &splits);
    assert!(
        outcome.as_ref().is_ok_and(|opened| opened == pt),
        "round trip failed"
    );

    let offset = u64::from(input.range.0) % (pt.len() as u64 + 1);
    let part = stream::open_range(
        &key,
        &id,
        kind,
        &mut Cursor::new(&streamed),
        offset,
        u64::from(input.range.1),
    )
    .expect("range");
    let end = (offset + u64::from(input.range.1)).min(pt.len() as u64);
    assert!(part == pt[offset as usize..end as usize]);

    let mut flipped = streamed.clone();
    let at = input.flip.0 as usize % flipped.len();
    flipped[at] ^= input.flip.1.max(1);
    let (outcome, released) = all_openers_agree(&key, &id, kind, &flipped, &splits);
    assert!(outcome.is_err(), "a flipped byte at {at} went unnoticed");
    assert!(
        pt.starts_with(&released),
        "released bytes that are not the plaintext"
    );
});
