//! Envelope open (metadata, captions, album names and metadata, media-key wraps) on
//! arbitrary bytes.
//!
//! Input: `purpose selector (1) || owner key (32) || media id (16) || album id (16) ||
//! epoch (8) || envelope`; the selector modulo 5 picks media metadata, media caption,
//! album name, album metadata or media-key wrap.
//! Invariants: errors are exactly SPEC.md 4.4's, in its order, with the right fields; an
//! envelope that opens is the unique sealing of its plaintext with its nonce.
#![no_main]

use keepsake::envelope::{AlbumBlob, ENVELOPE_OVERHEAD, MAX_ENVELOPE_PLAINTEXT, MediaBlob};
use keepsake::{AlbumId, AlbumKey, Error, MediaId, MediaKey, hazmat};
use keepsake_fuzz::Fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let selector = fields.byte() % 5;
    let owner: [u8; 32] = fields.array();
    let media_id = MediaId::from_bytes(fields.array());
    let album_id = AlbumId::from_bytes(fields.array());
    let epoch = fields.u64();
    let envelope = fields.rest();
    let media_key = MediaKey::from_bytes(owner);
    let album_key = AlbumKey::from_bytes(album_id, epoch, owner);
    let nonce = || -> [u8; 24] { envelope[1..25].try_into().expect("opened, so long enough") };
    let (result, resealed) = match selector {
        0 | 1 => {
            let what = if selector == 0 {
                MediaBlob::Metadata
            } else {
                MediaBlob::Caption
            };
            let r = media_key.open_blob(&media_id, what, envelope);
            let again = r
                .as_ref()
                .ok()
                .map(|pt| hazmat::seal_media_blob(&media_key, &media_id, what, pt, nonce()));
            (r.map(|_| ()), again)
        }
        2 | 3 => {
            let what = if selector == 2 {
                AlbumBlob::Name
            } else {
                AlbumBlob::Metadata
            };
            let r = album_key.open_blob(what, envelope);
            let again = r
                .as_ref()
                .ok()
                .map(|pt| hazmat::seal_album_blob(&album_key, what, pt, nonce()));
            (r.map(|_| ()), again)
        }
        _ => {
            let r = album_key.unwrap_media_key(&media_id, envelope);
            let again = r
                .as_ref()
                .ok()
                .map(|k| hazmat::wrap_media_key(&album_key, &media_id, k, nonce()));
            (r.map(|_| ()), again)
        }
    };
    // SPEC.md 4.4, in order.
    let len = envelope.len();
    match result {
        Ok(()) => {
            assert!(
                resealed.expect("opened").expect("reseals") == envelope,
                "second encoding opened"
            );
        }
        Err(Error::TruncatedHeader { needed, got }) => {
            assert_eq!((needed, got), (ENVELOPE_OVERHEAD, len));
            assert!(len == 0 || (envelope[0] == 1 && len < ENVELOPE_OVERHEAD));
        }
        Err(Error::UnsupportedVersion(v)) => assert!(len > 0 && envelope[0] == v && v != 1),
        Err(Error::TooLarge { len: l, .. }) => {
            assert!(
                l == len as u64
                    && len > MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD
                    && envelope[0] == 1
            );
        }
        Err(Error::DecryptionFailed) => assert!(envelope[0] == 1 && len >= ENVELOPE_OVERHEAD),
        Err(Error::InvalidLength {
            expected: 32, got, ..
        }) => {
            // Only an authentic wrap of the wrong size.
            assert!(selector == 4 && got + ENVELOPE_OVERHEAD == len && got != 32);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
