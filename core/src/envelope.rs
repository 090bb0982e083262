//! Small-blob envelopes (SPEC.md, section 4): metadata, captions, album names, and every
//! wrapped key.
//!
//! ```text
//! envelope   = version(1) || nonce(24) || commitment(32) || ciphertext || tag(16)
//! binding    = version || purpose || len(context) || context
//! key || commitment = HKDF-SHA256[salt = nonce, info = LABEL_ENVELOPE || binding](owner key, 64)
//! ciphertext || tag = XChaCha20-Poly1305(key, nonce, aad = binding, plaintext)
//! ```
//!
//! The owner key is a media key (for the item's metadata and caption) or an album key (for
//! the album's name and metadata, and to wrap media keys). The context is the ids the
//! object belongs to, so an envelope moved to another item, album or epoch fails to open.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::keys::{AlbumKey, ID_LEN, MediaId, MediaKey};
use crate::primitives::{EnvelopeAead, KEY_LEN, TAG_LEN, XNONCE_LEN, fill_random};
use crate::{Error, Result};

/// The envelope format version this build writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;
/// Length of an envelope's commitment.
pub const ENVELOPE_COMMITMENT_LEN: usize = 32;
/// Length of the fixed header: version, nonce, commitment.
pub const ENVELOPE_HEADER_LEN: usize = 1 + XNONCE_LEN + ENVELOPE_COMMITMENT_LEN;
/// Bytes an envelope adds to its plaintext.
pub const ENVELOPE_OVERHEAD: usize = ENVELOPE_HEADER_LEN + TAG_LEN;
/// Largest plaintext an envelope may hold (1 MiB); larger inputs are refused unread.
pub const MAX_ENVELOPE_PLAINTEXT: usize = 1 << 20;
/// HKDF info label of envelope keys.
pub const LABEL_ENVELOPE: &[u8] = b"keepsake/v1/envelope";
/// Longest context: album id, epoch, media id.
const MAX_CONTEXT_LEN: usize = ID_LEN + 8 + ID_LEN;
/// Length of a wrapped 32-byte key: [`ENVELOPE_OVERHEAD`] + 32.
pub const WRAPPED_KEY_LEN: usize = ENVELOPE_OVERHEAD + KEY_LEN;

/// What an envelope under a media key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaBlob {
    /// Structured metadata: file name, size, times, dimensions, EXIF.
    Metadata,
    /// The item's caption.
    Caption,
}

/// What an envelope under an album key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlbumBlob {
    /// The album's name.
    Name,
    /// Structured album metadata: cover, order, dates.
    Metadata,
}

/// The purpose byte of each kind of envelope (SPEC.md, section 4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Purpose {
    MediaMetadata = 1,
    MediaCaption = 2,
    AlbumName = 3,
    AlbumMetadata = 4,
    MediaKeyWrap = 5,
    IdentitySecret = 6,
    RootHistory = 7,
}

impl From<MediaBlob> for Purpose {
    fn from(what: MediaBlob) -> Self {
        match what {
            MediaBlob::Metadata => Purpose::MediaMetadata,
            MediaBlob::Caption => Purpose::MediaCaption,
        }
    }
}

impl From<AlbumBlob> for Purpose {
    fn from(what: AlbumBlob) -> Self {
        match what {
            AlbumBlob::Name => Purpose::AlbumName,
            AlbumBlob::Metadata => Purpose::AlbumMetadata,
        }
    }
}

/// `version || purpose || len(context) || context`, the envelope's associated data.
struct Binding {
    bytes: [u8; 3 + MAX_CONTEXT_LEN],
    len: usize,
}

impl Binding {
    fn new(purpose: Purpose, context: &[&[u8]]) -> Self {
        let mut bytes = [0u8; 3 + MAX_CONTEXT_LEN];
        let mut len = 3;
        for part in context {
            bytes
                .get_mut(len..len + part.len())
                .expect("every context is at most MAX_CONTEXT_LEN bytes by construction")
                .copy_from_slice(part);
            len += part.len();
        }
        bytes[0] = ENVELOPE_VERSION;
        bytes[1] = purpose as u8;
        bytes[2] = (len - 3) as u8;
        Self { bytes, len }
    }

    fn media(purpose: Purpose, media_id: &MediaId) -> Self {
        Self::new(purpose, &[media_id.as_bytes()])
    }

    fn album(purpose: Purpose, key: &AlbumKey) -> Self {
        Self::new(
            purpose,
            &[key.album_id().as_bytes(), &key.epoch().to_be_bytes()],
        )
    }

    fn wrap(key: &AlbumKey, media_id: &MediaId) -> Self {
        Self::new(
            Purpose::MediaKeyWrap,
            &[
                key.album_id().as_bytes(),
                &key.epoch().to_be_bytes(),
                media_id.as_bytes(),
            ],
        )
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// `key || commitment = HKDF-SHA256[salt = nonce, LABEL_ENVELOPE || binding](owner, 64)`.
pub(crate) fn key_schedule_bytes(
    owner: &[u8; KEY_LEN],
    nonce: &[u8; XNONCE_LEN],
    binding: &[u8],
) -> (Zeroizing<[u8; KEY_LEN]>, [u8; ENVELOPE_COMMITMENT_LEN]) {
    crate::primitives::key_and_commitment(nonce, owner, &[LABEL_ENVELOPE, binding])
}

fn envelope_keys(
    owner: &[u8; KEY_LEN],
    nonce: &[u8; XNONCE_LEN],
    binding: &Binding,
) -> (EnvelopeAead, [u8; ENVELOPE_COMMITMENT_LEN]) {
    let (key, commitment) = key_schedule_bytes(owner, nonce, binding.as_bytes());
    (EnvelopeAead::new(&key), commitment)
}

pub(crate) fn random_nonce() -> Result<[u8; XNONCE_LEN]> {
    let mut nonce = [0u8; XNONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(nonce)
}

fn seal(
    owner: &[u8; KEY_LEN],
    binding: &Binding,
    plaintext: &[u8],
    nonce: [u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    if plaintext.len() > MAX_ENVELOPE_PLAINTEXT {
        return Err(Error::TooLarge {
            what: "envelope plaintext",
            len: plaintext.len() as u64,
            max: MAX_ENVELOPE_PLAINTEXT as u64,
        });
    }
    let (aead, commitment) = envelope_keys(owner, &nonce, binding);
    let mut header = [0u8; ENVELOPE_HEADER_LEN];
    header[0] = ENVELOPE_VERSION;
    header[1..1 + XNONCE_LEN].copy_from_slice(&nonce);
    header[1 + XNONCE_LEN..].copy_from_slice(&commitment);
    Ok(aead.seal_after(&header, &nonce, binding.as_bytes(), plaintext))
}

fn open(owner: &[u8; KEY_LEN], binding: &Binding, envelope: &[u8]) -> Result<Vec<u8>> {
    check_shape(envelope)?;
    let mut nonce = [0u8; XNONCE_LEN];
    nonce.copy_from_slice(&envelope[1..1 + XNONCE_LEN]);
    let (aead, commitment) = envelope_keys(owner, &nonce, binding);
    let stored = &envelope[1 + XNONCE_LEN..ENVELOPE_HEADER_LEN];
    if !bool::from(commitment.ct_eq(stored)) {
        return Err(Error::DecryptionFailed);
    }
    aead.open(&nonce, binding.as_bytes(), &envelope[ENVELOPE_HEADER_LEN..])
}

/// The checks of SPEC.md 4.4 made before any cryptography: version, then length.
fn check_shape(envelope: &[u8]) -> Result<()> {
    let version = *envelope.first().ok_or(Error::TruncatedHeader {
        needed: ENVELOPE_OVERHEAD,
        got: 0,
    })?;
    if version != ENVELOPE_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    if envelope.len() < ENVELOPE_OVERHEAD {
        return Err(Error::TruncatedHeader {
            needed: ENVELOPE_OVERHEAD,
            got: envelope.len(),
        });
    }
    if envelope.len() > MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD {
        return Err(Error::TooLarge {
            what: "envelope",
            len: envelope.len() as u64,
            max: (MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD) as u64,
        });
    }
    Ok(())
}

/// The key of exactly one media metadata envelope (SPEC.md 5.11): its 57-byte header
/// (version, nonce, commitment) and its envelope key, the first half of the 4.2 key
/// schedule's output for that nonce. It opens that envelope and no other.
pub(crate) struct EnvelopePartKey {
    header: [u8; ENVELOPE_HEADER_LEN],
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl EnvelopePartKey {
    /// A part key from its header and key (as a selection grant carries them).
    pub(crate) fn new(header: [u8; ENVELOPE_HEADER_LEN], key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self { header, key }
    }

    /// Derives the part key of media item `media_id`'s metadata envelope `envelope` (its
    /// first [`ENVELOPE_HEADER_LEN`] bytes suffice) from the media key, checking the
    /// commitment first.
    ///
    /// # Errors
    /// [`Error::TruncatedHeader`], [`Error::UnsupportedVersion`]; [`Error::DecryptionFailed`]
    /// if the commitment is not the media key's for this item's metadata.
    pub(crate) fn derive(key: &MediaKey, media_id: &MediaId, envelope: &[u8]) -> Result<Self> {
        let version = *envelope.first().ok_or(Error::TruncatedHeader {
            needed: ENVELOPE_HEADER_LEN,
            got: 0,
        })?;
        if version != ENVELOPE_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let header: [u8; ENVELOPE_HEADER_LEN] = envelope
            .get(..ENVELOPE_HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(Error::TruncatedHeader {
                needed: ENVELOPE_HEADER_LEN,
                got: envelope.len(),
            })?;
        let mut nonce = [0u8; XNONCE_LEN];
        nonce.copy_from_slice(&header[1..1 + XNONCE_LEN]);
        let binding = Binding::media(Purpose::MediaMetadata, media_id);
        let (key, commitment) = key_schedule_bytes(key.secret(), &nonce, binding.as_bytes());
        if !bool::from(commitment.ct_eq(&header[1 + XNONCE_LEN..])) {
            return Err(Error::DecryptionFailed);
        }
        Ok(Self::new(header, key))
    }

    /// The envelope header this key opens.
    pub(crate) fn header(&self) -> &[u8; ENVELOPE_HEADER_LEN] {
        &self.header
    }

    /// The envelope key.
    pub(crate) fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Opens media item `media_id`'s metadata envelope with this key: the checks of
    /// SPEC.md 4.4 before any cryptography, then the envelope's first 57 bytes must equal
    /// the recorded header (constant time), then XAEAD with the binding of `media_id`.
    ///
    /// # Errors
    /// As [`MediaKey::open_blob`]; [`Error::DecryptionFailed`] for another envelope.
    pub(crate) fn open(&self, media_id: &MediaId, envelope: &[u8]) -> Result<Vec<u8>> {
        check_shape(envelope)?;
        if !bool::from(envelope[..ENVELOPE_HEADER_LEN].ct_eq(&self.header)) {
            return Err(Error::DecryptionFailed);
        }
        let mut nonce = [0u8; XNONCE_LEN];
        nonce.copy_from_slice(&self.header[1..1 + XNONCE_LEN]);
        let binding = Binding::media(Purpose::MediaMetadata, media_id);
        EnvelopeAead::new(&self.key).open(
            &nonce,
            binding.as_bytes(),
            &envelope[ENVELOPE_HEADER_LEN..],
        )
    }
}

pub(crate) fn seal_media_blob(
    key: &MediaKey,
    media_id: &MediaId,
    what: MediaBlob,
    plaintext: &[u8],
    nonce: [u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    seal(
        key.secret(),
        &Binding::media(what.into(), media_id),
        plaintext,
        nonce,
    )
}

pub(crate) fn seal_album_blob(
    key: &AlbumKey,
    what: AlbumBlob,
    plaintext: &[u8],
    nonce: [u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    seal(
        key.secret(),
        &Binding::album(what.into(), key),
        plaintext,
        nonce,
    )
}

pub(crate) fn wrap_media_key(
    key: &AlbumKey,
    media_id: &MediaId,
    media_key: &MediaKey,
    nonce: [u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    seal(
        key.secret(),
        &Binding::wrap(key, media_id),
        media_key.secret(),
        nonce,
    )
}

/// Wraps a 32-byte key under `owner` for `purpose` and `context` (the account layer's
/// slots). One code path with every other envelope.
pub(crate) fn wrap_key(
    owner: &[u8; KEY_LEN],
    purpose: Purpose,
    context: &[&[u8]],
    key: &[u8; KEY_LEN],
    nonce: [u8; XNONCE_LEN],
) -> Result<Vec<u8>> {
    seal(owner, &Binding::new(purpose, context), key, nonce)
}

/// Unwraps a key wrapped by [`wrap_key`] with the same purpose and context.
pub(crate) fn unwrap_key(
    owner: &[u8; KEY_LEN],
    purpose: Purpose,
    context: &[&[u8]],
    wrapped: &[u8],
) -> Result<crate::keys::SecretBytes> {
    let bytes = Zeroizing::new(open(owner, &Binding::new(purpose, context), wrapped)?);
    crate::keys::SecretBytes::from_slice("wrapped key", &bytes)
}

impl MediaKey {
    /// Seals a small blob (metadata or caption) of media item `media_id`.
    ///
    /// ```
    /// use keepsake::{MediaId, MediaKey, envelope::MediaBlob};
    /// let key = MediaKey::generate()?;
    /// let id = MediaId::random()?;
    /// let sealed = key.seal_blob(&id, MediaBlob::Caption, "Grandma's 90th".as_bytes())?;
    /// assert_eq!(key.open_blob(&id, MediaBlob::Caption, &sealed)?, "Grandma's 90th".as_bytes());
    /// // Bound to its purpose and item:
    /// assert!(key.open_blob(&id, MediaBlob::Metadata, &sealed).is_err());
    /// # Ok::<(), keepsake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_ENVELOPE_PLAINTEXT`]; [`Error::RandomnessUnavailable`].
    pub fn seal_blob(
        &self,
        media_id: &MediaId,
        what: MediaBlob,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        seal_media_blob(self, media_id, what, plaintext, random_nonce()?)
    }

    /// Opens a blob sealed by [`MediaKey::seal_blob`] for the same item and purpose.
    ///
    /// # Errors
    /// [`Error::TruncatedHeader`], [`Error::UnsupportedVersion`], [`Error::TooLarge`] for a
    /// malformed envelope; [`Error::DecryptionFailed`] for a wrong key, item or purpose, or
    /// altered bytes.
    pub fn open_blob(
        &self,
        media_id: &MediaId,
        what: MediaBlob,
        envelope: &[u8],
    ) -> Result<Vec<u8>> {
        open(
            self.secret(),
            &Binding::media(what.into(), media_id),
            envelope,
        )
    }
}

impl AlbumKey {
    /// Seals a small blob (name or metadata) of this key's album and epoch.
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_ENVELOPE_PLAINTEXT`]; [`Error::RandomnessUnavailable`].
    pub fn seal_blob(&self, what: AlbumBlob, plaintext: &[u8]) -> Result<Vec<u8>> {
        seal_album_blob(self, what, plaintext, random_nonce()?)
    }

    /// Opens a blob sealed by [`AlbumKey::seal_blob`] with the same album, epoch and purpose.
    ///
    /// # Errors
    /// As [`MediaKey::open_blob`].
    pub fn open_blob(&self, what: AlbumBlob, envelope: &[u8]) -> Result<Vec<u8>> {
        open(self.secret(), &Binding::album(what.into(), self), envelope)
    }

    /// Wraps `media_key` for media item `media_id` in this album at this epoch: an
    /// envelope of [`ENVELOPE_OVERHEAD`] + 32 bytes. Adding an item to another album wraps
    /// the same media key again; the media bytes are never re-encrypted.
    ///
    /// ```
    /// use keepsake::{AlbumId, AlbumKey, MediaId, MediaKey, stream};
    /// let album = AlbumKey::from_bytes(AlbumId::random()?, 0, [42; 32]);
    /// let id = MediaId::random()?;
    /// let media_key = MediaKey::generate()?;
    /// let wrapped = album.wrap_media_key(&id, &media_key)?;
    /// let unwrapped = album.unwrap_media_key(&id, &wrapped)?;
    /// let sealed = stream::seal(&media_key, &id, keepsake::MediaKind::Thumbnail, b"tiny")?;
    /// assert_eq!(stream::open(&unwrapped, &id, keepsake::MediaKind::Thumbnail, &sealed)?, b"tiny");
    /// # Ok::<(), keepsake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn wrap_media_key(&self, media_id: &MediaId, media_key: &MediaKey) -> Result<Vec<u8>> {
        wrap_media_key(self, media_id, media_key, random_nonce()?)
    }

    /// Unwraps a media key wrapped by [`AlbumKey::wrap_media_key`] for the same item, album
    /// and epoch.
    ///
    /// # Errors
    /// As [`MediaKey::open_blob`]; [`Error::InvalidLength`] if an authentic envelope does
    /// not hold 32 bytes.
    pub fn unwrap_media_key(&self, media_id: &MediaId, wrapped: &[u8]) -> Result<MediaKey> {
        let bytes = Zeroizing::new(open(
            self.secret(),
            &Binding::wrap(self, media_id),
            wrapped,
        )?);
        MediaKey::from_slice(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::AlbumId;

    const ID: MediaId = MediaId::from_bytes([3; 16]);

    fn album(epoch: u64) -> AlbumKey {
        AlbumKey::from_bytes(AlbumId::from_bytes([1; 16]), epoch, [2; 32])
    }

    #[test]
    fn layout_and_round_trip() {
        let key = MediaKey::from_bytes([4; 32]);
        let sealed = seal_media_blob(&key, &ID, MediaBlob::Metadata, b"hello", [5; 24]).unwrap();
        assert_eq!(sealed.len(), 5 + ENVELOPE_OVERHEAD);
        assert_eq!(sealed[0], ENVELOPE_VERSION);
        assert_eq!(&sealed[1..25], &[5; 24]);
        assert_eq!(
            key.open_blob(&ID, MediaBlob::Metadata, &sealed).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn context_is_bound() {
        let key = album(3);
        let mk = MediaKey::from_bytes([9; 32]);
        let wrapped = key.wrap_media_key(&ID, &mk).unwrap();
        assert_eq!(
            key.unwrap_media_key(&ID, &wrapped).unwrap().secret(),
            mk.secret()
        );
        let other_id = MediaId::from_bytes([4; 16]);
        assert!(matches!(
            key.unwrap_media_key(&other_id, &wrapped),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(
            album(4).unwrap_media_key(&ID, &wrapped),
            Err(Error::DecryptionFailed)
        ));
        let name = key.seal_blob(AlbumBlob::Name, b"Summer").unwrap();
        assert!(matches!(
            key.open_blob(AlbumBlob::Metadata, &name),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(
            key.unwrap_media_key(&ID, &name),
            Err(Error::DecryptionFailed)
        ));
    }

    #[test]
    fn the_size_cap_is_exact_and_every_envelope_draws_a_fresh_nonce() {
        let key = MediaKey::from_bytes([4; 32]);
        let cap = MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD;
        // The largest plaintext seals into an envelope exactly at the cap, which opens.
        let largest = vec![7u8; MAX_ENVELOPE_PLAINTEXT];
        let sealed = key.seal_blob(&ID, MediaBlob::Metadata, &largest).unwrap();
        assert_eq!(sealed.len(), cap);
        assert!(key.open_blob(&ID, MediaBlob::Metadata, &sealed).unwrap() == largest);
        // One byte more is refused by size, before any cryptography.
        let mut longer = sealed;
        longer.push(0);
        assert!(matches!(
            key.open_blob(&ID, MediaBlob::Metadata, &longer),
            Err(Error::TooLarge { what: "envelope", len, max })
                if len == cap as u64 + 1 && max == cap as u64
        ));
        assert!(matches!(
            key.seal_blob(&ID, MediaBlob::Metadata, &longer[..MAX_ENVELOPE_PLAINTEXT + 1]),
            Err(Error::TooLarge { what: "envelope plaintext", len, max })
                if len == MAX_ENVELOPE_PLAINTEXT as u64 + 1 && max == MAX_ENVELOPE_PLAINTEXT as u64
        ));
        // Sealing the same plaintext twice gives two nonces (24 random bytes each).
        let a = key.seal_blob(&ID, MediaBlob::Caption, b"same").unwrap();
        let b = key.seal_blob(&ID, MediaBlob::Caption, b"same").unwrap();
        assert_ne!(a[1..1 + XNONCE_LEN], b[1..1 + XNONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_envelopes_get_precise_errors() {
        let key = MediaKey::from_bytes([4; 32]);
        let sealed = key.seal_blob(&ID, MediaBlob::Caption, b"x").unwrap();
        assert!(matches!(
            key.open_blob(&ID, MediaBlob::Caption, &[]),
            Err(Error::TruncatedHeader { got: 0, .. })
        ));
        let mut bad = sealed.clone();
        bad[0] = 2;
        assert!(matches!(
            key.open_blob(&ID, MediaBlob::Caption, &bad),
            Err(Error::UnsupportedVersion(2))
        ));
        assert!(matches!(
            key.open_blob(&ID, MediaBlob::Caption, &sealed[..ENVELOPE_OVERHEAD - 1]),
            Err(Error::TruncatedHeader { .. })
        ));
        let huge = vec![1u8; MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD + 1];
        assert!(matches!(
            key.open_blob(&ID, MediaBlob::Caption, &huge),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            key.seal_blob(&ID, MediaBlob::Caption, &huge),
            Err(Error::TooLarge { .. })
        ));
        for bit in 0..sealed.len() * 8 {
            let mut flipped = sealed.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(
                key.open_blob(&ID, MediaBlob::Caption, &flipped).is_err(),
                "bit {bit}"
            );
        }
    }
}
