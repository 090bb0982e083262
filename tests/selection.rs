//! Selection grants and print orders (SPEC.md 5.11): a chosen set of items, and chosen
//! parts of each, shared with one recipient by part keys, never media keys. The round
//! trip, every refusal of accept and of open, and (below) the adversarial cases the issue
//! names: a grant stretched to another item, another part, the album; replay to another
//! recipient.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Cursor, Read};

use keepsake::envelope::AlbumBlob;
use keepsake::selection::{MAX_SELECTION_ITEMS, SELECTION_HEADER_LEN, inspect_selection};
use keepsake::stream::OpenOptions;

#[path = "selection_common.rs"]
mod common;
use common::*;

#[test]
fn three_of_ten_originals_open_on_every_path_and_nothing_else_does() {
    let w = world();
    let grant = print_order(&w);
    let info = inspect_selection(&grant).unwrap();
    assert_eq!(info.item_count, 3);
    assert_eq!(info.expires_at, EXPIRES);
    assert_eq!(info.history, HISTORY);
    assert_eq!(info.album_id, ALBUM);
    assert_eq!(info.sender, w.alice.identity_public_key().digest());
    assert!(!info.expired(EXPIRES - 1) && info.expired(EXPIRES));
    let sel = accepted(&w, &grant);
    assert_eq!(sel.info(), &info);
    let ids: Vec<MediaId> = sel.items().iter().map(|i| i.media_id()).collect();
    assert_eq!(ids, vec![w.items[2].id, w.items[5].id, w.items[7].id]);
    // Bob's own album history: one that does not hold the entry the items name.
    let bob_genesis = w.bob.create_album_history(ALBUM).unwrap();
    let bobs = verify_history(&[bob_genesis], ALBUM, &w.bob.identity_public_key(), None).unwrap();
    for &i in &[2usize, 5, 7] {
        let it = &w.items[i];
        let entry = sel.item(&it.id).unwrap();
        assert_eq!(entry.parts(), vec![PartKind::Media(MediaKind::Original)]);
        assert_eq!(entry.epoch(), EPOCH);
        assert_eq!(
            entry.uploader(&w.history).unwrap(),
            &w.alice.identity_public_key()
        );
        assert_eq!(name(entry.uploader(&bobs)), "HistoryUnknownEntry");
        sel.verify_part(&it.id, MediaKind::Original, &it.original)
            .unwrap();
        assert_eq!(
            sel.open_part(&it.id, MediaKind::Original, &it.original)
                .unwrap(),
            it.original_pt
        );
        let mut streamed = Vec::new();
        sel.opener(
            &it.id,
            MediaKind::Original,
            Cursor::new(&it.original),
            &OpenOptions::default(),
        )
        .unwrap()
        .read_to_end(&mut streamed)
        .unwrap();
        assert_eq!(streamed, it.original_pt);
        let range = sel
            .open_range(
                &it.id,
                MediaKind::Original,
                &mut Cursor::new(&it.original),
                1000,
                700,
            )
            .unwrap();
        assert_eq!(range, &it.original_pt[1000..1700]);
        let mut push = sel
            .push_opener(&it.id, MediaKind::Original, &OpenOptions::default())
            .unwrap();
        let mut pushed = Vec::new();
        for piece in it.original.chunks(333) {
            pushed.extend(push.push(piece).unwrap());
        }
        pushed.extend(push.finish().unwrap());
        assert_eq!(pushed, it.original_pt);
        // The other parts of a selected item: not granted.
        for kind in [MediaKind::Thumbnail, MediaKind::Preview, MediaKind::Sidecar] {
            assert_eq!(
                name(sel.open_part(&it.id, kind, &it.thumbnail)),
                "NotInSelection"
            );
        }
        assert_eq!(
            name(sel.open_metadata(&it.id, &it.metadata)),
            "NotInSelection"
        );
    }
    // The fourth item, and every other one.
    for i in [0usize, 1, 3, 4, 6, 8, 9] {
        let it = &w.items[i];
        assert_eq!(
            name(sel.open_part(&it.id, MediaKind::Original, &it.original)),
            "NotInSelection"
        );
        assert_eq!(
            name(sel.verify_part(&it.id, MediaKind::Original, &it.original)),
            "NotInSelection"
        );
    }
    // Debug shows no key.
    let debug = format!("{sel:?}");
    assert!(debug.contains("redacted"));
    let payload = hazmat::stream_key_schedule(
        &w.items[2].key,
        w.items[2].original[..24].try_into().unwrap(),
        w.items[2].original[24..56].try_into().unwrap(),
    )
    .0;
    assert!(!debug.contains(&format!("{:?}", &payload[..4])));
}

#[test]
fn a_granted_metadata_part_opens_the_record_and_its_manifest_verifies() {
    let w = world();
    let grant = grant_parts(&w, &w.printer, &[3], |it| {
        vec![
            SelectedPart::Metadata(&it.metadata),
            SelectedPart::Stream(&it.thumbnail),
        ]
    });
    let sel = accepted(&w, &grant);
    let it = &w.items[3];
    assert_eq!(
        sel.item(&it.id).unwrap().parts(),
        vec![PartKind::Media(MediaKind::Thumbnail), PartKind::Metadata]
    );
    assert_eq!(sel.open_metadata(&it.id, &it.metadata).unwrap(), it.record);
    assert_eq!(
        sel.open_part(&it.id, MediaKind::Thumbnail, &it.thumbnail)
            .unwrap(),
        b"thumb"
    );
    // The original was not granted, but the manifest still checks its ciphertext.
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Original, &it.original)),
        "NotInSelection"
    );
    sel.verify_part(&it.id, MediaKind::Original, &it.original)
        .unwrap();
    let mut altered = it.original.clone();
    altered[HEADER_LEN + 5] ^= 1;
    assert_eq!(
        name(sel.verify_part(&it.id, MediaKind::Original, &altered)),
        "ProvenanceMismatch"
    );
    // Another metadata envelope of the same item (re-sealed, new nonce): refused.
    let resealed = it
        .key
        .seal_blob(&it.id, MediaBlob::Metadata, &it.record)
        .unwrap();
    assert_eq!(
        name(sel.open_metadata(&it.id, &resealed)),
        "DecryptionFailed"
    );
    // The caption under the same media key: refused.
    let caption = it.key.seal_blob(&it.id, MediaBlob::Caption, b"hi").unwrap();
    assert_eq!(
        name(sel.open_metadata(&it.id, &caption)),
        "DecryptionFailed"
    );
}

#[test]
fn an_item_sealed_later_and_a_resealed_part_are_refused() {
    let w = world();
    let sel = accepted(&w, &print_order(&w));
    let later = item(&w.alice, 77, &w.history.head().1);
    assert_eq!(
        name(sel.open_part(&later.id, MediaKind::Original, &later.original)),
        "NotInSelection"
    );
    // The same item's original sealed again under the same media key (a new salt).
    let it = &w.items[5];
    let resealed = stream::seal(&it.key, &it.id, MediaKind::Original, &it.original_pt).unwrap();
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Original, &resealed)),
        "DecryptionFailed"
    );
    assert_eq!(
        name(sel.open_range(
            &it.id,
            MediaKind::Original,
            &mut Cursor::new(&resealed),
            0,
            10
        )),
        "DecryptionFailed"
    );
    assert_eq!(
        name(sel.opener(
            &it.id,
            MediaKind::Original,
            Cursor::new(&resealed),
            &OpenOptions::default()
        )),
        "DecryptionFailed"
    );
}

#[test]
fn wrong_recipient_sender_album_and_history_are_refused_in_order() {
    let w = world();
    let grant = print_order(&w);
    let alice = w.alice.identity_public_key();
    assert_eq!(
        name(w.bob.accept_selection(&grant, &alice, &expect())),
        "SelectionWrongRecipient"
    );
    assert_eq!(
        name(
            w.printer
                .accept_selection(&grant, &w.bob.identity_public_key(), &expect())
        ),
        "SelectionWrongSender"
    );
    let other_album = SelectionExpect {
        album_id: Some(AlbumId::from_bytes([2; 16])),
        ..expect()
    };
    assert_eq!(
        name(w.printer.accept_selection(&grant, &alice, &other_album)),
        "SelectionWrongAlbum"
    );
    let other_history = SelectionExpect {
        history: Some([0; 32]),
        ..expect()
    };
    assert_eq!(
        name(w.printer.accept_selection(&grant, &alice, &other_history)),
        "SelectionWrongHistory"
    );
    // Nothing expected: accepted.
    w.printer
        .accept_selection(&grant, &alice, &SelectionExpect::default())
        .unwrap();
}

#[test]
fn every_flipped_byte_is_refused_with_the_error_of_its_field() {
    let w = world();
    let grant = print_order(&w);
    let alice = w.alice.identity_public_key();
    for at in 0..grant.len() {
        let mut bad = grant.clone();
        bad[at] ^= 0x01;
        let got = name(w.printer.accept_selection(&bad, &alice, &expect()));
        let want: &[&str] = match at {
            0 => &["UnsupportedVersion"],
            1 => &["UnsupportedSuite"],
            2..34 => &["SelectionWrongSender"],
            34..66 => &["SelectionWrongRecipient"],
            66..82 => &["SelectionWrongAlbum"],
            106..138 => &["SelectionWrongHistory"],
            138..140 => &["MalformedSelection", "TooLarge"],
            _ => &["SelectionBadSignature"],
        };
        assert!(want.contains(&got), "byte {at}: {got}");
    }
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let w = world();
    let grant = print_order(&w);
    let alice = w.alice.identity_public_key();
    for cut in 0..grant.len() {
        let got = name(w.printer.accept_selection(&grant[..cut], &alice, &expect()));
        if cut < SELECTION_HEADER_LEN {
            assert_eq!(got, "MalformedSelection", "cut {cut}");
        } else {
            // Short of the count's bounds, or within them with the signature cut.
            assert!(
                ["MalformedSelection", "SelectionBadSignature"].contains(&got),
                "cut {cut}: {got}"
            );
        }
    }
    let mut longer = grant.clone();
    longer.push(0);
    assert_eq!(
        name(w.printer.accept_selection(&longer, &alice, &expect())),
        "SelectionBadSignature"
    );
}

#[test]
fn item_counts_past_the_cap_are_refused_before_anything_is_allocated() {
    let w = world();
    let grant = print_order(&w);
    let alice = w.alice.identity_public_key();
    for count in [MAX_SELECTION_ITEMS as u16 + 1, u16::MAX] {
        let mut bad = grant.clone();
        bad[138..140].copy_from_slice(&count.to_be_bytes());
        assert_eq!(name(inspect_selection(&bad)), "TooLarge");
        assert_eq!(
            name(w.printer.accept_selection(&bad, &alice, &expect())),
            "TooLarge"
        );
    }
    let mut none = grant.clone();
    none[138..140].copy_from_slice(&0u16.to_be_bytes());
    assert!(matches!(
        inspect_selection(&none),
        Err(Error::MalformedSelection { reason: "no items" })
    ));
    // A claimed count whose bytes are not there (1000 items in a 3-item grant).
    let mut short = grant.clone();
    short[138..140].copy_from_slice(&(MAX_SELECTION_ITEMS as u16).to_be_bytes());
    assert_eq!(name(inspect_selection(&short)), "MalformedSelection");
    // The grantor refuses too many items before deriving any key.
    let it = &w.items[0];
    let parts = [SelectedPart::Stream(&it.original)];
    let many: Vec<SelectedItem<'_>> = (0..=MAX_SELECTION_ITEMS)
        .map(|n| SelectedItem {
            media_id: MediaId::from_bytes([n as u8; 16]),
            epoch: EPOCH,
            media_key: &it.key,
            parts: &parts,
            manifest: None,
        })
        .collect();
    assert_eq!(
        name(
            w.alice
                .grant_selection(&alice, ALBUM, HISTORY, EXPIRES, &many)
        ),
        "TooLarge"
    );
}

#[test]
fn the_grantor_refuses_selections_it_cannot_honestly_make() {
    let w = world();
    let printer = w.printer.identity_public_key();
    let (a, b) = (&w.items[0], &w.items[1]);
    let make = |items: &[SelectedItem<'_>]| {
        w.alice
            .grant_selection(&printer, ALBUM, HISTORY, EXPIRES, items)
    };
    let orig_a = [SelectedPart::Stream(&a.original)];
    let sel_a = SelectedItem {
        media_id: a.id,
        epoch: EPOCH,
        media_key: &a.key,
        parts: &orig_a,
        manifest: Some(&a.manifest),
    };
    assert_eq!(name(make(&[])), "MalformedSelection");
    assert_eq!(name(make(&[sel_a, sel_a])), "MalformedSelection");
    let twice = [
        SelectedPart::Stream(&a.original),
        SelectedPart::Stream(&a.original),
    ];
    // A part of another item (sealed under another media key): its commitment fails.
    let foreign = [SelectedPart::Stream(&b.original)];
    let foreign_meta = [SelectedPart::Metadata(&b.metadata)];
    let short = [SelectedPart::Stream(&a.original[..HEADER_LEN - 1])];
    let cases: [(&str, SelectedItem<'_>, &str); 7] = [
        (
            "no part",
            SelectedItem {
                parts: &[],
                ..sel_a
            },
            "MalformedSelection",
        ),
        (
            "two originals",
            SelectedItem {
                parts: &twice,
                ..sel_a
            },
            "MalformedSelection",
        ),
        (
            "another item's stream",
            SelectedItem {
                parts: &foreign,
                ..sel_a
            },
            "DecryptionFailed",
        ),
        (
            "another item's metadata",
            SelectedItem {
                parts: &foreign_meta,
                ..sel_a
            },
            "DecryptionFailed",
        ),
        (
            "another item's manifest",
            SelectedItem {
                manifest: Some(&b.manifest),
                ..sel_a
            },
            "ProvenanceWrongItem",
        ),
        (
            "the manifest at another epoch",
            SelectedItem {
                epoch: EPOCH + 1,
                ..sel_a
            },
            "ProvenanceWrongItem",
        ),
        (
            "a header cut short",
            SelectedItem {
                parts: &short,
                ..sel_a
            },
            "TruncatedHeader",
        ),
    ];
    for (what, item, error) in cases {
        assert_eq!(name(make(&[item])), error, "{what}");
    }
    // An unsigned item is allowed; its provenance is then unavailable.
    let grant = make(&[SelectedItem {
        manifest: None,
        ..sel_a
    }])
    .unwrap();
    let sel = accepted(&w, &grant);
    assert!(sel.item(&a.id).unwrap().manifest().is_none());
    assert_eq!(
        name(sel.verify_part(&a.id, MediaKind::Original, &a.original)),
        "ProvenanceUnsigned"
    );
    assert_eq!(
        sel.open_part(&a.id, MediaKind::Original, &a.original)
            .unwrap(),
        a.original_pt
    );
}

// ---- Adversarial: the cases issue 16 names ----

#[test]
fn adversarial_a_part_key_stretched_to_another_item_is_refused() {
    let w = world();
    let sel = accepted(&w, &print_order(&w));
    let (granted, other) = (&w.items[2], &w.items[3]);
    // Item 3's original asked for under item 2's id: the header is not the granted one.
    assert_eq!(
        name(sel.open_part(&granted.id, MediaKind::Original, &other.original)),
        "DecryptionFailed"
    );
    // Item 3's header with item 2's id written in: still not the granted header.
    let mut relabelled = other.original.clone();
    relabelled[8..24].copy_from_slice(granted.id.as_bytes());
    assert_eq!(
        name(sel.open_part(&granted.id, MediaKind::Original, &relabelled)),
        "DecryptionFailed"
    );
    // Item 2's granted header spliced onto item 3's chunks: the chunks do not open.
    let mut spliced = other.original.clone();
    spliced[..HEADER_LEN].copy_from_slice(&granted.original[..HEADER_LEN]);
    assert_eq!(
        name(sel.open_part(&granted.id, MediaKind::Original, &spliced)),
        "DecryptionFailed"
    );
    assert_eq!(
        name(sel.open_part(&other.id, MediaKind::Original, &other.original)),
        "NotInSelection"
    );
}

#[test]
fn adversarial_a_part_key_stretched_to_another_part_is_refused() {
    let w = world();
    let sel = accepted(&w, &print_order(&w));
    let it = &w.items[5];
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Thumbnail, &it.thumbnail)),
        "NotInSelection"
    );
    // The thumbnail offered as the granted original.
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Original, &it.thumbnail)),
        "DecryptionFailed"
    );
    // The thumbnail relabelled as an original (kind byte edited).
    let mut relabelled = it.thumbnail.clone();
    relabelled[7] = MediaKind::Original.to_byte();
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Original, &relabelled)),
        "DecryptionFailed"
    );
    // The granted original's header with an edited chunk size (the commitment kept).
    let mut resized = it.original.clone();
    resized[6] = 9;
    assert_eq!(
        name(sel.open_part(&it.id, MediaKind::Original, &resized)),
        "DecryptionFailed"
    );
    // The metadata was not granted.
    assert_eq!(
        name(sel.open_metadata(&it.id, &it.metadata)),
        "NotInSelection"
    );
}

#[test]
fn adversarial_a_selection_stretched_to_the_album_is_refused() {
    let w = world();
    let grant = grant_parts(&w, &w.printer, &[2], |it| {
        vec![
            SelectedPart::Stream(&it.original),
            SelectedPart::Metadata(&it.metadata),
        ]
    });
    let sel = accepted(&w, &grant);
    let album = w.alice.album_key(ALBUM, EPOCH).unwrap();
    let name_env = album.seal_blob(AlbumBlob::Name, b"Family 2026").unwrap();
    // The album name envelope offered as the granted metadata: refused.
    let it = &w.items[2];
    assert_eq!(
        name(sel.open_metadata(&it.id, &name_env)),
        "DecryptionFailed"
    );
    // The grant holds no media key and no album key: none of their bytes is in the
    // grant or its opened body (opened here with the printer's X-Wing secret, SPEC.md 5.1).
    let body = open_body(&grant, 41);
    let secrets = [array::<32>(2 + 100), hazmat::album_key_bytes(&album)];
    for secret in secrets {
        assert!(!contains(&body, &secret) && !contains(&grant, &secret));
    }
    // What the body does hold: the original's header and payload key, nothing wider.
    let (payload, _) = hazmat::stream_key_schedule(
        &it.key,
        it.original[..24].try_into().unwrap(),
        it.original[24..56].try_into().unwrap(),
    );
    assert!(contains(
        &body,
        &[&it.original[..HEADER_LEN], &payload[..]].concat()
    ));
}

#[test]
fn adversarial_a_selection_replayed_to_another_recipient_is_refused() {
    let w = world();
    let grant = print_order(&w);
    let alice = w.alice.identity_public_key();
    // As sent: the recipient digest is the printer's.
    assert_eq!(
        name(w.bob.accept_selection(&grant, &alice, &expect())),
        "SelectionWrongRecipient"
    );
    // Re-addressed to Bob: the signature covers the recipient.
    let mut readdressed = grant.clone();
    readdressed[34..66].copy_from_slice(&w.bob.identity_public_key().digest());
    assert_eq!(
        name(w.bob.accept_selection(&readdressed, &alice, &expect())),
        "SelectionBadSignature"
    );
    // Re-signed by Bob as his own (he is not Alice): refused as from Bob, and a grant Bob
    // forges claiming Alice's digest fails her signature.
    let mut forged = readdressed.clone();
    forged[2..34].copy_from_slice(&w.bob.identity_public_key().digest());
    assert_eq!(
        name(w.bob.accept_selection(&forged, &alice, &expect())),
        "SelectionWrongSender"
    );
    // An album grant is not a selection grant, and the reverse.
    let album = w.alice.album_key(ALBUM, EPOCH).unwrap();
    let album_grant = hazmat::grant_with_randomness(
        &w.alice,
        &album,
        &w.printer.identity_public_key(),
        &HISTORY,
        &array(7),
    )
    .unwrap();
    // Bytes 138..140 of an album grant fall in its `enc`: here a count above the cap.
    // Whatever they say, the signature label differs, so it can never verify.
    assert_eq!(
        name(w.printer.accept_selection(&album_grant, &alice, &expect())),
        "TooLarge"
    );
    let mut as_three = album_grant.clone();
    as_three[138..140].copy_from_slice(&3u16.to_be_bytes());
    assert_eq!(
        name(
            w.printer
                .accept_selection(&as_three, &alice, &SelectionExpect::default())
        ),
        "MalformedSelection"
    );
    assert_eq!(
        name(w.printer.accept_grant(&grant, &alice, None)),
        "MalformedGrant"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Opens a grant's body with the X-Wing secret of identity seed `array(seed)` (SPEC.md 5.1:
/// `HKDF(salt = "", seed, LABEL_IDENTITY_KEM)` is the X-Wing seed).
fn open_body(grant: &[u8], seed: u8) -> Vec<u8> {
    use keepsake::hpke::xwing;
    let identity_seed: [u8; 32] = array(seed);
    let mut kem_seed = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), &identity_seed)
        .expand(keepsake::identity::LABEL_IDENTITY_KEM, &mut kem_seed)
        .unwrap();
    let secret = xwing::XWingSecretKey::from_seed(kem_seed);
    let header = &grant[..SELECTION_HEADER_LEN];
    let enc = &grant[SELECTION_HEADER_LEN..SELECTION_HEADER_LEN + xwing::ENC_LEN];
    let ct = &grant[SELECTION_HEADER_LEN + xwing::ENC_LEN..grant.len() - 64];
    let info = [keepsake::selection::LABEL_SELECTION, header].concat();
    xwing::open_base(&secret, enc, &info, b"", ct).unwrap()
}
