//! Provenance vectors (SPEC.md 5.10): sealed parts with their hash lists and roots, signed
//! item records, and refused records, parts and ranges.

use std::io::Cursor;

use keepsake::history::{HistoryAction, VerifiedHistory, history_entry_hash, verify_history};
use keepsake::provenance::{ItemRecord, MANIFEST_FIXED_LEN, verify_item};
use keepsake::stream::{HEADER_LEN, OpenOptions, SealOptions};
use keepsake::{AlbumId, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::{
    ProvenanceCheck, ProvenancePart, ProvenanceVector, array, error_name, pattern,
};

/// The parts of one item: (kind, chunk_log2, plaintext length, seed).
const PARTS: [(MediaKind, u8, usize, u8); 2] = [
    (MediaKind::Original, 8, 1500, 1),
    (MediaKind::Thumbnail, 8, 40, 2),
];

struct Sealed {
    part: ProvenancePart,
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    entry: keepsake::provenance::PartEntry,
}

fn seal(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    log2: u8,
    pt: Vec<u8>,
    salt: [u8; 32],
) -> Sealed {
    let options = SealOptions::new().with_chunk_size_log2(log2).unwrap();
    let (bytes, part) = hazmat::seal_part_with_salt(key, id, kind, &pt, &options, salt);
    Sealed {
        part: ProvenancePart {
            kind: kind.name().into(),
            chunk_log2: log2,
            salt: hex::encode(salt),
            plaintext: hex::encode(&pt),
            sealed: hex::encode(&bytes),
            hash_list: hex::encode(part.hashes().list_bytes()),
            root: hex::encode(part.root()),
        },
        entry: part.entry(),
        bytes,
        plaintext: pt,
    }
}

/// Runs a check as the test will, recording its outcome.
fn check(
    verified: &keepsake::provenance::VerifiedItem,
    key: &MediaKey,
    comment: &str,
    kind: MediaKind,
    sealed: &[u8],
    range: Option<(u64, u64, &[u8])>,
) -> ProvenanceCheck {
    let result = match range {
        None => verified.open_part(key, kind, sealed, &OpenOptions::default()),
        Some((offset, len, list)) => {
            verified.open_range(key, kind, &mut Cursor::new(sealed), offset, len, list)
        }
    };
    ProvenanceCheck {
        comment: comment.into(),
        kind: kind.name().into(),
        sealed: hex::encode(sealed),
        offset: range.map(|r| r.0),
        len: range.map(|r| r.1),
        hash_list: range.map(|r| hex::encode(r.2)),
        plaintext: result.as_ref().ok().map(hex::encode),
        error: result.as_ref().err().map(|e| error_name(e).to_string()),
    }
}

pub(crate) fn vectors() -> Vec<ProvenanceVector> {
    let signer_seed: [u8; 32] = array(150);
    let signer = hazmat::keyring_from_secrets(&[array(151), array(159)], signer_seed);
    let member = hazmat::keyring_from_secrets(&[array(152)], array(153));
    let outsider_seed: [u8; 32] = array(154);
    let outsider = hazmat::keyring_from_secrets(&[array(155)], outsider_seed);
    let removed_seed: [u8; 32] = array(165);
    let removed = hazmat::keyring_from_secrets(&[array(166)], removed_seed);
    let digest = |k: &keepsake::account::Keyring| hex::encode(k.identity_public_key().digest());
    let members = vec![digest(&signer), digest(&member)];
    let key_bytes: [u8; 32] = array(156);
    let key = MediaKey::from_bytes(key_bytes);
    let id = MediaId::from_bytes(array(157));
    let album = AlbumId::from_bytes(array(158));
    let (chain, history) = album_history(album, &signer, &member, &removed);
    let epoch = history.current_epoch();
    let head = history.head().1;
    let before_removal = history_entry_hash(&chain[2]);
    let metadata = b"{\"name\":\"IMG_0042.jpg\",\"taken\":\"2026-07-14\"}".to_vec();
    let sealed: Vec<Sealed> = PARTS
        .iter()
        .map(|&(kind, log2, len, seed)| {
            seal(&key, &id, kind, log2, pattern(seed, len), array(160 + seed))
        })
        .collect();
    let entries: Vec<_> = sealed.iter().map(|s| s.entry).collect();
    let sign_at = |k: &keepsake::account::Keyring, e: u64, at: &[u8; 32]| {
        k.sign_item(&id, album, e, at, &entries, &metadata).unwrap()
    };
    let sign = |k: &keepsake::account::Keyring, e: u64| sign_at(k, e, &head);
    let record = sign(&signer, epoch);

    let case_at = |name: &str,
                   comment: &str,
                   seed: [u8; 32],
                   signed_epoch: u64,
                   at: &[u8; 32],
                   record: Vec<u8>| {
        let result = verify_item(&record, &id, epoch, &history);
        ProvenanceVector {
            name: name.into(),
            comment: comment.into(),
            signer_identity_secret: hex::encode(seed),
            media_key: hex::encode(key_bytes),
            media_id: hex::encode(id.as_bytes()),
            album_id: hex::encode(album.as_bytes()),
            signed_epoch,
            epoch,
            parts: sealed.iter().map(|s| clone_part(&s.part)).collect(),
            metadata: hex::encode(&metadata),
            record: hex::encode(&record),
            history: chain.iter().map(hex::encode).collect(),
            history_owner: hex::encode(signer.identity_public_key().to_bytes()),
            history_hash: hex::encode(at),
            members: members.clone(),
            uploader_digest: result
                .as_ref()
                .ok()
                .map(|v| hex::encode(v.uploader().digest())),
            fingerprint: result.as_ref().ok().map(|v| v.uploader_fingerprint()),
            error: result.as_ref().err().map(|e| error_name(e).to_string()),
            checks: Vec::new(),
        }
    };
    let case = |name: &str, comment: &str, seed: [u8; 32], signed_epoch: u64, record: Vec<u8>| {
        case_at(name, comment, seed, signed_epoch, &head, record)
    };

    // The signed item, with part and range checks.
    let mut good = case(
        "signed-item",
        "an item signed by a member: verifies, parts and ranges open; re-sealed, altered or truncated content is refused",
        signer_seed,
        epoch,
        record.clone(),
    );
    let verified = verify_item(&record, &id, epoch, &history).unwrap();
    let (original, thumb) = (&sealed[0], &sealed[1]);
    let list = hex::decode(&original.part.hash_list).unwrap();
    let mut checks = vec![
        check(
            &verified,
            &key,
            "whole original",
            MediaKind::Original,
            &original.bytes,
            None,
        ),
        check(
            &verified,
            &key,
            "whole thumbnail",
            MediaKind::Thumbnail,
            &thumb.bytes,
            None,
        ),
        check(
            &verified,
            &key,
            "range inside chunks 1-2",
            MediaKind::Original,
            &original.bytes,
            Some((300, 400, &list)),
        ),
        check(
            &verified,
            &key,
            "range to the end",
            MediaKind::Original,
            &original.bytes,
            Some((1400, 1000, &list)),
        ),
        check(
            &verified,
            &key,
            "the thumbnail offered as the original",
            MediaKind::Original,
            &thumb.bytes,
            None,
        ),
    ];
    // A member re-seals other content under the same key and the same salt.
    let forged = seal(
        &key,
        &id,
        MediaKind::Original,
        8,
        pattern(99, 1500),
        array(161),
    );
    checks.push(check(
        &verified,
        &key,
        "re-sealed by a member under the same media key and salt: whole",
        MediaKind::Original,
        &forged.bytes,
        None,
    ));
    checks.push(check(
        &verified,
        &key,
        "re-sealed: range with the signed hash list",
        MediaKind::Original,
        &forged.bytes,
        Some((300, 400, &list)),
    ));
    let forged_list = hex::decode(&forged.part.hash_list).unwrap();
    checks.push(check(
        &verified,
        &key,
        "re-sealed: range with its own hash list",
        MediaKind::Original,
        &forged.bytes,
        Some((300, 400, &forged_list)),
    ));
    let mut flipped = original.bytes.clone();
    flipped[HEADER_LEN + 2 * 272 + 7] ^= 1;
    checks.push(check(
        &verified,
        &key,
        "chunk 2 altered: a range over chunks 1-2",
        MediaKind::Original,
        &flipped,
        Some((300, 400, &list)),
    ));
    checks.push(check(
        &verified,
        &key,
        "chunk 2 altered: a range over chunk 0 only still opens",
        MediaKind::Original,
        &flipped,
        Some((0, 100, &list)),
    ));
    let mut bad_list = list.clone();
    bad_list[40] ^= 1;
    checks.push(check(
        &verified,
        &key,
        "a hash list that is not the signed one",
        MediaKind::Original,
        &original.bytes,
        Some((0, 100, &bad_list)),
    ));
    checks.push(check(
        &verified,
        &key,
        "the last chunk cut off",
        MediaKind::Original,
        &original.bytes[..original.bytes.len() - 100],
        Some((0, 100, &list)),
    ));
    good.checks = checks;
    let _ = original.plaintext.len();

    let mut out = vec![good];
    out.push(case(
        "unsigned",
        "an item record with no manifest",
        signer_seed,
        epoch,
        ItemRecord::encode(None, &metadata).unwrap(),
    ));
    out.push(case(
        "not-a-member",
        "signed by an identity that is not a member at the entry it names",
        outsider_seed,
        epoch,
        sign(&outsider, epoch),
    ));
    out.push(case(
        "wrong-epoch",
        "signed for the previous generation's epoch",
        signer_seed,
        epoch - (1 << 32),
        sign(&signer, epoch - (1 << 32)),
    ));
    let manifest_len = 5 + u32::from_be_bytes(record[1..5].try_into().unwrap()) as usize;
    let mut bad_sig = record.clone();
    bad_sig[manifest_len - 1] ^= 1;
    out.push(case(
        "bad-signature",
        "the signature's last byte flipped",
        signer_seed,
        epoch,
        bad_sig,
    ));
    let mut bad_root = record.clone();
    bad_root[5 + MANIFEST_FIXED_LEN + 30] ^= 1;
    out.push(case(
        "altered-root",
        "a byte of the original's root changed (the signature no longer verifies)",
        signer_seed,
        epoch,
        bad_root,
    ));
    let mut bad_meta = record.clone();
    let last = bad_meta.len() - 2;
    bad_meta[last] ^= 0x20;
    out.push(case(
        "altered-metadata",
        "the metadata beside the manifest changed",
        signer_seed,
        epoch,
        bad_meta,
    ));
    out.push(case(
        "removed-member",
        "signed by a member removed at the head, naming the head",
        removed_seed,
        epoch,
        sign(&removed, epoch),
    ));
    out.push(case_at(
        "member-before-removal-wrong-epoch",
        "signed by that member naming the entry before the removal, but with the new epoch",
        removed_seed,
        epoch,
        &before_removal,
        sign_at(&removed, epoch, &before_removal),
    ));
    out.push(case_at(
        "unknown-history-entry",
        "naming a history entry the verifier's chain does not hold (a fork, or a stale chain)",
        signer_seed,
        epoch,
        &[0x5A; 32],
        sign_at(&signer, epoch, &[0x5A; 32]),
    ));
    let mut v2 = record.clone();
    v2[5 + 4] = 2;
    out.push(case(
        "manifest-version-2",
        "the manifest's version byte is 2",
        signer_seed,
        epoch,
        v2,
    ));
    let mut cut = record[..manifest_len - 1].to_vec();
    cut[1..5].copy_from_slice(&((manifest_len - 6) as u32).to_be_bytes());
    out.push(case(
        "manifest-truncated",
        "the manifest one byte short (its length field says so)",
        signer_seed,
        epoch,
        cut,
    ));
    out
}

/// The album's history: the signer (at generation 1) creates it, adds the member and a
/// member it then removes, so the head's epoch is `2^32 + 1`.
fn album_history(
    album: AlbumId,
    owner: &keepsake::account::Keyring,
    member: &keepsake::account::Keyring,
    removed: &keepsake::account::Keyring,
) -> (Vec<Vec<u8>>, VerifiedHistory) {
    let mut chain = vec![owner.create_album_history(album).unwrap()];
    let mut history = verify_history(&chain, album, &owner.identity_public_key(), None).unwrap();
    for action in [
        HistoryAction::AddMember(member.identity_public_key()),
        HistoryAction::AddMember(removed.identity_public_key()),
        HistoryAction::RemoveMember(removed.identity_public_key().digest()),
    ] {
        let entry = owner.append_history(&history, action).unwrap();
        history.extend(&entry).unwrap();
        chain.push(entry);
    }
    (chain, history)
}

fn clone_part(p: &ProvenancePart) -> ProvenancePart {
    ProvenancePart {
        kind: p.kind.clone(),
        chunk_log2: p.chunk_log2,
        salt: p.salt.clone(),
        plaintext: p.plaintext.clone(),
        sealed: p.sealed.clone(),
        hash_list: p.hash_list.clone(),
        root: p.root.clone(),
    }
}
