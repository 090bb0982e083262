//! Shared pieces of Keepsake's integration tests: the schema of the known-answer vector
//! files in `tests/vectors/`, the deterministic inputs they are built from, and the names
//! by which vector files spell errors.
//!
//! The vector files are written by `cargo run -p keepsake-tests --bin gen-vectors` and
//! checked in; the tests (and every language binding) read them. Regenerating must give
//! the same bytes: the generator's inputs are fixed patterns, not randomness.

// Test support: malformed test data should stop the test loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

pub mod account_vectors;
pub mod history;
pub mod link_vectors;
pub mod selection_vectors;

use serde::{Deserialize, Serialize};

/// The folder holding the vector files.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// A deterministic byte pattern: `n` bytes from a seed (not random, not secret).
pub fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            let i = i as u32;
            (i.wrapping_mul(131) ^ (i >> 8).wrapping_mul(29) ^ u32::from(seed).wrapping_mul(97))
                as u8
        })
        .collect()
}

/// A fixed-size deterministic array.
pub fn array<const N: usize>(seed: u8) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&pattern(seed, N));
    out
}

/// The name a vector file gives an error: the `keepsake::Error` variant's name.
pub fn error_name(err: &keepsake::Error) -> &'static str {
    use keepsake::Error as E;
    match err {
        E::DecryptionFailed => "DecryptionFailed",
        E::BadMagic => "BadMagic",
        E::UnsupportedVersion(_) => "UnsupportedVersion",
        E::UnsupportedSuite(_) => "UnsupportedSuite",
        E::ChunkSizeOutOfRange(_) => "ChunkSizeOutOfRange",
        E::UnknownKind(_) => "UnknownKind",
        E::TruncatedHeader { .. } => "TruncatedHeader",
        E::TruncatedStream => "TruncatedStream",
        E::TrailingData => "TrailingData",
        E::EmptyFinalChunk => "EmptyFinalChunk",
        E::TooLarge { .. } => "TooLarge",
        E::InvalidLength { .. } => "InvalidLength",
        E::RangeOutOfBounds { .. } => "RangeOutOfBounds",
        E::StreamTooLong => "StreamTooLong",
        E::DestinationExists => "DestinationExists",
        E::Cancelled => "Cancelled",
        E::RandomnessUnavailable => "RandomnessUnavailable",
        E::Io(_) => "Io",
        E::InvalidPublicKey => "InvalidPublicKey",
        E::KdfParamsTooWeak { .. } => "KdfParamsTooWeak",
        E::KdfParamsTooCostly { .. } => "KdfParamsTooCostly",
        E::OutOfMemory { .. } => "OutOfMemory",
        E::InvalidRecoveryPhrase { .. } => "InvalidRecoveryPhrase",
        E::WrongPassphrase => "WrongPassphrase",
        E::WrongRecoveryPhrase => "WrongRecoveryPhrase",
        E::DeviceNotEnrolled => "DeviceNotEnrolled",
        E::MalformedBundle { .. } => "MalformedBundle",
        E::BundleTampered => "BundleTampered",
        E::IdentityMismatch => "IdentityMismatch",
        E::MalformedGrant { .. } => "MalformedGrant",
        E::GrantWrongSender => "GrantWrongSender",
        E::GrantWrongRecipient => "GrantWrongRecipient",
        E::GrantWrongAlbum => "GrantWrongAlbum",
        E::GrantBadSignature => "GrantBadSignature",
        E::Rollback { .. } => "Rollback",
        E::UnknownGeneration { .. } => "UnknownGeneration",
        E::NotAlbumOwner => "NotAlbumOwner",
        E::MalformedManifest { .. } => "MalformedManifest",
        E::ProvenanceUnsigned => "ProvenanceUnsigned",
        E::ProvenanceWrongItem => "ProvenanceWrongItem",
        E::ProvenanceNotMember => "ProvenanceNotMember",
        E::ProvenanceBadSignature => "ProvenanceBadSignature",
        E::ProvenanceMismatch { .. } => "ProvenanceMismatch",
        E::ProvenanceChunkMismatch { .. } => "ProvenanceChunkMismatch",
        E::MalformedSelection { .. } => "MalformedSelection",
        E::SelectionWrongSender => "SelectionWrongSender",
        E::SelectionWrongRecipient => "SelectionWrongRecipient",
        E::SelectionWrongAlbum => "SelectionWrongAlbum",
        E::SelectionWrongHistory => "SelectionWrongHistory",
        E::SelectionBadSignature => "SelectionBadSignature",
        E::NotInSelection { .. } => "NotInSelection",
        E::MalformedHistoryEntry { .. } => "MalformedHistoryEntry",
        E::HistoryWrongAlbum => "HistoryWrongAlbum",
        E::HistoryWrongOwner => "HistoryWrongOwner",
        E::HistoryBrokenLink { .. } => "HistoryBrokenLink",
        E::HistoryBadSignature { .. } => "HistoryBadSignature",
        E::HistoryNotMember { .. } => "HistoryNotMember",
        E::HistoryNotAllowed { .. } => "HistoryNotAllowed",
        E::HistoryBadEpoch { .. } => "HistoryBadEpoch",
        E::HistoryFork { .. } => "HistoryFork",
        E::HistoryRollback { .. } => "HistoryRollback",
        E::HistoryUnknownEntry => "HistoryUnknownEntry",
        E::MalformedLink { .. } => "MalformedLink",
        E::LinkWrongId => "LinkWrongId",
        E::LinkPasswordRequired => "LinkPasswordRequired",
        E::MalformedDrop { .. } => "MalformedDrop",
        E::DropWrongAlbum => "DropWrongAlbum",
        E::DropBadSignature => "DropBadSignature",
        _ => "Unknown",
    }
}

/// Parses a kind's vector-file name.
pub fn kind_from_name(name: &str) -> Option<keepsake::MediaKind> {
    keepsake::MediaKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
}

/// A vector file: where it came from, then its cases.
#[derive(Debug, Serialize, Deserialize)]
pub struct VectorFile<T> {
    /// What the file holds and which SPEC.md section it checks.
    pub description: String,
    /// How the file was made.
    pub source: String,
    /// The cases.
    pub vectors: Vec<T>,
}

/// A media stream that must seal to exactly `sealed` and open to `plaintext`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StreamVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub media_key: String,
    /// Hex, 16 bytes.
    pub media_id: String,
    /// `original`, `thumbnail`, `preview` or `sidecar`.
    pub kind: String,
    /// log2 of the chunk size.
    pub chunk_log2: u8,
    /// Hex, 32 bytes.
    pub salt: String,
    /// Hex.
    pub plaintext: String,
    /// Hex: header and chunks.
    pub sealed: String,
}

/// A sealed media stream that must fail to open with `error`, after releasing exactly
/// `released` from a streaming opener.
#[derive(Debug, Serialize, Deserialize)]
pub struct StreamFailure {
    /// Case name.
    pub name: String,
    /// What was done to a valid object.
    pub comment: String,
    /// Hex, 32 bytes: the key the opener uses.
    pub media_key: String,
    /// Hex, 16 bytes: the media id the opener expects.
    pub media_id: String,
    /// The kind the opener expects.
    pub kind: String,
    /// Hex: the bytes to open.
    pub sealed: String,
    /// The `keepsake::Error` variant name opening must give.
    pub error: String,
    /// Hex: the plaintext a streaming opener releases before the error (whole authentic
    /// chunks in position).
    pub released: String,
}

/// A range read (SPEC.md 3.7) of a sealed stream: the plan and the plaintext it yields,
/// or the error.
#[derive(Debug, Serialize, Deserialize)]
pub struct RangeVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub media_key: String,
    /// Hex, 16 bytes.
    pub media_id: String,
    /// The kind the reader expects.
    pub kind: String,
    /// Hex: the whole sealed object.
    pub sealed: String,
    /// Requested plaintext offset.
    pub offset: u64,
    /// Requested length (clipped to the plaintext's end).
    pub len: u64,
    /// First chunk opened (absent when the read fails before planning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_chunk: Option<u64>,
    /// Number of chunks opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_count: Option<u64>,
    /// Offset of the first ciphertext byte needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_offset: Option<u64>,
    /// Number of ciphertext bytes needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_len: Option<u64>,
    /// Hex: the plaintext returned, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<String>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One key-schedule computation.
#[derive(Debug, Serialize, Deserialize)]
pub struct KdfVector {
    /// Case name.
    pub name: String,
    /// `stream` (SPEC.md 3.3) or `envelope` (SPEC.md 4.2).
    pub schedule: String,
    /// Hex, 32 bytes: the media key (stream) or owner key (envelope).
    pub ikm: String,
    /// Hex: HKDF salt (the stream salt, or the envelope nonce).
    pub salt: String,
    /// Hex: what follows the label in HKDF info: header bytes 0..24 for `stream`, the whole
    /// binding (`version || purpose || len8(context) || context`) for `envelope`.
    pub context: String,
    /// Hex: the full HKDF info (label || context).
    pub info: String,
    /// Hex, 32 bytes.
    pub key: String,
    /// Hex, 32 bytes.
    pub commitment: String,
}

/// An envelope that must seal to exactly `sealed` and open to `plaintext`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnvelopeVector {
    /// Case name.
    pub name: String,
    /// `media-metadata`, `media-caption`, `album-name`, `album-metadata`, `media-key-wrap`.
    pub purpose: String,
    /// Hex, 32 bytes: the media key (media purposes) or album key (album purposes).
    pub key: String,
    /// Hex, 16 bytes, for media purposes and key wraps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Hex, 16 bytes, for album purposes and key wraps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    /// For album purposes and key wraps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Hex, 24 bytes.
    pub nonce: String,
    /// Hex: the binding (associated data), for implementers.
    pub binding: String,
    /// Hex (for a key wrap: the wrapped media key).
    pub plaintext: String,
    /// Hex, or `null` in a failure case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

/// An envelope that must fail to open with `error` when opened with the given inputs.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnvelopeFailure {
    /// Case name.
    pub name: String,
    /// What was done to a valid envelope.
    pub comment: String,
    /// As in [`EnvelopeVector`]: the purpose the opener asks for.
    pub purpose: String,
    /// Hex, 32 bytes: the key the opener uses.
    pub key: String,
    /// Hex, as the opener expects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Hex, as the opener expects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    /// As the opener expects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Hex: the bytes to open.
    pub sealed: String,
    /// The `keepsake::Error` variant name opening must give.
    pub error: String,
}

/// Decodes hex, panicking with the field name on malformed test data.
pub fn unhex(field: &str, value: &str) -> Vec<u8> {
    hex::decode(value).unwrap_or_else(|e| panic!("vector field {field}: bad hex: {e}"))
}

/// Decodes hex into a fixed-size array.
pub fn unhex_array<const N: usize>(field: &str, value: &str) -> [u8; N] {
    unhex(field, value)
        .try_into()
        .unwrap_or_else(|v: Vec<u8>| panic!("vector field {field}: {} bytes, want {N}", v.len()))
}

/// Reads and parses a vector file.
pub fn load<T: for<'de> Deserialize<'de>>(file: &str) -> VectorFile<T> {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// One sealed part of a provenance vector (SPEC.md 5.10).
#[derive(Debug, Serialize, Deserialize)]
pub struct ProvenancePart {
    /// The stream kind.
    pub kind: String,
    /// log2 of the chunk size.
    pub chunk_log2: u8,
    /// Hex, 32 bytes.
    pub salt: String,
    /// Hex.
    pub plaintext: String,
    /// Hex: the sealed stream.
    pub sealed: String,
    /// Hex: the chunk hash list `h_0 || ... || h_{n-1}`.
    pub hash_list: String,
    /// Hex, 32 bytes: the part root (and public ciphertext digest).
    pub root: String,
}

/// A check of one part against a verified manifest: a whole part (no offset), or a range.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProvenanceCheck {
    /// What the check shows.
    pub comment: String,
    /// The kind asked for.
    pub kind: String,
    /// Hex: the sealed bytes offered.
    pub sealed: String,
    /// A range read's offset (absent: the whole part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// A range read's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u64>,
    /// Hex: the hash list offered to a range read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_list: Option<String>,
    /// Hex: the plaintext, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<String>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An item's provenance: its parts sealed with fixed salts, the record its uploader signs
/// (Ed25519 is deterministic), and what a verifier concludes.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProvenanceVector {
    /// Case name.
    pub name: String,
    /// What the case shows.
    pub comment: String,
    /// Hex, 32 bytes: the signer's identity seed (SPEC.md 5.1).
    pub signer_identity_secret: String,
    /// Hex, 32 bytes.
    pub media_key: String,
    /// Hex, 16 bytes: the media id the signer names and the verifier expects.
    pub media_id: String,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The epoch the signer names.
    pub signed_epoch: u64,
    /// The epoch the verifier expects.
    pub epoch: u64,
    /// The parts, sealed.
    pub parts: Vec<ProvenancePart>,
    /// Hex: the app's metadata.
    pub metadata: String,
    /// Hex: the item record (the metadata envelope's plaintext) the verifier is given.
    pub record: String,
    /// Hex: the album history (SPEC.md 5.12) the verifier is given, one entry per string,
    /// created by `history_owner`.
    pub history: Vec<String>,
    /// Hex, 1248 bytes: the album owner's identity public key, trusted by the verifier.
    pub history_owner: String,
    /// Hex, 32 bytes: the history entry hash the signer names.
    pub history_hash: String,
    /// Hex digests of the members at the history's head (for reading; the verifier takes
    /// them from the history).
    pub members: Vec<String>,
    /// Hex: the verified uploader's identity digest, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploader_digest: Option<String>,
    /// The verified uploader's fingerprint, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The error of verifying the record, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Part and range checks against the verified manifest.
    #[serde(default)]
    pub checks: Vec<ProvenanceCheck>,
}
