//! The one flat error of the bindings, mapped from `keepsake::Error` in one function.

/// Every failure a Keepsake call can report to Swift, Kotlin or Python. Each variant
/// carries the core error's message (never a key, passphrase or plaintext).
#[derive(Clone, Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum KeepsakeError {
    /// Authentication failed: wrong key or context, or the data was altered. Opaque.
    #[error("{0}")]
    DecryptionFailed(String),
    /// Not a Keepsake media stream.
    #[error("{0}")]
    BadMagic(String),
    /// A format version this build does not implement.
    #[error("{0}")]
    UnsupportedVersion(String),
    /// A cipher suite this build does not implement.
    #[error("{0}")]
    UnsupportedSuite(String),
    /// A chunk size outside the supported range.
    #[error("{0}")]
    ChunkSizeOutOfRange(String),
    /// An unknown media kind byte.
    #[error("{0}")]
    UnknownKind(String),
    /// Input ended inside a header.
    #[error("{0}")]
    TruncatedHeader(String),
    /// The final chunk is missing.
    #[error("{0}")]
    TruncatedStream(String),
    /// Data after the final chunk.
    #[error("{0}")]
    TrailingData(String),
    /// An empty final chunk after a full one.
    #[error("{0}")]
    EmptyFinalChunk(String),
    /// A size cap exceeded.
    #[error("{0}")]
    TooLarge(String),
    /// A key, id or other byte string of the wrong length.
    #[error("{0}")]
    InvalidLength(String),
    /// A range starting past the end.
    #[error("{0}")]
    RangeOutOfBounds(String),
    /// The chunk counter is exhausted.
    #[error("{0}")]
    StreamTooLong(String),
    /// The destination file exists.
    #[error("{0}")]
    DestinationExists(String),
    /// Cancelled by the progress listener; nothing was written.
    #[error("{0}")]
    Cancelled(String),
    /// The OS random number generator failed.
    #[error("{0}")]
    RandomnessUnavailable(String),
    /// An I/O error.
    #[error("{0}")]
    Io(String),
    /// A public key refused: an X-Wing key (a device's, or an identity's KEM half) whose
    /// ML-KEM half fails FIPS 203's modulus check or whose X25519 half is of small order, an
    /// identity's Ed25519 half that does not decode or is of small order, or an
    /// encapsulation giving an all-zero X25519 secret.
    #[error("{0}")]
    InvalidPublicKey(String),
    /// Argon2id parameters below the floor.
    #[error("{0}")]
    KdfParamsTooWeak(String),
    /// Argon2id parameters above the ceiling.
    #[error("{0}")]
    KdfParamsTooCostly(String),
    /// Argon2id's memory could not be allocated.
    #[error("{0}")]
    OutOfMemory(String),
    /// A malformed recovery phrase (count, unknown word position, checksum).
    #[error("{0}")]
    InvalidRecoveryPhrase(String),
    /// The passphrase does not open the account.
    #[error("{0}")]
    WrongPassphrase(String),
    /// The recovery phrase does not open the account.
    #[error("{0}")]
    WrongRecoveryPhrase(String),
    /// This device has no slot (never enrolled, or revoked).
    #[error("{0}")]
    DeviceNotEnrolled(String),
    /// A malformed account bundle.
    #[error("{0}")]
    MalformedBundle(String),
    /// The account bundle was altered.
    #[error("{0}")]
    BundleTampered(String),
    /// A slot opened to a foreign root (key injection).
    #[error("{0}")]
    IdentityMismatch(String),
    /// The bundle is older than the newest account generation this device has seen (its
    /// pin): a server served an earlier bundle again. The message names both generations.
    #[error("{0}")]
    Rollback(String),
    /// An album epoch of a generation newer than the keyring's: unlock the current bundle
    /// first. The message names both generations.
    #[error("{0}")]
    UnknownGeneration(String),
    /// Only the album's owner can move it to a new epoch (this key came in a grant).
    #[error("{0}")]
    NotAlbumOwner(String),
    /// A malformed album grant.
    #[error("{0}")]
    MalformedGrant(String),
    /// A grant from an unexpected sender.
    #[error("{0}")]
    GrantWrongSender(String),
    /// A grant for another recipient.
    #[error("{0}")]
    GrantWrongRecipient(String),
    /// A grant for another album or epoch.
    #[error("{0}")]
    GrantWrongAlbum(String),
    /// A grant whose signature does not verify under the expected sender's identity: it
    /// was altered (any byte of its header, encapsulation, ciphertext or signature), or
    /// signed by another account.
    #[error("{0}")]
    GrantBadSignature(String),
    /// A malformed provenance manifest or item record (SPEC.md 5.10); the message names the rule.
    #[error("{0}")]
    MalformedManifest(String),
    /// An item record with no manifest: nobody signed the item.
    #[error("{0}")]
    ProvenanceUnsigned(String),
    /// A manifest for another media id, album or epoch than the item it came with.
    #[error("{0}")]
    ProvenanceWrongItem(String),
    /// A manifest signed by an identity that is not a member of the album at that epoch.
    #[error("{0}")]
    ProvenanceNotMember(String),
    /// A manifest whose signature does not verify under the uploader key it names.
    #[error("{0}")]
    ProvenanceBadSignature(String),
    /// Content that does not match the signed manifest (a part, its length, its hash list or
    /// the metadata); the message says which check failed.
    #[error("{0}")]
    ProvenanceMismatch(String),
    /// A chunk a range read opens that does not match its signed hash; the message names
    /// the chunk's index.
    #[error("{0}")]
    ProvenanceChunkMismatch(String),
    /// A malformed selection grant (SPEC.md 5.11); the message names the rule.
    #[error("{0}")]
    MalformedSelection(String),
    /// A selection grant from an unexpected sender.
    #[error("{0}")]
    SelectionWrongSender(String),
    /// A selection grant addressed to another identity.
    #[error("{0}")]
    SelectionWrongRecipient(String),
    /// A selection grant for another album.
    #[error("{0}")]
    SelectionWrongAlbum(String),
    /// A selection grant relying on another album history entry than the one expected.
    #[error("{0}")]
    SelectionWrongHistory(String),
    /// A selection grant whose signature does not verify under the expected sender's identity.
    #[error("{0}")]
    SelectionBadSignature(String),
    /// An accepted selection asked for an item or a part it does not hold; the message says
    /// which.
    #[error("{0}")]
    NotInSelection(String),
    /// A malformed album history entry or pin (SPEC.md 5.12); the message names the rule.
    #[error("{0}")]
    MalformedHistoryEntry(String),
    /// An album history entry or pin for another album.
    #[error("{0}")]
    HistoryWrongAlbum(String),
    /// An album history created by another owner than the one expected.
    #[error("{0}")]
    HistoryWrongOwner(String),
    /// An album history broken at an entry (dropped, reordered, duplicated or inserted
    /// entries, or no genesis first); the message names the entry's sequence number.
    #[error("{0}")]
    HistoryBrokenLink(String),
    /// An album history entry whose signature does not verify; the message names its
    /// sequence number.
    #[error("{0}")]
    HistoryBadSignature(String),
    /// An album history entry signed by an identity that was not a member; the message names
    /// its sequence number.
    #[error("{0}")]
    HistoryNotMember(String),
    /// An album history entry making a change its author may not make; the message names its
    /// sequence number.
    #[error("{0}")]
    HistoryNotAllowed(String),
    /// An album history entry whose epoch the rules do not allow; the message names its
    /// sequence number.
    #[error("{0}")]
    HistoryBadEpoch(String),
    /// An album history that forks from the one this device pinned (the server showed a
    /// fork); the message names the pinned sequence number.
    #[error("{0}")]
    HistoryFork(String),
    /// An album history ending before the newest entry this device has seen; the message
    /// names both sequence numbers. Fetch the newest chain once and verify again.
    #[error("{0}")]
    HistoryRollback(String),
    /// A grant or manifest naming an album history entry the verified chain does not hold.
    /// Fetch the newest chain once and verify again.
    #[error("{0}")]
    HistoryUnknownEntry(String),
    /// A malformed link URL, fragment or record (SPEC.md 5.13); the message names the rule.
    #[error("{0}")]
    MalformedLink(String),
    /// The record of another link than the URL's.
    #[error("{0}")]
    LinkWrongId(String),
    /// The link needs a password and none was given: ask the user for it.
    #[error("{0}")]
    LinkPasswordRequired(String),
    /// A malformed drop of a collect link; the message names the rule.
    #[error("{0}")]
    MalformedDrop(String),
    /// A drop for another album or epoch than the key opening it (a drop replayed into
    /// another album).
    #[error("{0}")]
    DropWrongAlbum(String),
    /// A drop whose signature does not verify under its throwaway key.
    #[error("{0}")]
    DropBadSignature(String),
    /// A streaming object used after `finish` or after an error.
    #[error("{0}")]
    StreamClosed(String),
    /// A callback of the app (a progress listener, a random-access source) raised an
    /// error or threw; the message is the one it raised.
    #[error("{0}")]
    Callback(String),
    /// An error this version of the bindings does not know (a newer core).
    #[error("{0}")]
    Other(String),
}

/// What an app's callback (a [`crate::ProgressListener`], a
/// [`crate::RandomAccessSource`]) raises to fail the call it serves: the call then fails
/// with [`KeepsakeError::Callback`] carrying `reason`. Any other exception a callback
/// throws is caught and reported the same way, with its text as the message (never as a
/// crash of the library).
#[derive(Clone, Debug, thiserror::Error, uniffi::Error)]
pub enum CallbackError {
    /// The callback failed.
    #[error("{reason}")]
    Failed {
        /// Why, in the app's words. (Not `message`: Kotlin exceptions have one already.)
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: err.reason }
    }
}

impl From<CallbackError> for KeepsakeError {
    fn from(err: CallbackError) -> Self {
        let CallbackError::Failed { reason } = err;
        Self::Callback(format!("a callback failed: {reason}"))
    }
}

impl From<keepsake::Error> for KeepsakeError {
    fn from(err: keepsake::Error) -> Self {
        let message = err.to_string();
        Self::with_message(err, message)
    }
}

impl KeepsakeError {
    /// The core error `err` with what it is about in front of its message: the path of a
    /// file operation, the media id and kind of a refused stream (public names only).
    pub(crate) fn about(err: keepsake::Error, what: impl std::fmt::Display) -> Self {
        let message = format!("{what}: {err}");
        Self::with_message(err, message)
    }

    fn with_message(err: keepsake::Error, message: String) -> Self {
        use keepsake::Error as E;
        match err {
            E::DecryptionFailed => Self::DecryptionFailed(message),
            E::BadMagic => Self::BadMagic(message),
            E::UnsupportedVersion(_) => Self::UnsupportedVersion(message),
            E::UnsupportedSuite(_) => Self::UnsupportedSuite(message),
            E::ChunkSizeOutOfRange(_) => Self::ChunkSizeOutOfRange(message),
            E::UnknownKind(_) => Self::UnknownKind(message),
            E::TruncatedHeader { .. } => Self::TruncatedHeader(message),
            E::TruncatedStream => Self::TruncatedStream(message),
            E::TrailingData => Self::TrailingData(message),
            E::EmptyFinalChunk => Self::EmptyFinalChunk(message),
            E::TooLarge { .. } => Self::TooLarge(message),
            E::InvalidLength { .. } => Self::InvalidLength(message),
            E::RangeOutOfBounds { .. } => Self::RangeOutOfBounds(message),
            E::StreamTooLong => Self::StreamTooLong(message),
            E::DestinationExists => Self::DestinationExists(message),
            E::Cancelled => Self::Cancelled(message),
            E::RandomnessUnavailable => Self::RandomnessUnavailable(message),
            E::Io(_) => Self::Io(message),
            E::InvalidPublicKey => Self::InvalidPublicKey(message),
            E::KdfParamsTooWeak { .. } => Self::KdfParamsTooWeak(message),
            E::KdfParamsTooCostly { .. } => Self::KdfParamsTooCostly(message),
            E::OutOfMemory { .. } => Self::OutOfMemory(message),
            E::InvalidRecoveryPhrase { .. } => Self::InvalidRecoveryPhrase(message),
            E::WrongPassphrase => Self::WrongPassphrase(message),
            E::WrongRecoveryPhrase => Self::WrongRecoveryPhrase(message),
            E::DeviceNotEnrolled => Self::DeviceNotEnrolled(message),
            E::MalformedBundle { .. } => Self::MalformedBundle(message),
            E::BundleTampered => Self::BundleTampered(message),
            E::IdentityMismatch => Self::IdentityMismatch(message),
            E::Rollback { .. } => Self::Rollback(message),
            E::UnknownGeneration { .. } => Self::UnknownGeneration(message),
            E::NotAlbumOwner => Self::NotAlbumOwner(message),
            E::MalformedGrant { .. } => Self::MalformedGrant(message),
            E::GrantWrongSender => Self::GrantWrongSender(message),
            E::GrantWrongRecipient => Self::GrantWrongRecipient(message),
            E::GrantWrongAlbum => Self::GrantWrongAlbum(message),
            E::GrantBadSignature => Self::GrantBadSignature(message),
            E::MalformedManifest { .. } => Self::MalformedManifest(message),
            E::ProvenanceUnsigned => Self::ProvenanceUnsigned(message),
            E::ProvenanceWrongItem => Self::ProvenanceWrongItem(message),
            E::ProvenanceNotMember => Self::ProvenanceNotMember(message),
            E::ProvenanceBadSignature => Self::ProvenanceBadSignature(message),
            E::ProvenanceMismatch { .. } => Self::ProvenanceMismatch(message),
            E::ProvenanceChunkMismatch { .. } => Self::ProvenanceChunkMismatch(message),
            E::MalformedSelection { .. } => Self::MalformedSelection(message),
            E::SelectionWrongSender => Self::SelectionWrongSender(message),
            E::SelectionWrongRecipient => Self::SelectionWrongRecipient(message),
            E::SelectionWrongAlbum => Self::SelectionWrongAlbum(message),
            E::SelectionWrongHistory => Self::SelectionWrongHistory(message),
            E::SelectionBadSignature => Self::SelectionBadSignature(message),
            E::NotInSelection { .. } => Self::NotInSelection(message),
            E::MalformedHistoryEntry { .. } => Self::MalformedHistoryEntry(message),
            E::HistoryWrongAlbum => Self::HistoryWrongAlbum(message),
            E::HistoryWrongOwner => Self::HistoryWrongOwner(message),
            E::HistoryBrokenLink { .. } => Self::HistoryBrokenLink(message),
            E::HistoryBadSignature { .. } => Self::HistoryBadSignature(message),
            E::HistoryNotMember { .. } => Self::HistoryNotMember(message),
            E::HistoryNotAllowed { .. } => Self::HistoryNotAllowed(message),
            E::HistoryBadEpoch { .. } => Self::HistoryBadEpoch(message),
            E::HistoryFork { .. } => Self::HistoryFork(message),
            E::HistoryRollback { .. } => Self::HistoryRollback(message),
            E::HistoryUnknownEntry => Self::HistoryUnknownEntry(message),
            E::MalformedLink { .. } => Self::MalformedLink(message),
            E::LinkWrongId => Self::LinkWrongId(message),
            E::LinkPasswordRequired => Self::LinkPasswordRequired(message),
            E::MalformedDrop { .. } => Self::MalformedDrop(message),
            E::DropWrongAlbum => Self::DropWrongAlbum(message),
            E::DropBadSignature => Self::DropBadSignature(message),
            _ => Self::Other(message),
        }
    }
}

/// Shorthand for results crossing the boundary.
pub type Result<T, E = KeepsakeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake::Error as E;
    use keepsake::recovery::PhraseProblem;

    /// The name of a bindings variant, for comparing with the core's.
    fn name(err: &KeepsakeError) -> String {
        let debug = format!("{err:?}");
        debug[..debug.find('(').unwrap_or(debug.len())].to_string()
    }

    #[test]
    fn every_core_error_maps_to_its_namesake_with_its_message() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let cases: Vec<(E, &str)> = vec![
            (E::DecryptionFailed, "DecryptionFailed"),
            (E::BadMagic, "BadMagic"),
            (E::UnsupportedVersion(9), "UnsupportedVersion"),
            (E::UnsupportedSuite(9), "UnsupportedSuite"),
            (E::ChunkSizeOutOfRange(30), "ChunkSizeOutOfRange"),
            (E::UnknownKind(7), "UnknownKind"),
            (E::TruncatedHeader { needed: 88, got: 3 }, "TruncatedHeader"),
            (E::TruncatedStream, "TruncatedStream"),
            (E::TrailingData, "TrailingData"),
            (E::EmptyFinalChunk, "EmptyFinalChunk"),
            (
                E::TooLarge {
                    what: "x",
                    len: 2,
                    max: 1,
                },
                "TooLarge",
            ),
            (
                E::InvalidLength {
                    what: "media id",
                    expected: 16,
                    got: 3,
                },
                "InvalidLength",
            ),
            (
                E::RangeOutOfBounds {
                    offset: 9,
                    plaintext_len: 1,
                },
                "RangeOutOfBounds",
            ),
            (E::StreamTooLong, "StreamTooLong"),
            (E::DestinationExists, "DestinationExists"),
            (E::Cancelled, "Cancelled"),
            (E::RandomnessUnavailable, "RandomnessUnavailable"),
            (E::Io(io), "Io"),
            (E::InvalidPublicKey, "InvalidPublicKey"),
            (
                E::KdfParamsTooWeak {
                    memory_kib: 1,
                    iterations: 1,
                    parallelism: 1,
                },
                "KdfParamsTooWeak",
            ),
            (
                E::KdfParamsTooCostly {
                    memory_kib: 1,
                    iterations: 1,
                    parallelism: 1,
                },
                "KdfParamsTooCostly",
            ),
            (E::OutOfMemory { bytes: 1 }, "OutOfMemory"),
            (
                E::InvalidRecoveryPhrase {
                    problem: PhraseProblem::Checksum,
                },
                "InvalidRecoveryPhrase",
            ),
            (E::WrongPassphrase, "WrongPassphrase"),
            (E::WrongRecoveryPhrase, "WrongRecoveryPhrase"),
            (E::DeviceNotEnrolled, "DeviceNotEnrolled"),
            (E::MalformedBundle { reason: "r" }, "MalformedBundle"),
            (E::BundleTampered, "BundleTampered"),
            (E::IdentityMismatch, "IdentityMismatch"),
            (
                E::Rollback {
                    seen: 1,
                    offered: 0,
                },
                "Rollback",
            ),
            (
                E::UnknownGeneration {
                    generation: 2,
                    current: 1,
                },
                "UnknownGeneration",
            ),
            (E::NotAlbumOwner, "NotAlbumOwner"),
            (E::MalformedGrant { reason: "r" }, "MalformedGrant"),
            (E::GrantWrongSender, "GrantWrongSender"),
            (E::GrantWrongRecipient, "GrantWrongRecipient"),
            (E::GrantWrongAlbum, "GrantWrongAlbum"),
            (E::GrantBadSignature, "GrantBadSignature"),
            (E::MalformedManifest { reason: "r" }, "MalformedManifest"),
            (E::ProvenanceUnsigned, "ProvenanceUnsigned"),
            (E::ProvenanceWrongItem, "ProvenanceWrongItem"),
            (E::ProvenanceNotMember, "ProvenanceNotMember"),
            (E::ProvenanceBadSignature, "ProvenanceBadSignature"),
            (E::ProvenanceMismatch { what: "part" }, "ProvenanceMismatch"),
            (
                E::ProvenanceChunkMismatch { index: 3 },
                "ProvenanceChunkMismatch",
            ),
            (E::MalformedSelection { reason: "r" }, "MalformedSelection"),
            (E::SelectionWrongSender, "SelectionWrongSender"),
            (E::SelectionWrongRecipient, "SelectionWrongRecipient"),
            (E::SelectionWrongAlbum, "SelectionWrongAlbum"),
            (E::SelectionWrongHistory, "SelectionWrongHistory"),
            (E::SelectionBadSignature, "SelectionBadSignature"),
            (E::NotInSelection { what: "item" }, "NotInSelection"),
            (
                E::MalformedHistoryEntry { reason: "r" },
                "MalformedHistoryEntry",
            ),
            (E::HistoryWrongAlbum, "HistoryWrongAlbum"),
            (E::HistoryWrongOwner, "HistoryWrongOwner"),
            (E::HistoryBrokenLink { seq: 2 }, "HistoryBrokenLink"),
            (E::HistoryBadSignature { seq: 2 }, "HistoryBadSignature"),
            (E::HistoryNotMember { seq: 2 }, "HistoryNotMember"),
            (E::HistoryNotAllowed { seq: 2 }, "HistoryNotAllowed"),
            (E::HistoryBadEpoch { seq: 2 }, "HistoryBadEpoch"),
            (E::HistoryFork { seq: 2 }, "HistoryFork"),
            (
                E::HistoryRollback {
                    seen: 3,
                    offered: 1,
                },
                "HistoryRollback",
            ),
            (E::HistoryUnknownEntry, "HistoryUnknownEntry"),
            (E::MalformedLink { reason: "r" }, "MalformedLink"),
            (E::LinkWrongId, "LinkWrongId"),
            (E::LinkPasswordRequired, "LinkPasswordRequired"),
            (E::MalformedDrop { reason: "r" }, "MalformedDrop"),
            (E::DropWrongAlbum, "DropWrongAlbum"),
            (E::DropBadSignature, "DropBadSignature"),
        ];
        for (core, want) in cases {
            let message = core.to_string();
            let mapped = KeepsakeError::from(core);
            assert_eq!(name(&mapped), want);
            assert_eq!(mapped.to_string(), message, "{want}: message kept");
        }
    }
}
