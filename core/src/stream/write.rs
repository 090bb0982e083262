//! The streaming sealer: [`std::io::Write`] in, a sealed stream out, in bounded memory.

use std::io::{self, Write};

use zeroize::Zeroizing;

use super::{
    Buffers, ChunkCounter, HEADER_LEN, SealOptions, new_header, peak_bytes, plan_batches,
    random_salt, seal_run,
};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, TAG_LEN, extend_wiping, reserve_wiping_within};
use crate::{Error, Result};

/// Seals a stream of plaintext written to it, writing the sealed stream to `W`.
///
/// A chunk is sealed once it is known not to be the last, i.e. once more plaintext follows
/// it: whole chunks of a large write are sealed straight from the caller's buffer, a batch
/// (about [`BATCH_BYTES`](super::BATCH_BYTES)) at a time, on all cores when the options say
/// so; the rest, and small writes, are buffered up to one batch. With parallel options
/// each sealed batch is written to `W` while the next one is sealed, so up to one sealed
/// batch waits in the sealer until the next batch, [`Write::flush`] or [`Sealer::finish`].
/// `finish` seals the rest, marks the final chunk, writes everything and returns the
/// writer. A sealer dropped without `finish` leaves a stream that every opener refuses as
/// truncated.
///
/// After any error, every further call returns that error again.
///
/// **Memory** (SPEC.md 3.8; checked by a counting allocator in `tests/stream_memory.rs`):
/// with `c` the chunk size and `B` the chunks of a batch
/// (`max(BATCH_BYTES / c, min(threads, MAX_BATCH_THREADS))` when parallel,
/// `max(SEQUENTIAL_BATCH_BYTES / c, 1)` when not), the buffers peak at
/// `B·c + k·B·(c + 16)` bytes, `k` = 2 when parallel (a batch sealing while the previous
/// one is written), 1 when not: 96 MiB for 4 MiB chunks on 8 threads, 3 MiB for 64 KiB
/// chunks in parallel. They grow to it only as plaintext arrives.
///
/// ```
/// use std::io::Write;
/// use keepsake::{MediaId, MediaKey, MediaKind, stream::{Opener, Sealer}};
///
/// let key = MediaKey::generate()?;
/// let id = MediaId::random()?;
/// let mut sealer = Sealer::new(&key, &id, MediaKind::Original, Vec::new())?;
/// sealer.write_all(b"first part, ")?;
/// sealer.write_all(b"second part")?;
/// let sealed = sealer.finish()?;
///
/// let mut opener = Opener::new(&key, &id, MediaKind::Original, &sealed[..])?;
/// let mut plaintext = Vec::new();
/// std::io::Read::read_to_end(&mut opener, &mut plaintext)?;
/// assert_eq!(plaintext, b"first part, second part");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Sealer<W: Write> {
    inner: W,
    aead: ChunkAead,
    counter: ChunkCounter,
    chunk: usize,
    /// Plaintext waiting to be sealed: at most `batch` chunks.
    pending: Zeroizing<Vec<u8>>,
    batch: usize,
    /// Sealed bytes of one batch, reused.
    sealed: Vec<u8>,
    /// Parallel only: the last sealed batch, written out while the next one is sealed.
    unwritten: Vec<u8>,
    parallel: bool,
    failed: super::Sticky,
    /// With provenance (SPEC.md 5.10): every chunk's hash so far, the header, the kind and
    /// the plaintext sealed so far.
    hashes: Option<Vec<[u8; 32]>>,
    header: [u8; HEADER_LEN],
    kind: MediaKind,
    plaintext_len: u64,
}

impl<W: Write> Sealer<W> {
    /// Starts sealing media item `media_id`'s rendition `kind` with default options, and
    /// writes the header to `inner`.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`], or [`Error::Io`] from writing the header.
    pub fn new(key: &MediaKey, media_id: &MediaId, kind: MediaKind, inner: W) -> Result<Self> {
        Self::with_options(key, media_id, kind, inner, &SealOptions::new())
    }

    /// [`Sealer::new`] with explicit options.
    ///
    /// # Errors
    /// As [`Sealer::new`].
    pub fn with_options(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        inner: W,
        options: &SealOptions,
    ) -> Result<Self> {
        Self::with_salt(key, media_id, kind, inner, options, random_salt()?)
    }

    pub(crate) fn with_salt(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        mut inner: W,
        options: &SealOptions,
        salt: [u8; super::SALT_LEN],
    ) -> Result<Self> {
        let (header, aead) = new_header(key, media_id, kind, options.chunk_size_log2(), salt);
        let chunk = header.chunk_size();
        // Refused before the header is written when the budget cannot hold a chunk.
        let (batch, parallel) = plan_batches(
            Buffers::Sealer,
            chunk,
            options.parallel(),
            options.memory_budget(),
        )?;
        let header_bytes: [u8; HEADER_LEN] = header.to_bytes();
        inner.write_all(&header_bytes)?;
        Ok(Self {
            inner,
            aead,
            counter: ChunkCounter::default(),
            chunk,
            // Both grow to a batch only as plaintext arrives.
            pending: Zeroizing::new(Vec::new()),
            batch,
            sealed: Vec::new(),
            unwritten: Vec::new(),
            parallel,
            failed: super::Sticky::default(),
            hashes: options.provenance().then(Vec::new),
            header: header_bytes,
            kind,
            plaintext_len: 0,
        })
    }

    /// Seals the pending plaintext, then the whole chunks `more` (straight from the
    /// caller's buffer), as the next chunks. Pending plaintext is whole chunks, and so is
    /// `more`, unless `ends_stream`. The sealed buffers are reused from batch to batch.
    ///
    /// Sequentially, the batch is written out at once. In parallel, it is kept, and written
    /// out on this thread while the next batch is sealed on the thread pool, so that copying
    /// into the writer overlaps with sealing; the final batch is written at once.
    fn seal_batch(&mut self, more: &[u8], ends_stream: bool) -> Result<()> {
        let plaintext = self.pending.len() + more.len();
        let count = plaintext.div_ceil(self.chunk).max(1);
        let run = self.counter.reserve(count as u64, ends_stream)?;
        let len = plaintext + count * TAG_LEN;
        // Truncate, then grow: a reused buffer of the same size is not zeroed again.
        self.sealed.truncate(len);
        if self.sealed.capacity() < len {
            // Exactly: a batch's ciphertext, never a doubled capacity (SPEC.md 3.8).
            self.sealed.reserve_exact(len - self.sealed.len());
        }
        self.sealed.resize(len, 0);
        self.plaintext_len += plaintext as u64;
        let hashes = super::push_seal::hash_slots(&mut self.hashes, count);
        // With no pending plaintext, a short final chunk of `pending` is sealed as `more`.
        let (head, more) = if more.is_empty() {
            (&[][..], &self.pending[..])
        } else {
            (&self.pending[..], more)
        };
        let (aead, chunk, sealed) = (&self.aead, self.chunk, &mut self.sealed);
        let parallel = self.parallel && count > 1;
        let written = if self.unwritten.is_empty() {
            seal_run(aead, &run, chunk, (head, more), sealed, hashes, parallel);
            Ok(())
        } else {
            let (inner, unwritten) = (&mut self.inner, &self.unwritten);
            rayon::in_place_scope(|scope| {
                scope
                    .spawn(|_| seal_run(aead, &run, chunk, (head, more), sealed, hashes, parallel));
                inner.write_all(unwritten)
            })
        };
        self.pending.clear();
        written?;
        self.unwritten.clear();
        if self.parallel && !ends_stream {
            std::mem::swap(&mut self.sealed, &mut self.unwritten);
        } else {
            self.inner.write_all(&self.sealed)?;
        }
        Ok(())
    }

    /// Writes out the sealed batch kept for pipelining, if any.
    fn write_unwritten(&mut self) -> Result<()> {
        if !self.unwritten.is_empty() {
            self.inner.write_all(&self.unwritten)?;
            self.unwritten.clear();
        }
        Ok(())
    }

    fn check(&self) -> Result<()> {
        self.failed.check()
    }

    fn record<T>(&mut self, result: Result<T>) -> Result<T> {
        self.failed.record(result)
    }

    /// The bytes this sealer's buffers can reach (SPEC.md 3.8), within the options' memory
    /// budget if one was set.
    pub fn peak_memory(&self) -> usize {
        peak_bytes(Buffers::Sealer, self.chunk, self.batch, self.parallel)
    }

    /// Seals what is left, marks the final chunk, flushes and returns the writer.
    ///
    /// # Errors
    /// The earlier error if the sealer had failed, or [`Error::Io`].
    pub fn finish(mut self) -> Result<W> {
        self.check()?;
        self.seal_batch(&[], true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    /// [`Sealer::finish`], also returning the sealed part's provenance (SPEC.md 5.10): its
    /// chunk hash list and root, computed while sealing (no second pass), for
    /// [`crate::account::Keyring::sign_item`].
    ///
    /// # Errors
    /// As [`Sealer::finish`]; [`Error::MalformedManifest`] if the options did not ask for
    /// provenance ([`SealOptions::with_provenance`](super::SealOptions::with_provenance)).
    pub fn finish_part(mut self) -> Result<(W, crate::provenance::SealedPart)> {
        self.check()?;
        if self.hashes.is_none() {
            return Err(Error::MalformedManifest {
                reason: "the sealer was not asked for provenance (SealOptions::with_provenance)",
            });
        }
        self.seal_batch(&[], true)?;
        self.inner.flush()?;
        let hashes = self.hashes.take().unwrap_or_default();
        let part =
            crate::provenance::SealedPart::new(self.header, self.kind, self.plaintext_len, hashes);
        Ok((self.inner, part))
    }

    /// The inner writer, e.g. to take the sealed bytes written so far out of a `Vec`.
    /// Writing to it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Chunks sealed so far.
    pub fn chunks_sealed(&self) -> u64 {
        self.counter.position()
    }
}

impl<W: Write> Write for Sealer<W> {
    /// Seals `buf`'s chunks as soon as they are known not to hold the last chunk (more
    /// plaintext follows them), buffering the rest. Always consumes all of `buf` or fails.
    ///
    /// Whole chunks of `buf` that more of `buf` follows are sealed straight from `buf`, a
    /// batch at a time (together with the sealer's buffered whole chunks), without being
    /// copied first; only the last chunk's worth of a large write, and small writes, are
    /// buffered, up to one batch.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check().map_err(Error::into_io)?;
        let capacity = self.batch * self.chunk;
        let mut rest = buf;
        while !rest.is_empty() {
            if self.pending.len() == capacity {
                // A full batch with more plaintext after it.
                let sealed = self.seal_batch(&[], false);
                self.record(sealed).map_err(Error::into_io)?;
            }
            let aligned = self.pending.len().is_multiple_of(self.chunk);
            // Whole chunks of `rest` with at least one more byte after them.
            let direct = if aligned {
                (rest.len() - 1) / self.chunk
            } else {
                0
            };
            if direct == 0 {
                // Buffer: up to the end of a partial chunk, else as much as fits.
                let room = if aligned {
                    capacity - self.pending.len()
                } else {
                    self.chunk - self.pending.len() % self.chunk
                };
                let take = rest.len().min(room);
                // Never past a batch: the stated peak (SPEC.md 3.8).
                reserve_wiping_within(&mut self.pending, take, capacity);
                extend_wiping(&mut self.pending, &rest[..take]);
                rest = &rest[take..];
                continue;
            }
            let buffered = self.pending.len() / self.chunk;
            let take = direct.min(self.batch - buffered) * self.chunk;
            let (batch, after) = rest.split_at(take);
            let sealed = self.seal_batch(batch, false);
            self.record(sealed).map_err(Error::into_io)?;
            rest = after;
        }
        Ok(buf.len())
    }

    /// Writes every sealed batch out and flushes the inner writer. Plaintext of a chunk
    /// that may still be the last stays buffered until more arrives or
    /// [`Sealer::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.check().map_err(Error::into_io)?;
        let flushed = self
            .write_unwritten()
            .and_then(|()| self.inner.flush().map_err(Error::Io));
        self.record(flushed).map_err(Error::into_io)
    }
}

impl<W: Write> std::fmt::Debug for Sealer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("chunk", &self.chunk)
            .field("chunks_sealed", &self.counter.position())
            .field("failed", &self.failed.is_set())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::batch_chunks;
    use crate::stream::{SealOptions, seal_with_salt};

    /// 256-byte chunks, sealed in parallel or not.
    fn options(parallel: bool) -> SealOptions {
        SealOptions::new()
            .with_chunk_size_log2(8)
            .unwrap()
            .with_parallel(parallel)
    }

    /// A sealer into `inner` with the tests' fixed key, id and salt.
    fn sealer<W: Write>(inner: W, parallel: bool) -> Sealer<W> {
        let key = MediaKey::from_bytes([3; 32]);
        let id = MediaId::from_bytes([4; 16]);
        Sealer::with_salt(
            &key,
            &id,
            MediaKind::Original,
            inner,
            &options(parallel),
            [5; 32],
        )
        .unwrap()
    }

    /// `pt` sealed in one shot with the same key, id and salt as [`sealer`].
    fn sealed_at_once(pt: &[u8], parallel: bool) -> Vec<u8> {
        let key = MediaKey::from_bytes([3; 32]);
        let id = MediaId::from_bytes([4; 16]);
        seal_with_salt(
            &key,
            &id,
            MediaKind::Original,
            pt,
            &options(parallel),
            [5; 32],
        )
    }

    /// Writes `pt` to a sealer in pieces of `piece` bytes with a fixed salt.
    fn seal_in_pieces(pt: &[u8], piece: usize, parallel: bool) -> Vec<u8> {
        let mut sealer = sealer(Vec::new(), parallel);
        for part in pt.chunks(piece) {
            sealer.write_all(part).unwrap();
        }
        sealer.finish().unwrap()
    }

    /// Records the size of every write it is given.
    #[derive(Default)]
    struct Recording {
        bytes: Vec<u8>,
        writes: Vec<usize>,
    }

    impl Write for Recording {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.bytes.extend_from_slice(buf);
            self.writes.push(buf.len());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Memory stays bounded by one batch: whole chunks already buffered and whole chunks
    /// sealed straight from a large write together make at most one batch.
    #[test]
    fn no_batch_is_larger_than_a_batch_when_chunks_are_already_buffered() {
        for parallel in [false, true] {
            let chunks = batch_chunks(256, parallel);
            let batch = chunks * 256;
            // A whole chunk is buffered first (it might be the last), then large writes.
            let pieces = [256, batch + 1, 512, 3 * batch, 256, 2 * batch + 5];
            let pt: Vec<u8> = (0..pieces.iter().sum::<usize>())
                .map(|i| (i * 13 % 251) as u8)
                .collect();
            let mut sealer = sealer(Recording::default(), parallel);
            let mut at = 0;
            for piece in pieces {
                sealer.write_all(&pt[at..at + piece]).unwrap();
                at += piece;
            }
            let out = sealer.finish().unwrap();
            let expected = sealed_at_once(&pt, parallel);
            assert!(out.bytes == expected, "parallel {parallel}");
            let largest = out.writes.iter().max().copied().unwrap_or(0);
            assert_eq!(largest, chunks * (256 + TAG_LEN), "parallel {parallel}");
        }
    }

    #[test]
    fn batches_sealed_straight_from_the_callers_buffer_match_one_shot_sealing() {
        let key = MediaKey::from_bytes([3; 32]);
        let id = MediaId::from_bytes([4; 16]);
        for parallel in [false, true] {
            let options = options(parallel);
            let batch = batch_chunks(256, parallel) * 256;
            // Lengths around one, two and three batches, so that the direct path, the
            // buffered path and their hand-over at a batch boundary all run.
            for len in [batch - 1, batch, batch + 1, 2 * batch, 3 * batch + 77] {
                let pt: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
                let expected =
                    seal_with_salt(&key, &id, MediaKind::Original, &pt, &options, [5; 32]);
                for piece in [len, batch, batch + 1, 2 * batch + 3, 1000, 255, 257, 773] {
                    assert_eq!(
                        seal_in_pieces(&pt, piece.max(1), parallel),
                        expected,
                        "len {len}, piece {piece}, parallel {parallel}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_parallel_sealer_writes_each_batch_while_sealing_the_next_and_flush_writes_all() {
        let batch = batch_chunks(256, true) * 256;
        let stride = 256 + TAG_LEN;
        let mut sealer = sealer(Vec::new(), true);
        // One batch sealed and kept back; the header alone is out.
        sealer.write_all(&vec![1; batch + 1]).unwrap();
        assert_eq!(sealer.get_mut().len(), HEADER_LEN);
        // The next batch seals while the first is written.
        sealer.write_all(&vec![2; batch]).unwrap();
        let chunks = batch / 256;
        assert_eq!(sealer.get_mut().len(), HEADER_LEN + chunks * stride);
        // Flush writes every sealed chunk; the possibly-last chunk stays buffered.
        sealer.flush().unwrap();
        let sealed = sealer.chunks_sealed() as usize;
        assert_eq!(sealed, 2 * chunks);
        assert_eq!(sealer.get_mut().len(), HEADER_LEN + sealed * stride);
        let out = sealer.finish().unwrap();
        let mut pt = vec![1; batch + 1];
        pt.extend_from_slice(&vec![2; batch]);
        assert!(out == sealed_at_once(&pt, true));
    }
}
