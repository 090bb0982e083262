//! Named behaviour tests of the sealed media stream (DESIGN.md, "Sealing media"): the
//! streaming `Sealer` against one-shot sealing, the `Opener`'s released-prefix and
//! error-replay rules, every structural attack (truncation, trailing data, reordering,
//! duplication) through `open`, `Opener` and `open_range`, header checks, and range reads.
//!
//! Most tests use 256-byte chunks (`chunk_log2 = 8`), so a multi-chunk object is small:
//! a chunk is 256 + 16 bytes sealed, after an 88-byte header.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Read, Write};

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit};
use keepsake::stream::{self, Header, OpenOptions, Opener, RangePlan, SealOptions};
use keepsake::{Error, MediaId, MediaKey, MediaKind, hazmat};

const ID: MediaId = MediaId::from_bytes([0x11; 16]);
const KIND: MediaKind = MediaKind::Original;
const SALT: [u8; 32] = [0x5a; 32];
const C: usize = 256;
const TAG: usize = 16;
const STRIDE: usize = C + TAG;
const H: usize = stream::HEADER_LEN;
/// Chunks per streaming batch with 256-byte chunks (on machines with at most 4096 threads).
const B: usize = stream::BATCH_BYTES / C;

fn key() -> MediaKey {
    MediaKey::from_bytes([0x42; 32])
}

fn small() -> SealOptions {
    SealOptions::new().with_chunk_size_log2(8).unwrap()
}

fn opts(log2: u8) -> SealOptions {
    SealOptions::new().with_chunk_size_log2(log2).unwrap()
}

/// A deterministic, non-repeating-per-chunk byte pattern.
fn pattern(n: usize) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(131) ^ (i >> 8).wrapping_mul(29) ^ (i >> 16)) as u8)
        .collect()
}

fn seal(pt: &[u8], options: &SealOptions) -> Vec<u8> {
    hazmat::seal_with_salt(&key(), &ID, KIND, pt, options, SALT)
}

/// Seals through the streaming `Sealer`, writing pieces of the sizes in `splits`, cycling.
fn seal_streaming(pt: &[u8], options: &SealOptions, splits: &[usize]) -> Vec<u8> {
    let mut sealer =
        hazmat::sealer_with_salt(&key(), &ID, KIND, Vec::new(), options, SALT).unwrap();
    let mut rest = pt;
    for &n in splits.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at(n.min(rest.len()));
        sealer.write_all(now).unwrap();
        rest = later;
    }
    sealer.finish().unwrap()
}

/// Reads an opener to its end or first error with a buffer of `buf_len` bytes.
fn drain<R: Read>(reader: &mut R, buf_len: usize) -> (Vec<u8>, Option<Error>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; buf_len];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Some(Error::from_io(e))),
        }
    }
}

fn opener(sealed: &[u8], parallel: bool) -> keepsake::Result<Opener<&[u8]>> {
    let options = OpenOptions::default().with_parallel(parallel);
    Opener::with_options(&key(), &ID, KIND, sealed, &options)
}

fn open_range(sealed: &[u8], offset: u64, len: u64) -> keepsake::Result<Vec<u8>> {
    stream::open_range(&key(), &ID, KIND, &mut Cursor::new(sealed), offset, len)
}

fn open(sealed: &[u8]) -> keepsake::Result<Vec<u8>> {
    stream::open(&key(), &ID, KIND, sealed)
}

/// Asserts that `sealed` fails with an error satisfying `is` through one-shot `open`
/// (parallel and not), `Opener` (parallel and not; the plaintext released before the error
/// is a whole-chunk prefix of `pt`, and later reads repeat the error) and `open_range` of
/// the whole object.
#[track_caller]
fn assert_fails(sealed: &[u8], pt: &[u8], what: &str, is: Check) {
    let err = open(sealed).unwrap_err();
    assert!(is(&err), "{what}: open gave {err:?}");
    let seq = OpenOptions::default().with_parallel(false);
    let err = stream::open_with(&key(), &ID, KIND, sealed, &seq).unwrap_err();
    assert!(is(&err), "{what}: sequential open gave {err:?}");
    for parallel in [true, false] {
        match opener(sealed, parallel) {
            Err(err) => assert!(is(&err), "{what}: Opener::new gave {err:?}"),
            Ok(mut opener) => {
                let (released, err) = drain(&mut opener, 100);
                let err = err.expect("the Opener must not reach the end");
                assert!(is(&err), "{what}: Opener gave {err:?}");
                assert!(released.len() % C == 0, "{what}: released a partial chunk");
                assert!(pt.starts_with(&released), "{what}: released non-plaintext");
                assert_replays(&mut opener, is);
            }
        }
    }
    let err = open_range(sealed, 0, u64::MAX).unwrap_err();
    assert!(is(&err), "{what}: open_range gave {err:?}");
}

/// Three more reads after an error each return it again.
#[track_caller]
fn assert_replays<R: Read>(opener: &mut R, is: Check) {
    for _ in 0..3 {
        let again = Error::from_io(opener.read(&mut [0u8; 64]).unwrap_err());
        assert!(is(&again), "replay gave {again:?}");
    }
}

fn chunk_at(sealed: &[u8], i: usize) -> std::ops::Range<usize> {
    H + i * STRIDE..(H + (i + 1) * STRIDE).min(sealed.len())
}

/// A check of an error's variant.
type Check = fn(&Error) -> bool;

const TRUNCATED: Check = |e| matches!(e, Error::TruncatedStream);
const FAILED: Check = |e| matches!(e, Error::DecryptionFailed);
const TRAILING: Check = |e| matches!(e, Error::TrailingData);

const SPLITS: [&[usize]; 6] = [
    &[1],
    &[256],
    &[7, 300, 1],
    &[255, 257],
    &[4095],
    &[usize::MAX],
];

#[test]
fn sealer_matches_one_shot_for_every_split_and_length() {
    let lens = [0, 1, 255, 256, 257, 3 * 256, 1000, 4096];
    for len in lens {
        let pt = pattern(len);
        for log2 in [8, 9, 16] {
            let one_shot = seal(&pt, &opts(log2));
            assert_eq!(
                one_shot.len() as u64,
                stream::sealed_len(len as u64, log2).unwrap()
            );
            for splits in SPLITS {
                let streamed = seal_streaming(&pt, &opts(log2), splits);
                assert!(streamed == one_shot, "len {len}, 2^{log2}, {splits:?}");
            }
        }
    }
}

#[test]
fn sealer_matches_one_shot_across_batches() {
    let b = stream::BATCH_BYTES;
    let lens = [b - 1, b, b + 1, 2 * b, 3 * b + 7];
    for len in lens {
        let pt = pattern(len);
        for log2 in [8, 16] {
            let one_shot = seal(&pt, &opts(log2));
            let patterns: &[&[usize]] = if len == 3 * b + 7 {
                &[&[1], &[256], &[7, 300, 1], &[65536], &[b], &[usize::MAX]]
            } else {
                &[&[256], &[1000, 3], &[usize::MAX]]
            };
            for splits in patterns {
                let streamed = seal_streaming(&pt, &opts(log2), splits);
                assert!(streamed == one_shot, "len {len}, 2^{log2}, {splits:?}");
            }
            assert!(open(&one_shot).unwrap() == pt, "len {len}, 2^{log2}");
        }
    }
}

#[test]
fn sealer_flush_does_not_change_the_output() {
    let pt = pattern(stream::BATCH_BYTES + 777);
    let mut sealer =
        hazmat::sealer_with_salt(&key(), &ID, KIND, Vec::new(), &small(), SALT).unwrap();
    for piece in pt.chunks(100_000) {
        sealer.write_all(piece).unwrap();
        sealer.flush().unwrap();
    }
    assert!(sealer.finish().unwrap() == seal(&pt, &small()));
}

#[test]
fn opener_with_tiny_buffers_returns_the_plaintext() {
    for len in [0, 1, 255, 256, 257, 5000, B * C + 300] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        for buf_len in [1, 7, 256, 65536] {
            for parallel in [true, false] {
                let (got, err) = drain(&mut opener(&sealed, parallel).unwrap(), buf_len);
                assert!(err.is_none(), "len {len}: {err:?}");
                assert!(
                    got == pt,
                    "len {len}, buffer {buf_len}, parallel {parallel}"
                );
            }
        }
    }
}

#[test]
fn opener_parallel_and_sequential_agree() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    for (len, log2) in [(3 << 20, 8), (3 << 20, 16), (B * C, 8), (999, 8)] {
        let pt = pattern(len);
        let sealed = seal(&pt, &opts(log2));
        let mut par = Vec::new();
        pool.install(|| opener(&sealed, true).unwrap().read_to_end(&mut par))
            .unwrap();
        let mut seq = Vec::new();
        opener(&sealed, false)
            .unwrap()
            .read_to_end(&mut seq)
            .unwrap();
        assert!(par == pt && seq == pt, "len {len}, 2^{log2}");
    }
}

#[test]
fn opener_releases_exactly_the_authentic_prefix_then_repeats_the_error() {
    let pt = pattern(4 * C + 100);
    let mut sealed = seal(&pt, &small());
    sealed[H + 2 * STRIDE + 10] ^= 0x04;
    for parallel in [true, false] {
        for buf_len in [1, 100, 4096] {
            let mut opener = opener(&sealed, parallel).unwrap();
            let (released, err) = drain(&mut opener, buf_len);
            assert!(
                released == pt[..2 * C],
                "parallel {parallel}, buffer {buf_len}"
            );
            assert!(matches!(err, Some(Error::DecryptionFailed)), "{err:?}");
            assert_replays(&mut opener, FAILED);
        }
    }
    assert!(matches!(open(&sealed), Err(Error::DecryptionFailed)));
    // Ranges before the damaged chunk still open; ranges over it do not.
    assert!(open_range(&sealed, 0, 2 * C as u64).unwrap() == pt[..2 * C]);
    let err = open_range(&sealed, C as u64, 2 * C as u64).unwrap_err();
    assert!(matches!(err, Error::DecryptionFailed), "{err:?}");
}

#[test]
fn opener_released_prefix_across_a_batch_boundary() {
    let pt = pattern((3 << 20) + 7);
    let sealed = seal(&pt, &small());
    let total = pt.len().div_ceil(C);
    for bad in [B - 1, B, B + 904, total - 1] {
        let mut damaged = sealed.clone();
        let at = chunk_at(&damaged, bad).end - 1;
        damaged[at] ^= 0x80;
        for parallel in [true, false] {
            let mut opener = opener(&damaged, parallel).unwrap();
            let (released, err) = drain(&mut opener, 10_000);
            assert!(released == pt[..bad * C], "chunk {bad}: {}", released.len());
            assert!(matches!(err, Some(Error::DecryptionFailed)), "{err:?}");
            assert_replays(&mut opener, FAILED);
        }
    }
}

#[test]
fn truncation_at_a_chunk_boundary_is_truncated_stream() {
    for len in [5 * C, 4 * C + 100, C, 1] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        let last = chunk_at(&sealed, len.div_ceil(C) - 1);
        assert_fails(&sealed[..last.start], &pt, "drop final", TRUNCATED);
        assert_fails(&sealed[..H], &pt, "header only", TRUNCATED);
        if len > C {
            assert_fails(&sealed[..H + STRIDE], &pt, "one chunk left", TRUNCATED);
        }
    }
    // An empty plaintext too: its only chunk is the empty final one.
    let sealed = seal(b"", &small());
    assert_fails(&sealed[..H], b"", "empty, header only", TRUNCATED);
}

#[test]
fn truncation_across_batches_is_truncated_stream() {
    let pt = pattern(3 * stream::BATCH_BYTES + 7);
    let sealed = seal(&pt, &small());
    for keep in [B - 1, B, B + 1, 2 * B] {
        let cut = &sealed[..H + keep * STRIDE];
        assert_fails(cut, &pt, "large cut", TRUNCATED);
        let (released, err) = drain(&mut opener(cut, true).unwrap(), 65536);
        // The last chunk kept authenticates only as a non-final chunk, so it is not
        // released: the prefix is the chunks before it.
        assert!(
            released == pt[..(keep - 1) * C],
            "keep {keep}: {}",
            released.len()
        );
        assert!(matches!(err, Some(Error::TruncatedStream)), "{err:?}");
    }
}

#[test]
fn cut_within_the_first_15_bytes_of_a_chunk_is_truncated_stream() {
    for len in [5 * C, 4 * C + 100] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        for chunk in [len.div_ceil(C) - 1, 2] {
            let start = chunk_at(&sealed, chunk).start;
            for left in [1, 8, 15] {
                assert_fails(
                    &sealed[..start + left],
                    &pt,
                    "cut leaving fewer bytes than a tag",
                    TRUNCATED,
                );
            }
        }
    }
}

#[test]
fn cut_in_the_middle_of_a_chunk_is_decryption_failed() {
    for len in [5 * C, 4 * C + 100] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        for chunk in [len.div_ceil(C) - 1, 2] {
            let range = chunk_at(&sealed, chunk);
            for left in [17, 50, 115, 200, 271] {
                if range.start + left < range.end {
                    let cut = &sealed[..range.start + left];
                    assert_fails(cut, &pt, "cut mid-chunk", FAILED);
                }
            }
        }
    }
}

/// SPEC.md 3.6: a final piece of exactly `TAG_LEN` bytes after a full chunk is classified
/// `EmptyFinalChunk` before any authentication, so a cut leaving 16 bytes of a chunk gets it.
#[test]
fn cut_leaving_exactly_a_tag_length_is_empty_final_chunk() {
    for len in [5 * C, 4 * C + 100] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        for chunk in [len.div_ceil(C) - 1, 2] {
            let start = chunk_at(&sealed, chunk).start;
            let cut = &sealed[..start + TAG];
            assert_fails(cut, &pt, "16 bytes left", |e| {
                matches!(e, Error::EmptyFinalChunk)
            });
        }
    }
}

#[test]
fn authentic_empty_final_chunk_after_a_full_chunk_is_refused() {
    let sealed = seal(&pattern(C), &small());
    let context: [u8; stream::CONTEXT_LEN] = sealed[..stream::CONTEXT_LEN].try_into().unwrap();
    let (payload_key, _) = hazmat::stream_key_schedule(&key(), &context, &SALT);
    let cipher = ChaCha20Poly1305::new(&(*payload_key).into());
    let chunk = |index: u64, last: bool, pt: &[u8]| {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&index.to_be_bytes());
        nonce[11] = u8::from(last);
        let mut body = pt.to_vec();
        let buf = InOutBuf::from(body.as_mut_slice());
        let tag = cipher
            .encrypt_inout_detached(&nonce.into(), b"", buf)
            .unwrap();
        body.extend_from_slice(&tag);
        body
    };
    // Sanity: the hand-made chunk matches the real one.
    assert_eq!(chunk(0, true, &pattern(C)), sealed[H..]);
    let mut forged = sealed[..H].to_vec();
    forged.extend(chunk(0, false, &pattern(C)));
    forged.extend(chunk(1, true, b""));
    let pt = pattern(C);
    assert_fails(&forged, &pt, "empty final", |e| {
        matches!(e, Error::EmptyFinalChunk)
    });
}

#[test]
fn appended_data_after_a_full_final_chunk_is_trailing_data() {
    let pt = pattern(5 * C);
    let sealed = seal(&pt, &small());
    let last = sealed[chunk_at(&sealed, 4)].to_vec();
    for extra in [1, 15, 16, 17, 100, STRIDE, STRIDE + 1] {
        let mut longer = sealed.clone();
        longer.extend((0..extra).map(|i| i as u8));
        assert_fails(&longer, &pt, "appended bytes", TRAILING);
    }
    let mut copy = sealed.clone();
    copy.extend_from_slice(&last);
    assert_fails(&copy, &pt, "final chunk twice", TRAILING);
    // A single full chunk that is also the final one.
    let one = pattern(C);
    let mut sealed = seal(&one, &small());
    sealed.push(0);
    assert_fails(&sealed, &one, "one chunk + 1", TRAILING);
}

#[test]
fn appended_data_after_a_short_final_chunk_is_decryption_failed() {
    let pt = pattern(4 * C + 100);
    let sealed = seal(&pt, &small());
    let last = sealed[chunk_at(&sealed, 4)].to_vec();
    for extra in [1, 16, 156, 157, 400] {
        let mut longer = sealed.clone();
        longer.extend((0..extra).map(|i| i as u8));
        assert_fails(&longer, &pt, "appended to short", FAILED);
    }
    let mut copy = sealed.clone();
    copy.extend_from_slice(&last);
    assert_fails(&copy, &pt, "short final twice", FAILED);
    let mut empty = seal(b"", &small());
    empty.push(0);
    assert_fails(&empty, b"", "empty + 1", FAILED);
}

#[test]
fn reordered_duplicated_or_dropped_chunks_are_decryption_failed() {
    for len in [5 * C, 4 * C + 100] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        let chunks: Vec<&[u8]> = (0..5).map(|i| &sealed[chunk_at(&sealed, i)]).collect();
        let build = |order: &[usize]| {
            let mut out = sealed[..H].to_vec();
            order.iter().for_each(|&i| out.extend_from_slice(chunks[i]));
            out
        };
        assert_fails(&build(&[0, 2, 1, 3, 4]), &pt, "swap 1 2", FAILED);
        assert_fails(&build(&[1, 0, 2, 3, 4]), &pt, "swap 0 1", FAILED);
        assert_fails(&build(&[0, 1, 2, 3, 3, 4]), &pt, "dup 3", FAILED);
        assert_fails(&build(&[0, 0, 1, 2, 3, 4]), &pt, "dup 0", FAILED);
        assert_fails(&build(&[0, 1, 3, 4]), &pt, "drop 2", FAILED);
        assert_fails(&build(&[1, 2, 3, 4]), &pt, "drop 0", FAILED);
        if len == 5 * C {
            assert_fails(&build(&[4, 1, 2, 3, 0]), &pt, "swap 0 4", FAILED);
            assert_fails(&build(&[0, 1, 2, 4, 3]), &pt, "swap 3 4", FAILED);
        }
    }
}

#[test]
fn dropped_sealer_leaves_a_truncated_stream() {
    for (log2, len) in [
        (8, stream::BATCH_BYTES + 1000),
        (16, 3 * stream::BATCH_BYTES),
    ] {
        let pt = pattern(len);
        let mut out = Vec::new();
        let mut sealer =
            hazmat::sealer_with_salt(&key(), &ID, KIND, &mut out, &opts(log2), SALT).unwrap();
        sealer.write_all(&pt).unwrap();
        assert!(sealer.chunks_sealed() > 0);
        drop(sealer);
        assert!(
            out.len() > H,
            "2^{log2}: nothing was written before the drop"
        );
        assert_fails(&out, &pt, "dropped sealer", TRUNCATED);
    }
    // Dropped after 1000 bytes in one write: the three whole chunks that more bytes
    // followed were sealed at once (and, sequentially, written; in parallel they wait to
    // be written while the next batch seals); the rest was still buffered (it could have
    // been the last chunk) and is lost.
    let pt = pattern(1000);
    for (parallel, written) in [(false, 3 * STRIDE), (true, 0)] {
        let mut out = Vec::new();
        let opts = small().with_parallel(parallel);
        let mut sealer =
            hazmat::sealer_with_salt(&key(), &ID, KIND, &mut out, &opts, SALT).unwrap();
        sealer.write_all(&pt).unwrap();
        assert_eq!(sealer.chunks_sealed(), 3);
        drop(sealer);
        assert_eq!(out.len(), H + written);
        assert_fails(&out, &pt, "dropped after one write", TRUNCATED);
    }
    // Dropped before a whole chunk had more after it: only the header was written.
    let pt = pattern(C);
    let mut out = Vec::new();
    let mut sealer = hazmat::sealer_with_salt(&key(), &ID, KIND, &mut out, &small(), SALT).unwrap();
    sealer.write_all(&pt).unwrap();
    drop(sealer);
    assert_eq!(out.len(), H);
    assert_fails(&out, &pt, "dropped early", TRUNCATED);
}

/// Each of these must fail with `DecryptionFailed` from the header alone: `open` and
/// `Opener::new` are given the 88 header bytes only, and the full object too.
#[track_caller]
fn assert_header_refused(sealed: &[u8], key: &MediaKey, id: &MediaId, kind: MediaKind, what: &str) {
    for input in [&sealed[..H], sealed] {
        let err = stream::open(key, id, kind, input).unwrap_err();
        assert!(FAILED(&err), "{what}: open gave {err:?}");
        let err = Opener::new(key, id, kind, input).unwrap_err();
        assert!(FAILED(&err), "{what}: Opener::new gave {err:?}");
        let err = stream::open_range(key, id, kind, &mut Cursor::new(input), 0, 1).unwrap_err();
        assert!(FAILED(&err), "{what}: open_range gave {err:?}");
    }
}

#[test]
fn wrong_key_id_or_kind_fails_before_any_chunk() {
    let sealed = seal(&pattern(3 * C), &small());
    let other_key = MediaKey::from_bytes([0x43; 32]);
    assert_header_refused(&sealed, &other_key, &ID, KIND, "wrong key");
    let other_id = MediaId::from_bytes([0x12; 16]);
    assert_header_refused(&sealed, &key(), &other_id, KIND, "wrong id");
    for kind in MediaKind::ALL.into_iter().filter(|k| *k != KIND) {
        assert_header_refused(&sealed, &key(), &ID, kind, "wrong kind");
    }
}

#[test]
fn altered_chunk_size_salt_or_commitment_fails_before_any_chunk() {
    let sealed = seal(&pattern(3 * C), &small());
    let mut edits: Vec<(usize, u8)> = vec![(6, 9), (6, 16), (6, 22)];
    edits.extend([24, 40, 55].map(|at| (at, sealed[at] ^ 1)));
    edits.extend([56, 70, 87].map(|at| (at, sealed[at] ^ 0x80)));
    for (at, value) in edits {
        let mut bad = sealed.clone();
        bad[at] = value;
        assert_header_refused(&bad, &key(), &ID, KIND, &format!("byte {at} = {value}"));
    }
}

/// DESIGN.md: "an altered header fails before any chunk is decrypted". The header's own
/// media id and kind fields are part of the header.
#[test]
fn altered_media_id_or_kind_in_the_header_is_refused() {
    let sealed = seal(&pattern(3 * C), &small());
    for (at, value) in [(7, 1), (7, 2), (8, sealed[8] ^ 1), (23, sealed[23] ^ 0x80)] {
        let mut bad = sealed.clone();
        bad[at] = value;
        assert_header_refused(&bad, &key(), &ID, KIND, &format!("byte {at} = {value}"));
    }
}

#[test]
fn malformed_header_fields_get_precise_errors() {
    let sealed = seal(&pattern(3 * C), &small());
    let cases: [(usize, u8, Check); 6] = [
        (0, b'X', |e| matches!(e, Error::BadMagic)),
        (4, 2, |e| matches!(e, Error::UnsupportedVersion(2))),
        (5, 0, |e| matches!(e, Error::UnsupportedSuite(0))),
        (6, 7, |e| matches!(e, Error::ChunkSizeOutOfRange(7))),
        (6, 23, |e| matches!(e, Error::ChunkSizeOutOfRange(23))),
        (7, 4, |e| matches!(e, Error::UnknownKind(4))),
    ];
    for (at, value, is) in cases {
        let mut bad = sealed.clone();
        bad[at] = value;
        assert_fails(&bad, b"", &format!("byte {at} = {value}"), is);
    }
}

#[test]
fn header_cut_at_every_offset_is_truncated_header() {
    let sealed = seal(&pattern(3 * C), &small());
    for cut in 0..H {
        let input = &sealed[..cut];
        let is = |e: &Error| matches!(e, Error::TruncatedHeader { needed: H, got } if *got == cut);
        let err = open(input).unwrap_err();
        assert!(is(&err), "cut {cut}: open gave {err:?}");
        let err = Opener::new(&key(), &ID, KIND, input).unwrap_err();
        assert!(is(&err), "cut {cut}: Opener::new gave {err:?}");
        let err = open_range(input, 0, 1).unwrap_err();
        assert!(is(&err), "cut {cut}: open_range gave {err:?}");
    }
}

#[test]
fn range_open_returns_exactly_the_slice_for_a_grid() {
    let mut wrong = Vec::new();
    for len in [40 * C, 39 * C + 123] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        let l = len as u64;
        let header = Header::parse(&sealed).unwrap();
        let ends = [l - 257, l - 256, l - 1, l];
        let offsets = [0, 1, 255, 256, 257, 511, 512, 1000, 5000]
            .into_iter()
            .chain(ends);
        let lens = [0, 1, 15, 255, 256, 257, 512, 1000, 4000, l, u64::MAX];
        let total_chunks = len.div_ceil(C) as u64;
        for offset in offsets {
            for n in lens {
                let end = offset.saturating_add(n).min(l) as usize;
                let want = &pt[offset as usize..end];
                match open_range(&sealed, offset, n) {
                    Ok(got) if got == want => {}
                    Ok(got) => {
                        wrong.push(format!("len {len}: [{offset}, +{n}): {} bytes", got.len()))
                    }
                    Err(e) => wrong.push(format!("len {len}: [{offset}, +{n}): {e:?}")),
                }
                let plan = RangePlan::new(&header, sealed.len() as u64, offset, n).unwrap();
                assert_eq!(plan.end, end as u64);
                assert!(plan.plaintext_start <= offset);
                if plan.end > offset {
                    assert!(plan.plaintext_start + plan.chunk_count * C as u64 >= plan.end);
                } else if !plan.reaches_end {
                    assert_eq!(plan.chunk_count, 0);
                }
                // The final chunk must be opened as the final chunk.
                let includes_final = plan.first_chunk + plan.chunk_count == total_chunks;
                if plan.chunk_count > 0 && includes_final != plan.reaches_end {
                    wrong.push(format!("len {len}: [{offset}, +{n}): plan {plan:?}"));
                }
                // Only the planned bytes (and the header) are needed.
                let (from, to) = (
                    plan.sealed_offset as usize,
                    (plan.sealed_offset + plan.sealed_len).min(sealed.len() as u64) as usize,
                );
                let mut sparse = vec![0xee; sealed.len()];
                sparse[..H].copy_from_slice(&sealed[..H]);
                sparse[from..to].copy_from_slice(&sealed[from..to]);
                match open_range(&sparse, offset, n) {
                    Ok(got) if got == want => {}
                    other => wrong.push(format!("len {len}: sparse [{offset}, +{n}): {other:?}")),
                }
            }
        }
        let err = open_range(&sealed, l + 1, 0).unwrap_err();
        assert!(
            matches!(err, Error::RangeOutOfBounds { offset, plaintext_len } if offset == l + 1 && plaintext_len == l),
            "{err:?}"
        );
        assert!(matches!(
            open_range(&sealed, u64::MAX, 1),
            Err(Error::RangeOutOfBounds { .. })
        ));
    }
    assert!(wrong.is_empty(), "wrong ranges:\n{}", wrong.join("\n"));
}

/// A range that ends inside the final chunk, short of the end of the plaintext, must open
/// that chunk as the final chunk.
#[test]
fn range_ending_inside_the_final_chunk_opens() {
    let mut wrong = Vec::new();
    for len in [40 * C, 39 * C + 123] {
        let pt = pattern(len);
        let sealed = seal(&pt, &small());
        let last_start = (len - 1) / C * C;
        for (offset, n) in [
            (last_start, 1),
            (last_start - 10, 20),
            (len - 50, 10),
            (0, len - 1),
        ] {
            match open_range(&sealed, offset as u64, n as u64) {
                Ok(got) if got == pt[offset..offset + n] => {}
                other => wrong.push(format!("len {len}: [{offset}, +{n}): {other:?}")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn range_plan_for_a_large_object_touches_few_chunks() {
    let sealed = seal(b"", &opts(16));
    let header = Header::parse(&sealed).unwrap();
    let pt_len: u64 = 1 << 30;
    let total = stream::sealed_len(pt_len, 16).unwrap();
    let chunk = 1u64 << 16;
    let mib = 1u64 << 20;
    let near_end = [pt_len - mib, pt_len - mib + 1, pt_len - 1, pt_len];
    let offsets = [0, 1, chunk - 1, chunk, 12_345_678, pt_len / 2 + 3]
        .into_iter()
        .chain(near_end);
    for offset in offsets {
        let plan = RangePlan::new(&header, total, offset, mib).unwrap();
        assert!(
            plan.chunk_count <= mib / chunk + 2,
            "offset {offset}: {plan:?}"
        );
        assert_eq!(plan.plaintext_len, pt_len);
        assert_eq!(plan.end, (offset + mib).min(pt_len));
        assert!(
            plan.plaintext_start <= offset
                && plan.plaintext_start + plan.chunk_count * chunk >= plan.end
        );
        assert_eq!(
            plan.sealed_offset,
            H as u64 + plan.first_chunk * (chunk + 16)
        );
        if offset + mib >= pt_len {
            assert!(plan.reaches_end, "offset {offset}: {plan:?}");
            assert_eq!(plan.first_chunk + plan.chunk_count, pt_len / chunk);
            assert_eq!(plan.sealed_offset + plan.sealed_len, total);
        } else {
            assert!(!plan.reaches_end, "offset {offset}: {plan:?}");
            assert_eq!(plan.sealed_len, plan.chunk_count * (chunk + 16));
        }
    }
    let err = RangePlan::new(&header, total, pt_len + 1, 1).unwrap_err();
    assert!(matches!(err, Error::RangeOutOfBounds { .. }), "{err:?}");
}

#[test]
fn range_reaching_the_end_of_a_truncated_object_is_truncated_stream() {
    let pt = pattern(40 * C);
    let sealed = seal(&pt, &small());
    let cut = &sealed[..H + 39 * STRIDE];
    let l = 39 * C as u64;
    // Any range touching the apparent final chunk opens it as final, which fails.
    for (offset, n) in [
        (0, u64::MAX),
        (l - 1, 1),
        (l - 300, 300),
        (l - 300, 299),
        (l, 0),
        (1000, l),
    ] {
        let err = open_range(cut, offset, n).unwrap_err();
        assert!(TRUNCATED(&err), "[{offset}, +{n}): {err:?}");
    }
    for (offset, n) in [(0, 1), (1000, 5000), (l - 600, 299)] {
        let got = open_range(cut, offset, n).unwrap();
        assert!(
            got == pt[offset as usize..(offset + n) as usize],
            "[{offset}, +{n})"
        );
    }
}

#[test]
fn parallel_and_single_thread_sealing_agree_in_a_pool() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let pt = pattern(3 << 20);
    for log2 in [8, 16] {
        let seq = seal(&pt, &opts(log2).with_parallel(false));
        let par = pool.install(|| seal(&pt, &opts(log2)));
        assert!(seq == par, "2^{log2}: one-shot");
        let streamed = pool.install(|| seal_streaming(&pt, &opts(log2), &[100_000]));
        assert!(streamed == seq, "2^{log2}: streaming");
        let streamed_seq = seal_streaming(&pt, &opts(log2).with_parallel(false), &[100_000]);
        assert!(streamed_seq == seq, "2^{log2}: streaming, single thread");
        assert!(pool.install(|| open(&par)).unwrap() == pt);
    }
}
