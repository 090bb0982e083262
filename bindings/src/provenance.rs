//! Signed provenance (SPEC.md 5.10): parts sealed with their hash lists, items signed by
//! their uploader, verified against the album's history.

use std::sync::Arc;

use keepsake::AlbumId;
use keepsake::provenance::{
    self, ItemRecord, PartEntry as CorePartEntry, PartKind as CorePartKind,
};
use keepsake::stream::{self, OpenOptions, SealOptions};

use crate::account::{Keyring, hex};
use crate::error::{KeepsakeError, Result};
use crate::history::{VerifiedHistory, entry_hash};
use crate::media::{MediaKey, MediaKind, item, parse_media_id};

/// What a manifest part is: one of the item's sealed streams (by its media kind), or its
/// metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PartKind {
    /// The original stream.
    Original,
    /// The thumbnail stream.
    Thumbnail,
    /// The preview stream.
    Preview,
    /// The sidecar stream.
    Sidecar,
    /// The item's metadata.
    Metadata,
}

impl PartKind {
    pub(crate) fn from_core(kind: CorePartKind) -> Result<Self> {
        Ok(match kind {
            CorePartKind::Media(kind) => match MediaKind::try_from(kind)? {
                MediaKind::Original => Self::Original,
                MediaKind::Thumbnail => Self::Thumbnail,
                MediaKind::Preview => Self::Preview,
                MediaKind::Sidecar => Self::Sidecar,
            },
            CorePartKind::Metadata => Self::Metadata,
        })
    }

    fn to_core(self) -> CorePartKind {
        let media = |kind: MediaKind| CorePartKind::Media(kind.into());
        match self {
            Self::Original => media(MediaKind::Original),
            Self::Thumbnail => media(MediaKind::Thumbnail),
            Self::Preview => media(MediaKind::Preview),
            Self::Sidecar => media(MediaKind::Sidecar),
            Self::Metadata => CorePartKind::Metadata,
        }
    }
}

/// One part of an item as the manifest records it (public data). Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct PartEntry {
    /// Which part.
    pub kind: PartKind,
    /// log2 of the chunk size (0 for the metadata).
    pub chunk_log2: u8,
    /// The plaintext length.
    pub plaintext_len: u64,
    /// The number of chunks (0 for the metadata).
    pub chunk_count: u64,
    /// The part root (32 bytes): the public ciphertext digest the server keeps.
    pub root: Vec<u8>,
}

impl PartEntry {
    pub(crate) fn from_core(entry: &CorePartEntry) -> Result<Self> {
        Ok(Self {
            kind: PartKind::from_core(entry.kind)?,
            chunk_log2: entry.chunk_log2,
            plaintext_len: entry.plaintext_len,
            chunk_count: entry.chunk_count,
            root: entry.root.to_vec(),
        })
    }

    pub(crate) fn to_core(&self) -> Result<CorePartEntry> {
        Ok(CorePartEntry {
            kind: self.kind.to_core(),
            chunk_log2: self.chunk_log2,
            plaintext_len: self.plaintext_len,
            chunk_count: self.chunk_count,
            root: entry_hash(&self.root).map_err(|_| {
                KeepsakeError::from(keepsake::Error::InvalidLength {
                    what: "part root",
                    expected: 32,
                    got: self.root.len(),
                })
            })?,
        })
    }
}

/// A part sealed with provenance ([`MediaKey::seal_part`]): the sealed stream (byte for byte
/// what `seal` writes), its manifest entry for `Keyring::sign_item`, and its chunk hash list
/// (32 bytes per chunk) for verified range reads. Public data besides the ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct SealedPart {
    /// The sealed stream.
    pub sealed: Vec<u8>,
    /// The part's manifest entry.
    pub entry: PartEntry,
    /// The chunk hashes, concatenated.
    pub hash_list: Vec<u8>,
}

/// The chunk hashes of a sealed part and their root, recomputed with no key (a server's
/// rot check). Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct PartHashes {
    /// The part root (32 bytes).
    pub root: Vec<u8>,
    /// The chunk hashes, concatenated (32 bytes each).
    pub hash_list: Vec<u8>,
}

impl PartHashes {
    pub(crate) fn from_core(hashes: &provenance::PartHashes) -> Self {
        Self {
            root: hashes.root().to_vec(),
            hash_list: hashes.list_bytes(),
        }
    }
}

/// Recomputes a sealed part's chunk hashes and root, with no key.
///
/// # Errors
/// Header errors (`BadMagic`, `TruncatedHeader`, ...) and `TruncatedStream`.
#[uniffi::export]
pub fn part_hashes(sealed: Vec<u8>) -> Result<PartHashes> {
    Ok(PartHashes::from_core(&provenance::part_hashes(&sealed)?))
}

/// An item record split in its signed manifest (absent for an unsigned item) and the app's
/// metadata. Public once opened; compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct ItemRecordParts {
    /// The manifest bytes (SPEC.md 5.10), if the item is signed.
    pub manifest: Option<Vec<u8>>,
    /// The app's metadata.
    pub metadata: Vec<u8>,
}

/// Splits an item record (the plaintext of an item's metadata envelope) without verifying
/// it: what a grantor reads to pass an item's manifest to `grant_selection`.
///
/// # Errors
/// `MalformedManifest` for a record that does not parse.
#[uniffi::export]
pub fn parse_item_record(record: Vec<u8>) -> Result<ItemRecordParts> {
    let parsed = ItemRecord::parse(&record)?;
    Ok(ItemRecordParts {
        manifest: parsed.manifest().map(<[u8]>::to_vec),
        metadata: parsed.metadata().to_vec(),
    })
}

#[uniffi::export]
impl MediaKey {
    /// Seals `plaintext` as item `media_id`'s rendition `kind`, computing its provenance
    /// (the same sealed bytes as `seal`, plus its manifest entry and hash list).
    pub fn seal_part(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        plaintext: Vec<u8>,
    ) -> Result<SealedPart> {
        let options = SealOptions::default().with_provenance(true);
        let (sealed, part) = stream::seal_part(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &plaintext,
            &options,
        )?;
        Ok(SealedPart {
            sealed,
            entry: PartEntry::from_core(&part.entry())?,
            hash_list: part.hashes().list_bytes(),
        })
    }
}

#[uniffi::export]
impl Keyring {
    /// Signs an item as its uploader and returns its item record: the plaintext to seal as
    /// the item's metadata envelope (`MediaKey::seal_blob(MediaBlob.METADATA, record)`).
    /// `parts` are the entries of its sealed streams (`SealedPart::entry`); the metadata
    /// part is added from `metadata`. `history_entry` is the hash of the album history entry
    /// the item relies on (the uploader's verified head, whose epoch is `epoch`).
    ///
    /// # Errors
    /// `MalformedManifest` (no part, two parts of one kind, a metadata entry in `parts`);
    /// `TooLarge`; `InvalidLength` for a bad id or hash.
    pub fn sign_item(
        &self,
        media_id: Vec<u8>,
        album_id: Vec<u8>,
        epoch: u64,
        history_entry: Vec<u8>,
        parts: Vec<PartEntry>,
        metadata: Vec<u8>,
    ) -> Result<Vec<u8>> {
        let parts = parts
            .iter()
            .map(PartEntry::to_core)
            .collect::<Result<Vec<_>>>()?;
        Ok(self.inner.sign_item(
            &parse_media_id(&media_id)?,
            AlbumId::from_slice(&album_id)?,
            epoch,
            &entry_hash(&history_entry)?,
            &parts,
            &metadata,
        )?)
    }
}

/// An item whose manifest verified (`verify_item`): its uploader was a member at the history
/// entry it names, the signature is the uploader's, the metadata is the signed one. Its
/// parts are checked as they are opened. Holds no key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct VerifiedItem {
    inner: provenance::VerifiedItem,
    media_id: Vec<u8>,
}

/// Verifies an item record (the opened plaintext of the item's metadata envelope) for media
/// `media_id` sealed under `epoch`, against the album's verified history.
///
/// # Errors
/// `ProvenanceUnsigned`, `MalformedManifest` (and the other parse errors),
/// `ProvenanceWrongItem`, `HistoryUnknownEntry`, `ProvenanceNotMember`,
/// `ProvenanceBadSignature`, `ProvenanceMismatch` (the metadata).
#[uniffi::export]
pub fn verify_item(
    record: Vec<u8>,
    media_id: Vec<u8>,
    epoch: u64,
    history: Arc<VerifiedHistory>,
) -> Result<Arc<VerifiedItem>> {
    let inner =
        provenance::verify_item(&record, &parse_media_id(&media_id)?, epoch, &history.inner)?;
    Ok(Arc::new(VerifiedItem { inner, media_id }))
}

#[uniffi::export]
impl VerifiedItem {
    /// The verified uploader's identity public key (1248 bytes).
    pub fn uploader(&self) -> Vec<u8> {
        self.inner.uploader().to_bytes()
    }

    /// The verified uploader's safety number, for display.
    pub fn uploader_fingerprint(&self) -> String {
        self.inner.uploader_fingerprint()
    }

    /// The app's metadata, as signed.
    pub fn metadata(&self) -> Vec<u8> {
        self.inner.metadata().to_vec()
    }

    /// The manifest's parts.
    pub fn parts(&self) -> Result<Vec<PartEntry>> {
        self.inner
            .manifest()
            .parts()
            .iter()
            .map(PartEntry::from_core)
            .collect()
    }

    /// The history entry hash the manifest names (32 bytes).
    pub fn history_entry(&self) -> Vec<u8> {
        self.inner.manifest().history().to_vec()
    }

    /// Checks a whole sealed part against the manifest with no key; returns its hashes.
    ///
    /// # Errors
    /// Header errors, `TruncatedStream`, `ProvenanceMismatch`.
    pub fn verify_part(&self, kind: MediaKind, sealed: Vec<u8>) -> Result<PartHashes> {
        Ok(PartHashes::from_core(
            &self.inner.verify_part(kind.into(), &sealed)?,
        ))
    }

    /// Verifies then opens a whole sealed part with the item's media key.
    ///
    /// # Errors
    /// As `verify_part`, then as `MediaKey::open`.
    pub fn open_part(
        &self,
        media_key: Arc<MediaKey>,
        kind: MediaKind,
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>> {
        self.inner
            .open_part(
                &media_key.inner,
                kind.into(),
                &sealed,
                &OpenOptions::default(),
            )
            .map_err(|e| KeepsakeError::about(e, item(&self.media_id, kind)))
    }

    /// Opens plaintext `[offset, offset + length)` of a sealed part, checking the hash list
    /// against the signed root and each chunk read against its hash.
    ///
    /// # Errors
    /// `ProvenanceMismatch` (hash list, length, chunk size), `ProvenanceChunkMismatch`,
    /// then as `MediaKey::open_range`.
    pub fn open_range(
        &self,
        media_key: Arc<MediaKey>,
        kind: MediaKind,
        sealed: Vec<u8>,
        offset: u64,
        length: u64,
        hash_list: Vec<u8>,
    ) -> Result<Vec<u8>> {
        let mut source = std::io::Cursor::new(sealed);
        self.inner
            .open_range(
                &media_key.inner,
                kind.into(),
                &mut source,
                offset,
                length,
                &hash_list,
            )
            .map_err(|e| KeepsakeError::about(e, item(&self.media_id, kind)))
    }
}

impl std::fmt::Debug for VerifiedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VerifiedItem(media {}, uploader {})",
            hex(&self.media_id),
            self.inner.uploader_fingerprint()
        )
    }
}

impl std::fmt::Display for VerifiedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
