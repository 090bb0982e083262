//! Range reads (video seeking): open plaintext bytes `[offset, offset + len)` by
//! decrypting only the chunks the range touches.

use std::io::{Read, Seek, SeekFrom};

use super::read::read_full;
use super::{ChunkRun, HEADER_LEN, Header, StreamKey, batch_chunks, open_run, verify_header};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{TAG_LEN, extend_wiping, resize_wiping};
use crate::{Error, Result};
use zeroize::Zeroizing;

/// Which chunks, and which ciphertext bytes, a range read needs. Computed from public
/// data only (the header and the sealed object's length), so a client can fetch just
/// these bytes from a server before decrypting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// The range actually served: `[offset, end)`, clipped to the plaintext.
    pub end: u64,
    /// The plaintext length implied by the sealed object's length.
    pub plaintext_len: u64,
}

impl RangePlan {
    /// Plans the read of `[offset, offset + len)` from an object with this header and
    /// `sealed_len` bytes in all. A range that reaches the end of the plaintext includes
    /// the final chunk, so that truncation is detected.
    ///
    /// # Errors
    /// [`Error::TruncatedHeader`] / [`Error::TruncatedStream`] when `sealed_len` is too
    /// small to hold a header and one chunk; [`Error::RangeOutOfBounds`] when `offset` is
    /// past the end of the plaintext.
    pub fn new(header: &Header, sealed_len: u64, offset: u64, len: u64) -> Result<Self> {
        let chunk = header.chunk_size() as u64;
        let stride = chunk + TAG_LEN as u64;
        let body = sealed_len
            .checked_sub(HEADER_LEN as u64)
            .ok_or(Error::TruncatedHeader {
                needed: HEADER_LEN,
                got: usize::try_from(sealed_len).unwrap_or(usize::MAX),
            })?;
        if body == 0 {
            return Err(Error::TruncatedStream);
        }
        let count = body.div_ceil(stride);
        let final_piece = body - (count - 1) * stride;
        let plaintext_len = (count - 1) * chunk + final_piece.saturating_sub(TAG_LEN as u64);
        if offset > plaintext_len {
            return Err(Error::RangeOutOfBounds {
                offset,
                plaintext_len,
            });
        }
        let end = offset.saturating_add(len).min(plaintext_len);
        // An empty range short of the end needs no chunk. Otherwise open from the chunk
        // holding `offset` to the one holding `end - 1`, and the final chunk whenever the
        // range reaches the end of the plaintext (so that truncation is detected).
        let (first_chunk, chunk_count) = if end == offset && end < plaintext_len {
            (offset / chunk, 0)
        } else {
            let first = (offset / chunk).min(count - 1);
            let last = if end == plaintext_len {
                count - 1
            } else {
                (end - 1) / chunk
            };
            (first, last - first + 1)
        };
        let reaches_end = chunk_count > 0 && first_chunk + chunk_count == count;
        let sealed_offset = HEADER_LEN as u64 + first_chunk * stride;
        let sealed_end = if reaches_end {
            sealed_len
        } else {
            HEADER_LEN as u64 + (first_chunk + chunk_count) * stride
        };
        Ok(Self {
            first_chunk,
            chunk_count,
            reaches_end,
            sealed_offset,
            sealed_len: sealed_end - sealed_offset,
            plaintext_start: first_chunk * chunk,
            end,
            plaintext_len,
        })
    }
}

/// The plaintext length of a sealed object of `sealed_len` bytes in all with this header,
/// from public data only (SPEC.md 3.7): what a player shows as the duration's byte count
/// before fetching anything but the header. Not authenticated: the final chunk, when
/// opened, confirms it.
///
/// # Errors
/// As [`RangePlan::new`] for a `sealed_len` too small to hold a header and one chunk.
pub fn plaintext_len(header: &Header, sealed_len: u64) -> Result<u64> {
    Ok(RangePlan::new(header, sealed_len, 0, 0)?.plaintext_len)
}

/// The most plaintext [`open_range`] reserves up front from the range's length, which an
/// untrusted object's claimed size determines (16 MiB).
pub const RANGE_RESERVE: usize = 16 << 20;

/// Opens plaintext bytes `[offset, offset + len)` of a sealed object, clipped to its end,
/// decrypting only the chunks the range touches (in batches of bounded size). A range that
/// reaches the end also authenticates the final chunk, so a truncated object is refused.
///
/// ```
/// use std::io::Cursor;
/// use keepsake::{MediaId, MediaKey, MediaKind, stream};
///
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let video: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
/// let sealed = stream::seal(&key, &id, MediaKind::Original, &video)?;
/// let part = stream::open_range(&key, &id, MediaKind::Original, &mut Cursor::new(&sealed), 200_000, 1000)?;
/// assert_eq!(part, &video[200_000..201_000]);
/// # Ok::<(), keepsake::Error>(())
/// ```
///
/// # Errors
/// As [`RangePlan::new`] and [`super::open`]; [`Error::Io`] from seeking or reading.
pub fn open_range<R: Read + Seek>(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    source: &mut R,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>> {
    open_range_with_key(StreamKey::Media(key), media_id, kind, source, offset, len)
}

/// [`open_range`] with a media key or a part key (SPEC.md 5.11).
pub(crate) fn open_range_with_key<R: Read + Seek>(
    key: StreamKey<'_>,
    media_id: &MediaId,
    kind: MediaKind,
    source: &mut R,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>> {
    source.seek(SeekFrom::Start(0))?;
    let mut header_bytes = [0u8; HEADER_LEN];
    let got = read_full(source, &mut header_bytes)?;
    let header = Header::parse(&header_bytes[..got])?;
    let aead = verify_header(key, media_id, kind, &header)?;
    let sealed_len = source.seek(SeekFrom::End(0))?;
    let plan = RangePlan::new(&header, sealed_len, offset, len)?;

    let chunk = header.chunk_size();
    let stride = chunk + TAG_LEN;
    let batch = batch_chunks(chunk, true) as u64;
    // The object's length is untrusted: at most RANGE_RESERVE bytes are reserved from it
    // (enough for a video player's ranges never to move `out` while it grows); beyond that
    // `out` grows only by authenticated batches. Plaintext buffers are wiped on every path.
    let reserve = usize::try_from(plan.end - offset.min(plan.end))
        .unwrap_or(usize::MAX)
        .min(RANGE_RESERVE);
    let mut out = Zeroizing::new(Vec::with_capacity(reserve));
    let mut sealed = Vec::new();
    let mut plain = Zeroizing::new(Vec::new());
    source.seek(SeekFrom::Start(plan.sealed_offset))?;
    let mut next = plan.first_chunk;
    let stop = plan.first_chunk + plan.chunk_count;
    while next < stop {
        let count = batch.min(stop - next);
        let ends_stream = plan.reaches_end && next + count == stop;
        let full = count as usize * stride;
        let bytes = if ends_stream {
            // The final piece may be short: everything up to the end of the object, which
            // is at most `full` bytes.
            let rest =
                plan.sealed_offset + plan.sealed_len - (HEADER_LEN as u64 + next * stride as u64);
            usize::try_from(rest.min(full as u64)).expect("at most one batch, which is in memory")
        } else {
            full
        };
        sealed.resize(bytes, 0);
        if read_full(source, &mut sealed)? != bytes {
            return Err(Error::TruncatedStream);
        }
        let opened = super::opened_len(bytes, chunk);
        let run = ChunkRun::at(next, count, ends_stream)?;
        let parallel = count > 1 && bytes >= super::PARALLEL_MIN_BYTES;
        let batch_start = next * chunk as u64;
        if batch_start >= offset && batch_start + opened as u64 <= plan.end {
            // The whole batch is inside [offset, end): opened straight into `out`.
            let start = out.len();
            resize_wiping(&mut out, start + opened);
            open_run(
                &aead,
                &run,
                chunk,
                (&[], &sealed),
                &mut out[start..],
                parallel,
            )
            .map_err(|(_, e)| e)?;
        } else {
            // A batch the range starts or ends inside: opened aside, its part kept.
            resize_wiping(&mut plain, opened);
            open_run(&aead, &run, chunk, (&[], &sealed), &mut plain, parallel)
                .map_err(|(_, e)| e)?;
            let from = offset.max(batch_start) - batch_start;
            let to = plan.end.min(batch_start + plain.len() as u64);
            if to > batch_start + from {
                extend_wiping(&mut out, &plain[from as usize..(to - batch_start) as usize]);
            }
        }
        next += count;
    }
    Ok(std::mem::take(&mut *out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A reader over a small object that claims to be far longer.
    struct Liar {
        inner: Cursor<Vec<u8>>,
        claimed: u64,
    }

    impl Read for Liar {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.inner.read(buf)
        }
    }

    impl Seek for Liar {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            match pos {
                SeekFrom::End(0) => Ok(self.claimed),
                other => self.inner.seek(other),
            }
        }
    }

    #[test]
    fn plaintext_len_inverts_sealed_len() {
        let header = Header::parse(
            &crate::stream::seal(
                &MediaKey::from_bytes([1; 32]),
                &MediaId::from_bytes([2; 16]),
                MediaKind::Original,
                b"",
            )
            .unwrap(),
        )
        .unwrap();
        let chunk = header.chunk_size() as u64;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 1 << 30] {
            let sealed = crate::stream::sealed_len(len, header.chunk_size_log2()).unwrap();
            assert_eq!(plaintext_len(&header, sealed).unwrap(), len, "{len}");
        }
        assert!(matches!(
            plaintext_len(&header, HEADER_LEN as u64),
            Err(Error::TruncatedStream)
        ));
        assert!(matches!(
            plaintext_len(&header, 3),
            Err(Error::TruncatedHeader { .. })
        ));
    }

    /// Ranges over several batches: the batches wholly inside are opened straight into the
    /// result, the ones a range starts or ends in are opened aside; both agree with the
    /// plaintext, and an altered chunk in either kind of batch fails the read.
    #[test]
    fn ranges_over_many_batches_match_and_are_authenticated() {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        let options = crate::stream::SealOptions::new()
            .with_chunk_size_log2(8)
            .unwrap();
        let batch = batch_chunks(256, true) * 256;
        let pt: Vec<u8> = (0..3 * batch + 999).map(|i| (i % 251) as u8).collect();
        let sealed =
            crate::stream::seal_with(&key, &id, MediaKind::Original, &pt, &options).unwrap();
        let open = |sealed: &[u8], offset: usize, len: usize| {
            let mut source = Cursor::new(sealed.to_vec());
            open_range(
                &key,
                &id,
                MediaKind::Original,
                &mut source,
                offset as u64,
                len as u64,
            )
        };
        for (offset, len) in [
            (0, pt.len()),
            (batch, batch),
            (100, 2 * batch),
            (batch + 7, 2 * batch),
        ] {
            let got = open(&sealed, offset, len).unwrap();
            assert!(
                got[..] == pt[offset..(offset + len).min(pt.len())],
                "{offset} {len}"
            );
        }
        // A chunk of the second batch (wholly inside the range), then of the first (where
        // the range starts), altered.
        for chunk in [batch / 256 + 3, 2] {
            let mut bad = sealed.clone();
            bad[HEADER_LEN + chunk * 272 + 9] ^= 1;
            let err = open(&bad, 100, 2 * batch).unwrap_err();
            assert!(matches!(err, Error::DecryptionFailed), "{err:?}");
        }
    }

    #[test]
    fn a_claimed_length_beyond_the_object_fails() {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        let sealed = crate::stream::seal(&key, &id, MediaKind::Original, b"nine byte").unwrap();
        for claimed in [1u64 << 50, u64::MAX, 16 << 30] {
            let mut liar = Liar {
                inner: Cursor::new(sealed.clone()),
                claimed,
            };
            let result = open_range(&key, &id, MediaKind::Original, &mut liar, 0, u64::MAX);
            assert!(result.is_err(), "claimed {claimed}");
        }
    }
}
