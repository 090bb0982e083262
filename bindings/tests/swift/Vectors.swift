// SCENARIO.md section 2: the known-answer vector files of tests/vectors/ (the same files the
// Rust tests run), through the public Swift API. One test per file (it loads) and one per
// case, named FILE/CASE.
//
// The files are read with Foundation's JSONSerialization. Numbers are read exactly as
// unsigned 64-bit integers (`Vector.u64`): JSONSerialization gives an NSNumber holding the
// exact value up to UInt64.max and an NSDecimalNumber beyond, so the value is taken from the
// number's decimal text, and an integer above UInt64.max is clamped to UInt64.max (as
// SCENARIO.md asks for `len` in stream-v1-ranges.json).

import Foundation
import Keepsake

struct Vector {
    let file: String
    let fields: [String: Any]

    var name: String { (fields["name"] as? String) ?? "(unnamed)" }

    func has(_ key: String) -> Bool { fields[key] != nil }

    func string(_ key: String) throws -> String {
        guard let value = fields[key] else { throw TestFailure("\(file) \(name): no field `\(key)`") }
        guard let text = value as? String else { throw TestFailure("\(file) \(name): `\(key)` is not a string: \(value)") }
        return text
    }

    /// A hex field as bytes.
    func bytes(_ key: String) throws -> Data {
        let text = try string(key)
        do {
            return try Data(hex: text)
        } catch {
            throw TestFailure("\(file) \(name): `\(key)`: \(error)")
        }
    }

    /// An array field of objects, each as a Vector of the same file and case name.
    func objects(_ key: String) throws -> [Vector] {
        guard let list = fields[key] as? [[String: Any]] else {
            throw TestFailure("\(file) \(name): `\(key)` is not an array of objects")
        }
        return list.map { Vector(file: file, fields: $0.merging(["name": name]) { mine, _ in mine }) }
    }

    /// An array field of strings.
    func strings(_ key: String) throws -> [String] {
        guard let list = fields[key] as? [String] else {
            throw TestFailure("\(file) \(name): `\(key)` is not an array of strings")
        }
        return list
    }

    /// A text field as its UTF-8 bytes (the bundles are JSON text held in a JSON string).
    func utf8(_ key: String) throws -> Data { Data(try string(key).utf8) }

    /// A non-negative integer field, exactly; clamped to UInt64.max above it.
    func u64(_ key: String) throws -> UInt64 {
        guard let value = fields[key] else { throw TestFailure("\(file) \(name): no field `\(key)`") }
        guard let number = value as? NSNumber, let result = exactUInt64(number) else {
            throw TestFailure("\(file) \(name): `\(key)` is not a non-negative integer: \(value)")
        }
        return result
    }
}

/// The exact unsigned value of a JSON number, clamped to UInt64.max; nil if negative or not
/// an integer.
func exactUInt64(_ number: NSNumber) -> UInt64? {
    // JSON true/false are NSNumbers too (objCType "c"): refuse them.
    if String(cString: number.objCType) == "c" { return nil }
    let text = number.stringValue
    if let exact = UInt64(text) { return exact }
    if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
        return UInt64.max  // an integer beyond 64 bits
    }
    // Written in exponent form (1e30) or with a fraction: accept integral values only.
    let double = number.doubleValue
    guard double >= 0, double.rounded() == double else { return nil }
    return double >= 18_446_744_073_709_551_616.0 ? UInt64.max : UInt64(double)
}

func vectorsDirectory() -> URL {
    if let dir = ProcessInfo.processInfo.environment["KEEPSAKE_VECTORS"], !dir.isEmpty {
        return URL(fileURLWithPath: dir, isDirectory: true)
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        .appendingPathComponent("tests/vectors", isDirectory: true)
}

func loadVectors(_ file: String) throws -> [Vector] {
    let url = vectorsDirectory().appendingPathComponent(file)
    let data: Data
    do {
        data = try Data(contentsOf: url)
    } catch {
        throw TestFailure("cannot read \(url.path) (run from the repository root or set KEEPSAKE_VECTORS): \(error)")
    }
    let json: Any
    do {
        json = try JSONSerialization.jsonObject(with: data)
    } catch {
        throw TestFailure("\(file): not valid JSON: \(error)")
    }
    guard let root = json as? [String: Any], let vectors = root["vectors"] as? [[String: Any]] else {
        throw TestFailure("\(file): no `vectors` array of objects")
    }
    return vectors.map { Vector(file: file, fields: $0) }
}

let mediaKinds: [String: MediaKind] = [
    "original": .original, "thumbnail": .thumbnail, "preview": .preview, "sidecar": .sidecar,
]

func kind(_ v: Vector) throws -> MediaKind {
    let name = try v.string("kind")
    guard let kind = mediaKinds[name] else { throw TestFailure("\(v.file) \(v.name): unknown kind \(name)") }
    return kind
}

/// Feeds `sealed` to a streaming opener in 1000-byte pieces; returns all the plaintext.
func openStreaming(_ key: MediaKey, _ mediaId: Data, _ kind: MediaKind, _ sealed: Data) throws -> Data {
    let opener = try key.opener(mediaId: mediaId, kind: kind)
    var plaintext = Data()
    for piece in sealed.pieces(of: 1000) {
        plaintext += try opener.push(sealed: piece)
    }
    plaintext += try opener.finish()
    return plaintext
}

// MARK: - Per file

func streamTests(_ v: Vector) -> [TestCase] {
    [
        TestCase(name: "stream-v1/open/\(v.name)") {
            let key = try MediaKey.fromSecretBytes(bytes: v.bytes("media_key"))
            let opened = try key.open(mediaId: v.bytes("media_id"), kind: kind(v), sealed: v.bytes("sealed"))
            try checkEqual(opened, try v.bytes("plaintext"), "open")
        },
        TestCase(name: "stream-v1/opener/\(v.name)") {
            let key = try MediaKey.fromSecretBytes(bytes: v.bytes("media_key"))
            let opened = try openStreaming(key, v.bytes("media_id"), kind(v), v.bytes("sealed"))
            try checkEqual(opened, try v.bytes("plaintext"), "streaming opener, 1000-byte pieces")
        },
    ]
}

func streamFailureTest(_ v: Vector) -> TestCase {
    TestCase(name: "stream-v1-failures/\(v.name)") {
        let key = try MediaKey.fromSecretBytes(bytes: v.bytes("media_key"))
        let (mediaId, kind, sealed) = (try v.bytes("media_id"), try kind(v), try v.bytes("sealed"))
        try expectError(v.string("error"), "open") {
            try key.open(mediaId: mediaId, kind: kind, sealed: sealed)
        }
    }
}

func rangeTest(_ v: Vector) -> TestCase {
    TestCase(name: "stream-v1-ranges/\(v.name)") {
        let key = try MediaKey.fromSecretBytes(bytes: v.bytes("media_key"))
        let (mediaId, kind, sealed) = (try v.bytes("media_id"), try kind(v), try v.bytes("sealed"))
        let (offset, length) = (try v.u64("offset"), try v.u64("len"))
        let what = "openRange(offset: \(offset), length: \(length))"
        if v.has("error") {
            try expectError(v.string("error"), what) {
                try key.openRange(mediaId: mediaId, kind: kind, sealed: sealed, offset: offset, length: length)
            }
        } else {
            let opened = try key.openRange(mediaId: mediaId, kind: kind, sealed: sealed, offset: offset, length: length)
            try checkEqual(opened, try v.bytes("plaintext"), what)
        }
    }
}

/// The call that opens an envelope vector's `sealed` for its purpose, built outside the call
/// so that only the opening itself can raise the expected error. For `media-key-wrap` it
/// returns the unwrapped MediaKey.
func envelopeOpener(_ v: Vector) throws -> () throws -> Any {
    let purpose = try v.string("purpose")
    let (key, sealed) = (try v.bytes("key"), try v.bytes("sealed"))
    switch purpose {
    case "media-metadata", "media-caption":
        let mediaKey = try MediaKey.fromSecretBytes(bytes: key)
        let mediaId = try v.bytes("media_id")
        let what: MediaBlob = purpose == "media-metadata" ? .metadata : .caption
        return { try mediaKey.openBlob(mediaId: mediaId, what: what, envelope: sealed) }
    case "album-name", "album-metadata":
        let albumKey = try AlbumKey.fromSecretBytes(albumId: v.bytes("album_id"), epoch: v.u64("epoch"), bytes: key)
        let what: AlbumBlob = purpose == "album-name" ? .name : .metadata
        return { try albumKey.openBlob(what: what, envelope: sealed) }
    case "media-key-wrap":
        let albumKey = try AlbumKey.fromSecretBytes(albumId: v.bytes("album_id"), epoch: v.u64("epoch"), bytes: key)
        let mediaId = try v.bytes("media_id")
        return { try albumKey.unwrapMediaKey(mediaId: mediaId, wrapped: sealed) }
    default:
        throw TestFailure("\(v.file) \(v.name): unknown purpose \(purpose)")
    }
}

func envelopeTest(_ v: Vector) -> TestCase {
    TestCase(name: "envelope-v1/\(v.name)") {
        let open = try envelopeOpener(v)
        let plaintext = try v.bytes("plaintext")
        let opened = try open()
        if let unwrapped = opened as? MediaKey {
            // The unwrapped key must be the media key `plaintext`: it opens what that key seals.
            let mediaId = try v.bytes("media_id")
            let reference = try MediaKey.fromSecretBytes(bytes: plaintext)
            let probe = Data("sealed by MediaKey.fromSecretBytes(plaintext) for \(v.name)".utf8)
            let blob = try reference.sealBlob(mediaId: mediaId, what: .caption, plaintext: probe)
            try checkEqual(try unwrapped.openBlob(mediaId: mediaId, what: .caption, envelope: blob), probe,
                           "a caption sealed by the raw key, opened by the unwrapped key")
            let stream = try reference.seal(mediaId: mediaId, kind: .preview, plaintext: probe)
            try checkEqual(try unwrapped.open(mediaId: mediaId, kind: .preview, sealed: stream), probe,
                           "a stream sealed by the raw key, opened by the unwrapped key")
        } else if let data = opened as? Data {
            try checkEqual(data, plaintext, "opened envelope")
        } else {
            throw TestFailure("unexpected result \(type(of: opened))")
        }
    }
}

func envelopeFailureTest(_ v: Vector) -> TestCase {
    TestCase(name: "envelope-v1-failures/\(v.name)") {
        let open = try envelopeOpener(v)
        try expectError(v.string("error"), "open \(try v.string("purpose"))", open)
    }
}

// bundle-v1.json: an account's bundles through its steps (create, enroll, enroll, rotate,
// revoke-and-rotate). Every step's bundle parses at its generation; the last unlocks by
// passphrase, recovery words and each device still enrolled, all alike; the revoked device is
// refused; every earlier bundle is a rollback for a device holding the last pin.

struct BundleStep {
    let bundle: Data
    let op: String
    /// The generation after the step: the rotations so far.
    let generation: UInt64
}

func bundleSteps(_ v: Vector) throws -> [BundleStep] {
    var generation: UInt64 = 0
    var steps = [BundleStep]()
    for step in try v.objects("steps") {
        let op = try step.string("op")
        if op == "rotate" || op == "revoke-and-rotate" { generation += 1 }
        steps.append(BundleStep(bundle: try step.utf8("bundle"), op: op, generation: generation))
    }
    try check(steps.first?.op == "create", "the first step creates the account")
    return steps
}

func deviceKeys(_ v: Vector) throws -> [DeviceKey] {
    try v.strings("device_secrets").map { try DeviceKey.fromSecretBytes(secret: Data(hex: $0)) }
}

func bundleTests(_ v: Vector) -> [TestCase] {
    [
        TestCase(name: "bundle-v1/\(v.name)/every step parses at its generation") {
            let steps = try bundleSteps(v)
            for (i, step) in steps.enumerated() {
                try checkEqual(try bundleGeneration(bundleBytes: step.bundle), step.generation, "step \(i) (\(step.op)): bundleGeneration")
                _ = try bundleDevices(bundleBytes: step.bundle)
            }
            try checkEqual(UInt64(try v.strings("roots").count) - 1, steps.last!.generation, "one root per generation")
        },
        TestCase(name: "bundle-v1/\(v.name)/the last unlocks by passphrase, words and each enrolled device alike") {
            let last = try bundleSteps(v).last!
            let byPassphrase = try unlockWithPassphrase(bundleBytes: last.bundle, passphrase: v.string("passphrase"))
            let pin = byPassphrase.pin()
            try checkEqual(pin.generation(), last.generation, "the pin's generation")
            var unlocked: [(String, Keyring)] = [
                ("passphrase", byPassphrase),
                ("recovery words", try unlockWithRecovery(bundleBytes: last.bundle,
                                                          recoveryPhrase: RecoveryPhrase.parse(words: v.string("recovery_words")))),
            ]
            let enrolled = try bundleDevices(bundleBytes: last.bundle)
            let revoked = try v.objects("steps").filter { try $0.string("op") == "revoke-and-rotate" }.map { try $0.bytes("device") }
            try check(!revoked.isEmpty, "the steps revoke a device")
            for (i, device) in try deviceKeys(v).enumerated() {
                if enrolled.contains(device.publicKey()) {
                    unlocked.append(("device \(i)", try unlockWithDevice(bundleBytes: last.bundle, device: device, pin: pin)))
                } else {
                    try check(revoked.contains(device.publicKey()), "device \(i) is neither enrolled nor revoked")
                    try expectError(KeepsakeError.DeviceNotEnrolled, "revoked device \(i)") {
                        try unlockWithDevice(bundleBytes: last.bundle, device: device, pin: pin)
                    }
                }
            }
            try checkEqual(unlocked.count, 2 + enrolled.count, "unlocks")
            let identity = byPassphrase.identityPublicKey()
            try checkEqual(identity.count, 1248, "identity public key length")
            for (how, keyring) in unlocked {
                try checkEqual(keyring.identityPublicKey(), identity, "\(how): identity")
                try checkEqual(keyring.fingerprint(), byPassphrase.fingerprint(), "\(how): fingerprint")
                try checkEqual(keyring.generation(), last.generation, "\(how): generation")
                try check(keyring.pin() == pin, "\(how): pin")
            }
        },
        TestCase(name: "bundle-v1/\(v.name)/earlier steps are rollbacks for the last pin") {
            let steps = try bundleSteps(v)
            let pin = try unlockWithPassphrase(bundleBytes: steps.last!.bundle, passphrase: v.string("passphrase")).pin()
            let devices = try deviceKeys(v)
            var checked = 0
            for (i, step) in steps.dropLast().enumerated() {
                try check(step.generation < pin.generation(), "step \(i) (\(step.op)) is older than the last")
                let enrolled = try bundleDevices(bundleBytes: step.bundle)
                for (d, device) in devices.enumerated() where enrolled.contains(device.publicKey()) {
                    try expectError(KeepsakeError.Rollback, "step \(i) (\(step.op)), device \(d)") {
                        try unlockWithDevice(bundleBytes: step.bundle, device: device, pin: pin)
                    }
                    checked += 1
                }
            }
            try check(checked > 0, "no earlier step enrolls a device")
        },
    ]
}

func bundleFailureTest(_ v: Vector) -> TestCase {
    TestCase(name: "bundle-v1-failures/\(v.name)") {
        let bundle = try v.utf8("bundle")
        let (how, secret, expected) = (try v.string("unlock"), try v.string("secret"), try v.string("error"))
        switch how {
        case "parse":
            try expectError(expected, "bundleDevices") { try bundleDevices(bundleBytes: bundle) }
        case "passphrase":
            try expectError(expected, "unlockWithPassphrase") {
                try unlockWithPassphrase(bundleBytes: bundle, passphrase: secret)
            }
        case "recovery":
            try expectError(expected, "unlockWithRecovery") {
                try unlockWithRecovery(bundleBytes: bundle, recoveryPhrase: RecoveryPhrase.parse(words: secret))
            }
        case "device":
            let device = try DeviceKey.fromSecretBytes(secret: Data(hex: secret))
            let pin = try v.bytes("pin")
            try checkEqual(pin.count, 40, "the account pin's length")
            try expectError(expected, "unlockWithDevice") {
                try unlockWithDevice(bundleBytes: bundle, device: device, pin: try AccountPin.fromBytes(bytes: pin))
            }
        default:
            throw TestFailure("unknown unlock \(how)")
        }
    }
}

/// The reader itself: lengths beyond Int64.max are exact, beyond UInt64.max clamped.
func jsonNumberTest() -> TestCase {
    TestCase(name: "vectors/json reader: u64 exact beyond 2^63, clamped beyond 2^64") {
        let text = #"{"name":"n","a":0,"b":9223372036854775807,"c":9223372036854775809,"d":18446744073709551615,"e":18446744073709551616,"f":99999999999999999999999,"g":1e30,"h":-1,"i":1.5,"j":true}"#
        let fields = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let v = Vector(file: "inline", fields: fields)
        let want: [(String, UInt64)] = [("a", 0), ("b", 9_223_372_036_854_775_807), ("c", 9_223_372_036_854_775_809),
                                        ("d", .max), ("e", .max), ("f", .max), ("g", .max)]
        for (key, value) in want { try checkEqual(try v.u64(key), value, "`\(key)`") }
        for key in ["h", "i", "j", "name"] {
            try check((try? v.u64(key)) == nil, "`\(key)` must be refused")
        }
    }
}

// epoch-move-v1.json: a member removed from a shared album. The owner's removeMember moves
// the album to epoch_after; each grant opens for its recipient only; each item opens under
// its epoch's key; the removed member's key opens the earlier item but not the later one.

/// The accounts of one case, unlocked by passphrase once, by name.
final class EpochMoveAccounts {
    let v: Vector
    private var unlocked: [String: Keyring]?
    init(_ v: Vector) { self.v = v }

    func all() throws -> [String: Keyring] {
        if let unlocked { return unlocked }
        var result = [String: Keyring]()
        for a in try v.objects("accounts") {
            result[try a.string("name")] = try unlockWithPassphrase(bundleBytes: a.utf8("bundle"), passphrase: a.string("passphrase"))
        }
        unlocked = result
        return result
    }

    func keyring(_ name: String) throws -> Keyring {
        guard let k = try all()[name] else { throw TestFailure("\(v.file) \(v.name): no account `\(name)`") }
        return k
    }
}

func itemOf(_ v: Vector, epoch: UInt64) throws -> Vector {
    let items = try v.objects("items").filter { try $0.u64("epoch") == epoch }
    guard items.count == 1 else { throw TestFailure("\(v.file) \(v.name): \(items.count) items of epoch \(epoch)") }
    return items[0]
}

/// Unwraps the item's media key under `album` and opens its sealed original.
func openItem(_ album: AlbumKey, _ item: Vector) throws -> Data {
    let mediaId = try item.bytes("media_id")
    let key = try album.unwrapMediaKey(mediaId: mediaId, wrapped: item.bytes("wrapped_media_key"))
    return try key.open(mediaId: mediaId, kind: .original, sealed: item.bytes("sealed"))
}

func epochMoveTests(_ v: Vector) -> [TestCase] {
    let accounts = EpochMoveAccounts(v)
    let base = "epoch-move-v1/\(v.name)"
    return [
        TestCase(name: "\(base)/removeMember moves the album to epoch_after") {
            try checkEqual(Set(try accounts.all().keys), ["owner", "stays", "removed"], "accounts")
            let (owner, stays) = (try accounts.keyring("owner"), try accounts.keyring("stays"))
            let albumId = try v.bytes("album_id")
            let epochAfter = try v.u64("epoch_after")
            let before = try owner.albumKey(albumId: albumId, epoch: v.u64("epoch_before"))
            let moved = try owner.removeMember(album: before, remaining: [stays.identityPublicKey()], historyEntry: genesisOf(owner, before))
            try checkEqual(moved.album.epoch(), epochAfter, "the epoch after")
            try checkEqual(moved.album.albumId(), albumId, "the album id")
            try checkEqual(moved.grants.map(\.memberIdentity), [stays.identityPublicKey()], "the grants' members")
            // The key's effect: the moved key, the recorded key and the owner's derivation at
            // epoch_after all open the item sealed at epoch_after.
            let after = try itemOf(v, epoch: epochAfter)
            let plaintext = try after.bytes("plaintext")
            let recorded = try AlbumKey.fromSecretBytes(albumId: albumId, epoch: epochAfter, bytes: v.bytes("album_key_after"))
            let derived = try owner.albumKey(albumId: albumId, epoch: epochAfter)
            for (how, album) in [("moved", moved.album), ("recorded", recorded), ("derived", derived)] {
                try checkEqual(try openItem(album, after), plaintext, "\(how) key opens the item of epoch_after")
            }
            let expected = ExpectedAlbum(albumId: albumId, epoch: epochAfter)
            let got = try stays.acceptGrant(grant: moved.grants[0].grant, sender: owner.identityPublicKey(), expected: expected)
            try checkEqual(try openItem(got, after), plaintext, "the member who stays opens the item of epoch_after")
            let removed = try accounts.keyring("removed")
            try expectError(KeepsakeError.GrantWrongRecipient, "the removed member accepts the new grant") {
                try removed.acceptGrant(grant: moved.grants[0].grant, sender: owner.identityPublicKey(), expected: expected)
            }
        },
        TestCase(name: "\(base)/each grant opens for its recipient only") {
            let owner = try accounts.keyring("owner")
            let albumId = try v.bytes("album_id")
            let members = try v.objects("accounts").dropFirst().map { try $0.string("name") }
            let grants = try v.objects("grants")
            let epochAfter = try v.u64("epoch_after")
            let lateToRemoved = try grants.filter { try $0.string("to") == "removed" && $0.u64("epoch") == epochAfter }
            try check(lateToRemoved.isEmpty, "a grant of epoch_after to the removed member")
            for g in grants {
                let (to, epoch, grant) = (try g.string("to"), try g.u64("epoch"), try g.bytes("grant"))
                try checkEqual(grant.count, 1354, "grant length")
                let expected = ExpectedAlbum(albumId: albumId, epoch: epoch)
                let got = try accounts.keyring(to).acceptGrant(grant: grant, sender: owner.identityPublicKey(), expected: expected)
                try checkEqual(got.epoch(), epoch, "grant to \(to): epoch")
                try checkEqual(got.albumId(), albumId, "grant to \(to): album id")
                let item = try itemOf(v, epoch: epoch)
                try checkEqual(try openItem(got, item), try item.bytes("plaintext"), "grant to \(to) of epoch \(epoch) opens its item")
                for other in members where other != to {
                    let k = try accounts.keyring(other)
                    try expectError(KeepsakeError.GrantWrongRecipient, "\(other) accepts the grant to \(to)") {
                        try k.acceptGrant(grant: grant, sender: owner.identityPublicKey(), expected: expected)
                    }
                }
            }
        },
        TestCase(name: "\(base)/each item opens under its epoch's key") {
            let owner = try accounts.keyring("owner")
            let albumId = try v.bytes("album_id")
            let items = try v.objects("items")
            try checkEqual(try items.map { try $0.u64("epoch") }.sorted(), [try v.u64("epoch_before"), try v.u64("epoch_after")], "item epochs")
            for item in items {
                let epoch = try item.u64("epoch")
                let album = try owner.albumKey(albumId: albumId, epoch: epoch)
                try checkEqual(try openItem(album, item), try item.bytes("plaintext"), "item of epoch \(epoch)")
            }
        },
        TestCase(name: "\(base)/the removed member opens the earlier item only") {
            let grants = try v.objects("grants").filter { try $0.string("to") == "removed" }
            try checkEqual(grants.count, 1, "grants to the removed member")
            let epochBefore = try v.u64("epoch_before")
            try checkEqual(try grants[0].u64("epoch"), epochBefore, "the removed member's grant's epoch")
            let removedKey = try accounts.keyring("removed").acceptGrant(
                grant: grants[0].bytes("grant"), sender: accounts.keyring("owner").identityPublicKey(),
                expected: ExpectedAlbum(albumId: v.bytes("album_id"), epoch: epochBefore))
            let old = try itemOf(v, epoch: epochBefore)
            try checkEqual(try openItem(removedKey, old), try old.bytes("plaintext"), "the removed member opens the item of epoch_before")
            let new = try itemOf(v, epoch: v.u64("epoch_after"))
            let (mediaId, wrapped) = (try new.bytes("media_id"), try new.bytes("wrapped_media_key"))
            try expectError(KeepsakeError.DecryptionFailed, "the removed member unwraps the item of epoch_after") {
                try removedKey.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped)
            }
        },
    ]
}

// MARK: - grant-v1.json
//
// grant-v1.json and selection-v1.json grant to the bundle-v1.json account (each case's
// `recipient_bundle`): the bindings never import an identity secret, so they unlock its
// bundle by passphrase to accept.

nonisolated(unsafe) private var bundleKeyrings: [String: Keyring] = [:]

/// The bundle-v1.json account a grant case's `recipient_bundle` names, unlocked (once).
func recipientKeyring(_ v: Vector) throws -> Keyring {
    guard let recipient = v.fields["recipient_bundle"] as? [String: Any] else {
        throw TestFailure("\(v.file) \(v.name): no object `recipient_bundle`")
    }
    let at = Vector(file: v.file, fields: recipient)
    let name = try at.string("vector")
    let step = Int(try at.u64("step"))
    if let k = bundleKeyrings["\(name)/\(step)"] { return k }
    guard let bundle = try loadVectors("bundle-v1.json").first(where: { $0.name == name }) else {
        throw TestFailure("bundle-v1.json has no case `\(name)`")
    }
    let steps = try bundle.objects("steps")
    try check(step < steps.count, "\(v.name): bundle step \(step) of \(steps.count)")
    let k = try unlockWithPassphrase(bundleBytes: steps[step].utf8("bundle"), passphrase: bundle.string("passphrase"))
    bundleKeyrings["\(name)/\(step)"] = k
    return k
}

/// Accepted by the bundle account from the recorded sender for the recorded album and epoch,
/// the grant gives the recorded album key (the accepted key opens what the recorded key seals
/// and the other way round; a key one bit off does not).
func grantTest(_ v: Vector) -> TestCase {
    TestCase(name: "grant-v1/\(v.name)") {
        let keyring = try recipientKeyring(v)
        let grant = try v.bytes("grant")
        let sender = try v.bytes("sender_identity_public")
        let albumId = try v.bytes("album_id")
        let epoch = try v.u64("epoch")
        try checkEqual(grant.count, 1354, "grant length")
        let info = try inspectGrant(grant: grant)
        try checkEqual(info.recipientIdentityDigest, try identityDigest(identityPublicKey: keyring.identityPublicKey()), "recipient digest")
        try checkEqual(info.senderIdentityDigest, try identityDigest(identityPublicKey: sender), "sender digest")
        try checkEqual(info.albumId, albumId, "album id")
        try checkEqual(info.epoch, epoch, "epoch")
        try checkEqual(info.historyEntry, try v.bytes("history"), "history entry")
        let got = try keyring.acceptGrant(grant: grant, sender: sender, expected: ExpectedAlbum(albumId: albumId, epoch: epoch))
        try checkEqual(got.albumId(), albumId, "accepted album id")
        try checkEqual(got.epoch(), epoch, "accepted epoch")
        let recorded = try AlbumKey.fromSecretBytes(albumId: albumId, epoch: epoch, bytes: v.bytes("album_key"))
        let probe = Data("the album of \(v.name)".utf8)
        let byRecorded = try recorded.sealBlob(what: .name, plaintext: probe)
        try checkEqual(try got.openBlob(what: .name, envelope: byRecorded), probe, "sealed by the recorded key")
        let sealed = try got.sealBlob(what: .name, plaintext: probe)
        try checkEqual(try recorded.openBlob(what: .name, envelope: sealed), probe, "sealed by the accepted key")
        var off = try v.bytes("album_key")
        off[off.startIndex] ^= 1
        let wrong = try AlbumKey.fromSecretBytes(albumId: albumId, epoch: epoch, bytes: off)
        try expectError(KeepsakeError.DecryptionFailed, "a key one bit off") {
            try wrong.openBlob(what: .name, envelope: sealed)
        }
        try expectError(KeepsakeError.GrantWrongAlbum, "the grant expected for another epoch") {
            try keyring.acceptGrant(grant: grant, sender: sender, expected: ExpectedAlbum(albumId: albumId, epoch: epoch + 1))
        }
    }
}

// MARK: - All

/// Vector files not run yet, and why (none now; an entry makes the runner report the file as
/// skipped, naming it).
let skippedVectorFiles: [String: String] = [:]

/// The fewest cases a vector file may hold (SPEC.md section 7's counts); others need one.
let minimumCases: [String: Int] = ["grant-v1.json": 2, "bundle-v1-failures.json": 38]

func vectorTests() -> [TestCase] {
    let files: [(String, (Vector) -> [TestCase])] = [
        ("stream-v1.json", streamTests),
        ("stream-v1-failures.json", { [streamFailureTest($0)] }),
        ("stream-v1-ranges.json", { [rangeTest($0)] }),
        ("envelope-v1.json", { [envelopeTest($0)] }),
        ("envelope-v1-failures.json", { [envelopeFailureTest($0)] }),
        ("bundle-v1.json", bundleTests),
        ("bundle-v1-failures.json", { [bundleFailureTest($0)] }),
        ("epoch-move-v1.json", epochMoveTests),
        ("grant-v1.json", { [grantTest($0)] }),
    ]
    var tests = [jsonNumberTest()]
    for (file, make) in files {
        let base = String(file.dropLast(".json".count))
        if let reason = skippedVectorFiles[file] {
            tests.append(TestCase(name: "\(base)/every case", skip: reason))
            continue
        }
        do {
            let vectors = try loadVectors(file)
            tests.append(TestCase(name: "\(base)/load (\(vectors.count) cases)") {
                try check(vectors.count >= (minimumCases[file] ?? 1), "\(file): \(vectors.count) cases")
            })
            tests += vectors.flatMap(make)
        } catch {
            let reason = "\(error)"
            tests.append(TestCase(name: "\(base)/load") { throw TestFailure(reason) })
        }
    }
    return tests
}
