//! An album link's item, verified (SPEC.md 5.10), and a drop sealed for a collect link.

use js_sys::Uint8Array;
use keepsake::provenance::{PartKind, VerifiedItem};
use keepsake::{MediaId, MediaKey, MediaKind};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::link::hex;
use crate::opener::StreamOpener;
use crate::range::open_sparse;
use crate::{JsResult, js, media_kind, open_options, to_js};

/// An item of an album link whose manifest verified against the album history: its
/// verified uploader and metadata, and its parts opened with its media key (held here,
/// wiped when freed). Each part is checked against the signed manifest as it opens.
#[wasm_bindgen]
pub struct Item {
    id: MediaId,
    key: MediaKey,
    verified: VerifiedItem,
}

impl Item {
    pub(crate) fn new(id: MediaId, key: MediaKey, verified: VerifiedItem) -> Self {
        Self { id, key, verified }
    }

    fn entry(&self, kind: MediaKind) -> JsResult<&keepsake::provenance::PartEntry> {
        self.verified
            .manifest()
            .part(PartKind::Media(kind))
            .ok_or_else(|| {
                crate::js_error(&keepsake::Error::ProvenanceMismatch {
                    what: "the manifest lists no such part",
                })
            })
    }
}

#[wasm_bindgen]
impl Item {
    /// The media id (32 hex).
    #[wasm_bindgen(getter, js_name = mediaId)]
    pub fn media_id(&self) -> String {
        hex(self.id.as_bytes())
    }

    /// The verified uploader's fingerprint (SPEC.md 5.7).
    #[wasm_bindgen(getter, js_name = uploaderFingerprint)]
    pub fn uploader_fingerprint(&self) -> String {
        self.verified.uploader_fingerprint()
    }

    /// The app's metadata, as signed.
    #[wasm_bindgen(getter)]
    pub fn metadata(&self) -> Uint8Array {
        Uint8Array::from(self.verified.metadata())
    }

    /// The plaintext length of part `kind`, as signed (a video's size, for seeking).
    ///
    /// # Errors
    /// `ProvenanceMismatch` if the manifest lists no such part; `UnknownKind`.
    #[wasm_bindgen(js_name = partLen)]
    pub fn part_len(&self, kind: &str) -> JsResult<u64> {
        Ok(self.entry(media_kind(kind)?)?.plaintext_len)
    }

    /// Opens a whole sealed part (small parts: thumbnail, photo): checked against the
    /// manifest (chunk size, length, root), then opened.
    ///
    /// # Errors
    /// `ProvenanceMismatch` ("content does not match the signed manifest") for a part
    /// re-sealed, replaced or cut; header errors; `DecryptionFailed`.
    #[wasm_bindgen(js_name = openPart)]
    pub fn open_part(&self, kind: &str, sealed: &[u8]) -> JsResult<Uint8Array> {
        let kind = media_kind(kind)?;
        let plain = js(self
            .verified
            .open_part(&self.key, kind, sealed, &open_options()))?;
        Ok(to_js(Zeroizing::new(plain)))
    }

    /// A push opener for part `kind` (a large original downloaded piece by piece). Each
    /// chunk is authenticated under the media key as it arrives; the whole part is checked
    /// against the manifest only by [`Item::open_part`].
    ///
    /// # Errors
    /// `UnknownKind`.
    pub fn opener(&self, kind: &str) -> JsResult<StreamOpener> {
        Ok(StreamOpener::with_key(
            &self.key,
            &self.id,
            media_kind(kind)?,
        ))
    }

    /// Opens plaintext `[offset, offset + len)` of part `kind` from its header and the
    /// bytes fetched at the plan's `sealedOffset` ([`crate::plan_range`]), for video
    /// seeking: the object's length and chunk size must be the signed ones; each chunk is
    /// authenticated under the media key.
    ///
    /// # Errors
    /// `ProvenanceMismatch` for another length or chunk size; as [`crate::open_range`].
    #[wasm_bindgen(js_name = openRange)]
    pub fn open_range(
        &self,
        kind: &str,
        header: &[u8],
        sealed_len: u64,
        offset: u64,
        len: u64,
        fetched: &[u8],
    ) -> JsResult<Uint8Array> {
        let kind = media_kind(kind)?;
        let entry = self.entry(kind)?;
        let parsed = js(keepsake::stream::Header::parse(header))?;
        let signed = js(keepsake::stream::sealed_len(
            entry.plaintext_len,
            entry.chunk_log2,
        ))?;
        if parsed.chunk_size_log2() != entry.chunk_log2 || sealed_len != signed {
            return Err(crate::js_error(&keepsake::Error::ProvenanceMismatch {
                what: "sealed length or chunk size",
            }));
        }
        let plain = open_sparse(
            &self.key, &self.id, kind, header, sealed_len, offset, len, fetched,
        )?;
        Ok(to_js(plain))
    }
}

/// A drop sealed in the browser for a collect link: its media id, the drop, and the sealed
/// parts (all ciphertext: nothing here opens without the album key).
#[wasm_bindgen]
pub struct SealedDrop {
    media_id: String,
    drop: Vec<u8>,
    original: Vec<u8>,
    thumbnail: Option<Vec<u8>>,
}

impl SealedDrop {
    pub(crate) fn new(
        media_id: String,
        drop: Vec<u8>,
        original: Vec<u8>,
        thumbnail: Option<Vec<u8>>,
    ) -> Self {
        Self {
            media_id,
            drop,
            original,
            thumbnail,
        }
    }
}

#[wasm_bindgen]
impl SealedDrop {
    /// The drop's media id (32 hex): its name under `drops/`.
    #[wasm_bindgen(getter, js_name = mediaId)]
    pub fn media_id(&self) -> String {
        self.media_id.clone()
    }
    /// The drop bytes (`drops/<mediaId>`).
    #[wasm_bindgen(getter)]
    pub fn drop(&self) -> Uint8Array {
        Uint8Array::from(&self.drop[..])
    }
    /// The sealed original (`drops/<mediaId>.original`).
    #[wasm_bindgen(getter)]
    pub fn original(&self) -> Uint8Array {
        Uint8Array::from(&self.original[..])
    }
    /// The sealed thumbnail (`drops/<mediaId>.thumbnail`), if one was given.
    #[wasm_bindgen(getter)]
    pub fn thumbnail(&self) -> Option<Uint8Array> {
        self.thumbnail.as_deref().map(Uint8Array::from)
    }
}
