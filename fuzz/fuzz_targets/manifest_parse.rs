//! Parsing and verifying provenance manifests and item records (SPEC.md 5.10) on arbitrary
//! bytes. The input is used three ways: as a manifest, as an item record, and as the
//! record given to `verify_item` for a fixed item of an album whose history (SPEC.md 5.12)
//! is one genesis by one fixed identity.
//! Invariants: `parse_manifest` never panics, reports 5.10's first failing rule (magic,
//! version, suite, in that order) and only 5.10's errors; a manifest that parses has 1 to 5
//! parts of strictly increasing kinds, the exact length they imply, and re-serializes byte
//! for byte; `ItemRecord::parse` gives only its errors and a record that parses re-encodes
//! to itself; `verify_item` succeeds only on the one record the fixed identity signed,
//! byte for byte (Ed25519 under a key only the fixture holds).
#![no_main]

use std::sync::OnceLock;

use keepsake::history::{VerifiedHistory, verify_history};
use keepsake::provenance::{
    ItemRecord, MANIFEST_FIXED_LEN, MANIFEST_MAGIC, MANIFEST_VERSION, PART_ENTRY_LEN,
    PROVENANCE_SUITE_SHA256_ED25519, parse_manifest, verify_item,
};
use keepsake::stream::SealOptions;
use keepsake::{AlbumId, Error, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_fuzz::assert_first_rules;
use libfuzzer_sys::fuzz_target;

struct Genuine {
    media_id: MediaId,
    epoch: u64,
    history: VerifiedHistory,
    member: [u8; 32],
    record: Vec<u8>,
}

fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let signer = hazmat::keyring_from_secrets(&[[1; 32]], [2; 32]);
        let media_id = MediaId::from_bytes([3; 16]);
        let album = AlbumId::from_bytes([4; 16]);
        let genesis = signer.create_album_history(album).expect("a genesis");
        let history = verify_history(&[genesis], album, &signer.identity_public_key(), None)
            .expect("the genesis verifies");
        let epoch = history.current_epoch();
        let key = MediaKey::from_bytes([6; 32]);
        let options = SealOptions::new()
            .with_chunk_size_log2(8)
            .expect("in range");
        let (_, part) = hazmat::seal_part_with_salt(
            &key,
            &media_id,
            MediaKind::Original,
            &[7; 600],
            &options,
            [8; 32],
        );
        let record = signer
            .sign_item(
                &media_id,
                album,
                epoch,
                &history.head().1,
                &[part.entry()],
                b"{\"name\":\"x\"}",
            )
            .expect("a valid item");
        Genuine {
            media_id,
            epoch,
            member: signer.identity_public_key().digest(),
            history,
            record,
        }
    })
}

fuzz_target!(
    init: {
        genuine();
    },
    |data: &[u8]| {
        let g = genuine();
        match parse_manifest(data) {
            Ok(m) => {
                let p = m.parts().len();
                assert!((1..=5).contains(&p));
                assert_eq!(data.len(), MANIFEST_FIXED_LEN + p * PART_ENTRY_LEN + 64);
                assert!(m.parts().windows(2).all(|w| w[0].kind.to_byte() < w[1].kind.to_byte()));
                assert_eq!(m.to_bytes(), data);
                assert_eq!(parse_manifest(&m.to_bytes()).expect("reparses"), m);
            }
            Err(e) => assert_first_rules(
                &e,
                data,
                (MANIFEST_MAGIC, MANIFEST_VERSION, PROVENANCE_SUITE_SHA256_ED25519),
                "MalformedManifest",
                &["MalformedManifest", "InvalidPublicKey", "UnknownKind", "ChunkSizeOutOfRange"],
            ),
        }
        match ItemRecord::parse(data) {
            Ok(r) => {
                if let Ok(again) = ItemRecord::encode(r.manifest(), r.metadata()) {
                    assert_eq!(again, data);
                }
            }
            Err(e) => assert!(
                matches!(e, Error::MalformedManifest { .. } | Error::UnsupportedVersion(_)),
                "{e:?}"
            ),
        }
        match verify_item(data, &g.media_id, g.epoch, &g.history) {
            Ok(v) => {
                assert_eq!(data, &g.record[..], "a record the fixture did not sign verified");
                assert_eq!(v.uploader().digest(), g.member);
            }
            Err(e) => assert!(
                matches!(
                    e,
                    Error::MalformedManifest { .. }
                        | Error::UnsupportedVersion(_)
                        | Error::UnsupportedSuite(_)
                        | Error::InvalidPublicKey
                        | Error::UnknownKind(_)
                        | Error::ChunkSizeOutOfRange(_)
                        | Error::ProvenanceUnsigned
                        | Error::ProvenanceWrongItem
                        | Error::HistoryUnknownEntry
                        | Error::ProvenanceNotMember
                        | Error::ProvenanceBadSignature
                        | Error::ProvenanceMismatch { .. }
                ),
                "{e:?}"
            ),
        }
    }
);
