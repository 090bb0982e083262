//! Links in the browser (SPEC.md 5.13, the published folder of 8.12): parse a link URL or
//! fragment ([`parse_link_url`], [`parse_link_fragment`]), read a record's public header
//! ([`inspect_link_record`]: does it need a password?), and open it ([`open_link`], with
//! Argon2id on the calling thread for a password link) into a [`Link`]: an album link
//! verifies the album history and opens items ([`Link::open_item`]), a selection link opens
//! its granted parts, a collect link seals drops ([`Link::seal_drop`]).
//!
//! Every secret stays on the Rust side, in types that wipe themselves when the JS object is
//! freed (`free()`, or garbage collection): the link secret, the album key, part keys,
//! media keys. Nothing secret is ever in an error, a getter or a `toString`.

use js_sys::{Array, Uint8Array};
use keepsake::history::{
    HISTORY_ENTRY_MAX_LEN, MAX_HISTORY_ENTRIES, VerifiedHistory, verify_history,
};
use keepsake::link::{
    self, CollectLink, KIND_ALBUM, KIND_COLLECT, KIND_SELECTION, LinkAddress, LinkId, OpenedLink,
};
use keepsake::provenance::verify_item;
use keepsake::stream::{self, SealOptions};
use keepsake::{AlbumId, MediaBlob, MediaId, MediaKey, MediaKind};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::item::{Item, SealedDrop};
use crate::{JsResult, js, media_id, media_kind, open_options, to_js};

/// A parsed link address: the link id (public) and, hidden, the link secret from the
/// fragment (wiped when freed).
#[wasm_bindgen(js_name = LinkAddress)]
pub struct WebLinkAddress {
    inner: LinkAddress,
}

#[wasm_bindgen(js_class = LinkAddress)]
impl WebLinkAddress {
    /// The link id, 32 lowercase hex digits (the record's name on the server).
    #[wasm_bindgen(getter, js_name = linkId)]
    pub fn link_id(&self) -> String {
        self.inner.link_id.to_string()
    }

    /// Whether the fragment says the link needs a password.
    #[wasm_bindgen(getter, js_name = needsPassword)]
    pub fn needs_password(&self) -> bool {
        self.inner.needs_password
    }
}

/// Parses a link URL `<origin>/l/<link id>#<fragment>` (SPEC.md 5.13).
///
/// # Errors
/// `MalformedLink` (too long, no fragment, no `/l/<link id>`, bad hex, bad fragment);
/// `UnsupportedVersion`.
#[wasm_bindgen(js_name = parseLinkUrl)]
pub fn parse_link_url(url: &str) -> JsResult<WebLinkAddress> {
    Ok(WebLinkAddress {
        inner: js(link::parse_url(url))?,
    })
}

/// Parses a fragment (without `#`) for the link `linkId` (32 lowercase hex digits): what a
/// page at `/l/<link id>` reads from `location.hash`.
///
/// # Errors
/// As [`parse_link_url`].
#[wasm_bindgen(js_name = parseLinkFragment)]
pub fn parse_link_fragment(link_id: &str, fragment: &str) -> JsResult<WebLinkAddress> {
    Ok(WebLinkAddress {
        inner: js(link::parse_fragment(parse_link_id(link_id)?, fragment))?,
    })
}

fn parse_link_id(hex: &str) -> JsResult<LinkId> {
    let mut id = [0u8; 16];
    if hex.len() != 32 || !hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(malformed_link("link id is not 32 lowercase hex digits"));
    }
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    Ok(LinkId::from_bytes(id))
}

fn malformed_link(reason: &'static str) -> JsValue {
    crate::js_error(&keepsake::Error::MalformedLink { reason })
}

/// A record's public header (nothing authenticated): its kind, its link id and, for a
/// password link, Argon2id's parameters (so the page can say opening takes a moment).
#[wasm_bindgen]
pub struct RecordInfo {
    kind: u8,
    link_id: LinkId,
    kdf: Option<[u32; 3]>,
}

#[wasm_bindgen]
impl RecordInfo {
    /// `album`, `selection` or `collect`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        kind_name(self.kind).to_owned()
    }
    /// The link id the record names (32 hex).
    #[wasm_bindgen(getter, js_name = linkId)]
    pub fn link_id(&self) -> String {
        self.link_id.to_string()
    }
    /// Whether opening needs a password.
    #[wasm_bindgen(getter, js_name = needsPassword)]
    pub fn needs_password(&self) -> bool {
        self.kdf.is_some()
    }
    /// Argon2id's `[memory KiB, iterations, parallelism]`, or undefined.
    #[wasm_bindgen(getter)]
    pub fn kdf(&self) -> Option<Vec<u32>> {
        self.kdf.map(|k| k.to_vec())
    }
}

fn kind_name(kind: u8) -> &'static str {
    match kind {
        KIND_ALBUM => "album",
        KIND_SELECTION => "selection",
        KIND_COLLECT => "collect",
        _ => "unknown",
    }
}

/// Reads a record's public header with no key (SPEC.md 5.13, record steps 1-5).
///
/// # Errors
/// `TooLarge`, `MalformedLink`, `UnsupportedVersion`, `KdfParamsTooWeak`,
/// `KdfParamsTooCostly`.
#[wasm_bindgen(js_name = inspectLinkRecord)]
pub fn inspect_link_record(record: &[u8]) -> JsResult<RecordInfo> {
    let info = js(link::inspect_record(record))?;
    Ok(RecordInfo {
        kind: info.kind,
        link_id: info.link_id,
        kdf: info
            .password
            .map(|p| [p.memory_kib(), p.iterations(), p.parallelism()]),
    })
}

/// Opens a link record with the address's secret and, for a password link, the password
/// (Argon2id runs here, on the calling thread; the password's Rust copy is wiped).
///
/// # Errors
/// As [`inspect_link_record`]; `LinkWrongId` (another link's record);
/// `LinkPasswordRequired`; `DecryptionFailed` for a wrong password, another link's
/// fragment or an altered record (one opaque error); `OutOfMemory`; the payload's errors.
#[wasm_bindgen(js_name = openLink)]
pub fn open_link(
    address: &WebLinkAddress,
    record: &[u8],
    password: Option<String>,
) -> JsResult<Link> {
    let password = password.map(Zeroizing::new);
    let opened = js(link::open_link(
        &address.inner,
        record,
        password.as_deref().map(String::as_str),
    ))?;
    Ok(Link {
        opened,
        history: None,
    })
}

/// An opened link. Which methods apply depends on [`Link::kind`]; the others throw
/// `WrongLinkKind`. Its keys are wiped when it is freed.
#[wasm_bindgen]
pub struct Link {
    opened: OpenedLink,
    history: Option<VerifiedHistory>,
}

fn wrong_kind(want: &str) -> JsValue {
    crate::named_error("WrongLinkKind", &format!("this method needs a {want} link"))
}

#[wasm_bindgen]
impl Link {
    /// `album`, `selection` or `collect`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        match &self.opened {
            OpenedLink::Album(_) => "album",
            OpenedLink::Selection(_) => "selection",
            OpenedLink::Collect(_) => "collect",
        }
        .to_owned()
    }

    /// The album id (32 hex).
    #[wasm_bindgen(getter, js_name = albumId)]
    pub fn album_id(&self) -> String {
        hex(self.album().as_bytes())
    }

    /// The album epoch (album and collect links; a selection's items carry their own).
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> Option<u64> {
        match &self.opened {
            OpenedLink::Album(a) => Some(a.album().epoch()),
            OpenedLink::Collect(c) => Some(c.epoch()),
            OpenedLink::Selection(_) => None,
        }
    }

    /// The hash of the album history entry the link relies on (64 hex).
    #[wasm_bindgen(getter)]
    pub fn history(&self) -> String {
        hex(self.history_hash())
    }

    /// The album owner's fingerprint (SPEC.md 5.7), as the record names it.
    #[wasm_bindgen(getter, js_name = ownerFingerprint)]
    pub fn owner_fingerprint(&self) -> String {
        keepsake::sharing::fingerprint(self.owner())
    }

    /// A selection link's expiry (Unix seconds; the server enforces it).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<u64> {
        match &self.opened {
            OpenedLink::Selection(s) => Some(s.selection().info().expires_at),
            _ => None,
        }
    }

    /// Verifies the album history the server serves (the `history` file of SPEC.md 8.12:
    /// entries as `be32(length) || entry`) against the owner the record names, and checks
    /// it holds the entry the link relies on; items are then verified against it. Returns
    /// the number of entries.
    ///
    /// # Errors
    /// `MalformedHistory` for framing errors (a length of 0 or above the largest entry,
    /// bytes cut short, more than 65 536 entries); the errors of `verify_history`
    /// (SPEC.md 5.12); `HistoryUnknownEntry` if the link's entry is not in it;
    /// `WrongLinkKind` for a collect link.
    #[wasm_bindgen(js_name = verifyHistory)]
    pub fn verify_history(&mut self, framed: &[u8]) -> JsResult<usize> {
        if matches!(self.opened, OpenedLink::Collect(_)) {
            return Err(wrong_kind("album or selection"));
        }
        let entries = unframe(framed)?;
        let history = js(verify_history(&entries, self.album(), self.owner(), None))?;
        js(history.epoch_at(self.history_hash()))?;
        let len = history.len();
        self.history = Some(history);
        Ok(len)
    }

    /// Album links: opens item `mediaId`: unwraps its media key (`items/<id>/key`, the
    /// 105-byte wrapped key under the album key), opens its metadata envelope and verifies
    /// the item record against the verified history (SPEC.md 5.10). The [`Item`] opens the
    /// item's parts.
    ///
    /// # Errors
    /// `HistoryNotVerified` before [`Link::verify_history`]; `DecryptionFailed` for a key
    /// or envelope altered or of another item or epoch; the errors of `verify_item`:
    /// `ProvenanceUnsigned`, `ProvenanceWrongItem`, `HistoryUnknownEntry`,
    /// `ProvenanceNotMember`, `ProvenanceBadSignature`, `ProvenanceMismatch`.
    #[wasm_bindgen(js_name = openItem)]
    pub fn open_item(
        &self,
        media_id: &[u8],
        wrapped_key: &[u8],
        metadata: &[u8],
    ) -> JsResult<Item> {
        let OpenedLink::Album(album) = &self.opened else {
            return Err(wrong_kind("album"));
        };
        let history = self.verified()?;
        let id = self::media_id(media_id)?;
        let key = js(album.album().unwrap_media_key(&id, wrapped_key))?;
        let record = Zeroizing::new(js(key.open_blob(&id, MediaBlob::Metadata, metadata))?);
        let verified = js(verify_item(&record, &id, album.album().epoch(), history))?;
        Ok(Item::new(id, key, verified))
    }

    /// Album links: opens a collect-link drop of this album epoch (SPEC.md 5.13) and
    /// returns `[display name, media id hex, uploader fingerprint]`.
    ///
    /// # Errors
    /// As `keepsake::link::open_drop`.
    #[wasm_bindgen(js_name = openDrop)]
    pub fn open_drop(&self, drop: &[u8]) -> JsResult<Array> {
        let OpenedLink::Album(album) = &self.opened else {
            return Err(wrong_kind("album"));
        };
        let opened = js(link::open_drop(album.album(), drop))?;
        Ok(drop_summary(&opened))
    }

    /// Selection links: the media ids granted (32 hex each), in the grant's order.
    #[wasm_bindgen(js_name = selectionItems)]
    pub fn selection_items(&self) -> JsResult<Vec<String>> {
        let OpenedLink::Selection(s) = &self.opened else {
            return Err(wrong_kind("selection"));
        };
        Ok(s.selection()
            .items()
            .iter()
            .map(|i| hex(i.media_id().as_bytes()))
            .collect())
    }

    /// Selection links: the verified uploader's fingerprint of item `mediaId` (its
    /// manifest against the verified history).
    ///
    /// # Errors
    /// `HistoryNotVerified`; `NotInSelection`; `ProvenanceUnsigned`,
    /// `ProvenanceNotMember`, ... as `SelectionItem::uploader`.
    #[wasm_bindgen(js_name = selectionUploader)]
    pub fn selection_uploader(&self, media_id: &[u8]) -> JsResult<String> {
        let OpenedLink::Selection(s) = &self.opened else {
            return Err(wrong_kind("selection"));
        };
        let history = self.verified()?;
        let item = js(s.selection().item(&self::media_id(media_id)?))?;
        let uploader = js(item.uploader(history))?;
        Ok(keepsake::sharing::fingerprint(uploader))
    }

    /// Selection links: opens the whole granted part `kind` of item `mediaId` with its
    /// part key.
    ///
    /// # Errors
    /// `NotInSelection` for a part not granted; `DecryptionFailed` for another object or
    /// altered bytes; as `Selection::open_part`.
    #[wasm_bindgen(js_name = openSelectionPart)]
    pub fn open_selection_part(
        &self,
        media_id: &[u8],
        kind: &str,
        sealed: &[u8],
    ) -> JsResult<Uint8Array> {
        let OpenedLink::Selection(s) = &self.opened else {
            return Err(wrong_kind("selection"));
        };
        let (id, kind) = (self::media_id(media_id)?, media_kind(kind)?);
        let plain = js(s
            .selection()
            .open_part_with(&id, kind, sealed, &open_options()))?;
        Ok(to_js(Zeroizing::new(plain)))
    }

    /// Selection links: opens plaintext `[offset, offset + len)` of the granted part
    /// `kind` of item `mediaId` from its header and the bytes fetched at the plan's
    /// `sealedOffset` ([`crate::plan_range`]), with its part key (video seeking).
    ///
    /// # Errors
    /// `NotInSelection`; as [`crate::open_range`].
    #[wasm_bindgen(js_name = openSelectionRange)]
    #[allow(clippy::too_many_arguments)]
    pub fn open_selection_range(
        &self,
        media_id: &[u8],
        kind: &str,
        header: &[u8],
        sealed_len: u64,
        offset: u64,
        len: u64,
        fetched: &[u8],
    ) -> JsResult<Uint8Array> {
        let OpenedLink::Selection(s) = &self.opened else {
            return Err(wrong_kind("selection"));
        };
        let (id, kind) = (self::media_id(media_id)?, media_kind(kind)?);
        let mut source = crate::range::sparse(header, sealed_len, offset, len, fetched)?;
        let plain = js(s
            .selection()
            .open_range(&id, kind, &mut source, offset, len))?;
        Ok(to_js(Zeroizing::new(plain)))
    }

    /// Collect links (the guest's side): seals a file for the album under a fresh media key
    /// and media id (parts `original` and, if given, `thumbnail`, chunks of `2^chunkLog2`
    /// bytes), signs it with a fresh throwaway key under `displayName`, and seals the drop
    /// (SPEC.md 5.13). Upload [`SealedDrop::drop`] to `drops/<mediaId>`, the parts to
    /// `drops/<mediaId>.original` and `.thumbnail`.
    ///
    /// # Errors
    /// `MalformedDrop` for a display name empty or above 64 bytes or metadata above 64 KiB;
    /// `ChunkSizeOutOfRange`; `RandomnessUnavailable`.
    #[wasm_bindgen(js_name = sealDrop)]
    pub fn seal_drop(
        &self,
        display_name: &str,
        original: &[u8],
        thumbnail: Option<Vec<u8>>,
        metadata: &[u8],
        chunk_log2: Option<u8>,
    ) -> JsResult<SealedDrop> {
        let OpenedLink::Collect(collect) = &self.opened else {
            return Err(wrong_kind("collect"));
        };
        seal_drop_parts(
            collect,
            display_name,
            original,
            thumbnail.as_deref(),
            metadata,
            chunk_log2,
        )
    }
}

fn seal_drop_parts(
    collect: &CollectLink,
    display_name: &str,
    original: &[u8],
    thumbnail: Option<&[u8]>,
    metadata: &[u8],
    chunk_log2: Option<u8>,
) -> JsResult<SealedDrop> {
    let options: SealOptions = crate::seal_options(chunk_log2)?;
    let key = js(MediaKey::generate())?;
    let id = js(MediaId::random())?;
    let (original, orig) = js(stream::seal_part(
        &key,
        &id,
        MediaKind::Original,
        original,
        &options,
    ))?;
    let mut entries = vec![orig.entry()];
    let thumbnail = match thumbnail {
        Some(plain) => {
            let (sealed, part) = js(stream::seal_part(
                &key,
                &id,
                MediaKind::Thumbnail,
                plain,
                &options,
            ))?;
            entries.push(part.entry());
            Some(sealed)
        }
        None => None,
    };
    let drop = js(link::seal_drop(
        collect,
        &id,
        &key,
        display_name,
        &entries,
        metadata,
    ))?;
    Ok(SealedDrop::new(
        hex(id.as_bytes()),
        drop,
        original,
        thumbnail,
    ))
}

impl Link {
    fn album(&self) -> AlbumId {
        match &self.opened {
            OpenedLink::Album(a) => a.album().album_id(),
            OpenedLink::Selection(s) => s.selection().info().album_id,
            OpenedLink::Collect(c) => c.album_id(),
        }
    }

    fn history_hash(&self) -> &[u8; 32] {
        match &self.opened {
            OpenedLink::Album(a) => a.history(),
            OpenedLink::Selection(s) => s.history(),
            OpenedLink::Collect(c) => c.history(),
        }
    }

    fn owner(&self) -> &keepsake::identity::IdentityPublicKey {
        match &self.opened {
            OpenedLink::Album(a) => a.owner(),
            OpenedLink::Selection(s) => s.owner(),
            OpenedLink::Collect(c) => c.owner(),
        }
    }

    fn verified(&self) -> JsResult<&VerifiedHistory> {
        self.history.as_ref().ok_or_else(|| {
            crate::named_error(
                "HistoryNotVerified",
                "verify the album history first (verifyHistory)",
            )
        })
    }
}

/// Splits the `history` file into entries: `be32(length) || entry`, each length in
/// `1..=HISTORY_ENTRY_MAX_LEN`, at most `MAX_HISTORY_ENTRIES` entries, nothing left over.
fn unframe(mut framed: &[u8]) -> JsResult<Vec<&[u8]>> {
    let bad = |reason| crate::js_error(&keepsake::Error::MalformedHistoryEntry { reason });
    let mut entries = Vec::new();
    while !framed.is_empty() {
        if entries.len() == MAX_HISTORY_ENTRIES {
            return Err(bad("more entries than a history holds"));
        }
        let (len, rest) = framed
            .split_at_checked(4)
            .ok_or_else(|| bad("entry length cut short"))?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if len == 0 || len > HISTORY_ENTRY_MAX_LEN {
            return Err(bad("entry length out of range"));
        }
        let (entry, rest) = rest
            .split_at_checked(len)
            .ok_or_else(|| bad("entry cut short"))?;
        entries.push(entry);
        framed = rest;
    }
    Ok(entries)
}

/// An album key from raw bytes (SPEC.md 5.8's key injection), as the native bindings'
/// `AlbumKey.fromSecretBytes`: for the known-answer vectors, and for an app that already
/// holds an album key and opens a collect link's drops with it. Wiped when freed; its bytes
/// never leave Rust (no getter, no export).
#[wasm_bindgen(js_name = AlbumKey)]
pub struct WebAlbumKey {
    key: keepsake::AlbumKey,
}

#[wasm_bindgen(js_class = AlbumKey)]
impl WebAlbumKey {
    /// The key of album `album_id` (16 bytes) at `epoch` from its 32 secret bytes.
    ///
    /// # Errors
    /// `InvalidLength` for an album id that is not 16 bytes or a secret that is not 32.
    #[wasm_bindgen(js_name = fromSecretBytes)]
    pub fn from_secret_bytes(album_id: &[u8], epoch: u64, secret: &[u8]) -> JsResult<WebAlbumKey> {
        let id = js(AlbumId::from_slice(album_id))?;
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(secret.try_into().map_err(|_| {
            crate::js_error(&keepsake::Error::InvalidLength {
                what: "album key",
                expected: 32,
                got: secret.len(),
            })
        })?);
        Ok(Self {
            key: keepsake::AlbumKey::from_bytes(id, epoch, *bytes),
        })
    }

    /// Opens a collect-link drop of this album epoch (SPEC.md 5.13), as [`Link::open_drop`]:
    /// `[display name, media id hex, uploader fingerprint]`.
    ///
    /// # Errors
    /// As `keepsake::link::open_drop` (`DropWrongAlbum` for a drop of another album or
    /// epoch, checked first).
    #[wasm_bindgen(js_name = openDrop)]
    pub fn open_drop(&self, drop: &[u8]) -> JsResult<Array> {
        let opened = js(link::open_drop(&self.key, drop))?;
        Ok(drop_summary(&opened))
    }

    /// A string form without the key: the album id and epoch only.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "AlbumKey(album {}, epoch {}, secret redacted)",
            self.key.album_id(),
            self.key.epoch()
        )
    }
}

/// What `openDrop` returns: `[display name, media id hex, uploader fingerprint]`.
fn drop_summary(opened: &link::OpenedDrop) -> Array {
    [
        opened.display_name().to_owned(),
        hex(opened.media_id().as_bytes()),
        opened.uploader_fingerprint(),
    ]
    .iter()
    .map(|s| JsValue::from_str(s))
    .collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
