//! Public metadata without a key: stream headers, plaintext lengths, range plans, grant
//! headers; and range opening from a foreign random-access source.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use keepsake::stream::{self, Header};

use crate::error::{CallbackError, KeepsakeError, Result};
use crate::media::{MediaKey, MediaKind, parse_media_id};

/// The public header of a sealed stream (SPEC.md 3.2). Nothing in it is secret or
/// authenticated: opening checks it against the key, media id and kind. Compared (and
/// hashed) by value, bytes by content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct StreamHeader {
    /// The rendition it claims to hold.
    pub kind: MediaKind,
    /// The media id it claims (16 bytes).
    pub media_id: Vec<u8>,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// Bytes of header before the first chunk (88).
    pub header_len: u32,
}

/// Which ciphertext bytes a plaintext range needs (SPEC.md 3.7), from public data only, so
/// a player can fetch exactly these bytes (e.g. an HTTP range request) before decrypting.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RangePlan {
    /// Index of the first chunk to open.
    pub first_chunk: u64,
    /// How many chunks to open (0 only for an empty range short of the end).
    pub chunk_count: u64,
    /// Whether the last chunk opened is the stream's final chunk.
    pub reaches_end: bool,
    /// Offset of the first needed ciphertext byte in the sealed object.
    pub sealed_offset: u64,
    /// Number of ciphertext bytes needed from `sealed_offset`.
    pub sealed_len: u64,
    /// Plaintext offset of the first byte of `first_chunk`.
    pub plaintext_start: u64,
    /// The end of the range actually served, clipped to the plaintext.
    pub end: u64,
    /// The plaintext length implied by the sealed length.
    pub plaintext_len: u64,
}

/// The public header of an album grant (SPEC.md 5.7): what a share inbox shows before the
/// user accepts. Claims only: `acceptGrant` with the sender's verified identity key is
/// what proves them; show `sender_fingerprint` for the user to compare. Compared (and
/// hashed) by value, bytes by content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct GrantInfo {
    /// The digest of the identity the grant claims to come from (32 bytes; compare with
    /// `identity_digest` of the sender's identity public key).
    pub sender_identity_digest: Vec<u8>,
    /// That identity's safety number (six groups of five digits).
    pub sender_fingerprint: String,
    /// The digest of the identity it is addressed to (32 bytes).
    pub recipient_identity_digest: Vec<u8>,
    /// The album id (16 bytes).
    pub album_id: Vec<u8>,
    /// The album's epoch.
    pub epoch: u64,
    /// The hash of the album history entry the grant relies on (32 bytes; SPEC.md 5.12):
    /// compare it with the album history the app holds before accepting.
    pub history_entry: Vec<u8>,
}

fn header(bytes: &[u8]) -> Result<Header> {
    Ok(Header::parse(bytes)?)
}

/// Parses a sealed stream's header from its first 88 bytes (more may follow). No key.
#[uniffi::export]
pub fn parse_stream_header(sealed_prefix: Vec<u8>) -> Result<StreamHeader> {
    let h = header(&sealed_prefix)?;
    Ok(StreamHeader {
        kind: h.kind().try_into()?,
        media_id: h.media_id().as_bytes().to_vec(),
        chunk_size: u32::try_from(h.chunk_size()).unwrap_or(u32::MAX),
        header_len: stream::HEADER_LEN as u32,
    })
}

/// The plaintext length of a sealed object of `sealed_len` bytes whose header is
/// `sealed_prefix` (its first 88 bytes or more). No key.
#[uniffi::export]
pub fn stream_plaintext_len(sealed_prefix: Vec<u8>, sealed_len: u64) -> Result<u64> {
    Ok(stream::plaintext_len(&header(&sealed_prefix)?, sealed_len)?)
}

/// Plans the read of plaintext `[offset, offset + length)` (clipped to the end) from a
/// sealed object of `sealed_len` bytes whose header is `sealed_prefix`. No key.
#[uniffi::export]
pub fn plan_range(
    sealed_prefix: Vec<u8>,
    sealed_len: u64,
    offset: u64,
    length: u64,
) -> Result<RangePlan> {
    let p = stream::RangePlan::new(&header(&sealed_prefix)?, sealed_len, offset, length)?;
    Ok(RangePlan {
        first_chunk: p.first_chunk,
        chunk_count: p.chunk_count,
        reaches_end: p.reaches_end,
        sealed_offset: p.sealed_offset,
        sealed_len: p.sealed_len,
        plaintext_start: p.plaintext_start,
        end: p.end,
        plaintext_len: p.plaintext_len,
    })
}

/// Reads a grant's public header without a key (nothing is opened or proven).
#[uniffi::export]
pub fn inspect_grant(grant: Vec<u8>) -> Result<GrantInfo> {
    let info = keepsake::sharing::inspect_grant(&grant)?;
    Ok(GrantInfo {
        sender_identity_digest: info.sender.to_vec(),
        sender_fingerprint: keepsake::sharing::fingerprint_of_digest(&info.sender),
        recipient_identity_digest: info.recipient.to_vec(),
        album_id: info.album_id.as_bytes().to_vec(),
        epoch: info.epoch,
        history_entry: info.history.to_vec(),
    })
}

/// A sealed object that the app reads by offset: a file it manages, a cache, HTTP range
/// requests. `open_range_from` calls `length` once and `read_at` for the header and the
/// chunks a range needs, never for the whole object.
#[uniffi::export(with_foreign)]
pub trait RandomAccessSource: Send + Sync {
    /// The sealed object's length in bytes.
    fn length(&self) -> Result<u64, CallbackError>;
    /// Up to `length` bytes from `offset` (fewer only at the end of the object).
    fn read_at(&self, offset: u64, length: u32) -> Result<Vec<u8>, CallbackError>;
}

/// The largest single `read_at` request (a batch of chunks is read in several).
pub const MAX_READ_AT: usize = 1 << 20;

/// `Read + Seek` over a foreign source. A foreign error travels inside the `io::Error`
/// and comes out as the `KeepsakeError` the callback raised.
struct Foreign {
    source: Arc<dyn RandomAccessSource>,
    pos: u64,
    len: Option<u64>,
}

#[derive(Debug)]
struct ForeignError(KeepsakeError);

impl std::fmt::Display for ForeignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ForeignError {}

fn foreign(e: impl Into<KeepsakeError>) -> io::Error {
    io::Error::other(ForeignError(e.into()))
}

impl Read for Foreign {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(MAX_READ_AT);
        if want == 0 {
            return Ok(0);
        }
        let got = self
            .source
            .read_at(self.pos, want as u32)
            .map_err(foreign)?;
        if got.len() > want {
            return Err(foreign(KeepsakeError::Callback(format!(
                "read_at returned {} bytes where at most {want} were asked for",
                got.len()
            ))));
        }
        buf[..got.len()].copy_from_slice(&got);
        self.pos += got.len() as u64;
        Ok(got.len())
    }
}

impl Seek for Foreign {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => {
                let len = match self.len {
                    Some(len) => len,
                    None => {
                        let len = self.source.length().map_err(foreign)?;
                        self.len = Some(len);
                        len
                    }
                };
                len.checked_add_signed(delta)
            }
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        self.pos = target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// Unwraps a foreign error carried through `io::Error`; anything else maps as usual,
/// naming the item.
fn from_core(err: keepsake::Error, what: String) -> KeepsakeError {
    if let keepsake::Error::Io(io) = &err
        && let Some(ForeignError(inner)) = io.get_ref().and_then(|e| e.downcast_ref())
    {
        return inner.clone();
    }
    KeepsakeError::about(err, what)
}

#[uniffi::export]
impl MediaKey {
    /// [`MediaKey::open_range`] on a sealed object the app reads by offset through
    /// `source`: reads the header and only the chunks the range touches (about the range's
    /// size, in requests of at most 1 MiB), never the whole object. An error raised by
    /// `source` comes back as that error.
    pub fn open_range_from(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        source: Arc<dyn RandomAccessSource>,
        offset: u64,
        length: u64,
    ) -> Result<Vec<u8>> {
        let mut reader = Foreign {
            source,
            pos: 0,
            len: None,
        };
        stream::open_range(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &mut reader,
            offset,
            length,
        )
        .map_err(|e| from_core(e, crate::media::item(&media_id, kind)))
    }
}
