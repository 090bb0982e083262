//! Media key unwrap (SPEC.md 4.3) on arbitrary bytes.
//!
//! Input: `album key (32) || album id (16) || epoch (8) || media id (16) || wrapped key`.
//! Invariants: a key that unwraps re-wraps (same nonce) to exactly the input, and opens
//! under no other album, epoch or item; errors are SPEC.md 4.4's.
#![no_main]

use keepsake::{AlbumId, AlbumKey, Error, MediaId, hazmat};
use keepsake_fuzz::{Fields, assert_allowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let key_bytes: [u8; 32] = fields.array();
    let album_id = AlbumId::from_bytes(fields.array());
    let epoch = fields.u64();
    let media_id = MediaId::from_bytes(fields.array());
    let wrapped = fields.rest();
    let album = AlbumKey::from_bytes(album_id, epoch, key_bytes);
    match album.unwrap_media_key(&media_id, wrapped) {
        Ok(media_key) => {
            assert_eq!(wrapped.len(), 105);
            let nonce = wrapped[1..25].try_into().expect("105 bytes");
            let again =
                hazmat::wrap_media_key(&album, &media_id, &media_key, nonce).expect("wraps");
            assert!(again == wrapped, "a second encoding unwrapped");
            let next_epoch = AlbumKey::from_bytes(album_id, epoch.wrapping_add(1), key_bytes);
            assert!(matches!(
                next_epoch.unwrap_media_key(&media_id, wrapped),
                Err(Error::DecryptionFailed)
            ));
            let mut other_item = *media_id.as_bytes();
            other_item[0] ^= 1;
            let other = album.unwrap_media_key(&MediaId::from_bytes(other_item), wrapped);
            assert!(matches!(other, Err(Error::DecryptionFailed)));
        }
        Err(err) => assert_allowed(
            &err,
            &[
                "TruncatedHeader",
                "UnsupportedVersion",
                "TooLarge",
                "DecryptionFailed",
                "InvalidLength",
            ],
        ),
    }
});
