//! Sealed media streams (SPEC.md, section 3 "Media stream").
//!
//! A sealed object is an 88-byte [`Header`] followed by chunks. Chunk *i* is
//! `ChaCha20-Poly1305(payload key, nonce = i as 11-byte big-endian || last flag, aad = "")`
//! over at most `2^chunk_log2` plaintext bytes, and the keys come from
//!
//! ```text
//! payload_key || commitment = HKDF-SHA256[salt = header.salt,
//!                                         info = LABEL_PAYLOAD || header[0..24]](media key, 64)
//! ```
//!
//! Opening recomputes the commitment over the header, compares it in constant time, and
//! checks that the header names the media id and kind the caller expects, before touching
//! a chunk.
//!
//! This module holds the format and the chunk batches shared by every API; the APIs are
//! the one-shot [`seal`] / [`open`], the streaming [`Sealer`] / [`Opener`], and
//! [`open_range`].

mod oneshot;
mod options;
mod push;
mod push_seal;
mod range;
mod read;
mod write;

pub(crate) use oneshot::open_with_key;
#[cfg(feature = "hazmat")]
pub(crate) use oneshot::seal_part_with_salt;
#[cfg(any(test, feature = "hazmat"))]
pub(crate) use oneshot::seal_with_salt;
pub use oneshot::{open, open_into, open_with, seal, seal_into, seal_part, seal_with};
pub use options::{OpenOptions, SealOptions};
pub use push::PushOpener;
pub use push_seal::PushSealer;
pub(crate) use range::open_range_with_key;
pub use range::{RANGE_RESERVE, RangePlan, open_range, plaintext_len};
pub use read::Opener;
pub use write::Sealer;

use rayon::prelude::*;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::keys::{ID_LEN, MediaId, MediaKey, MediaKind};
use crate::primitives::{ChunkAead, KEY_LEN, NONCE_LEN, TAG_LEN, fill_random};
use crate::{Error, Result};

/// The first four bytes of every sealed media stream.
pub const MAGIC: [u8; 4] = *b"KSMS";
/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Suite 1: HKDF-SHA256 key schedule, ChaCha20-Poly1305 chunks.
pub const SUITE_CHACHA20POLY1305: u8 = 1;
/// Smallest chunk: 2^8 = 256 bytes.
pub const MIN_CHUNK_LOG2: u8 = 8;
/// Largest chunk: 2^22 = 4 MiB (bounds the memory an opener allocates per chunk).
pub const MAX_CHUNK_LOG2: u8 = 22;
/// Default chunk: 2^16 = 64 KiB.
pub const DEFAULT_CHUNK_LOG2: u8 = 16;
/// Length of the random per-object salt.
pub const SALT_LEN: usize = 32;
/// Length of the key commitment.
pub const COMMITMENT_LEN: usize = 32;
/// Length of the header bytes bound into the key schedule (magic through media id).
pub const CONTEXT_LEN: usize = 4 + 1 + 1 + 1 + 1 + ID_LEN;
/// Length of the whole header.
pub const HEADER_LEN: usize = CONTEXT_LEN + SALT_LEN + COMMITMENT_LEN;
/// HKDF info label of the payload key and commitment.
pub const LABEL_PAYLOAD: &[u8] = b"keepsake/v1/media-stream";
/// One-shot inputs at least this large are sealed and opened on all cores.
pub const PARALLEL_MIN_BYTES: usize = 256 * 1024;
/// Parallel streaming objects buffer about this much plaintext per batch (at least one
/// chunk per thread, for at most [`MAX_BATCH_THREADS`] threads).
pub const BATCH_BYTES: usize = 1 << 20;
/// Sequential streaming objects buffer about this much plaintext per batch (at least one
/// chunk).
pub const SEQUENTIAL_BATCH_BYTES: usize = 256 * 1024;
/// Most threads a streaming batch is sized for, so a machine with many cores does not make
/// every stream buffer many chunks.
pub const MAX_BATCH_THREADS: usize = 8;

/// The public header of a sealed media stream. Nothing in it is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    chunk_log2: u8,
    kind: MediaKind,
    media_id: MediaId,
    salt: [u8; SALT_LEN],
    commitment: [u8; COMMITMENT_LEN],
}

impl Header {
    /// Parses the first [`HEADER_LEN`] bytes of `bytes` (more may follow). Fields are
    /// checked in order and the first failure is reported. Checks no key.
    ///
    /// # Errors
    /// [`Error::BadMagic`], [`Error::UnsupportedVersion`], [`Error::UnsupportedSuite`],
    /// [`Error::ChunkSizeOutOfRange`], [`Error::UnknownKind`], and
    /// [`Error::TruncatedHeader`] when the input ends before a field.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let truncated = || Error::TruncatedHeader {
            needed: HEADER_LEN,
            got: bytes.len(),
        };
        let field = |at: usize| bytes.get(at).copied().ok_or_else(truncated);
        if bytes.get(..4).ok_or_else(truncated)? != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = field(4)?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let suite = field(5)?;
        if suite != SUITE_CHACHA20POLY1305 {
            return Err(Error::UnsupportedSuite(suite));
        }
        let chunk_log2 = check_chunk_log2(field(6)?)?;
        let kind = MediaKind::from_byte(field(7)?)?;
        let header = bytes.get(..HEADER_LEN).ok_or_else(truncated)?;
        let media_id = MediaId::from_slice(&header[8..CONTEXT_LEN])?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&header[CONTEXT_LEN..CONTEXT_LEN + SALT_LEN]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&header[CONTEXT_LEN + SALT_LEN..]);
        Ok(Self {
            chunk_log2,
            kind,
            media_id,
            salt,
            commitment,
        })
    }

    /// The serialized header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..CONTEXT_LEN].copy_from_slice(&context(self.chunk_log2, self.kind, &self.media_id));
        out[CONTEXT_LEN..CONTEXT_LEN + SALT_LEN].copy_from_slice(&self.salt);
        out[CONTEXT_LEN + SALT_LEN..].copy_from_slice(&self.commitment);
        out
    }

    /// log2 of the chunk size.
    pub fn chunk_size_log2(&self) -> u8 {
        self.chunk_log2
    }

    /// The chunk size in bytes.
    pub fn chunk_size(&self) -> usize {
        1 << self.chunk_log2
    }

    /// The kind the header claims (authenticated only once a key has checked it).
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The media id the header claims (authenticated only once a key has checked it).
    pub fn media_id(&self) -> MediaId {
        self.media_id
    }

    /// The random salt.
    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    /// The key commitment.
    pub fn commitment(&self) -> &[u8; COMMITMENT_LEN] {
        &self.commitment
    }
}

fn check_chunk_log2(log2: u8) -> Result<u8> {
    if (MIN_CHUNK_LOG2..=MAX_CHUNK_LOG2).contains(&log2) {
        Ok(log2)
    } else {
        Err(Error::ChunkSizeOutOfRange(log2))
    }
}

/// `header[0..24]`: magic, version, suite, chunk_log2, kind, media id.
fn context(chunk_log2: u8, kind: MediaKind, media_id: &MediaId) -> [u8; CONTEXT_LEN] {
    let mut out = [0u8; CONTEXT_LEN];
    out[..4].copy_from_slice(&MAGIC);
    out[4] = VERSION;
    out[5] = SUITE_CHACHA20POLY1305;
    out[6] = chunk_log2;
    out[7] = kind.to_byte();
    out[8..].copy_from_slice(media_id.as_bytes());
    out
}

/// `payload_key || commitment = HKDF-SHA256[salt, LABEL_PAYLOAD || context](media key, 64)`.
pub(crate) fn key_schedule_bytes(
    key: &MediaKey,
    context: &[u8; CONTEXT_LEN],
    salt: &[u8; SALT_LEN],
) -> (Zeroizing<[u8; KEY_LEN]>, [u8; COMMITMENT_LEN]) {
    crate::primitives::key_and_commitment(salt, key.secret(), &[LABEL_PAYLOAD, context])
}

fn key_schedule(
    key: &MediaKey,
    context: &[u8; CONTEXT_LEN],
    salt: &[u8; SALT_LEN],
) -> (ChunkAead, [u8; COMMITMENT_LEN]) {
    let (payload_key, commitment) = key_schedule_bytes(key, context, salt);
    (ChunkAead::new(&payload_key), commitment)
}

/// The exact size of a sealed object holding `plaintext_len` bytes in chunks of
/// `2^chunk_log2` bytes: header, plus a 16-byte tag per chunk, at least one chunk.
///
/// # Errors
/// [`Error::ChunkSizeOutOfRange`] for a chunk size outside the format's range;
/// [`Error::TooLarge`] if the size does not fit in 64 bits.
pub fn sealed_len(plaintext_len: u64, chunk_log2: u8) -> Result<u64> {
    let chunk_log2 = check_chunk_log2(chunk_log2)?;
    let chunks = plaintext_len.div_ceil(1u64 << chunk_log2).max(1);
    chunks
        .checked_mul(TAG_LEN as u64)
        .and_then(|tags| tags.checked_add(HEADER_LEN as u64))
        .and_then(|overhead| overhead.checked_add(plaintext_len))
        .ok_or(Error::TooLarge {
            what: "sealed object",
            len: plaintext_len,
            max: u64::MAX,
        })
}

/// The nonce of chunk `index`: the index as 11 big-endian bytes, then the last flag.
/// Private: only [`ChunkRun`] makes nonces, so no caller can build a wrong one.
fn chunk_nonce(index: u64, last: bool) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[3..11].copy_from_slice(&index.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// A run of consecutive chunks: indices `first..first + count`, the final one being the
/// stream's last chunk when `ends_stream`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkRun {
    first: u64,
    count: u64,
    ends_stream: bool,
}

impl ChunkRun {
    /// A run at a chosen position (range reads).
    pub(crate) fn at(first: u64, count: u64, ends_stream: bool) -> Result<Self> {
        first.checked_add(count).ok_or(Error::StreamTooLong)?;
        Ok(Self {
            first,
            count,
            ends_stream,
        })
    }

    /// How many chunks the run holds.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Whether the run's final chunk is the stream's last.
    pub(crate) fn ends_stream(&self) -> bool {
        self.ends_stream
    }

    fn is_last(&self, k: usize) -> bool {
        self.ends_stream && k as u64 + 1 == self.count
    }

    fn index(&self, k: usize) -> u64 {
        self.first + k as u64
    }
}

/// Hands out chunk indices in order for a sequential stream. Refuses any chunk after the
/// last one and counter overflow, so a nonce is never reused.
#[derive(Debug, Default)]
pub(crate) struct ChunkCounter {
    next: u64,
    finished: bool,
}

impl ChunkCounter {
    /// Reserves the next `count` chunks; `ends_stream` makes the final one the last chunk.
    /// After the last chunk every reservation fails: for an opener that is data after the
    /// final chunk ([`Error::TrailingData`]); a sealer cannot reach it (`finish` consumes it).
    pub(crate) fn reserve(&mut self, count: u64, ends_stream: bool) -> Result<ChunkRun> {
        if self.finished {
            return Err(Error::TrailingData);
        }
        let run = ChunkRun::at(self.next, count, ends_stream)?;
        self.next += count;
        self.finished = ends_stream;
        Ok(run)
    }

    /// How many chunks have been handed out.
    pub(crate) fn position(&self) -> u64 {
        self.next
    }
}

/// Seals `head` then `input` as the chunks of `run` into `output`, which holds exactly
/// `head.len() + input.len() + TAG_LEN * run.count` bytes. `head` is whole chunks of
/// `chunk` bytes (a sealer's buffered plaintext, possibly empty); `input` is whole chunks,
/// the last possibly short, and is empty with an empty `head` only for a lone empty final
/// chunk. Taking the two apart lets a sealer seal a batch that starts in its own buffer
/// and goes on in the caller's without copying the caller's part.
///
/// `hashes` is empty, or one slot per chunk: each chunk's provenance hash (SPEC.md 5.10)
/// is written there by the worker that sealed it, right after sealing (still in cache).
pub(crate) fn seal_run(
    aead: &ChunkAead,
    run: &ChunkRun,
    chunk: usize,
    (head, input): (&[u8], &[u8]),
    output: &mut [u8],
    hashes: &mut [[u8; 32]],
    parallel: bool,
) {
    debug_assert_eq!(head.len() % chunk, 0);
    debug_assert_eq!(
        output.len(),
        head.len() + input.len() + TAG_LEN * run.count as usize
    );
    debug_assert!(hashes.is_empty() || hashes.len() == run.count as usize);
    let job = |k: usize, pt: &[u8], ct: &mut [u8], hash: Option<&mut [u8; 32]>| {
        let (body, tag) = ct.split_at_mut(pt.len());
        tag.copy_from_slice(&aead.seal(&chunk_nonce(run.index(k), run.is_last(k)), b"", pt, body));
        if let Some(hash) = hash {
            *hash = crate::provenance::chunk_hash(run.index(k), ct);
        }
    };
    if head.is_empty() && input.is_empty() {
        job(0, input, output, hashes.first_mut());
    } else if parallel && run.count > 1 {
        let chunks = head
            .par_chunks(chunk)
            .chain(input.par_chunks(chunk))
            .zip(output.par_chunks_mut(chunk + TAG_LEN));
        if hashes.is_empty() {
            chunks
                .enumerate()
                .for_each(|(k, (pt, ct))| job(k, pt, ct, None));
        } else {
            chunks
                .zip(hashes.par_iter_mut())
                .enumerate()
                .for_each(|(k, ((pt, ct), hash))| job(k, pt, ct, Some(hash)));
        }
    } else {
        let mut hashes = hashes.iter_mut();
        head.chunks(chunk)
            .chain(input.chunks(chunk))
            .zip(output.chunks_mut(chunk + TAG_LEN))
            .enumerate()
            .for_each(|(k, (pt, ct))| job(k, pt, ct, hashes.next()));
    }
}

/// The plaintext length of `ct_len` bytes of whole chunks (the last possibly short).
pub(crate) fn opened_len(ct_len: usize, chunk: usize) -> usize {
    let stride = chunk + TAG_LEN;
    let count = ct_len.div_ceil(stride);
    let last = ct_len - count.saturating_sub(1) * stride;
    count.saturating_sub(1) * chunk + last.saturating_sub(TAG_LEN)
}

/// Opens the ciphertext chunks of `run`, `head` (whole chunks, e.g. one completed in a
/// buffer) then `input` (e.g. the caller's slice), into `output` (`opened_len` bytes of
/// both), as one run: on all cores when `parallel`, as [`seal_run`] takes its two parts.
///
/// On failure returns the number of chunks before the first failing one (their plaintext in
/// `output` is authentic) and that chunk's error, classified as SPEC.md, section 3.6 says.
pub(crate) fn open_run(
    aead: &ChunkAead,
    run: &ChunkRun,
    chunk: usize,
    (head, input): (&[u8], &[u8]),
    output: &mut [u8],
    parallel: bool,
) -> Result<(), (usize, Error)> {
    let stride = chunk + TAG_LEN;
    debug_assert_eq!(head.len() % stride, 0);
    let job = |k: usize, ct: &[u8], pt: &mut [u8]| -> Result<()> {
        let last = run.is_last(k);
        if ct.len() < TAG_LEN {
            return Err(Error::TruncatedStream);
        }
        if last && ct.len() == TAG_LEN && run.index(k) > 0 {
            return Err(Error::EmptyFinalChunk);
        }
        let (body, tag) = ct.split_at(ct.len() - TAG_LEN);
        let index = run.index(k);
        if aead
            .open(&chunk_nonce(index, last), b"", body, pt, tag)
            .is_ok()
        {
            return Ok(());
        }
        // Authentication failed. A full chunk that opens under the other flag tells us
        // which authentic structure was cut or extended; anything else stays opaque.
        if ct.len() == stride
            && aead
                .open(&chunk_nonce(index, !last), b"", body, pt, tag)
                .is_ok()
        {
            return Err(if last {
                Error::TruncatedStream
            } else {
                Error::TrailingData
            });
        }
        Err(Error::DecryptionFailed)
    };
    let failure = if parallel && run.count > 1 {
        head.par_chunks(stride)
            .chain(input.par_chunks(stride))
            .zip(output.par_chunks_mut(chunk))
            .enumerate()
            .find_map_first(|(k, (ct, pt))| job(k, ct, pt).err().map(|e| (k, e)))
    } else if head.is_empty() && input.len() <= TAG_LEN {
        // A lone chunk with no plaintext: `output` is empty, so chunks_mut would yield nothing.
        job(0, input, output).err().map(|e| (0, e))
    } else {
        head.chunks(stride)
            .chain(input.chunks(stride))
            .zip(output.chunks_mut(chunk))
            .enumerate()
            .find_map(|(k, (ct, pt))| job(k, ct, pt).err().map(|e| (k, e)))
    };
    // A final piece shorter than a tag has no plaintext slot, so the zips above never
    // visit it; check it here, after every chunk before it (it is in `input`: `head` holds
    // whole chunks).
    match failure {
        Some(failure) => Err(failure),
        None => {
            let visited = opened_len(head.len() + input.len(), chunk)
                .div_ceil(chunk)
                .max(1);
            if visited < run.count as usize {
                let tail = &input[visited * stride - head.len()..];
                job(visited, tail, &mut []).map_err(|e| (visited, e))
            } else {
                Ok(())
            }
        }
    }
}

/// The key of exactly one sealed stream (SPEC.md 5.11): the stream's whole header and its
/// payload key, the first half of the 3.3 key schedule's output. It opens the stream whose
/// header is byte-for-byte this one and nothing else; it cannot derive any other key.
pub(crate) struct StreamPartKey {
    header: [u8; HEADER_LEN],
    payload_key: Zeroizing<[u8; KEY_LEN]>,
}

impl StreamPartKey {
    /// A part key from its header and payload key (as a selection grant carries them).
    pub(crate) fn new(header: [u8; HEADER_LEN], payload_key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self {
            header,
            payload_key,
        }
    }

    /// Derives the part key of the stream whose header is `header` from its media key. The
    /// header is parsed and its commitment checked first, so a grantor never hands out a
    /// key for a header its media key did not seal.
    ///
    /// # Errors
    /// Header errors as [`Header::parse`]; [`Error::DecryptionFailed`] if the header's
    /// commitment is not the media key's.
    pub(crate) fn derive(key: &MediaKey, header_bytes: &[u8]) -> Result<Self> {
        let header = Header::parse(header_bytes)?;
        let context = context(header.chunk_log2, header.kind, &header.media_id);
        let (payload_key, commitment) = key_schedule_bytes(key, &context, &header.salt);
        if !bool::from(commitment.ct_eq(&header.commitment)) {
            return Err(Error::DecryptionFailed);
        }
        Ok(Self::new(header.to_bytes(), payload_key))
    }

    /// The header this key opens.
    pub(crate) fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// The payload key.
    pub(crate) fn payload_key(&self) -> &[u8; KEY_LEN] {
        &self.payload_key
    }
}

/// What opens a stream: a media key (every stream of its item) or a part key (one stream).
#[derive(Clone, Copy)]
pub(crate) enum StreamKey<'a> {
    /// The item's media key: the commitment is recomputed from the header.
    Media(&'a MediaKey),
    /// One stream's part key: the header must be the recorded one.
    Part(&'a StreamPartKey),
}

/// Checks a parsed header against the caller's key and expectations, and returns the chunk
/// cipher. With a media key the commitment, recomputed over the header's own bytes, must
/// match in constant time; with a part key the whole header must equal the one the key was
/// derived for (compared in constant time: the commitment, salt and every context field).
/// Either way the header must name the media id and kind the caller expects. Any mismatch
/// is the one opaque [`Error::DecryptionFailed`].
pub(crate) fn verify_header(
    key: StreamKey<'_>,
    media_id: &MediaId,
    kind: MediaKind,
    header: &Header,
) -> Result<ChunkAead> {
    let (aead, key_ok) = match key {
        StreamKey::Media(key) => {
            let (aead, commitment) = key_schedule(
                key,
                &context(header.chunk_log2, header.kind, &header.media_id),
                &header.salt,
            );
            (aead, commitment.ct_eq(&header.commitment))
        }
        StreamKey::Part(part) => (
            ChunkAead::new(part.payload_key()),
            header.to_bytes().ct_eq(part.header()),
        ),
    };
    let context_ok = header.media_id.as_bytes().ct_eq(media_id.as_bytes())
        & header.kind.to_byte().ct_eq(&kind.to_byte());
    if bool::from(key_ok & context_ok) {
        Ok(aead)
    } else {
        Err(Error::DecryptionFailed)
    }
}

/// Builds the header for a new object and its chunk cipher.
pub(crate) fn new_header(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    chunk_log2: u8,
    salt: [u8; SALT_LEN],
) -> (Header, ChunkAead) {
    let (aead, commitment) = key_schedule(key, &context(chunk_log2, kind, media_id), &salt);
    let header = Header {
        chunk_log2,
        kind,
        media_id: *media_id,
        salt,
        commitment,
    };
    (header, aead)
}

pub(crate) fn random_salt() -> Result<[u8; SALT_LEN]> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    Ok(salt)
}

/// The first error of a streaming object, returned again by every later call.
#[derive(Default)]
pub(crate) struct Sticky(Option<Error>);

impl Sticky {
    /// The earlier error, if any.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.0 {
            Some(err) => Err(err.replay()),
            None => Ok(()),
        }
    }

    /// Keeps `result`'s error, if it is one, for every later call.
    pub(crate) fn record<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(err) = &result {
            self.0 = Some(err.replay());
        }
        result
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

/// Chunks per streaming batch: about [`BATCH_BYTES`] (and a chunk per thread) when
/// parallel, about [`SEQUENTIAL_BATCH_BYTES`] when not, and always at least one chunk.
/// Buffers grow to this only as data arrives.
pub(crate) fn batch_chunks(chunk: usize, parallel: bool) -> usize {
    if parallel {
        let threads = rayon::current_num_threads().clamp(1, MAX_BATCH_THREADS);
        (BATCH_BYTES / chunk).max(threads)
    } else {
        (SEQUENTIAL_BATCH_BYTES / chunk).max(1)
    }
}

/// Which streaming object a memory plan is for.
#[derive(Clone, Copy)]
pub(crate) enum Buffers {
    /// [`Sealer`]: a batch of plaintext, and `k` batches of ciphertext.
    Sealer,
    /// [`Opener`]: `k` batches of ciphertext with a look-ahead byte each, and a batch of
    /// plaintext.
    Opener,
}

/// The bytes a streaming object's buffers peak at for batches of `batch` chunks of `chunk`
/// bytes (SPEC.md 3.8): `k` = 2 copies of a batch's ciphertext in parallel, else 1.
pub(crate) fn peak_bytes(buffers: Buffers, chunk: usize, batch: usize, parallel: bool) -> usize {
    let k = if parallel { 2 } else { 1 };
    let look_ahead = match buffers {
        Buffers::Sealer => 0,
        Buffers::Opener => 1,
    };
    let sealed = batch
        .saturating_mul(chunk + TAG_LEN)
        .saturating_add(look_ahead);
    sealed
        .saturating_mul(k)
        .saturating_add(batch.saturating_mul(chunk))
}

/// The batch size (chunks) and parallelism of a streaming object: [`batch_chunks`],
/// reduced to the largest batch whose peak fits `budget`, in parallel if at least two
/// chunks fit that way, else sequentially.
///
/// # Errors
/// [`Error::TooLarge`] when not even one chunk fits, sequentially: `len` is the bytes that
/// needs, `max` the budget.
pub(crate) fn plan_batches(
    buffers: Buffers,
    chunk: usize,
    parallel: bool,
    budget: Option<usize>,
) -> Result<(usize, bool)> {
    let Some(budget) = budget else {
        return Ok((batch_chunks(chunk, parallel), parallel));
    };
    let fits = |batch: usize, parallel: bool| peak_bytes(buffers, chunk, batch, parallel) <= budget;
    if parallel {
        let most = batch_chunks(chunk, true);
        if let Some(batch) = (2..=most).rev().find(|&b| fits(b, true)) {
            return Ok((batch, true));
        }
    }
    let most = batch_chunks(chunk, false);
    match (1..=most).rev().find(|&b| fits(b, false)) {
        Some(batch) => Ok((batch, false)),
        None => Err(Error::TooLarge {
            what: "streaming buffers of one chunk (memory budget)",
            len: peak_bytes(buffers, chunk, 1, false) as u64,
            max: budget as u64,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::oneshot::seal_into_with_salt;
    use super::*;
    use zeroize::Zeroizing;

    fn key() -> MediaKey {
        MediaKey::from_bytes([7; 32])
    }
    const ID: MediaId = MediaId::from_bytes([9; 16]);

    fn small() -> SealOptions {
        SealOptions::new().with_chunk_size_log2(8).unwrap()
    }

    #[test]
    fn nonce_layout() {
        assert_eq!(
            chunk_nonce(0x0102, true),
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1]
        );
        assert_eq!(chunk_nonce(u64::MAX, false)[3..11], [0xff; 8]);
    }

    #[test]
    fn counter_refuses_after_last_and_overflow() {
        let mut c = ChunkCounter::default();
        c.reserve(3, false).unwrap();
        c.reserve(1, true).unwrap();
        assert!(matches!(c.reserve(1, false), Err(Error::TrailingData)));
        let mut c = ChunkCounter {
            next: u64::MAX - 1,
            finished: false,
        };
        assert!(matches!(c.reserve(2, false), Err(Error::StreamTooLong)));
    }

    #[test]
    fn sizes_and_round_trips() {
        for len in [0usize, 1, 255, 256, 257, 768, 1000] {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = seal_with(&key(), &ID, MediaKind::Preview, &pt, &small()).unwrap();
            assert_eq!(
                sealed.len() as u64,
                sealed_len(len as u64, 8).unwrap(),
                "len {len}"
            );
            assert_eq!(open(&key(), &ID, MediaKind::Preview, &sealed).unwrap(), pt);
        }
    }

    #[test]
    fn header_fields_are_checked_in_order() {
        let sealed = seal_with(&key(), &ID, MediaKind::Original, b"x", &small()).unwrap();
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert!(matches!(Header::parse(&bad), Err(Error::BadMagic)));
        let mut bad = sealed.clone();
        bad[4] = 2;
        assert!(matches!(
            Header::parse(&bad),
            Err(Error::UnsupportedVersion(2))
        ));
        let mut bad = sealed.clone();
        bad[5] = 9;
        assert!(matches!(
            Header::parse(&bad),
            Err(Error::UnsupportedSuite(9))
        ));
        let mut bad = sealed.clone();
        bad[6] = 23;
        assert!(matches!(
            Header::parse(&bad),
            Err(Error::ChunkSizeOutOfRange(23))
        ));
        let mut bad = sealed.clone();
        bad[7] = 4;
        assert!(matches!(Header::parse(&bad), Err(Error::UnknownKind(4))));
        for cut in 0..HEADER_LEN {
            assert!(
                matches!(
                    Header::parse(&sealed[..cut]),
                    Err(Error::TruncatedHeader { needed: HEADER_LEN, got }) if got == cut
                ),
                "cut {cut}"
            );
        }
        let parsed = Header::parse(&sealed).unwrap();
        assert_eq!(parsed.to_bytes(), sealed[..HEADER_LEN]);
        assert_eq!(parsed.media_id(), ID);
    }

    #[test]
    fn parallel_and_sequential_agree() {
        let pt: Vec<u8> = (0..PARALLEL_MIN_BYTES * 3 + 17)
            .map(|i| (i * 31) as u8)
            .collect();
        let salt = [5u8; SALT_LEN];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for log2 in [8, 12, 16] {
            let opts = SealOptions::new().with_chunk_size_log2(log2).unwrap();
            let seq = seal_with_salt(
                &key(),
                &ID,
                MediaKind::Original,
                &pt,
                &opts.with_parallel(false),
                salt,
            );
            let par =
                pool.install(|| seal_with_salt(&key(), &ID, MediaKind::Original, &pt, &opts, salt));
            assert!(seq == par, "chunk 2^{log2}: parallel output differs");
            let opened = pool
                .install(|| open(&key(), &ID, MediaKind::Original, &par))
                .unwrap();
            assert!(opened == pt);
        }
    }

    #[test]
    fn reused_buffers_give_the_same_bytes_and_errors_leave_them_empty() {
        let opts = small();
        let open_opts = OpenOptions::default();
        let mut sealed = vec![0xEE; 5000]; // stale bytes, longer than the next object
        let mut opened = Zeroizing::new(vec![0xDD; 5000]);
        for len in [3000, 0, 700, 4096, 20_000] {
            let pt: Vec<u8> = (0..len).map(|i| (i % 241) as u8).collect();
            let salt = [len as u8; SALT_LEN];
            seal_into_with_salt(
                &key(),
                &ID,
                MediaKind::Original,
                &pt,
                &opts,
                salt,
                &mut sealed,
            );
            assert!(sealed == seal_with_salt(&key(), &ID, MediaKind::Original, &pt, &opts, salt));
            open_into(
                &key(),
                &ID,
                MediaKind::Original,
                &sealed,
                &open_opts,
                &mut opened,
            )
            .unwrap();
            assert!(opened[..] == pt[..]);
        }
        // A tampered object: an error, and the plaintext buffer wiped and empty.
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        let err = open_into(
            &key(),
            &ID,
            MediaKind::Original,
            &sealed,
            &open_opts,
            &mut opened,
        );
        assert!(matches!(err, Err(Error::DecryptionFailed)));
        assert!(opened.is_empty());
        // So is a header error, after a successful open filled the buffer.
        seal_into(&key(), &ID, MediaKind::Original, b"xyz", &opts, &mut sealed).unwrap();
        open_into(
            &key(),
            &ID,
            MediaKind::Original,
            &sealed,
            &open_opts,
            &mut opened,
        )
        .unwrap();
        assert!(opened[..] == b"xyz"[..]);
        let err = open_into(
            &key(),
            &ID,
            MediaKind::Thumbnail,
            &sealed,
            &open_opts,
            &mut opened,
        );
        assert!(matches!(err, Err(Error::DecryptionFailed)));
        assert!(opened.is_empty());
        seal_into(&key(), &ID, MediaKind::Original, b"x", &opts, &mut sealed).unwrap();
        assert_eq!(
            sealed.len(),
            sealed_len(1, opts.chunk_log2).unwrap() as usize
        );
    }

    #[test]
    fn a_parsed_header_reports_its_fields() {
        let opts = small();
        let sealed = seal_with_salt(&key(), &ID, MediaKind::Preview, b"x", &opts, [5; SALT_LEN]);
        let header = Header::parse(&sealed).unwrap();
        assert_eq!(header.salt(), &[5; SALT_LEN]);
        assert_eq!(
            &header.commitment()[..],
            &sealed[HEADER_LEN - COMMITMENT_LEN..HEADER_LEN]
        );
        assert_eq!(header.media_id(), ID);
        assert_eq!(header.kind(), MediaKind::Preview);
        assert_eq!(header.chunk_size_log2(), opts.chunk_log2);
        assert_eq!(header.chunk_size(), 1 << opts.chunk_log2);
    }

    #[test]
    fn every_sealing_draws_a_fresh_salt() {
        let a = seal(&key(), &ID, MediaKind::Original, b"same photo").unwrap();
        let b = seal(&key(), &ID, MediaKind::Original, b"same photo").unwrap();
        let (ha, hb) = (Header::parse(&a).unwrap(), Header::parse(&b).unwrap());
        assert_ne!(ha.salt(), hb.salt());
        assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..]);
    }
}
