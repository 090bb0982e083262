//! Verifying an item's provenance (SPEC.md 5.10): the record and manifest, then whole
//! parts or ranges against it.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};

use super::manifest::{ItemRecord, Manifest, PartKind, metadata_hash, parse_manifest};
use super::{HASH_LEN, LABEL_PART_ROOT, PartHashes, chunk_hash, part_hashes};
use crate::history::VerifiedHistory;
use crate::identity::IdentityPublicKey;
use crate::primitives::TAG_LEN;
use crate::stream::{self, HEADER_LEN, Header, OpenOptions, RangePlan, StreamKey};
use crate::{Error, MediaId, MediaKey, MediaKind, Result};

fn mismatch(what: &'static str) -> Error {
    Error::ProvenanceMismatch { what }
}

/// An item whose manifest verified: its uploader is a member of the album at the epoch,
/// the signature is the uploader's, and the metadata is the signed one. Its parts are
/// checked as they are opened ([`VerifiedItem::open_part`], [`VerifiedItem::open_range`]).
#[derive(Clone)]
pub struct VerifiedItem {
    manifest: Manifest,
    metadata: Vec<u8>,
}

/// Verifies an item record (the opened plaintext of the item's metadata envelope) for
/// media `media_id` sealed under `epoch` (the epoch recorded beside its wrapped media key),
/// against the album's verified history (SPEC.md 5.10, 5.12). Checks, in order: a manifest
/// is present; it parses; it names this item, the history's album and `epoch`; the history
/// entry it names is in `history`, with `epoch` as its epoch; its uploader is a member at
/// that entry; the signature; the metadata.
///
/// # Errors
/// [`Error::ProvenanceUnsigned`]; the parse errors of [`parse_manifest`] and
/// [`ItemRecord::parse`]; [`Error::ProvenanceWrongItem`] (another item, album or epoch, or
/// an entry whose epoch is not the item's); [`Error::HistoryUnknownEntry`];
/// [`Error::ProvenanceNotMember`]; [`Error::ProvenanceBadSignature`];
/// [`Error::ProvenanceMismatch`] for the metadata.
pub fn verify_item(
    record: &[u8],
    media_id: &MediaId,
    epoch: u64,
    history: &VerifiedHistory,
) -> Result<VerifiedItem> {
    let record = ItemRecord::parse(record)?;
    let manifest = parse_manifest(record.manifest().ok_or(Error::ProvenanceUnsigned)?)?;
    if manifest.media_id() != *media_id
        || manifest.album_id() != history.album_id()
        || manifest.epoch() != epoch
    {
        return Err(Error::ProvenanceWrongItem);
    }
    if history.epoch_at(manifest.history())? != epoch {
        return Err(Error::ProvenanceWrongItem);
    }
    if !history.is_member_at(manifest.history(), &manifest.uploader().digest())? {
        return Err(Error::ProvenanceNotMember);
    }
    if !manifest.signature_verifies() {
        return Err(Error::ProvenanceBadSignature);
    }
    let metadata = record.metadata();
    let entry = manifest
        .part(PartKind::Metadata)
        .ok_or(mismatch("no metadata part"))?;
    if entry.plaintext_len != metadata.len() as u64 || entry.root != metadata_hash(metadata) {
        return Err(mismatch("metadata"));
    }
    Ok(VerifiedItem {
        metadata: metadata.to_vec(),
        manifest,
    })
}

/// Checks a whole sealed part of kind `kind` against `manifest`, with no key (SPEC.md
/// 5.10, "Verifying a part"): an entry of its kind, its chunk size, its length and its
/// recomputed root. Shared by [`VerifiedItem`] and selections (5.11).
pub(crate) fn verify_sealed_part(
    manifest: &Manifest,
    kind: MediaKind,
    sealed: &[u8],
) -> Result<PartHashes> {
    let entry = manifest
        .part(PartKind::Media(kind))
        .ok_or(mismatch("the manifest lists no such part"))?;
    let header = Header::parse(sealed)?;
    if header.chunk_size_log2() != entry.chunk_log2 {
        return Err(mismatch("chunk size"));
    }
    if sealed.len() as u64 != stream::sealed_len(entry.plaintext_len, entry.chunk_log2)? {
        return Err(mismatch("sealed length"));
    }
    let hashes = part_hashes(sealed)?;
    if hashes.root() != &entry.root {
        return Err(mismatch("root"));
    }
    Ok(hashes)
}

impl VerifiedItem {
    /// The verified uploader.
    pub fn uploader(&self) -> &IdentityPublicKey {
        self.manifest.uploader()
    }

    /// The verified uploader's fingerprint (SPEC.md 5.7), for display.
    pub fn uploader_fingerprint(&self) -> String {
        crate::sharing::fingerprint(self.manifest.uploader())
    }

    /// The verified manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The app's metadata, as signed.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }

    /// Checks a whole sealed part against the manifest, with no key: its chunk size, its
    /// length and its recomputed root. Returns its hashes (the list a server may keep).
    ///
    /// # Errors
    /// Header errors as [`Header::parse`]; [`Error::TruncatedStream`];
    /// [`Error::ProvenanceMismatch`].
    pub fn verify_part(&self, kind: MediaKind, sealed: &[u8]) -> Result<PartHashes> {
        verify_sealed_part(&self.manifest, kind, sealed)
    }

    /// Checks a whole part ([`VerifiedItem::verify_part`]), then opens it (SPEC.md 3.5).
    ///
    /// # Errors
    /// As [`VerifiedItem::verify_part`], then as [`stream::open`].
    pub fn open_part(
        &self,
        key: &MediaKey,
        kind: MediaKind,
        sealed: &[u8],
        options: &OpenOptions,
    ) -> Result<Vec<u8>> {
        self.verify_part(kind, sealed)?;
        stream::open_with(key, &self.manifest.media_id(), kind, sealed, options)
    }

    /// Opens plaintext `[offset, offset + len)` of part `kind` (SPEC.md 3.7), checking it
    /// against the manifest (SPEC.md 5.10): `hash_list` (the part's chunk hash list, from
    /// any source) must give the signed root with the object's header, the object must
    /// have the signed length, and each chunk the range opens must match its hash, checked
    /// before it is decrypted. Only the chunks the range touches are read, hashed and
    /// decrypted, and the bytes decrypted are the bytes hashed (read once).
    ///
    /// # Errors
    /// [`Error::ProvenanceMismatch`]; [`Error::ProvenanceChunkMismatch`] with the first
    /// chunk that differs; as [`stream::open_range`].
    pub fn open_range<R: Read + Seek>(
        &self,
        key: &MediaKey,
        kind: MediaKind,
        source: &mut R,
        offset: u64,
        len: u64,
        hash_list: &[u8],
    ) -> Result<Vec<u8>> {
        open_range_against(
            &self.manifest,
            StreamKey::Media(key),
            kind,
            source,
            offset,
            len,
            hash_list,
        )
    }
}

/// [`VerifiedItem::open_range`] against `manifest` (whose signature the caller has
/// verified) with a media or part key: the chunk hash list must give the signed root, the
/// object the signed length, and each chunk the range opens its hash, before it is
/// decrypted.
pub(crate) fn open_range_against<R: Read + Seek>(
    manifest: &Manifest,
    key: StreamKey<'_>,
    kind: MediaKind,
    source: &mut R,
    offset: u64,
    len: u64,
    hash_list: &[u8],
) -> Result<Vec<u8>> {
    let entry = manifest
        .part(PartKind::Media(kind))
        .ok_or(mismatch("the manifest lists no such part"))?;
    source.seek(SeekFrom::Start(0))?;
    let mut header = [0u8; HEADER_LEN];
    read_exact(source, &mut header)?;
    let parsed = Header::parse(&header)?;
    if parsed.chunk_size_log2() != entry.chunk_log2 {
        return Err(mismatch("chunk size"));
    }
    let sealed_len = source.seek(SeekFrom::End(0))?;
    if sealed_len != stream::sealed_len(entry.plaintext_len, entry.chunk_log2)? {
        return Err(mismatch("sealed length"));
    }
    if hash_list.len() as u64 != entry.chunk_count.saturating_mul(HASH_LEN as u64) {
        return Err(mismatch("hash list length"));
    }
    let root: [u8; HASH_LEN] = Sha256::new()
        .chain_update(LABEL_PART_ROOT)
        .chain_update(header)
        .chain_update(entry.chunk_count.to_be_bytes())
        .chain_update(hash_list)
        .finalize()
        .into();
    if root != entry.root {
        return Err(mismatch("hash list"));
    }
    let plan = RangePlan::new(&parsed, sealed_len, offset, len)?;
    // The planned ciphertext, read once: hashed here, then decrypted from memory.
    let mut sealed = Vec::new();
    source.seek(SeekFrom::Start(plan.sealed_offset))?;
    source
        .take(plan.sealed_len)
        .read_to_end(&mut sealed)
        .map_err(Error::from_io)?;
    if sealed.len() as u64 != plan.sealed_len {
        return Err(Error::TruncatedStream);
    }
    let stride = parsed.chunk_size() + TAG_LEN;
    for (k, piece) in sealed.chunks(stride).enumerate() {
        let index = plan.first_chunk + k as u64;
        let at = usize::try_from(index)
            .ok()
            .and_then(|i| i.checked_mul(HASH_LEN))
            .and_then(|at| hash_list.get(at..at + HASH_LEN))
            .ok_or(Error::ProvenanceChunkMismatch { index })?;
        if chunk_hash(index, piece)[..] != at[..] {
            return Err(Error::ProvenanceChunkMismatch { index });
        }
    }
    let mut window = Window {
        header: &header,
        start: plan.sealed_offset,
        bytes: &sealed,
        len: sealed_len,
        pos: 0,
    };
    stream::open_range_with_key(key, &manifest.media_id(), kind, &mut window, offset, len)
}

impl fmt::Debug for VerifiedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedItem")
            .field("manifest", &self.manifest)
            .field("metadata_len", &self.metadata.len())
            .finish()
    }
}

fn read_exact<R: Read>(source: &mut R, buf: &mut [u8]) -> Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match source.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(Error::TruncatedHeader {
                    needed: buf.len(),
                    got,
                });
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io(e)),
        }
    }
    Ok(())
}

/// The object as a range read sees it: its header, the planned ciphertext already read
/// (and hashed), and its length; nothing else is readable.
struct Window<'a> {
    header: &'a [u8; HEADER_LEN],
    start: u64,
    bytes: &'a [u8],
    len: u64,
    pos: u64,
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let from: &[u8] = if self.pos < HEADER_LEN as u64 {
            &self.header[self.pos as usize..]
        } else if self.pos >= self.start && self.pos - self.start < self.bytes.len() as u64 {
            &self.bytes[(self.pos - self.start) as usize..]
        } else {
            &[]
        };
        let n = from.len().min(buf.len());
        buf[..n].copy_from_slice(&from[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Window<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}
