//! Selection grants and print orders (SPEC.md 5.11): chosen parts of chosen items granted to
//! one identity, opened item by item with per-part keys.

use std::sync::{Arc, Mutex};

use keepsake::AlbumId;
use keepsake::selection::{
    self, SelectedItem as CoreSelectedItem, SelectedPart as CoreSelectedPart, SelectionExpect,
};
use keepsake::stream::OpenOptions;

use crate::account::{Keyring, hex, identity_key};
use crate::error::{KeepsakeError, Result};
use crate::history::{VerifiedHistory, entry_hash};
use crate::media::{MediaKey, MediaKind, StreamOpener, item, parse_media_id};
use crate::provenance::{PartHashes, PartKind};

/// One stored part of an item to grant, given by the stored object's first bytes (the
/// whole object also works).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SelectedPart {
    /// A sealed media stream: at least its 88-byte header (its kind is the header's).
    Stream {
        /// The sealed stream's first bytes.
        sealed_prefix: Vec<u8>,
    },
    /// The item's metadata envelope: at least its 57-byte header.
    Metadata {
        /// The envelope's first bytes.
        envelope_prefix: Vec<u8>,
    },
}

/// One item to grant: its ids, its media key (only used to derive the part keys, never put
/// in the grant), the parts chosen, and its signed manifest if it has one
/// (`parse_item_record(record).manifest`).
#[derive(uniffi::Record)]
pub struct SelectedItem {
    /// The media id (16 bytes).
    pub media_id: Vec<u8>,
    /// The epoch the item was sealed under.
    pub epoch: u64,
    /// The item's media key.
    pub media_key: Arc<MediaKey>,
    /// The parts to grant (at most one per kind).
    pub parts: Vec<SelectedPart>,
    /// The item's manifest bytes, if signed.
    pub manifest: Option<Vec<u8>>,
}

/// Calls `f` with `items` as the core's selected items (they borrow the prefixes).
pub(crate) fn with_core_items<R>(
    items: &[SelectedItem],
    f: impl FnOnce(&[CoreSelectedItem<'_>]) -> Result<R>,
) -> Result<R> {
    let parts: Vec<Vec<CoreSelectedPart<'_>>> = items
        .iter()
        .map(|i| {
            i.parts
                .iter()
                .map(|p| match p {
                    SelectedPart::Stream { sealed_prefix } => {
                        CoreSelectedPart::Stream(sealed_prefix)
                    }
                    SelectedPart::Metadata { envelope_prefix } => {
                        CoreSelectedPart::Metadata(envelope_prefix)
                    }
                })
                .collect()
        })
        .collect();
    let core_items = items
        .iter()
        .zip(&parts)
        .map(|(i, parts)| {
            Ok(CoreSelectedItem {
                media_id: parse_media_id(&i.media_id)?,
                epoch: i.epoch,
                media_key: &i.media_key.inner,
                parts,
                manifest: i.manifest.as_deref(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    f(&core_items)
}

/// The public header of a selection grant: the print order record (what, from whom, until
/// when). Not authenticated until `accept_selection`. Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct SelectionInfo {
    /// The digest of the identity the grant claims to come from (32 bytes).
    pub sender_identity_digest: Vec<u8>,
    /// That identity's safety number.
    pub sender_fingerprint: String,
    /// The digest of the identity it is addressed to (32 bytes).
    pub recipient_identity_digest: Vec<u8>,
    /// The album id (16 bytes).
    pub album_id: Vec<u8>,
    /// The selection's id (16 bytes): the print order's number.
    pub selection_id: Vec<u8>,
    /// When the grant expires, in Unix seconds (the server deletes it then; no clock is
    /// checked: expired when `now >= expires_at`).
    pub expires_at: u64,
    /// The hash of the album history entry the grant relies on (32 bytes).
    pub history_entry: Vec<u8>,
    /// How many items the grant holds.
    pub item_count: u64,
}

impl SelectionInfo {
    fn from_core(info: &selection::SelectionInfo) -> Self {
        Self {
            sender_identity_digest: info.sender.to_vec(),
            sender_fingerprint: info.sender_fingerprint(),
            recipient_identity_digest: info.recipient.to_vec(),
            album_id: info.album_id.as_bytes().to_vec(),
            selection_id: info.selection_id.to_vec(),
            expires_at: info.expires_at,
            history_entry: info.history.to_vec(),
            item_count: info.item_count as u64,
        }
    }
}

/// Reads a selection grant's public header with no key (nothing verified).
///
/// # Errors
/// `MalformedSelection`, `UnsupportedVersion`, `UnsupportedSuite`, `TooLarge`.
#[uniffi::export]
pub fn inspect_selection(grant: Vec<u8>) -> Result<SelectionInfo> {
    Ok(SelectionInfo::from_core(&selection::inspect_selection(
        &grant,
    )?))
}

/// One item of an accepted selection: its ids, the parts granted, whether it is signed.
/// Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct SelectionItemInfo {
    /// The media id (16 bytes).
    pub media_id: Vec<u8>,
    /// The epoch it was sealed under.
    pub epoch: u64,
    /// The parts granted, in increasing kind order.
    pub parts: Vec<PartKind>,
    /// Whether the item carries a signed manifest.
    pub signed: bool,
}

#[uniffi::export]
impl Keyring {
    /// Grants chosen parts of chosen items of album `album_id` to the identity `recipient`
    /// (a print service): it opens those parts and nothing else. `history_entry` is the
    /// hash of the album history entry the grant relies on; `expires_at` is in Unix seconds.
    ///
    /// # Errors
    /// `MalformedSelection` (no item, too many, a part given twice, a header not of the
    /// item), `TooLarge`, `InvalidLength` / `InvalidPublicKey`, `RandomnessUnavailable`.
    pub fn grant_selection(
        &self,
        recipient: Vec<u8>,
        album_id: Vec<u8>,
        history_entry: Vec<u8>,
        expires_at: u64,
        items: Vec<SelectedItem>,
    ) -> Result<Vec<u8>> {
        let (recipient, album_id, history) = (
            identity_key(&recipient)?,
            AlbumId::from_slice(&album_id)?,
            entry_hash(&history_entry)?,
        );
        with_core_items(&items, |items| {
            Ok(self
                .inner
                .grant_selection(&recipient, album_id, history, expires_at, items)?)
        })
    }

    /// Accepts a selection grant from the identity `sender` (checked by its fingerprint),
    /// optionally requiring an album and a history entry.
    ///
    /// # Errors
    /// `MalformedSelection`, `UnsupportedVersion`, `UnsupportedSuite`,
    /// `SelectionWrongRecipient`, `SelectionWrongSender`, `SelectionWrongAlbum`,
    /// `SelectionWrongHistory`, `SelectionBadSignature`, `DecryptionFailed`, and for a
    /// signed item whose manifest does not match, the provenance errors.
    #[uniffi::method(default(expected_album = None, expected_history_entry = None))]
    pub fn accept_selection(
        &self,
        grant: Vec<u8>,
        sender: Vec<u8>,
        expected_album: Option<Vec<u8>>,
        expected_history_entry: Option<Vec<u8>>,
    ) -> Result<Arc<Selection>> {
        let expect = SelectionExpect {
            album_id: expected_album
                .map(|a| AlbumId::from_slice(&a))
                .transpose()?,
            history: expected_history_entry.map(|h| entry_hash(&h)).transpose()?,
        };
        let inner = self
            .inner
            .accept_selection(&grant, &identity_key(&sender)?, &expect)?;
        Ok(Arc::new(Selection {
            inner: inner.into(),
        }))
    }
}

/// An accepted selection: opens the granted parts of the granted items, nothing else
/// (`NotInSelection`). Holds the part keys (wiped on drop); string forms show none.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct Selection {
    /// Accepted from a grant, or lent by an opened selection link (`open_link`).
    pub(crate) inner: crate::link::Held<selection::Selection, keepsake::link::SelectionLink>,
}

#[uniffi::export]
impl Selection {
    /// The grant's header, now authenticated (the print order record).
    pub fn info(&self) -> SelectionInfo {
        SelectionInfo::from_core(self.inner.info())
    }

    /// The sender's identity public key (1248 bytes), whose signature verified.
    pub fn sender(&self) -> Vec<u8> {
        self.inner.sender().to_bytes()
    }

    /// Checks the grant against the album's verified history: of the grant's album, holding
    /// the entry the grant names, with the sender a member there. Without it the entry is
    /// only a signed claim; each item's uploader is checked by `uploader`.
    ///
    /// # Errors
    /// `SelectionWrongAlbum`; `HistoryUnknownEntry` if `history` lacks the entry (fetch the
    /// newest chain once and retry); `SelectionWrongSender`.
    pub fn check_history(&self, history: Arc<VerifiedHistory>) -> Result<()> {
        Ok(self.inner.check_history(&history.inner)?)
    }

    /// The items, in increasing media id order.
    pub fn items(&self) -> Result<Vec<SelectionItemInfo>> {
        self.inner
            .items()
            .iter()
            .map(|i| {
                Ok(SelectionItemInfo {
                    media_id: i.media_id().as_bytes().to_vec(),
                    epoch: i.epoch(),
                    parts: i
                        .parts()
                        .into_iter()
                        .map(PartKind::from_core)
                        .collect::<Result<_>>()?,
                    signed: i.manifest().is_some(),
                })
            })
            .collect()
    }

    /// Item `media_id`'s uploader (identity public key), checked against the album's
    /// verified history.
    ///
    /// # Errors
    /// `NotInSelection`, `ProvenanceUnsigned`, `ProvenanceWrongItem`,
    /// `HistoryUnknownEntry`, `ProvenanceNotMember`.
    pub fn uploader(&self, media_id: Vec<u8>, history: Arc<VerifiedHistory>) -> Result<Vec<u8>> {
        let item = self.inner.item(&parse_media_id(&media_id)?)?;
        Ok(item.uploader(&history.inner)?.to_bytes())
    }

    /// Opens the whole sealed part `kind` of item `media_id`.
    ///
    /// # Errors
    /// `NotInSelection`; `DecryptionFailed` for another or altered object; as `MediaKey::open`.
    pub fn open_part(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>> {
        self.inner
            .open_part(&parse_media_id(&media_id)?, kind.into(), &sealed)
            .map_err(|e| KeepsakeError::about(e, item(&media_id, kind)))
    }

    /// Opens plaintext `[offset, offset + length)` of part `kind` of item `media_id`.
    ///
    /// # Errors
    /// `NotInSelection`; as `MediaKey::open_range`.
    pub fn open_range(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        sealed: Vec<u8>,
        offset: u64,
        length: u64,
    ) -> Result<Vec<u8>> {
        let mut source = std::io::Cursor::new(sealed);
        self.inner
            .open_range(
                &parse_media_id(&media_id)?,
                kind.into(),
                &mut source,
                offset,
                length,
            )
            .map_err(|e| KeepsakeError::about(e, item(&media_id, kind)))
    }

    /// A streaming opener of part `kind` of item `media_id` (push sealed bytes in pieces).
    ///
    /// # Errors
    /// `NotInSelection`.
    pub fn opener(&self, media_id: Vec<u8>, kind: MediaKind) -> Result<Arc<StreamOpener>> {
        let opener = self.inner.push_opener(
            &parse_media_id(&media_id)?,
            kind.into(),
            &OpenOptions::default(),
        )?;
        Ok(Arc::new(StreamOpener {
            inner: Mutex::new(Some(opener)),
        }))
    }

    /// Opens item `media_id`'s metadata envelope, if granted: its item record.
    ///
    /// # Errors
    /// `NotInSelection`; `DecryptionFailed` for another envelope.
    pub fn open_metadata(&self, media_id: Vec<u8>, envelope: Vec<u8>) -> Result<Vec<u8>> {
        Ok(self
            .inner
            .open_metadata(&parse_media_id(&media_id)?, &envelope)?)
    }

    /// Checks a whole sealed part of item `media_id` against its signed manifest, with no
    /// key (any part the manifest lists, granted or not).
    ///
    /// # Errors
    /// `NotInSelection`, `ProvenanceUnsigned`, `ProvenanceMismatch`, header errors.
    pub fn verify_part(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        sealed: Vec<u8>,
    ) -> Result<PartHashes> {
        Ok(PartHashes::from_core(&self.inner.verify_part(
            &parse_media_id(&media_id)?,
            kind.into(),
            &sealed,
        )?))
    }
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let info = self.inner.info();
        write!(
            f,
            "Selection(id {}, album {}, {} items, expires {}, part keys redacted)",
            hex(&info.selection_id),
            hex(info.album_id.as_bytes()),
            info.item_count,
            info.expires_at
        )
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
