//! Public and collect links (SPEC.md 5.13): the round trips, and the adversarial cases the
//! issue names: a fragment from another link, a record swapped between links, wrong and
//! missing passwords, password parameters outside the floor and ceiling, revocation by an
//! epoch move, a collect-link drop replayed into another album or epoch, a drop whose
//! signature or display name was altered, truncated and oversized records and drops.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::Keyring;
use keepsake::envelope::MediaBlob;
use keepsake::history::{VerifiedHistory, verify_history};
use keepsake::kdf::KdfParams;
use keepsake::link::{
    self, CollectLink, FLAG_PASSWORD, LinkAddress, LinkDraws, LinkId, LinkPassword, MAX_DROP_LEN,
    MAX_LINK_RECORD_LEN, NewLink, OpenedLink, RECORD_HEADER_LEN, inspect_record, open_drop,
    open_link, parse_fragment, parse_url,
};
use keepsake::provenance::{PartEntry, verify_item};
use keepsake::selection::{SelectedItem, SelectedPart};
use keepsake::stream::{self, SealOptions};
use keepsake::{AlbumId, AlbumKey, Error, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::{array, error_name, pattern};

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
const OTHER_ALBUM: AlbumId = AlbumId::from_bytes([0xB2; 16]);
const PASSWORD: &str = "correct horse battery staple";

fn keyring(seed: u8) -> Keyring {
    hazmat::keyring_from_secrets(&[array(seed)], array(seed.wrapping_add(1)))
}

fn draws(seed: u8) -> LinkDraws {
    LinkDraws {
        link_id: array(seed),
        secret: array(seed.wrapping_add(1)),
        salt: array(seed.wrapping_add(2)),
        nonce: array(seed.wrapping_add(3)),
    }
}

struct World {
    owner: Keyring,
    album: AlbumKey,
    history: VerifiedHistory,
}

fn world() -> World {
    let owner = keyring(10);
    let genesis = owner.create_album_history(ALBUM).unwrap();
    let history = verify_history(&[genesis], ALBUM, &owner.identity_public_key(), None).unwrap();
    World {
        album: owner.album_key(ALBUM, 0).unwrap(),
        owner,
        history,
    }
}

fn head(w: &World) -> [u8; 32] {
    w.history.head().1
}

fn album_link(w: &World, seed: u8, password: Option<&LinkPassword<'_>>) -> NewLink {
    hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &w.album,
        &head(w),
        &w.owner.identity_public_key(),
        password,
        &draws(seed),
    )
    .unwrap()
}

fn floor_password() -> LinkPassword<'static> {
    LinkPassword {
        password: PASSWORD,
        params: KdfParams::FLOOR,
    }
}

fn opened_album(opened: OpenedLink) -> Box<link::AlbumLink> {
    match opened {
        OpenedLink::Album(album) => album,
        other => panic!("not an album link: {other:?}"),
    }
}

fn opened_collect(opened: OpenedLink) -> CollectLink {
    match opened {
        OpenedLink::Collect(collect) => *collect,
        other => panic!("not a collect link: {other:?}"),
    }
}

fn assert_err<T: std::fmt::Debug>(result: keepsake::Result<T>, want: &str) {
    match result {
        Ok(v) => panic!("expected {want}, got Ok({v:?})"),
        Err(e) => assert_eq!(error_name(&e), want, "{e:?}"),
    }
}

#[test]
fn album_link_round_trip_through_the_url() {
    let w = world();
    let link = album_link(&w, 1, None);
    let url = link.url("https://keepsake.example/");
    assert!(url.starts_with("https://keepsake.example/l/"));
    assert_eq!(url.len(), "https://keepsake.example/l/".len() + 32 + 1 + 46);
    let address = parse_url(&url).unwrap();
    assert_eq!(address.link_id, link.link_id);
    assert!(!address.needs_password);
    let info = inspect_record(&link.record).unwrap();
    assert_eq!(
        (info.kind, info.link_id, info.password),
        (link::KIND_ALBUM, link.link_id, None)
    );
    let opened = opened_album(open_link(&address, &link.record, None).unwrap());
    assert_eq!(opened.album().album_id(), ALBUM);
    assert_eq!(opened.album().epoch(), 0);
    assert_eq!(opened.history(), &head(&w));
    assert_eq!(opened.owner(), &w.owner.identity_public_key());
    // The guest's key is the album key: it unwraps what the owner wrapped.
    let id = MediaId::from_bytes([7; 16]);
    let media_key = MediaKey::from_bytes([8; 32]);
    let wrapped = w.album.wrap_media_key(&id, &media_key).unwrap();
    let unwrapped = opened.album().unwrap_media_key(&id, &wrapped).unwrap();
    assert_eq!(
        hazmat::media_key_bytes(&unwrapped),
        hazmat::media_key_bytes(&media_key)
    );
    // A password given to a link without one is ignored.
    assert!(open_link(&address, &link.record, Some("anything")).is_ok());
}

#[test]
fn password_link_needs_the_password_and_refuses_a_wrong_one_opaquely() {
    let w = world();
    let password = floor_password();
    let link = album_link(&w, 2, Some(&password));
    let address = parse_url(&link.url("https://h")).unwrap();
    assert!(address.needs_password);
    assert_eq!(
        inspect_record(&link.record).unwrap().password,
        Some(KdfParams::FLOOR)
    );
    assert!(open_link(&address, &link.record, Some(PASSWORD)).is_ok());
    // NFC: the same password typed with a combining accent opens the same link.
    let accented = hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &w.album,
        &head(&w),
        &w.owner.identity_public_key(),
        Some(&LinkPassword {
            password: "caf\u{e9}",
            params: KdfParams::FLOOR,
        }),
        &draws(3),
    )
    .unwrap();
    assert!(open_link(&accented.address(), &accented.record, Some("cafe\u{301}")).is_ok());
    assert_err(
        open_link(&address, &link.record, None),
        "LinkPasswordRequired",
    );
    assert_err(
        open_link(&address, &link.record, Some("Correct horse battery staple")),
        "DecryptionFailed",
    );
    assert_err(
        open_link(&address, &link.record, Some("")),
        "DecryptionFailed",
    );
    // A URL whose fragment says "no password" for a record that needs one (or the
    // reverse) is refused before any work: the two disagree.
    let no_flag = parse_fragment(link.link_id, &album_link(&w, 2, None).fragment()).unwrap();
    assert_err(
        open_link(&no_flag, &link.record, Some(PASSWORD)),
        "MalformedLink",
    );
    // Someone with only the URL, and the server with only the record, hold one of the two
    // secrets: the fragment alone does not open it (above), and the record's header names
    // no secret.
    assert!(!link.record.windows(32).any(|w| w == array::<32>(3)));
}

#[test]
fn password_parameters_outside_the_slot_rules_are_refused_before_any_work() {
    let w = world();
    let link = album_link(&w, 4, Some(&floor_password()));
    let address = link.address();
    let at = RECORD_HEADER_LEN;
    let cases: [(usize, u32, &str); 6] = [
        (at, 1024, "KdfParamsTooWeak"),       // m below 19 MiB
        (at + 4, 1, "KdfParamsTooWeak"),      // t = 1
        (at + 8, 0, "KdfParamsTooWeak"),      // p = 0
        (at, u32::MAX, "KdfParamsTooCostly"), // m above 1 GiB: never allocated
        (at + 4, 65, "KdfParamsTooCostly"),   // t above 64
        (at + 8, 9, "KdfParamsTooCostly"),    // p above 8
    ];
    for (offset, value, want) in cases {
        let mut record = link.record.clone();
        record[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
        assert_err(inspect_record(&record), want);
        // Before the password is asked for, and before Argon2id.
        assert_err(open_link(&address, &record, None), want);
        assert_err(open_link(&address, &record, Some(PASSWORD)), want);
    }
    // Creating one is refused the same way (KdfParams cannot hold such values).
    assert!(matches!(
        KdfParams::new(1024, 2, 1),
        Err(Error::KdfParamsTooWeak { .. })
    ));
}

#[test]
fn a_fragment_from_another_link_does_not_open_the_record() {
    let w = world();
    let a = album_link(&w, 5, None);
    let b = album_link(&w, 6, None);
    // B's fragment under A's link id: the record is A's, the secret B's.
    let mixed = parse_fragment(a.link_id, &b.fragment()).unwrap();
    assert_err(open_link(&mixed, &a.record, None), "DecryptionFailed");
}

#[test]
fn a_record_swapped_between_links_is_refused() {
    let w = world();
    let a = album_link(&w, 7, None);
    let b = album_link(&w, 8, None);
    // The server serves B's record for A's URL: the link ids differ (no secret involved).
    assert_err(open_link(&a.address(), &b.record, None), "LinkWrongId");
    // B's record with its link id rewritten to A's: the link id is in the key and the
    // associated data, and A's secret is not B's.
    let mut forged = b.record.clone();
    forged[3..19].copy_from_slice(a.link_id.as_bytes());
    assert_err(open_link(&a.address(), &forged, None), "DecryptionFailed");
    // A's own record with its kind changed: bound too.
    let mut kind = a.record.clone();
    kind[1] = link::KIND_COLLECT;
    assert_err(open_link(&a.address(), &kind, None), "DecryptionFailed");
    // Any single flipped byte after the header.
    for at in [
        RECORD_HEADER_LEN,
        RECORD_HEADER_LEN + 30,
        a.record.len() - 1,
    ] {
        let mut flipped = a.record.clone();
        flipped[at] ^= 1;
        assert_err(open_link(&a.address(), &flipped, None), "DecryptionFailed");
    }
}

#[test]
fn an_epoch_move_stops_a_copied_album_link_for_new_items() {
    let w = world();
    let link = album_link(&w, 9, None);
    let copied = link.record.clone();
    let old_id = MediaId::from_bytes([1; 16]);
    let old_key = MediaKey::from_bytes([2; 32]);
    let old_wrapped = w.album.wrap_media_key(&old_id, &old_key).unwrap();
    // The owner revokes: deletes the record and moves the album to a new epoch.
    let moved = w.owner.remove_member(&w.album, &[], &head(&w)).unwrap();
    assert_ne!(moved.album.epoch(), w.album.epoch());
    let new_id = MediaId::from_bytes([3; 16]);
    let new_wrapped = moved
        .album
        .wrap_media_key(&new_id, &MediaKey::from_bytes([4; 32]))
        .unwrap();
    let guest = opened_album(open_link(&link.address(), &copied, None).unwrap());
    assert!(
        guest
            .album()
            .unwrap_media_key(&old_id, &old_wrapped)
            .is_ok()
    );
    assert_err(
        guest.album().unwrap_media_key(&new_id, &new_wrapped),
        "DecryptionFailed",
    );
}

#[test]
fn selection_link_opens_exactly_the_chosen_parts() {
    let w = world();
    let id = MediaId::from_bytes([0x11; 16]);
    let key = MediaKey::from_bytes([0x22; 32]);
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let original_pt = pattern(1, 1000);
    let (original, orig) =
        stream::seal_part(&key, &id, MediaKind::Original, &original_pt, &options).unwrap();
    let (thumbnail, thumb) =
        stream::seal_part(&key, &id, MediaKind::Thumbnail, b"thumb", &options).unwrap();
    let record = w
        .owner
        .sign_item(
            &id,
            ALBUM,
            0,
            &head(&w),
            &[orig.entry(), thumb.entry()],
            b"{}",
        )
        .unwrap();
    let manifest = keepsake::provenance::ItemRecord::parse(&record)
        .unwrap()
        .manifest()
        .unwrap()
        .to_vec();
    let parts = [SelectedPart::Stream(&thumbnail)];
    let items = [SelectedItem {
        media_id: id,
        epoch: 0,
        media_key: &key,
        parts: &parts,
        manifest: Some(&manifest),
    }];
    let link = hazmat::selection_link_with(
        ALBUM,
        &head(&w),
        1_900_000_000,
        &w.owner.identity_public_key(),
        &items,
        None,
        &draws(10),
    )
    .unwrap();
    let OpenedLink::Selection(opened) = open_link(&link.address(), &link.record, None).unwrap()
    else {
        panic!("not a selection link");
    };
    let selection = opened.selection();
    assert_eq!(selection.info().selection_id, *link.link_id.as_bytes());
    assert_eq!(selection.info().expires_at, 1_900_000_000);
    assert_eq!(opened.owner(), &w.owner.identity_public_key());
    assert_eq!(
        selection
            .open_part(&id, MediaKind::Thumbnail, &thumbnail)
            .unwrap(),
        b"thumb"
    );
    assert_err(
        selection.open_part(&id, MediaKind::Original, &original),
        "NotInSelection",
    );
    let uploader = selection.item(&id).unwrap().uploader(&w.history).unwrap();
    assert_eq!(uploader, &w.owner.identity_public_key());
}

/// A guest's item: two parts sealed under a fresh media key.
struct GuestItem {
    id: MediaId,
    key: MediaKey,
    original: Vec<u8>,
    thumbnail: Vec<u8>,
    entries: Vec<PartEntry>,
}

fn guest_item(n: u8) -> GuestItem {
    let id = MediaId::from_bytes([n; 16]);
    let key = MediaKey::from_bytes(array(n.wrapping_add(50)));
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let (original, orig) =
        stream::seal_part(&key, &id, MediaKind::Original, &pattern(n, 700), &options).unwrap();
    let (thumbnail, thumb) =
        stream::seal_part(&key, &id, MediaKind::Thumbnail, b"small", &options).unwrap();
    GuestItem {
        id,
        key,
        original,
        thumbnail,
        entries: vec![orig.entry(), thumb.entry()],
    }
}

fn collect(w: &World, seed: u8) -> (NewLink, CollectLink) {
    let link = hazmat::epoch_link_with(
        link::KIND_COLLECT,
        &w.album,
        &head(w),
        &w.owner.identity_public_key(),
        None,
        &draws(seed),
    )
    .unwrap();
    let opened = opened_collect(open_link(&link.address(), &link.record, None).unwrap());
    (link, opened)
}

fn drop_of(link: &CollectLink, item: &GuestItem, name: &str, throwaway: u8) -> Vec<u8> {
    hazmat::seal_drop_with(
        link,
        &item.id,
        &item.key,
        name,
        &item.entries,
        b"{\"caption\":\"at the lake\"}",
        &array(throwaway),
        &array(throwaway.wrapping_add(1)),
    )
    .unwrap()
}

#[test]
fn collect_link_round_trip_guest_to_owner_acceptance() {
    let w = world();
    let (link, guest) = collect(&w, 11);
    assert_eq!(guest.album_id(), ALBUM);
    assert_eq!(guest.link_id(), link.link_id);
    // The guest holds the drop key: the public half of the key derived from the album key.
    assert_eq!(
        guest.drop_key(),
        &link::drop_key(&w.album).public_key(),
        "the drop key is the album epoch's"
    );
    let item = guest_item(1);
    let drop = link::seal_drop(
        &guest,
        &item.id,
        &item.key,
        "Grandma Rose",
        &item.entries,
        b"{}",
    )
    .unwrap();
    let opened = open_drop(&w.album, &drop).unwrap();
    assert_eq!(opened.display_name(), "Grandma Rose");
    assert_eq!(opened.media_id(), item.id);
    assert_eq!(opened.link_id(), link.link_id);
    assert_eq!(opened.uploader_fingerprint().len(), 35);
    assert_ne!(opened.uploader(), &w.owner.identity_public_key());
    assert_eq!(
        opened
            .open_part(MediaKind::Thumbnail, &item.thumbnail)
            .unwrap(),
        b"small"
    );
    assert!(
        opened
            .verify_part(MediaKind::Original, &item.original)
            .is_ok()
    );
    // A part the guest did not sign (another item's) is refused against the manifest.
    assert_err(
        opened.verify_part(MediaKind::Original, &guest_item(2).original),
        "ProvenanceMismatch",
    );
    // Accepting: the album key unwraps the media key, and the item verifies with the
    // owner as uploader against the album's history.
    let accepted = w.owner.accept_drop(&w.album, &opened, &head(&w)).unwrap();
    let key = w
        .album
        .unwrap_media_key(&accepted.media_id, &accepted.wrapped_media_key)
        .unwrap();
    let record = key
        .open_blob(&item.id, MediaBlob::Metadata, &accepted.metadata_envelope)
        .unwrap();
    let verified = verify_item(&record, &item.id, 0, &w.history).unwrap();
    assert_eq!(verified.uploader(), &w.owner.identity_public_key());
    assert_eq!(verified.metadata(), b"{}");
    assert!(
        verified
            .verify_part(MediaKind::Original, &item.original)
            .is_ok()
    );
    // The guest's own manifest would not verify as the album's: not a member.
    let guest_record = keepsake::provenance::ItemRecord::encode(
        Some(&opened.manifest().to_bytes()),
        opened.metadata(),
    )
    .unwrap();
    assert_err(
        verify_item(&guest_record, &item.id, 0, &w.history),
        "ProvenanceNotMember",
    );
}

#[test]
fn a_drop_replayed_into_another_album_or_epoch_is_refused() {
    let w = world();
    let (_, guest) = collect(&w, 12);
    let drop = drop_of(&guest, &guest_item(3), "Sam", 30);
    // Another album the owner holds, and the same album at a later epoch.
    let other = w.owner.album_key(OTHER_ALBUM, 0).unwrap();
    let later = w
        .owner
        .remove_member(&w.album, &[], &head(&w))
        .unwrap()
        .album;
    assert_err(open_drop(&other, &drop), "DropWrongAlbum");
    assert_err(open_drop(&later, &drop), "DropWrongAlbum");
    // The header rewritten to name them: bound into HPKE's info, and sealed to another
    // drop key, so it does not open.
    let mut to_other = drop.clone();
    to_other[18..34].copy_from_slice(OTHER_ALBUM.as_bytes());
    assert_err(open_drop(&other, &to_other), "DecryptionFailed");
    let mut to_later = drop.clone();
    to_later[34..42].copy_from_slice(&later.epoch().to_be_bytes());
    assert_err(open_drop(&later, &to_later), "DecryptionFailed");
    // An opened drop accepted into another album or epoch.
    let opened = open_drop(&w.album, &drop).unwrap();
    assert_err(
        w.owner.accept_drop(&later, &opened, &head(&w)),
        "DropWrongAlbum",
    );
    assert_err(
        w.owner.accept_drop(&other, &opened, &head(&w)),
        "DropWrongAlbum",
    );
}

#[test]
fn a_drop_with_an_altered_signature_or_display_name_is_refused() {
    let w = world();
    let (_, guest) = collect(&w, 13);
    let item = guest_item(4);
    let honest = drop_of(&guest, &item, "Alice", 40);
    let renamed = drop_of(&guest, &item, "Mallory", 40);
    assert_eq!(
        open_drop(&w.album, &renamed).unwrap().display_name(),
        "Mallory"
    );
    // The signature byte flipped.
    let mut bad_sig = honest.clone();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 0x01;
    assert_err(open_drop(&w.album, &bad_sig), "DropBadSignature");
    // The display name changed (re-sealed to the public drop key by someone without the
    // guest's throwaway key): the guest's signature no longer covers it.
    let mut spliced = renamed[..renamed.len() - 64].to_vec();
    spliced.extend_from_slice(&honest[honest.len() - 64..]);
    assert_err(open_drop(&w.album, &spliced), "DropBadSignature");
    // Re-signed by another throwaway key over the other's manifest: the drop signature
    // verifies under the manifest's key only.
    let other_guest = drop_of(&guest, &item, "Alice", 41);
    let mut mixed = honest[..honest.len() - 64].to_vec();
    mixed.extend_from_slice(&other_guest[other_guest.len() - 64..]);
    assert_err(open_drop(&w.album, &mixed), "DropBadSignature");
    // The ciphertext altered: HPKE refuses it.
    let mut flipped = honest.clone();
    flipped[link::DROP_HEADER_LEN + 1200] ^= 1;
    assert_err(open_drop(&w.album, &flipped), "DecryptionFailed");
    // Display names out of bounds are refused when sealing.
    for name in ["", &"x".repeat(65)] {
        assert_err(
            link::seal_drop(&guest, &item.id, &item.key, name, &item.entries, b""),
            "MalformedDrop",
        );
    }
    assert!(
        link::seal_drop(
            &guest,
            &item.id,
            &item.key,
            &"é".repeat(32),
            &item.entries,
            b""
        )
        .is_ok()
    );
}

#[test]
fn truncated_and_oversized_records_and_drops_never_panic() {
    let w = world();
    let link = album_link(&w, 14, None);
    let address = link.address();
    for len in 0..link.record.len() {
        let result = open_link(&address, &link.record[..len], None);
        let name = error_name(result.as_ref().unwrap_err());
        assert!(
            matches!(name, "MalformedLink" | "DecryptionFailed"),
            "{len}: {name}"
        );
    }
    // A password record cut inside its parameters (no Argon2id is run).
    let with_password = album_link(&w, 14, Some(&floor_password()));
    for len in 0..RECORD_HEADER_LEN + link::PASSWORD_PARAMS_LEN + 24 + 16 {
        assert_err(
            open_link(
                &with_password.address(),
                &with_password.record[..len],
                Some(PASSWORD),
            ),
            "MalformedLink",
        );
    }
    assert_err(
        inspect_record(&vec![1u8; MAX_LINK_RECORD_LEN + 1]),
        "TooLarge",
    );
    let mut unknown = link.record.clone();
    unknown[0] = 2;
    assert_err(inspect_record(&unknown), "UnsupportedVersion");
    let mut flags = with_password.record.clone();
    flags[2] |= 0x80;
    assert_err(inspect_record(&flags), "MalformedLink");
    let mut kind = link.record.clone();
    kind[1] = 9;
    assert_err(inspect_record(&kind), "MalformedLink");
    assert_eq!(flags[2] & FLAG_PASSWORD, FLAG_PASSWORD);

    let (_, guest) = collect(&w, 15);
    let drop = drop_of(&guest, &guest_item(5), "Kim", 50);
    for len in (0..drop.len()).step_by(7) {
        let name = error_name(open_drop(&w.album, &drop[..len]).as_ref().unwrap_err());
        assert!(
            matches!(
                name,
                "MalformedDrop" | "DecryptionFailed" | "DropBadSignature"
            ),
            "{len}: {name}"
        );
    }
    assert_err(
        open_drop(&w.album, &vec![1u8; MAX_DROP_LEN + 1]),
        "TooLarge",
    );
    let mut suite = drop.clone();
    suite[1] = 1;
    assert_err(open_drop(&w.album, &suite), "UnsupportedSuite");
    let mut version = drop;
    version[0] = 0;
    assert_err(open_drop(&w.album, &version), "UnsupportedVersion");
}

#[test]
fn urls_and_fragments_are_parsed_strictly() {
    let w = world();
    let link = album_link(&w, 16, None);
    let url = link.url("https://h.example");
    let fragment = link.fragment().to_string();
    let id = link.link_id.to_string();
    let bad = [
        url.replace('#', "?"),
        url.replace("/l/", "/x/"),
        url.replace(&id, &id.to_uppercase()),
        format!("https://h.example/l/{id}#{}", &fragment[1..]),
        format!("https://h.example/l/{id}#{fragment}A"),
        format!("https://h.example/l/{id}#{}", fragment.replace('A', "+")),
        format!("https://h.example/l/{}#{fragment}", &id[2..]),
        "x".repeat(3000),
    ];
    for url in bad {
        assert_err(parse_url(&url), "MalformedLink");
    }
    // Version 2 and an unknown flag bit, encoded as a fragment of the right shape.
    let mut raw = [0u8; 34];
    raw[0] = 2;
    let encoded = hazmat::base64url(&raw);
    assert_err(parse_fragment(link.link_id, &encoded), "UnsupportedVersion");
    raw[0] = 1;
    raw[1] = 0x02;
    assert_err(
        parse_fragment(link.link_id, &hazmat::base64url(&raw)),
        "MalformedLink",
    );
    // Nonzero trailing bits: the last character of a 34-byte value carries 2 data bits
    // and 4 unused ones, so it is one of A, Q, g, w; the next character sets an unused bit.
    let mut last = fragment.clone();
    let next = match last.pop().unwrap() {
        'A' => 'B',
        'Q' => 'R',
        'g' => 'h',
        'w' => 'x',
        other => panic!("not a canonical last character: {other}"),
    };
    last.push(next);
    assert_err(parse_fragment(link.link_id, &last), "MalformedLink");
}

#[test]
fn nothing_secret_is_printed() {
    let w = world();
    let link = album_link(&w, 17, Some(&floor_password()));
    let secret = hex::encode(array::<32>(18));
    let fragment = link.fragment().to_string();
    let shown = [
        format!("{link:?}"),
        format!("{:?}", link.address()),
        format!("{:?}", floor_password()),
        format!("{:?}", draws(17)),
    ];
    for s in &shown {
        assert!(!s.contains(&secret) && !s.contains(&fragment), "{s}");
        assert!(!s.contains(PASSWORD), "{s}");
    }
    let address: LinkAddress = parse_url(&link.url("https://h")).unwrap();
    assert!(format!("{address:?}").contains("[redacted]"));
    let (_, guest) = collect(&w, 19);
    let opened = open_drop(&w.album, &drop_of(&guest, &guest_item(6), "Lee", 60)).unwrap();
    let shown = format!("{opened:?}");
    assert!(shown.contains("[redacted]") && !shown.contains(&hex::encode(array::<32>(56))));
    let _: LinkId = link.link_id;
}

#[test]
fn constants_match_the_spec() {
    assert_eq!(link::FRAGMENT_LEN, 46);
    assert_eq!(RECORD_HEADER_LEN, 19);
    assert_eq!(link::PASSWORD_PARAMS_LEN, 28);
    assert_eq!(link::ALBUM_PAYLOAD_LEN, 1336);
    assert_eq!(link::COLLECT_PAYLOAD_LEN, 2520);
    assert_eq!(link::SELECTION_PAYLOAD_FIXED_LEN, 1306);
    assert_eq!(MAX_LINK_RECORD_LEN, 2_243_393);
    assert_eq!(keepsake::selection::MAX_ITEM_LEN, 2242);
    assert_eq!(keepsake::selection::MAX_SELECTION_LEN, 2_243_340);
    assert_eq!(link::DROP_HEADER_LEN, 58);
    assert_eq!(link::DROP_FIXED_LEN, 1258);
    assert_eq!(MAX_DROP_LEN, 68_537);
    assert_eq!(link::MAX_DISPLAY_NAME_LEN, 64);
    assert_eq!(link::MAX_DROP_METADATA_LEN, 65_536);
    assert_eq!(link::MAX_URL_LEN, 2048);
    assert_eq!(link::LABEL_LINK_KEY, b"keepsake/v1/link-key");
    assert_eq!(link::LABEL_DROP_KEY, b"keepsake/v1/drop-key");
    assert_eq!(link::LABEL_DROP, b"keepsake/v1/drop");
    assert_eq!(link::LABEL_DROP_SIGNATURE, b"keepsake/v1/drop-signature");
}
