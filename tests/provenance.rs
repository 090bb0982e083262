//! Signed provenance (SPEC.md 5.10): chunk hashes computed while sealing, signed manifests,
//! and every refusal: unsigned, wrong item, non-member, bad signature, content mismatch,
//! and a range whose chunks do not match. Includes the attack the manifest exists for: a
//! member re-sealing another member's item under the same media key.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Cursor, Write};

use keepsake::account::Keyring;
use keepsake::history::{HistoryAction, VerifiedHistory, verify_history};
use keepsake::provenance::{
    ItemRecord, MANIFEST_FIXED_LEN, PART_ENTRY_LEN, PartEntry, PartKind, parse_manifest,
    part_hashes, part_hashes_from_reader, verify_item,
};
use keepsake::stream::{self, HEADER_LEN, OpenOptions, SealOptions, Sealer};
use keepsake::{AlbumId, Error, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::{array, pattern};
use proptest::prelude::*;

/// A keyring of generation 1 (so [`EPOCH`] is its current epoch).
fn keyring(seed: u8) -> Keyring {
    hazmat::keyring_from_secrets(
        &[array(seed), array(seed.wrapping_add(50))],
        array(seed.wrapping_add(1)),
    )
}

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
const EPOCH: u64 = 1 << 32;
const ID: MediaId = MediaId::from_bytes([0x1D; 16]);

fn options(log2: u8, parallel: bool) -> SealOptions {
    SealOptions::new()
        .with_chunk_size_log2(log2)
        .unwrap()
        .with_parallel(parallel)
}

/// Alice (the uploader), Bob (another member) and Eve (not a member).
struct Album {
    alice: Keyring,
    bob: Keyring,
    eve: Keyring,
    history: VerifiedHistory,
}

/// The album's history (SPEC.md 5.12): Alice creates it at [`EPOCH`] and adds Bob.
fn album_history(alice: &Keyring, bob: &Keyring) -> VerifiedHistory {
    let genesis = alice.create_album_history(ALBUM).unwrap();
    let mut history =
        verify_history(&[&genesis], ALBUM, &alice.identity_public_key(), None).unwrap();
    let add = alice
        .append_history(
            &history,
            HistoryAction::AddMember(bob.identity_public_key()),
        )
        .unwrap();
    history.extend(&add).unwrap();
    history
}

/// The hash of the history's head, which items name.
fn head() -> [u8; 32] {
    album_history(&keyring(10), &keyring(20)).head().1
}

fn album() -> Album {
    let (alice, bob, eve) = (keyring(10), keyring(20), keyring(30));
    let history = album_history(&alice, &bob);
    Album {
        alice,
        bob,
        eve,
        history,
    }
}

/// An item sealed by `uploader`: original and thumbnail, the record (signed), the key.
struct Item {
    key: MediaKey,
    original: Vec<u8>,
    original_pt: Vec<u8>,
    thumbnail: Vec<u8>,
    list: Vec<u8>,
    record: Vec<u8>,
}

fn item(uploader: &Keyring, len: usize) -> Item {
    let key = MediaKey::from_bytes([0x4B; 32]);
    let original_pt = pattern(1, len);
    let (original, part) = stream::seal_part(
        &key,
        &ID,
        MediaKind::Original,
        &original_pt,
        &options(8, true),
    )
    .unwrap();
    let (thumbnail, thumb) = stream::seal_part(
        &key,
        &ID,
        MediaKind::Thumbnail,
        b"small",
        &options(8, false),
    )
    .unwrap();
    let record = uploader
        .sign_item(
            &ID,
            ALBUM,
            EPOCH,
            &head(),
            &[thumb.entry(), part.entry()],
            b"{\"name\":\"beach.jpg\"}",
        )
        .unwrap();
    Item {
        key,
        original,
        original_pt,
        thumbnail,
        list: part.hashes().list_bytes(),
        record,
    }
}

fn name(result: Result<impl std::fmt::Debug, Error>) -> String {
    let debug = format!("{:?}", result.unwrap_err());
    debug[..debug.find([' ', '(']).unwrap_or(debug.len())].to_string()
}

#[test]
fn hashes_computed_while_sealing_match_a_keyless_recomputation_on_every_path() {
    let key = MediaKey::from_bytes([3; 32]);
    for log2 in [8u8, 10, 16] {
        let chunk = 1usize << log2;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 5 * chunk + 3, 300_000] {
            let pt = pattern(log2, len);
            let salt = array::<32>(len as u8);
            let plain = hazmat::seal_with_salt(
                &key,
                &ID,
                MediaKind::Preview,
                &pt,
                &options(log2, true),
                salt,
            );
            let mut parts = Vec::new();
            for parallel in [false, true] {
                let opts = options(log2, parallel);
                let (sealed, part) =
                    hazmat::seal_part_with_salt(&key, &ID, MediaKind::Preview, &pt, &opts, salt);
                // Provenance does not change a byte of the object.
                assert!(sealed == plain, "2^{log2} len {len}");
                let recomputed = part_hashes(&sealed).unwrap();
                assert_eq!(&recomputed, part.hashes(), "2^{log2} len {len}");
                // A server's recomputation, one chunk at a time from a reader.
                let streamed = part_hashes_from_reader(&sealed[..]).unwrap();
                assert_eq!(&streamed, part.hashes(), "2^{log2} len {len}");
                assert_eq!(part.entry().chunk_count, len.div_ceil(chunk).max(1) as u64);
                assert_eq!(part.plaintext_len(), len as u64);
                // The streaming sealer, in uneven pieces, computes the same.
                let mut sealer = hazmat::sealer_with_salt(
                    &key,
                    &ID,
                    MediaKind::Preview,
                    Vec::new(),
                    &opts.with_provenance(true),
                    salt,
                )
                .unwrap();
                for piece in pt.chunks(chunk * 3 + 7) {
                    sealer.write_all(piece).unwrap();
                }
                let (streamed, streamed_part) = sealer.finish_part().unwrap();
                assert!(streamed == plain);
                assert_eq!(streamed_part, part);
                parts.push(part);
            }
            assert_eq!(parts[0], parts[1]);
        }
    }
}

#[test]
fn a_sealer_without_provenance_refuses_finish_part_and_seal_file_part_matches() {
    let key = MediaKey::from_bytes([3; 32]);
    let sealer = Sealer::new(&key, &ID, MediaKind::Original, Vec::new()).unwrap();
    assert_eq!(name(sealer.finish_part()), "MalformedManifest");
    let dir = tempfile_dir();
    let src = dir.join("in.bin");
    std::fs::write(&src, pattern(5, 3 << 20)).unwrap();
    let dst = dir.join("out.ks");
    let (size, part) = keepsake::seal_file_part(
        &key,
        &ID,
        MediaKind::Original,
        &src,
        &dst,
        keepsake::FileOptions::new(),
    )
    .unwrap();
    let sealed = std::fs::read(&dst).unwrap();
    assert_eq!(size, sealed.len() as u64);
    assert_eq!(part_hashes(&sealed).unwrap(), *part.hashes());
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keepsake-prov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_signed_item_verifies_and_opens_with_its_uploader() {
    let a = album();
    let it = item(&a.alice, 5000);
    let verified = verify_item(&it.record, &ID, EPOCH, &a.history).unwrap();
    assert_eq!(verified.uploader(), &a.alice.identity_public_key());
    assert_eq!(
        verified.uploader_fingerprint(),
        keepsake::sharing::fingerprint(&a.alice.identity_public_key())
    );
    assert_eq!(verified.metadata(), b"{\"name\":\"beach.jpg\"}");
    let opened = verified
        .open_part(
            &it.key,
            MediaKind::Original,
            &it.original,
            &OpenOptions::default(),
        )
        .unwrap();
    assert_eq!(opened, it.original_pt);
    assert_eq!(
        verified
            .open_part(
                &it.key,
                MediaKind::Thumbnail,
                &it.thumbnail,
                &OpenOptions::default()
            )
            .unwrap(),
        b"small"
    );
    // A part the manifest does not list is refused.
    assert_eq!(
        name(verified.open_part(
            &it.key,
            MediaKind::Preview,
            &it.thumbnail,
            &OpenOptions::default()
        )),
        "ProvenanceMismatch"
    );
    // The thumbnail served as the original: another root (and another kind).
    assert_eq!(
        name(verified.verify_part(MediaKind::Original, &it.thumbnail)),
        "ProvenanceMismatch"
    );
}

#[test]
fn unsigned_wrong_item_non_member_and_bad_signature_are_refused_precisely() {
    let a = album();
    let it = item(&a.alice, 700);
    let unsigned = ItemRecord::encode(None, b"{}").unwrap();
    assert_eq!(
        name(verify_item(&unsigned, &ID, EPOCH, &a.history)),
        "ProvenanceUnsigned"
    );
    // Another item, album, epoch (another generation too).
    let other = MediaId::from_bytes([2; 16]);
    assert_eq!(
        name(verify_item(&it.record, &other, EPOCH, &a.history)),
        "ProvenanceWrongItem"
    );
    let other_album = AlbumId::from_bytes([2; 16]);
    let genesis = a.alice.create_album_history(other_album).unwrap();
    let other_history = verify_history(
        &[genesis],
        other_album,
        &a.alice.identity_public_key(),
        None,
    )
    .unwrap();
    assert_eq!(
        name(verify_item(&it.record, &ID, EPOCH, &other_history)),
        "ProvenanceWrongItem"
    );
    for epoch in [EPOCH + 1, EPOCH - (1 << 32)] {
        assert_eq!(
            name(verify_item(&it.record, &ID, epoch, &a.history)),
            "ProvenanceWrongItem"
        );
    }
    // Signed by Eve, who is not a member; and naming an entry the history does not hold.
    let eves = item(&a.eve, 700);
    assert_eq!(
        name(verify_item(&eves.record, &ID, EPOCH, &a.history)),
        "ProvenanceNotMember"
    );
    let (_, part) =
        stream::seal_part(&it.key, &ID, MediaKind::Original, b"x", &options(8, false)).unwrap();
    let unknown = a
        .alice
        .sign_item(&ID, ALBUM, EPOCH, &[7; 32], &[part.entry()], b"")
        .unwrap();
    assert_eq!(
        name(verify_item(&unknown, &ID, EPOCH, &a.history)),
        "HistoryUnknownEntry"
    );
    // Every byte of the manifest's signed body and signature matters.
    let m = 5;
    let manifest_len = u32::from_be_bytes(it.record[1..5].try_into().unwrap()) as usize;
    for at in [
        m + 6,
        m + 40,
        m + 45,
        m + 50,
        m + MANIFEST_FIXED_LEN + 20,
        m + manifest_len - 64,
        m + manifest_len - 1,
    ] {
        let mut bad = it.record.clone();
        bad[at] ^= 0x01;
        assert_eq!(
            name(verify_item(&bad, &ID, EPOCH, &a.history)),
            if at < m + 46 {
                "ProvenanceWrongItem"
            } else if at < m + 78 {
                "HistoryUnknownEntry"
            } else {
                "ProvenanceBadSignature"
            },
            "byte {at}"
        );
    }
    // Bob's key put in Alice's manifest (Bob is a member): the signature is not his.
    let mut swapped = it.record.clone();
    let bob_key = a.bob.identity_public_key().to_bytes();
    swapped[m + 78..m + 78 + bob_key.len()].copy_from_slice(&bob_key);
    assert_eq!(
        name(verify_item(&swapped, &ID, EPOCH, &a.history)),
        "ProvenanceBadSignature"
    );
    // The metadata beside the manifest is signed too.
    let mut meta = it.record.clone();
    let last = meta.len() - 2;
    meta[last] ^= 0x20;
    assert_eq!(
        name(verify_item(&meta, &ID, EPOCH, &a.history)),
        "ProvenanceMismatch"
    );
    let mut longer = it.record.clone();
    longer.push(b' ');
    assert_eq!(
        name(verify_item(&longer, &ID, EPOCH, &a.history)),
        "ProvenanceMismatch"
    );
}

/// The attack the manifest exists for: Bob holds the album key, so he unwraps the media key
/// and re-seals other content as Alice's item. The stream opens (the key commitment binds
/// the key, not the bytes), but the content does not match Alice's signed manifest. If Bob
/// signs a new manifest himself, the item is shown as his, never as Alice's.
#[test]
fn a_member_re_sealing_another_members_item_is_detected() {
    let a = album();
    let it = item(&a.alice, 3000);
    let verified = verify_item(&it.record, &ID, EPOCH, &a.history).unwrap();
    let forged_pt = pattern(99, 3000);
    let salt = hazmat_salt(&it.original);
    for resealed in [
        // A fresh salt, and Alice's own salt (the same header, byte for byte).
        stream::seal_with(
            &it.key,
            &ID,
            MediaKind::Original,
            &forged_pt,
            &options(8, true),
        )
        .unwrap(),
        hazmat::seal_with_salt(
            &it.key,
            &ID,
            MediaKind::Original,
            &forged_pt,
            &options(8, true),
            salt,
        ),
    ] {
        assert_eq!(resealed.len(), it.original.len());
        // Without provenance nothing notices.
        assert_eq!(
            stream::open(&it.key, &ID, MediaKind::Original, &resealed).unwrap(),
            forged_pt
        );
        assert_eq!(
            name(verified.open_part(
                &it.key,
                MediaKind::Original,
                &resealed,
                &OpenOptions::default()
            )),
            "ProvenanceMismatch"
        );
        // Range reads, with Alice's hash list or with the forged object's own.
        let own = part_hashes(&resealed).unwrap().list_bytes();
        for list in [&it.list, &own] {
            let got = verified.open_range(
                &it.key,
                MediaKind::Original,
                &mut Cursor::new(&resealed),
                1000,
                10,
                list,
            );
            assert!(
                matches!(
                    got,
                    Err(Error::ProvenanceChunkMismatch { .. } | Error::ProvenanceMismatch { .. })
                ),
                "{got:?}"
            );
        }
    }
    // Bob re-signs: the verified uploader is Bob.
    let (resealed, part) = stream::seal_part(
        &it.key,
        &ID,
        MediaKind::Original,
        &forged_pt,
        &options(8, true),
    )
    .unwrap();
    let bobs = a
        .bob
        .sign_item(&ID, ALBUM, EPOCH, &head(), &[part.entry()], b"{}")
        .unwrap();
    let v = verify_item(&bobs, &ID, EPOCH, &a.history).unwrap();
    assert_eq!(v.uploader(), &a.bob.identity_public_key());
    assert_ne!(v.uploader(), &a.alice.identity_public_key());
    v.verify_part(MediaKind::Original, &resealed).unwrap();
}

fn hazmat_salt(sealed: &[u8]) -> [u8; 32] {
    *stream::Header::parse(sealed).unwrap().salt()
}

#[test]
fn a_range_checks_only_the_chunks_it_reads_and_refuses_a_changed_one() {
    let a = album();
    let it = item(&a.alice, 256 * 40 + 17);
    let verified = verify_item(&it.record, &ID, EPOCH, &a.history).unwrap();
    let read = |sealed: &[u8], list: &[u8], offset: u64, len: u64| {
        verified.open_range(
            &it.key,
            MediaKind::Original,
            &mut Cursor::new(sealed),
            offset,
            len,
            list,
        )
    };
    let stride = 256 + 16;
    // Chunks 10..=12 hold [2600, 3300).
    assert_eq!(
        read(&it.original, &it.list, 2600, 700).unwrap(),
        &it.original_pt[2600..3300]
    );
    // A chunk outside the range changed: not read, so the range still opens.
    let mut far = it.original.clone();
    far[HEADER_LEN + 30 * stride + 5] ^= 1;
    assert_eq!(
        read(&far, &it.list, 2600, 700).unwrap(),
        &it.original_pt[2600..3300]
    );
    // A chunk inside it changed: refused with its index, before decryption.
    for chunk in [10u64, 11, 12] {
        let mut bad = it.original.clone();
        bad[HEADER_LEN + chunk as usize * stride + 200] ^= 1;
        match read(&bad, &it.list, 2600, 700) {
            Err(Error::ProvenanceChunkMismatch { index }) => assert_eq!(index, chunk),
            other => panic!("chunk {chunk}: {other:?}"),
        }
    }
    // Storage rot, seen by a server with no key: the public digest (the root) changes.
    assert_ne!(
        part_hashes_from_reader(&far[..]).unwrap().root(),
        part_hashes(&it.original).unwrap().root()
    );
    assert!(matches!(
        part_hashes_from_reader(&it.original[..HEADER_LEN]),
        Err(Error::TruncatedStream)
    ));
    assert!(matches!(
        part_hashes_from_reader(&it.original[..10]),
        Err(Error::TruncatedHeader { .. })
    ));
    // The final chunk's tag: a range to the end reads it.
    let mut tag = it.original.clone();
    let end = tag.len() - 1;
    tag[end] ^= 1;
    assert!(matches!(
        read(&tag, &it.list, 10_000, 1 << 20),
        Err(Error::ProvenanceChunkMismatch { index: 40 })
    ));
    // A hash list that is not the signed one; or cut short.
    let mut list = it.list.clone();
    list[33] ^= 1;
    assert_eq!(name(read(&it.original, &list, 0, 10)), "ProvenanceMismatch");
    assert_eq!(
        name(read(&it.original, &it.list[32..], 0, 10)),
        "ProvenanceMismatch"
    );
    // A truncated or extended object.
    assert_eq!(
        name(read(
            &it.original[..it.original.len() - stride],
            &it.list,
            0,
            10
        )),
        "ProvenanceMismatch"
    );
    let mut longer = it.original.clone();
    longer.extend_from_slice(&[0; 16]);
    assert_eq!(name(read(&longer, &it.list, 0, 10)), "ProvenanceMismatch");
    // A changed header (salt): the hash list no longer gives the root.
    let mut header = it.original.clone();
    header[30] ^= 1;
    assert_eq!(name(read(&header, &it.list, 0, 10)), "ProvenanceMismatch");
}

#[test]
fn the_manifest_parser_reports_each_rule_in_order() {
    let a = album();
    let it = item(&a.alice, 10);
    let record = ItemRecord::parse(&it.record).unwrap();
    let good = record.manifest().unwrap().to_vec();
    let parsed = parse_manifest(&good).unwrap();
    assert_eq!(parsed.to_bytes(), good);
    assert_eq!(parsed.parts().len(), 3);
    assert_eq!(
        parsed.part(PartKind::Metadata).unwrap(),
        &PartEntry::metadata(b"{\"name\":\"beach.jpg\"}")
    );
    // Every truncation is refused without a panic, as malformed.
    for cut in 0..good.len() {
        assert_eq!(
            name(parse_manifest(&good[..cut])),
            "MalformedManifest",
            "cut {cut}"
        );
    }
    let with = |at: usize, byte: u8| {
        let mut bad = good.clone();
        bad[at] = byte;
        parse_manifest(&bad)
    };
    assert_eq!(name(with(0, b'X')), "MalformedManifest");
    assert!(matches!(with(4, 2), Err(Error::UnsupportedVersion(2))));
    assert!(matches!(with(5, 7), Err(Error::UnsupportedSuite(7))));
    assert_eq!(name(with(MANIFEST_FIXED_LEN - 1, 0)), "MalformedManifest");
    assert_eq!(name(with(MANIFEST_FIXED_LEN - 1, 6)), "MalformedManifest");
    assert_eq!(name(with(MANIFEST_FIXED_LEN - 1, 2)), "MalformedManifest");
    // An uploader key that is the identity point (small order).
    let mut weak = good.clone();
    weak[78..110].copy_from_slice(&{
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    });
    assert!(matches!(
        parse_manifest(&weak),
        Err(Error::InvalidPublicKey)
    ));
    let part = |i: usize| MANIFEST_FIXED_LEN + i * PART_ENTRY_LEN;
    assert!(matches!(with(part(0), 9), Err(Error::UnknownKind(9))));
    assert_eq!(name(with(part(1), 0)), "MalformedManifest"); // kinds not increasing
    assert!(matches!(
        with(part(0) + 1, 23),
        Err(Error::ChunkSizeOutOfRange(23))
    ));
    assert_eq!(name(with(part(0) + 17, 0xEE)), "MalformedManifest"); // chunk count
    assert_eq!(name(with(part(2) + 1, 8)), "MalformedManifest"); // metadata with a chunk size
    assert_eq!(name(with(part(2) + 3, 0xFF)), "MalformedManifest"); // metadata too long
    // Records.
    assert_eq!(name(ItemRecord::parse(&[])), "MalformedManifest");
    assert!(matches!(
        ItemRecord::parse(&[2, 0, 0, 0, 0]),
        Err(Error::UnsupportedVersion(2))
    ));
    assert_eq!(name(ItemRecord::parse(&[1, 0, 0])), "MalformedManifest");
    assert_eq!(
        name(ItemRecord::parse(&[1, 0xFF, 0xFF, 0xFF, 0xFF])),
        "MalformedManifest"
    );
    assert_eq!(
        name(ItemRecord::parse(&[1, 0, 0, 0, 9, 1])),
        "MalformedManifest"
    );
    // Signing refuses what a verifier would.
    let entry = PartEntry::metadata(b"x");
    assert_eq!(
        name(
            a.alice
                .sign_item(&ID, ALBUM, EPOCH, &[0; 32], &[entry], b"")
        ),
        "MalformedManifest"
    );
    assert_eq!(
        name(a.alice.sign_item(&ID, ALBUM, EPOCH, &[0; 32], &[], b"")),
        "MalformedManifest"
    );
    let mut bad = parsed
        .part(PartKind::Media(MediaKind::Original))
        .copied()
        .unwrap();
    bad.chunk_count += 1;
    assert_eq!(
        name(a.alice.sign_item(&ID, ALBUM, EPOCH, &[0; 32], &[bad], b"")),
        "MalformedManifest"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any range of any part opens to its slice; any one flipped byte the range reads
    /// (header or planned chunks) is refused, never silently accepted.
    #[test]
    fn ranges_verify_and_every_flipped_byte_they_read_is_refused(
        len in 0usize..3000,
        log2 in 8u8..=9,
        offset in 0usize..3100,
        rlen in 0usize..1200,
        flip in any::<prop::sample::Index>(),
    ) {
        let alice = keyring(10);
        let history = album_history(&alice, &keyring(20));
        let key = MediaKey::from_bytes([7; 32]);
        let pt = pattern(3, len);
        let (sealed, part) = stream::seal_part(&key, &ID, MediaKind::Original, &pt, &options(log2, true)).unwrap();
        let record = alice.sign_item(&ID, ALBUM, EPOCH, &history.head().1, &[part.entry()], b"").unwrap();
        let v = verify_item(&record, &ID, EPOCH, &history).unwrap();
        let list = part.hashes().list_bytes();
        let offset = offset.min(len);
        let read = |s: &[u8]| v.open_range(&key, MediaKind::Original, &mut Cursor::new(s), offset as u64, rlen as u64, &list);
        let got = read(&sealed).unwrap();
        prop_assert_eq!(&got[..], &pt[offset..(offset + rlen).min(len)]);
        let header = stream::Header::parse(&sealed).unwrap();
        let plan = stream::RangePlan::new(&header, sealed.len() as u64, offset as u64, rlen as u64).unwrap();
        // A byte of the header or of the planned chunks.
        let span = HEADER_LEN + plan.sealed_len as usize;
        let at = flip.index(span);
        let at = if at < HEADER_LEN { at } else { plan.sealed_offset as usize + at - HEADER_LEN };
        let mut bad = sealed.clone();
        bad[at] ^= 0x80;
        prop_assert!(read(&bad).is_err(), "byte {} flipped and accepted", at);
    }
}
