//! The sealed-file container, version 1 (SPEC.md section 8): one media item in one
//! self-contained file.
//!
//! ```text
//! "KSCT" | version | album id | be64 epoch | media id | wrapped media key (105)
//!        | be32 T | thumbnail stream (T, 0 = none)
//!        | be64 S | original stream (S) | original's chunk hash list (32 per chunk)
//!        | be32 M | metadata envelope (M): the item record, signed manifest and metadata
//! ```
//!
//! The metadata comes last because the signed manifest inside it names the original's
//! ciphertext root, known only once the original is sealed; `S` is known before (the
//! sealed length of the input's length), so a writer streams everything in one pass
//! without seeking back. Every length field is checked against a fixed cap before
//! anything is allocated or read; [`read_layout`] checks the structure without keys,
//! [`open_item`] and the readers in [`read`] authenticate.

mod error;
pub mod metadata;
pub mod read;
pub mod write;

use std::io::{Read, Seek, SeekFrom};

use keepsake::envelope::{ENVELOPE_OVERHEAD, WRAPPED_KEY_LEN};
use keepsake::provenance::{HASH_LEN, MANIFEST_MAX_LEN};
use keepsake::stream::{HEADER_LEN, Header};
use keepsake::{AlbumId, ID_LEN, MediaId, MediaKind};

pub use error::ContainerError;
pub use metadata::Metadata;
pub use read::{Item, open_item};

/// The first four bytes of every container.
pub const MAGIC: [u8; 4] = *b"KSCT";
/// The container version this build writes and reads.
pub const VERSION: u8 = 1;
/// Offset of the wrapped media key.
pub const WRAPPED_KEY_OFFSET: usize = 4 + 1 + ID_LEN + 8 + ID_LEN;
/// Length of the fixed part: magic through the wrapped media key.
pub const FIXED_LEN: usize = WRAPPED_KEY_OFFSET + WRAPPED_KEY_LEN;
/// Largest metadata plaintext (JSON) a container may hold: 64 KiB.
pub const MAX_METADATA_PLAINTEXT: usize = 64 * 1024;
/// Length of the item record's header (SPEC.md 5.10): version and manifest length.
pub const RECORD_HEADER_LEN: usize = 5;
/// Smallest metadata envelope: an envelope of an empty plaintext.
pub const MIN_METADATA_LEN: u64 = ENVELOPE_OVERHEAD as u64;
/// Largest metadata envelope: the largest item record (its header, the largest manifest
/// and the largest metadata JSON) in an envelope.
pub const MAX_METADATA_LEN: u64 =
    (RECORD_HEADER_LEN + MANIFEST_MAX_LEN + MAX_METADATA_PLAINTEXT + ENVELOPE_OVERHEAD) as u64;
/// Smallest sealed stream that can be complete: a header and one (empty) chunk's tag.
pub const MIN_STREAM_LEN: u64 = (HEADER_LEN + 16) as u64;
/// Largest thumbnail stream: 16 MiB.
pub const MAX_THUMBNAIL_LEN: u64 = 16 << 20;
/// Offset of the thumbnail stream (after the fixed part and its length field `T`).
pub const THUMBNAIL_OFFSET: usize = FIXED_LEN + 4;
/// Largest chunk hash list a range read holds in memory: 64 MiB (2 097 152 chunks, a
/// 128 GiB original at the default 64 KiB chunks).
pub const MAX_HASH_LIST_LEN: u64 = 64 << 20;

/// Where a part of the container lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// Offset from the start of the container.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// The structure of a container, checked without keys. Nothing in it is secret.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The album the item was sealed into.
    pub album_id: AlbumId,
    /// The album epoch.
    pub epoch: u64,
    /// The media item.
    pub media_id: MediaId,
    /// The media key wrapped under the album key (an envelope, 105 bytes).
    pub wrapped_key: Vec<u8>,
    /// The metadata envelope (its plaintext is the item record).
    pub metadata: Vec<u8>,
    /// Where the metadata envelope lies.
    pub metadata_section: Section,
    /// The thumbnail stream, if any, and its header.
    pub thumbnail: Option<(Section, Header)>,
    /// The original stream and its header.
    pub original: (Section, Header),
    /// Where the original's chunk hash list lies (public, untrusted: a range read checks
    /// it against the signed root).
    pub hash_list: Section,
    /// The container's length.
    pub total_len: u64,
}

/// The number of chunks of a sealed stream of `sealed_len` bytes (at least
/// [`MIN_STREAM_LEN`]) whose chunks hold `chunk_size` bytes: `ceil((S - 88) / (chunk + 16))`.
pub fn chunk_count(sealed_len: u64, chunk_size: u64) -> u64 {
    (sealed_len.saturating_sub(HEADER_LEN as u64)).div_ceil(chunk_size + 16)
}

/// Reads exactly `buf.len()` bytes, or reports a truncation of `what`.
fn read_part<R: Read>(
    src: &mut R,
    buf: &mut [u8],
    what: &'static str,
    at: u64,
    total: u64,
) -> Result<(), ContainerError> {
    src.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ContainerError::Truncated {
                what,
                needed: at + buf.len() as u64,
                got: total,
            }
        } else {
            ContainerError::Io(e)
        }
    })
}

/// A big-endian unsigned integer of up to 8 bytes.
fn be_uint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// Parses a stream header inside the container and checks that it is `kind` of `media_id`.
fn stream_header<R: Read + Seek>(
    src: &mut R,
    section: Section,
    kind: MediaKind,
    media_id: &MediaId,
    what: &'static str,
    total: u64,
) -> Result<Header, ContainerError> {
    src.seek(SeekFrom::Start(section.offset))?;
    let mut bytes = [0u8; HEADER_LEN];
    let want = usize::try_from(section.len.min(HEADER_LEN as u64)).unwrap_or(HEADER_LEN);
    read_part(src, &mut bytes[..want], what, section.offset, total)?;
    let header = Header::parse(&bytes[..want]).map_err(|err| ContainerError::Core { what, err })?;
    if header.kind() != kind || header.media_id() != *media_id {
        return Err(ContainerError::StreamMismatch { what });
    }
    Ok(header)
}

/// Checks a container's structure, in the order of SPEC.md section 8.4, reading only
/// what the checks need (the fixed part, two stream headers, the length fields and the
/// metadata envelope).
///
/// # Errors
/// [`ContainerError::NotAContainer`], [`ContainerError::UnsupportedVersion`],
/// [`ContainerError::Truncated`], [`ContainerError::LengthOutOfRange`], stream header
/// errors as [`ContainerError::Core`], [`ContainerError::StreamMismatch`],
/// `TrailingData` (as [`ContainerError::Core`]) for bytes after the metadata envelope,
/// I/O errors.
pub fn read_layout<R: Read + Seek>(src: &mut R) -> Result<Layout, ContainerError> {
    let total = src.seek(SeekFrom::End(0))?;
    src.seek(SeekFrom::Start(0))?;
    let mut fixed = [0u8; THUMBNAIL_OFFSET];
    // Magic, then version: each reported before the truncation of what follows.
    read_part(src, &mut fixed[..4], "magic", 0, total)?;
    if fixed[..4] != MAGIC {
        return Err(ContainerError::NotAContainer {
            bare_stream: fixed[..4] == keepsake::stream::MAGIC,
        });
    }
    read_part(src, &mut fixed[4..5], "version", 4, total)?;
    if fixed[4] != VERSION {
        return Err(ContainerError::UnsupportedVersion(fixed[4]));
    }
    read_part(src, &mut fixed[5..], "fixed header", 5, total)?;
    let album_id = AlbumId::from_slice(&fixed[5..5 + ID_LEN])?;
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&fixed[5 + ID_LEN..13 + ID_LEN]);
    let epoch = u64::from_be_bytes(epoch);
    let media_id = MediaId::from_slice(&fixed[13 + ID_LEN..WRAPPED_KEY_OFFSET])?;
    let wrapped_key = fixed[WRAPPED_KEY_OFFSET..FIXED_LEN].to_vec();

    let thumbnail_len = be_uint(&fixed[FIXED_LEN..]);
    let at = THUMBNAIL_OFFSET as u64;
    let thumbnail = if thumbnail_len == 0 {
        None
    } else {
        check_len(
            "thumbnail stream",
            thumbnail_len,
            MIN_STREAM_LEN,
            MAX_THUMBNAIL_LEN,
        )?;
        need(total, at + thumbnail_len, "thumbnail stream")?;
        let section = Section {
            offset: at,
            len: thumbnail_len,
        };
        let header = stream_header(
            src,
            section,
            MediaKind::Thumbnail,
            &media_id,
            "thumbnail stream",
            total,
        )?;
        Some((section, header))
    };

    let at = at + thumbnail_len;
    let mut len_field = [0u8; 8];
    src.seek(SeekFrom::Start(at))?;
    read_part(src, &mut len_field, "original length", at, total)?;
    let original_len = be_uint(&len_field);
    let at = at + 8;
    check_len("original stream", original_len, MIN_STREAM_LEN, u64::MAX)?;
    need(total, at.saturating_add(original_len), "original stream")?;
    let section = Section {
        offset: at,
        len: original_len,
    };
    let header = stream_header(
        src,
        section,
        MediaKind::Original,
        &media_id,
        "original stream",
        total,
    )?;

    let at = at + original_len;
    let list_len = chunk_count(original_len, header.chunk_size() as u64) * HASH_LEN as u64;
    let hash_list = Section {
        offset: at,
        len: list_len,
    };
    need(total, at + list_len, "chunk hash list")?;
    let at = at + list_len;
    let mut len_field = [0u8; 4];
    src.seek(SeekFrom::Start(at))?;
    read_part(src, &mut len_field, "metadata length", at, total)?;
    let metadata_len = be_uint(&len_field);
    let at = at + 4;
    check_len(
        "metadata envelope",
        metadata_len,
        MIN_METADATA_LEN,
        MAX_METADATA_LEN,
    )?;
    need(total, at + metadata_len, "metadata envelope")?;
    if total > at + metadata_len {
        return Err(ContainerError::Core {
            what: "bytes after the metadata envelope",
            err: keepsake::Error::TrailingData,
        });
    }
    // Capped above: at most MAX_METADATA_LEN bytes.
    let mut metadata = vec![0u8; usize::try_from(metadata_len).unwrap_or(0)];
    read_part(src, &mut metadata, "metadata envelope", at, total)?;
    Ok(Layout {
        album_id,
        epoch,
        media_id,
        wrapped_key,
        metadata,
        metadata_section: Section {
            offset: at,
            len: metadata_len,
        },
        thumbnail,
        original: (section, header),
        hash_list,
        total_len: total,
    })
}

fn need(total: u64, needed: u64, what: &'static str) -> Result<(), ContainerError> {
    if total < needed {
        return Err(ContainerError::Truncated {
            what,
            needed,
            got: total,
        });
    }
    Ok(())
}

fn check_len(what: &'static str, len: u64, min: u64, max: u64) -> Result<(), ContainerError> {
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(ContainerError::LengthOutOfRange {
            what,
            len,
            min,
            max,
        })
    }
}

/// Everything before the original stream: the fixed part, the thumbnail slot and the
/// original's length field (`original_len`: the sealed length of the original, known from
/// its plaintext length before it is sealed).
///
/// # Errors
/// [`ContainerError::LengthOutOfRange`] for a wrapped key that is not 105 bytes, a
/// thumbnail stream outside its bounds or an original shorter than [`MIN_STREAM_LEN`].
pub fn encode_preamble(
    album_id: &AlbumId,
    epoch: u64,
    media_id: &MediaId,
    wrapped_key: &[u8],
    thumbnail: Option<&[u8]>,
    original_len: u64,
) -> Result<Vec<u8>, ContainerError> {
    let wrapped_len = wrapped_key.len() as u64;
    check_len(
        "wrapped media key",
        wrapped_len,
        WRAPPED_KEY_LEN as u64,
        WRAPPED_KEY_LEN as u64,
    )?;
    let thumbnail = thumbnail.unwrap_or_default();
    if !thumbnail.is_empty() {
        check_len(
            "thumbnail stream",
            thumbnail.len() as u64,
            MIN_STREAM_LEN,
            MAX_THUMBNAIL_LEN,
        )?;
    }
    check_len("original stream", original_len, MIN_STREAM_LEN, u64::MAX)?;
    let mut out = Vec::with_capacity(THUMBNAIL_OFFSET + thumbnail.len() + 8);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(album_id.as_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(media_id.as_bytes());
    out.extend_from_slice(wrapped_key);
    // Fits: checked against a cap far below 2^32 above.
    out.extend_from_slice(&(thumbnail.len() as u32).to_be_bytes());
    out.extend_from_slice(thumbnail);
    out.extend_from_slice(&original_len.to_be_bytes());
    Ok(out)
}

/// Everything after the original stream: its chunk hash list and the metadata envelope
/// with its length field.
///
/// # Errors
/// [`ContainerError::LengthOutOfRange`] for a metadata envelope outside its bounds.
pub fn encode_trailer(hash_list: &[u8], metadata: &[u8]) -> Result<Vec<u8>, ContainerError> {
    check_len(
        "metadata envelope",
        metadata.len() as u64,
        MIN_METADATA_LEN,
        MAX_METADATA_LEN,
    )?;
    let mut out = Vec::with_capacity(hash_list.len() + 4 + metadata.len());
    out.extend_from_slice(hash_list);
    // Fits: checked against a cap far below 2^32 above.
    out.extend_from_slice(&(metadata.len() as u32).to_be_bytes());
    out.extend_from_slice(metadata);
    Ok(out)
}
