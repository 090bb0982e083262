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

func bundleTest(_ v: Vector) -> TestCase {
    TestCase(name: "bundle-v1/\(v.name)") {
        let bundle = try v.utf8("bundle")
        let byPassphrase = try unlockWithPassphrase(bundleBytes: bundle, passphrase: v.string("passphrase"))
        let identity = byPassphrase.identityPublicKey()
        try checkEqual(identity.count, 32, "identity public key length")
        let byWords = try unlockWithRecovery(bundleBytes: bundle, recoveryPhrase: RecoveryPhrase.parse(words: v.string("recovery_words")))
        let device = try DeviceKey.fromSecretBytes(secret: v.bytes("device_secret"))
        try checkEqual(try bundleDevices(bundleBytes: bundle), [device.publicKey()], "bundleDevices")
        let byDevice = try unlockWithDevice(bundleBytes: bundle, device: device, pin: byPassphrase.pin())
        for (keyring, how) in [(byWords, "recovery words"), (byDevice, "device")] {
            try checkEqual(keyring.identityPublicKey(), identity, "\(how) unlock: identity public key")
            try checkEqual(keyring.fingerprint(), byPassphrase.fingerprint(), "\(how) unlock: fingerprint")
        }
    }
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

// MARK: - All

/// Vector files not run yet, and why.
/// TODO(issue 14, lead): bundle-v1.json and bundle-v1-failures.json changed shape with the key
/// lifecycle (KEM slots, generation, history, 40-byte account pins) and are being regenerated
/// on main: remove them from this list (and adapt bundleTest / bundleFailureTest) then.
let skippedVectorFiles: [String: String] = [
    "bundle-v1.json": "TODO(issue 14): tests/vectors/bundle-v1.json is being regenerated on main",
    "bundle-v1-failures.json": "TODO(issue 14): tests/vectors/bundle-v1-failures.json is being regenerated on main",
]

func vectorTests() -> [TestCase] {
    let files: [(String, (Vector) -> [TestCase])] = [
        ("stream-v1.json", streamTests),
        ("stream-v1-failures.json", { [streamFailureTest($0)] }),
        ("stream-v1-ranges.json", { [rangeTest($0)] }),
        ("envelope-v1.json", { [envelopeTest($0)] }),
        ("envelope-v1-failures.json", { [envelopeFailureTest($0)] }),
        ("bundle-v1.json", { [bundleTest($0)] }),
        ("bundle-v1-failures.json", { [bundleFailureTest($0)] }),
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
                try check(!vectors.isEmpty, "\(file) has no vectors")
            })
            tests += vectors.flatMap(make)
        } catch {
            let reason = "\(error)"
            tests.append(TestCase(name: "\(base)/load") { throw TestFailure(reason) })
        }
    }
    return tests
}
