//! Streaming: [`StreamOpener`] opens a sealed stream pushed piece by piece (as a `fetch`
//! body arrives), [`StreamSealer`] seals plaintext pushed piece by piece. Each holds at
//! most one chunk between calls.

use js_sys::Uint8Array;
use keepsake::stream::{PushOpener, PushSealer};
use keepsake::{MediaId, MediaKey, MediaKind};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::{JsResult, js, media_id, media_key, media_kind, open_options, seal_options};

/// Opens a sealed stream pushed piece by piece: `push(bytes)` returns the plaintext
/// authenticated so far (possibly empty), `finish()` the rest. Only authenticated
/// plaintext, in order; the first error is final. Wraps `keepsake::stream::PushOpener`;
/// its key copy is wiped when the object is freed (`free()`, or garbage collection).
#[wasm_bindgen]
pub struct StreamOpener {
    inner: PushOpener,
    /// Where `push_to` opens into, reused across calls (grown by replacement: the old one is
    /// wiped on drop, no unwiped copy) and wiped when the opener is freed. The plaintext is
    /// then copied once into the returned `Uint8Array`.
    out: Zeroizing<Vec<u8>>,
}

#[wasm_bindgen]
impl StreamOpener {
    /// An opener for media item `mediaId`'s rendition `kind` under `key`.
    ///
    /// # Errors
    /// `InvalidLength` for a key that is not 32 bytes or an id that is not 16;
    /// `UnknownKind` for an unknown kind name.
    #[wasm_bindgen(constructor)]
    pub fn new(key: &[u8], media_id: &[u8], kind: &str) -> JsResult<StreamOpener> {
        let (key, id, kind) = (
            media_key(key)?,
            self::media_id(media_id)?,
            media_kind(kind)?,
        );
        Ok(Self::with_key(&key, &id, kind))
    }

    /// Takes the next piece of the sealed stream; returns newly authenticated plaintext.
    ///
    /// # Errors
    /// Header errors, `DecryptionFailed`, `TrailingData`; the first error again after any
    /// failure.
    pub fn push(&mut self, data: &[u8]) -> JsResult<Uint8Array> {
        let need = self.inner.push_len(data.len());
        let out = room(&mut self.out, need);
        let written = js(self.inner.push_to(data, out))?;
        Ok(Uint8Array::from(&out[..written]))
    }

    /// Ends the stream: opens what is left as the final chunk.
    ///
    /// # Errors
    /// `TruncatedHeader` / `TruncatedStream` if the stream was cut, and the errors of
    /// `push`.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        let need = self.inner.push_len(0);
        let out = room(&mut self.out, need);
        let written = js(self.inner.finish_to(out))?;
        Ok(Uint8Array::from(&out[..written]))
    }
}

impl StreamOpener {
    /// An opener under a key already held on the Rust side (an item's media key).
    pub(crate) fn with_key(key: &MediaKey, id: &MediaId, kind: MediaKind) -> Self {
        Self {
            inner: PushOpener::with_options(key, id, kind, &open_options()),
            out: Zeroizing::new(Vec::new()),
        }
    }
}

/// The first `len` bytes of the reused output buffer, replaced by a larger one if needed
/// (the old one is wiped as it drops).
fn room(out: &mut Zeroizing<Vec<u8>>, len: usize) -> &mut [u8] {
    if out.len() < len {
        *out = Zeroizing::new(vec![0; len]);
    }
    &mut out[..len]
}

/// Seals plaintext pushed piece by piece: `push(bytes)` returns the sealed bytes ready so
/// far (the header first), `finish()` the final chunk. Wraps
/// `keepsake::stream::PushSealer`; for uploads through collect links.
#[wasm_bindgen]
pub struct StreamSealer {
    inner: PushSealer,
}

#[wasm_bindgen]
impl StreamSealer {
    /// A sealer for media item `mediaId`'s rendition `kind` under `key`, chunks of
    /// `2^chunkLog2` bytes (undefined: 64 KiB), a fresh random salt.
    ///
    /// # Errors
    /// Key, id and kind errors as [`StreamOpener::new`]; `ChunkSizeOutOfRange`;
    /// `RandomnessUnavailable`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &[u8],
        media_id: &[u8],
        kind: &str,
        chunk_log2: Option<u8>,
    ) -> JsResult<StreamSealer> {
        let (key, id, kind) = (
            media_key(key)?,
            self::media_id(media_id)?,
            media_kind(kind)?,
        );
        let options = seal_options(chunk_log2)?;
        Ok(Self {
            inner: js(PushSealer::with_options(&key, &id, kind, &options))?,
        })
    }

    /// Takes the next piece of plaintext; returns the sealed bytes ready so far.
    ///
    /// # Errors
    /// `StreamTooLong` past the chunk counter; `TrailingData` after `finish`.
    pub fn push(&mut self, plaintext: &[u8]) -> JsResult<Uint8Array> {
        let sealed = js(self.inner.push(plaintext))?;
        Ok(Uint8Array::from(&sealed[..]))
    }

    /// Ends the stream: seals what is left as the final chunk.
    ///
    /// # Errors
    /// As `push`.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        let sealed = js(self.inner.finish())?;
        Ok(Uint8Array::from(&sealed[..]))
    }
}
