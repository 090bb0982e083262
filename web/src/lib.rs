//! The Keepsake core in the browser (SPEC.md 3): wasm-bindgen exports for opening sealed
//! media streams in one shot ([`open_stream`]), pushed piece by piece as they download
//! ([`StreamOpener`], so a 2 GB video never sits in memory), or by byte range for video
//! seeking ([`plan_range`] says which ciphertext bytes to fetch, [`open_range`] opens them),
//! and for sealing ([`seal_stream`], [`StreamSealer`]).
//!
//! Keys and ids cross as `Uint8Array`s; the copies made on the Rust side are wiped on drop,
//! and plaintext is copied into a fresh `Uint8Array` from a wiping buffer. Every failure is
//! a JS `Error` whose `message` is the Keepsake error's text, whose `name` and `category`
//! are its variant (`DecryptionFailed`, `TruncatedStream`, ...): no key or plaintext byte
//! is ever in an error or a `toString`. Built for `wasm32-unknown-unknown` without threads:
//! every path runs on the calling thread (the same bytes as the native parallel build).

#![forbid(unsafe_code)]

mod item;
mod link;
mod opener;
mod range;

use js_sys::{Reflect, Uint8Array};
use keepsake::stream::{self, OpenOptions, SealOptions};
use keepsake::{MediaId, MediaKey, MediaKind};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

pub use item::{Item, SealedDrop};
pub use link::{
    Link, RecordInfo, WebAlbumKey, WebLinkAddress, inspect_link_record, open_link,
    parse_link_fragment, parse_link_url,
};
pub use opener::{StreamOpener, StreamSealer};
pub use range::{RangePlan, open_range, plan_range};

/// The variant name of a Keepsake error (`DecryptionFailed`, `TruncatedHeader`, ...): the
/// leading identifier of its `Debug` form, which holds no secret (errors carry none).
pub fn error_name(err: &keepsake::Error) -> String {
    let debug = format!("{err:?}");
    debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// A JS `Error` for a Keepsake error: `message` is its text, `name` and `category` its
/// variant name.
pub fn js_error(err: &keepsake::Error) -> JsValue {
    named_error(&error_name(err), &err.to_string())
}

/// `Result` with a JS `Error` (see [`js_error`]).
pub type JsResult<T> = Result<T, JsValue>;

pub(crate) fn js<T>(result: keepsake::Result<T>) -> JsResult<T> {
    result.map_err(|e| js_error(&e))
}

/// A media key from its 32 bytes.
pub(crate) fn media_key(bytes: &[u8]) -> JsResult<MediaKey> {
    js(MediaKey::from_slice(bytes))
}

/// A media id from its 16 bytes.
pub(crate) fn media_id(bytes: &[u8]) -> JsResult<MediaId> {
    js(MediaId::from_slice(bytes))
}

/// A rendition from its name as the vectors spell it: `original`, `thumbnail`, `preview`
/// or `sidecar`.
pub(crate) fn media_kind(name: &str) -> JsResult<MediaKind> {
    MediaKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| named_error("UnknownKind", &format!("unknown media kind name {name:?}")))
}

/// A JS `Error` of the web layer's own (not a Keepsake error): `name` and `category` are
/// `name`. Messages never hold a secret.
pub(crate) fn named_error(name: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    let _ = Reflect::set(&err, &"category".into(), &name.into());
    err.into()
}

/// Copies plaintext out to JS and wipes the Rust copy.
pub(crate) fn to_js(bytes: Zeroizing<Vec<u8>>) -> Uint8Array {
    Uint8Array::from(&bytes[..])
}

/// Options for a browser: no threads, so never parallel.
pub(crate) fn open_options() -> OpenOptions {
    OpenOptions::default().with_parallel(false)
}

/// Opens a whole sealed stream held in memory (`key`: 32 bytes, `mediaId`: 16 bytes,
/// `kind`: `original` | `thumbnail` | `preview` | `sidecar`).
///
/// # Errors
/// Any error of `keepsake::stream::open`, as a JS `Error` (`DecryptionFailed` for a wrong
/// key or altered bytes, `TruncatedStream`, `BadMagic`, ...).
#[wasm_bindgen(js_name = openStream)]
pub fn open_stream(key: &[u8], media_id: &[u8], kind: &str, sealed: &[u8]) -> JsResult<Uint8Array> {
    let (key, id, kind) = (
        self::media_key(key)?,
        self::media_id(media_id)?,
        media_kind(kind)?,
    );
    let plain = js(stream::open_with(&key, &id, kind, sealed, &open_options()))?;
    Ok(to_js(Zeroizing::new(plain)))
}

/// Seals `plaintext` as one stream with chunks of `2^chunkLog2` bytes (undefined: the
/// default 64 KiB) and a fresh random salt (the browser's `crypto.getRandomValues`).
///
/// # Errors
/// `ChunkSizeOutOfRange`, `RandomnessUnavailable`, key and id length errors.
#[wasm_bindgen(js_name = sealStream)]
pub fn seal_stream(
    key: &[u8],
    media_id: &[u8],
    kind: &str,
    plaintext: &[u8],
    chunk_log2: Option<u8>,
) -> JsResult<Uint8Array> {
    let (key, id, kind) = (
        self::media_key(key)?,
        self::media_id(media_id)?,
        media_kind(kind)?,
    );
    let options = seal_options(chunk_log2)?;
    let sealed = js(stream::seal_with(&key, &id, kind, plaintext, &options))?;
    Ok(Uint8Array::from(&sealed[..]))
}

pub(crate) fn seal_options(chunk_log2: Option<u8>) -> JsResult<SealOptions> {
    let options = SealOptions::new().with_parallel(false);
    match chunk_log2 {
        Some(log2) => js(options.with_chunk_size_log2(log2)),
        None => Ok(options),
    }
}
