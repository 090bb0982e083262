//! Selection grants against the album's history and the signed manifest (SPEC.md 5.11,
//! 5.12): `Selection::check_history` (the entry a grant names, its sender a member there)
//! and `Selection::open_range_verified` (a range read checked chunk by chunk).

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Cursor;

#[path = "selection_common.rs"]
mod common;
use common::*;

/// A print order of items 2, 5 and 7 (originals) from `from`, naming history entry `history`.
fn order_naming(w: &World, from: &Keyring, history: [u8; 32]) -> Vec<u8> {
    grant_from(w, from, &w.printer, history, &[7, 2, 5], |it| {
        vec![SelectedPart::Stream(&it.original[..HEADER_LEN])]
    })
}

#[test]
fn a_selection_is_checked_against_the_album_history_it_names() {
    let w = world();
    let head = w.history.head().1;
    let accept = |grant: &[u8], from: &Keyring| {
        w.printer
            .accept_selection(
                grant,
                &from.identity_public_key(),
                &SelectionExpect::default(),
            )
            .unwrap()
    };
    // Alice, the owner and a member at the head: the grant checks.
    let selection = accept(&order_naming(&w, &w.alice, head), &w.alice);
    selection.check_history(&w.history).unwrap();
    // An entry the chain does not hold (a forked or newer chain): HistoryUnknownEntry.
    let selection = accept(&order_naming(&w, &w.alice, HISTORY), &w.alice);
    assert_eq!(
        name(selection.check_history(&w.history)),
        "HistoryUnknownEntry"
    );
    // Bob signs a valid grant naming the head, but was never a member.
    let selection = accept(&order_naming(&w, &w.bob, head), &w.bob);
    assert_eq!(
        name(selection.check_history(&w.history)),
        "SelectionWrongSender"
    );
    // The history of another album.
    let other_album = AlbumId::from_bytes([0x77; 16]);
    let genesis = w.alice.create_album_history(other_album).unwrap();
    let other = verify_history(
        &[genesis],
        other_album,
        &w.alice.identity_public_key(),
        None,
    )
    .unwrap();
    let selection = accept(&order_naming(&w, &w.alice, head), &w.alice);
    assert_eq!(name(selection.check_history(&other)), "SelectionWrongAlbum");
}

#[test]
fn a_selection_range_is_checked_chunk_by_chunk_against_the_manifest() {
    let w = world();
    let sel = accepted(&w, &print_order(&w));
    let it = &w.items[2];
    let list = keepsake::provenance::part_hashes(&it.original)
        .unwrap()
        .list_bytes();
    let range = |sealed: &[u8], list: &[u8]| {
        sel.open_range_verified(
            &it.id,
            MediaKind::Original,
            &mut Cursor::new(sealed),
            1000,
            700,
            list,
        )
    };
    assert_eq!(
        range(&it.original, &list).unwrap(),
        &it.original_pt[1000..1700]
    );
    // 256-byte chunks: the range touches chunks 3 to 6. A byte flipped in chunk 5 is
    // named; one flipped in chunk 0 is not read, so the range still opens.
    let stride = 256 + 16;
    let mut inside = it.original.clone();
    inside[HEADER_LEN + 5 * stride + 7] ^= 1;
    assert!(matches!(
        range(&inside, &list),
        Err(Error::ProvenanceChunkMismatch { index: 5 })
    ));
    let mut outside = it.original.clone();
    outside[HEADER_LEN + 7] ^= 1;
    assert_eq!(range(&outside, &list).unwrap(), &it.original_pt[1000..1700]);
    // A hash list that does not give the signed root.
    let mut bad_list = list.clone();
    bad_list[0] ^= 1;
    assert_eq!(name(range(&it.original, &bad_list)), "ProvenanceMismatch");
    // A part that was not granted, and an item that was not.
    assert_eq!(
        name(sel.open_range_verified(
            &it.id,
            MediaKind::Thumbnail,
            &mut Cursor::new(&it.thumbnail),
            0,
            1,
            &list,
        )),
        "NotInSelection"
    );
    let other = &w.items[3];
    assert_eq!(
        name(sel.open_range_verified(
            &other.id,
            MediaKind::Original,
            &mut Cursor::new(&other.original),
            0,
            1,
            &list,
        )),
        "NotInSelection"
    );
}
