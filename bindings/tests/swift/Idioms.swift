// Issue 12, item 4 in Swift: errors are LocalizedError with a sentence and have a category
// (bindings/swift/KeepsakeErrors.swift) a caller switches on; objects and records are
// Sendable and used from many tasks at once (this file compiles in Swift 6 language mode,
// where sending a non-Sendable value into a task is an error); Data in and out, slices
// included; records of bytes compare and hash by content.

import Foundation
import Keepsake

/// Waits for an async body (the runner is synchronous); its own copy of Async.swift's helper.
private final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.lock(); value = r; lock.unlock() }
    func get() -> Result<T, Error>? { lock.lock(); defer { lock.unlock() }; return value }
}

private func runTask<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Box<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()!.get()
}

/// Compiles only for a Sendable type: the Swift 6 check, spelled out per type.
private func sendable<T: Sendable>(_: T.Type) {}

/// The category of every KeepsakeError case (the mapping of the categories note).
private let expectedCategories: [(KeepsakeError, KeepsakeErrorCategory)] = {
    let m = "m"
    let auth: [KeepsakeError] = [.DecryptionFailed(message: m), .BundleTampered(message: m), .IdentityMismatch(message: m),
                                 .Rollback(message: m), .GrantBadSignature(message: m), .GrantWrongSender(message: m),
                                 .GrantWrongRecipient(message: m), .GrantWrongAlbum(message: m)]
        + [.ProvenanceUnsigned(message: m), .ProvenanceWrongItem(message: m), .ProvenanceNotMember(message: m), .ProvenanceBadSignature(message: m), .ProvenanceMismatch(message: m), .ProvenanceChunkMismatch(message: m), .SelectionWrongSender(message: m), .SelectionWrongRecipient(message: m), .SelectionWrongAlbum(message: m), .SelectionWrongHistory(message: m), .SelectionBadSignature(message: m), .HistoryWrongAlbum(message: m), .HistoryWrongOwner(message: m), .HistoryBrokenLink(message: m), .HistoryBadSignature(message: m), .HistoryNotMember(message: m), .HistoryNotAllowed(message: m), .HistoryBadEpoch(message: m), .HistoryFork(message: m), .HistoryRollback(message: m), .HistoryUnknownEntry(message: m)]
        + [.LinkWrongId(message: m), .DropWrongAlbum(message: m), .DropBadSignature(message: m)]
    let malformed: [KeepsakeError] = [.BadMagic(message: m), .UnsupportedVersion(message: m), .UnsupportedSuite(message: m),
                                      .ChunkSizeOutOfRange(message: m), .UnknownKind(message: m), .TruncatedHeader(message: m),
                                      .TruncatedStream(message: m), .TrailingData(message: m), .EmptyFinalChunk(message: m),
                                      .TooLarge(message: m), .InvalidLength(message: m), .InvalidPublicKey(message: m),
                                      .MalformedBundle(message: m), .MalformedGrant(message: m), .InvalidRecoveryPhrase(message: m),
                                      .MalformedManifest(message: m), .MalformedSelection(message: m), .MalformedHistoryEntry(message: m),
                                      .MalformedLink(message: m), .MalformedDrop(message: m)]
    let secret: [KeepsakeError] = [.WrongPassphrase(message: m), .WrongRecoveryPhrase(message: m), .DeviceNotEnrolled(message: m),
                                   .LinkPasswordRequired(message: m)]
    let io: [KeepsakeError] = [.Io(message: m), .DestinationExists(message: m)]
    let misuse: [KeepsakeError] = [.RangeOutOfBounds(message: m), .StreamTooLong(message: m), .StreamClosed(message: m),
                                   .KdfParamsTooWeak(message: m), .KdfParamsTooCostly(message: m), .NotAlbumOwner(message: m),
                                   .UnknownGeneration(message: m), .NotInSelection(message: m)]
    return auth.map { ($0, .authentication) } + malformed.map { ($0, .malformedInput) } + secret.map { ($0, .wrongSecret) }
        + io.map { ($0, .io) } + misuse.map { ($0, .misuse) } + [(.Cancelled(message: m), .cancelled),
        (.Callback(message: m), .callback), (.RandomnessUnavailable(message: m), .resource), (.OutOfMemory(message: m), .resource),
        (.Other(message: m), .unknown)]
}()

/// Runs `body`, which must throw a KeepsakeError of `category`; returns it.
private func expectCategory(_ category: KeepsakeErrorCategory, _ what: String,
                            _ body: () throws -> Any) throws -> KeepsakeError {
    do {
        _ = try body()
    } catch let error as KeepsakeError {
        try checkEqual(error.category, category, "\(what): category of \(caseName(error)) (\(error.message))")
        return error
    }
    throw fail("\(what): expected a KeepsakeError of category \(category), nothing was thrown")
}

private final class Stop: ProgressListener, Sendable {
    func onProgress(done: UInt64, total: UInt64) throws -> Bool { false }
}

private final class Broken: ProgressListener, Sendable {
    func onProgress(done: UInt64, total: UInt64) throws -> Bool {
        throw CallbackError.Failed(reason: "disk quota")
    }
}

private final class IdiomState: @unchecked Sendable {
    lazy var account: NewAccount = try! createAccount(passphrase: "idioms passphrase", params: kdfProfile(profile: .floor))
    lazy var mediaId: Data = try! newMediaId()
    lazy var key: MediaKey = try! MediaKey.generate()
    lazy var dir: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-idioms-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}

func idiomTests() -> [TestCase] {
    let s = IdiomState()
    return [
        TestCase(name: "idioms: every KeepsakeError case has the category of the mapping") {
            try checkEqual(expectedCategories.count, 71, "cases listed")
            for (error, category) in expectedCategories {
                try checkEqual(error.category, category, "category of \(caseName(error))")
            }
            try checkEqual(Set(expectedCategories.map { $0.1 }), Set(KeepsakeErrorCategory.allCases), "every category used")
        },
        TestCase(name: "idioms: localizedDescription is the category's sentence and the message, not String(reflecting:)") {
            let wrong = try expectCategory(.wrongSecret, "a wrong passphrase") {
                try unlockWithPassphrase(bundleBytes: s.account.bundle, passphrase: "not it")
            }
            try checkEqual((wrong as Error).localizedDescription, "The secret does not open the account: wrong passphrase.",
                           "localizedDescription")
            try checkEqual(wrong.errorDescription, (wrong as Error).localizedDescription, "errorDescription")
            try checkEqual(wrong.failureReason, "wrong passphrase", "failureReason")
            try check((wrong as Error).localizedDescription != String(reflecting: wrong), "not the reflecting string")
            let missing = s.dir.appendingPathComponent("missing.heic").path
            let io = try expectCategory(.io, "sealing a missing file") {
                try s.key.sealFile(mediaId: s.mediaId, kind: .original, source: missing,
                                   destination: s.dir.appendingPathComponent("out").path, overwrite: false, listener: nil,
                                   memoryBudgetBytes: nil)
            }
            let sentence = (io as Error).localizedDescription
            try check(sentence.hasPrefix("A file operation failed: ") && sentence.contains(missing) && sentence.hasSuffix("."),
                      "the I/O sentence names the path: \(sentence)")
            try checkEqual((CallbackError.Failed(reason: "disk quota") as Error).localizedDescription, "disk quota",
                           "a CallbackError's description")
        },
        TestCase(name: "idioms: real failures switch by category and name what they are about") {
            let sealed = try s.key.seal(mediaId: s.mediaId, kind: .original, plaintext: Data(count: 70_000))
            let auth = try expectCategory(.authentication, "the original opened as a thumbnail") {
                try s.key.open(mediaId: s.mediaId, kind: .thumbnail, sealed: sealed)
            }
            try check(auth.message.contains(s.mediaId.hex) && auth.message.contains("thumbnail"),
                      "the refused stream is named: \(auth.message)")
            _ = try expectCategory(.malformedInput, "a header of zeros") { try parseStreamHeader(sealedPrefix: Data(count: 88)) }
            let sealer = try s.key.sealer(mediaId: s.mediaId, kind: .original, memoryBudgetBytes: nil)
            _ = try sealer.finish()
            _ = try expectCategory(.misuse, "a sealer after finish") { try sealer.push(plaintext: Data([1])) }
            let source = s.dir.appendingPathComponent("source.bin")
            try Data(count: 1 << 20).write(to: source)
            _ = try expectCategory(.cancelled, "a listener that cancels") {
                try s.key.sealFile(mediaId: s.mediaId, kind: .original, source: source.path,
                                   destination: s.dir.appendingPathComponent("c").path, overwrite: false, listener: Stop(),
                                   memoryBudgetBytes: nil)
            }
            let callback = try expectCategory(.callback, "a listener that throws") {
                try s.key.sealFile(mediaId: s.mediaId, kind: .original, source: source.path,
                                   destination: s.dir.appendingPathComponent("t").path, overwrite: false, listener: Broken(),
                                   memoryBudgetBytes: nil)
            }
            try check(callback.message.contains("disk quota"), "the callback's reason: \(callback.message)")
            // The switch an app writes: exhaustive over the categories, no default.
            let advice: String
            switch auth.category {
            case .authentication: advice = "refuse"
            case .malformedInput, .misuse, .unknown: advice = "report"
            case .wrongSecret: advice = "ask again"
            case .io, .resource: advice = "retry later"
            case .cancelled, .callback: advice = "nothing"
            }
            try checkEqual(advice, "refuse", "the app's branch")
        },
        TestCase(name: "idioms: objects and records are Sendable; one key, keyring and sealer used from many tasks") {
            sendable(MediaKey.self); sendable(AlbumKey.self); sendable(Keyring.self); sendable(DeviceKey.self)
            sendable(AccountPin.self); sendable(RecoveryPhrase.self); sendable(CancelToken.self)
            sendable(StreamSealer.self); sendable(StreamOpener.self); sendable(NewAccount.self); sendable(GrantInfo.self)
            sendable(StreamHeader.self); sendable(RangePlan.self); sendable(KeepsakeError.self)
            sendable(KeepsakeErrorCategory.self)
            let keyring = s.account.keyring
            let key = s.key
            let mediaId = s.mediaId
            let album = try keyring.albumKey(albumId: try newAlbumId(), epoch: keyring.currentEpoch())
            let opened = try runTask {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<8 {
                        group.addTask {
                            let plaintext = Data(repeating: UInt8(i), count: 100_000 + i)
                            let sealed = try key.seal(mediaId: mediaId, kind: .preview, plaintext: plaintext)
                            let again = try album.unwrapMediaKey(mediaId: mediaId,
                                                                 wrapped: try album.wrapMediaKey(mediaId: mediaId, mediaKey: key))
                            let same = try again.open(mediaId: mediaId, kind: .preview, sealed: sealed) == plaintext
                            return same && keyring.generation() == 0
                        }
                    }
                    var all = 0
                    for try await ok in group where ok { all += 1 }
                    return all
                }
            }
            try checkEqual(opened, 8, "tasks whose seal and open agreed")
            // A streaming sealer sent into another task, pushed there and finished here.
            let sealer = try key.sealer(mediaId: mediaId, kind: .sidecar, memoryBudgetBytes: nil)
            let pushed = try runTask {
                var out = Data()
                for _ in 0..<4 { out += try sealer.push(plaintext: Data(repeating: 7, count: 50_000)) }
                return out
            }
            let whole = pushed + (try sealer.finish())
            try checkEqual(try key.open(mediaId: mediaId, kind: .sidecar, sealed: whole), Data(repeating: 7, count: 200_000),
                           "what the other task pushed")
        },
        TestCase(name: "idioms: Data in and out, slices included") {
            let big = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) })
            let slice = big[1000..<4000]  // startIndex 1000: the lowering must honour it
            try checkEqual(slice.startIndex, 1000, "a slice's start")
            let idSlice = (Data([0xee]) + s.mediaId).dropFirst()
            try checkEqual(idSlice.startIndex, 1, "the media id slice's start")
            let sealed = try s.key.seal(mediaId: idSlice, kind: .original, plaintext: slice)
            let opened: Data = try s.key.open(mediaId: s.mediaId, kind: .original, sealed: sealed)
            try checkEqual(opened, Data(big[1000..<4000]), "opened")
            try checkEqual(opened.startIndex, 0, "a result starts at index 0")
            let range: Data = try s.key.openRange(mediaId: s.mediaId, kind: .original, sealed: sealed[...], offset: 10, length: 5)
            try checkEqual(range, Data(big[1010..<1015]), "a range")
            let header = try parseStreamHeader(sealedPrefix: sealed.prefix(88))
            let id: Data = header.mediaId
            try checkEqual(id, s.mediaId, "a record's Data field")
            let bytes: [UInt8] = Array(try s.key.open(mediaId: s.mediaId, kind: .original, sealed: sealed).prefix(3))
            try checkEqual(bytes, Array(big[1000..<1003]), "bytes through [UInt8]")
        },
        TestCase(name: "idioms: records of bytes compare and hash by content; records of objects by identity") {
            let sealed = try s.key.seal(mediaId: s.mediaId, kind: .original, plaintext: Data(count: 10))
            let header = try parseStreamHeader(sealedPrefix: sealed.prefix(88))
            let copy = try parseStreamHeader(sealedPrefix: Data(sealed.prefix(88)))
            try checkEqual(header, copy, "StreamHeader parsed twice")
            try checkEqual(Set([header, copy]).count, 1, "a set of equal headers")
            var other = copy.mediaId
            other[other.startIndex] ^= 1
            try check(header != StreamHeader(kind: header.kind, mediaId: other, chunkSize: header.chunkSize,
                                             headerLen: header.headerLen), "another media id differs")
            let a = s.account
            try checkEqual(a, NewAccount(keyring: a.keyring, bundle: Data(a.bundle), recoveryPhrase: a.recoveryPhrase),
                           "NewAccount with a copied bundle")
            let otherKeyring = try unlockWithPassphrase(bundleBytes: a.bundle, passphrase: "idioms passphrase")
            try check(a != NewAccount(keyring: otherKeyring, bundle: a.bundle, recoveryPhrase: a.recoveryPhrase),
                      "another keyring object differs (objects compare by identity)")
        },
    ]
}
