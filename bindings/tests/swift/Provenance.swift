// SCENARIO.md section 8 (issue 16) in Swift: album history, signed provenance and selection
// grants. The vector files history-v1.json, provenance-v1.json and selection-v1.json checked
// through the bindings, then the print order (ten signed items, three originals granted to a
// print service that verifies the uploader against the history and opens exactly those) and
// the history scenario (Bob added then removed: a manifest he signs afterwards is refused).

import Foundation
import Keepsake

private func kind16(_ v: Vector, _ key: String = "kind") throws -> MediaKind {
    switch try v.string(key) {
    case "original": return .original
    case "thumbnail": return .thumbnail
    case "preview": return .preview
    case "sidecar": return .sidecar
    case let other: throw TestFailure("unknown kind `\(other)`")
    }
}

/// The grant a selection-v1.json refusal offers: `bytes` written at `offset`, then cut to `truncate`.
private func edited(_ grant: Data, _ r: Vector) throws -> Data {
    var out = grant
    if r.has("offset") {
        let at = Int(try r.u64("offset"))
        let patch = try r.bytes("bytes")
        out.replaceSubrange(at..<(at + patch.count), with: patch)
    }
    if r.has("truncate") { out = out.prefix(Int(try r.u64("truncate"))) }
    return out
}

private struct PrintItem {
    let mediaId: Data
    let key: MediaKey
    let photo: Data
    let original: SealedPart
    let thumbnail: SealedPart
    let record: Data
    let envelope: Data
}

/// Alice's album with its history and ten items she sealed and signed; the print shop and
/// the order granting it the originals of the first three.
private final class PrintOrder {
    let alice: Keyring
    let shop: Keyring
    let albumId: Data
    let entries: [Data]
    let history: VerifiedHistory
    let epoch: UInt64
    let items: [PrintItem]
    /// The originals of items 0, 1 and 2, as a grant selects them.
    let firstOriginals: [SelectedItem]
    let order: Data

    init() throws {
        let floor = kdfProfile(profile: .floor)
        let alice = try createAccount(passphrase: "Alice's passphrase", params: floor).keyring
        let shop = try createAccount(passphrase: "the print shop's passphrase", params: floor).keyring
        let albumId = try newAlbumId()
        let entries = [try alice.createAlbumHistory(albumId: albumId)]
        let history = try verifyHistory(entries: entries, albumId: albumId, owner: alice.identityPublicKey())
        let epoch = history.currentEpoch()
        var items: [PrintItem] = []
        for i in 0..<10 {
            let mediaId = try newMediaId()
            let key = try MediaKey.generate()
            let photo = Data(repeating: UInt8(i), count: 70_000 + i)
            let original = try key.sealPart(mediaId: mediaId, kind: .original, plaintext: photo)
            let thumbnail = try key.sealPart(mediaId: mediaId, kind: .thumbnail,
                                             plaintext: Data(repeating: UInt8(i + 100), count: 2_000))
            let record = try alice.signItem(mediaId: mediaId, albumId: albumId, epoch: epoch,
                                            historyEntry: history.headHash(), parts: [original.entry, thumbnail.entry],
                                            metadata: Data("{\"name\": \"IMG_\(i).jpg\"}".utf8))
            items.append(PrintItem(mediaId: mediaId, key: key, photo: photo, original: original, thumbnail: thumbnail,
                                   record: record,
                                   envelope: try key.sealBlob(mediaId: mediaId, what: .metadata, plaintext: record)))
        }
        let selected = try items.prefix(3).map {
            SelectedItem(mediaId: $0.mediaId, epoch: epoch, mediaKey: $0.key,
                         parts: [.stream(sealedPrefix: $0.original.sealed.prefix(88))],
                         manifest: try parseItemRecord(record: $0.record).manifest)
        }
        order = try alice.grantSelection(recipient: shop.identityPublicKey(), albumId: albumId,
                                         historyEntry: history.headHash(), expiresAt: 1_900_000_000, items: selected)
        firstOriginals = selected
        self.alice = alice
        self.shop = shop
        self.albumId = albumId
        self.entries = entries
        self.history = history
        self.epoch = epoch
        self.items = items
    }
}

func provenanceTests() -> [TestCase] {
    var order: PrintOrder?
    func p() throws -> PrintOrder {
        if let o = order { return o }
        let o = try PrintOrder()
        order = o
        return o
    }
    return [
        TestCase(name: "history-v1.json: every chain verifies to its head or is refused") {
            let cases = try loadVectors("history-v1.json")
            try check(cases.count >= 11, "\(cases.count) cases")
            for v in cases {
                let albumId = try v.bytes("album_id")
                let owner = try v.bytes("trusted_owner")
                let entries = try v.objects("entries")
                let pin: HistoryPin? = try v.has("pin") ? HistoryPin.fromBytes(bytes: v.bytes("pin")) : nil
                for e in entries {
                    try checkEqual(historyEntryHash(entry: try e.bytes("entry")), try e.bytes("hash"), "\(v.name): entry hash")
                }
                let bytes = try entries.map { try $0.bytes("entry") }
                if v.has("error") {
                    try expectError(try v.string("error"), v.name) {
                        try verifyHistory(entries: bytes, albumId: albumId, owner: owner, pin: pin)
                    }
                    continue
                }
                let history = try verifyHistory(entries: bytes, albumId: albumId, owner: owner, pin: pin)
                try checkEqual(history.headHash(), try v.bytes("head"), "\(v.name): head")
                try checkEqual(history.headFingerprint(), try v.string("head_fingerprint"), "\(v.name): head fingerprint")
                for e in entries {
                    let members = Set(try history.membersAt(entryHash: try e.bytes("hash"))
                        .map { try identityDigest(identityPublicKey: $0) })
                    let want = Set(try e.strings("members_after").map { try Data(hex: $0) })
                    try checkEqual(members, want, "\(v.name): members after an entry")
                    try checkEqual(try history.epochAt(entryHash: try e.bytes("hash")), try e.u64("epoch"), "\(v.name): epoch")
                }
            }
        },
        TestCase(name: "provenance-v1.json: hash lists, uploaders, parts and ranges as recorded") {
            let cases = try loadVectors("provenance-v1.json")
            try check(cases.count >= 12, "\(cases.count) cases")
            for v in cases {
                let history = try verifyHistory(entries: try v.strings("history").map { try Data(hex: $0) },
                                                albumId: try v.bytes("album_id"), owner: try v.bytes("history_owner"))
                for part in try v.objects("parts") {
                    let hashes = try partHashes(sealed: try part.bytes("sealed"))
                    try checkEqual(hashes.root, try part.bytes("root"), "\(v.name): root")
                    try checkEqual(hashes.hashList, try part.bytes("hash_list"), "\(v.name): hash list")
                }
                let record = try v.bytes("record"), mediaId = try v.bytes("media_id"), epoch = try v.u64("epoch")
                if v.has("error") {
                    try expectError(try v.string("error"), v.name) {
                        try verifyItem(record: record, mediaId: mediaId, epoch: epoch, history: history)
                    }
                    continue
                }
                let item = try verifyItem(record: record, mediaId: mediaId, epoch: epoch, history: history)
                try checkEqual(try identityDigest(identityPublicKey: item.uploader()), try v.bytes("uploader_digest"), "\(v.name): uploader")
                try checkEqual(item.uploaderFingerprint(), try v.string("fingerprint"), "\(v.name): fingerprint")
                try checkEqual(item.metadata(), try v.bytes("metadata"), "\(v.name): metadata")
                let key = try MediaKey.fromSecretBytes(bytes: try v.bytes("media_key"))
                for c in try v.objects("checks") {
                    let what = "\(v.name): \(try c.string("comment"))"
                    let run: () throws -> Data = {
                        if c.has("offset") {
                            return try item.openRange(mediaKey: key, kind: try kind16(c), sealed: try c.bytes("sealed"),
                                                      offset: try c.u64("offset"), length: try c.u64("len"),
                                                      hashList: try c.bytes("hash_list"))
                        }
                        return try item.openPart(mediaKey: key, kind: try kind16(c), sealed: try c.bytes("sealed"))
                    }
                    if c.has("error") {
                        try expectError(try c.string("error"), what) { try run() }
                    } else {
                        try checkEqual(try run(), try c.bytes("plaintext"), what)
                    }
                }
            }
        },
        TestCase(name: "selection-v1.json: the print order record read with no key; keyless refusals") {
            let cases = try loadVectors("selection-v1.json")
            try check(cases.count >= 2, "\(cases.count) cases")
            for v in cases {
                let grant = try v.bytes("grant")
                let info = try inspectSelection(grant: grant)
                try checkEqual(info.senderFingerprint, try v.string("sender_fingerprint"), "sender fingerprint")
                try checkEqual(info.albumId, try v.bytes("album_id"), "album")
                try checkEqual(info.selectionId, try v.bytes("selection_id"), "selection id")
                try checkEqual(info.historyEntry, try v.bytes("history"), "history entry")
                try checkEqual(info.expiresAt, try v.u64("expires_at"), "expiry")
                try checkEqual(info.itemCount, UInt64(try v.objects("items").count), "item count")
                for r in try v.objects("refusals") {
                    let error = try r.string("error")
                    guard r.has("offset"), ["UnsupportedVersion", "UnsupportedSuite", "TooLarge"].contains(error) else { continue }
                    let at = Int(try r.u64("offset"))
                    var altered = grant
                    let patch = try r.bytes("bytes")
                    altered.replaceSubrange(at..<(at + patch.count), with: patch)
                    try expectError(error, try r.string("comment")) { try inspectSelection(grant: altered) }
                }
            }
        },
        // The grant accepted by its recipient, the bundle-v1.json account (`recipient_bundle`,
        // unlocked by passphrase). The refusals accepted by `other` (a seed-only identity: no
        // bundle holds it, and the bindings never import an identity secret) are the Rust test's.
        TestCase(name: "selection-v1.json: accepted by the bundle account: parts open, the rest refused") {
            let cases = try loadVectors("selection-v1.json")
            try check(cases.count >= 2, "\(cases.count) cases")
            var refused = 0
            for v in cases {
                let keyring = try recipientKeyring(v)
                let grant = try v.bytes("grant")
                let sender = try v.bytes("sender_identity_public")
                let albumId = try v.bytes("album_id")
                let history = try v.bytes("history")
                let selection = try keyring.acceptSelection(grant: grant, sender: sender, expectedAlbum: albumId,
                                                            expectedHistoryEntry: history)
                try checkEqual(selection.sender(), sender, "\(v.name): sender")
                try checkEqual(selection.info().senderFingerprint, try v.string("sender_fingerprint"), "\(v.name): fingerprint")
                let want = try v.objects("items")
                let items = try selection.items()
                try checkEqual(items.map { $0.mediaId }, try want.map { try $0.bytes("media_id") }, "\(v.name): items")
                var opened = 0
                for (item, got) in zip(want, items) {
                    let mediaId = try item.bytes("media_id")
                    try checkEqual(got.epoch, try item.u64("epoch"), "\(v.name): epoch")
                    try checkEqual(got.signed, !(try item.string("manifest")).isEmpty, "\(v.name): signed")
                    let parts = try item.objects("parts")
                    try checkEqual(got.parts.count, parts.count, "\(v.name): part count")
                    for part in parts {
                        let kind = try part.string("kind")
                        let stored = try part.bytes("stored")
                        let plaintext: Data
                        if kind == "metadata" {
                            plaintext = try selection.openMetadata(mediaId: mediaId, envelope: stored)
                        } else {
                            plaintext = try selection.openPart(mediaId: mediaId, kind: try kind16(part), sealed: stored)
                        }
                        let what = "\(v.name): \(try item.string("media_id")) \(kind)"
                        try checkEqual(plaintext, try part.bytes("plaintext"), what)
                        opened += 1
                    }
                    let notKind = try kind16(item, "not_granted_kind")
                    let notGranted = try item.bytes("not_granted")
                    try expectError(KeepsakeError.NotInSelection, "\(v.name): the part not granted") {
                        try selection.openPart(mediaId: mediaId, kind: notKind, sealed: notGranted)
                    }
                }
                try check(opened >= 3, "\(v.name): \(opened) parts opened")
                let refusals = try v.objects("refusals")
                let mine = try refusals.filter { try $0.string("accepted_by") == "recipient" }
                try checkEqual(mine.count, refusals.count - 2, "\(v.name): refusals met by the recipient")
                for r in mine {
                    let bad = try edited(grant, r)
                    let what = "\(v.name): \(try r.string("comment"))"
                    try expectError(try r.string("error"), what) {
                        try keyring.acceptSelection(grant: bad, sender: sender, expectedAlbum: albumId, expectedHistoryEntry: history)
                    }
                    refused += 1
                }
            }
            try check(refused >= 28, "\(refused) refusals checked")
        },
        TestCase(name: "print order: Alice verifies her ten signed items") {
            let o = try p()
            for it in o.items {
                let record = try it.key.openBlob(mediaId: it.mediaId, what: .metadata, envelope: it.envelope)
                let item = try verifyItem(record: record, mediaId: it.mediaId, epoch: o.epoch, history: o.history)
                try checkEqual(item.uploader(), o.alice.identityPublicKey(), "uploader")
                try checkEqual(try item.openPart(mediaKey: it.key, kind: .original, sealed: it.original.sealed), it.photo, "original")
                let range = try item.openRange(mediaKey: it.key, kind: .original, sealed: it.original.sealed,
                                               offset: 65_000, length: 100, hashList: it.original.hashList)
                try checkEqual(range, it.photo.subdata(in: 65_000..<65_100), "range")
            }
        },
        TestCase(name: "print order: the shop accepts, verifies the uploader against the history, opens the three") {
            let o = try p()
            let info = try inspectSelection(grant: o.order)
            try checkEqual(info.itemCount, 3, "item count")
            try checkEqual(info.expiresAt, 1_900_000_000, "expiry")
            try checkEqual(info.senderFingerprint, o.alice.fingerprint(), "sender fingerprint")
            let selection = try o.shop.acceptSelection(grant: o.order, sender: o.alice.identityPublicKey(),
                                                       expectedAlbum: o.albumId, expectedHistoryEntry: o.history.headHash())
            let items = try selection.items()
            try checkEqual(Set(items.map(\.mediaId)), Set(o.items.prefix(3).map(\.mediaId)), "items")
            try check(items.allSatisfy { $0.parts == [.original] && $0.signed }, "originals only, signed")
            let history = try verifyHistory(entries: o.entries, albumId: o.albumId, owner: o.alice.identityPublicKey())
            for it in o.items.prefix(3) {
                try checkEqual(try selection.uploader(mediaId: it.mediaId, history: history), o.alice.identityPublicKey(), "uploader")
                try checkEqual(try selection.openPart(mediaId: it.mediaId, kind: .original, sealed: it.original.sealed), it.photo, "original")
                try checkEqual(try selection.openRange(mediaId: it.mediaId, kind: .original, sealed: it.original.sealed,
                                                       offset: 10, length: 20), it.photo.subdata(in: 10..<30), "range")
                let opener = try selection.opener(mediaId: it.mediaId, kind: .original)
                var opened = Data()
                for piece in it.original.sealed.pieces(of: 5000) { opened += try opener.push(sealed: piece) }
                opened += try opener.finish()
                try checkEqual(opened, it.photo, "streamed")
            }
        },
        TestCase(name: "print order: a fourth item and a thumbnail raise NotInSelection (misuse)") {
            let o = try p()
            let selection = try o.shop.acceptSelection(grant: o.order, sender: o.alice.identityPublicKey())
            let fourth = o.items[3], first = o.items[0]
            do {
                _ = try selection.openPart(mediaId: fourth.mediaId, kind: .original, sealed: fourth.original.sealed)
                throw TestFailure("a fourth item opened")
            } catch let error as KeepsakeError {
                try checkEqual(caseName(error), "NotInSelection", "a fourth item")
                try checkEqual(error.category, .misuse, "category")
            }
            try expectError(KeepsakeError.NotInSelection, "a thumbnail") {
                try selection.openPart(mediaId: first.mediaId, kind: .thumbnail, sealed: first.thumbnail.sealed)
            }
            try expectError(KeepsakeError.NotInSelection, "the metadata") {
                try selection.openMetadata(mediaId: first.mediaId, envelope: first.envelope)
            }
            try expectError(KeepsakeError.SelectionWrongHistory, "another history entry") {
                try o.shop.acceptSelection(grant: o.order, sender: o.alice.identityPublicKey(), expectedHistoryEntry: Data(count: 32))
            }
            try expectError(KeepsakeError.SelectionWrongSender, "another sender") {
                try o.shop.acceptSelection(grant: o.order, sender: o.shop.identityPublicKey())
            }
        },
        TestCase(name: "print order: checked against the album history (after an epoch move), a stranger's refused") {
            let o = try p()
            let owner = o.alice.identityPublicKey()
            let history = try verifyHistory(entries: o.entries, albumId: o.albumId, owner: owner)
            // The order names the head of the chain the shop verified, where Alice is a member.
            try o.shop.acceptSelection(grant: o.order, sender: owner).checkHistory(history: history)
            // Alice re-keys the album (an epoch move with no rotation: the next epoch of the same
            // generation) and orders again naming the new head.
            let moved = try o.alice.appendHistory(history: history, change: .epochMove)
            let newer = try verifyHistory(entries: o.entries + [moved], albumId: o.albumId, owner: owner, pin: history.pin())
            try checkEqual(newer.currentEpoch(), history.currentEpoch() + 1, "the epoch moved to e + 1")
            try checkEqual(try history.extended(entry: moved).headHash(), newer.headHash(), "extended")
            let again = try o.alice.grantSelection(recipient: o.shop.identityPublicKey(), albumId: o.albumId,
                                                   historyEntry: newer.headHash(), expiresAt: 1_900_000_000, items: o.firstOriginals)
            let selection = try o.shop.acceptSelection(grant: again, sender: owner)
            do {
                try selection.checkHistory(history: history)
                throw TestFailure("the new head checked against the older chain")
            } catch let error as KeepsakeError {
                try checkEqual(caseName(error), "HistoryUnknownEntry", "the new head against the older chain")
                try checkEqual(error.category, .authentication, "category")
            }
            try selection.checkHistory(history: newer)
            // A stranger holding the media keys signs a valid order naming the head: not a member.
            let stranger = try createAccount(passphrase: "a stranger's passphrase", params: kdfProfile(profile: .floor)).keyring
            let forged = try stranger.grantSelection(recipient: o.shop.identityPublicKey(), albumId: o.albumId,
                                                     historyEntry: history.headHash(), expiresAt: 1_900_000_000, items: o.firstOriginals)
            try expectError(KeepsakeError.SelectionWrongSender, "a stranger's order") {
                try o.shop.acceptSelection(grant: forged, sender: stranger.identityPublicKey()).checkHistory(history: history)
            }
            let otherId = try newAlbumId()
            let other = try verifyHistory(entries: [try o.alice.createAlbumHistory(albumId: otherId)], albumId: otherId, owner: owner)
            try expectError(KeepsakeError.SelectionWrongAlbum, "another album's history") {
                try o.shop.acceptSelection(grant: o.order, sender: owner).checkHistory(history: other)
            }
        },
        TestCase(name: "history: Bob added then removed; his later manifest is refused") {
            let floor = kdfProfile(profile: .floor)
            let alice = try createAccount(passphrase: "Alice's passphrase", params: floor).keyring
            let bob = try createAccount(passphrase: "Bob's passphrase", params: floor).keyring
            let albumId = try newAlbumId()
            let owner = alice.identityPublicKey()
            var entries = [try alice.createAlbumHistory(albumId: albumId)]
            var history = try verifyHistory(entries: entries, albumId: albumId, owner: owner)
            let album = try alice.albumKey(albumId: albumId, epoch: history.currentEpoch())
            entries.append(try alice.appendHistory(history: history, change: .addMember(identity: bob.identityPublicKey())))
            history = try verifyHistory(entries: entries, albumId: albumId, owner: owner)
            let grant = try alice.grantAlbum(album: album, recipient: bob.identityPublicKey(), historyEntry: history.headHash())
            try checkEqual(try bob.acceptGrantInHistory(grant: grant, history: history).epoch(), album.epoch(), "Bob's key")
            let key = try MediaKey.generate()
            let mediaId = try newMediaId()
            let part = try key.sealPart(mediaId: mediaId, kind: .original, plaintext: Data("Bob's photo".utf8))
            let whileMember = try bob.signItem(mediaId: mediaId, albumId: albumId, epoch: history.currentEpoch(),
                                               historyEntry: history.headHash(), parts: [part.entry], metadata: Data())
            try checkEqual(try verifyItem(record: whileMember, mediaId: mediaId, epoch: history.currentEpoch(), history: history).uploader(),
                           bob.identityPublicKey(), "uploader")
            let removal = try alice.appendHistory(history: history, change: .removeMember(identityDigest: bob.identityDigest()))
            entries.append(removal)
            history = try verifyHistory(entries: entries, albumId: albumId, owner: owner, pin: history.pin())
            let moved = try alice.removeMember(album: album, remaining: [], historyEntry: historyEntryHash(entry: removal))
            try checkEqual(moved.album.epoch(), history.currentEpoch(), "the new epoch")
            let later = try newMediaId()
            let latePart = try key.sealPart(mediaId: later, kind: .original, plaintext: Data("later".utf8))
            let after = try bob.signItem(mediaId: later, albumId: albumId, epoch: history.currentEpoch(),
                                         historyEntry: history.headHash(), parts: [latePart.entry], metadata: Data())
            do {
                _ = try verifyItem(record: after, mediaId: later, epoch: history.currentEpoch(), history: history)
                throw TestFailure("Bob's later manifest verified")
            } catch let error as KeepsakeError {
                try checkEqual(caseName(error), "ProvenanceNotMember", "Bob's later manifest")
                try checkEqual(error.category, .authentication, "category")
            }
            try expectError(KeepsakeError.HistoryRollback, "the chain without the removal") {
                try verifyHistory(entries: Array(entries.prefix(2)), albumId: albumId, owner: owner, pin: history.pin())
            }
            // Removed, Bob may not even sign an entry (an entry is checked against the members first).
            try expectError(KeepsakeError.HistoryNotMember, "Bob, removed, changing the membership") {
                try bob.appendHistory(history: history, change: .addMember(identity: bob.identityPublicKey()))
            }
        },
    ]
}
