//! Property tests of the sealed media stream: for random plaintexts, chunk sizes and
//! write patterns, the streaming `Sealer` gives the same bytes as one-shot sealing with the
//! same salt and everything opens back to the plaintext; and no single flipped bit of a
//! sealed object goes unnoticed (randomly, and exhaustively for one small object).

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};

use keepsake::stream::{self, Opener, SealOptions};
use keepsake::{Error, MediaId, MediaKey, MediaKind, hazmat};
use proptest::prelude::*;
use proptest::sample::Index;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        // Never write regression files next to the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn kind_strategy() -> impl Strategy<Value = MediaKind> {
    prop::sample::select(MediaKind::ALL.to_vec())
}

/// Seals through the streaming `Sealer`, writing pieces of the sizes in `splits`, cycling.
fn seal_streaming(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    pt: &[u8],
    options: &SealOptions,
    salt: [u8; 32],
    splits: &[usize],
) -> Vec<u8> {
    let mut sealer = hazmat::sealer_with_salt(key, id, kind, Vec::new(), options, salt).unwrap();
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

proptest! {
    #![proptest_config(config())]

    #[test]
    fn streaming_seal_equals_one_shot_and_opens(
        pt in prop::collection::vec(any::<u8>(), 0..4000),
        log2 in 8u8..=10,
        splits in prop::collection::vec(1usize..700, 1..6),
        key in any::<[u8; 32]>(),
        id in any::<[u8; 16]>(),
        kind in kind_strategy(),
        salt in any::<[u8; 32]>(),
        read_len in 1usize..600,
    ) {
        let key = MediaKey::from_bytes(key);
        let id = MediaId::from_bytes(id);
        let options = SealOptions::new().with_chunk_size_log2(log2).unwrap();
        let one_shot = hazmat::seal_with_salt(&key, &id, kind, &pt, &options, salt);
        prop_assert_eq!(one_shot.len() as u64, stream::sealed_len(pt.len() as u64, log2).unwrap());
        let streamed = seal_streaming(&key, &id, kind, &pt, &options, salt, &splits);
        prop_assert!(streamed == one_shot, "streaming and one-shot seals differ");

        prop_assert!(stream::open(&key, &id, kind, &one_shot).unwrap() == pt);
        let mut opener = Opener::new(&key, &id, kind, &one_shot[..]).unwrap();
        let mut opened = Vec::new();
        let mut buf = vec![0u8; read_len];
        loop {
            let n = opener.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            opened.extend_from_slice(&buf[..n]);
        }
        prop_assert!(opened == pt, "Opener output differs");
    }

    #[test]
    fn any_single_bit_flip_fails_to_open(
        pt in prop::collection::vec(any::<u8>(), 0..4000),
        log2 in 8u8..=10,
        salt in any::<[u8; 32]>(),
        at in any::<Index>(),
        bit in 0u8..8,
    ) {
        let key = MediaKey::from_bytes([3; 32]);
        let id = MediaId::from_bytes([4; 16]);
        let options = SealOptions::new().with_chunk_size_log2(log2).unwrap();
        let mut sealed = hazmat::seal_with_salt(&key, &id, MediaKind::Preview, &pt, &options, salt);
        let at = at.index(sealed.len());
        sealed[at] ^= 1 << bit;
        let opened = stream::open(&key, &id, MediaKind::Preview, &sealed);
        prop_assert!(
            opened.is_err(),
            "flipping bit {} of byte {} (of {}) still opens", bit, at, sealed.len()
        );
        let mut opener_out = Vec::new();
        let via_opener = Opener::new(&key, &id, MediaKind::Preview, &sealed[..])
            .map_err(|e| e.to_string())
            .and_then(|mut o| o.read_to_end(&mut opener_out).map_err(|e| e.to_string()));
        prop_assert!(via_opener.is_err(), "Opener read the altered object to its end");
        if at >= stream::HEADER_LEN {
            // Chunk bytes: the opaque authentication failure, nothing more precise.
            prop_assert!(matches!(opened, Err(Error::DecryptionFailed)), "{:?}", opened);
        }
    }
}

/// A 600-byte plaintext in 256-byte chunks (three chunks, the last short): every one of the
/// sealed object's bits, flipped alone, makes opening fail.
#[test]
fn every_single_bit_flip_fails_to_open() {
    let key = MediaKey::from_bytes([0x21; 32]);
    let id = MediaId::from_bytes([0x22; 16]);
    let kind = MediaKind::Original;
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let pt: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
    let sealed = hazmat::seal_with_salt(&key, &id, kind, &pt, &options, [0x23; 32]);
    assert_eq!(sealed.len(), stream::HEADER_LEN + 600 + 3 * 16);
    assert!(stream::open(&key, &id, kind, &sealed).unwrap() == pt);

    let mut opened = Vec::new();
    let mut imprecise = Vec::new();
    let mut bad = sealed.clone();
    for at in 0..sealed.len() {
        for bit in 0..8 {
            bad[at] ^= 1 << bit;
            match stream::open(&key, &id, kind, &bad) {
                Ok(_) => opened.push((at, bit)),
                Err(Error::DecryptionFailed) => {}
                Err(e) if at < stream::HEADER_LEN => {
                    // Header fields may get a precise error (bad magic, version...).
                    let _ = e;
                }
                Err(e) => imprecise.push((at, bit, e.to_string())),
            }
            bad[at] ^= 1 << bit;
        }
    }
    assert!(
        opened.is_empty(),
        "{} single-bit flips still open, (byte, bit): {:?}",
        opened.len(),
        opened
    );
    assert!(
        imprecise.is_empty(),
        "chunk bit flips with an error other than DecryptionFailed: {imprecise:?}"
    );
}
