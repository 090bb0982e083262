//! Shared fixtures of the selection tests (`selection.rs`, `selection_history.rs`): an
//! album of ten signed items, Alice (the owner), Bob and a print service, and the grants
//! between them; each test binary uses a subset.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::panic)]

pub use keepsake::account::Keyring;
pub use keepsake::history::{VerifiedHistory, verify_history};
pub use keepsake::provenance::{ItemRecord, PartKind};
pub use keepsake::selection::{SelectedItem, SelectedPart, Selection, SelectionExpect};
pub use keepsake::stream::{self, HEADER_LEN, SealOptions};
pub use keepsake::{AlbumId, Error, MediaBlob, MediaId, MediaKey, MediaKind, hazmat};
pub use keepsake_tests::{array, error_name, pattern};

pub const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
/// The epoch of the album's genesis entry (generation 0, no removals).
pub const EPOCH: u64 = 0;
pub const HISTORY: [u8; 32] = [0x48; 32];
pub const EXPIRES: u64 = 1_800_000_000;

pub fn keyring(seed: u8) -> Keyring {
    hazmat::keyring_from_secrets(&[array(seed)], array(seed.wrapping_add(1)))
}

/// One item of the album as the server stores it, sealed and signed by its uploader.
pub struct Item {
    pub id: MediaId,
    pub key: MediaKey,
    pub original_pt: Vec<u8>,
    pub original: Vec<u8>,
    pub thumbnail: Vec<u8>,
    /// The metadata envelope (purpose 0x01), holding the item record.
    pub metadata: Vec<u8>,
    pub record: Vec<u8>,
    pub manifest: Vec<u8>,
}

pub fn item(uploader: &Keyring, n: u8, history: &[u8; 32]) -> Item {
    let id = MediaId::from_bytes([n; 16]);
    let key = MediaKey::from_bytes(array(n.wrapping_add(100)));
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let original_pt = pattern(n, 3000);
    let (original, orig) =
        stream::seal_part(&key, &id, MediaKind::Original, &original_pt, &options).unwrap();
    let (thumbnail, thumb) =
        stream::seal_part(&key, &id, MediaKind::Thumbnail, b"thumb", &options).unwrap();
    let record = uploader
        .sign_item(
            &id,
            ALBUM,
            EPOCH,
            history,
            &[orig.entry(), thumb.entry()],
            b"{\"name\":\"x.jpg\"}",
        )
        .unwrap();
    let manifest = ItemRecord::parse(&record)
        .unwrap()
        .manifest()
        .unwrap()
        .to_vec();
    let metadata = key.seal_blob(&id, MediaBlob::Metadata, &record).unwrap();
    Item {
        id,
        key,
        original_pt,
        original,
        thumbnail,
        metadata,
        record,
        manifest,
    }
}

pub struct World {
    pub alice: Keyring,
    pub bob: Keyring,
    pub printer: Keyring,
    pub items: Vec<Item>,
    /// The album's history (SPEC.md 5.12): Alice's genesis; every item names it.
    pub history: VerifiedHistory,
}

pub fn world() -> World {
    let alice = keyring(10);
    let genesis = alice.create_album_history(ALBUM).unwrap();
    let history = verify_history(&[genesis], ALBUM, &alice.identity_public_key(), None).unwrap();
    let head = history.head().1;
    let items = (1..=10).map(|n| item(&alice, n, &head)).collect();
    World {
        alice,
        bob: keyring(20),
        printer: keyring(40),
        items,
        history,
    }
}

/// Alice grants `to` the parts `parts(item)` of `chosen` items.
pub fn grant_parts(
    w: &World,
    to: &Keyring,
    chosen: &[usize],
    parts: impl Fn(&Item) -> Vec<SelectedPart<'_>>,
) -> Vec<u8> {
    grant_from(w, &w.alice, to, HISTORY, chosen, parts)
}

/// `from` grants `to` the parts `parts(item)` of `chosen` items, naming the album history
/// entry `history`.
pub fn grant_from(
    w: &World,
    from: &Keyring,
    to: &Keyring,
    history: [u8; 32],
    chosen: &[usize],
    parts: impl Fn(&Item) -> Vec<SelectedPart<'_>>,
) -> Vec<u8> {
    let parts: Vec<Vec<SelectedPart<'_>>> = chosen.iter().map(|&i| parts(&w.items[i])).collect();
    let selected: Vec<SelectedItem<'_>> = chosen
        .iter()
        .zip(&parts)
        .map(|(&i, p)| SelectedItem {
            media_id: w.items[i].id,
            epoch: EPOCH,
            media_key: &w.items[i].key,
            parts: p,
            manifest: Some(&w.items[i].manifest),
        })
        .collect();
    from.grant_selection(
        &to.identity_public_key(),
        ALBUM,
        history,
        EXPIRES,
        &selected,
    )
    .unwrap()
}

/// Items 2, 5 and 7 of 10, originals only, to the print service.
pub fn print_order(w: &World) -> Vec<u8> {
    grant_parts(w, &w.printer, &[7, 2, 5], |it| {
        vec![SelectedPart::Stream(&it.original[..HEADER_LEN])]
    })
}

/// The print service accepts `grant` from Alice, expecting the album and history.
pub fn accepted(w: &World, grant: &[u8]) -> Selection {
    w.printer
        .accept_selection(grant, &w.alice.identity_public_key(), &expect())
        .unwrap()
}

pub fn expect() -> SelectionExpect {
    SelectionExpect {
        album_id: Some(ALBUM),
        history: Some(HISTORY),
    }
}

pub fn name<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    error_name(&result.unwrap_err())
}
