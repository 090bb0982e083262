// SCENARIO.md section 6: the key lifecycle (issue 14) through the Swift API. Revoke-and-rotate
// locks a device out, every remaining unlock method opens items sealed before and after, a
// device pin refuses a rolled-back bundle, member removal re-keys an album, and the pin
// round-trips through its 40 bytes.

import Foundation
import Keepsake

/// The first epoch of generation 1.
private let generation1: UInt64 = 1 << 32

/// One item of an album: wrapped media key, sealed original, and an album name sealed under
/// the same album key.
private struct Item {
    let mediaId: Data
    let original: Data
    let wrapped: Data
    let sealed: Data
    let text: Data
    let name: Data

    init(_ album: AlbumKey, _ text: String) throws {
        mediaId = try newMediaId()
        self.text = Data(text.utf8)
        original = Data(String(repeating: text, count: 50).utf8)
        let key = try MediaKey.generate()
        wrapped = try album.wrapMediaKey(mediaId: mediaId, mediaKey: key)
        sealed = try key.seal(mediaId: mediaId, kind: .original, plaintext: original)
        name = try album.sealBlob(what: .name, plaintext: self.text)
    }

    /// `album` (a key of this item's epoch) opens the item and its album name.
    func checkOpens(_ album: AlbumKey, _ what: String) throws {
        let key = try album.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped)
        try checkEqual(try key.open(mediaId: mediaId, kind: .original, sealed: sealed), original, "\(what): original")
        try checkEqual(try album.openBlob(what: .name, envelope: name), text, "\(what): album name")
    }
}

/// The lifecycle's shared state, built once by the first test that needs it.
private struct World {
    let passphrase = "lifecycle passphrase of Alice"
    let floor = kdfProfile(profile: .floor)
    let account: NewAccount
    let phone: DeviceKey
    let lost: DeviceKey
    let phonePin: AccountPin
    let lostPin: AccountPin
    let bundle0: Data
    /// What the lost device unlocked (and kept) before it was lost.
    let lostKeyring: Keyring
    let albumId: Data
    let album0: AlbumKey
    let before: Item
    let bundle1: Data
    let keyring1: Keyring
    let album1: AlbumKey
    let after: Item

    init() throws {
        account = try createAccount(passphrase: passphrase, params: floor)
        let keyring = account.keyring
        phone = try DeviceKey.generate()
        lost = try DeviceKey.generate()
        let enrolled = try keyring.enrollDevice(bundleBytes: account.bundle, devicePublicKey: phone.publicKey())
        let enrolledLost = try keyring.enrollDevice(bundleBytes: enrolled.bundle, devicePublicKey: lost.publicKey())
        phonePin = enrolled.pin
        lostPin = enrolledLost.pin
        bundle0 = enrolledLost.bundle
        lostKeyring = try unlockWithDevice(bundleBytes: bundle0, device: lost, pin: lostPin)
        albumId = try newAlbumId()
        album0 = try lostKeyring.albumKey(albumId: albumId, epoch: lostKeyring.currentEpoch())
        before = try Item(album0, "sealed before the rotation")
        let rotated = try keyring.revokeDeviceAndRotate(bundleBytes: bundle0, devicePublicKey: lost.publicKey())
        bundle1 = rotated.bundle
        keyring1 = rotated.keyring
        album1 = try keyring1.albumKey(albumId: albumId, epoch: keyring1.currentEpoch())
        after = try Item(album1, "sealed after the rotation")
    }
}

/// Member removal: Alice (generation 1) shares the album with Bob and Carol, then removes Carol.
private struct Removal {
    let bob: Keyring
    let carol: Keyring
    let bobOld: AlbumKey
    let carolOld: AlbumKey
    let moved: EpochMove
    let added: Item

    init(_ w: World) throws {
        bob = try createAccount(passphrase: "Bob's passphrase", params: w.floor).keyring
        carol = try createAccount(passphrase: "Carol's passphrase", params: w.floor).keyring
        let sender = w.keyring1.identityPublicKey()
        let expected = ExpectedAlbum(albumId: w.albumId, epoch: w.album1.epoch())
        bobOld = try bob.acceptGrant(grant: try w.keyring1.grantAlbum(album: w.album1, recipient: bob.identityPublicKey(), historyEntry: genesisOf(w.keyring1, w.album1)),
                                     sender: sender, expected: expected)
        carolOld = try carol.acceptGrant(grant: try w.keyring1.grantAlbum(album: w.album1, recipient: carol.identityPublicKey(), historyEntry: genesisOf(w.keyring1, w.album1)),
                                         sender: sender, expected: expected)
        moved = try w.keyring1.removeMember(album: w.album1, remaining: [bob.identityPublicKey()], historyEntry: genesisOf(w.keyring1, w.album1))
        added = try Item(moved.album, "added after Carol left")
    }
}

/// Checks that `error`'s message names both generations, e.g. "seen generation 1 ... generation 0".
private func checkGenerations(_ body: () throws -> Any, _ expected: (String) -> KeepsakeError,
                              _ words: [String], _ what: String) throws {
    var text = ""
    try expectError(expected, what) {
        do { return try body() } catch let e as KeepsakeError { text = message(e); throw e }
    }
    for w in words { try check(text.contains(w), "\(what): message \"\(text)\" lacks \"\(w)\"") }
}

func lifecycleTests() -> [TestCase] {
    // Built on first use, then shared (tests run in order on one thread).
    nonisolated(unsafe) var world: World?
    nonisolated(unsafe) var removal: Removal?
    func w() throws -> World {
        if let w = world { return w }
        let made = try World()
        world = made
        return made
    }
    func r() throws -> Removal {
        if let r = removal { return r }
        let made = try Removal(try w())
        removal = made
        return made
    }
    return [
        TestCase(name: "lifecycle: revoke-and-rotate moves to generation 1, epoch 2^32") {
            let w = try w()
            try checkEqual(w.account.keyring.generation(), 0, "generation before")
            try checkEqual(w.account.keyring.currentEpoch(), 0, "epoch before")
            try checkEqual(w.keyring1.generation(), 1, "generation after")
            try checkEqual(w.keyring1.currentEpoch(), generation1, "epoch after")
            try checkEqual(w.album1.epoch(), generation1, "album key's epoch")
            try checkEqual(try bundleGeneration(bundleBytes: w.bundle0), 0, "bundleGeneration(old)")
            try checkEqual(try bundleGeneration(bundleBytes: w.bundle1), 1, "bundleGeneration(new)")
            try checkEqual(try bundleDevices(bundleBytes: w.bundle1), [w.phone.publicKey()], "devices left")
            try checkEqual(w.keyring1.identityPublicKey(), w.account.keyring.identityPublicKey(), "identity kept")
            try checkEqual(w.keyring1.fingerprint(), w.account.keyring.fingerprint(), "fingerprint kept")
            try expectError(KeepsakeError.MalformedBundle, "bundleGeneration(garbage)") {
                try bundleGeneration(bundleBytes: Data("not a bundle".utf8))
            }
        },
        TestCase(name: "lifecycle: the revoked device cannot unlock the rotated bundle: DeviceNotEnrolled") {
            let w = try w()
            try expectError(KeepsakeError.DeviceNotEnrolled, "revoked device") {
                try unlockWithDevice(bundleBytes: w.bundle1, device: w.lost, pin: w.lostPin)
            }
            try expectError(KeepsakeError.DeviceNotEnrolled, "revoking it again") {
                try w.keyring1.revokeDeviceAndRotate(bundleBytes: w.bundle1, devicePublicKey: w.lost.publicKey())
            }
        },
        TestCase(name: "lifecycle: the revoked device's keyring cannot derive the new epoch: UnknownGeneration") {
            let w = try w()
            try checkGenerations({ try w.lostKeyring.albumKey(albumId: w.albumId, epoch: generation1) },
                                 KeepsakeError.UnknownGeneration, ["generation 1", "generation 0"], "old keyring, new epoch")
        },
        TestCase(name: "lifecycle: the old album keys cannot open items of the new epoch: DecryptionFailed") {
            let w = try w()
            try expectError(KeepsakeError.DecryptionFailed, "old key, new wrapped media key") {
                try w.album0.unwrapMediaKey(mediaId: w.after.mediaId, wrapped: w.after.wrapped)
            }
            try expectError(KeepsakeError.DecryptionFailed, "old key, new album name") {
                try w.album0.openBlob(what: .name, envelope: w.after.name)
            }
            for epoch in [1, generation1 - 1] {
                try expectError(KeepsakeError.DecryptionFailed, "old keyring at epoch \(epoch)") {
                    try w.lostKeyring.albumKey(albumId: w.albumId, epoch: epoch)
                        .unwrapMediaKey(mediaId: w.after.mediaId, wrapped: w.after.wrapped)
                }
            }
        },
        TestCase(name: "lifecycle: passphrase, recovery and the other device unlock the rotated bundle and open before and after") {
            let w = try w()
            let unlocks: [(String, Keyring)] = [
                ("passphrase", try unlockWithPassphrase(bundleBytes: w.bundle1, passphrase: w.passphrase)),
                ("recovery", try unlockWithRecovery(bundleBytes: w.bundle1, recoveryPhrase: w.account.recoveryPhrase)),
                ("phone", try unlockWithDevice(bundleBytes: w.bundle1, device: w.phone, pin: w.phonePin)),
            ]
            for (how, k) in unlocks {
                try checkEqual(k.generation(), 1, "\(how) generation")
                try checkEqual(k.identityPublicKey(), w.account.keyring.identityPublicKey(), "\(how) identity")
                try w.before.checkOpens(try k.albumKey(albumId: w.albumId, epoch: 0), "\(how), item before")
                try w.after.checkOpens(try k.albumKey(albumId: w.albumId, epoch: k.currentEpoch()), "\(how), item after")
            }
        },
        TestCase(name: "lifecycle: a plain rotation needs no secret; the phone still opens everything") {
            let w = try w()
            let again = try w.keyring1.rotate(bundleBytes: w.bundle1)
            try checkEqual(again.keyring.generation(), 2, "generation")
            try checkEqual(try bundleGeneration(bundleBytes: again.bundle), 2, "bundle generation")
            let byPhone = try unlockWithDevice(bundleBytes: again.bundle, device: w.phone, pin: w.phonePin)
            try checkEqual(byPhone.generation(), 2, "phone's generation")
            try w.before.checkOpens(try byPhone.albumKey(albumId: w.albumId, epoch: 0), "item before")
            try w.after.checkOpens(try byPhone.albumKey(albumId: w.albumId, epoch: generation1), "item after")
            try checkGenerations({ try w.keyring1.rotate(bundleBytes: w.bundle0) }, KeepsakeError.Rollback,
                                 ["seen generation 1", "generation 0"], "rotating an older bundle")
        },
        TestCase(name: "lifecycle: a pin at generation 1 refuses the generation-0 bundle: Rollback(seen 1, offered 0)") {
            let w = try w()
            let pin = try unlockWithDevice(bundleBytes: w.bundle1, device: w.phone, pin: w.phonePin).pin()
            try checkEqual(pin.generation(), 1, "new pin's generation")
            try checkEqual(w.phonePin.generation(), 0, "enrollment pin's generation")
            try checkGenerations({ try unlockWithDevice(bundleBytes: w.bundle0, device: w.phone, pin: pin) },
                                 KeepsakeError.Rollback, ["seen generation 1", "generation 0"], "old bundle, new pin")
            try checkEqual(try unlockWithDevice(bundleBytes: w.bundle1, device: w.phone, pin: pin).generation(), 1,
                           "new bundle, new pin")
        },
        TestCase(name: "lifecycle: checkPin after a passphrase unlock: Rollback, IdentityMismatch") {
            let w = try w()
            let pin1 = w.keyring1.pin()
            let old = try unlockWithPassphrase(bundleBytes: w.bundle0, passphrase: w.passphrase)
            try expectError(KeepsakeError.Rollback, "generation-0 keyring, generation-1 pin") { try old.checkPin(pin: pin1) }
            try w.keyring1.checkPin(pin: pin1)
            try w.keyring1.checkPin(pin: w.phonePin)
            let other = try createAccount(passphrase: "someone else", params: w.floor).keyring
            try expectError(KeepsakeError.IdentityMismatch, "another account's pin") { try w.keyring1.checkPin(pin: other.pin()) }
        },
        TestCase(name: "lifecycle: the pin round-trips through its 40 bytes") {
            let w = try w()
            let pin = w.keyring1.pin()
            let bytes = pin.toBytes()
            try checkEqual(bytes.count, 40, "pin length")
            try checkEqual(bytes.prefix(32), w.keyring1.identityDigest(), "identity digest part")
            try checkEqual(pin.identityDigest(), w.keyring1.identityDigest(), "identityDigest()")
            try checkEqual(Data(bytes.suffix(8)), Data([0, 0, 0, 0, 0, 0, 0, 1]), "generation part")
            let again = try AccountPin.fromBytes(bytes: bytes)
            try check(again == pin, "equal after the round trip")
            try checkEqual(again.hashValue, pin.hashValue, "hashValue")
            try checkEqual(again.generation(), 1, "generation")
            try check(again != w.phonePin, "pins of different generations are equal")
            try checkEqual(Set([pin, again, w.phonePin]).count, 2, "distinct pins")
            try check(w.account.keyring.pin() == w.phonePin, "enrollment pin is the keyring's")
            for bad in [Data(), bytes.prefix(39), bytes + Data([0]), bytes.prefix(32)] {
                try expectError(KeepsakeError.InvalidLength, "\(bad.count)-byte pin") { try AccountPin.fromBytes(bytes: Data(bad)) }
            }
        },
        TestCase(name: "lifecycle: removeMember moves the album to the next epoch, grants only the remaining") {
            let w = try w()
            let r = try r()
            try checkEqual(r.moved.album.albumId(), w.albumId, "album id")
            try checkEqual(r.moved.album.epoch(), w.album1.epoch() + 1, "new epoch")
            try checkEqual(r.moved.grants.map(\.memberIdentity), [r.bob.identityPublicKey()], "granted members")
            let grant = r.moved.grants[0].grant
            try checkEqual(grant.count, 1354, "grant length")
            let info = try inspectGrant(grant: grant)
            try checkEqual(info.recipientIdentityDigest, r.bob.identityDigest(), "recipient")
            try checkEqual(info.senderIdentityDigest, w.keyring1.identityDigest(), "sender")
            try checkEqual(info.epoch, r.moved.album.epoch(), "granted epoch")
            try expectError(KeepsakeError.GrantWrongRecipient, "Carol accepting Bob's grant") {
                try r.carol.acceptGrant(grant: grant, sender: w.keyring1.identityPublicKey(), expected: nil)
            }
            try r.added.checkOpens(try w.keyring1.albumKey(albumId: w.albumId, epoch: r.moved.album.epoch()),
                                   "owner derives the new epoch")
        },
        TestCase(name: "lifecycle: the remaining member opens old and new epochs") {
            let w = try w()
            let r = try r()
            let bobNew = try r.bob.acceptGrant(grant: r.moved.grants[0].grant, sender: w.keyring1.identityPublicKey(),
                                               expected: ExpectedAlbum(albumId: w.albumId, epoch: r.moved.album.epoch()))
            try r.added.checkOpens(bobNew, "Bob, new epoch")
            try w.after.checkOpens(r.bobOld, "Bob, old epoch")
        },
        TestCase(name: "lifecycle: the removed member cannot open items of the new epoch") {
            let w = try w()
            let r = try r()
            try w.after.checkOpens(r.carolOld, "Carol keeps what she had")
            try expectError(KeepsakeError.DecryptionFailed, "Carol, new wrapped media key") {
                try r.carolOld.unwrapMediaKey(mediaId: r.added.mediaId, wrapped: r.added.wrapped)
            }
            try expectError(KeepsakeError.DecryptionFailed, "Carol, new album name") {
                try r.carolOld.openBlob(what: .name, envelope: r.added.name)
            }
        },
        TestCase(name: "lifecycle: only the owner removes members: NotAlbumOwner") {
            let w = try w()
            let r = try r()
            // A key Bob received, of an epoch of his own generation (a received key of a newer
            // generation than his is refused earlier, with UnknownGeneration).
            let received = try r.bob.acceptGrant(
                grant: try w.keyring1.grantAlbum(album: w.album0, recipient: r.bob.identityPublicKey(), historyEntry: genesisOf(w.keyring1, w.album0)),
                sender: w.keyring1.identityPublicKey(), expected: ExpectedAlbum(albumId: w.albumId, epoch: 0))
            try expectError(KeepsakeError.NotAlbumOwner, "Bob removing with a received key") {
                try r.bob.removeMember(album: received, remaining: [], historyEntry: Data(count: 32))
            }
            let forged = try AlbumKey.fromSecretBytes(albumId: w.albumId, epoch: w.album1.epoch(), bytes: Data(0..<32))
            try expectError(KeepsakeError.NotAlbumOwner, "a key not derived by Alice") {
                try w.keyring1.removeMember(album: forged, remaining: [], historyEntry: Data(count: 32))
            }
            try expectError(KeepsakeError.InvalidLength, "a short member key") {
                try w.keyring1.removeMember(album: w.album1, remaining: [Data([1, 2, 3])], historyEntry: Data(count: 32))
            }
        },
    ]
}
