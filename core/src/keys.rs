//! Key and identifier types: [`MediaKey`], [`AlbumKey`], [`MediaId`], [`AlbumId`],
//! [`MediaKind`].
//!
//! Secret keys live in a heap box that is zeroized on drop, print as `[redacted]`, and are
//! neither `Clone` nor `Serialize`: a second copy of a key must be made on purpose.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::primitives::{KEY_LEN, fill_random};
use crate::{Error, Result};

/// Length of a [`MediaId`] and of an [`AlbumId`].
pub const ID_LEN: usize = 16;

/// A 32-byte secret in a zeroizing heap box. Private: the public key types wrap it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SecretBytes(Box<[u8; KEY_LEN]>);

impl SecretBytes {
    pub(crate) fn new(bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let boxed = Box::new(bytes);
        bytes.zeroize(); // the by-value copy on this stack frame
        Self(boxed)
    }

    pub(crate) fn random() -> Result<Self> {
        let mut boxed = Box::new([0u8; KEY_LEN]);
        fill_random(boxed.as_mut())?;
        Ok(Self(boxed))
    }

    pub(crate) fn from_slice(what: &'static str, bytes: &[u8]) -> Result<Self> {
        let array: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what,
            expected: KEY_LEN,
            got: bytes.len(),
        })?;
        let mut boxed = Box::new([0u8; KEY_LEN]);
        boxed.copy_from_slice(array);
        Ok(Self(boxed))
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// The random key of one media item. It seals the item's streams (original, thumbnail,
/// preview, sidecar) and its metadata envelopes, and is stored only wrapped under album keys
/// ([`AlbumKey::wrap_media_key`]). Its bytes wipe themselves on drop; there is
/// deliberately no public `zeroize()`, which would leave a usable all-zero key.
pub struct MediaKey(SecretBytes);

impl MediaKey {
    /// A fresh key from the OS random number generator.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`] if the OS RNG fails.
    pub fn generate() -> Result<Self> {
        SecretBytes::random().map(Self)
    }

    /// Builds a key from its 32 bytes (known-answer tests, migration). The bytes are copied
    /// into a zeroizing box; wiping the caller's own copy is the caller's job.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(SecretBytes::new(bytes))
    }

    /// Builds a key from a slice, which must be exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        SecretBytes::from_slice("media key", bytes).map(Self)
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

impl fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MediaKey([redacted])")
    }
}

/// The key of one album at one epoch. It wraps the album's media keys and seals the album's
/// name and metadata. It carries the album id and epoch it belongs to, so everything it
/// seals is bound to them.
///
/// The account key hierarchy derives album keys from the root key; [`AlbumKey::from_bytes`]
/// exists for tests and for keys received through a share.
pub struct AlbumKey {
    album_id: AlbumId,
    epoch: u64,
    /// Wipes itself on drop.
    key: SecretBytes,
}

impl AlbumKey {
    /// Builds the key of `album_id` at `epoch` from its 32 bytes. The bytes are copied into a
    /// zeroizing box; wiping the caller's own copy is the caller's job.
    pub fn from_bytes(album_id: AlbumId, epoch: u64, bytes: [u8; KEY_LEN]) -> Self {
        Self {
            album_id,
            epoch,
            key: SecretBytes::new(bytes),
        }
    }

    /// The album this key belongs to.
    pub fn album_id(&self) -> AlbumId {
        self.album_id
    }

    /// The epoch this key belongs to.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        self.key.expose()
    }
}

impl fmt::Debug for AlbumKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            album_id,
            epoch,
            key: _,
        } = self;
        f.debug_struct("AlbumKey")
            .field("album_id", album_id)
            .field("epoch", epoch)
            .field("key", &"[redacted]")
            .finish()
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; ID_LEN]);

        impl $name {
            /// Wraps 16 bytes.
            pub const fn from_bytes(bytes: [u8; ID_LEN]) -> Self {
                Self(bytes)
            }

            /// Parses exactly 16 bytes.
            ///
            /// # Errors
            /// [`Error::InvalidLength`] for any other length.
            pub fn from_slice(bytes: &[u8]) -> Result<Self> {
                bytes.try_into().map(Self).map_err(|_| Error::InvalidLength {
                    what: $what,
                    expected: ID_LEN,
                    got: bytes.len(),
                })
            }

            /// A fresh random id.
            ///
            /// # Errors
            /// [`Error::RandomnessUnavailable`] if the OS RNG fails.
            pub fn random() -> Result<Self> {
                let mut bytes = [0u8; ID_LEN];
                fill_random(&mut bytes)?;
                Ok(Self(bytes))
            }

            /// The 16 bytes.
            pub const fn as_bytes(&self) -> &[u8; ID_LEN] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    };
}

id_type!(
    /// The public, random identifier of a media item (16 bytes). Every sealed stream and
    /// envelope of the item is bound to it.
    MediaId,
    "media id"
);
id_type!(
    /// The public, random identifier of an album (16 bytes).
    AlbumId,
    "album id"
);

/// Which rendition of a media item a stream holds. Bound into the stream's key, so a
/// thumbnail cannot be served in place of the original or the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// The original photo or video.
    Original,
    /// A small thumbnail.
    Thumbnail,
    /// A screen-sized preview.
    Preview,
    /// A sidecar file (edits, live-photo video, XMP).
    Sidecar,
}

impl MediaKind {
    /// Every kind, in byte order.
    pub const ALL: [MediaKind; 4] = [
        MediaKind::Original,
        MediaKind::Thumbnail,
        MediaKind::Preview,
        MediaKind::Sidecar,
    ];

    /// The kind's byte in the stream header (SPEC.md, section 3.2).
    pub const fn to_byte(self) -> u8 {
        match self {
            MediaKind::Original => 0,
            MediaKind::Thumbnail => 1,
            MediaKind::Preview => 2,
            MediaKind::Sidecar => 3,
        }
    }

    /// Parses a header byte.
    ///
    /// # Errors
    /// [`Error::UnknownKind`] for a byte that names no kind.
    pub const fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            0 => Ok(MediaKind::Original),
            1 => Ok(MediaKind::Thumbnail),
            2 => Ok(MediaKind::Preview),
            3 => Ok(MediaKind::Sidecar),
            other => Err(Error::UnknownKind(other)),
        }
    }

    /// The kind's lowercase name, as used in vector files.
    pub const fn name(self) -> &'static str {
        match self {
            MediaKind::Original => "original",
            MediaKind::Thumbnail => "thumbnail",
            MediaKind::Preview => "preview",
            MediaKind::Sidecar => "sidecar",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = MediaKey::from_bytes([0xAB; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "MediaKey([redacted])");
        let album = AlbumKey::from_bytes(AlbumId::from_bytes([1; 16]), 7, [0xCD; 32]);
        let shown = format!("{album:?}");
        assert!(!shown.to_lowercase().contains("cd"), "{shown}");
        assert!(
            shown.contains("epoch: 7") && shown.contains("[redacted]"),
            "{shown}"
        );
    }

    #[test]
    fn kind_bytes_round_trip_and_unknown_is_refused() {
        for kind in MediaKind::ALL {
            assert_eq!(MediaKind::from_byte(kind.to_byte()).unwrap(), kind);
        }
        assert!(matches!(
            MediaKind::from_byte(4),
            Err(Error::UnknownKind(4))
        ));
    }

    #[test]
    fn wrong_length_key_and_id_are_refused() {
        assert!(matches!(
            MediaKey::from_slice(&[0; 31]),
            Err(Error::InvalidLength {
                expected: 32,
                got: 31,
                ..
            })
        ));
        assert!(matches!(
            MediaId::from_slice(&[0; 17]),
            Err(Error::InvalidLength {
                expected: 16,
                got: 17,
                ..
            })
        ));
        assert_eq!(MediaId::from_bytes([0x0f; 16]).to_string(), "0f".repeat(16));
    }

    #[test]
    fn generated_keys_differ() {
        let a = MediaKey::generate().unwrap();
        let b = MediaKey::generate().unwrap();
        assert_ne!(a.secret(), b.secret());
    }
}
