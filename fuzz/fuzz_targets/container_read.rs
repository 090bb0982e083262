//! The command-line tool's container reader (SPEC.md 8.2, 8.4): `read_layout` over the
//! input, then, with the album key of the vector whose album and epoch it names
//! (`tests/vectors/container-v1.json`, else the first one's: `WrongAlbum`), `open_item`,
//! the thumbnail, the original (streamed into a counting sink), three byte ranges and the
//! chunk hash list; then the same reads again after `Item::verify` against that vector's
//! album history, which must agree with the unverified ones.
#![no_main]

use std::io::{Cursor, Write};
use std::sync::LazyLock;

use keepsake::history::{VerifiedHistory, verify_history};
use keepsake::{AlbumId, AlbumKey, hazmat};
use keepsake_cli::container::read::{
    copy_original, copy_range, open_item, read_hash_list, read_thumbnail,
};
use keepsake_cli::container::{
    self, ContainerError, FIXED_LEN, Layout, MAX_THUMBNAIL_LEN, THUMBNAIL_OFFSET, chunk_count,
};
use libfuzzer_sys::fuzz_target;

const VECTORS: &str = include_str!("../../tests/vectors/container-v1.json");

/// Each vector's album key and its verified album history (the genesis entry).
static FIXTURE: LazyLock<Vec<(AlbumKey, VerifiedHistory)>> = LazyLock::new(|| {
    let file: serde_json::Value = serde_json::from_str(VECTORS).expect("vector file");
    let arr = |v: &serde_json::Value| -> [u8; 32] {
        hex::decode(v.as_str().expect("hex"))
            .expect("hex")
            .try_into()
            .expect("32 bytes")
    };
    file["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| {
            let id: [u8; 16] = hex::decode(v["album_id"].as_str().expect("id"))
                .expect("hex")
                .try_into()
                .expect("16 bytes");
            let album_id = AlbumId::from_bytes(id);
            let epoch = v["epoch"].as_u64().expect("epoch");
            let album = AlbumKey::from_bytes(album_id, epoch, arr(&v["album_key"]));
            let roots: Vec<[u8; 32]> = v["root_keys"]
                .as_array()
                .expect("roots")
                .iter()
                .map(arr)
                .collect();
            let keyring = hazmat::keyring_from_secrets(&roots, arr(&v["identity_seed"]));
            let genesis = hex::decode(v["history"].as_str().expect("history")).expect("hex");
            let history = verify_history(
                &[&genesis[..]],
                album_id,
                &keyring.identity_public_key(),
                None,
            )
            .expect("the vector's history verifies");
            (album, history)
        })
        .collect()
});

/// A sink that counts what it is given and refuses more than `cap` bytes in all.
struct Counting {
    len: u64,
    cap: u64,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len() as u64;
        assert!(
            self.len <= self.cap,
            "{} bytes out of {}",
            self.len,
            self.cap
        );
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The layout's sections tile the input exactly, in SPEC.md 8.2's order.
fn check_layout(layout: &Layout, total: u64) {
    assert_eq!(layout.total_len, total);
    assert_eq!(layout.wrapped_key.len(), FIXED_LEN - 4 - 1 - 16 - 8 - 16);
    let mut at = THUMBNAIL_OFFSET as u64;
    if let Some((section, header)) = &layout.thumbnail {
        assert_eq!(section.offset, at);
        assert!(section.len <= MAX_THUMBNAIL_LEN);
        assert_eq!(header.media_id(), layout.media_id);
        at += section.len;
    }
    let (original, header) = &layout.original;
    assert_eq!(original.offset, at + 8);
    assert_eq!(header.media_id(), layout.media_id);
    at = original.offset + original.len;
    assert_eq!(layout.hash_list.offset, at);
    assert_eq!(
        layout.hash_list.len,
        chunk_count(original.len, header.chunk_size() as u64) * 32
    );
    at += layout.hash_list.len;
    assert_eq!(layout.metadata_section.offset, at + 4);
    assert_eq!(layout.metadata_section.len, layout.metadata.len() as u64);
    assert_eq!(
        layout.metadata_section.offset + layout.metadata_section.len,
        total
    );
}

/// Everything an item gives: thumbnail, original length, three ranges (the hash list is
/// read and checked too).
type Reads = (
    Option<Vec<u8>>,
    Result<u64, String>,
    Vec<Result<Vec<u8>, String>>,
);

fn read_all(data: &[u8], layout: &Layout, item: &container::Item) -> Reads {
    let mut src = Cursor::new(data);
    let thumbnail = match read_thumbnail(&mut src, layout, item) {
        Ok(t) => {
            let t = t.map(|t| t.to_vec());
            if let (Some(t), Some((section, _))) = (&t, &layout.thumbnail) {
                assert!((t.len() as u64) < section.len);
            }
            t
        }
        Err(e) => {
            allowed(&e);
            None
        }
    };
    let (section, _) = layout.original;
    let mut sink = Counting {
        len: 0,
        cap: section.len,
    };
    let mut progress = 0u64;
    let original = copy_original(&mut src, layout, item, &mut sink, &mut |n| progress += n)
        .inspect(|&n| {
            assert_eq!(n, sink.len);
            assert_eq!(n, item.metadata.size);
        })
        .map_err(|e| {
            allowed(&e);
            e.to_string()
        });
    assert_eq!(progress, sink.len);
    let size = item.metadata.size;
    let ranges = [(0, u64::MAX), (1, 257), (size.saturating_sub(1), 2)]
        .into_iter()
        .map(|(offset, len)| {
            let mut out = Vec::new();
            copy_range(&mut src, layout, item, offset, len, &mut out)
                .map(|n| {
                    assert_eq!(n, out.len() as u64);
                    assert!(n <= len && n < section.len);
                    out
                })
                .map_err(|e| {
                    allowed(&e);
                    e.to_string()
                })
        })
        .collect();
    match read_hash_list(&mut src, layout) {
        Ok(list) => assert_eq!(list.len() as u64, layout.hash_list.len),
        Err(e) => panic!("a hash list inside the input failed: {e}"),
    }
    (thumbnail, original, ranges)
}

/// Errors a `Cursor` over the input may give: never I/O, never the writer's.
fn allowed(e: &ContainerError) {
    assert!(
        !matches!(
            e,
            ContainerError::Io(_) | ContainerError::Exists(_) | ContainerError::InputChanged
        ),
        "unexpected error {e:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let mut src = Cursor::new(data);
    let layout = match container::read_layout(&mut src) {
        Ok(layout) => layout,
        Err(e) => {
            allowed(&e);
            assert!(
                !matches!(
                    e,
                    ContainerError::WrongAlbum { .. }
                        | ContainerError::MalformedMetadata(_)
                        | ContainerError::UnsafeName(_)
                        | ContainerError::SizeMismatch { .. }
                ),
                "read_layout uses no key: {e:?}"
            );
            return;
        }
    };
    check_layout(&layout, data.len() as u64);
    let matching = fixture
        .iter()
        .find(|(album, _)| (album.album_id(), album.epoch()) == (layout.album_id, layout.epoch));
    let (album, history) = matching.unwrap_or(&fixture[0]);
    let mut item = match open_item(&layout, album) {
        Ok(item) => item,
        Err(e) => {
            allowed(&e);
            assert_eq!(
                matching.is_none(),
                matches!(e, ContainerError::WrongAlbum { .. }),
                "{e:?}"
            );
            return;
        }
    };
    assert!(matching.is_some(), "opened with another album's key");
    let unverified = read_all(data, &layout, &item);
    if item.verify(&layout, history).is_err() {
        return;
    }
    let verified = read_all(data, &layout, &item);
    // What verifies reads as without the manifest: a check can refuse, never change bytes.
    if let (Some(a), Some(b)) = (&verified.0, &unverified.0) {
        assert_eq!(a, b);
    }
    if let Ok(n) = verified.1 {
        assert_eq!(unverified.1, Ok(n));
    }
    for (v, u) in verified.2.iter().zip(&unverified.2) {
        if let Ok(v) = v {
            assert_eq!(u.as_ref().ok(), Some(v));
        }
    }
});
