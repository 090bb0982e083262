//! The streaming sealer: [`std::io::Write`] in, a sealed stream out, in bounded memory.

use std::io::{self, Write};

use zeroize::Zeroizing;

use super::{
    ChunkCounter, HEADER_LEN, SealOptions, batch_chunks, new_header, random_salt, seal_run,
};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, TAG_LEN, extend_wiping};
use crate::{Error, Result};

/// Seals a stream of plaintext written to it, writing the sealed stream to `W`.
///
/// Plaintext is buffered up to one batch of chunks (about
/// [`BATCH_BYTES`](super::BATCH_BYTES)); a full batch is sealed, on all cores when the options
/// say so, as soon as more plaintext arrives, because a chunk can only be sealed once it is
/// known not to be the last. [`Sealer::finish`] seals the rest, marks the final chunk and
/// returns the writer. A sealer dropped without `finish` leaves a stream that every opener
/// refuses as truncated.
///
/// After any error, every further call returns that error again.
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
    parallel: bool,
    failed: Option<Error>,
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
        let header_bytes: [u8; HEADER_LEN] = header.to_bytes();
        inner.write_all(&header_bytes)?;
        let chunk = header.chunk_size();
        let batch = batch_chunks(chunk, options.parallel());
        Ok(Self {
            inner,
            aead,
            counter: ChunkCounter::default(),
            chunk,
            // Both grow to a batch only as plaintext arrives.
            pending: Zeroizing::new(Vec::new()),
            batch,
            sealed: Vec::new(),
            parallel: options.parallel(),
            failed: None,
        })
    }

    /// Seals the pending plaintext and writes it out. Every pending chunk is full unless
    /// `ends_stream`.
    fn seal_pending(&mut self, ends_stream: bool) -> Result<()> {
        let count = self.pending.len().div_ceil(self.chunk).max(1);
        let run = self.counter.reserve(count as u64, ends_stream)?;
        self.sealed.clear();
        self.sealed.resize(self.pending.len() + count * TAG_LEN, 0);
        seal_run(
            &self.aead,
            &run,
            self.chunk,
            &self.pending,
            &mut self.sealed,
            self.parallel && count > 1,
        );
        self.pending.clear();
        self.inner.write_all(&self.sealed)?;
        Ok(())
    }

    fn check(&self) -> Result<()> {
        match &self.failed {
            Some(err) => Err(err.replay()),
            None => Ok(()),
        }
    }

    fn record<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(err) = &result {
            self.failed = Some(err.replay());
        }
        result
    }

    /// Seals what is left, marks the final chunk, flushes and returns the writer.
    ///
    /// # Errors
    /// The earlier error if the sealer had failed, or [`Error::Io`].
    pub fn finish(mut self) -> Result<W> {
        self.check()?;
        self.seal_pending(true)?;
        self.inner.flush()?;
        Ok(self.inner)
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
    /// Buffers `buf`, sealing full batches as they become known not to hold the last chunk.
    /// Always consumes all of `buf` or fails.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check().map_err(Error::into_io)?;
        let capacity = self.batch * self.chunk;
        let mut rest = buf;
        while !rest.is_empty() {
            if self.pending.len() == capacity {
                let sealed = self.seal_pending(false);
                self.record(sealed).map_err(Error::into_io)?;
            }
            let take = rest.len().min(capacity - self.pending.len());
            extend_wiping(&mut self.pending, &rest[..take]);
            rest = &rest[take..];
        }
        Ok(buf.len())
    }

    /// Flushes the sealed bytes written so far to the inner writer. Plaintext of a chunk
    /// that may still be the last stays buffered until more arrives or
    /// [`Sealer::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.check().map_err(Error::into_io)?;
        let flushed = self.inner.flush().map_err(Error::Io);
        self.record(flushed).map_err(Error::into_io)
    }
}

impl<W: Write> std::fmt::Debug for Sealer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("chunk", &self.chunk)
            .field("chunks_sealed", &self.counter.position())
            .field("failed", &self.failed.is_some())
            .finish_non_exhaustive()
    }
}
