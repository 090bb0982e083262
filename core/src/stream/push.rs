//! The push opener: ciphertext pushed in pieces of any size, authenticated plaintext out,
//! for callers that receive a sealed stream as events (network callbacks, the bindings).

use super::{
    ChunkCounter, HEADER_LEN, Header, OpenOptions, StreamKey, StreamPartKey, batch_chunks,
    open_run, opened_len, verify_header,
};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, TAG_LEN, resize_wiping};
use crate::{Error, Result};
use zeroize::{Zeroize, Zeroizing};

use super::push_seal::check_room;

/// Opens a sealed stream pushed to it in pieces. [`PushOpener::push`] returns the
/// plaintext of every chunk that is complete and known not to be the last (one byte of the
/// next chunk has arrived); [`PushOpener::finish`] opens the rest as the final chunk.
/// Memory: the opener's own buffer holds at most one chunk and its tag (`c + 16` bytes) of
/// ciphertext (its capacity, grown only as data arrives). Whole chunks of a pushed piece
/// are opened straight from the caller's slice; only the bytes that complete a chunk left
/// waiting by an earlier piece, and a piece's last chunk (it may be the final one), are
/// copied to wait. `push` allocates each call's plaintext once, at its final size;
/// `push_to` writes it into the caller's slice.
///
/// The same guarantees as [`super::Opener`]: only authenticated plaintext, in order; the
/// first error is final and every later call returns it again; nothing after `finish`.
///
/// ```
/// use keepsake::{MediaId, MediaKey, MediaKind, stream};
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let sealed = stream::seal(&key, &id, MediaKind::Preview, &[9u8; 200_000])?;
/// let mut opener = stream::PushOpener::new(&key, &id, MediaKind::Preview);
/// let mut out = Vec::new();
/// for piece in sealed.chunks(10_000) {
///     out.extend(opener.push(piece)?);
/// }
/// out.extend(opener.finish()?);
/// assert_eq!(out, vec![9u8; 200_000]);
/// # Ok::<(), keepsake::Error>(())
/// ```
pub struct PushOpener {
    key: OwnedKey,
    media_id: MediaId,
    kind: MediaKind,
    state: State,
    parallel: bool,
}

/// The key a push opener holds (a copy, wiped on drop).
enum OwnedKey {
    Media(MediaKey),
    Part(StreamPartKey),
}

impl OwnedKey {
    fn borrow(&self) -> StreamKey<'_> {
        match self {
            OwnedKey::Media(key) => StreamKey::Media(key),
            OwnedKey::Part(key) => StreamKey::Part(key),
        }
    }
}

enum State {
    /// Collecting the header.
    Header(Vec<u8>),
    /// Opening chunks.
    Body {
        aead: ChunkAead,
        chunk: usize,
        counter: ChunkCounter,
        pending: Vec<u8>,
    },
    Finished,
    Failed(Error),
}

impl PushOpener {
    /// An opener for media item `media_id`'s rendition `kind` under `key` (the key is
    /// copied and wiped on drop).
    pub fn new(key: &MediaKey, media_id: &MediaId, kind: MediaKind) -> Self {
        Self::with_options(key, media_id, kind, &OpenOptions::default())
    }

    /// [`PushOpener::new`] with explicit options.
    pub fn with_options(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        options: &OpenOptions,
    ) -> Self {
        Self::with_key(
            OwnedKey::Media(MediaKey::from_bytes(*key.secret())),
            media_id,
            kind,
            options,
        )
    }

    /// A push opener for one stream's part key (SPEC.md 5.11).
    pub(crate) fn with_part_key(
        key: StreamPartKey,
        media_id: &MediaId,
        kind: MediaKind,
        options: &OpenOptions,
    ) -> Self {
        Self::with_key(OwnedKey::Part(key), media_id, kind, options)
    }

    fn with_key(key: OwnedKey, media_id: &MediaId, kind: MediaKind, options: &OpenOptions) -> Self {
        Self {
            key,
            media_id: *media_id,
            kind,
            state: State::Header(Vec::with_capacity(HEADER_LEN)),
            parallel: options.parallel,
        }
    }

    /// Takes the next piece of the sealed stream; returns newly authenticated plaintext
    /// (possibly empty).
    ///
    /// # Errors
    /// Header errors as [`Header::parse`], [`Error::DecryptionFailed`],
    /// [`Error::TrailingData`], and the earlier error after any failure; pushing after
    /// [`PushOpener::finish`] is [`Error::TrailingData`].
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let mut out = Growing(Zeroizing::new(Vec::new()));
        let result = self.step(data, false, &mut out);
        self.record(result).map(|()| std::mem::take(&mut *out.0))
    }

    /// Ends the stream: opens what is left as the final chunk and returns its plaintext.
    ///
    /// # Errors
    /// [`Error::TruncatedHeader`] / [`Error::TruncatedStream`] if the stream is cut, and
    /// the errors of [`PushOpener::push`].
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        let mut out = Growing(Zeroizing::new(Vec::new()));
        let result = self.step(&[], true, &mut out);
        self.end(result).map(|()| std::mem::take(&mut *out.0))
    }

    /// The most plaintext [`PushOpener::push_to`] can write for a piece of `len` bytes
    /// pushed now (the exact amount depends on where chunks end; it is returned by the
    /// call). Pushing `len` bytes never releases more plaintext than `len`.
    pub fn push_len(&self, len: usize) -> usize {
        match self.chunk_size() {
            Some(chunk) => opened_len(self.pending_len().saturating_add(len), chunk),
            None => len,
        }
    }

    /// [`PushOpener::push`] into the caller's buffer: opens the whole chunks now complete
    /// straight from `data` into `out` (no staging copy of either), and returns how many
    /// plaintext bytes were written at the front of `out`. `out` must hold
    /// [`PushOpener::push_len`]`(data.len())` bytes. On an error nothing in `out` is
    /// released: what the call wrote is wiped.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `out` is shorter than `push_len` (nothing changes); the
    /// errors of [`PushOpener::push`].
    pub fn push_to(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize> {
        check_room(out, self.push_len(data.len()))?;
        let mut sink = Slice { buf: out, at: 0 };
        let result = self.step(data, false, &mut sink);
        let result = self.record(result);
        sink.released(result)
    }

    /// [`PushOpener::finish`] into the caller's buffer, which must hold
    /// [`PushOpener::push_len`]`(0)` bytes; returns the plaintext length written.
    ///
    /// # Errors
    /// As [`PushOpener::push_to`] and [`PushOpener::finish`].
    pub fn finish_to(&mut self, out: &mut [u8]) -> Result<usize> {
        check_room(out, self.push_len(0))?;
        let mut sink = Slice { buf: out, at: 0 };
        let result = self.step(&[], true, &mut sink);
        let result = self.end(result);
        sink.released(result)
    }

    fn end(&mut self, result: Result<()>) -> Result<()> {
        let result = self.record(result);
        if result.is_ok() {
            self.state = State::Finished;
        }
        result
    }

    fn chunk_size(&self) -> Option<usize> {
        match &self.state {
            State::Body { chunk, .. } => Some(*chunk),
            _ => None,
        }
    }

    fn pending_len(&self) -> usize {
        match &self.state {
            State::Body { pending, .. } => pending.len(),
            _ => 0,
        }
    }

    /// The capacity of the buffer where a chunk waits (tests check it stays one chunk).
    #[cfg(test)]
    fn pending_capacity(&self) -> usize {
        match &self.state {
            State::Body { pending, .. } => pending.capacity(),
            _ => 0,
        }
    }

    fn record(&mut self, result: Result<()>) -> Result<()> {
        if let Err(err) = &result {
            self.state = State::Failed(err.replay());
        }
        result
    }

    fn step(&mut self, mut data: &[u8], end: bool, out: &mut impl Sink) -> Result<()> {
        if let State::Header(buf) = &mut self.state {
            let take = (HEADER_LEN - buf.len()).min(data.len());
            buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if buf.len() < HEADER_LEN {
                if end {
                    return Err(Header::parse(buf).err().unwrap_or(Error::TruncatedStream));
                }
                return Ok(());
            }
            let header = Header::parse(buf)?;
            let aead = verify_header(self.key.borrow(), &self.media_id, self.kind, &header)?;
            self.state = State::Body {
                aead,
                chunk: header.chunk_size(),
                counter: ChunkCounter::default(),
                pending: Vec::new(),
            };
        }
        match &mut self.state {
            State::Header(_) => Ok(()),
            State::Finished => Err(Error::TrailingData),
            State::Failed(err) => Err(err.replay()),
            State::Body {
                aead,
                chunk,
                counter,
                pending,
            } => {
                let stride = *chunk + TAG_LEN;
                let batch = batch_chunks(*chunk, self.parallel);
                out.reserve(opened_len(pending.len().saturating_add(data.len()), *chunk));
                let mut rest = data;
                loop {
                    // Nothing pending: whole chunks of the caller's slice, a batch at a time,
                    // are opened straight from it (no copy of the ciphertext), keeping back
                    // at least one byte after them (`finish` pushes nothing).
                    if pending.is_empty() {
                        let direct = (rest.len().saturating_sub(1) / stride).min(batch) * stride;
                        if direct > 0 {
                            let (sealed, parallel) = ((&[][..], &rest[..direct]), self.parallel);
                            open_appending(aead, counter, *chunk, parallel, sealed, false, out)?;
                            rest = &rest[direct..];
                            continue;
                        }
                    }
                    // At most one chunk waits here: a partial one, or a whole one until a
                    // byte after it shows it is not the last. Only the bytes that complete
                    // it are copied; the rest of the piece goes the direct way above.
                    let take = (stride - pending.len()).min(rest.len());
                    grow_within(pending, take, stride);
                    pending.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    let ends = end && rest.is_empty();
                    if ends && pending.is_empty() {
                        return if counter.position() == 0 {
                            Err(Error::TruncatedStream)
                        } else {
                            Ok(())
                        };
                    }
                    if !ends && rest.is_empty() {
                        return Ok(());
                    }
                    // The waiting chunk (the final one, or a whole one with more of the
                    // stream after it) and, if it is not the last, the whole chunks of the
                    // piece after it, in one run straight from both (SPEC.md 3.8).
                    let (after, sealed) = if ends {
                        (0, (&[][..], &pending[..]))
                    } else {
                        let after = ((rest.len() - 1) / stride).min(batch) * stride;
                        (after, (&pending[..], &rest[..after]))
                    };
                    let opened =
                        open_appending(aead, counter, *chunk, self.parallel, sealed, ends, out);
                    pending.clear();
                    opened?;
                    rest = &rest[after..];
                    if ends {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Makes room in `pending` for `more` bytes, never past `most` (one chunk and its tag):
/// its capacity doubles as data arrives (a header claiming 4 MiB chunks followed by a few
/// bytes costs a few bytes), capped at `most`.
fn grow_within(pending: &mut Vec<u8>, more: usize, most: usize) {
    let need = pending.len() + more;
    if pending.capacity() < need {
        let target = need.max(pending.capacity().saturating_mul(2).min(most));
        pending.reserve_exact(target - pending.len());
    }
}

/// Opens the whole chunks `head` then `sealed` (the stream's final ones when `ends`) as the
/// next chunks of the stream, in one run, appending their plaintext to `out`. On failure the
/// error alone: the streaming `Opener` releases the authentic prefix before an error, a push
/// call does not (the sink is wiped by its owner).
fn open_appending(
    aead: &ChunkAead,
    counter: &mut ChunkCounter,
    chunk: usize,
    parallel: bool,
    (head, sealed): (&[u8], &[u8]),
    ends: bool,
    out: &mut impl Sink,
) -> Result<()> {
    let len = head.len() + sealed.len();
    let count = len.div_ceil(chunk + TAG_LEN);
    let run = counter.reserve(count as u64, ends)?;
    let parallel = parallel && count > 1;
    let out = out.next(opened_len(len, chunk));
    open_run(aead, &run, chunk, (head, sealed), out, parallel).map_err(|(_, err)| err)
}

/// Where a push call's plaintext goes: the next `len` bytes of it.
trait Sink {
    /// Called once, before any `next`, with the most the call can release.
    fn reserve(&mut self, most: usize);
    fn next(&mut self, len: usize) -> &mut [u8];
}

/// A call's own `Vec`, reserved once at the most the call can release (the opened length
/// of what is pending and pushed: the caller's bytes, not a claimed length), so it is never
/// moved (copied) while it grows.
struct Growing(Zeroizing<Vec<u8>>);

impl Sink for Growing {
    fn reserve(&mut self, most: usize) {
        self.0.reserve_exact(most);
    }

    fn next(&mut self, len: usize) -> &mut [u8] {
        let start = self.0.len();
        resize_wiping(&mut self.0, start + len);
        &mut self.0[start..]
    }
}

/// The caller's slice, checked beforehand to hold everything the call can release.
struct Slice<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Sink for Slice<'_> {
    fn reserve(&mut self, _most: usize) {}

    fn next(&mut self, len: usize) -> &mut [u8] {
        let start = self.at;
        self.at += len;
        &mut self.buf[start..self.at]
    }
}

impl Slice<'_> {
    /// The length written, or on an error the error with everything written wiped.
    fn released(self, result: Result<()>) -> Result<usize> {
        match result {
            Ok(()) => Ok(self.at),
            Err(err) => {
                self.buf[..self.at].zeroize();
                Err(err)
            }
        }
    }
}

impl std::fmt::Debug for PushOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushOpener")
            .field("media_id", &self.media_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{SealOptions, seal_with};

    const ID: MediaId = MediaId::from_bytes([4; 16]);

    fn key() -> MediaKey {
        MediaKey::from_bytes([3; 32])
    }

    #[test]
    fn any_split_opens_and_errors_are_final() {
        let opts = SealOptions::new().with_chunk_size_log2(8).unwrap();
        for len in [0usize, 1, 256, 257, 5000, 300_000] {
            let pt: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let sealed = seal_with(&key(), &ID, MediaKind::Original, &pt, &opts).unwrap();
            for step in [1usize, 7, 88, 272, 273, 100_000] {
                let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
                let mut out = Vec::new();
                for piece in sealed.chunks(step) {
                    out.extend(opener.push(piece).unwrap());
                }
                out.extend(opener.finish().unwrap());
                assert!(out == pt, "len {len} step {step}");
                assert!(matches!(opener.push(b"x"), Err(Error::TrailingData)));
            }
            // Truncated at the last chunk boundary (when there are two or more chunks).
            if len > 256 {
                let chunks = (sealed.len() - HEADER_LEN).div_ceil(272);
                let cut = &sealed[..HEADER_LEN + (chunks - 1) * 272];
                let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
                opener.push(cut).unwrap();
                assert!(matches!(opener.finish(), Err(Error::TruncatedStream)));
                assert!(matches!(opener.finish(), Err(Error::TruncatedStream)));
            }
        }
    }

    /// A piece holding many whole chunks is opened straight from the caller's slice; a
    /// chunk altered there fails the push, and every call after it, with the same error.
    #[test]
    fn chunks_opened_straight_from_the_pushed_slice_are_authenticated() {
        let opts = SealOptions::new().with_chunk_size_log2(8).unwrap();
        let pt: Vec<u8> = (0..50_000u32).map(|i| (i % 241) as u8).collect();
        let sealed = seal_with(&key(), &ID, MediaKind::Original, &pt, &opts).unwrap();
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        let mut out = opener.push(&sealed).unwrap();
        // Every whole chunk (50,000 = 195 x 256 + 80): the short final one waits for
        // `finish`, since more might still follow it.
        assert_eq!(out.len(), 195 * 256);
        out.extend(opener.finish().unwrap());
        assert!(out == pt);
        let mut bad = sealed.clone();
        bad[HEADER_LEN + 100 * 272 + 5] ^= 1;
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        assert!(matches!(opener.push(&bad), Err(Error::DecryptionFailed)));
        assert!(matches!(opener.push(b"x"), Err(Error::DecryptionFailed)));
        assert!(matches!(opener.finish(), Err(Error::DecryptionFailed)));
    }

    /// Only the bytes that complete a waiting chunk are copied into the opener: the rest of
    /// a large piece pushed after a partial chunk is opened straight from the caller's
    /// slice, so the opener's own buffer never holds more than one chunk and its tag,
    /// whatever the pieces' sizes.
    #[test]
    fn a_piece_after_a_partial_chunk_is_opened_from_the_callers_slice() {
        let opts = SealOptions::new().with_chunk_size_log2(8).unwrap();
        let pt: Vec<u8> = (0..300_000u32).map(|i| (i % 239) as u8).collect();
        let sealed = seal_with(&key(), &ID, MediaKind::Original, &pt, &opts).unwrap();
        for parallel in [false, true] {
            let options = OpenOptions::default().with_parallel(parallel);
            for step in [100, 271, 272, 273, 5000, 65_537, 100_001] {
                let mut opener =
                    PushOpener::with_options(&key(), &ID, MediaKind::Original, &options);
                let mut out = Vec::new();
                for piece in sealed.chunks(step) {
                    let mut buf = vec![0; opener.push_len(piece.len())];
                    let n = opener.push_to(piece, &mut buf).unwrap();
                    out.extend_from_slice(&buf[..n]);
                    let held = opener.pending_capacity();
                    assert!(held <= 272, "step {step}, parallel {parallel}: {held}");
                }
                let mut buf = vec![0; opener.push_len(0)];
                let n = opener.finish_to(&mut buf).unwrap();
                out.extend_from_slice(&buf[..n]);
                assert!(out == pt, "step {step}, parallel {parallel}");
            }
            // A chunk completed across two pieces (chunk 18 holds byte 5,000) and one
            // opened in the same run from the second piece (chunk 25) are both authenticated:
            // the second push fails, and every call after it, with nothing released.
            for bad_chunk in [18, 25] {
                let mut bad = sealed.clone();
                bad[HEADER_LEN + bad_chunk * 272 + 3] ^= 1;
                let mut opener =
                    PushOpener::with_options(&key(), &ID, MediaKind::Original, &options);
                let first = opener.push(&bad[..5000]).unwrap();
                assert!(first[..] == pt[..first.len()]);
                let mut buf = vec![0; opener.push_len(5000)];
                let second = opener.push_to(&bad[5000..10_000], &mut buf);
                assert!(
                    matches!(second, Err(Error::DecryptionFailed)),
                    "chunk {bad_chunk}"
                );
                assert!(buf.iter().all(|&b| b == 0), "chunk {bad_chunk}: released");
                assert!(matches!(opener.finish(), Err(Error::DecryptionFailed)));
            }
        }
    }

    /// Without parallelism a batch of 512 KiB chunks is a single chunk (one chunk is more
    /// than `SEQUENTIAL_BATCH_BYTES`), so the opener must still make room for a whole
    /// chunk plus the byte after it that shows the chunk is not the last.
    #[test]
    fn sequential_opener_takes_chunks_larger_than_a_batch() {
        let opts = SealOptions::new().with_chunk_size_log2(19).unwrap();
        let pt: Vec<u8> = (0..1_300_000u32).map(|i| (i % 251) as u8).collect();
        let sealed = seal_with(&key(), &ID, MediaKind::Original, &pt, &opts).unwrap();
        let sequential = OpenOptions::default().with_parallel(false);
        assert_eq!(batch_chunks(1 << 19, false), 1);
        for step in [sealed.len(), 100_000] {
            let mut opener =
                PushOpener::with_options(&key(), &ID, MediaKind::Original, &sequential);
            let mut out = Vec::new();
            for piece in sealed.chunks(step) {
                out.extend(opener.push(piece).unwrap());
            }
            out.extend(opener.finish().unwrap());
            assert!(out == pt, "step {step}");
        }
    }

    #[test]
    fn header_errors_and_wrong_context() {
        let sealed = crate::stream::seal(&key(), &ID, MediaKind::Original, b"abc").unwrap();
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Thumbnail);
        assert!(matches!(opener.push(&sealed), Err(Error::DecryptionFailed)));
        assert!(matches!(opener.push(b""), Err(Error::DecryptionFailed)));
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        opener.push(&sealed[..40]).unwrap();
        assert!(matches!(
            opener.finish(),
            Err(Error::TruncatedHeader { .. })
        ));
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        assert!(matches!(
            opener.finish(),
            Err(Error::TruncatedHeader { got: 0, .. })
        ));
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        opener.push(&sealed[..HEADER_LEN]).unwrap();
        assert!(matches!(opener.finish(), Err(Error::TruncatedStream)));
        let mut bad = sealed.clone();
        bad[100] ^= 1;
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        let pushed = opener.push(&bad);
        let result = pushed.and_then(|_| opener.finish());
        assert!(matches!(result, Err(Error::DecryptionFailed)));
    }
}
