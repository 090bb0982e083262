// SCENARIO.md section 4 in Swift: metadata without a key, range opening from an app's
// random-access source, errors raised inside callbacks, the streaming opener's closed state.

import Foundation
import Keepsake

#if canImport(Glibc)
import Glibc
#endif

private let chunk = 64 * 1024
private let headerLen = 88
private let tagLen = 16

/// A sealed object in memory, read by offset; records every request.
private final class BytesSource: RandomAccessSource, @unchecked Sendable {
    let data: Data
    let failAfterHeader: Error?
    var requests: [(UInt64, UInt32)] = []
    init(_ data: Data, failAfterHeader: Error? = nil) {
        self.data = data
        self.failAfterHeader = failAfterHeader
    }

    func length() throws -> UInt64 { UInt64(data.count) }

    func readAt(offset: UInt64, length: UInt32) throws -> Data {
        if let error = failAfterHeader, offset >= UInt64(headerLen) { throw error }
        requests.append((offset, length))
        let from = min(Int(offset), data.count)
        let to = min(from + Int(length), data.count)
        return data.subdata(in: (data.startIndex + from)..<(data.startIndex + to))
    }
}

private struct AppBug: Error, CustomStringConvertible {
    var description: String { "an app bug" }
}

private final class BrokenListener: ProgressListener, Sendable {
    func onProgress(done: UInt64, total: UInt64) throws -> Bool {
        throw CallbackError.Failed(reason: "listener exploded")
    }
}

private struct Item {
    let key: MediaKey
    let mediaId: Data
    let plaintext: Data
    let sealed: Data
}

private func makeItem() throws -> Item {
    let key = try MediaKey.generate()
    let mediaId = try newMediaId()
    let plaintext = Data((0..<((1 << 20) + 123)).map { UInt8($0 * 7 % 253) })
    return Item(key: key, mediaId: mediaId, plaintext: plaintext,
                sealed: try key.seal(mediaId: mediaId, kind: .preview, plaintext: plaintext))
}

func metadataTests() -> [TestCase] {
    nonisolated(unsafe) var cached: Item?
    func item() throws -> Item {
        if let i = cached { return i }
        let i = try makeItem()
        cached = i
        return i
    }
    return [
        TestCase(name: "metadata: parseStreamHeader needs no key") {
            let i = try item()
            let header = try parseStreamHeader(sealedPrefix: i.sealed.prefix(headerLen))
            try checkEqual(header.kind, MediaKind.preview, "kind")
            try checkEqual(header.mediaId, i.mediaId, "media id")
            try checkEqual(header.chunkSize, UInt32(chunk), "chunk size")
            try checkEqual(header.headerLen, UInt32(headerLen), "header length")
            try expectError(KeepsakeError.TruncatedHeader, "short") { try parseStreamHeader(sealedPrefix: i.sealed.prefix(headerLen - 1)) }
        },
        TestCase(name: "metadata: plaintext length from the sealed length") {
            let i = try item()
            for size in [0, 1, chunk - 1, chunk, chunk + 1, 5 * chunk + 7] {
                let s = try i.key.seal(mediaId: i.mediaId, kind: .original, plaintext: Data(count: size))
                try checkEqual(try streamPlaintextLen(sealedPrefix: s.prefix(headerLen), sealedLen: UInt64(s.count)), UInt64(size), "size \(size)")
            }
            try expectError(KeepsakeError.TruncatedStream, "cut") {
                try streamPlaintextLen(sealedPrefix: i.sealed.prefix(headerLen), sealedLen: UInt64(headerLen))
            }
        },
        TestCase(name: "metadata: planRange names the bytes that openRangeFrom reads") {
            let i = try item()
            let plan = try planRange(sealedPrefix: i.sealed.prefix(headerLen), sealedLen: UInt64(i.sealed.count), offset: 500_000, length: 70_000)
            let stride = UInt64(chunk + tagLen)
            try checkEqual(plan.firstChunk, UInt64(500_000 / chunk), "first chunk")
            try checkEqual(plan.sealedOffset, UInt64(headerLen) + plan.firstChunk * stride, "sealed offset")
            try checkEqual(plan.sealedLen, plan.chunkCount * stride, "sealed length")
            try checkEqual(plan.end, 570_000, "end")
            try checkEqual(plan.plaintextLen, UInt64(i.plaintext.count), "plaintext length")
            try check(!plan.reachesEnd, "reaches end")
            let source = BytesSource(i.sealed)
            let part = try i.key.openRangeFrom(mediaId: i.mediaId, kind: .preview, source: source, offset: 500_000, length: 70_000)
            try checkEqual(part, i.plaintext.subdata(in: 500_000..<570_000), "range")
            for (offset, length) in source.requests {
                let end = offset + UInt64(length)
                try check(end <= UInt64(headerLen) || (offset >= plan.sealedOffset && end <= plan.sealedOffset + plan.sealedLen),
                          "read (\(offset), \(length)) outside the header and the plan")
            }
            try expectError(KeepsakeError.RangeOutOfBounds, "past the end") {
                try planRange(sealedPrefix: i.sealed.prefix(headerLen), sealedLen: UInt64(i.sealed.count),
                              offset: UInt64(i.plaintext.count + 1), length: 1)
            }
        },
        TestCase(name: "metadata: openRangeFrom refuses a wrong key or an altered chunk") {
            let i = try item()
            try expectError(KeepsakeError.DecryptionFailed, "wrong key") {
                try MediaKey.generate().openRangeFrom(mediaId: i.mediaId, kind: .preview, source: BytesSource(i.sealed), offset: 0, length: 10)
            }
            let at = headerLen + 8 * (chunk + tagLen) + 5
            let tampered = i.sealed.flipping(at: at)
            try expectError(KeepsakeError.DecryptionFailed, "altered chunk") {
                try i.key.openRangeFrom(mediaId: i.mediaId, kind: .preview, source: BytesSource(tampered), offset: UInt64(8 * chunk), length: 10)
            }
            let untouched = try i.key.openRangeFrom(mediaId: i.mediaId, kind: .preview, source: BytesSource(tampered), offset: 0, length: 10)
            try checkEqual(untouched, i.plaintext.prefix(10), "untouched range")
        },
        TestCase(name: "callbacks: an error thrown by a source becomes KeepsakeError.Callback with its message") {
            let i = try item()
            for (error, text) in [(CallbackError.Failed(reason: "the network went away") as Error, "the network went away"),
                                  (AppBug() as Error, "an app bug")] {
                do {
                    _ = try i.key.openRangeFrom(mediaId: i.mediaId, kind: .preview,
                                                source: BytesSource(i.sealed, failAfterHeader: error), offset: 0, length: 10)
                    throw fail("no error for \(text)")
                } catch let e as KeepsakeError {
                    try checkEqual(caseName(e), "Callback", "case")
                    try check(message(e).contains(text), "message \(message(e)) holds \(text)")
                }
            }
        },
        TestCase(name: "callbacks: an error thrown by a progress listener fails openFile and leaves nothing") {
            let i = try item()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-swift-cb-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let src = dir.appendingPathComponent("item.ks")
            try i.sealed.write(to: src)
            do {
                _ = try i.key.openFile(mediaId: i.mediaId, kind: .preview, source: src.path,
                                       destination: dir.appendingPathComponent("out.jpg").path, overwrite: false,
                                       listener: BrokenListener())
                throw fail("no error")
            } catch let e as KeepsakeError {
                try checkEqual(caseName(e), "Callback", "case")
                try check(message(e).contains("listener exploded"), "message: \(message(e))")
            }
            try checkEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["item.ks"], "files left")
        },
        TestCase(name: "metadata: inspectGrant shows the header before acceptance") {
            let floor = kdfProfile(profile: .floor)
            let alice = try createAccount(passphrase: "alice", params: floor).keyring
            let bob = try createAccount(passphrase: "bob", params: floor).keyring
            let albumId = try newAlbumId()
            let album = try alice.albumKey(albumId: albumId, epoch: 4)
            let entry = try genesisOf(alice, album)
            let grant = try alice.grantAlbum(album: album, recipient: bob.identityPublicKey(), historyEntry: entry)
            let info = try inspectGrant(grant: grant)
            try checkEqual(info.historyEntry, entry, "history entry")
            try checkEqual(info.senderIdentityDigest, alice.identityDigest(), "sender")
            try checkEqual(info.senderFingerprint, alice.fingerprint(), "fingerprint")
            try checkEqual(info.recipientIdentityDigest, bob.identityDigest(), "recipient")
            try checkEqual(info.albumId, albumId, "album")
            try checkEqual(info.epoch, 4, "epoch")
            try expectError(KeepsakeError.MalformedGrant, "cut grant") { try inspectGrant(grant: grant.dropLast()) }
        },
        TestCase(name: "errors: a refused stream names its media id and kind; an I/O error its path") {
            let i = try item()
            do {
                _ = try i.key.open(mediaId: i.mediaId, kind: .thumbnail, sealed: i.sealed)
                throw fail("no error")
            } catch let e as KeepsakeError {
                try checkEqual(caseName(e), "DecryptionFailed", "case")
                try check(message(e).contains("media \(i.mediaId.hex) thumbnail"), "message: \(message(e))")
            }
            let missing = "/nonexistent-keepsake-dir/item.ks"
            do {
                _ = try i.key.openFileRange(mediaId: i.mediaId, kind: .preview, path: missing, offset: 0, length: 1)
                throw fail("no error")
            } catch let e as KeepsakeError {
                try checkEqual(caseName(e), "Io", "case")
                try check(message(e).contains(missing), "message: \(message(e))")
            }
        },
        TestCase(name: "streaming: the opener after an error or finish raises StreamClosed") {
            let i = try item()
            let broken = try i.key.opener(mediaId: i.mediaId, kind: .preview)
            try expectError(KeepsakeError.BadMagic, "garbage") { try broken.push(sealed: Data(repeating: 1, count: 120)) }
            try expectError(KeepsakeError.StreamClosed, "push after error") { try broken.push(sealed: i.sealed) }
            try expectError(KeepsakeError.StreamClosed, "finish after error") { try broken.finish() }
            let opener = try i.key.opener(mediaId: i.mediaId, kind: .preview)
            let opened = try opener.push(sealed: i.sealed) + opener.finish()
            try checkEqual(opened, i.plaintext, "opened")
            try expectError(KeepsakeError.StreamClosed, "push after finish") { try opener.push(sealed: Data([1])) }
            try expectError(KeepsakeError.StreamClosed, "finish after finish") { try opener.finish() }
        },
        TestCase(name: "memory budget: file calls and the sealer stay within it, or refuse a chunk that cannot fit") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-swift-budget-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let key = try MediaKey.generate()
            let id = try newMediaId()
            let data = Data((0..<300_000).map { UInt8($0 * 31 % 251) })
            try data.write(to: dir.appendingPathComponent("in"))
            let sealedPath = dir.appendingPathComponent("in.ks").path
            let budget: UInt64 = 200 * 1024 // one 64 KiB chunk at a time, not a batch
            _ = try key.sealFile(mediaId: id, kind: .original, source: dir.appendingPathComponent("in").path,
                                 destination: sealedPath, overwrite: false, listener: nil, memoryBudgetBytes: budget)
            let n = try key.openFile(mediaId: id, kind: .original, source: sealedPath,
                                     destination: dir.appendingPathComponent("out").path, overwrite: false,
                                     listener: nil, memoryBudgetBytes: budget)
            try checkEqual(n, UInt64(data.count), "opened size")
            try checkEqual(try Data(contentsOf: dir.appendingPathComponent("out")), data, "opened")
            do {
                _ = try key.openFile(mediaId: id, kind: .original, source: sealedPath,
                                     destination: dir.appendingPathComponent("refused").path, overwrite: false,
                                     listener: nil, memoryBudgetBytes: 100_000)
                throw fail("no error")
            } catch let e as KeepsakeError {
                try checkEqual(caseName(e), "TooLarge", "case")
                try check(message(e).contains("131089"), "message: \(message(e))")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            try checkEqual(left, ["in", "in.ks", "out"], "files left")
            try expectError(KeepsakeError.TooLarge, "sealer below one chunk") {
                _ = try key.sealer(mediaId: id, kind: .preview, memoryBudgetBytes: 60_000)
            }
            let sealer = try key.sealer(mediaId: id, kind: .preview, memoryBudgetBytes: budget)
            let stream = try sealer.push(plaintext: data.prefix(123_456)) + sealer.push(plaintext: data.dropFirst(123_456)) + sealer.finish()
            try checkEqual(try key.open(mediaId: id, kind: .preview, sealed: stream), data, "sealed under a budget")
        },
    ]
}
