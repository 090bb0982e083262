// Kotlin idioms of the Keepsake bindings (issue 12, item 4), compiled into the module with
// the generated keepsake.kt (package app.keepsake): bindings/tests/kotlin/run.sh and
// bindings/scripts/build-aar.sh compile the two together.
//
// Errors: `KeepsakeException` is UniFFI's sealed class with one subclass per variant; its
// `category` places each in one `KeepsakeErrorCategory` (the mapping of
// /work/notes/error-categories.md, the same in Swift and Python), by an exhaustive `when`
// over the sealed class, so a new variant does not compile until it is placed.

@file:JvmName("KeepsakeIdioms")

package app.keepsake

/** The kind of failure a [KeepsakeException] is: what a caller branches on. */
enum class KeepsakeErrorCategory {
    /**
     * The data is altered, foreign, replayed or not for this context: refuse it, never
     * retry with the same bytes. (DecryptionFailed, BundleTampered, IdentityMismatch,
     * Rollback, GrantBadSignature, GrantWrongSender, GrantWrongRecipient, GrantWrongAlbum,
     * the Provenance*, Selection* (but MalformedSelection) and History* errors,
     * LinkWrongId, DropWrongAlbum, DropBadSignature)
     */
    AUTHENTICATION,
    /**
     * The bytes (or typed words) do not parse, or exceed a cap. (BadMagic,
     * UnsupportedVersion, UnsupportedSuite, ChunkSizeOutOfRange, UnknownKind,
     * TruncatedHeader, TruncatedStream, TrailingData, EmptyFinalChunk, TooLarge,
     * InvalidLength, InvalidPublicKey, MalformedBundle, MalformedGrant,
     * InvalidRecoveryPhrase, MalformedManifest, MalformedSelection, MalformedHistoryEntry,
     * MalformedLink, MalformedDrop)
     */
    MALFORMED_INPUT,
    /**
     * Ask the user (again), or use another secret. (WrongPassphrase, WrongRecoveryPhrase,
     * DeviceNotEnrolled, LinkPasswordRequired)
     */
    WRONG_SECRET,
    /** A file-system problem (the message names the path). (Io, DestinationExists) */
    IO,
    /**
     * A programming error or a wrong call order. (RangeOutOfBounds, StreamTooLong,
     * StreamClosed, KdfParamsTooWeak, KdfParamsTooCostly, NotAlbumOwner,
     * UnknownGeneration, NotInSelection)
     */
    MISUSE,
    /** The app cancelled; nothing was written. (Cancelled) */
    CANCELLED,
    /** The app's own listener or source failed (the message is its own). (Callback) */
    CALLBACK,
    /**
     * The system could not provide randomness or memory. (RandomnessUnavailable,
     * OutOfMemory)
     */
    RESOURCE,
    /** An error of a newer core this version does not know. (Other) */
    UNKNOWN,
}

/** The category of this error (see [KeepsakeErrorCategory]). */
val KeepsakeException.category: KeepsakeErrorCategory
    get() = when (this) {
        is KeepsakeException.DecryptionFailed,
        is KeepsakeException.BundleTampered,
        is KeepsakeException.IdentityMismatch,
        is KeepsakeException.Rollback,
        is KeepsakeException.GrantBadSignature,
        is KeepsakeException.GrantWrongSender,
        is KeepsakeException.GrantWrongRecipient,
        is KeepsakeException.GrantWrongAlbum,
        is KeepsakeException.ProvenanceUnsigned,
        is KeepsakeException.ProvenanceWrongItem,
        is KeepsakeException.ProvenanceNotMember,
        is KeepsakeException.ProvenanceBadSignature,
        is KeepsakeException.ProvenanceMismatch,
        is KeepsakeException.ProvenanceChunkMismatch,
        is KeepsakeException.SelectionWrongSender,
        is KeepsakeException.SelectionWrongRecipient,
        is KeepsakeException.SelectionWrongAlbum,
        is KeepsakeException.SelectionWrongHistory,
        is KeepsakeException.SelectionBadSignature,
        is KeepsakeException.HistoryWrongAlbum,
        is KeepsakeException.HistoryWrongOwner,
        is KeepsakeException.HistoryBrokenLink,
        is KeepsakeException.HistoryBadSignature,
        is KeepsakeException.HistoryNotMember,
        is KeepsakeException.HistoryNotAllowed,
        is KeepsakeException.HistoryBadEpoch,
        is KeepsakeException.HistoryFork,
        is KeepsakeException.HistoryRollback,
        is KeepsakeException.HistoryUnknownEntry -> KeepsakeErrorCategory.AUTHENTICATION
        is KeepsakeException.LinkWrongId -> KeepsakeErrorCategory.AUTHENTICATION
        is KeepsakeException.DropWrongAlbum -> KeepsakeErrorCategory.AUTHENTICATION
        is KeepsakeException.DropBadSignature -> KeepsakeErrorCategory.AUTHENTICATION
        is KeepsakeException.BadMagic,
        is KeepsakeException.UnsupportedVersion,
        is KeepsakeException.UnsupportedSuite,
        is KeepsakeException.ChunkSizeOutOfRange,
        is KeepsakeException.UnknownKind,
        is KeepsakeException.TruncatedHeader,
        is KeepsakeException.TruncatedStream,
        is KeepsakeException.TrailingData,
        is KeepsakeException.EmptyFinalChunk,
        is KeepsakeException.TooLarge,
        is KeepsakeException.InvalidLength,
        is KeepsakeException.InvalidPublicKey,
        is KeepsakeException.MalformedBundle,
        is KeepsakeException.MalformedGrant,
        is KeepsakeException.InvalidRecoveryPhrase,
        is KeepsakeException.MalformedManifest,
        is KeepsakeException.MalformedSelection,
        is KeepsakeException.MalformedHistoryEntry -> KeepsakeErrorCategory.MALFORMED_INPUT
        is KeepsakeException.MalformedLink -> KeepsakeErrorCategory.MALFORMED_INPUT
        is KeepsakeException.MalformedDrop -> KeepsakeErrorCategory.MALFORMED_INPUT
        is KeepsakeException.WrongPassphrase,
        is KeepsakeException.WrongRecoveryPhrase,
        is KeepsakeException.DeviceNotEnrolled -> KeepsakeErrorCategory.WRONG_SECRET
        is KeepsakeException.LinkPasswordRequired -> KeepsakeErrorCategory.WRONG_SECRET
        is KeepsakeException.Io, is KeepsakeException.DestinationExists -> KeepsakeErrorCategory.IO
        is KeepsakeException.RangeOutOfBounds,
        is KeepsakeException.StreamTooLong,
        is KeepsakeException.StreamClosed,
        is KeepsakeException.KdfParamsTooWeak,
        is KeepsakeException.KdfParamsTooCostly,
        is KeepsakeException.NotAlbumOwner,
        is KeepsakeException.UnknownGeneration,
        is KeepsakeException.NotInSelection -> KeepsakeErrorCategory.MISUSE
        is KeepsakeException.Cancelled -> KeepsakeErrorCategory.CANCELLED
        is KeepsakeException.Callback -> KeepsakeErrorCategory.CALLBACK
        is KeepsakeException.RandomnessUnavailable,
        is KeepsakeException.OutOfMemory -> KeepsakeErrorCategory.RESOURCE
        is KeepsakeException.Other -> KeepsakeErrorCategory.UNKNOWN
    }
