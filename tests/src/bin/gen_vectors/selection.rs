//! Selection grant vectors (SPEC.md 5.11): grants from fixed identities, items, salts,
//! nonces, selection ids and encapsulation randomness; their bodies; and refused edits.

use keepsake::account::Keyring;
use keepsake::envelope::MediaBlob;
use keepsake::provenance::ItemRecord;
use keepsake::selection::{SELECTION_HEADER_LEN, SelectedItem, SelectedPart, SelectionExpect};
use keepsake::stream::SealOptions;
use keepsake::{AlbumId, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::selection_vectors::{
    SelectionPart, SelectionRefusal, SelectionVector, SelectionVectorItem,
};
use keepsake_tests::{array, error_name, pattern};

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
const EPOCH: u64 = 2;

struct Stored {
    id: MediaId,
    key: MediaKey,
    original: Vec<u8>,
    original_pt: Vec<u8>,
    thumbnail: Vec<u8>,
    metadata: Vec<u8>,
    record: Vec<u8>,
    manifest: Vec<u8>,
}

fn stored(uploader: &Keyring, n: u8, signed: bool) -> Stored {
    let id = MediaId::from_bytes(array(n));
    let key = MediaKey::from_bytes(array(n.wrapping_add(50)));
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let original_pt = pattern(n, 600);
    let (original, orig) = hazmat::seal_part_with_salt(
        &key,
        &id,
        MediaKind::Original,
        &original_pt,
        &options,
        array(n.wrapping_add(60)),
    );
    let (thumbnail, thumb) = hazmat::seal_part_with_salt(
        &key,
        &id,
        MediaKind::Thumbnail,
        b"thumbnail",
        &options,
        array(n.wrapping_add(70)),
    );
    let metadata_pt = b"{\"name\":\"print-me.jpg\"}";
    let record = if signed {
        uploader
            .sign_item(
                &id,
                ALBUM,
                EPOCH,
                // The album history entry the upload relies on (5.12): the grant's.
                &array::<32>(20),
                &[orig.entry(), thumb.entry()],
                metadata_pt,
            )
            .unwrap()
    } else {
        ItemRecord::encode(None, metadata_pt).unwrap()
    };
    let manifest = ItemRecord::parse(&record)
        .unwrap()
        .manifest()
        .unwrap_or_default()
        .to_vec();
    let metadata = hazmat::seal_media_blob(
        &key,
        &id,
        MediaBlob::Metadata,
        &record,
        array(n.wrapping_add(80)),
    )
    .unwrap();
    Stored {
        id,
        key,
        original,
        original_pt,
        thumbnail,
        metadata,
        record,
        manifest,
    }
}

fn stream_part(s: &Stored, kind: MediaKind, stored: &[u8], pt: &[u8]) -> SelectionPart {
    let (key, commitment) = hazmat::stream_key_schedule(
        &s.key,
        stored[..24].try_into().unwrap(),
        stored[24..56].try_into().unwrap(),
    );
    SelectionPart {
        kind: kind.name().into(),
        stored: hex::encode(stored),
        plaintext: hex::encode(pt),
        part_key: hex::encode(*key),
        commitment: hex::encode(commitment),
    }
}

fn metadata_part(s: &Stored) -> SelectionPart {
    let binding = [&[1u8, 1, 16][..], s.id.as_bytes()].concat();
    let (key, commitment) = hazmat::envelope_key_schedule(
        &hazmat::media_key_bytes(&s.key),
        s.metadata[1..25].try_into().unwrap(),
        &binding,
    );
    SelectionPart {
        kind: "metadata".into(),
        stored: hex::encode(&s.metadata),
        plaintext: hex::encode(&s.record),
        part_key: hex::encode(*key),
        commitment: hex::encode(commitment),
    }
}

/// One case: `chosen` items, each with the originals only or with thumbnail and metadata.
fn case(name: &str, comment: &str, items: &[(u8, bool)], with_metadata: bool) -> SelectionVector {
    let sender_seed: [u8; 32] = array(1);
    // The bundle-v1.json account's identity, so the bindings accept by unlocking it.
    let recipient_seed = crate::account::bundle_identity_secret();
    let other_seed: [u8; 32] = array(3);
    let sender = hazmat::keyring_from_secrets(&[array(11)], sender_seed);
    let recipient = hazmat::keyring_from_secrets(&[array(12)], recipient_seed);
    let other = hazmat::keyring_from_secrets(&[array(13)], other_seed);
    let stored: Vec<Stored> = items.iter().map(|&(n, s)| stored(&sender, n, s)).collect();
    let parts: Vec<Vec<SelectedPart<'_>>> = stored
        .iter()
        .map(|s| {
            if with_metadata {
                vec![
                    SelectedPart::Metadata(&s.metadata),
                    SelectedPart::Stream(&s.thumbnail),
                ]
            } else {
                vec![SelectedPart::Stream(&s.original[..88])]
            }
        })
        .collect();
    let selected: Vec<SelectedItem<'_>> = stored
        .iter()
        .zip(&parts)
        .map(|(s, p)| SelectedItem {
            media_id: s.id,
            epoch: EPOCH,
            media_key: &s.key,
            parts: p,
            manifest: (!s.manifest.is_empty()).then_some(&s.manifest[..]),
        })
        .collect();
    let (history, expires_at, selection_id, eseed) = (
        array::<32>(20),
        1_767_225_600,
        array::<16>(21),
        array::<64>(22),
    );
    let grant = hazmat::grant_selection_with_randomness(
        &sender,
        &recipient.identity_public_key(),
        ALBUM,
        history,
        expires_at,
        &selected,
        selection_id,
        &eseed,
    )
    .unwrap();
    let expect = SelectionExpect {
        album_id: Some(ALBUM),
        history: Some(history),
    };
    let sender_pk = sender.identity_public_key();
    let accepted = recipient
        .accept_selection(&grant, &sender_pk, &expect)
        .unwrap();
    let mut order: Vec<&Stored> = stored.iter().collect();
    order.sort_by_key(|s| s.id);
    let vector_items = order
        .iter()
        .map(|s| {
            let parts = if with_metadata {
                vec![
                    stream_part(s, MediaKind::Thumbnail, &s.thumbnail, b"thumbnail"),
                    metadata_part(s),
                ]
            } else {
                vec![stream_part(
                    s,
                    MediaKind::Original,
                    &s.original,
                    &s.original_pt,
                )]
            };
            let (not_granted, not_granted_kind) = if with_metadata {
                (&s.original, MediaKind::Original)
            } else {
                (&s.thumbnail, MediaKind::Thumbnail)
            };
            assert_eq!(
                error_name(
                    &accepted
                        .open_part(&s.id, not_granted_kind, not_granted)
                        .unwrap_err()
                ),
                "NotInSelection"
            );
            SelectionVectorItem {
                media_id: hex::encode(s.id.as_bytes()),
                epoch: EPOCH,
                media_key: hex::encode(hazmat::media_key_bytes(&s.key)),
                parts,
                not_granted: hex::encode(not_granted),
                not_granted_kind: not_granted_kind.name().into(),
                manifest: hex::encode(&s.manifest),
            }
        })
        .collect();
    let body = hazmat::selection_body(&grant, &recipient).unwrap();
    let mut refusals = Vec::new();
    let mut refuse =
        |comment: &str, edit: Option<(usize, Vec<u8>)>, truncate: Option<usize>, by_other: bool| {
            let mut refusal = SelectionRefusal {
                comment: comment.into(),
                offset: edit.as_ref().map(|(at, _)| *at),
                bytes: edit.as_ref().map(|(_, b)| hex::encode(b)),
                truncate,
                accepted_by: if by_other { "other" } else { "recipient" }.into(),
                error: String::new(),
            };
            let who = if by_other { &other } else { &recipient };
            let bad = refusal.apply(&grant);
            let err = who.accept_selection(&bad, &sender_pk, &expect).unwrap_err();
            refusal.error = error_name(&err).into();
            refusals.push(refusal);
        };
    let flip = |at: usize| Some((at, vec![grant[at] ^ 1]));
    refuse("replayed to another recipient", None, None, true);
    let other_digest = other.identity_public_key().digest().to_vec();
    refuse(
        "re-addressed to another recipient",
        Some((34, other_digest)),
        None,
        true,
    );
    refuse("version 2", Some((0, vec![2])), None, false);
    refuse("suite 1 (downgrade)", Some((1, vec![1])), None, false);
    refuse("another sender digest", flip(2), None, false);
    refuse("another album", flip(66), None, false);
    refuse("another selection id", flip(82), None, false);
    refuse("a later expiry", flip(105), None, false);
    refuse("another history entry", flip(106), None, false);
    refuse(
        "1001 items: above the cap",
        Some((138, vec![0x03, 0xe9])),
        None,
        false,
    );
    refuse("no items", Some((138, vec![0, 0])), None, false);
    refuse("enc altered", flip(SELECTION_HEADER_LEN), None, false);
    refuse("ciphertext altered", flip(grant.len() - 80), None, false);
    refuse("signature altered", flip(grant.len() - 1), None, false);
    refuse("cut inside the header", None, Some(100), false);
    refuse("cut by one byte", None, Some(grant.len() - 1), false);
    SelectionVector {
        name: name.into(),
        comment: comment.into(),
        sender_identity_secret: hex::encode(sender_seed),
        sender_identity_public: hex::encode(sender_pk.to_bytes()),
        recipient_identity_secret: hex::encode(recipient_seed),
        recipient_bundle: crate::account::recipient_bundle(),
        other_identity_secret: hex::encode(other_seed),
        album_id: hex::encode(ALBUM.as_bytes()),
        history: hex::encode(history),
        expires_at,
        selection_id: hex::encode(selection_id),
        eseed: hex::encode(eseed),
        items: vector_items,
        header: hex::encode(&grant[..SELECTION_HEADER_LEN]),
        body: hex::encode(&*body),
        grant: hex::encode(&grant),
        sender_fingerprint: keepsake::sharing::fingerprint(&sender_pk),
        refusals,
    }
}

pub fn selection_vectors() -> Vec<SelectionVector> {
    vec![
        case(
            "print-order-originals",
            "Three signed items, the originals only (a print order): the recipient opens each original and nothing else.",
            &[(31, true), (32, true), (30, true)],
            false,
        ),
        case(
            "thumbnail-and-metadata",
            "One signed and one unsigned item, thumbnail and metadata each, originals withheld.",
            &[(41, true), (40, false)],
            true,
        ),
    ]
}
