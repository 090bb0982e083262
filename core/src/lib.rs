#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

pub mod account;
pub mod bundle;
pub mod envelope;
mod error;
pub mod file;
pub mod hpke;
pub mod kdf;
mod keys;
pub mod primitives;
pub mod recovery;
pub mod sharing;
pub mod stream;

pub use envelope::{AlbumBlob, MediaBlob};
pub use error::{Error, Result};
pub use file::{FileOptions, open_file, seal_file};
pub use keys::{AlbumId, AlbumKey, ID_LEN, MediaId, MediaKey, MediaKind};
pub use primitives::KEY_LEN;
pub use recovery::RecoveryPhrase;

/// Deterministic variants of the sealing functions, with caller-chosen salts and nonces,
/// for known-answer vectors. Reusing a salt or nonce with the same key breaks the
/// security of everything sealed with it: never enable the `hazmat` feature in an app.
#[cfg(feature = "hazmat")]
pub mod hazmat {
    use crate::envelope::{AlbumBlob, MediaBlob};
    use crate::primitives::XNONCE_LEN;
    use crate::stream::{SALT_LEN, SealOptions};
    use crate::{AlbumKey, MediaId, MediaKey, MediaKind, Result};

    /// [`crate::stream::seal_with`] with a chosen salt.
    pub fn seal_with_salt(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        plaintext: &[u8],
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> Vec<u8> {
        crate::stream::seal_with_salt(key, media_id, kind, plaintext, options, salt)
    }

    /// A [`crate::stream::Sealer`] with a chosen salt.
    ///
    /// # Errors
    /// As [`crate::stream::Sealer::new`].
    pub fn sealer_with_salt<W: std::io::Write>(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        inner: W,
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> Result<crate::stream::Sealer<W>> {
        crate::stream::Sealer::with_salt(key, media_id, kind, inner, options, salt)
    }

    /// [`MediaKey::seal_blob`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`MediaKey::seal_blob`].
    pub fn seal_media_blob(
        key: &MediaKey,
        media_id: &MediaId,
        what: MediaBlob,
        plaintext: &[u8],
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::seal_media_blob(key, media_id, what, plaintext, nonce)
    }

    /// [`AlbumKey::seal_blob`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`AlbumKey::seal_blob`].
    pub fn seal_album_blob(
        key: &AlbumKey,
        what: AlbumBlob,
        plaintext: &[u8],
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::seal_album_blob(key, what, plaintext, nonce)
    }

    /// [`AlbumKey::wrap_media_key`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`AlbumKey::wrap_media_key`].
    pub fn wrap_media_key(
        key: &AlbumKey,
        media_id: &MediaId,
        media_key: &MediaKey,
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::wrap_media_key(key, media_id, media_key, nonce)
    }

    /// The envelope key schedule: `(key, commitment)` for an owner key, a nonce and the
    /// binding `version || purpose || len(context) || context`.
    pub fn envelope_key_schedule(
        owner: &[u8; 32],
        nonce: &[u8; XNONCE_LEN],
        binding: &[u8],
    ) -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
        crate::envelope::key_schedule_bytes(owner, nonce, binding)
    }

    /// The stream key schedule: `(payload key, commitment)` for a media key, the header's
    /// first 24 bytes and its salt. The payload key is returned in a zeroizing box.
    pub fn stream_key_schedule(
        key: &MediaKey,
        context: &[u8; crate::stream::CONTEXT_LEN],
        salt: &[u8; SALT_LEN],
    ) -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
        crate::stream::key_schedule_bytes(key, context, salt)
    }
}
