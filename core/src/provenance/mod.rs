//! Signed provenance (SPEC.md 5.10): a hash of every sealed chunk's ciphertext, a root
//! over each part's hash list, and a manifest of the item's parts signed by the uploader's
//! identity.
//!
//! ```text
//! h_i  = SHA-256(LABEL_CHUNK_HASH || be64(i) || chunk_i)          chunk_i = ciphertext || tag
//! root = SHA-256(LABEL_PART_ROOT || header || be64(n) || h_0 || ... || h_{n-1})
//! signature = Ed25519(uploader, LABEL_MANIFEST_SIGNATURE || manifest without its signature)
//! ```
//!
//! The chunk hashes are computed by the workers that seal each chunk
//! ([`crate::stream::seal_part`], [`crate::stream::Sealer::finish_part`]), in the same pass.
//! They and the root are functions of the stored bytes alone: a server recomputes the root
//! ([`part_hashes`]) to detect storage rot, and may serve the hash list for range reads,
//! which a reader checks against the signed root ([`VerifiedItem::open_range`]). The
//! manifest and its signature travel inside the item's metadata envelope
//! ([`ItemRecord`]), so the server never sees who uploaded.

mod manifest;
mod verify;

pub use manifest::{
    ItemRecord, MANIFEST_FIXED_LEN, MANIFEST_MAGIC, MANIFEST_MAX_LEN, MANIFEST_VERSION, MAX_PARTS,
    Manifest, PART_ENTRY_LEN, PROVENANCE_SUITE_SHA256_ED25519, PartEntry, PartKind, RECORD_VERSION,
    metadata_hash, parse_manifest,
};
pub use verify::{VerifiedItem, verify_item};
pub(crate) use verify::{open_range_against, verify_sealed_part};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::MediaKind;
use crate::primitives::TAG_LEN;
use crate::stream::{HEADER_LEN, Header, PARALLEL_MIN_BYTES};
use crate::{Error, Result};

/// Hash label of a chunk hash.
pub const LABEL_CHUNK_HASH: &[u8] = b"keepsake/v1/provenance-chunk";
/// Hash label of a part root.
pub const LABEL_PART_ROOT: &[u8] = b"keepsake/v1/provenance-root";
/// Hash label of the metadata part's root.
pub const LABEL_METADATA_HASH: &[u8] = b"keepsake/v1/provenance-metadata";
/// Signature label of manifests.
pub const LABEL_MANIFEST_SIGNATURE: &[u8] = b"keepsake/v1/provenance-manifest-signature";
/// Length of a chunk hash and of a root.
pub const HASH_LEN: usize = 32;

/// `SHA-256(LABEL_CHUNK_HASH || be64(index) || chunk)`, `chunk` being the stored piece
/// (ciphertext and tag).
pub fn chunk_hash(index: u64, chunk: &[u8]) -> [u8; HASH_LEN] {
    Sha256::new()
        .chain_update(LABEL_CHUNK_HASH)
        .chain_update(index.to_be_bytes())
        .chain_update(chunk)
        .finalize()
        .into()
}

/// `SHA-256(LABEL_PART_ROOT || header || be64(n) || list)`, `list` being `n` chunk hashes.
pub fn part_root(header: &[u8; HEADER_LEN], list: &[[u8; HASH_LEN]]) -> [u8; HASH_LEN] {
    let mut hasher = Sha256::new()
        .chain_update(LABEL_PART_ROOT)
        .chain_update(header)
        .chain_update((list.len() as u64).to_be_bytes());
    for hash in list {
        hasher.update(hash);
    }
    hasher.finalize().into()
}

/// A sealed part's chunk hash list and root: what a sealer computes in passing
/// ([`SealedPart`]) and what anyone holding the stored bytes recomputes ([`part_hashes`]).
/// Public data: functions of the ciphertext, no key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartHashes {
    header: [u8; HEADER_LEN],
    list: Vec<[u8; HASH_LEN]>,
    root: [u8; HASH_LEN],
}

impl PartHashes {
    fn new(header: [u8; HEADER_LEN], list: Vec<[u8; HASH_LEN]>) -> Self {
        let root = part_root(&header, &list);
        Self { header, list, root }
    }

    /// The root: the manifest's hash of this part, and its public ciphertext digest.
    pub fn root(&self) -> &[u8; HASH_LEN] {
        &self.root
    }

    /// The chunk hashes, one per chunk, in order.
    pub fn list(&self) -> &[[u8; HASH_LEN]] {
        &self.list
    }

    /// The hash list as stored and served beside the object: `h_0 || ... || h_{n-1}`.
    pub fn list_bytes(&self) -> Vec<u8> {
        self.list.concat()
    }

    /// The part's stream header.
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }
}

/// Recomputes a sealed part's chunk hashes and root from its stored bytes, with no key
/// (SPEC.md 5.10): what a server runs to detect storage rot, and what a reader runs to
/// check a whole part against its manifest. Large objects are hashed on all cores.
///
/// # Errors
/// Header errors as [`Header::parse`]; [`Error::TruncatedStream`] when no chunk follows
/// the header.
pub fn part_hashes(sealed: &[u8]) -> Result<PartHashes> {
    let parsed = Header::parse(sealed)?;
    let body = &sealed[HEADER_LEN..];
    if body.is_empty() {
        return Err(Error::TruncatedStream);
    }
    let stride = parsed.chunk_size() + TAG_LEN;
    let list: Vec<[u8; HASH_LEN]> = if body.len() >= PARALLEL_MIN_BYTES {
        body.par_chunks(stride)
            .enumerate()
            .map(|(i, piece)| chunk_hash(i as u64, piece))
            .collect()
    } else {
        body.chunks(stride)
            .enumerate()
            .map(|(i, piece)| chunk_hash(i as u64, piece))
            .collect()
    };
    Ok(PartHashes::new(parsed.to_bytes(), list))
}

/// [`part_hashes`] from a reader, in bounded memory (one chunk at a time): what a server
/// runs over a stored object of any size to detect storage rot.
///
/// # Errors
/// As [`part_hashes`] ([`Error::TruncatedHeader`] when the reader ends inside the header);
/// [`Error::Io`] from reading.
pub fn part_hashes_from_reader<R: std::io::Read>(mut reader: R) -> Result<PartHashes> {
    let mut header = [0u8; HEADER_LEN];
    let got = read_full(&mut reader, &mut header)?;
    let parsed = Header::parse(&header[..got])?;
    let mut piece = vec![0u8; parsed.chunk_size() + TAG_LEN];
    let mut list = Vec::new();
    loop {
        let n = read_full(&mut reader, &mut piece)?;
        if n == 0 {
            break;
        }
        list.push(chunk_hash(list.len() as u64, &piece[..n]));
        if n < piece.len() {
            break;
        }
    }
    if list.is_empty() {
        return Err(Error::TruncatedStream);
    }
    Ok(PartHashes::new(header, list))
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn read_full<R: std::io::Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io(e)),
        }
    }
    Ok(got)
}

/// One sealed part's provenance, returned by the sealer that computed it:
/// [`crate::stream::seal_part`], [`crate::stream::Sealer::finish_part`],
/// [`crate::file::seal_file_part`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedPart {
    kind: MediaKind,
    plaintext_len: u64,
    hashes: PartHashes,
}

impl SealedPart {
    pub(crate) fn new(
        header: [u8; HEADER_LEN],
        kind: MediaKind,
        plaintext_len: u64,
        list: Vec<[u8; HASH_LEN]>,
    ) -> Self {
        Self {
            kind,
            plaintext_len,
            hashes: PartHashes::new(header, list),
        }
    }

    /// The manifest entry of this part.
    pub fn entry(&self) -> PartEntry {
        PartEntry {
            kind: PartKind::Media(self.kind),
            chunk_log2: self.hashes.header[6],
            plaintext_len: self.plaintext_len,
            chunk_count: self.hashes.list.len() as u64,
            root: self.hashes.root,
        }
    }

    /// The root (the public ciphertext digest the server keeps beside the object).
    pub fn root(&self) -> &[u8; HASH_LEN] {
        &self.hashes.root
    }

    /// The chunk hashes and root.
    pub fn hashes(&self) -> &PartHashes {
        &self.hashes
    }

    /// The part's kind.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The plaintext length sealed.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }
}
