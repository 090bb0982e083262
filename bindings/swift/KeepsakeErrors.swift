// Errors of the Keepsake module as a Swift app uses them (issue 12, item 4), shipped in the
// `Keepsake` module beside the generated Keepsake.swift (bindings/tests/swift/run.sh and
// build-xcframework.sh compile them together):
//   - `error.message`: the core's message, which names what the error is about where that is
//     public (the path of a file operation, the media id and kind of a refused stream);
//   - `error.category`: what the caller branches on (the mapping of /work/notes/error-categories.md,
//     the same in Kotlin and Python); the switches below are exhaustive, so a new variant does
//     not compile until it is placed;
//   - `LocalizedError`: `errorDescription` (hence `localizedDescription`) is one sentence, the
//     category's summary then the message: "The secret does not open the account: wrong
//     passphrase." (uniffi.toml sets omit_localized_error_conformance, so UniFFI's
//     `String(reflecting:)` description is not generated.)

import Foundation

/// The kind of failure a `KeepsakeError` is: what a caller branches on.
public enum KeepsakeErrorCategory: Sendable, Hashable, CaseIterable {
    /// The data is altered, foreign, replayed or not for this context: refuse it, never
    /// retry with the same bytes (DecryptionFailed, BundleTampered, IdentityMismatch,
    /// Rollback, GrantBadSignature, GrantWrongSender, GrantWrongRecipient, GrantWrongAlbum,
    /// the Provenance*, Selection* (but MalformedSelection) and History* errors,
    /// LinkWrongId, DropWrongAlbum, DropBadSignature).
    case authentication
    /// The bytes (or typed words) do not parse, or exceed a cap (BadMagic,
    /// UnsupportedVersion, UnsupportedSuite, ChunkSizeOutOfRange, UnknownKind,
    /// TruncatedHeader, TruncatedStream, TrailingData, EmptyFinalChunk, TooLarge,
    /// InvalidLength, InvalidPublicKey, MalformedBundle, MalformedGrant,
    /// InvalidRecoveryPhrase, MalformedManifest, MalformedSelection, MalformedHistoryEntry,
    /// MalformedLink, MalformedDrop).
    case malformedInput
    /// Ask the user (again), or use another secret (WrongPassphrase, WrongRecoveryPhrase,
    /// DeviceNotEnrolled, LinkPasswordRequired).
    case wrongSecret
    /// A file-system problem (the message names the path) (Io, DestinationExists).
    case io
    /// A programming error or a wrong call order (RangeOutOfBounds, StreamTooLong,
    /// StreamClosed, KdfParamsTooWeak, KdfParamsTooCostly, NotAlbumOwner,
    /// UnknownGeneration, NotInSelection).
    case misuse
    /// The app cancelled; nothing was written (Cancelled).
    case cancelled
    /// The app's own listener or source failed (the message is its own) (Callback).
    case callback
    /// The system could not provide randomness or memory (RandomnessUnavailable, OutOfMemory).
    case resource
    /// An error of a newer core this version does not know (Other).
    case unknown

    /// The start of `errorDescription`: what happened, in a few words.
    public var summary: String {
        switch self {
        case .authentication: return "The data failed authentication"
        case .malformedInput: return "The input is malformed"
        case .wrongSecret: return "The secret does not open the account"
        case .io: return "A file operation failed"
        case .misuse: return "The call is not allowed here"
        case .cancelled: return "The operation was cancelled"
        case .callback: return "A callback of the app failed"
        case .resource: return "The system ran out of a resource"
        case .unknown: return "Keepsake failed"
        }
    }
}

extension KeepsakeError {
    /// The category of this error (see `KeepsakeErrorCategory`).
    public var category: KeepsakeErrorCategory {
        switch self {
        case .DecryptionFailed, .BundleTampered, .IdentityMismatch, .Rollback, .GrantBadSignature, .GrantWrongSender, .GrantWrongRecipient, .GrantWrongAlbum,
             .ProvenanceUnsigned, .ProvenanceWrongItem, .ProvenanceNotMember, .ProvenanceBadSignature, .ProvenanceMismatch, .ProvenanceChunkMismatch, .SelectionWrongSender, .SelectionWrongRecipient, .SelectionWrongAlbum, .SelectionWrongHistory, .SelectionBadSignature, .HistoryWrongAlbum, .HistoryWrongOwner, .HistoryBrokenLink, .HistoryBadSignature, .HistoryNotMember, .HistoryNotAllowed, .HistoryBadEpoch, .HistoryFork, .HistoryRollback, .HistoryUnknownEntry,
             .LinkWrongId, .DropWrongAlbum, .DropBadSignature:
            return .authentication
        case .BadMagic, .UnsupportedVersion, .UnsupportedSuite, .ChunkSizeOutOfRange, .UnknownKind, .TruncatedHeader, .TruncatedStream, .TrailingData, .EmptyFinalChunk, .TooLarge, .InvalidLength, .InvalidPublicKey, .MalformedBundle, .MalformedGrant, .InvalidRecoveryPhrase,
             .MalformedManifest, .MalformedSelection, .MalformedHistoryEntry, .MalformedLink, .MalformedDrop:
            return .malformedInput
        case .WrongPassphrase, .WrongRecoveryPhrase, .DeviceNotEnrolled, .LinkPasswordRequired:
            return .wrongSecret
        case .Io, .DestinationExists:
            return .io
        case .RangeOutOfBounds, .StreamTooLong, .StreamClosed, .KdfParamsTooWeak, .KdfParamsTooCostly, .NotAlbumOwner, .UnknownGeneration, .NotInSelection:
            return .misuse
        case .Cancelled:
            return .cancelled
        case .Callback:
            return .callback
        case .RandomnessUnavailable, .OutOfMemory:
            return .resource
        case .Other:
            return .unknown
        }
    }

    /// The core's message: what failed and, where public, what it is about (a path, a media
    /// id and kind). Never a key, a passphrase or plaintext.
    public var message: String {
        switch self {
        case .DecryptionFailed(let message),
             .BundleTampered(let message),
             .IdentityMismatch(let message),
             .Rollback(let message),
             .GrantBadSignature(let message),
             .GrantWrongSender(let message),
             .GrantWrongRecipient(let message),
             .GrantWrongAlbum(let message),
             .MalformedManifest(let message),
             .ProvenanceUnsigned(let message),
             .ProvenanceWrongItem(let message),
             .ProvenanceNotMember(let message),
             .ProvenanceBadSignature(let message),
             .ProvenanceMismatch(let message),
             .ProvenanceChunkMismatch(let message),
             .MalformedSelection(let message),
             .SelectionWrongSender(let message),
             .SelectionWrongRecipient(let message),
             .SelectionWrongAlbum(let message),
             .SelectionWrongHistory(let message),
             .SelectionBadSignature(let message),
             .NotInSelection(let message),
             .MalformedHistoryEntry(let message),
             .HistoryWrongAlbum(let message),
             .HistoryWrongOwner(let message),
             .HistoryBrokenLink(let message),
             .HistoryBadSignature(let message),
             .HistoryNotMember(let message),
             .HistoryNotAllowed(let message),
             .HistoryBadEpoch(let message),
             .HistoryFork(let message),
             .HistoryRollback(let message),
             .HistoryUnknownEntry(let message),
             .MalformedLink(let message),
             .LinkWrongId(let message),
             .LinkPasswordRequired(let message),
             .MalformedDrop(let message),
             .DropWrongAlbum(let message),
             .DropBadSignature(let message),
             .BadMagic(let message),
             .UnsupportedVersion(let message),
             .UnsupportedSuite(let message),
             .ChunkSizeOutOfRange(let message),
             .UnknownKind(let message),
             .TruncatedHeader(let message),
             .TruncatedStream(let message),
             .TrailingData(let message),
             .EmptyFinalChunk(let message),
             .TooLarge(let message),
             .InvalidLength(let message),
             .InvalidPublicKey(let message),
             .MalformedBundle(let message),
             .MalformedGrant(let message),
             .InvalidRecoveryPhrase(let message),
             .WrongPassphrase(let message),
             .WrongRecoveryPhrase(let message),
             .DeviceNotEnrolled(let message),
             .Io(let message),
             .DestinationExists(let message),
             .RangeOutOfBounds(let message),
             .StreamTooLong(let message),
             .StreamClosed(let message),
             .KdfParamsTooWeak(let message),
             .KdfParamsTooCostly(let message),
             .NotAlbumOwner(let message),
             .UnknownGeneration(let message),
             .Cancelled(let message),
             .Callback(let message),
             .RandomnessUnavailable(let message),
             .OutOfMemory(let message),
             .Other(let message):
            return message
        }
    }
}

extension KeepsakeError: LocalizedError {
    /// One sentence: the category's summary, then the message ("The data failed
    /// authentication: media … (original): decryption failed: …").
    public var errorDescription: String? {
        let sentence = "\(category.summary): \(message)"
        return sentence.hasSuffix(".") ? sentence : sentence + "."
    }

    /// The core's message alone.
    public var failureReason: String? { message }
}

extension CallbackError: LocalizedError {
    /// The reason the app's callback gave.
    public var errorDescription: String? {
        switch self {
        case .Failed(let reason): return reason
        }
    }
}
