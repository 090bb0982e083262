//! The one-shot API: a whole object sealed or opened in memory, into a new buffer or one
//! the caller reuses.

use zeroize::{Zeroize, Zeroizing};

use super::{
    ChunkRun, HEADER_LEN, Header, OpenOptions, PARALLEL_MIN_BYTES, SALT_LEN, SealOptions,
    StreamKey, new_header, open_run, opened_len, random_salt, seal_run, verify_header,
};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{TAG_LEN, resize_wiping};
use crate::provenance::SealedPart;
use crate::{Error, Result};

/// Seals `plaintext` as media item `media_id`'s rendition `kind`, with default options.
///
/// ```
/// use keepsake::{MediaId, MediaKey, MediaKind, stream};
///
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let sealed = stream::seal(&key, &id, MediaKind::Original, b"a photo")?;
/// assert_eq!(stream::open(&key, &id, MediaKind::Original, &sealed)?, b"a photo");
/// // The same bytes are refused as a thumbnail, or under another id or key.
/// assert!(stream::open(&key, &id, MediaKind::Thumbnail, &sealed).is_err());
/// # Ok::<(), keepsake::Error>(())
/// ```
///
/// # Errors
/// [`Error::RandomnessUnavailable`] if no salt can be drawn.
pub fn seal(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    seal_with(key, media_id, kind, plaintext, &SealOptions::new())
}

/// [`seal`] with explicit options.
///
/// # Errors
/// [`Error::RandomnessUnavailable`] if no salt can be drawn.
pub fn seal_with(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
) -> Result<Vec<u8>> {
    Ok(seal_with_salt(
        key,
        media_id,
        kind,
        plaintext,
        options,
        random_salt()?,
    ))
}

/// [`seal_with`] into a buffer the caller reuses: `out` is replaced by the sealed object.
///
/// Sealing many items one after another into the same `out` avoids allocating, and
/// faulting in, fresh memory for each; a buffer already large enough is neither
/// reallocated nor zeroed first. The output is the same as [`seal_with`]'s.
///
/// ```
/// use keepsake::{MediaId, MediaKey, MediaKind, Zeroizing};
/// use keepsake::stream::{self, OpenOptions, SealOptions};
///
/// let key = MediaKey::generate()?;
/// let (mut sealed, mut opened) = (Vec::new(), Zeroizing::new(Vec::new()));
/// for photo in [&b"first photo"[..], b"second photo"] {
///     let id = MediaId::random()?;
///     stream::seal_into(&key, &id, MediaKind::Original, photo, &SealOptions::new(), &mut sealed)?;
///     stream::open_into(&key, &id, MediaKind::Original, &sealed, &OpenOptions::default(), &mut opened)?;
///     assert_eq!(&opened[..], photo);
/// }
/// # Ok::<(), keepsake::Error>(())
/// ```
///
/// # Errors
/// [`Error::RandomnessUnavailable`] if no salt can be drawn; `out` is then left empty.
pub fn seal_into(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
    out: &mut Vec<u8>,
) -> Result<()> {
    let salt = random_salt().inspect_err(|_| out.clear())?;
    seal_into_with_salt(key, media_id, kind, plaintext, options, salt, out);
    Ok(())
}

/// [`seal_with`], also returning the sealed part's provenance (SPEC.md 5.10): its chunk
/// hash list and root, computed by the workers that seal each chunk, in the same pass.
///
/// ```
/// use keepsake::{MediaId, MediaKey, MediaKind, provenance, stream};
///
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let (sealed, part) = stream::seal_part(&key, &id, MediaKind::Original, b"a photo", &stream::SealOptions::new())?;
/// // Anyone holding the bytes (a server, with no key) recomputes the same root.
/// assert_eq!(provenance::part_hashes(&sealed)?.root(), part.root());
/// # Ok::<(), keepsake::Error>(())
/// ```
///
/// # Errors
/// [`Error::RandomnessUnavailable`] if no salt can be drawn.
pub fn seal_part(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
) -> Result<(Vec<u8>, SealedPart)> {
    Ok(seal_part_with_salt(
        key,
        media_id,
        kind,
        plaintext,
        options,
        random_salt()?,
    ))
}

/// [`seal_part`] with a caller-chosen salt.
pub(crate) fn seal_part_with_salt(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
    salt: [u8; SALT_LEN],
) -> (Vec<u8>, SealedPart) {
    let count = plaintext.len().div_ceil(1 << options.chunk_log2).max(1);
    let mut hashes = vec![[0u8; 32]; count];
    let mut out = Vec::new();
    let header = seal_into_hashing(
        key,
        media_id,
        kind,
        plaintext,
        options,
        salt,
        &mut out,
        &mut hashes,
    );
    let part = SealedPart::new(header.to_bytes(), kind, plaintext.len() as u64, hashes);
    (out, part)
}

/// [`seal_with`] with a caller-chosen salt: deterministic, for known-answer vectors.
/// A salt must never be reused with the same key.
pub(crate) fn seal_with_salt(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
    salt: [u8; SALT_LEN],
) -> Vec<u8> {
    let mut out = Vec::new();
    seal_into_with_salt(key, media_id, kind, plaintext, options, salt, &mut out);
    out
}

/// [`seal_into`] with a caller-chosen salt.
pub(crate) fn seal_into_with_salt(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
    salt: [u8; SALT_LEN],
    out: &mut Vec<u8>,
) {
    seal_into_hashing(key, media_id, kind, plaintext, options, salt, out, &mut []);
}

/// Seals `plaintext` as [`seal_into_with_salt`] does, also writing each chunk's provenance
/// hash into `hashes` (empty: none; else exactly one slot per chunk) in the same pass.
/// Returns the header.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal_into_hashing(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    plaintext: &[u8],
    options: &SealOptions,
    salt: [u8; SALT_LEN],
    out: &mut Vec<u8>,
    hashes: &mut [[u8; 32]],
) -> Header {
    let (header, aead) = new_header(key, media_id, kind, options.chunk_log2, salt);
    let chunk = header.chunk_size();
    let count = plaintext.len().div_ceil(chunk).max(1);
    let len = HEADER_LEN + plaintext.len() + count * TAG_LEN;
    // Truncate, then grow: only bytes beyond the old length are zeroed; every byte is
    // overwritten below.
    out.truncate(len);
    out.resize(len, 0);
    out[..HEADER_LEN].copy_from_slice(&header.to_bytes());
    let run = ChunkRun {
        first: 0,
        count: count as u64,
        ends_stream: true,
    };
    let parallel = options.parallel && plaintext.len() >= PARALLEL_MIN_BYTES;
    seal_run(
        &aead,
        &run,
        chunk,
        (&[], plaintext),
        &mut out[HEADER_LEN..],
        hashes,
        parallel,
    );
    header
}

/// Opens a whole sealed object held in memory, checking that it is media item
/// `media_id`'s rendition `kind` under `key`. Returns the plaintext only if every chunk
/// authenticates, in order, ending with the final chunk.
///
/// # Errors
/// Header errors as [`Header::parse`]; [`Error::DecryptionFailed`] for a wrong key, id or
/// kind, or altered data; [`Error::TruncatedStream`], [`Error::TrailingData`] and
/// [`Error::EmptyFinalChunk`] for authentic chunks in a wrong structure.
pub fn open(key: &MediaKey, media_id: &MediaId, kind: MediaKind, sealed: &[u8]) -> Result<Vec<u8>> {
    open_with(key, media_id, kind, sealed, &OpenOptions::default())
}

/// [`open`] with explicit options.
///
/// # Errors
/// As [`open`].
pub fn open_with(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    options: &OpenOptions,
) -> Result<Vec<u8>> {
    open_with_key(StreamKey::Media(key), media_id, kind, sealed, options)
}

/// [`open_with`] into a buffer the caller reuses: `out` is replaced by the plaintext.
///
/// Opening many items one after another into the same `out` avoids allocating, and
/// faulting in, fresh memory for each. `out` is a [`Zeroizing`] buffer because it holds
/// plaintext: when it must grow, the old allocation is wiped before it is freed, and on
/// any error `out` is wiped and left empty (no partial plaintext is released). See
/// [`seal_into`] for an example.
///
/// # Errors
/// As [`open`].
pub fn open_into(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    options: &OpenOptions,
    out: &mut Zeroizing<Vec<u8>>,
) -> Result<()> {
    open_into_with_key(StreamKey::Media(key), media_id, kind, sealed, options, out)
}

/// [`open_with`] with a media key or a part key (SPEC.md 5.11).
pub(crate) fn open_with_key(
    key: StreamKey<'_>,
    media_id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    options: &OpenOptions,
) -> Result<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    open_into_with_key(key, media_id, kind, sealed, options, &mut out)?;
    Ok(std::mem::take(&mut *out))
}

/// [`open_into`] with a media key or a part key.
fn open_into_with_key(
    key: StreamKey<'_>,
    media_id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    options: &OpenOptions,
    out: &mut Zeroizing<Vec<u8>>,
) -> Result<()> {
    let opened = open_into_unchecked(key, media_id, kind, sealed, options, out);
    if opened.is_err() {
        // Parallel opening may have decrypted chunks after the failing one.
        out.zeroize();
    }
    opened
}

/// [`open_into`] without wiping `out` on error.
fn open_into_unchecked(
    key: StreamKey<'_>,
    media_id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    options: &OpenOptions,
    out: &mut Zeroizing<Vec<u8>>,
) -> Result<()> {
    let header = Header::parse(sealed)?;
    let aead = verify_header(key, media_id, kind, &header)?;
    let body = &sealed[HEADER_LEN..];
    if body.is_empty() {
        return Err(Error::TruncatedStream);
    }
    let chunk = header.chunk_size();
    let run = ChunkRun {
        first: 0,
        count: body.len().div_ceil(chunk + TAG_LEN) as u64,
        ends_stream: true,
    };
    let len = opened_len(body.len(), chunk);
    // Truncate, then grow (wiping the old allocation if it moves): only bytes beyond the
    // old length are zeroed; every byte is overwritten below.
    out.truncate(len);
    resize_wiping(out, len);
    let parallel = options.parallel && body.len() >= PARALLEL_MIN_BYTES;
    open_run(&aead, &run, chunk, (&[], body), out, parallel).map_err(|(_, e)| e)
}
