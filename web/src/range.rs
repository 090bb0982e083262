//! Range reads for video seeking over HTTP: [`plan_range`] turns the stream's header (its
//! first `HEADER_LEN` bytes) and total length into the one ciphertext byte range to fetch
//! (`Range: bytes=sealedOffset-...`), and [`open_range`] opens the fetched bytes. Only the
//! header and those bytes ever reach the browser.

use std::io::{self, Read, Seek, SeekFrom};

use js_sys::Uint8Array;
use keepsake::stream::{self, HEADER_LEN, Header};
use keepsake::{MediaId, MediaKey, MediaKind};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::{JsResult, js, media_id, media_key, media_kind, to_js};

/// Which ciphertext bytes a range read needs (`keepsake::stream::RangePlan`), computed from
/// public data only. Every field is a `bigint`.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug)]
pub struct RangePlan {
    inner: stream::RangePlan,
}

#[wasm_bindgen]
impl RangePlan {
    /// Offset in the sealed object of the first ciphertext byte to fetch.
    #[wasm_bindgen(getter, js_name = sealedOffset)]
    pub fn sealed_offset(&self) -> u64 {
        self.inner.sealed_offset
    }
    /// How many ciphertext bytes to fetch from `sealedOffset` (an HTTP range's last byte is
    /// `sealedOffset + sealedLen - 1`).
    #[wasm_bindgen(getter, js_name = sealedLen)]
    pub fn sealed_len(&self) -> u64 {
        self.inner.sealed_len
    }
    /// The first chunk opened.
    #[wasm_bindgen(getter, js_name = firstChunk)]
    pub fn first_chunk(&self) -> u64 {
        self.inner.first_chunk
    }
    /// How many chunks are opened.
    #[wasm_bindgen(getter, js_name = chunkCount)]
    pub fn chunk_count(&self) -> u64 {
        self.inner.chunk_count
    }
    /// The end of the range served (clipped to the plaintext).
    #[wasm_bindgen(getter)]
    pub fn end(&self) -> u64 {
        self.inner.end
    }
    /// The plaintext length implied by the object's length (not authenticated until the
    /// final chunk is opened).
    #[wasm_bindgen(getter, js_name = plaintextLen)]
    pub fn plaintext_len(&self) -> u64 {
        self.inner.plaintext_len
    }
}

/// The length of a stream's header: fetch these first bytes, then call [`plan_range`].
#[wasm_bindgen(js_name = headerLen)]
pub fn header_len() -> usize {
    HEADER_LEN
}

/// Plans the read of plaintext `[offset, offset + len)` from a sealed object of
/// `sealedLen` bytes whose header is `header`.
///
/// # Errors
/// Header errors (`BadMagic`, `TruncatedHeader`, ...); `TruncatedStream` for an object too
/// short to hold a chunk; `RangeOutOfBounds` for an offset past the plaintext's end.
#[wasm_bindgen(js_name = planRange)]
pub fn plan_range(header: &[u8], sealed_len: u64, offset: u64, len: u64) -> JsResult<RangePlan> {
    let header = js(Header::parse(header))?;
    let inner = js(stream::RangePlan::new(&header, sealed_len, offset, len))?;
    Ok(RangePlan { inner })
}

/// Opens plaintext `[offset, offset + len)` (clipped to the end) of a sealed object of
/// `sealedLen` bytes, given its header and the ciphertext `fetched` from the plan's
/// `sealedOffset` (as [`plan_range`] computes it; more bytes than planned are ignored).
/// Every chunk of the range is authenticated, and the final one whenever the range
/// reaches the end.
///
/// # Errors
/// As [`plan_range`]; `DecryptionFailed` for a wrong key or altered bytes;
/// `TruncatedStream` if `fetched` is shorter than planned.
#[wasm_bindgen(js_name = openRange)]
#[allow(clippy::too_many_arguments)]
pub fn open_range(
    key: &[u8],
    media_id: &[u8],
    kind: &str,
    header: &[u8],
    sealed_len: u64,
    offset: u64,
    len: u64,
    fetched: &[u8],
) -> JsResult<Uint8Array> {
    let (key, id, kind) = (
        media_key(key)?,
        self::media_id(media_id)?,
        media_kind(kind)?,
    );
    Ok(to_js(open_sparse(
        &key, &id, kind, header, sealed_len, offset, len, fetched,
    )?))
}

/// Opens plaintext `[offset, offset + len)` from the header and the bytes fetched at the
/// plan's offset (the body of [`open_range`], shared with `Item::open_range`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_sparse(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    header: &[u8],
    sealed_len: u64,
    offset: u64,
    len: u64,
    fetched: &[u8],
) -> JsResult<Zeroizing<Vec<u8>>> {
    let mut source = sparse(header, sealed_len, offset, len, fetched)?;
    Ok(Zeroizing::new(js(stream::open_range(
        key,
        id,
        kind,
        &mut source,
        offset,
        len,
    ))?))
}

/// The sealed object as the browser has it for a range read of `[offset, offset + len)`:
/// the header, and the bytes fetched at the plan's offset.
pub(crate) fn sparse<'a>(
    header: &'a [u8],
    sealed_len: u64,
    offset: u64,
    len: u64,
    fetched: &'a [u8],
) -> JsResult<Sparse<'a>> {
    let parsed = js(Header::parse(header))?;
    let plan = js(stream::RangePlan::new(&parsed, sealed_len, offset, len))?;
    Ok(Sparse {
        header: &header[..HEADER_LEN],
        body: fetched,
        body_at: plan.sealed_offset,
        len: sealed_len,
        pos: 0,
    })
}

/// The sealed object as far as the browser has it: the header at 0, the fetched bytes at
/// `body_at`, and its total length. Reading anywhere else is an error (the plan never
/// does); reading past the fetched bytes ends early, which the core reports as
/// `TruncatedStream`.
pub(crate) struct Sparse<'a> {
    header: &'a [u8],
    body: &'a [u8],
    body_at: u64,
    len: u64,
    pos: u64,
}

impl Read for Sparse<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (piece, from) = if self.pos < self.header.len() as u64 {
            (self.header, self.pos)
        } else if self.pos >= self.body_at {
            (self.body, self.pos - self.body_at)
        } else {
            return Err(io::Error::other("read outside the fetched bytes"));
        };
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(piece.len());
        let n = buf.len().min(piece.len() - from);
        buf[..n].copy_from_slice(&piece[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Sparse<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(at) => at,
            SeekFrom::End(delta) => self.len.saturating_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.saturating_add_signed(delta),
        };
        Ok(self.pos)
    }
}
