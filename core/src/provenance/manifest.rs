//! The manifest (SPEC.md 5.10): an item's ids, album, epoch, uploader and parts, signed by
//! the uploader; and the item record that carries it inside the metadata envelope.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{HASH_LEN, LABEL_MANIFEST_SIGNATURE, LABEL_METADATA_HASH};
use crate::account::Keyring;
use crate::envelope::MAX_ENVELOPE_PLAINTEXT;
use crate::identity::{IDENTITY_PUBLIC_LEN, IdentityPublicKey, SIGNATURE_LEN};
use crate::keys::ID_LEN;
use crate::stream::{MAX_CHUNK_LOG2, MIN_CHUNK_LOG2};
use crate::{AlbumId, Error, MediaId, MediaKind, Result};

/// The first four bytes of every manifest.
pub const MANIFEST_MAGIC: [u8; 4] = *b"KSPM";
/// The manifest format version this build writes and reads.
pub const MANIFEST_VERSION: u8 = 1;
/// Suite 1: SHA-256 chunk hashes and roots, Ed25519 signatures.
pub const PROVENANCE_SUITE_SHA256_ED25519: u8 = 1;
/// Bytes before the parts: magic, version, suite, media id, album id, epoch, history entry
/// hash, uploader key, part count.
pub const MANIFEST_FIXED_LEN: usize =
    4 + 1 + 1 + ID_LEN + ID_LEN + 8 + HASH_LEN + IDENTITY_PUBLIC_LEN + 1;
/// Length of one part entry.
pub const PART_ENTRY_LEN: usize = 1 + 1 + 8 + 8 + HASH_LEN;
/// Most parts a manifest lists: the four stream kinds and the metadata.
pub const MAX_PARTS: usize = 5;
/// Longest manifest.
pub const MANIFEST_MAX_LEN: usize = MANIFEST_FIXED_LEN + MAX_PARTS * PART_ENTRY_LEN + SIGNATURE_LEN;
/// The item record format version.
pub const RECORD_VERSION: u8 = 1;
/// The part-kind byte of the metadata part (after the stream kinds 0..=3).
pub const PART_METADATA: u8 = 4;
/// Offset of the part count.
const COUNT_AT: usize = MANIFEST_FIXED_LEN - 1;
/// Offset of the album history entry hash.
const HISTORY_AT: usize = 6 + ID_LEN + ID_LEN + 8;
/// Offset of the uploader's identity key.
const UPLOADER_AT: usize = HISTORY_AT + HASH_LEN;

fn malformed(reason: &'static str) -> Error {
    Error::MalformedManifest { reason }
}

/// What a manifest part is: one of the item's sealed streams, or its metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartKind {
    /// A sealed media stream of this kind.
    Media(MediaKind),
    /// The item's metadata (the plaintext of its metadata envelope, beside the manifest).
    Metadata,
}

impl PartKind {
    /// The byte: the stream kind's, or `PART_METADATA` (4).
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Media(kind) => kind.to_byte(),
            Self::Metadata => PART_METADATA,
        }
    }

    pub(crate) fn from_byte(byte: u8) -> Result<Self> {
        if byte == PART_METADATA {
            Ok(Self::Metadata)
        } else {
            MediaKind::from_byte(byte).map(Self::Media)
        }
    }
}

/// One part of an item as the manifest records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartEntry {
    /// Which part.
    pub kind: PartKind,
    /// log2 of the chunk size (0 for the metadata).
    pub chunk_log2: u8,
    /// The plaintext length.
    pub plaintext_len: u64,
    /// The number of chunks (0 for the metadata).
    pub chunk_count: u64,
    /// The part root (SPEC.md 5.10); for the metadata, [`metadata_hash`].
    pub root: [u8; HASH_LEN],
}

impl PartEntry {
    /// The metadata part of `metadata`.
    pub fn metadata(metadata: &[u8]) -> Self {
        Self {
            kind: PartKind::Metadata,
            chunk_log2: 0,
            plaintext_len: metadata.len() as u64,
            chunk_count: 0,
            root: metadata_hash(metadata),
        }
    }

    fn to_bytes(self) -> [u8; PART_ENTRY_LEN] {
        let mut out = [0u8; PART_ENTRY_LEN];
        out[0] = self.kind.to_byte();
        out[1] = self.chunk_log2;
        out[2..10].copy_from_slice(&self.plaintext_len.to_be_bytes());
        out[10..18].copy_from_slice(&self.chunk_count.to_be_bytes());
        out[18..].copy_from_slice(&self.root);
        out
    }

    /// Parses and checks one entry (SPEC.md 5.10's per-part rules, bar the ordering).
    fn parse(bytes: &[u8]) -> Result<Self> {
        let kind = PartKind::from_byte(bytes[0])?;
        let chunk_log2 = bytes[1];
        let be64 = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let (plaintext_len, chunk_count) = (be64(2), be64(10));
        let mut root = [0u8; HASH_LEN];
        root.copy_from_slice(&bytes[18..PART_ENTRY_LEN]);
        match kind {
            PartKind::Media(_) => {
                if !(MIN_CHUNK_LOG2..=MAX_CHUNK_LOG2).contains(&chunk_log2) {
                    return Err(Error::ChunkSizeOutOfRange(chunk_log2));
                }
                if chunk_count != plaintext_len.div_ceil(1 << chunk_log2).max(1) {
                    return Err(malformed("chunk count does not match the length"));
                }
            }
            PartKind::Metadata => {
                if chunk_log2 != 0 || chunk_count != 0 {
                    return Err(malformed("metadata part with a chunk size or count"));
                }
                if plaintext_len > MAX_ENVELOPE_PLAINTEXT as u64 {
                    return Err(malformed("metadata part longer than an envelope"));
                }
            }
        }
        Ok(Self {
            kind,
            chunk_log2,
            plaintext_len,
            chunk_count,
            root,
        })
    }
}

/// `SHA-256(LABEL_METADATA_HASH || metadata)`: the metadata part's root.
pub fn metadata_hash(metadata: &[u8]) -> [u8; HASH_LEN] {
    Sha256::new()
        .chain_update(LABEL_METADATA_HASH)
        .chain_update(metadata)
        .finalize()
        .into()
}

/// A parsed manifest. Parsing checks its form and the uploader key, not its signature or
/// its claims: [`super::verify_item`] does that.
#[derive(Clone, PartialEq, Eq)]
pub struct Manifest {
    media_id: MediaId,
    album_id: AlbumId,
    epoch: u64,
    history: [u8; HASH_LEN],
    uploader: IdentityPublicKey,
    parts: Vec<PartEntry>,
    signature: [u8; SIGNATURE_LEN],
}

impl Manifest {
    /// The media id it names.
    pub fn media_id(&self) -> MediaId {
        self.media_id
    }

    /// The album id it names.
    pub fn album_id(&self) -> AlbumId {
        self.album_id
    }

    /// The epoch it names.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The hash of the album history entry it relies on (SPEC.md 5.12): the uploader's
    /// newest verified entry when it signed, whose members and epoch the verifier checks.
    pub fn history(&self) -> &[u8; HASH_LEN] {
        &self.history
    }

    /// The identity that claims to have signed it.
    pub fn uploader(&self) -> &IdentityPublicKey {
        &self.uploader
    }

    /// The parts, kinds increasing.
    pub fn parts(&self) -> &[PartEntry] {
        &self.parts
    }

    /// The entry of one part, if listed.
    pub fn part(&self, kind: PartKind) -> Option<&PartEntry> {
        self.parts.iter().find(|p| p.kind == kind)
    }

    /// The signed bytes (everything before the signature).
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MANIFEST_MAX_LEN);
        out.extend_from_slice(&MANIFEST_MAGIC);
        out.push(MANIFEST_VERSION);
        out.push(PROVENANCE_SUITE_SHA256_ED25519);
        out.extend_from_slice(self.media_id.as_bytes());
        out.extend_from_slice(self.album_id.as_bytes());
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.history);
        out.extend_from_slice(&self.uploader.to_bytes());
        out.push(self.parts.len() as u8);
        for part in &self.parts {
            out.extend_from_slice(&part.to_bytes());
        }
        out
    }

    /// The encoding: the body, then the signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.body();
        out.extend_from_slice(&self.signature);
        out
    }

    /// Whether the signature verifies (`verify_strict`) under the uploader's Ed25519 key
    /// over `LABEL_MANIFEST_SIGNATURE || body`.
    pub(crate) fn signature_verifies(&self) -> bool {
        let message = [LABEL_MANIFEST_SIGNATURE, &self.body()].concat();
        self.uploader.verify(&message, &self.signature)
    }
}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            media_id,
            album_id,
            epoch,
            history,
            uploader,
            parts,
            signature: _,
        } = self;
        f.debug_struct("Manifest")
            .field("media_id", media_id)
            .field("album_id", album_id)
            .field("epoch", epoch)
            .field("history", &const_hex::encode(&history[..8]))
            .field("uploader", uploader)
            .field("parts", parts)
            .finish_non_exhaustive()
    }
}

/// Parses a manifest (SPEC.md 5.10), checking in order: magic, version, suite, length and
/// part count, the uploader key, then each part. Allocates at most [`MAX_PARTS`] entries
/// and checks no signature.
///
/// # Errors
/// [`Error::MalformedManifest`] naming the rule broken; [`Error::UnsupportedVersion`];
/// [`Error::UnsupportedSuite`]; [`Error::InvalidPublicKey`] for an unusable uploader key;
/// [`Error::UnknownKind`] and [`Error::ChunkSizeOutOfRange`] for a part.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest> {
    if bytes.get(..4) != Some(&MANIFEST_MAGIC[..]) {
        return Err(malformed("not a manifest (magic)"));
    }
    let version = *bytes.get(4).ok_or(malformed("truncated"))?;
    if version != MANIFEST_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let suite = *bytes.get(5).ok_or(malformed("truncated"))?;
    if suite != PROVENANCE_SUITE_SHA256_ED25519 {
        return Err(Error::UnsupportedSuite(suite));
    }
    let count = usize::from(*bytes.get(COUNT_AT).ok_or(malformed("truncated"))?);
    if count == 0 || count > MAX_PARTS {
        return Err(malformed("part count"));
    }
    let signed_len = MANIFEST_FIXED_LEN + count * PART_ENTRY_LEN;
    if bytes.len() != signed_len + SIGNATURE_LEN {
        return Err(malformed("length does not match the part count"));
    }
    let media_id = MediaId::from_slice(&bytes[6..6 + ID_LEN])?;
    let album_id = AlbumId::from_slice(&bytes[6 + ID_LEN..6 + 2 * ID_LEN])?;
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&bytes[6 + 2 * ID_LEN..HISTORY_AT]);
    let mut history = [0u8; HASH_LEN];
    history.copy_from_slice(&bytes[HISTORY_AT..UPLOADER_AT]);
    let uploader = IdentityPublicKey::from_slice(&bytes[UPLOADER_AT..COUNT_AT])?;
    let mut parts: Vec<PartEntry> = Vec::with_capacity(count);
    for raw in bytes[MANIFEST_FIXED_LEN..signed_len].chunks_exact(PART_ENTRY_LEN) {
        let part = PartEntry::parse(raw)?;
        if parts
            .last()
            .is_some_and(|last| last.kind.to_byte() >= part.kind.to_byte())
        {
            return Err(malformed("part kinds not strictly increasing"));
        }
        parts.push(part);
    }
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(&bytes[signed_len..]);
    Ok(Manifest {
        media_id,
        album_id,
        epoch: u64::from_be_bytes(epoch),
        history,
        uploader,
        parts,
        signature,
    })
}

/// The plaintext of an item's metadata envelope (SPEC.md 5.10):
/// `RECORD_VERSION || be32(m) || manifest (m bytes) || metadata`; `m = 0` is unsigned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ItemRecord<'a> {
    manifest: Option<&'a [u8]>,
    metadata: &'a [u8],
}

impl<'a> ItemRecord<'a> {
    /// Splits a record, checking its version and manifest length (not the manifest).
    ///
    /// # Errors
    /// [`Error::MalformedManifest`] (empty, shorter than 5 bytes, manifest length above
    /// [`MANIFEST_MAX_LEN`] or past the end); [`Error::UnsupportedVersion`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let version = *bytes.first().ok_or(malformed("empty item record"))?;
        if version != RECORD_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let len: [u8; 4] = bytes
            .get(1..5)
            .and_then(|b| b.try_into().ok())
            .ok_or(malformed("item record shorter than its header"))?;
        let len = u32::from_be_bytes(len) as usize;
        if len > MANIFEST_MAX_LEN {
            return Err(malformed("manifest length above the cap"));
        }
        let manifest = bytes
            .get(5..5 + len)
            .ok_or(malformed("manifest length past the end of the record"))?;
        Ok(Self {
            manifest: (len > 0).then_some(manifest),
            metadata: &bytes[5 + len..],
        })
    }

    /// Encodes a record: `manifest` (none for an unsigned item) and the app's metadata.
    ///
    /// # Errors
    /// [`Error::TooLarge`] when the record would not fit in an envelope, or the manifest
    /// is longer than [`MANIFEST_MAX_LEN`].
    pub fn encode(manifest: Option<&[u8]>, metadata: &[u8]) -> Result<Vec<u8>> {
        let manifest = manifest.unwrap_or_default();
        if manifest.len() > MANIFEST_MAX_LEN {
            return Err(Error::TooLarge {
                what: "manifest",
                len: manifest.len() as u64,
                max: MANIFEST_MAX_LEN as u64,
            });
        }
        let len = 5 + manifest.len() + metadata.len();
        if len > MAX_ENVELOPE_PLAINTEXT {
            return Err(Error::TooLarge {
                what: "item record",
                len: len as u64,
                max: MAX_ENVELOPE_PLAINTEXT as u64,
            });
        }
        let mut out = Vec::with_capacity(len);
        out.push(RECORD_VERSION);
        out.extend_from_slice(&(manifest.len() as u32).to_be_bytes());
        out.extend_from_slice(manifest);
        out.extend_from_slice(metadata);
        Ok(out)
    }

    /// The manifest bytes, if the item is signed.
    pub fn manifest(&self) -> Option<&'a [u8]> {
        self.manifest
    }

    /// The app's metadata.
    pub fn metadata(&self) -> &'a [u8] {
        self.metadata
    }
}

impl fmt::Debug for ItemRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemRecord")
            .field("manifest_len", &self.manifest.map_or(0, <[u8]>::len))
            .field("metadata_len", &self.metadata.len())
            .finish()
    }
}

impl Keyring {
    /// Signs an item as its uploader (SPEC.md 5.10) and returns its item record: the
    /// plaintext to seal as the item's metadata envelope
    /// ([`crate::MediaKey::seal_blob`] with [`crate::MediaBlob::Metadata`]). `parts` are
    /// the entries of the item's sealed streams ([`super::SealedPart::entry`]), in any
    /// order; the metadata part is added from `metadata`. `history` is the hash of the
    /// album history entry the item relies on (SPEC.md 5.12): the uploader's newest verified
    /// entry ([`crate::history::VerifiedHistory::head`]), whose epoch is `epoch`.
    ///
    /// # Errors
    /// [`Error::MalformedManifest`] for no part, two parts of one kind, a metadata entry
    /// in `parts`, or an entry a verifier would refuse; [`Error::TooLarge`] when the record
    /// does not fit in an envelope.
    pub fn sign_item(
        &self,
        media_id: &MediaId,
        album_id: AlbumId,
        epoch: u64,
        history: &[u8; HASH_LEN],
        parts: &[PartEntry],
        metadata: &[u8],
    ) -> Result<Vec<u8>> {
        if parts.is_empty() || parts.len() >= MAX_PARTS {
            return Err(malformed("part count"));
        }
        if parts.iter().any(|p| p.kind == PartKind::Metadata) {
            return Err(malformed("the metadata part is added from the metadata"));
        }
        let mut parts = parts.to_vec();
        parts.push(PartEntry::metadata(metadata));
        parts.sort_by_key(|p| p.kind.to_byte());
        let identity = self.identity_secret();
        let mut manifest = Manifest {
            media_id: *media_id,
            album_id,
            epoch,
            history: *history,
            uploader: identity.public_key().clone(),
            parts,
            signature: [0; SIGNATURE_LEN],
        };
        let message = [LABEL_MANIFEST_SIGNATURE, &manifest.body()].concat();
        manifest.signature = identity.sign(&message);
        let bytes = manifest.to_bytes();
        // One set of rules: what is signed is what a verifier parses.
        parse_manifest(&bytes)?;
        ItemRecord::encode(Some(&bytes), metadata)
    }
}
