//! The push sealer: plaintext pushed in pieces of any size, sealed bytes out, written
//! straight into the caller's buffer (the zero-copy counterpart of [`super::Sealer`]).

use zeroize::Zeroizing;

use super::{ChunkCounter, HEADER_LEN, SALT_LEN, SealOptions, new_header, random_salt, seal_run};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, TAG_LEN, reserve_wiping_within};
use crate::provenance::SealedPart;
use crate::{Error, Result};

/// Seals a stream pushed to it in pieces, writing the sealed bytes into a buffer the
/// caller owns: [`PushSealer::push_to`] / [`PushSealer::finish_to`] into a slice (sized by
/// [`PushSealer::push_len`] / [`PushSealer::finish_len`]), or [`PushSealer::push`] /
/// [`PushSealer::finish`] returning a `Vec` allocated once at its final size.
///
/// Every whole chunk of a pushed piece that more plaintext follows is sealed straight from
/// the caller's slice into the output (ChaCha20-Poly1305's separate input and output
/// buffers; no staging copy of the plaintext or of the ciphertext), on all cores when the
/// options say so and the piece holds several chunks. Only the last chunk's worth of each
/// piece (1 to `c` bytes, `c` the chunk size) is copied into the sealer, because it may be
/// the final chunk: it is sealed when more plaintext arrives, or by `finish` as the final
/// chunk. The header comes out with the first call's output.
///
/// The same stream as [`super::Sealer`] and [`super::seal`] for the same salt, whatever the
/// split. After an error every later call returns it again (a slice too short is not an
/// error of the stream: it is refused before anything changes, and the call can be made
/// again with a larger one). A sealer dropped before `finish` leaves a stream that every
/// opener refuses as truncated.
///
/// **Memory** (SPEC.md 3.8; counted in `tests/stream_memory.rs`): the sealer's buffer is
/// one chunk of plaintext, `c` bytes, allocated once when the first byte is kept and wiped
/// on drop, plus 32 bytes per chunk with provenance (5.10); the output is the caller's
/// (with `push` / `finish`, a `Vec` of exactly the call's output). A memory budget below
/// `c` is refused ([`Error::TooLarge`]).
///
/// ```
/// use keepsake::{MediaId, MediaKey, MediaKind, stream};
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let mut sealer = stream::PushSealer::new(&key, &id, MediaKind::Original)?;
/// let photo = vec![7u8; 300_000];
/// let mut sealed = Vec::new();
/// for piece in photo.chunks(100_000) {
///     // Into a buffer the caller owns and reuses: exactly `push_len` bytes are written.
///     let mut out = vec![0; sealer.push_len(piece.len())];
///     let written = sealer.push_to(piece, &mut out)?;
///     sealed.extend_from_slice(&out[..written]);
/// }
/// sealed.extend(sealer.finish()?);
/// assert_eq!(stream::open(&key, &id, MediaKind::Original, &sealed)?, photo);
/// # Ok::<(), keepsake::Error>(())
/// ```
pub struct PushSealer {
    aead: ChunkAead,
    counter: ChunkCounter,
    chunk: usize,
    parallel: bool,
    header: [u8; HEADER_LEN],
    header_sent: bool,
    /// Plaintext that may be the final chunk: 1 to `chunk` bytes once anything was pushed.
    pending: Zeroizing<Vec<u8>>,
    /// With provenance (SPEC.md 5.10): the hash of every chunk sealed so far.
    hashes: Option<Vec<[u8; 32]>>,
    kind: MediaKind,
    plaintext_len: u64,
    failed: super::Sticky,
    finished: bool,
}

impl PushSealer {
    /// Starts sealing media item `media_id`'s rendition `kind` with default options
    /// (64 KiB chunks, parallel).
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn new(key: &MediaKey, media_id: &MediaId, kind: MediaKind) -> Result<Self> {
        Self::with_options(key, media_id, kind, &SealOptions::new())
    }

    /// [`PushSealer::new`] with explicit options (chunk size, parallelism, provenance,
    /// memory budget).
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`]; [`Error::TooLarge`] if a memory budget was set
    /// below one chunk.
    pub fn with_options(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        options: &SealOptions,
    ) -> Result<Self> {
        Self::with_salt(key, media_id, kind, options, random_salt()?)
    }

    pub(crate) fn with_salt(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> Result<Self> {
        let (header, aead) = new_header(key, media_id, kind, options.chunk_size_log2(), salt);
        let chunk = header.chunk_size();
        if let Some(budget) = options.memory_budget()
            && budget < chunk
        {
            return Err(Error::TooLarge {
                what: "push sealer's pending chunk (memory budget)",
                len: chunk as u64,
                max: budget as u64,
            });
        }
        Ok(Self {
            aead,
            counter: ChunkCounter::default(),
            chunk,
            parallel: options.parallel(),
            header: header.to_bytes(),
            header_sent: false,
            pending: Zeroizing::new(Vec::new()),
            hashes: options.provenance().then(Vec::new),
            kind,
            plaintext_len: 0,
            failed: super::Sticky::default(),
            finished: false,
        })
    }

    /// The chunks that pushing `len` more bytes seals now (each with more plaintext after
    /// it), and the pending bytes that stay.
    fn plan(&self, len: usize) -> (usize, usize) {
        let total = self.pending.len().saturating_add(len);
        if len == 0 || total == 0 {
            return (0, self.pending.len());
        }
        let sealed = (total - 1) / self.chunk;
        (sealed, total - sealed * self.chunk)
    }

    fn header_len(&self) -> usize {
        if self.header_sent { 0 } else { HEADER_LEN }
    }

    /// The exact number of bytes [`PushSealer::push_to`] writes for a piece of `len`
    /// bytes pushed now: the header on the first call, then every chunk sealed.
    pub fn push_len(&self, len: usize) -> usize {
        let (chunks, _) = self.plan(len);
        self.header_len() + chunks * (self.chunk + TAG_LEN)
    }

    /// The exact number of bytes [`PushSealer::finish_to`] writes now.
    pub fn finish_len(&self) -> usize {
        self.header_len() + self.pending.len() + TAG_LEN
    }

    /// Seals `plaintext` as the next bytes of the stream into `out`; returns how many
    /// bytes were written (exactly [`PushSealer::push_len`]`(plaintext.len())`, which may
    /// be 0 while a chunk fills up).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `out` is shorter than `push_len` (nothing changes);
    /// [`Error::TrailingData`] after `finish`; [`Error::StreamTooLong`] past 2^64 chunks;
    /// the earlier error after any failure.
    pub fn push_to(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize> {
        self.check()?;
        let need = self.push_len(plaintext.len());
        check_room(out, need)?;
        let result = self.seal(plaintext, false, &mut out[..need]);
        self.record(result).map(|()| need)
    }

    /// [`PushSealer::push_to`] into a new `Vec`, allocated once at its final size.
    ///
    /// # Errors
    /// As [`PushSealer::push_to`].
    pub fn push(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.check()?;
        let mut out = vec![0; self.push_len(plaintext.len())];
        self.push_to(plaintext, &mut out)?;
        Ok(out)
    }

    /// Seals what is pending as the final chunk into `out`; returns how many bytes were
    /// written (exactly [`PushSealer::finish_len`]).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `out` is shorter than `finish_len` (nothing changes);
    /// [`Error::TrailingData`] if already finished; the earlier error after any failure.
    pub fn finish_to(&mut self, out: &mut [u8]) -> Result<usize> {
        self.check()?;
        let need = self.finish_len();
        check_room(out, need)?;
        let result = self.seal(&[], true, &mut out[..need]);
        self.record(result).map(|()| need)
    }

    /// [`PushSealer::finish_to`] into a new `Vec`.
    ///
    /// # Errors
    /// As [`PushSealer::finish_to`].
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        self.check()?;
        let mut out = vec![0; self.finish_len()];
        self.finish_to(&mut out)?;
        Ok(out)
    }

    /// [`PushSealer::finish_to`], also returning the sealed part's provenance (SPEC.md
    /// 5.10), computed while sealing, for
    /// [`crate::account::Keyring::sign_item`].
    ///
    /// # Errors
    /// As [`PushSealer::finish_to`]; [`Error::MalformedManifest`] if the options did not
    /// ask for provenance.
    pub fn finish_part_to(&mut self, out: &mut [u8]) -> Result<(usize, SealedPart)> {
        self.check()?;
        if self.hashes.is_none() {
            return Err(Error::MalformedManifest {
                reason: "the sealer was not asked for provenance (SealOptions::with_provenance)",
            });
        }
        let written = self.finish_to(out)?;
        let hashes = self.hashes.take().unwrap_or_default();
        let part = SealedPart::new(self.header, self.kind, self.plaintext_len, hashes);
        Ok((written, part))
    }

    /// Chunks sealed so far.
    pub fn chunks_sealed(&self) -> u64 {
        self.counter.position()
    }

    /// Writes the header if it is due, then seals the pending chunk and the whole chunks of
    /// `input` that more plaintext follows (or, when `ends`, everything pending as the
    /// final chunk) into `out`, which is exactly as long as that output.
    fn seal(&mut self, input: &[u8], ends: bool, out: &mut [u8]) -> Result<()> {
        if self.finished {
            return Err(Error::TrailingData);
        }
        let out = if self.header_sent {
            out
        } else {
            let (header, rest) = out.split_at_mut(HEADER_LEN);
            header.copy_from_slice(&self.header);
            self.header_sent = true;
            rest
        };
        if ends {
            let run = self.counter.reserve(1, true)?;
            self.finished = true;
            let slots = hash_slots(&mut self.hashes, 1);
            seal_run(
                &self.aead,
                &run,
                self.chunk,
                (&[], &self.pending[..]),
                out,
                slots,
                false,
            );
            self.plaintext_len += self.pending.len() as u64;
            self.pending.clear();
            return Ok(());
        }
        let (count, keep) = self.plan(input.len());
        if count > 0 {
            // The pending bytes fill a whole first chunk from the front of `input`: the
            // only plaintext copied, at most one chunk.
            let fill = (self.chunk - self.pending.len()) % self.chunk;
            let (fill, direct) = input.split_at(fill.min(input.len()));
            self.keep(fill);
            let direct_len = (count * self.chunk) - self.pending.len();
            let (direct, rest) = direct.split_at(direct_len);
            let run = self.counter.reserve(count as u64, false)?;
            let parallel = self.parallel && count > 1;
            let (aead, chunk) = (&self.aead, self.chunk);
            let slots = hash_slots(&mut self.hashes, count);
            seal_run(
                aead,
                &run,
                chunk,
                (&self.pending[..], direct),
                out,
                slots,
                parallel,
            );
            self.plaintext_len += (count * self.chunk) as u64;
            self.pending.clear();
            self.keep(rest);
        } else {
            self.keep(input);
        }
        debug_assert_eq!(self.pending.len(), keep);
        Ok(())
    }

    /// Appends to the pending plaintext (never past one chunk). The first time anything
    /// is kept, the buffer is allocated at one chunk, once: it never grows by doubling and
    /// never leaves an unwiped copy behind.
    fn keep(&mut self, bytes: &[u8]) {
        debug_assert!(self.pending.len() + bytes.len() <= self.chunk);
        if self.pending.len() + bytes.len() > self.pending.capacity() {
            let room = self.chunk - self.pending.len();
            reserve_wiping_within(&mut self.pending, room, self.chunk);
        }
        self.pending.extend_from_slice(bytes);
    }

    fn check(&self) -> Result<()> {
        self.failed.check()
    }

    fn record<T>(&mut self, result: Result<T>) -> Result<T> {
        self.failed.record(result)
    }
}

/// `count` new slots at the end of a provenance hash list, or none without provenance.
pub(super) fn hash_slots(hashes: &mut Option<Vec<[u8; 32]>>, count: usize) -> &mut [[u8; 32]] {
    match hashes {
        Some(all) => {
            let at = all.len();
            all.resize(at + count, [0; 32]);
            &mut all[at..]
        }
        None => &mut [],
    }
}

/// Refuses an output slice shorter than `need`.
pub(super) fn check_room(out: &[u8], need: usize) -> Result<()> {
    if out.len() < need {
        return Err(Error::InvalidLength {
            what: "output buffer",
            expected: need,
            got: out.len(),
        });
    }
    Ok(())
}

impl std::fmt::Debug for PushSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSealer")
            .field("kind", &self.kind)
            .field("chunk", &self.chunk)
            .field("chunks_sealed", &self.counter.position())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::part_hashes;
    use crate::stream::oneshot::seal_into_with_salt;
    use crate::stream::{PushOpener, open};

    const ID: MediaId = MediaId::from_bytes([5; 16]);
    const SALT: [u8; SALT_LEN] = [9; SALT_LEN];

    fn key() -> MediaKey {
        MediaKey::from_bytes([6; 32])
    }

    fn small(parallel: bool) -> SealOptions {
        SealOptions::new()
            .with_chunk_size_log2(8)
            .unwrap()
            .with_parallel(parallel)
    }

    /// Pushes `pt` in pieces of `step` bytes, alternately into slices of exactly
    /// `push_len` bytes and into `Vec`s, and finishes.
    fn push_sealed(pt: &[u8], step: usize, options: &SealOptions) -> Vec<u8> {
        let mut sealer =
            PushSealer::with_salt(&key(), &ID, MediaKind::Original, options, SALT).unwrap();
        let mut sealed = Vec::new();
        for (i, piece) in pt.chunks(step.max(1)).enumerate() {
            if i % 2 == 0 {
                let mut out = vec![0xAA; sealer.push_len(piece.len())];
                assert_eq!(sealer.push_to(piece, &mut out).unwrap(), out.len());
                sealed.extend_from_slice(&out);
            } else {
                sealed.extend(sealer.push(piece).unwrap());
            }
        }
        let mut out = vec![0xAA; sealer.finish_len()];
        assert_eq!(sealer.finish_to(&mut out).unwrap(), out.len());
        sealed.extend_from_slice(&out);
        sealed
    }

    #[test]
    fn any_split_gives_the_one_shot_bytes() {
        for parallel in [false, true] {
            let options = small(parallel);
            for len in [0usize, 1, 255, 256, 257, 512, 5000, 70_000] {
                let pt: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
                let mut expected = Vec::new();
                seal_into_with_salt(
                    &key(),
                    &ID,
                    MediaKind::Original,
                    &pt,
                    &options,
                    SALT,
                    &mut expected,
                );
                for step in [1usize, 100, 255, 256, 257, 1024, 100_000] {
                    let sealed = push_sealed(&pt, step, &options);
                    assert!(
                        sealed == expected,
                        "len {len} step {step} parallel {parallel}"
                    );
                }
            }
        }
    }

    #[test]
    fn pushes_of_nothing_and_whole_chunks_keep_the_last_chunk_back() {
        let options = small(false);
        let mut sealer =
            PushSealer::with_salt(&key(), &ID, MediaKind::Original, &options, SALT).unwrap();
        // The header comes out with the first call, even an empty one.
        assert_eq!(sealer.push(&[]).unwrap().len(), HEADER_LEN);
        assert_eq!(sealer.push(&[]).unwrap().len(), 0);
        // Exactly one chunk: it may be the last, so nothing is sealed yet.
        assert_eq!(sealer.push(&[1; 256]).unwrap().len(), 0);
        // One more byte: the held chunk is sealed (not as the final one).
        assert_eq!(sealer.push(&[2]).unwrap().len(), 256 + TAG_LEN);
        assert_eq!(sealer.chunks_sealed(), 1);
        let last = sealer.finish().unwrap();
        assert_eq!(last.len(), 1 + TAG_LEN);
        assert!(matches!(sealer.push(b"x"), Err(Error::TrailingData)));
        assert!(matches!(sealer.finish(), Err(Error::TrailingData)));
    }

    #[test]
    fn a_short_output_slice_is_refused_and_changes_nothing() {
        let options = small(true);
        let pt: Vec<u8> = (0..2000).map(|i| i as u8).collect();
        let mut sealer =
            PushSealer::with_salt(&key(), &ID, MediaKind::Original, &options, SALT).unwrap();
        let need = sealer.push_len(pt.len());
        let mut short = vec![0; need - 1];
        assert!(matches!(
            sealer.push_to(&pt, &mut short),
            Err(Error::InvalidLength { what: "output buffer", expected, got }) if expected == need && got == need - 1
        ));
        assert_eq!(sealer.chunks_sealed(), 0);
        // A larger slice than needed is fine: the call says how much it wrote.
        let mut out = vec![0; need + 50];
        assert_eq!(sealer.push_to(&pt, &mut out).unwrap(), need);
        let mut sealed = out[..need].to_vec();
        let mut short = vec![0; sealer.finish_len() - 1];
        assert!(matches!(
            sealer.finish_to(&mut short),
            Err(Error::InvalidLength { .. })
        ));
        sealed.extend(sealer.finish().unwrap());
        assert_eq!(open(&key(), &ID, MediaKind::Original, &sealed).unwrap(), pt);
    }

    #[test]
    fn provenance_hashes_match_the_stored_bytes() {
        for parallel in [false, true] {
            let options = small(parallel).with_provenance(true);
            let pt = vec![3u8; 10_000];
            let mut sealer =
                PushSealer::with_salt(&key(), &ID, MediaKind::Thumbnail, &options, SALT).unwrap();
            let mut sealed = Vec::new();
            for piece in pt.chunks(777) {
                sealed.extend(sealer.push(piece).unwrap());
            }
            let mut out = vec![0; sealer.finish_len()];
            let (written, part) = sealer.finish_part_to(&mut out).unwrap();
            sealed.extend_from_slice(&out[..written]);
            let keyless = part_hashes(&sealed).unwrap();
            assert_eq!(part.root(), keyless.root());
            assert_eq!(part.plaintext_len(), 10_000);
            assert_eq!(part.kind(), MediaKind::Thumbnail);
        }
        let mut plain = PushSealer::new(&key(), &ID, MediaKind::Original).unwrap();
        assert!(matches!(
            plain.finish_part_to(&mut [0; 200]),
            Err(Error::MalformedManifest { .. })
        ));
    }

    #[test]
    fn a_budget_below_one_chunk_is_refused() {
        let options = small(false).with_memory_budget(255);
        assert!(matches!(
            PushSealer::with_options(&key(), &ID, MediaKind::Original, &options),
            Err(Error::TooLarge {
                len: 256,
                max: 255,
                ..
            })
        ));
        let options = small(false).with_memory_budget(256);
        assert!(PushSealer::with_options(&key(), &ID, MediaKind::Original, &options).is_ok());
    }

    #[test]
    fn the_push_opener_opens_into_the_callers_slice() {
        let options = small(true);
        let pt: Vec<u8> = (0..9000).map(|i| (i % 239) as u8).collect();
        let sealed = push_sealed(&pt, 1000, &options);
        for step in [1usize, 88, 272, 273, 5000, 100_000] {
            let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
            let mut opened = Vec::new();
            for piece in sealed.chunks(step) {
                let mut out = vec![0; opener.push_len(piece.len())];
                let got = opener.push_to(piece, &mut out).unwrap();
                opened.extend_from_slice(&out[..got]);
            }
            let mut out = vec![0; opener.push_len(0)];
            let got = opener.finish_to(&mut out).unwrap();
            opened.extend_from_slice(&out[..got]);
            assert!(opened == pt, "step {step}");
        }
        // Too short: refused before anything changes.
        let mut opener = PushOpener::new(&key(), &ID, MediaKind::Original);
        let mut out = vec![0; sealed.len()];
        let need = opener.push_len(sealed.len());
        assert!(matches!(
            opener.push_to(&sealed, &mut out[..need - 1]),
            Err(Error::InvalidLength { .. })
        ));
        // A forged chunk after authentic ones: nothing written stays in the slice.
        let mut forged = sealed.clone();
        let at = HEADER_LEN + 20 * (256 + TAG_LEN) + 3;
        forged[at] ^= 1;
        let mut out = vec![0; opener.push_len(forged.len())];
        assert!(matches!(
            opener.push_to(&forged, &mut out),
            Err(Error::DecryptionFailed)
        ));
        assert!(out.iter().all(|&b| b == 0));
        assert!(matches!(
            opener.finish_to(&mut out),
            Err(Error::DecryptionFailed)
        ));
    }
}
