//! An accepted selection (SPEC.md 5.11): the part keys of the chosen parts, and nothing
//! that opens anything else.

use std::fmt;
use std::io::{Read, Seek};

use zeroize::Zeroizing;

use super::SelectionInfo;
use crate::envelope::EnvelopePartKey;
use crate::history::VerifiedHistory;
use crate::identity::IdentityPublicKey;
use crate::provenance::{Manifest, PartHashes, PartKind};
use crate::stream::{self, OpenOptions, Opener, PushOpener, StreamKey, StreamPartKey};
use crate::{Error, MediaId, MediaKind, Result};

/// A selection grant, accepted: what it names (its public header, the print order record)
/// and, per item, the part keys of exactly the parts granted. Not `Clone`: it holds keys,
/// which are wiped on drop; `Debug` shows no key.
pub struct Selection {
    info: SelectionInfo,
    sender: IdentityPublicKey,
    items: Vec<SelectionItem>,
}

/// One item of an accepted selection: its ids, which parts were granted, and its verified
/// manifest if it was signed. Holds the part keys (wiped on drop; `Debug` shows none).
pub struct SelectionItem {
    media_id: MediaId,
    epoch: u64,
    streams: Vec<(MediaKind, StreamPartKey)>,
    metadata: Option<EnvelopePartKey>,
    manifest: Option<Manifest>,
}

impl SelectionItem {
    pub(super) fn new(media_id: MediaId, epoch: u64) -> Self {
        Self {
            media_id,
            epoch,
            streams: Vec::new(),
            metadata: None,
            manifest: None,
        }
    }

    pub(super) fn add_stream(&mut self, kind: MediaKind, key: StreamPartKey) {
        self.streams.push((kind, key));
    }

    pub(super) fn set_metadata(&mut self, key: EnvelopePartKey) {
        self.metadata = Some(key);
    }

    pub(super) fn set_manifest(&mut self, manifest: Manifest) {
        self.manifest = Some(manifest);
    }

    /// The item's media id.
    pub fn media_id(&self) -> MediaId {
        self.media_id
    }

    /// The epoch the item was sealed under.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The parts granted, in increasing kind order.
    pub fn parts(&self) -> Vec<PartKind> {
        let streams = self.streams.iter().map(|(kind, _)| PartKind::Media(*kind));
        streams
            .chain(self.metadata.as_ref().map(|_| PartKind::Metadata))
            .collect()
    }

    /// The item's manifest, whose signature verified under the uploader key it names (its
    /// ids are this item's, album's and epoch's). `None` for an unsigned item. It shows the
    /// sizes and roots of every part, granted or not, and the metadata's hash (SPEC.md 5.11).
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// The item's uploader, checked against the album's verified history (SPEC.md 5.10,
    /// 5.12) as [`crate::provenance::verify_item`] checks it: the manifest names an entry
    /// of `history`, the album's epoch at that entry is the item's, and the uploader is a
    /// member there. The recipient of a selection gets the chain from the sender or the
    /// server and verifies it against the owner's identity first.
    ///
    /// # Errors
    /// [`Error::ProvenanceUnsigned`] for an item with no manifest;
    /// [`Error::ProvenanceWrongItem`] for a history of another album, or an epoch at the
    /// named entry that is not the item's; [`Error::HistoryUnknownEntry`] if `history`
    /// does not hold the named entry; [`Error::ProvenanceNotMember`] if the uploader is not
    /// a member at it.
    pub fn uploader(&self, history: &VerifiedHistory) -> Result<&IdentityPublicKey> {
        let manifest = self.manifest.as_ref().ok_or(Error::ProvenanceUnsigned)?;
        if manifest.album_id() != history.album_id()
            || history.epoch_at(manifest.history())? != self.epoch
        {
            return Err(Error::ProvenanceWrongItem);
        }
        if history.is_member_at(manifest.history(), &manifest.uploader().digest())? {
            Ok(manifest.uploader())
        } else {
            Err(Error::ProvenanceNotMember)
        }
    }

    fn stream(&self, kind: MediaKind) -> Result<&StreamPartKey> {
        self.streams
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, key)| key)
            .ok_or(Error::NotInSelection {
                what: "this part of the item",
            })
    }
}

impl fmt::Debug for SelectionItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectionItem")
            .field("media_id", &self.media_id)
            .field("epoch", &self.epoch)
            .field("parts", &self.parts())
            .field("part_keys", &"[redacted]")
            .field("signed", &self.manifest.is_some())
            .finish()
    }
}

impl Selection {
    pub(crate) fn new(
        info: SelectionInfo,
        sender: IdentityPublicKey,
        items: Vec<SelectionItem>,
    ) -> Self {
        Self {
            info,
            sender,
            items,
        }
    }

    /// The grant's public header, now authenticated: the print order record (selection
    /// id, expiry, item count, album, history entry).
    pub fn info(&self) -> &SelectionInfo {
        &self.info
    }

    /// The sender, whose signature verified.
    pub fn sender(&self) -> &IdentityPublicKey {
        &self.sender
    }

    /// Checks the grant against the album's verified history (SPEC.md 5.11, 5.12): the
    /// history is of the grant's album, holds the entry the grant names, and the sender was
    /// a member at that entry. A recipient who has the chain (from the sender or the
    /// server, verified against the owner's identity) calls this after accepting; without
    /// it the entry is only a signed claim. Each item's uploader is checked separately
    /// ([`SelectionItem::uploader`]).
    ///
    /// # Errors
    /// [`Error::SelectionWrongAlbum`] for a history of another album;
    /// [`Error::HistoryUnknownEntry`] if `history` does not hold the named entry (fetch the
    /// newest chain; still unknown, the chains forked); [`Error::SelectionWrongSender`] if
    /// the sender was not a member there.
    pub fn check_history(&self, history: &VerifiedHistory) -> Result<()> {
        if history.album_id() != self.info.album_id {
            return Err(Error::SelectionWrongAlbum);
        }
        if !history.is_member_at(&self.info.history, &self.sender.digest())? {
            return Err(Error::SelectionWrongSender);
        }
        Ok(())
    }

    /// The items, in increasing media id order.
    pub fn items(&self) -> &[SelectionItem] {
        &self.items
    }

    /// The item `media_id`.
    ///
    /// # Errors
    /// [`Error::NotInSelection`] if the grant does not hold it.
    pub fn item(&self, media_id: &MediaId) -> Result<&SelectionItem> {
        self.items
            .binary_search_by_key(media_id, |item| item.media_id)
            .map(|at| &self.items[at])
            .map_err(|_| Error::NotInSelection { what: "this item" })
    }

    /// Item `media_id`'s manifest: `NotInSelection` if not granted, `ProvenanceUnsigned`
    /// if unsigned.
    fn signed_manifest(&self, media_id: &MediaId) -> Result<&Manifest> {
        self.item(media_id)?
            .manifest
            .as_ref()
            .ok_or(Error::ProvenanceUnsigned)
    }

    fn part_key(&self, media_id: &MediaId, kind: MediaKind) -> Result<&StreamPartKey> {
        self.item(media_id)?.stream(kind)
    }

    /// Opens the whole sealed part `kind` of item `media_id` with its part key: the
    /// object's header must be exactly the one granted (a re-sealed version, another
    /// part or another item is refused before any chunk is read), then as
    /// [`stream::open`].
    ///
    /// # Errors
    /// [`Error::NotInSelection`] for an item or part not granted; header errors as
    /// [`stream::Header::parse`]; [`Error::DecryptionFailed`] for another object or
    /// altered data; the structural errors of [`stream::open`].
    pub fn open_part(&self, media_id: &MediaId, kind: MediaKind, sealed: &[u8]) -> Result<Vec<u8>> {
        self.open_part_with(media_id, kind, sealed, &OpenOptions::default())
    }

    /// [`Selection::open_part`] with explicit options.
    ///
    /// # Errors
    /// As [`Selection::open_part`].
    pub fn open_part_with(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        sealed: &[u8],
        options: &OpenOptions,
    ) -> Result<Vec<u8>> {
        let key = self.part_key(media_id, kind)?;
        stream::open_with_key(StreamKey::Part(key), media_id, kind, sealed, options)
    }

    /// A streaming [`Opener`] of part `kind` of item `media_id` (SPEC.md 3.5 with the part
    /// key's header check).
    ///
    /// # Errors
    /// [`Error::NotInSelection`]; as [`Opener::new`].
    pub fn opener<R: Read>(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        inner: R,
        options: &OpenOptions,
    ) -> Result<Opener<R>> {
        let key = self.part_key(media_id, kind)?;
        Opener::with_key(StreamKey::Part(key), media_id, kind, inner, options)
    }

    /// A [`PushOpener`] of part `kind` of item `media_id` (it keeps a copy of the part
    /// key, wiped on drop).
    ///
    /// # Errors
    /// [`Error::NotInSelection`].
    pub fn push_opener(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        options: &OpenOptions,
    ) -> Result<PushOpener> {
        let key = self.part_key(media_id, kind)?;
        let copy = StreamPartKey::new(*key.header(), Zeroizing::new(*key.payload_key()));
        Ok(PushOpener::with_part_key(copy, media_id, kind, options))
    }

    /// Opens plaintext `[offset, offset + len)` of part `kind` of item `media_id`
    /// (SPEC.md 3.7), with the part key.
    ///
    /// # Errors
    /// [`Error::NotInSelection`]; as [`stream::open_range`].
    pub fn open_range<R: Read + Seek>(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        source: &mut R,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>> {
        let key = self.part_key(media_id, kind)?;
        stream::open_range_with_key(StreamKey::Part(key), media_id, kind, source, offset, len)
    }

    /// [`Selection::open_range`] checked against the item's signed manifest (SPEC.md 5.10,
    /// 5.11), as [`crate::provenance::VerifiedItem::open_range`] checks it: `hash_list`
    /// (the part's chunk hash list, from any source) must give the signed root, the object
    /// the signed length, and each chunk the range opens its hash, before it is decrypted.
    /// Check the uploader first ([`SelectionItem::uploader`]).
    ///
    /// # Errors
    /// [`Error::NotInSelection`]; [`Error::ProvenanceUnsigned`] for an unsigned item;
    /// [`Error::ProvenanceMismatch`]; [`Error::ProvenanceChunkMismatch`] with the first
    /// chunk that differs; as [`stream::open_range`].
    #[allow(clippy::too_many_arguments)]
    pub fn open_range_verified<R: Read + Seek>(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        source: &mut R,
        offset: u64,
        len: u64,
        hash_list: &[u8],
    ) -> Result<Vec<u8>> {
        let key = self.part_key(media_id, kind)?;
        let manifest = self.signed_manifest(media_id)?;
        crate::provenance::open_range_against(
            manifest,
            StreamKey::Part(key),
            kind,
            source,
            offset,
            len,
            hash_list,
        )
    }

    /// Opens item `media_id`'s metadata envelope, if the metadata was granted: the item
    /// record (SPEC.md 5.10), with its manifest and the app's metadata.
    ///
    /// # Errors
    /// [`Error::NotInSelection`]; the envelope's errors (SPEC.md 4.4); an envelope that is
    /// not exactly the one granted is [`Error::DecryptionFailed`].
    pub fn open_metadata(&self, media_id: &MediaId, envelope: &[u8]) -> Result<Vec<u8>> {
        let key = self
            .item(media_id)?
            .metadata
            .as_ref()
            .ok_or(Error::NotInSelection {
                what: "this part of the item",
            })?;
        key.open(media_id, envelope)
    }

    /// Checks a whole sealed part of item `media_id` against the item's signed manifest,
    /// with no key (SPEC.md 5.10, "Verifying a part"). Works for any part the manifest
    /// lists, granted or not (it only hashes ciphertext).
    ///
    /// # Errors
    /// [`Error::NotInSelection`] for an item not granted; [`Error::ProvenanceUnsigned`] for
    /// an unsigned item; as [`crate::provenance::VerifiedItem::verify_part`].
    pub fn verify_part(
        &self,
        media_id: &MediaId,
        kind: MediaKind,
        sealed: &[u8],
    ) -> Result<PartHashes> {
        let manifest = self.signed_manifest(media_id)?;
        crate::provenance::verify_sealed_part(manifest, kind, sealed)
    }
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection")
            .field("info", &self.info)
            .field("sender", &crate::sharing::fingerprint(&self.sender))
            .field("items", &self.items)
            .finish()
    }
}
