// SCENARIO.md section 1: the end-to-end scenario, step by step, through the Swift API.
//
// The steps share state (Alice's account, the album, the media item, Bob), so they run in
// order on one `Scenario`; a step whose inputs an earlier failed step did not produce fails
// with "skipped: needs ...".

import Foundation
import Keepsake

/// Records every progress call; answers `answer` to each.
final class ProgressRecorder: ProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(done: UInt64, total: UInt64)] = []
    private let answer: Bool

    init(answer: Bool = true) { self.answer = answer }

    func onProgress(done: UInt64, total: UInt64) -> Bool {
        lock.lock()
        recorded.append((done, total))
        lock.unlock()
        return answer
    }

    var calls: [(done: UInt64, total: UInt64)] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// At least one call, `done` never decreasing nor above `total`, and the last call has
    /// `done == total`.
    func checkComplete(_ what: String) throws {
        let calls = self.calls
        guard let last = calls.last else { throw fail("\(what): the listener was never called") }
        try check(last.done == last.total, "\(what): last progress call is \(last.done)/\(last.total), expected done == total")
        for (previous, next) in zip(calls, calls.dropFirst()) {
            try check(previous.done <= next.done, "\(what): progress went back from \(previous.done) to \(next.done)")
        }
        for call in calls {
            try check(call.done <= call.total, "\(what): progress \(call.done)/\(call.total) beyond the total")
        }
    }
}

final class Scenario {
    static let chunk = 64 * 1024          // DEFAULT_CHUNK_LOG2 = 16 (SPEC.md 3.1)
    static let headerLen = 88              // HEADER_LEN
    static let tagLen = 16                 // TAG_LEN

    let alicePassphrase = "correct horse battery staple, alice"
    let bobPassphrase = "bob's own passphrase"
    let carolPassphrase = "carol's own passphrase"

    // 1-3
    var alice: NewAccount?
    var device: DeviceKey?
    var enrollment: Enrollment?
    // 4
    var albumId: Data?
    var album: AlbumKey?
    let albumTitle = Data("Summer in Lisbon 🌊".utf8)
    // 5
    var mediaId: Data?
    var mediaKey: MediaKey?
    var wrappedMediaKey: Data?
    let original = Scenario.pattern(count: (1 << 20) + 123) { i in UInt8(i * 31 % 251) }
    let thumbnail = Scenario.pattern(count: 4096) { i in UInt8(truncatingIfNeeded: i &* 7 &+ 3) }

    /// `count` deterministic bytes.
    static func pattern(count: Int, _ byte: (Int) -> UInt8) -> Data {
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count { bytes[i] = byte(i) }
        return Data(bytes)
    }
    let metadata = Data(#"{"taken":"2024-07-14T18:03:00Z","camera":"Keepsake test rig","gps":null}"#.utf8)
    var sealedOriginal: Data?
    var sealedThumbnail: Data?
    var sealedMetadata: Data?
    // 6
    var tempDir: URL?

    /// The value of an earlier step, or a failure naming what is missing.
    func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw TestFailure("skipped: needs \(what) from an earlier step") }
        return value
    }

    var floor: KdfParams { kdfProfile(profile: .floor) }

    func makeTempDir() throws -> URL {
        if let tempDir { return tempDir }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("keepsake-swift-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        tempDir = dir
        return dir
    }

    func cleanUp() {
        if let tempDir { try? FileManager.default.removeItem(at: tempDir) }
        tempDir = nil
    }

    // MARK: 1. Alice creates an account

    func createAccount() throws {
        let params = floor
        try check(params.memoryKib > 0 && params.iterations > 0 && params.parallelism > 0,
                  "Floor profile parameters are \(params)")
        let account = try Keepsake.createAccount(passphrase: alicePassphrase, params: params)
        try check(!account.bundle.isEmpty, "the bundle is empty")
        let words = account.recoveryPhrase.words().split(separator: " ")
        try checkEqual(words.count, 24, "number of recovery words")
        try check(words.allSatisfy { $0.allSatisfy(\.isLowercase) }, "recovery words are lowercase letters")
        try checkEqual(account.keyring.identityPublicKey().count, 1248, "identity public key length (Ed25519 || X-Wing)")
        try checkEqual(account.keyring.identityDigest().count, 32, "identity digest length")
        try checkEqual(try identityDigest(identityPublicKey: account.keyring.identityPublicKey()),
                       account.keyring.identityDigest(), "identityDigest(identityPublicKey:)")
        alice = account
    }

    // MARK: 2. Alice's device

    func enrollDevice() throws {
        let alice = try need(alice, "Alice's account")
        let device = try DeviceKey.generate()
        try checkEqual(device.publicKey().count, 1216, "device public key length (X-Wing)")
        try checkEqual(try bundleDevices(bundleBytes: alice.bundle), [], "devices before enrollment")
        let enrollment = try alice.keyring.enrollDevice(bundleBytes: alice.bundle, devicePublicKey: device.publicKey())
        try checkEqual(enrollment.pin.identityDigest(), alice.keyring.identityDigest(), "the pin's identity digest")
        try checkEqual(enrollment.pin.generation(), 0, "the pin's generation")
        try check(enrollment.pin == alice.keyring.pin(), "the enrollment pin is the keyring's")
        try checkEqual(try bundleDevices(bundleBytes: enrollment.bundle), [device.publicKey()], "bundleDevices after enrollment")
        self.device = device
        self.enrollment = enrollment
    }

    // MARK: 3. Unlock three ways

    func checkSameIdentity(_ keyring: Keyring, _ how: String) throws {
        let alice = try need(alice, "Alice's account")
        try checkEqual(keyring.identityPublicKey(), alice.keyring.identityPublicKey(), "\(how): identity public key")
        try checkEqual(keyring.fingerprint(), alice.keyring.fingerprint(), "\(how): fingerprint")
        try checkEqual(try fingerprint(identityPublicKey: keyring.identityPublicKey()), keyring.fingerprint(),
                       "\(how): fingerprint(identityPublicKey:) and Keyring.fingerprint()")
    }

    func unlockWithPassphrase() throws {
        let enrollment = try need(enrollment, "the enrolled bundle")
        let keyring = try Keepsake.unlockWithPassphrase(bundleBytes: enrollment.bundle, passphrase: alicePassphrase)
        try checkSameIdentity(keyring, "passphrase unlock")
        let groups = keyring.fingerprint().split(separator: " ")
        try check(groups.count == 6 && groups.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isNumber) },
                  "fingerprint is six groups of five digits: \(keyring.fingerprint())")
    }

    func unlockWithRecoveryWords() throws {
        let alice = try need(alice, "Alice's account")
        let enrollment = try need(enrollment, "the enrolled bundle")
        let words = alice.recoveryPhrase.words()
        let shouted = "  " + words.uppercased().split(separator: " ").joined(separator: "   ") + " \t "
        try check(shouted != words, "the phrase was not altered")
        let phrase = try RecoveryPhrase.parse(words: shouted)
        try checkEqual(phrase.words(), words, "parsed words")
        let keyring = try Keepsake.unlockWithRecovery(bundleBytes: enrollment.bundle, recoveryPhrase: phrase)
        try checkSameIdentity(keyring, "recovery unlock")
    }

    func unlockWithDevice() throws {
        let device = try need(device, "Alice's device")
        let enrollment = try need(enrollment, "the enrolled bundle")
        let secret = device.secretBytes()
        try checkEqual(secret.count, 32, "device secret length")
        let restored = try DeviceKey.fromSecretBytes(secret: secret)
        try checkEqual(restored.publicKey(), device.publicKey(), "restored device public key")
        let keyring = try Keepsake.unlockWithDevice(bundleBytes: enrollment.bundle, device: restored,
                                                    pin: enrollment.pin)
        try checkSameIdentity(keyring, "device unlock")
    }

    func wrongPassphrase() throws {
        let enrollment = try need(enrollment, "the enrolled bundle")
        try expectError(KeepsakeError.WrongPassphrase, "unlock with a wrong passphrase") {
            try Keepsake.unlockWithPassphrase(bundleBytes: enrollment.bundle, passphrase: alicePassphrase + "!")
        }
    }

    // MARK: 4. An album

    func sealAlbumName() throws {
        let alice = try need(alice, "Alice's account")
        let albumId = try newAlbumId()
        try checkEqual(albumId.count, 16, "album id length")
        try checkEqual(alice.keyring.currentEpoch(), 0, "the current epoch before any rotation")
        let album = try alice.keyring.albumKey(albumId: albumId, epoch: alice.keyring.currentEpoch())
        try checkEqual(album.albumId(), albumId, "AlbumKey.albumId()")
        try checkEqual(album.epoch(), 0, "AlbumKey.epoch()")
        let sealed = try album.sealBlob(what: .name, plaintext: albumTitle)
        try check(sealed.range(of: albumTitle) == nil, "the sealed name contains the name in clear")
        try checkEqual(try album.openBlob(what: .name, envelope: sealed), albumTitle, "the opened album name")
        // The same album id and epoch derive the same key again.
        let again = try alice.keyring.albumKey(albumId: albumId, epoch: 0)
        try checkEqual(try again.openBlob(what: .name, envelope: sealed), albumTitle, "the name opened by a re-derived album key")
        self.albumId = albumId
        self.album = album
    }

    // MARK: 5. A media item

    func sealMedia() throws {
        let album = try need(album, "the album key")
        let mediaId = try newMediaId()
        try checkEqual(mediaId.count, 16, "media id length")
        let mediaKey = try MediaKey.generate()
        let wrapped = try album.wrapMediaKey(mediaId: mediaId, mediaKey: mediaKey)

        // The original: 1 MiB + 123 bytes, 17 chunks of 64 KiB (the last holding 123 bytes).
        let sealedOriginal = try mediaKey.seal(mediaId: mediaId, kind: .original, plaintext: original)
        let chunks = (original.count + Self.chunk - 1) / Self.chunk
        try checkEqual(chunks, 17, "number of chunks")
        try checkEqual(sealedOriginal.count, Self.headerLen + original.count + Self.tagLen * chunks,
                       "sealed original length (SPEC.md 3.4)")
        try checkEqual(try mediaKey.open(mediaId: mediaId, kind: .original, sealed: sealedOriginal), original,
                       "the original opened")

        // The thumbnail, through the streaming sealer in uneven pieces.
        let sealer = try mediaKey.sealer(mediaId: mediaId, kind: .thumbnail)
        var sealedThumbnail = Data()
        var offset = 0
        for size in [1, 999, 1500, 0, 1024, 572] {
            sealedThumbnail += try sealer.push(plaintext: thumbnail.subdata(in: offset..<offset + size))
            offset += size
        }
        try checkEqual(offset, thumbnail.count, "pushed bytes")
        sealedThumbnail += try sealer.finish()
        try checkEqual(try mediaKey.open(mediaId: mediaId, kind: .thumbnail, sealed: sealedThumbnail), thumbnail,
                       "the streamed thumbnail opened in one go")

        // The metadata envelope.
        let sealedMetadata = try mediaKey.sealBlob(mediaId: mediaId, what: .metadata, plaintext: metadata)
        try checkEqual(try mediaKey.openBlob(mediaId: mediaId, what: .metadata, envelope: sealedMetadata), metadata,
                       "the metadata opened")

        // The wrapped key unwraps (under Alice's own album key) to a key that opens the item.
        let unwrapped = try album.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped)
        try checkEqual(try unwrapped.openBlob(mediaId: mediaId, what: .metadata, envelope: sealedMetadata), metadata,
                       "the metadata opened with the unwrapped media key")

        self.mediaId = mediaId
        self.mediaKey = mediaKey
        self.wrappedMediaKey = wrapped
        self.sealedOriginal = sealedOriginal
        self.sealedThumbnail = sealedThumbnail
        self.sealedMetadata = sealedMetadata
    }

    // MARK: 6. Seek, files, progress, cancellation

    func openRange() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        let slice = try mediaKey.openRange(mediaId: mediaId, kind: .original, sealed: sealed, offset: 500_000, length: 70_000)
        try checkEqual(slice, original.subdata(in: 500_000..<570_000), "openRange(500_000, 70_000)")
    }

    func openFileRange() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        let path = try makeTempDir().appendingPathComponent("original.sealed")
        try sealed.write(to: path)
        let slice = try mediaKey.openFileRange(mediaId: mediaId, kind: .original, path: path.path,
                                               offset: 500_000, length: 70_000)
        try checkEqual(slice, original.subdata(in: 500_000..<570_000), "openFileRange(500_000, 70_000)")
    }

    func sealFileOpenFile() throws {
        let (mediaId, mediaKey) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"))
        let dir = try makeTempDir()
        let source = dir.appendingPathComponent("original.jpg")
        let sealedPath = dir.appendingPathComponent("original.jpg.sealed")
        let opened = dir.appendingPathComponent("original.opened.jpg")
        try original.write(to: source)

        let sealing = ProgressRecorder()
        let sealedSize = try mediaKey.sealFile(mediaId: mediaId, kind: .original, source: source.path,
                                               destination: sealedPath.path, overwrite: false, listener: sealing)
        try sealing.checkComplete("sealFile progress")
        let sealedBytes = try Data(contentsOf: sealedPath)
        try checkEqual(sealedSize, UInt64(sealedBytes.count), "sealFile's returned size vs the file")
        try checkEqual(try mediaKey.open(mediaId: mediaId, kind: .original, sealed: sealedBytes), original,
                       "the sealed file opened in memory")

        let opening = ProgressRecorder()
        let plainSize = try mediaKey.openFile(mediaId: mediaId, kind: .original, source: sealedPath.path,
                                              destination: opened.path, overwrite: false, listener: opening)
        try opening.checkComplete("openFile progress")
        try checkEqual(plainSize, UInt64(original.count), "openFile's returned size")
        try checkEqual(try Data(contentsOf: opened), original, "the opened file")

        // No listener at all is allowed too; an existing destination is refused without overwrite.
        try expectError(KeepsakeError.DestinationExists, "openFile onto an existing file without overwrite") {
            try mediaKey.openFile(mediaId: mediaId, kind: .original, source: sealedPath.path,
                                  destination: opened.path, overwrite: false, listener: nil)
        }
    }

    func cancelledFiles() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        let dir = try makeTempDir()
        let source = dir.appendingPathComponent("cancel-source.jpg")
        let sealedSource = dir.appendingPathComponent("cancel-source.sealed")
        try original.write(to: source)
        try sealed.write(to: sealedSource)
        let fm = FileManager.default
        let before = Set(try fm.contentsOfDirectory(atPath: dir.path))

        let sealDestination = dir.appendingPathComponent("cancelled.sealed")
        let refusing = ProgressRecorder(answer: false)
        try expectError(KeepsakeError.Cancelled, "sealFile with a listener returning false") {
            try mediaKey.sealFile(mediaId: mediaId, kind: .original, source: source.path,
                                  destination: sealDestination.path, overwrite: false, listener: refusing)
        }
        try check(!refusing.calls.isEmpty, "the refusing listener was never asked")
        try check(!fm.fileExists(atPath: sealDestination.path), "a cancelled sealFile left \(sealDestination.path)")

        let openDestination = dir.appendingPathComponent("cancelled.jpg")
        let refusingToo = ProgressRecorder(answer: false)
        try expectError(KeepsakeError.Cancelled, "openFile with a listener returning false") {
            try mediaKey.openFile(mediaId: mediaId, kind: .original, source: sealedSource.path,
                                  destination: openDestination.path, overwrite: false, listener: refusingToo)
        }
        try check(!fm.fileExists(atPath: openDestination.path), "a cancelled openFile left \(openDestination.path)")

        // Nothing else (no temporary file) is left behind in the directory either.
        let left = Set(try fm.contentsOfDirectory(atPath: dir.path)).subtracting(before)
        try checkEqual(left.sorted(), [], "files left by the cancelled operations")
    }

    // MARK: 7. Streaming open

    func streamingOpen() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedThumbnail, "the sealed thumbnail"))
        let opener = try mediaKey.opener(mediaId: mediaId, kind: .thumbnail)
        var plaintext = Data()
        for piece in sealed.pieces(of: 1000) {
            plaintext += try opener.push(sealed: piece)
        }
        plaintext += try opener.finish()
        try checkEqual(plaintext, thumbnail, "the thumbnail opened by the streaming opener")
    }

    // MARK: 8. Share with Bob

    var bob: NewAccount?

    func share() throws {
        let alice = try need(alice, "Alice's account")
        let (albumId, album) = (try need(albumId, "the album id"), try need(album, "the album key"))
        let (mediaId, wrapped) = (try need(mediaId, "the media id"), try need(wrappedMediaKey, "the wrapped media key"))
        let sealedOriginal = try need(sealedOriginal, "the sealed original")
        let sealedThumbnail = try need(sealedThumbnail, "the sealed thumbnail")
        let sealedMetadata = try need(sealedMetadata, "the sealed metadata")

        let bob = try Keepsake.createAccount(passphrase: bobPassphrase, params: floor)
        try check(bob.keyring.identityPublicKey() != alice.keyring.identityPublicKey(), "Bob has Alice's identity")
        let grant = try alice.keyring.grantAlbum(album: album, recipient: bob.keyring.identityPublicKey(), historyEntry: genesisOf(alice.keyring, album))
        try checkEqual(grant.count, 1354, "grant length")
        let info = try inspectGrant(grant: grant)
        try checkEqual(info.senderIdentityDigest, alice.keyring.identityDigest(), "the grant's sender digest")
        try checkEqual(info.recipientIdentityDigest, bob.keyring.identityDigest(), "the grant's recipient digest")
        let received = try bob.keyring.acceptGrant(grant: grant, sender: alice.keyring.identityPublicKey(),
                                                   expected: ExpectedAlbum(albumId: albumId, epoch: 0))
        try checkEqual(received.albumId(), albumId, "the received album id")
        try checkEqual(received.epoch(), 0, "the received epoch")
        let mediaKey = try received.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped)
        try checkEqual(try mediaKey.open(mediaId: mediaId, kind: .original, sealed: sealedOriginal), original,
                       "Bob opens the original")
        try checkEqual(try mediaKey.open(mediaId: mediaId, kind: .thumbnail, sealed: sealedThumbnail), thumbnail,
                       "Bob opens the thumbnail")
        try checkEqual(try mediaKey.openBlob(mediaId: mediaId, what: .metadata, envelope: sealedMetadata), metadata,
                       "Bob opens the metadata")
        self.bob = bob
    }

    func grantWrongSender() throws {
        let alice = try need(alice, "Alice's account")
        let (albumId, album) = (try need(albumId, "the album id"), try need(album, "the album key"))
        let bob = try need(bob, "Bob's account")
        let carol = try Keepsake.createAccount(passphrase: carolPassphrase, params: floor)
        let grant = try alice.keyring.grantAlbum(album: album, recipient: bob.keyring.identityPublicKey(), historyEntry: genesisOf(alice.keyring, album))
        try expectError(KeepsakeError.GrantWrongSender, "Bob accepts Alice's grant as if from Carol") {
            try bob.keyring.acceptGrant(grant: grant, sender: carol.keyring.identityPublicKey(),
                                        expected: ExpectedAlbum(albumId: albumId, epoch: 0))
        }
    }

    // The grant's layout (SPEC.md 5.7): version, suite, sender digest, recipient digest, album
    // id, be64 epoch, history entry hash (122 bytes), then enc (1120), ciphertext (48), signature (64).
    func grantAltered() throws {
        let alice = try need(alice, "Alice's account")
        let album = try need(album, "the album key")
        let bob = try need(bob, "Bob's account")
        let grant = try alice.keyring.grantAlbum(album: album, recipient: bob.keyring.identityPublicKey(), historyEntry: genesisOf(alice.keyring, album))
        let epochAt = 2 + 32 + 32 + 16
        for (what, at) in [("epoch", epochAt + 7), ("signature", grant.count - 64), ("signature end", grant.count - 1)] {
            try expectError(KeepsakeError.GrantBadSignature, "a flipped byte in the \(what)") {
                try bob.keyring.acceptGrant(grant: grant.flipping(at: at), sender: alice.keyring.identityPublicKey(),
                                            expected: nil)
            }
        }
        var downgraded = grant
        downgraded[downgraded.startIndex + 1] = 1
        try expectError(KeepsakeError.UnsupportedSuite, "a grant of suite 1 (a downgrade)") {
            try bob.keyring.acceptGrant(grant: downgraded, sender: alice.keyring.identityPublicKey(), expected: nil)
        }
        try expectError(KeepsakeError.UnsupportedSuite, "inspecting a grant of suite 1") {
            try inspectGrant(grant: downgraded)
        }
    }

    func malformedPublicKeys() throws {
        let alice = try need(alice, "Alice's account")
        let album = try need(album, "the album key")
        let good = try DeviceKey.generate().publicKey()
        // An ML-KEM coefficient of 0xfff (past the modulus 3329); an all-zero X25519 half.
        var pastModulus = good
        pastModulus[pastModulus.startIndex] = 0xff
        pastModulus[pastModulus.startIndex + 1] = 0x0f
        let zeroX25519 = good.prefix(good.count - 32) + Data(count: 32)
        for (what, bad) in [("past the modulus", pastModulus), ("zero X25519 half", zeroX25519)] {
            try expectError(KeepsakeError.InvalidPublicKey, "enrolling a device key \(what)") {
                try alice.keyring.enrollDevice(bundleBytes: alice.bundle, devicePublicKey: bad)
            }
        }
        try expectError(KeepsakeError.InvalidLength, "a 32-byte device key") {
            try alice.keyring.enrollDevice(bundleBytes: alice.bundle, devicePublicKey: good.prefix(32))
        }
        var badIdentity = alice.keyring.identityPublicKey()
        badIdentity[badIdentity.startIndex + 32] = 0xff
        badIdentity[badIdentity.startIndex + 33] = 0x0f
        try expectError(KeepsakeError.InvalidPublicKey, "granting to a bad identity") {
            try alice.keyring.grantAlbum(album: album, recipient: badIdentity, historyEntry: Data(count: 32))
        }
        try expectError(KeepsakeError.InvalidPublicKey, "the fingerprint of a bad identity") {
            try fingerprint(identityPublicKey: badIdentity)
        }
        try expectError(KeepsakeError.InvalidLength, "the digest of a digest") {
            try identityDigest(identityPublicKey: alice.keyring.identityDigest())
        }
    }

    // MARK: 9. Tampering

    func tamperedOriginal() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        try expectError(KeepsakeError.DecryptionFailed, "a flipped byte in the middle of the sealed original") {
            try mediaKey.open(mediaId: mediaId, kind: .original, sealed: sealed.flipping(at: sealed.count / 2))
        }
    }

    func originalAsThumbnail() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        try expectError(KeepsakeError.DecryptionFailed, "the original opened as a thumbnail") {
            try mediaKey.open(mediaId: mediaId, kind: .thumbnail, sealed: sealed)
        }
    }

    func truncatedOriginal() throws {
        let (mediaId, mediaKey, sealed) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"),
                                           try need(sealedOriginal, "the sealed original"))
        // Drop the final chunk (123 plaintext bytes + tag): the stream now ends exactly at the
        // boundary after 16 full chunks.
        let cut = sealed.count - (original.count % Self.chunk + Self.tagLen)
        try checkEqual(cut, Self.headerLen + 16 * (Self.chunk + Self.tagLen), "the last chunk boundary")
        try expectError(KeepsakeError.TruncatedStream, "the original cut at its last chunk boundary") {
            try mediaKey.open(mediaId: mediaId, kind: .original, sealed: sealed.prefix(cut))
        }
    }

    func tamperedWrappedKey() throws {
        let (mediaId, album, wrapped) = (try need(mediaId, "the media id"), try need(album, "the album key"),
                                         try need(wrappedMediaKey, "the wrapped media key"))
        try expectError(KeepsakeError.DecryptionFailed, "a flipped byte in the wrapped media key") {
            try album.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped.flipping(at: wrapped.count / 2))
        }
    }

    func garbageBundle() throws {
        let garbage = Data("this is not a keepsake bundle \u{1}\u{ff}".utf8)
            + Scenario.pattern(count: 64) { i in UInt8(i * 37 % 256) }
        try expectError(KeepsakeError.MalformedBundle, "bundleDevices on garbage") {
            try bundleDevices(bundleBytes: garbage)
        }
        try expectError(KeepsakeError.MalformedBundle, "unlockWithPassphrase on garbage") {
            try Keepsake.unlockWithPassphrase(bundleBytes: garbage, passphrase: alicePassphrase)
        }
        try expectError(KeepsakeError.MalformedBundle, "bundleDevices on no bytes") {
            try bundleDevices(bundleBytes: Data())
        }
    }

    func sealerAfterFinish() throws {
        let (mediaId, mediaKey) = (try need(mediaId, "the media id"), try need(mediaKey, "the media key"))
        let sealer = try mediaKey.sealer(mediaId: mediaId, kind: .thumbnail)
        _ = try sealer.push(plaintext: Data("some".utf8))
        _ = try sealer.finish()
        try expectError(KeepsakeError.StreamClosed, "push after finish") {
            try sealer.push(plaintext: Data("more".utf8))
        }
        try expectError(KeepsakeError.StreamClosed, "finish after finish") {
            try sealer.finish()
        }
    }
}

/// The scenario's steps, in order, and what removes their temporary files afterwards.
func scenarioTests() -> (tests: [TestCase], cleanUp: () -> Void) {
    let s = Scenario()
    let steps: [(String, () throws -> Void)] = [
        ("1 create account (Floor profile, 24 words)", s.createAccount),
        ("2 enroll device, bundleDevices lists it", s.enrollDevice),
        ("3 unlock with passphrase", s.unlockWithPassphrase),
        ("3 unlock with recovery words (upper case, extra spaces)", s.unlockWithRecoveryWords),
        ("3 unlock with restored device and pin", s.unlockWithDevice),
        ("3 wrong passphrase raises WrongPassphrase", s.wrongPassphrase),
        ("4 album at epoch 0, name sealed and opened", s.sealAlbumName),
        ("5 media item: wrapped key, original, streamed thumbnail, metadata", s.sealMedia),
        ("6 openRange(500000, 70000)", s.openRange),
        ("6 openFileRange(500000, 70000)", s.openFileRange),
        ("6 sealFile / openFile round trip with progress", s.sealFileOpenFile),
        ("6 cancelling listener raises Cancelled, leaves no file", s.cancelledFiles),
        ("7 streaming opener, 1000-byte pieces", s.streamingOpen),
        ("8 share with Bob: grant, accept, unwrap, open all three", s.share),
        ("8 accept with Carol as sender raises GrantWrongSender", s.grantWrongSender),
        ("8 an altered grant raises GrantBadSignature, a suite-1 grant UnsupportedSuite", s.grantAltered),
        ("8 malformed device and identity public keys raise InvalidPublicKey", s.malformedPublicKeys),
        ("9 flipped byte in the original raises DecryptionFailed", s.tamperedOriginal),
        ("9 original opened as THUMBNAIL raises DecryptionFailed", s.originalAsThumbnail),
        ("9 original cut at last chunk boundary raises TruncatedStream", s.truncatedOriginal),
        ("9 flipped byte in wrapped media key raises DecryptionFailed", s.tamperedWrappedKey),
        ("9 garbage bundle raises MalformedBundle", s.garbageBundle),
        ("9 sealer after finish raises StreamClosed", s.sealerAfterFinish),
    ]
    return (steps.map { name, body in TestCase(name: "scenario/\(name)", body: body) }, s.cleanUp)
}
