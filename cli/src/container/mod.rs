//! The sealed-file container, version 1 (SPEC.md section 8): one media item in one
//! self-contained file.
//!
//! ```text
//! "KSCT" | version | album id | be64 epoch | media id | wrapped media key (105)
//!        | be32 M | metadata envelope (M) | be32 T | thumbnail stream (T, 0 = none)
//!        | original stream (to the end of the file)
//! ```
//!
//! Every length field is checked against a fixed cap before anything is allocated or
//! read; [`read_layout`] checks the structure without keys, [`open_item`] and the readers
//! in [`read`] authenticate.

mod error;
pub mod metadata;
pub mod read;
pub mod write;

use std::io::{Read, Seek, SeekFrom};

use keepsake::envelope::{ENVELOPE_OVERHEAD, WRAPPED_KEY_LEN};
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
/// Smallest metadata envelope: an envelope of an empty plaintext.
pub const MIN_METADATA_LEN: u64 = ENVELOPE_OVERHEAD as u64;
/// Largest metadata envelope.
pub const MAX_METADATA_LEN: u64 = (MAX_METADATA_PLAINTEXT + ENVELOPE_OVERHEAD) as u64;
/// Smallest sealed stream that can be complete: a header and one (empty) chunk's tag.
pub const MIN_STREAM_LEN: u64 = (HEADER_LEN + 16) as u64;
/// Largest thumbnail stream: 16 MiB.
pub const MAX_THUMBNAIL_LEN: u64 = 16 << 20;
/// Length of the bytes that precede the metadata envelope (fixed part and its length).
pub const METADATA_OFFSET: usize = FIXED_LEN + 4;

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
    /// The metadata envelope.
    pub metadata: Vec<u8>,
    /// Where the metadata envelope lies.
    pub metadata_section: Section,
    /// The thumbnail stream, if any, and its header.
    pub thumbnail: Option<(Section, Header)>,
    /// The original stream and its header.
    pub original: (Section, Header),
    /// The container's length.
    pub total_len: u64,
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

fn be32(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(4)
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
/// what the checks need (at most the fixed part, the metadata envelope and two stream
/// headers).
///
/// # Errors
/// [`ContainerError::NotAContainer`], [`ContainerError::UnsupportedVersion`],
/// [`ContainerError::Truncated`], [`ContainerError::LengthOutOfRange`], stream header
/// errors as [`ContainerError::Core`], [`ContainerError::StreamMismatch`], I/O errors.
pub fn read_layout<R: Read + Seek>(src: &mut R) -> Result<Layout, ContainerError> {
    let total = src.seek(SeekFrom::End(0))?;
    src.seek(SeekFrom::Start(0))?;
    let mut fixed = [0u8; METADATA_OFFSET];
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

    let metadata_len = be32(&fixed[FIXED_LEN..]);
    check_len(
        "metadata envelope",
        metadata_len,
        MIN_METADATA_LEN,
        MAX_METADATA_LEN,
    )?;
    let at = METADATA_OFFSET as u64;
    if total < at + metadata_len {
        return Err(ContainerError::Truncated {
            what: "metadata envelope",
            needed: at + metadata_len,
            got: total,
        });
    }
    // Capped above: at most 64 KiB + 73 bytes.
    let mut metadata = vec![0u8; usize::try_from(metadata_len).unwrap_or(0)];
    read_part(src, &mut metadata, "metadata envelope", at, total)?;
    let metadata_section = Section {
        offset: at,
        len: metadata_len,
    };

    let at = at + metadata_len;
    let mut len_field = [0u8; 4];
    read_part(src, &mut len_field, "thumbnail length", at, total)?;
    let thumbnail_len = be32(&len_field);
    let at = at + 4;
    let thumbnail = if thumbnail_len == 0 {
        None
    } else {
        check_len(
            "thumbnail stream",
            thumbnail_len,
            MIN_STREAM_LEN,
            MAX_THUMBNAIL_LEN,
        )?;
        if total < at + thumbnail_len {
            return Err(ContainerError::Truncated {
                what: "thumbnail stream",
                needed: at + thumbnail_len,
                got: total,
            });
        }
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
    let section = Section {
        offset: at,
        len: total - at,
    };
    let header = stream_header(
        src,
        section,
        MediaKind::Original,
        &media_id,
        "original stream",
        total,
    )?;
    Ok(Layout {
        album_id,
        epoch,
        media_id,
        wrapped_key,
        metadata,
        metadata_section,
        thumbnail,
        original: (section, header),
        total_len: total,
    })
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

/// Everything before the original stream: the fixed part, the metadata envelope and the
/// thumbnail slot. The original stream follows it to the end of the file.
///
/// # Errors
/// [`ContainerError::LengthOutOfRange`] for a wrapped key that is not 105 bytes, or a
/// metadata envelope or thumbnail stream outside its bounds.
pub fn encode_preamble(
    album_id: &AlbumId,
    epoch: u64,
    media_id: &MediaId,
    wrapped_key: &[u8],
    metadata: &[u8],
    thumbnail: Option<&[u8]>,
) -> Result<Vec<u8>, ContainerError> {
    let wrapped_len = wrapped_key.len() as u64;
    check_len(
        "wrapped media key",
        wrapped_len,
        WRAPPED_KEY_LEN as u64,
        WRAPPED_KEY_LEN as u64,
    )?;
    check_len(
        "metadata envelope",
        metadata.len() as u64,
        MIN_METADATA_LEN,
        MAX_METADATA_LEN,
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
    let mut out = Vec::with_capacity(METADATA_OFFSET + metadata.len() + 4 + thumbnail.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(album_id.as_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(media_id.as_bytes());
    out.extend_from_slice(wrapped_key);
    // Both lengths fit: checked against caps far below 2^32 above.
    out.extend_from_slice(&(metadata.len() as u32).to_be_bytes());
    out.extend_from_slice(metadata);
    out.extend_from_slice(&(thumbnail.len() as u32).to_be_bytes());
    out.extend_from_slice(thumbnail);
    Ok(out)
}
