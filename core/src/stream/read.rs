//! The streaming opener: a sealed stream in, [`std::io::Read`] of authenticated plaintext
//! out, in bounded memory.

use std::io::{self, Read};

use zeroize::{Zeroize, Zeroizing};

use super::{
    Buffers, ChunkCounter, ChunkRun, HEADER_LEN, Header, OpenOptions, StreamKey, open_run,
    opened_len, peak_bytes, plan_batches, verify_header,
};
use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, TAG_LEN, resize_wiping};
use crate::{Error, Result};

/// Opens a sealed stream read from `R`, yielding only authenticated plaintext.
///
/// [`Opener::new`] reads the header and checks the key commitment before anything else.
/// Chunks are then read a batch at a time (one byte of look-ahead tells the final chunk
/// apart) and opened, on all cores when the options say so. Plaintext released before an
/// error is exactly the chunks that authenticated in position; the error comes next, and
/// every read after it returns it again. End of file (`Ok(0)`) is returned only after the
/// final chunk has authenticated.
///
/// Errors come out of `read` as [`io::Error`]s; [`Error::from_io`] recovers the
/// Keepsake error.
///
/// **Memory** (SPEC.md 3.8; checked by a counting allocator in `tests/stream_memory.rs`):
/// with `c` the chunk size the header names and `B` the chunks of a batch
/// (`max(BATCH_BYTES / c, min(threads, MAX_BATCH_THREADS))` when parallel,
/// `max(SEQUENTIAL_BATCH_BYTES / c, 1)` when not), the buffers peak at
/// `k·(B·(c + 16) + 1) + B·c` bytes, `k` = 2 when parallel (the next batch is read while
/// this one opens), 1 when not; the `B·c` of plaintext is not allocated while every `read`
/// is given at least `B·c` bytes. 96 MiB for 4 MiB chunks on 8 threads, 3 MiB for 64 KiB
/// chunks in parallel, whatever follows the header. The first batch's buffer grows only as
/// the stream delivers data, so a short stream costs little whatever chunk size it claims.
pub struct Opener<R: Read> {
    inner: R,
    header: Header,
    aead: ChunkAead,
    counter: ChunkCounter,
    chunk: usize,
    batch: usize,
    /// Ciphertext of one batch plus one byte of look-ahead, reused: `sealed[..filled]`.
    /// Its length only grows (to a batch), so a reused buffer is not zeroed again.
    sealed: Vec<u8>,
    filled: usize,
    /// Parallel only: the next batch's ciphertext, read while the current one is opened.
    ahead: Vec<u8>,
    /// Authenticated plaintext not yet read: `plain[pos..]`.
    plain: Zeroizing<Vec<u8>>,
    pos: usize,
    parallel: bool,
    /// An error found after the plaintext now buffered, returned once that is read.
    pending: Option<Error>,
    failed: Option<Error>,
    done: bool,
}

impl<R: Read> Opener<R> {
    /// Reads the header from `inner` and checks that the stream is media item `media_id`'s
    /// rendition `kind` under `key`.
    ///
    /// # Errors
    /// Header errors as [`Header::parse`], [`Error::DecryptionFailed`] when the commitment
    /// does not match, [`Error::Io`].
    pub fn new(key: &MediaKey, media_id: &MediaId, kind: MediaKind, inner: R) -> Result<Self> {
        Self::with_options(key, media_id, kind, inner, &OpenOptions::default())
    }

    /// [`Opener::new`] with explicit options.
    ///
    /// # Errors
    /// As [`Opener::new`].
    pub fn with_options(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        inner: R,
        options: &OpenOptions,
    ) -> Result<Self> {
        Self::with_key(StreamKey::Media(key), media_id, kind, inner, options)
    }

    /// [`Opener::with_options`] with a media key or a part key (SPEC.md 5.11).
    pub(crate) fn with_key(
        key: StreamKey<'_>,
        media_id: &MediaId,
        kind: MediaKind,
        mut inner: R,
        options: &OpenOptions,
    ) -> Result<Self> {
        let mut header_bytes = [0u8; HEADER_LEN];
        let got = read_full(&mut inner, &mut header_bytes)?;
        let header = Header::parse(&header_bytes[..got])?;
        let aead = verify_header(key, media_id, kind, &header)?;
        let chunk = header.chunk_size();
        let (batch, parallel) = plan_batches(
            Buffers::Opener,
            chunk,
            options.parallel,
            options.memory_budget,
        )?;
        Ok(Self {
            inner,
            header,
            aead,
            counter: ChunkCounter::default(),
            chunk,
            batch,
            // Both grow to a batch only as the stream delivers data.
            sealed: Vec::new(),
            filled: 0,
            ahead: Vec::new(),
            plain: Zeroizing::new(Vec::new()),
            pos: 0,
            parallel,
            pending: None,
            failed: None,
            done: false,
        })
    }

    /// The stream's header (its fields were checked against the key).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The bytes this opener's buffers can reach (SPEC.md 3.8), within the options' memory
    /// budget if one was set.
    pub fn peak_memory(&self) -> usize {
        peak_bytes(Buffers::Opener, self.chunk, self.batch, self.parallel)
    }

    /// Chunks read so far (authenticated or not yet checked).
    pub fn chunks_read(&self) -> u64 {
        self.counter.position()
    }

    /// Reads the next batch's ciphertext into `sealed` and reserves its chunks. Returns
    /// the length of the batch's chunks in `sealed` (a look-ahead byte may follow), their
    /// run, and whether they end the stream.
    fn read_batch(&mut self) -> Result<(usize, ChunkRun)> {
        let stride = self.chunk + TAG_LEN;
        let want = self.batch * stride + 1;
        let got = read_growing(&mut self.inner, &mut self.sealed, &mut self.filled, want)?;
        let ends_stream = got < want;
        let body = if ends_stream { got } else { want - 1 };
        if body == 0 {
            // Nothing after the header (a carried look-ahead byte makes body >= 1 later).
            return Err(Error::TruncatedStream);
        }
        let count = body.div_ceil(stride);
        let run = self.counter.reserve(count as u64, ends_stream)?;
        Ok((body, run))
    }

    /// Opens the batch [`Opener::read_batch`] read into `out` (exactly its plaintext
    /// length) and keeps the look-ahead byte. Returns how many bytes of `out` are
    /// authentic plaintext; the rest of `out` is wiped and the error kept for the next read.
    ///
    /// In parallel, unless the batch ends the stream, the next batch's ciphertext is read
    /// on this thread while this one is opened on the thread pool, so that reading overlaps
    /// with opening. An error reading it is kept until this batch's plaintext is read.
    fn open_batch(&mut self, body: usize, run: &ChunkRun, out: &mut [u8]) -> usize {
        let parallel = self.parallel && run.count() > 1;
        let (opened, read_ahead) = if parallel && !run.ends_stream() {
            self.open_reading_ahead(body, run, out)
        } else {
            let opened = open_run(
                &self.aead,
                run,
                self.chunk,
                (&[], &self.sealed[..body]),
                out,
                parallel,
            );
            self.sealed.copy_within(body..self.filled, 0);
            self.filled -= body;
            (opened, Ok(0))
        };
        let good = match opened {
            Ok(()) => {
                if let Err(err) = read_ahead {
                    self.pending = Some(err);
                }
                out.len()
            }
            Err((chunks, err)) => {
                self.pending = Some(err);
                // Parallel opening may have decrypted chunks after the failing one.
                let good = chunks * self.chunk;
                out[good..].zeroize();
                good
            }
        };
        if run.ends_stream() {
            self.done = true;
            self.filled = 0;
        }
        good
    }

    /// [`Opener::open_batch`]'s parallel case: opens `sealed[..body]` into `out` on the
    /// pool while reading the next batch (after the carried look-ahead byte) into `ahead`,
    /// which then becomes `sealed`.
    fn open_reading_ahead(
        &mut self,
        body: usize,
        run: &ChunkRun,
        out: &mut [u8],
    ) -> (std::result::Result<(), (usize, Error)>, Result<usize>) {
        let carried = self.filled - body;
        let want = self.batch * (self.chunk + TAG_LEN) + 1;
        // This batch was full, so the stream has delivered a batch: the next one's buffer
        // is made whole at once (exact, not grown: SPEC.md 3.8's peak).
        if self.ahead.len() < want {
            self.ahead.reserve_exact(want - self.ahead.len());
            self.ahead.resize(want, 0);
        }
        self.ahead[..carried].copy_from_slice(&self.sealed[body..self.filled]);
        let mut ahead_filled = carried;
        let (aead, chunk, sealed) = (&self.aead, self.chunk, &self.sealed[..body]);
        let (inner, ahead) = (&mut self.inner, &mut self.ahead);
        let mut opened = Ok(());
        let read_ahead = rayon::in_place_scope(|scope| {
            scope.spawn(|_| opened = open_run(aead, run, chunk, (&[], sealed), out, true));
            read_growing(inner, ahead, &mut ahead_filled, want)
        });
        std::mem::swap(&mut self.sealed, &mut self.ahead);
        self.filled = ahead_filled;
        (opened, read_ahead)
    }

    /// Reads and opens the next batch into `plain`.
    fn next_batch(&mut self) -> Result<()> {
        let (body, run) = self.read_batch()?;
        let mut plain = std::mem::take(&mut self.plain);
        plain.clear();
        resize_wiping(&mut plain, opened_len(body, self.chunk));
        let good = self.open_batch(body, &run, &mut plain);
        plain.truncate(good);
        self.plain = plain;
        self.pos = 0;
        Ok(())
    }

    /// Reads and opens the next batch straight into `buf` when a whole batch of plaintext
    /// fits there, saving the copy through `plain`. `None` when it does not fit.
    fn next_batch_into(&mut self, buf: &mut [u8]) -> Option<Result<usize>> {
        if buf.len() < self.batch * self.chunk {
            return None;
        }
        Some(self.read_batch().map(|(body, run)| {
            let len = opened_len(body, self.chunk);
            self.open_batch(body, &run, &mut buf[..len])
        }))
    }
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.plain.len() {
                let n = buf.len().min(self.plain.len() - self.pos);
                buf[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Some(err) = self.pending.take() {
                self.failed = Some(err);
            }
            if let Some(err) = &self.failed {
                return Err(err.replay().into_io());
            }
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            match self.next_batch_into(buf) {
                Some(Ok(0)) => {} // the first chunk failed: its error is pending
                Some(Ok(n)) => return Ok(n),
                Some(Err(err)) => self.failed = Some(err),
                None => {
                    if let Err(err) = self.next_batch() {
                        self.failed = Some(err);
                    }
                }
            }
        }
    }
}

impl<R: Read> std::fmt::Debug for Opener<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("header", &self.header)
            .field("chunks_read", &self.counter.position())
            .field("failed", &self.failed.is_some())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Reads into `buf[*filled..]` until `limit` bytes are filled or the reader ends; returns
/// the new `*filled`. `buf` grows only when it is too short, and only as data arrives (so a
/// short stream, whatever chunk size its header claims, costs a small allocation), through
/// the sizes `limit / 2^k` (at least 16 KiB) and always to an exact capacity: a buffer never
/// holds more than `limit` bytes, and its last growth copies at most half of it (SPEC.md
/// 3.8). Bytes past `*filled` are scratch, so a buffer reused from batch to batch is not
/// zeroed again.
fn read_growing(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    filled: &mut usize,
    limit: usize,
) -> Result<usize> {
    const START: usize = 16 * 1024;
    loop {
        let len = *filled;
        if len == limit {
            return Ok(len);
        }
        // The smallest `limit / 2^k` above what is filled, or all of a buffer grown earlier.
        let mut target = limit;
        while target / 2 > len && target / 2 >= START {
            target /= 2;
        }
        let target = target.max(buf.len()).min(limit);
        if buf.len() < target {
            buf.reserve_exact(target - buf.len());
            buf.resize(target, 0);
        }
        let got = read_full(reader, &mut buf[len..target])?;
        *filled = len + got;
        if *filled < target {
            return Ok(*filled);
        }
    }
}

/// Reads until `buf` is full or end of file; returns the bytes read. Retries on
/// [`io::ErrorKind::Interrupted`].
pub(crate) fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io(e)),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::batch_chunks;

    /// Reads the header, then reports a cancellation from below.
    struct Cancelling(std::io::Cursor<Vec<u8>>);

    impl Read for Cancelling {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.position() >= HEADER_LEN as u64 {
                return Err(io::Error::other(Error::Cancelled));
            }
            let n = buf.len().min(HEADER_LEN - self.0.position() as usize);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn a_cancelled_opener_fails_instead_of_spinning() {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        let sealed = crate::stream::seal(&key, &id, MediaKind::Original, &[5; 1000]).unwrap();
        let mut opener = Opener::new(
            &key,
            &id,
            MediaKind::Original,
            Cancelling(io::Cursor::new(sealed)),
        )
        .unwrap();
        let mut out = Vec::new();
        // read_to_end retries ErrorKind::Interrupted forever; it must return here.
        let err = opener.read_to_end(&mut out).unwrap_err();
        assert!(matches!(Error::from_io(err), Error::Cancelled));
        assert!(out.is_empty());
    }

    /// A sealed object of `len` bytes in 256-byte chunks, and its plaintext.
    fn object(len: usize) -> (Vec<u8>, Vec<u8>) {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        let pt: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
        let options = crate::stream::SealOptions::new()
            .with_chunk_size_log2(8)
            .unwrap();
        let sealed =
            crate::stream::seal_with(&key, &id, MediaKind::Original, &pt, &options).unwrap();
        (pt, sealed)
    }

    fn opener(sealed: &[u8], parallel: bool) -> Opener<&[u8]> {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        let options = OpenOptions::default().with_parallel(parallel);
        Opener::with_options(&key, &id, MediaKind::Original, sealed, &options).unwrap()
    }

    /// Gives at most 1000 bytes a call, and is interrupted (`EINTR`) before every read.
    struct Stuttering<'a> {
        data: &'a [u8],
        interrupt: bool,
    }

    impl Read for Stuttering<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(1000);
            self.data.read(&mut buf[..n])
        }
    }

    #[test]
    fn interrupted_and_short_reads_are_retried() {
        let (pt, sealed) = object(5000);
        for parallel in [false, true] {
            let key = MediaKey::from_bytes([1; 32]);
            let id = MediaId::from_bytes([2; 16]);
            let source = Stuttering {
                data: &sealed,
                interrupt: false,
            };
            let options = OpenOptions::default().with_parallel(parallel);
            let mut opener =
                Opener::with_options(&key, &id, MediaKind::Original, source, &options).unwrap();
            let mut out = Vec::new();
            opener.read_to_end(&mut out).unwrap();
            assert!(out == pt, "parallel {parallel}");
        }
        let mut source = Stuttering {
            data: &sealed,
            interrupt: false,
        };
        let mut buf = vec![0; sealed.len() + 10];
        assert_eq!(read_full(&mut source, &mut buf).unwrap(), sealed.len());
        assert!(buf[..sealed.len()] == sealed[..]);
    }

    #[test]
    fn chunks_read_counts_the_chunks_taken_from_the_stream() {
        let (_, sealed) = object(10 * 256 + 5);
        let mut opener = opener(&sealed, false);
        assert_eq!(opener.chunks_read(), 0);
        std::io::copy(&mut opener, &mut std::io::sink()).unwrap();
        assert_eq!(opener.chunks_read(), 11);
    }

    #[test]
    fn reads_into_large_buffers_open_straight_into_them() {
        for parallel in [false, true] {
            let batch = batch_chunks(256, parallel) * 256;
            for len in [0, 1, batch - 1, batch, batch + 1, 3 * batch + 99] {
                let (pt, sealed) = object(len);
                // Buffers smaller than, equal to and larger than a batch of plaintext.
                for size in [batch - 1, batch, batch + 300, 4 * batch] {
                    let mut opener = opener(&sealed, parallel);
                    let mut out = Vec::new();
                    let mut buf = vec![0u8; size];
                    loop {
                        let n = opener.read(&mut buf).unwrap();
                        if n == 0 {
                            break;
                        }
                        assert!(n <= size);
                        out.extend_from_slice(&buf[..n]);
                    }
                    assert!(out == pt, "len {len}, buffer {size}, parallel {parallel}");
                }
            }
        }
    }

    #[test]
    fn a_read_into_a_large_buffer_releases_only_the_authentic_prefix() {
        for parallel in [false, true] {
            let batch = batch_chunks(256, parallel) * 256;
            let (pt, mut sealed) = object(3 * batch);
            // Corrupt chunk 5 of the second batch.
            let bad = batch / 256 + 5;
            sealed[HEADER_LEN + bad * (256 + TAG_LEN) + 10] ^= 1;
            let mut opener = opener(&sealed, parallel);
            let mut buf = vec![0xAAu8; 2 * batch];
            assert_eq!(opener.read(&mut buf).unwrap(), batch);
            assert!(buf[..batch] == pt[..batch]);
            buf.fill(0xAA);
            assert_eq!(opener.read(&mut buf).unwrap(), 5 * 256);
            assert!(buf[..5 * 256] == pt[batch..batch + 5 * 256]);
            // Nothing past the authentic prefix is left in the caller's buffer: chunks
            // after the bad one (opened in parallel) are wiped, the rest never written.
            let tail = &buf[5 * 256..];
            assert!(tail.iter().all(|&b| b == 0 || b == 0xAA));
            assert!(tail[..batch - 5 * 256].iter().all(|&b| b == 0));
            for _ in 0..2 {
                let err = opener.read(&mut buf).unwrap_err();
                assert!(matches!(Error::from_io(err), Error::DecryptionFailed));
            }
        }
    }

    /// Gives `limit` bytes of `data`, then fails.
    struct FailingAfter<'a> {
        data: &'a [u8],
        limit: usize,
    }

    impl Read for FailingAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.limit == 0 {
                return Err(io::Error::other("disk gone"));
            }
            let n = buf.len().min(self.limit).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.limit -= n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_while_reading_ahead_comes_after_the_batch_before_it() {
        let key = MediaKey::from_bytes([1; 32]);
        let id = MediaId::from_bytes([2; 16]);
        for parallel in [false, true] {
            let batch = batch_chunks(256, parallel) * 256;
            let batch_ct = batch / 256 * (256 + TAG_LEN);
            let (pt, sealed) = object(3 * batch);
            // The reader fails inside the second batch, and right after the first.
            for limit in [HEADER_LEN + batch_ct + 1000, HEADER_LEN + batch_ct + 1] {
                let reader = FailingAfter {
                    data: &sealed,
                    limit,
                };
                let options = OpenOptions::default().with_parallel(parallel);
                let mut opener =
                    Opener::with_options(&key, &id, MediaKind::Original, reader, &options).unwrap();
                let mut out = Vec::new();
                let err = opener.read_to_end(&mut out).unwrap_err();
                assert!(out == pt[..batch], "parallel {parallel}, limit {limit}");
                assert_eq!(err.to_string(), "disk gone");
                assert!(opener.read(&mut [0; 10]).is_err());
            }
        }
    }
}
