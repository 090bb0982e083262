//! Runs `tests/vectors/provenance-v1.json` (SPEC.md 5.10) case by case: each part re-seals
//! to the recorded bytes with the recorded hash list and root, which are recomputed here
//! a second time from SPEC.md alone with `sha2`; each genuine record re-signs byte for
//! byte (Ed25519 is deterministic) and its signature verifies with `ed25519-dalek`
//! directly; the verifier gives the recorded uploader or error; each check gives the
//! recorded plaintext or error.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Cursor;

use ed25519_dalek::{Signature, VerifyingKey};
use keepsake::history::verify_history;
use keepsake::identity::IdentityPublicKey;
use keepsake::provenance::{
    ItemRecord, LABEL_CHUNK_HASH, LABEL_MANIFEST_SIGNATURE, LABEL_PART_ROOT, verify_item,
};
use keepsake::stream::{HEADER_LEN, OpenOptions, SealOptions};
use keepsake::{AlbumId, MediaId, MediaKey, hazmat};
use keepsake_tests::{ProvenanceVector, error_name, kind_from_name, load, unhex, unhex_array};
use sha2::{Digest, Sha256};

/// The hash list and root of a sealed part, from SPEC.md 5.10 alone.
fn spec_hashes(sealed: &[u8], chunk_log2: u8) -> (Vec<u8>, [u8; 32]) {
    let stride = (1usize << chunk_log2) + 16;
    let mut list = Vec::new();
    for (i, piece) in sealed[HEADER_LEN..].chunks(stride).enumerate() {
        let h = Sha256::new()
            .chain_update(LABEL_CHUNK_HASH)
            .chain_update((i as u64).to_be_bytes())
            .chain_update(piece)
            .finalize();
        list.extend_from_slice(&h);
    }
    let root = Sha256::new()
        .chain_update(LABEL_PART_ROOT)
        .chain_update(&sealed[..HEADER_LEN])
        .chain_update(((list.len() / 32) as u64).to_be_bytes())
        .chain_update(&list)
        .finalize()
        .into();
    (list, root)
}

#[test]
fn provenance_vectors() {
    let file = load::<ProvenanceVector>("provenance-v1.json");
    assert!(file.vectors.len() >= 9, "{} cases", file.vectors.len());
    let mut checks = 0;
    for v in &file.vectors {
        let key = MediaKey::from_bytes(unhex_array("media_key", &v.media_key));
        let id = MediaId::from_bytes(unhex_array("media_id", &v.media_id));
        let album = AlbumId::from_bytes(unhex_array("album_id", &v.album_id));
        let owner =
            IdentityPublicKey::from_slice(&unhex("history_owner", &v.history_owner)).unwrap();
        let chain: Vec<Vec<u8>> = v.history.iter().map(|e| unhex("history", e)).collect();
        let history = verify_history(&chain, album, &owner, None).unwrap();
        let head = history.head().1;
        let members: Vec<String> = history
            .member_digests_at(&head)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect();
        assert_eq!(members, v.members, "{}: members at the head", v.name);
        let history_hash: [u8; 32] = unhex_array("history_hash", &v.history_hash);
        let mut entries = Vec::new();
        for p in &v.parts {
            let kind = kind_from_name(&p.kind).unwrap();
            let options = SealOptions::new()
                .with_chunk_size_log2(p.chunk_log2)
                .unwrap();
            let (sealed, part) = hazmat::seal_part_with_salt(
                &key,
                &id,
                kind,
                &unhex("plaintext", &p.plaintext),
                &options,
                unhex_array("salt", &p.salt),
            );
            assert_eq!(
                hex::encode(&sealed),
                p.sealed,
                "{}: {} sealed",
                v.name,
                p.kind
            );
            assert_eq!(
                hex::encode(part.hashes().list_bytes()),
                p.hash_list,
                "{}",
                v.name
            );
            assert_eq!(hex::encode(part.root()), p.root, "{}", v.name);
            let (list, root) = spec_hashes(&sealed, p.chunk_log2);
            assert_eq!(
                hex::encode(list),
                p.hash_list,
                "{}: SPEC's hash list",
                v.name
            );
            assert_eq!(hex::encode(root), p.root, "{}: SPEC's root", v.name);
            entries.push(part.entry());
        }
        let record = unhex("record", &v.record);
        let metadata = unhex("metadata", &v.metadata);
        let genuine = matches!(
            v.error.as_deref(),
            None | Some("ProvenanceNotMember")
                | Some("ProvenanceWrongItem")
                | Some("HistoryUnknownEntry")
        );
        if genuine {
            let signer = hazmat::keyring_from_secrets(
                &[[0; 32]],
                unhex_array("signer_identity_secret", &v.signer_identity_secret),
            );
            let again = signer
                .sign_item(
                    &id,
                    album,
                    v.signed_epoch,
                    &history_hash,
                    &entries,
                    &metadata,
                )
                .unwrap();
            assert_eq!(
                hex::encode(&again),
                v.record,
                "{}: re-signed record",
                v.name
            );
            // The signature, checked without the keepsake crate's verifier.
            let manifest = ItemRecord::parse(&record).unwrap().manifest().unwrap();
            let (body, signature) = manifest.split_at(manifest.len() - 64);
            let public = VerifyingKey::from_bytes(body[78..110].try_into().unwrap()).unwrap();
            let message = [LABEL_MANIFEST_SIGNATURE, body].concat();
            public
                .verify_strict(&message, &Signature::from_slice(signature).unwrap())
                .unwrap();
        }
        // The manifest names the history entry at bytes 46..78 of its body.
        if let Some(manifest) = manifest_of(&record) {
            assert_eq!(&manifest[46..78], &history_hash[..], "{}", v.name);
        }
        let result = verify_item(&record, &id, v.epoch, &history);
        match (&result, &v.error) {
            (Ok(verified), None) => {
                assert_eq!(
                    Some(hex::encode(verified.uploader().digest())),
                    v.uploader_digest
                );
                assert_eq!(Some(verified.uploader_fingerprint()), v.fingerprint);
                assert_eq!(verified.metadata(), &metadata[..]);
            }
            (Err(e), Some(want)) => assert_eq!(error_name(e), want, "{}", v.name),
            (got, want) => panic!("{}: got {got:?}, want {want:?}", v.name),
        }
        let Ok(verified) = result else {
            assert!(v.checks.is_empty(), "{}", v.name);
            continue;
        };
        for c in &v.checks {
            let kind = kind_from_name(&c.kind).unwrap();
            let sealed = unhex("sealed", &c.sealed);
            let got = match (c.offset, c.len, &c.hash_list) {
                (Some(offset), Some(len), Some(list)) => verified.open_range(
                    &key,
                    kind,
                    &mut Cursor::new(&sealed),
                    offset,
                    len,
                    &unhex("hash_list", list),
                ),
                _ => verified.open_part(&key, kind, &sealed, &OpenOptions::default()),
            };
            match (&got, &c.plaintext, &c.error) {
                (Ok(pt), Some(want), None) => assert_eq!(&hex::encode(pt), want, "{}", c.comment),
                (Err(e), None, Some(want)) => assert_eq!(error_name(e), want, "{}", c.comment),
                _ => panic!("{}: {}: got {got:?}", v.name, c.comment),
            }
            checks += 1;
        }
    }
    assert!(checks >= 12, "{checks} checks");
}

/// The manifest inside a record (`0x01 || be32(m) || manifest || metadata`), or nothing.
fn manifest_of(record: &[u8]) -> Option<&[u8]> {
    let m = u32::from_be_bytes(record[1..5].try_into().unwrap()) as usize;
    (m > 0).then(|| &record[5..5 + m])
}
