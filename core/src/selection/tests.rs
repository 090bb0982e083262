//! The body parser's refusals (SPEC.md 5.11, step 9), on bodies edited after encoding: a
//! grant signed by its genuine sender can still carry them, so each needs its own error.

use super::body::{encode, parse};
use super::*;
use crate::MediaKind;
use crate::stream::{SealOptions, seal_part};

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);

fn info(count: usize) -> SelectionInfo {
    SelectionInfo {
        sender: [1; 32],
        recipient: [2; 32],
        album_id: ALBUM,
        selection_id: [3; 16],
        expires_at: 9,
        history: [4; 32],
        item_count: count,
    }
}

struct Fixture {
    keys: Vec<MediaKey>,
    sealed: Vec<Vec<u8>>,
    metadata: Vec<Vec<u8>>,
    manifest: Vec<u8>,
}

fn fixture() -> Fixture {
    let keyring = crate::account::Keyring {
        roots: vec![crate::keys::SecretBytes::new([7; 32])],
        identity: crate::identity::IdentitySecret::from_seed([8; 32]),
    };
    let keys: Vec<MediaKey> = (0..2).map(|n| MediaKey::from_bytes([n; 32])).collect();
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let mut sealed = Vec::new();
    let mut entries = Vec::new();
    for (n, key) in keys.iter().enumerate() {
        let (bytes, part) = seal_part(
            key,
            &MediaId::from_bytes([n as u8; 16]),
            MediaKind::Original,
            b"photo",
            &options,
        )
        .unwrap();
        sealed.push(bytes);
        entries.push(part.entry());
    }
    let record = keyring
        .sign_item(
            &MediaId::from_bytes([0; 16]),
            ALBUM,
            5,
            &[4; 32],
            &entries[..1],
            b"m",
        )
        .unwrap();
    let manifest = crate::provenance::ItemRecord::parse(&record)
        .unwrap()
        .manifest()
        .unwrap()
        .to_vec();
    let metadata = keys
        .iter()
        .enumerate()
        .map(|(n, key)| {
            key.seal_blob(
                &MediaId::from_bytes([n as u8; 16]),
                crate::MediaBlob::Metadata,
                b"m",
            )
            .unwrap()
        })
        .collect();
    Fixture {
        keys,
        sealed,
        metadata,
        manifest,
    }
}

/// Item 0 (original and metadata, signed) and item 1 (original, unsigned).
fn body(f: &Fixture) -> Vec<u8> {
    let parts0 = [
        SelectedPart::Stream(&f.sealed[0]),
        SelectedPart::Metadata(&f.metadata[0]),
    ];
    let parts1 = [SelectedPart::Stream(&f.sealed[1])];
    let items = [
        SelectedItem {
            media_id: MediaId::from_bytes([0; 16]),
            epoch: 5,
            media_key: &f.keys[0],
            parts: &parts0,
            manifest: Some(&f.manifest),
        },
        SelectedItem {
            media_id: MediaId::from_bytes([1; 16]),
            epoch: 6,
            media_key: &f.keys[1],
            parts: &parts1,
            manifest: None,
        },
    ];
    encode(ALBUM, &items).unwrap().to_vec()
}

fn reason(body: &[u8], count: usize) -> &'static str {
    match parse(body, &info(count)) {
        Err(Error::MalformedSelection { reason }) => reason,
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("accepted"),
    }
}

const ITEM0_PARTS: usize = ID_LEN + 8 + 1;
const ITEM1: usize = ITEM0_PARTS + STREAM_PART_LEN + METADATA_PART_LEN + 2;

#[test]
fn a_genuine_body_parses_and_every_edit_has_its_reason() {
    let f = fixture();
    let good = body(&f);
    let items = parse(&good, &info(2)).unwrap();
    assert_eq!(items.len(), 2);
    let item1 = ITEM1 + f.manifest.len();
    assert_eq!(good.len(), item1 + ITEM0_PARTS + STREAM_PART_LEN + 2);

    for cut in 0..good.len() {
        assert!(parse(&good[..cut], &info(2)).is_err(), "cut {cut}");
    }
    assert_eq!(reason(&good, 1), "bytes after the last item");
    assert_eq!(
        reason(&[good.clone(), vec![0]].concat(), 2),
        "bytes after the last item"
    );

    let edit = |at: usize, value: u8| {
        let mut bad = good.clone();
        bad[at] = value;
        bad
    };
    // Item 1's media id made equal to item 0's.
    let mut same = good.clone();
    same[item1..item1 + 16].copy_from_slice(&[0; 16]);
    assert_eq!(reason(&same, 2), "media ids not strictly increasing");
    assert_eq!(reason(&edit(ITEM0_PARTS - 1, 0), 2), "part count");
    assert_eq!(reason(&edit(ITEM0_PARTS - 1, 6), 2), "part count");
    assert_eq!(reason(&edit(ITEM0_PARTS, 5), 2), "unknown part kind");
    // Metadata first, then the original: kinds not increasing.
    assert_eq!(
        reason(&edit(ITEM0_PARTS + STREAM_PART_LEN, 0), 2),
        "part kinds not strictly increasing"
    );
    // The original's header: magic, and its kind byte (another part).
    assert_eq!(reason(&edit(ITEM0_PARTS + 1, 0), 2), "part header");
    assert_eq!(
        reason(&edit(ITEM0_PARTS + 1 + 7, 1), 2),
        "a part header names another part"
    );
    assert_eq!(
        reason(&edit(ITEM0_PARTS + 1 + 8, 9), 2),
        "a part header names another part"
    );
    // The metadata part's envelope version.
    assert_eq!(
        reason(&edit(ITEM0_PARTS + STREAM_PART_LEN + 1, 2), 2),
        "part header"
    );
    // The manifest length: above the cap, and past the body.
    let m_at = ITEM1 - 2;
    let mut long = good.clone();
    long[m_at..m_at + 2].copy_from_slice(&2000u16.to_be_bytes());
    assert_eq!(reason(&long, 2), "manifest length");
    let mut past = good.clone();
    past[m_at..m_at + 2].copy_from_slice(&1609u16.to_be_bytes());
    assert!(parse(&past, &info(2)).is_err());
    // The manifest's epoch is not the item's.
    assert!(matches!(
        parse(&edit(ID_LEN + 7, 9), &info(2)),
        Err(Error::ProvenanceWrongItem)
    ));
    // The manifest's signature altered.
    let sig = item1 - 10;
    let mut forged = good.clone();
    forged[sig] ^= 1;
    assert!(matches!(
        parse(&forged, &info(2)),
        Err(Error::ProvenanceBadSignature)
    ));
    // Another album in the header than the manifest's.
    let mut other = info(2);
    other.album_id = AlbumId::from_bytes([9; 16]);
    assert!(matches!(
        parse(&good, &other),
        Err(Error::ProvenanceWrongItem)
    ));
}
