//! The command-line tool's file parsers other than the container: `mode (1) ‖ bytes`,
//! mode mod 5 picks
//! - 0: an album history file (`album_history::split_entries`, SPEC.md 8.11), then each
//!   entry through the core's `parse_history_entry` and the file through `inspect_json`;
//! - 1: a published link folder's `history` (`link_open::parse_history_file`,
//!   `be32(len) ‖ entry` repeated, SPEC.md 8.12);
//! - 2: a published link folder's `index.json` (`link_open::parse_index`, SPEC.md 8.12);
//! - 3: a seal index (SPEC.md 8.9): `index::header`, `index::inspect_json` and
//!   `Index::open` with the album key of `tests/vectors/index-v1.json`'s first vector, and
//!   the bytes as an index plaintext (`Index::from_json`);
//! - 4: a container's metadata JSON (SPEC.md 8.3, `container::Metadata::parse`).
#![no_main]

use std::io::Cursor;
use std::sync::LazyLock;

use keepsake::history::{
    HISTORY_ENTRY_MAX_LEN, HISTORY_FIXED_LEN, MAX_HISTORY_ENTRIES, history_entry_len,
    parse_history_entry,
};
use keepsake::{AlbumId, AlbumKey, Error, MediaId};
use keepsake_cli::album_history::{inspect_json, split_entries};
use keepsake_cli::container::metadata::{METADATA_VERSION, MODE_MASK};
use keepsake_cli::container::{ContainerError, Metadata};
use keepsake_cli::index::{self, Index, IndexError};
use keepsake_cli::link::{INDEX_VERSION, MAX_INDEX_ITEMS};
use keepsake_cli::link_open::{parse_history_file, parse_index};
use libfuzzer_sys::fuzz_target;

const INDEX_VECTORS: &str = include_str!("../../tests/vectors/index-v1.json");

/// The album key of the first seal index vector.
static INDEX_KEY: LazyLock<AlbumKey> = LazyLock::new(|| {
    let file: serde_json::Value = serde_json::from_str(INDEX_VECTORS).expect("vector file");
    let v = &file["vectors"][0];
    let field = |name: &str| hex::decode(v[name].as_str().expect("hex")).expect("hex");
    let id: [u8; 16] = field("album_id").try_into().expect("16 bytes");
    let key: [u8; 32] = field("album_key").try_into().expect("32 bytes");
    let epoch = match &v["epoch"] {
        serde_json::Value::String(s) => s.parse().expect("epoch"),
        other => other.as_u64().expect("epoch"),
    };
    AlbumKey::from_bytes(AlbumId::from_bytes(id), epoch, key)
});

fn album_history(bytes: &[u8]) {
    let entries = match split_entries(bytes) {
        Ok(entries) => entries,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::MalformedHistoryEntry { .. } | Error::TooLarge { .. }
                ),
                "{e:?}"
            );
            assert!(inspect_json(bytes).is_err());
            return;
        }
    };
    // The entries are the file back to back, each of its action's length.
    assert!(!entries.is_empty() && entries.len() <= MAX_HISTORY_ENTRIES);
    assert_eq!(entries.concat(), bytes);
    let mut all_parse = true;
    for entry in &entries {
        assert!(entry.len() >= HISTORY_FIXED_LEN && entry.len() <= HISTORY_ENTRY_MAX_LEN);
        assert_eq!(
            history_entry_len(entry[HISTORY_FIXED_LEN - 1]),
            Some(entry.len())
        );
        all_parse &= parse_history_entry(entry).is_ok();
    }
    match inspect_json(bytes) {
        Ok(json) => {
            assert!(all_parse);
            assert_eq!(
                json["entries"].as_array().map(Vec::len),
                Some(entries.len())
            );
            assert_eq!(json["verified"], false);
        }
        Err(_) => assert!(!all_parse),
    }
}

fn link_history(bytes: &[u8]) {
    match parse_history_file(bytes) {
        Ok(entries) => {
            // Re-encoding gives the bytes back.
            let mut again = Vec::with_capacity(bytes.len());
            for entry in &entries {
                assert!(!entry.is_empty() && entry.len() <= HISTORY_ENTRY_MAX_LEN);
                again.extend_from_slice(&(entry.len() as u32).to_be_bytes());
                again.extend_from_slice(entry);
            }
            assert_eq!(again, bytes);
        }
        Err(why) => assert!(
            matches!(
                why,
                "a cut length" | "an entry length out of range" | "a cut entry"
            ),
            "{why}"
        ),
    }
}

fn link_index(bytes: &[u8]) {
    match parse_index(bytes) {
        Ok(items) => {
            assert!(items.len() <= MAX_INDEX_ITEMS);
            let value: serde_json::Value = serde_json::from_slice(bytes).expect("parsed JSON");
            assert_eq!(value["version"].as_u64(), Some(INDEX_VERSION));
            let mut ids: Vec<MediaId> = items.iter().map(|i| i.id).collect();
            for (i, item) in items.iter().enumerate() {
                assert_eq!(
                    value["items"][i]["id"].as_str(),
                    Some(&*item.id.to_string())
                );
                let mut parts = item.parts.clone();
                assert!(parts.len() <= 3);
                parts.sort();
                parts.dedup();
                assert_eq!(parts.len(), item.parts.len());
            }
            ids.sort_by_key(|id| *id.as_bytes());
            ids.dedup();
            assert_eq!(ids.len(), items.len());
        }
        Err(why) => assert!(
            matches!(
                why,
                "not JSON"
                    | "another version"
                    | "no items array"
                    | "too many items"
                    | "an item id that is not 32 lowercase hex digits"
                    | "an item listed twice"
                    | "an item without parts"
                    | "an unknown part"
                    | "a part listed twice"
            ),
            "{why}"
        ),
    }
}

fn seal_index(bytes: &[u8]) {
    let header = index::header(bytes);
    let inspected = index::inspect_json(&mut Cursor::new(bytes));
    if let Err(e) = &header {
        // inspect_json reads at most the fixed part and a stream header, so it gives the
        // header's refusal for such a prefix.
        assert!(inspected.is_err(), "{e:?}");
    }
    if let Ok(json) = &inspected {
        assert_eq!(json["authenticated"], false);
        assert_eq!(json["len"].as_u64(), Some(bytes.len() as u64));
    }
    let key = &*INDEX_KEY;
    match Index::open(bytes, key) {
        Ok(_) => {
            assert_eq!(header.ok(), Some((key.album_id(), key.epoch())));
            assert!(inspected.is_ok());
        }
        Err(e) => {
            assert!(!matches!(e, IndexError::Io(_)), "{e:?}");
            if let Ok(names) = &header {
                assert_eq!(
                    *names != (key.album_id(), key.epoch()),
                    matches!(e, IndexError::WrongAlbum { .. }),
                    "{e:?}"
                );
            }
        }
    }
    match Index::from_json(bytes) {
        Ok(index) => {
            // A checked plaintext re-encodes to JSON that parses back to the same index.
            let json = index.to_json().expect("to_json");
            let again = Index::from_json(&json).expect("reparses");
            assert_eq!(*again.to_json().expect("to_json"), *json);
        }
        Err(e) => assert!(matches!(e, IndexError::Malformed(_)), "{e:?}"),
    }
}

fn metadata(bytes: &[u8]) {
    match Metadata::parse(bytes) {
        Ok(m) => {
            assert_eq!(m.version, METADATA_VERSION);
            assert!(m.mtime_nanos.is_none_or(|n| n < 1_000_000_000));
            assert!(m.mode.is_none_or(|mode| mode & !MODE_MASK == 0));
            assert!(m.path().is_ok());
            let _ = m.modified();
            // Its JSON parses back to itself (when it fits the cap).
            if let Ok(json) = m.to_json() {
                assert_eq!(Metadata::parse(&json).expect("reparses"), m);
            }
        }
        Err(e) => assert!(
            matches!(
                e,
                ContainerError::MalformedMetadata(_) | ContainerError::UnsafeName(_)
            ),
            "{e:?}"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => album_history(bytes),
        1 => link_history(bytes),
        2 => link_index(bytes),
        3 => seal_index(bytes),
        _ => metadata(bytes),
    }
});
