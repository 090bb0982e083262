//! The one error type of the crate.
//!
//! Authentication failure is a single opaque variant, [`Error::DecryptionFailed`]: it never
//! says which byte, which key or which check failed. Every other variant describes a public,
//! checkable property of the input (a field out of range, a length, an I/O failure) and may be
//! shown to a user or logged. No variant carries key material or plaintext.

use std::io;

/// Everything that can go wrong in Keepsake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed: wrong key, wrong media id or kind, swapped or altered header,
    /// altered, reordered or forged ciphertext. Deliberately opaque.
    #[error("decryption failed: wrong key, wrong context, or the data was altered")]
    DecryptionFailed,

    /// The input does not start with the media-stream magic bytes (`KSMS`).
    #[error("not a Keepsake media stream (bad magic bytes)")]
    BadMagic,

    /// The format version byte names a version this build does not implement.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u8),

    /// The cipher-suite byte names a suite this build does not implement.
    #[error("unsupported cipher suite {0}")]
    UnsupportedSuite(u8),

    /// The chunk size exponent is outside
    /// [`MIN_CHUNK_LOG2`](crate::stream::MIN_CHUNK_LOG2)..=[`MAX_CHUNK_LOG2`](crate::stream::MAX_CHUNK_LOG2).
    #[error("chunk size 2^{0} is out of the supported range")]
    ChunkSizeOutOfRange(u8),

    /// The media kind byte is not one of the defined [`MediaKind`](crate::MediaKind)s.
    #[error("unknown media kind {0}")]
    UnknownKind(u8),

    /// The input ended inside a fixed-size header (stream header or envelope header).
    #[error("truncated header: {needed} bytes needed, {got} available")]
    TruncatedHeader {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes that were available.
        got: usize,
    },

    /// The stream ended before its final chunk: it was cut at a chunk boundary (the last
    /// chunk present authenticates only as a non-final one), its last piece is shorter than
    /// a tag (cut within the first 15 bytes of a chunk), or it has no chunk at all.
    #[error("truncated stream: the final chunk is missing")]
    TruncatedStream,

    /// Authentic data continues after the chunk marked final.
    #[error("trailing data after the final chunk")]
    TrailingData,

    /// The last piece is exactly a tag's length (16 bytes) after a full chunk. A structural
    /// check made before any authentication: the format forbids an empty final chunk after a
    /// full one (only an empty plaintext has an empty final chunk), and a stream cut 16 bytes
    /// into a chunk gives this error too.
    #[error("empty final chunk after a full chunk")]
    EmptyFinalChunk,

    /// An input or output exceeds a fixed size cap.
    #[error("{what} is {len} bytes, more than the cap of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length in bytes.
        len: u64,
        /// The cap in bytes.
        max: u64,
    },

    /// A byte string has the wrong length (a key, an id, a salt).
    #[error("{what} must be {expected} bytes, got {got}")]
    InvalidLength {
        /// What was malformed.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },

    /// A requested byte range starts past the end of the plaintext.
    #[error("range offset {offset} is past the end of the {plaintext_len}-byte plaintext")]
    RangeOutOfBounds {
        /// The requested offset.
        offset: u64,
        /// The plaintext length implied by the sealed object's size.
        plaintext_len: u64,
    },

    /// The chunk counter would overflow (more than 2^64 - 1 chunks).
    #[error("stream too long: chunk counter exhausted")]
    StreamTooLong,

    /// The destination file already exists and overwriting was not allowed.
    #[error("destination already exists")]
    DestinationExists,

    /// The operation was cancelled through its progress callback; nothing was written
    /// under the destination name.
    #[error("cancelled")]
    Cancelled,

    /// A public key or encapsulation is unusable (SPEC.md 5.1): an X-Wing public key whose
    /// ML-KEM-768 half fails FIPS 203's modulus check, or an X25519 share of low order
    /// (including all zeros) whose Diffie-Hellman result would be all zeros; an Ed25519
    /// identity key that does not decode or is of small order.
    #[error("invalid public key (ML-KEM modulus check, or a low-order X25519 or Ed25519 key)")]
    InvalidPublicKey,

    /// Argon2id parameters below the floor (weaker than m = 19 MiB, t = 2).
    #[error("KDF parameters too weak: m = {memory_kib} KiB, t = {iterations}, p = {parallelism}")]
    KdfParamsTooWeak {
        /// Memory in KiB.
        memory_kib: u32,
        /// Passes.
        iterations: u32,
        /// Lanes.
        parallelism: u32,
    },

    /// Argon2id parameters above the ceiling (more memory or time than any device may be
    /// asked for); refused before anything is allocated.
    #[error("KDF parameters too costly: m = {memory_kib} KiB, t = {iterations}, p = {parallelism}")]
    KdfParamsTooCostly {
        /// Memory in KiB.
        memory_kib: u32,
        /// Passes.
        iterations: u32,
        /// Lanes.
        parallelism: u32,
    },

    /// Memory could not be allocated (the Argon2id working area); the process is intact.
    #[error("out of memory: could not allocate {bytes} bytes")]
    OutOfMemory {
        /// The size of the failed allocation.
        bytes: u64,
    },

    /// A recovery phrase as typed is malformed: word count, unknown word, checksum.
    #[error("invalid recovery phrase: {problem}")]
    InvalidRecoveryPhrase {
        /// What is wrong (never the words themselves).
        problem: crate::recovery::PhraseProblem,
    },

    /// The passphrase does not open the passphrase slot. (A tampered slot, whose
    /// parameters and salt are bound to it, gives the same error.)
    #[error("wrong passphrase")]
    WrongPassphrase,

    /// A well-formed recovery phrase that does not open the recovery slot (an old phrase
    /// after rotation, or another account's).
    #[error("wrong recovery phrase")]
    WrongRecoveryPhrase,

    /// The device key has no slot in the bundle: never enrolled, or revoked.
    #[error("this device is not enrolled in the account (or was revoked)")]
    DeviceNotEnrolled,

    /// The account bundle is not well-formed: the reason names the field or rule.
    #[error("malformed account bundle: {reason}")]
    MalformedBundle {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// A slot opened, but the bundle's MAC does not verify under the root key it gave:
    /// the bundle was altered (slots added, removed, reordered or changed).
    #[error("account bundle failed authentication: it was altered")]
    BundleTampered,

    /// A slot opened to a root key that does not unwrap the identity this device pinned
    /// (or the identity the bundle names): a planted slot, a key-injection attempt.
    #[error("a slot opened to a foreign root key: refused")]
    IdentityMismatch,

    /// The bundle is older than the newest account generation this device has seen: a
    /// server served an earlier bundle again (SPEC.md 5.9).
    #[error(
        "account bundle rolled back: this device has seen generation {seen}, the bundle is generation {offered}"
    )]
    Rollback {
        /// The newest generation the device has seen.
        seen: u64,
        /// The generation of the bundle offered.
        offered: u64,
    },

    /// An album epoch belongs to a generation newer than the keyring's: unlock the current
    /// bundle first.
    #[error("album epoch of generation {generation}, but this keyring is at generation {current}")]
    UnknownGeneration {
        /// The epoch's generation.
        generation: u64,
        /// The keyring's generation.
        current: u64,
    },

    /// An album key is not this account's own key of its album and epoch (it came in a
    /// grant): only the album's owner can move it to a new epoch.
    #[error("this album key is not the account's own: only the album's owner re-keys it")]
    NotAlbumOwner,

    /// A grant is not well-formed.
    #[error("malformed album grant: {reason}")]
    MalformedGrant {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// A grant names another sender than the one expected.
    #[error("album grant is from an unexpected sender")]
    GrantWrongSender,

    /// A grant is addressed to another identity.
    #[error("album grant is addressed to another recipient")]
    GrantWrongRecipient,

    /// A grant is for another album or epoch than the one expected.
    #[error("album grant is for another album or epoch")]
    GrantWrongAlbum,

    /// A grant's signature does not verify under the expected sender's identity: altered,
    /// or signed by someone else.
    #[error("album grant signature does not verify: not from this sender, or altered")]
    GrantBadSignature,

    /// A provenance manifest or item record is not well-formed (SPEC.md 5.10).
    #[error("malformed provenance manifest: {reason}")]
    MalformedManifest {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// An item record carries no manifest: nobody signed the item.
    #[error("the item is not signed (no provenance manifest)")]
    ProvenanceUnsigned,

    /// A manifest names another media id, album or epoch than the item it came with.
    #[error("the provenance manifest is for another item, album or epoch")]
    ProvenanceWrongItem,

    /// A manifest's uploader is not a member of the album at that epoch.
    #[error("the item was signed by an identity that is not a member of the album at that epoch")]
    ProvenanceNotMember,

    /// A manifest's signature does not verify under the uploader key it names.
    #[error("the provenance manifest's signature does not verify")]
    ProvenanceBadSignature,

    /// Content does not match the signed manifest: a part, its length, its hash list or the
    /// metadata (re-sealed, replaced or altered, by a member or anyone else).
    #[error("content does not match the signed manifest ({what})")]
    ProvenanceMismatch {
        /// Which check failed.
        what: &'static str,
    },

    /// A chunk a range read opens does not match its signed hash.
    #[error("chunk {index} does not match the signed manifest")]
    ProvenanceChunkMismatch {
        /// The first chunk that differs.
        index: u64,
    },

    /// A selection grant is not well-formed (SPEC.md 5.11).
    #[error("malformed selection grant: {reason}")]
    MalformedSelection {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// An album history entry is not well-formed (SPEC.md 5.12).
    #[error("malformed album history entry: {reason}")]
    MalformedHistoryEntry {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// A selection grant names another sender than the one expected.
    #[error("selection grant is from an unexpected sender")]
    SelectionWrongSender,

    /// A selection grant is addressed to another identity.
    #[error("selection grant is addressed to another recipient")]
    SelectionWrongRecipient,

    /// A selection grant is for another album than the one expected.
    #[error("selection grant is for another album")]
    SelectionWrongAlbum,

    /// A selection grant relies on another album history entry than the one expected.
    #[error("selection grant relies on another album history entry")]
    SelectionWrongHistory,

    /// A selection grant's signature does not verify under the expected sender's identity.
    #[error("selection grant signature does not verify: not from this sender, or altered")]
    SelectionBadSignature,

    /// An accepted selection does not hold this item, or this part of it: nothing outside
    /// the grant can be opened with it.
    #[error("not in the selection: {what}")]
    NotInSelection {
        /// What is missing (an item, or a part of a selected item).
        what: &'static str,
    },

    /// A link (its URL, fragment or record) is not well-formed (SPEC.md 5.13).
    #[error("malformed link: {reason}")]
    MalformedLink {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// A link record is the record of another link id than the URL's (SPEC.md 5.13).
    #[error("the link record belongs to another link")]
    LinkWrongId,

    /// The link needs a password and none was given (SPEC.md 5.13). A wrong password is
    /// [`Error::DecryptionFailed`].
    #[error("this link needs a password")]
    LinkPasswordRequired,

    /// A collect-link drop is not well-formed (SPEC.md 5.13).
    #[error("malformed drop: {reason}")]
    MalformedDrop {
        /// Which rule was broken.
        reason: &'static str,
    },

    /// A drop is for another album or epoch than the key it is opened or accepted with.
    #[error("the drop is for another album or epoch")]
    DropWrongAlbum,

    /// A drop's signature does not verify under the throwaway key its manifest names
    /// (altered display name, ciphertext re-sealed by someone else).
    #[error("drop signature does not verify")]
    DropBadSignature,

    /// A history entry or pin is for another album.
    #[error("the album history entry or pin is for another album")]
    HistoryWrongAlbum,

    /// A history's genesis names another owner than the one expected.
    #[error("the album history was created by another owner than the one expected")]
    HistoryWrongOwner,

    /// An entry is not the next one: wrong sequence number or `prev` hash (dropped,
    /// reordered, duplicated or inserted entries), or a chain not starting with a genesis.
    #[error("the album history is broken at entry {seq}")]
    HistoryBrokenLink {
        /// The position in the chain where it breaks.
        seq: u64,
    },

    /// An entry's signature does not verify under its author's key.
    #[error("the signature of album history entry {seq} does not verify")]
    HistoryBadSignature {
        /// The entry.
        seq: u64,
    },

    /// An entry's author is not a member of the album at the entry before it.
    #[error("album history entry {seq} was signed by an identity that is not a member")]
    HistoryNotMember {
        /// The entry.
        seq: u64,
    },

    /// An entry does what its author may not (a member other than the owner changing the
    /// membership, removing the owner or a non-member, adding a member twice).
    #[error("album history entry {seq} makes a change its author may not make")]
    HistoryNotAllowed {
        /// The entry.
        seq: u64,
    },

    /// An entry's epoch breaks the epoch rules (SPEC.md 5.6, 5.12).
    #[error("album history entry {seq} has an epoch the rules do not allow")]
    HistoryBadEpoch {
        /// The entry.
        seq: u64,
    },

    /// The chain holds another entry where this device's pin saw a different one: the
    /// server showed this device a fork.
    #[error("the album history forks from the one this device has seen, at entry {seq}")]
    HistoryFork {
        /// The pinned sequence number.
        seq: u64,
    },

    /// The chain ends before the newest entry this device has seen.
    #[error(
        "album history rolled back: this device has seen entry {seen}, the chain ends at {offered}"
    )]
    HistoryRollback {
        /// The newest sequence number the device has seen.
        seen: u64,
        /// The last sequence number of the chain offered.
        offered: u64,
    },

    /// A grant or manifest names a history entry that is not in the verified chain.
    #[error("the grant or manifest names an album history entry this chain does not hold")]
    HistoryUnknownEntry,

    /// The operating system's random number generator failed.
    #[error("the OS random number generator failed")]
    RandomnessUnavailable,

    /// An I/O error from the underlying reader, writer or file system.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Recovers a Keepsake error carried inside an [`io::Error`] (as returned by the
    /// [`std::io::Read`] and [`std::io::Write`] implementations); any other I/O error becomes
    /// [`Error::Io`].
    pub fn from_io(err: io::Error) -> Self {
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = err.into_inner().expect("get_ref found an inner error");
            return match inner.downcast::<Error>() {
                Ok(inner) => *inner,
                Err(other) => Error::Io(io::Error::other(other)),
            };
        }
        Error::Io(err)
    }

    /// Wraps this error in an [`io::Error`] for the `Read` / `Write` traits;
    /// [`Error::from_io`] undoes it. Never of kind [`io::ErrorKind::Interrupted`]: the
    /// standard library retries that kind, and a final error must not be retried forever.
    pub(crate) fn into_io(self) -> io::Error {
        match self {
            Error::Io(err) if err.kind() == io::ErrorKind::Interrupted => io::Error::other(err),
            Error::Io(err) => err,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }

    /// A copy of this error for a poisoned stream to return on every later call.
    pub(crate) fn replay(&self) -> Self {
        match self {
            Error::DecryptionFailed => Error::DecryptionFailed,
            Error::BadMagic => Error::BadMagic,
            Error::UnsupportedVersion(v) => Error::UnsupportedVersion(*v),
            Error::UnsupportedSuite(s) => Error::UnsupportedSuite(*s),
            Error::ChunkSizeOutOfRange(c) => Error::ChunkSizeOutOfRange(*c),
            Error::UnknownKind(k) => Error::UnknownKind(*k),
            Error::TruncatedHeader { needed, got } => Error::TruncatedHeader {
                needed: *needed,
                got: *got,
            },
            Error::TruncatedStream => Error::TruncatedStream,
            Error::TrailingData => Error::TrailingData,
            Error::EmptyFinalChunk => Error::EmptyFinalChunk,
            Error::TooLarge { what, len, max } => Error::TooLarge {
                what,
                len: *len,
                max: *max,
            },
            Error::InvalidLength {
                what,
                expected,
                got,
            } => Error::InvalidLength {
                what,
                expected: *expected,
                got: *got,
            },
            Error::RangeOutOfBounds {
                offset,
                plaintext_len,
            } => Error::RangeOutOfBounds {
                offset: *offset,
                plaintext_len: *plaintext_len,
            },
            Error::StreamTooLong => Error::StreamTooLong,
            Error::DestinationExists => Error::DestinationExists,
            Error::Cancelled => Error::Cancelled,
            Error::RandomnessUnavailable => Error::RandomnessUnavailable,
            Error::InvalidPublicKey => Error::InvalidPublicKey,
            Error::KdfParamsTooWeak {
                memory_kib,
                iterations,
                parallelism,
            } => Error::KdfParamsTooWeak {
                memory_kib: *memory_kib,
                iterations: *iterations,
                parallelism: *parallelism,
            },
            Error::KdfParamsTooCostly {
                memory_kib,
                iterations,
                parallelism,
            } => Error::KdfParamsTooCostly {
                memory_kib: *memory_kib,
                iterations: *iterations,
                parallelism: *parallelism,
            },
            Error::OutOfMemory { bytes } => Error::OutOfMemory { bytes: *bytes },
            Error::InvalidRecoveryPhrase { problem } => {
                Error::InvalidRecoveryPhrase { problem: *problem }
            }
            Error::WrongPassphrase => Error::WrongPassphrase,
            Error::WrongRecoveryPhrase => Error::WrongRecoveryPhrase,
            Error::DeviceNotEnrolled => Error::DeviceNotEnrolled,
            Error::MalformedBundle { reason } => Error::MalformedBundle { reason },
            Error::BundleTampered => Error::BundleTampered,
            Error::IdentityMismatch => Error::IdentityMismatch,
            Error::Rollback { seen, offered } => Error::Rollback {
                seen: *seen,
                offered: *offered,
            },
            Error::UnknownGeneration {
                generation,
                current,
            } => Error::UnknownGeneration {
                generation: *generation,
                current: *current,
            },
            Error::NotAlbumOwner => Error::NotAlbumOwner,
            Error::MalformedGrant { reason } => Error::MalformedGrant { reason },
            Error::GrantWrongSender => Error::GrantWrongSender,
            Error::GrantWrongRecipient => Error::GrantWrongRecipient,
            Error::GrantWrongAlbum => Error::GrantWrongAlbum,
            Error::GrantBadSignature => Error::GrantBadSignature,
            Error::MalformedManifest { reason } => Error::MalformedManifest { reason },
            Error::ProvenanceUnsigned => Error::ProvenanceUnsigned,
            Error::ProvenanceWrongItem => Error::ProvenanceWrongItem,
            Error::ProvenanceNotMember => Error::ProvenanceNotMember,
            Error::ProvenanceBadSignature => Error::ProvenanceBadSignature,
            Error::ProvenanceMismatch { what } => Error::ProvenanceMismatch { what },
            Error::ProvenanceChunkMismatch { index } => {
                Error::ProvenanceChunkMismatch { index: *index }
            }
            Error::MalformedSelection { reason } => Error::MalformedSelection { reason },
            Error::SelectionWrongSender => Error::SelectionWrongSender,
            Error::SelectionWrongRecipient => Error::SelectionWrongRecipient,
            Error::SelectionWrongAlbum => Error::SelectionWrongAlbum,
            Error::SelectionWrongHistory => Error::SelectionWrongHistory,
            Error::SelectionBadSignature => Error::SelectionBadSignature,
            Error::NotInSelection { what } => Error::NotInSelection { what },
            Error::MalformedHistoryEntry { reason } => Error::MalformedHistoryEntry { reason },
            Error::MalformedLink { reason } => Error::MalformedLink { reason },
            Error::LinkWrongId => Error::LinkWrongId,
            Error::LinkPasswordRequired => Error::LinkPasswordRequired,
            Error::MalformedDrop { reason } => Error::MalformedDrop { reason },
            Error::DropWrongAlbum => Error::DropWrongAlbum,
            Error::DropBadSignature => Error::DropBadSignature,
            Error::HistoryWrongAlbum => Error::HistoryWrongAlbum,
            Error::HistoryWrongOwner => Error::HistoryWrongOwner,
            Error::HistoryBrokenLink { seq } => Error::HistoryBrokenLink { seq: *seq },
            Error::HistoryBadSignature { seq } => Error::HistoryBadSignature { seq: *seq },
            Error::HistoryNotMember { seq } => Error::HistoryNotMember { seq: *seq },
            Error::HistoryNotAllowed { seq } => Error::HistoryNotAllowed { seq: *seq },
            Error::HistoryBadEpoch { seq } => Error::HistoryBadEpoch { seq: *seq },
            Error::HistoryFork { seq } => Error::HistoryFork { seq: *seq },
            Error::HistoryRollback { seen, offered } => Error::HistoryRollback {
                seen: *seen,
                offered: *offered,
            },
            Error::HistoryUnknownEntry => Error::HistoryUnknownEntry,
            Error::Io(err) => Error::Io(io::Error::new(err.kind(), err.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_round_trip_keeps_the_variant() {
        let back = Error::from_io(Error::TrailingData.into_io());
        assert!(matches!(back, Error::TrailingData));
        let back = Error::from_io(Error::Cancelled.into_io());
        assert!(matches!(back, Error::Cancelled));
        // No error handed out is of the kind the standard library retries.
        assert_ne!(
            Error::Cancelled.into_io().kind(),
            io::ErrorKind::Interrupted
        );
        let interrupted = Error::Io(io::Error::new(io::ErrorKind::Interrupted, "x"));
        assert_ne!(interrupted.into_io().kind(), io::ErrorKind::Interrupted);
        let plain = Error::from_io(io::Error::new(io::ErrorKind::NotFound, "x"));
        assert!(matches!(plain, Error::Io(e) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn replay_keeps_fields() {
        let e = Error::TruncatedHeader { needed: 88, got: 3 };
        assert!(matches!(
            e.replay(),
            Error::TruncatedHeader { needed: 88, got: 3 }
        ));
        let io = Error::Io(io::Error::new(io::ErrorKind::BrokenPipe, "pipe"));
        assert!(matches!(io.replay(), Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe));
    }
}
