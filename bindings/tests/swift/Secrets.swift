// SCENARIO.md section 4 in Swift: no secret in a string form, and no plaintext left by an
// interrupted open.
//
// Every exported record and object is built from known secrets and formatted every way Swift
// formats a value (interpolation, String(describing:), String(reflecting:), description,
// debugDescription, dump, inside an array); none of the strings may hold the passphrase, the
// recovery words (or any three in a row), the device secret or a raw key, spelled as text,
// hex, base64 or a byte list. The exported types are read from the generated Keepsake.swift,
// so a new record or object fails this test until it is covered.
//
// Then a child process (this executable, re-run) is killed with SIGKILL (no handler runs) in
// the middle of `openFile`; its owner-only partial file of plaintext is there, and
// `removePartialFiles` removes exactly the partial files and nothing else.

import Foundation
import Keepsake

#if canImport(Glibc)
import Glibc
#endif

private let secretPassphrase = "a passphrase nobody should ever see printed"
private let albumSecret = Data((0..<32).map { UInt8(100 + $0) })
private let mediaSecret = Data((0..<32).map { UInt8(200 + $0) })
let childOpenStallFlag = "--child-open-stall"

private enum Secret {
    case text(String)
    case bytes(Data)

    var spellings: [String] {
        switch self {
        case .text(let s):
            return [s]
        case .bytes(let d):
            let list = "\(Array(d))".dropFirst().dropLast()
            return [d.hex, d.hex.uppercased(), d.base64EncodedString(), String(list)]
        }
    }
}

private func forms(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    var out = [
        "\(value)",
        String(describing: value),
        String(reflecting: value),
        "\([value])",
        dumped,
    ]
    if let v = value as? CustomStringConvertible { out.append(v.description) }
    if let v = value as? CustomDebugStringConvertible { out.append(v.debugDescription) }
    return out
}

private func checkNoSecret(_ value: Any, _ secrets: [Secret], _ what: String) throws {
    for text in forms(value) {
        for secret in secrets {
            for spelling in secret.spellings where text.contains(spelling) {
                throw fail("\(what): a secret appears in \"\(text)\"")
            }
        }
    }
}

private func wordRuns(_ words: String, _ n: Int = 3) -> [Secret] {
    let ws = words.split(separator: " ").map(String.init)
    return (0...(ws.count - n)).map { .text(ws[$0..<($0 + n)].joined(separator: " ")) }
}

/// The record (`public struct`) and object (`open class`) names the generated bindings export.
private func exportedValueTypes() throws -> Set<String> {
    let path = ProcessInfo.processInfo.environment["KEEPSAKE_SWIFT_BINDINGS"]
        ?? "target/bindings/swift/Keepsake.swift"
    let source = try String(contentsOfFile: path, encoding: .utf8)
    var names = Set<String>()
    for line in source.split(separator: "\n") {
        for prefix in ["public struct ", "open class ", "public final class ", "public class "] where line.hasPrefix(prefix) {
            let name = line.dropFirst(prefix.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            // Not the generated converters, nor the foreign-implemented listener's wrapper.
            if !name.hasPrefix("FfiConverter") && !name.hasPrefix("Uniffi") && !name.hasPrefix("ProgressListener")
                && !name.hasPrefix("RandomAccessSource") {
                names.insert(String(name))
            }
        }
    }
    return names
}

private struct Values {
    let byName: [(String, Any)]
    let secrets: [Secret]
    let account: NewAccount
    let device: DeviceKey
}

private func makeValues() throws -> Values {
    let floor = kdfProfile(profile: .floor)
    let account = try createAccount(passphrase: secretPassphrase, params: floor)
    let device = try DeviceKey.generate()
    let enrollment = try account.keyring.enrollDevice(bundleBytes: account.bundle, devicePublicKey: device.publicKey())
    let rotated = try account.keyring.rotateRecovery(bundleBytes: enrollment.bundle)
    // The key lifecycle: a root rotation that revokes the device, and a member removal.
    let rotatedRoot = try account.keyring.revokeDeviceAndRotate(bundleBytes: rotated.bundle, devicePublicKey: device.publicKey())
    let ownAlbum = try rotatedRoot.keyring.albumKey(albumId: try newAlbumId(), epoch: rotatedRoot.keyring.currentEpoch())
    let moved = try rotatedRoot.keyring.removeMember(album: ownAlbum, remaining: [rotatedRoot.keyring.identityPublicKey()], historyEntry: genesisOf(rotatedRoot.keyring, ownAlbum))
    let albumId = try newAlbumId()
    let mediaId = try newMediaId()
    let media = try MediaKey.fromSecretBytes(bytes: mediaSecret)
    var byName: [(String, Any)] = [
        ("NewAccount", account),
        ("Enrollment", enrollment),
        ("RotatedRecovery", rotated),
        ("RotatedRoot", rotatedRoot),
        ("EpochMove", moved),
        ("MemberGrant", moved.grants[0]),
        ("AccountPin", rotatedRoot.keyring.pin()),
        ("KdfParams", floor),
        ("ExpectedAlbum", ExpectedAlbum(albumId: albumId, epoch: 3)),
        ("Keyring", account.keyring),
        ("DeviceKey", device),
        ("RecoveryPhrase", account.recoveryPhrase),
        ("AlbumKey", try AlbumKey.fromSecretBytes(albumId: albumId, epoch: 3, bytes: albumSecret)),
        ("MediaKey", media),
        ("StreamSealer", try media.sealer(mediaId: mediaId, kind: .original)),
        ("StreamOpener", try media.opener(mediaId: mediaId, kind: .original)),
        ("CancelToken", CancelToken()),
        ("StreamHeader", try parseStreamHeader(sealedPrefix: try media.seal(mediaId: mediaId, kind: .original, plaintext: Data([1])))),
        ("RangePlan", try planRange(sealedPrefix: try media.seal(mediaId: mediaId, kind: .original, plaintext: Data(count: 1000)),
                                    sealedLen: 1104, offset: 10, length: 20)),
        ("GrantInfo", try inspectGrant(grant: try account.keyring.grantAlbum(
            album: try account.keyring.albumKey(albumId: albumId, epoch: 0), recipient: account.keyring.identityPublicKey(),
            historyEntry: genesisOf(account.keyring, try account.keyring.albumKey(albumId: albumId, epoch: 0))))),
    ]
    // Issue 16: album history, provenance, selection grants (the selection holds part keys
    // derived from mediaSecret; the selected item holds the media key itself).
    let keyring = account.keyring
    let history = try verifyHistory(entries: [try keyring.createAlbumHistory(albumId: albumId)], albumId: albumId,
                                    owner: keyring.identityPublicKey())
    let part = try media.sealPart(mediaId: mediaId, kind: .original, plaintext: Data("a photo".utf8))
    let record = try keyring.signItem(mediaId: mediaId, albumId: albumId, epoch: history.currentEpoch(),
                                      historyEntry: history.headHash(), parts: [part.entry], metadata: Data("{}".utf8))
    let selected = SelectedItem(mediaId: mediaId, epoch: history.currentEpoch(), mediaKey: media,
                                parts: [.stream(sealedPrefix: part.sealed.prefix(88))],
                                manifest: try parseItemRecord(record: record).manifest)
    let selectionGrant = try keyring.grantSelection(recipient: keyring.identityPublicKey(), albumId: albumId,
                                                    historyEntry: history.headHash(), expiresAt: 2_000_000_000, items: [selected])
    let selection = try keyring.acceptSelection(grant: selectionGrant, sender: keyring.identityPublicKey())
    byName += [
        ("HistoryPin", history.pin()),
        ("VerifiedHistory", history),
        ("SealedPart", part),
        ("PartEntry", part.entry),
        ("PartHashes", try partHashes(sealed: part.sealed)),
        ("ItemRecordParts", try parseItemRecord(record: record)),
        ("VerifiedItem", try verifyItem(record: record, mediaId: mediaId, epoch: history.currentEpoch(), history: history)),
        ("SelectedItem", selected),
        ("SelectionInfo", try inspectSelection(grant: selectionGrant)),
        ("Selection", selection),
        ("SelectionItemInfo", try selection.items()[0]),
    ]
    // Issue 17: links and drops (Links.swift builds them; the drop holds mediaSecret).
    let links = try linkValues(keyring: keyring, album: try AlbumKey.fromSecretBytes(albumId: albumId, epoch: 3, bytes: albumSecret),
                               media: media, historyEntry: history.headHash())
    byName += links.values
    let secrets: [Secret] = [
        .text(secretPassphrase),
        .text(account.recoveryPhrase.words()),
        .text(rotated.recoveryPhrase.words()),
        .bytes(device.secretBytes()),
        .bytes(albumSecret),
        .bytes(mediaSecret),
    ] + wordRuns(account.recoveryPhrase.words()) + wordRuns(rotated.recoveryPhrase.words())
        + links.texts.map(Secret.text) + links.bytes.map(Secret.bytes)
    return Values(byName: byName, secrets: secrets, account: account, device: device)
}

func secretTests() -> [TestCase] {
    // Built on first use by the first test, then shared (tests run in order on one thread).
    nonisolated(unsafe) var cached: Values?
    func values() throws -> Values {
        if let v = cached { return v }
        let v = try makeValues()
        cached = v
        return v
    }
    return [
        TestCase(name: "secrets: every exported record and object is checked") {
            let exported = try exportedValueTypes()
            try check(exported.count >= 10, "only \(exported.sorted()) found in the bindings")
            let covered = Set(try values().byName.map { $0.0 })
            let missing = exported.subtracting(covered)
            try check(missing.isEmpty, "exported but not checked for secrets in string forms: \(missing.sorted())")
        },
        TestCase(name: "secrets: no secret in any string form of any record or object") {
            let v = try values()
            for (name, value) in v.byName { try checkNoSecret(value, v.secrets, name) }
        },
        TestCase(name: "secrets: the check catches a leak") {
            let v = try values()
            let words = v.account.recoveryPhrase.words()
            try checkEqual(words.split(separator: " ").count, 24, "words")
            let leakedWords = (try? checkNoSecret("NewAccount(recoveryPhrase: \(words))", v.secrets, "leaky")) == nil
            try check(leakedWords, "a string holding the words passed the check")
            let leakedBytes = (try? checkNoSecret(Array(v.device.secretBytes()), v.secrets, "bytes")) == nil
            try check(leakedBytes, "an array of the device secret's bytes passed the check")
        },
        TestCase(name: "secrets: string forms say what they are") {
            let v = try values()
            let phrase = v.account.recoveryPhrase
            try checkEqual("\(phrase)", "RecoveryPhrase(24 words, redacted)", "phrase interpolation")
            try checkEqual(String(reflecting: phrase), "RecoveryPhrase(24 words, redacted)", "phrase debug")
            try check("\(v.account.keyring)".contains(v.account.keyring.fingerprint()), "keyring shows its fingerprint")
            try check("\(v.account.keyring)".contains("generation 0"), "keyring shows its generation")
            let byName = Dictionary(v.byName, uniquingKeysWith: { first, _ in first })
            guard let rotated = byName["RotatedRoot"] as? RotatedRoot,
                  let pin = byName["AccountPin"] as? AccountPin,
                  let moved = byName["EpochMove"] as? EpochMove else { throw TestFailure("a lifecycle value is missing") }
            try check("\(rotated.keyring)".contains("generation 1") && "\(rotated)".contains("redacted"), "rotated: \(rotated)")
            try checkEqual("\(pin)", "AccountPin(identity \(pin.identityDigest().hex), generation 1)", "pin interpolation")
            try check("\(moved)".contains("epoch \((UInt64(1) << 32) + 1)") && "\(moved)".contains("key redacted"), "moved: \(moved)")
            try check("\(v.device)".contains(v.device.publicKey().hex), "device shows its public key")
            try check("\(v.account)".contains("RecoveryPhrase(24 words, redacted)"), "NewAccount: \(v.account)")
        },
        TestCase(name: "secrets: errors carry no secret") {
            let v = try values()
            let typo = (v.account.recoveryPhrase.words().split(separator: " ").prefix(23) + ["zzzz"]).joined(separator: " ")
            var errors: [Error] = []
            do { _ = try unlockWithPassphrase(bundleBytes: v.account.bundle, passphrase: secretPassphrase + "!") } catch { errors.append(error) }
            do { _ = try RecoveryPhrase.parse(words: typo) } catch { errors.append(error) }
            try checkEqual(errors.count, 2, "errors raised")
            for e in errors {
                try checkNoSecret(e, v.secrets + [.text(typo)] + wordRuns(typo), "\(type(of: e))")
                try checkNoSecret(e.localizedDescription, v.secrets + [.text(typo)] + wordRuns(typo), "localizedDescription")
            }
        },
        TestCase(name: "partial files: a killed openFile leaves an owner-only partial; removePartialFiles removes exactly it") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-swift-partial-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try killedOpenLeavesPartial(dir)
        },
        TestCase(name: "partial files: a missing folder is an Io error") {
            try expectError(KeepsakeError.Io, "missing folder") {
                try removePartialFiles(dir: "/nonexistent-keepsake-folder")
            }
        },
    ]
}

private func killedOpenLeavesPartial(_ dir: URL) throws {
    var generator = SystemRandomNumberGenerator()
    let plaintext = Data((0..<(8 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let mediaId = try newMediaId()
    let sealed = dir.appendingPathComponent("video.ks")
    try MediaKey.fromSecretBytes(bytes: mediaSecret).seal(mediaId: mediaId, kind: .original, plaintext: plaintext)
        .write(to: sealed)
    let out = dir.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let keep = ["photo.jpg": "keep me", ".keepsake-notes.txt": "not a partial file", "keepsake-x.partial": "no leading dot"]
    for (name, text) in keep { try Data(text.utf8).write(to: out.appendingPathComponent(name)) }
    try FileManager.default.createDirectory(at: out.appendingPathComponent(".keepsake-folder.partial"),
                                            withIntermediateDirectories: false)
    let ready = dir.appendingPathComponent("ready")

    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    child.arguments = [childOpenStallFlag, mediaId.hex, sealed.path, out.appendingPathComponent("video.mp4").path, ready.path]
    try child.run()
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: ready.path) {
        if !child.isRunning || Date() > deadline {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            throw fail("the child never reached the middle of the file (status \(child.terminationStatus))")
        }
        usleep(50_000)
    }
    kill(child.processIdentifier, SIGKILL)
    child.waitUntilExit()
    try checkEqual(child.terminationReason == .uncaughtSignal, true, "child killed by a signal")
    try checkEqual(child.terminationStatus, SIGKILL, "the signal")

    let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
    let partials = names.filter { name in
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path, isDirectory: &isDir)
        return exists && !isDir.boolValue && name.hasPrefix(".keepsake-") && name.hasSuffix(".partial")
    }
    try checkEqual(partials.count, 1, "partial files left by the kill (\(names.sorted()))")
    try check(!FileManager.default.fileExists(atPath: out.appendingPathComponent("video.mp4").path),
              "the destination exists after a kill")
    let partial = out.appendingPathComponent(partials[0])
    let attributes = try FileManager.default.attributesOfItem(atPath: partial.path)
    let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    try checkEqual(mode, 0o600, "partial file's mode")
    let left = try Data(contentsOf: partial)
    try check(!left.isEmpty && plaintext.prefix(left.count) == left,
              "the partial file holds \(left.count) bytes, not a prefix of the plaintext")

    try checkEqual(try removePartialFiles(dir: out.path), 1, "removed")
    let after = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    try checkEqual(after, (Array(keep.keys) + [".keepsake-folder.partial"]).sorted(), "what is left")
    for (name, text) in keep {
        try checkEqual(try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8), text, name)
    }
    try checkEqual(try removePartialFiles(dir: out.path), 0, "removed on a second run")
}

/// The listener of the kill test's child: stalls once 2 MiB are through.
private final class Stall: ProgressListener, Sendable {
    let ready: String
    init(ready: String) { self.ready = ready }

    func onProgress(done: UInt64, total: UInt64) -> Bool {
        if done >= 2 << 20 {
            _ = FileManager.default.createFile(atPath: ready, contents: nil)
            sleep(3600)
        }
        return true
    }
}

/// The child of the kill test: opens the file and stalls in the middle.
func childOpenStall(_ args: [String]) -> Never {
    do {
        let key = try MediaKey.fromSecretBytes(bytes: mediaSecret)
        _ = try key.openFile(mediaId: try Data(hex: args[0]), kind: .original, source: args[1],
                             destination: args[2], overwrite: false, listener: Stall(ready: args[3]))
    } catch {
        emit("child: \(error)")
    }
    exit(3)
}
