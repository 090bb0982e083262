//! Seek cost, counted in chunks rather than timed (issue 5): opening 1 MiB at any offset
//! of a 1 GiB sealed item decrypts at most `1 MiB / chunk + 2` chunks.

use std::io::{Cursor, Read, Seek, SeekFrom};

use keepsake::MediaKind;
use keepsake::stream::{self, HEADER_LEN, Header, RangePlan, SealOptions};
use keepsake_benches::{MEDIA_ID, media_key, plaintext};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TAG: u64 = 16;

/// The header of an item sealed with `2^log2`-byte chunks (its body does not matter: a
/// range plan needs only the header and the sealed length).
fn header(log2: u8) -> Header {
    let opts = SealOptions::new()
        .with_chunk_size_log2(log2)
        .expect("bench setup");
    let sealed = stream::seal_with(&media_key(), &MEDIA_ID, MediaKind::Original, b"x", &opts)
        .expect("bench setup");
    Header::parse(&sealed[..HEADER_LEN]).expect("bench setup")
}

/// Offsets that stress chunk boundaries: aligned, one off either side, a pseudo-random
/// spread, and the tail where a range reaches the final chunk.
fn offsets(plain_len: u64, chunk: u64) -> Vec<u64> {
    let mut v = vec![0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk - 1];
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(x % plain_len);
    }
    for back in [MIB + 1, MIB, MIB - 1, chunk, 1, 0] {
        v.push(plain_len - back.min(plain_len));
    }
    v
}

#[test]
fn one_mib_anywhere_in_one_gib_opens_at_most_one_mib_plus_two_chunks() {
    // Every chunk size the format allows, from 256 B to 4 MiB, and a 1 GiB item that ends
    // with a full chunk as well as one that ends with a short chunk.
    for log2 in stream::MIN_CHUNK_LOG2..=stream::MAX_CHUNK_LOG2 {
        let header = header(log2);
        let chunk = 1u64 << log2;
        let limit = MIB.div_ceil(chunk) + 2;
        for plain_len in [GIB, GIB - 12_345] {
            let sealed_len = stream::sealed_len(plain_len, log2).expect("bench setup");
            let mut worst = 0;
            for offset in offsets(plain_len, chunk) {
                let plan = RangePlan::new(&header, sealed_len, offset, MIB).expect("bench setup");
                assert!(
                    plan.chunk_count <= limit,
                    "chunk 2^{log2}, offset {offset}: {} chunks > {limit}",
                    plan.chunk_count
                );
                // The ciphertext fetched is exactly those chunks.
                assert!(plan.sealed_len <= plan.chunk_count * (chunk + TAG));
                assert_eq!(plan.end, (offset + MIB).min(plain_len));
                assert!(plan.plaintext_start <= offset);
                worst = worst.max(plan.chunk_count);
            }
            // For 64 KiB chunks an unaligned MiB touches 17 chunks: the bound is not loose.
            if log2 == 16 {
                assert_eq!(worst, 17);
            }
        }
    }
}

/// A `Read + Seek` over memory that counts the bytes read.
struct Counting<'a> {
    inner: Cursor<&'a [u8]>,
    read: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl Seek for Counting<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn open_range_reads_only_the_chunks_it_plans() {
    // A real item (16 MiB, 64 KiB chunks): open_range must read no more ciphertext than
    // the header plus `1 MiB / chunk + 2` chunks, and return the right bytes.
    let key = media_key();
    let plain = plaintext(16 << 20);
    let sealed = stream::seal(&key, &MEDIA_ID, MediaKind::Original, &plain).expect("bench setup");
    let chunk = 1u64 << stream::DEFAULT_CHUNK_LOG2;
    let limit = MIB.div_ceil(chunk) + 2;
    for offset in offsets(plain.len() as u64, chunk).into_iter().step_by(37) {
        let mut source = Counting {
            inner: Cursor::new(&sealed[..]),
            read: 0,
        };
        let got = stream::open_range(
            &key,
            &MEDIA_ID,
            MediaKind::Original,
            &mut source,
            offset,
            MIB,
        )
        .expect("bench setup");
        let end = (offset + MIB).min(plain.len() as u64);
        assert_eq!(got, plain[offset as usize..end as usize], "offset {offset}");
        let chunks_read = (source.read - HEADER_LEN as u64).div_ceil(chunk + TAG);
        assert!(
            chunks_read <= limit,
            "offset {offset}: read {chunks_read} chunks > {limit}"
        );
    }
}
