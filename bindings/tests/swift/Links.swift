// SCENARIO.md section 9 (issue 17) in Swift: public and collect links. link-v1.json checked
// through the bindings (URL and fragment parsing, the record's header, what each record opens
// to, each drop opened, reviewed and accepted, every refusal), then round trips: an album
// link with and without a password, a record swapped between links, a selection link, a
// collect link whose drop a guest seals and the owner opens and accepts, and cannot replay
// into another album. `linkValues` gives Secrets.swift one value of every link type.

import Foundation
import Keepsake

private let origin = "https://keepsake.example"
private let identityLen = 1248

private func base64url(_ text: String) throws -> Data {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    guard let data = Data(base64Encoded: s) else { throw TestFailure("not base64url: \(text.count) chars") }
    return data
}

private func slice(_ d: Data, _ from: Int, _ to: Int? = nil) -> Data {
    Data(d[(d.startIndex + from)..<(d.startIndex + (to ?? d.count))])
}

private func comment(_ v: Vector) -> String { (v.fields["comment"] as? String) ?? "(no comment)" }
private func optionalString(_ v: Vector, _ key: String) -> String? { v.fields[key] as? String }
private func list(_ v: Vector, _ key: String) throws -> [Vector] { v.has(key) ? try v.objects(key) : [] }

private func flipLast(_ d: Data) -> Data { d.flipping(at: d.count - 1) }

private func opensWith(_ album: AlbumKey, _ albumId: Data, _ epoch: UInt64, _ key: Data, _ what: String) throws {
    try checkEqual(album.albumId(), albumId, "\(what): album id")
    try checkEqual(album.epoch(), epoch, "\(what): epoch")
    let reference = try AlbumKey.fromSecretBytes(albumId: albumId, epoch: epoch, bytes: key)
    try checkEqual(try album.openBlob(what: .name, envelope: try reference.sealBlob(what: .name, plaintext: Data("n".utf8))),
                   Data("n".utf8), "\(what): opens")
    try checkEqual(try reference.openBlob(what: .metadata, envelope: try album.sealBlob(what: .metadata, plaintext: Data("m".utf8))),
                   Data("m".utf8), "\(what): seals")
}

private func checkLinkVector(_ v: Vector) throws {
    let what = comment(v)
    let linkId = try v.bytes("link_id"), record = try v.bytes("record"), payload = try v.bytes("payload")
    let albumId = try v.bytes("album_id"), epoch = try v.u64("epoch"), history = try v.bytes("history")
    let password = optionalString(v, "password")
    let url = try v.string("url"), fragment = try v.string("fragment")
    try checkEqual(url, "\(origin)/l/\(try v.string("link_id"))#\(fragment)", "\(what): url")
    try checkEqual(try base64url(fragment), Data([1, password != nil ? 1 : 0]) + (try v.bytes("secret")), "\(what): fragment")
    for address in [try parseLinkUrl(url: url), try parseLinkFragment(linkId: linkId, fragment: fragment)] {
        try checkEqual(address.linkId(), linkId, "\(what): address id")
        try checkEqual(address.needsPassword(), password != nil, "\(what): password flag")
    }
    let header = try v.bytes("header")
    try checkEqual(slice(record, 0, header.count), header, "\(what): header")
    try checkEqual(slice(record, header.count, header.count + 24), try v.bytes("nonce"), "\(what): nonce")
    try checkEqual(record.count, header.count + 24 + payload.count + 16, "\(what): record length")
    let info = try inspectLinkRecord(record: record)
    let kinds: [String: LinkKind] = ["album": .album, "selection": .selection, "collect": .collect]
    try checkEqual(info.kind, kinds[try v.string("kind")]!, "\(what): kind")
    try checkEqual(info.linkId, linkId, "\(what): record id")
    let kdf = (v.fields["kdf"] as? [NSNumber])?.map { $0.uint32Value }
    try checkEqual(info.password, kdf.map { KdfParams(memoryKib: $0[0], iterations: $0[1], parallelism: $0[2]) },
                   "\(what): password params")
    switch try openLink(address: try parseLinkUrl(url: url), record: record, password: password) {
    case .album(let album, let historyEntry, let owner):
        try checkEqual(try v.string("kind"), "album", "\(what): opened kind")
        try checkEqual(slice(payload, 24, 56), try v.bytes("album_key"), "\(what): payload key")
        try opensWith(album, albumId, epoch, try v.bytes("album_key"), what)
        try checkEqual(historyEntry, history, "\(what): history")
        try checkEqual(owner, slice(payload, 88), "\(what): owner")
        try checkEqual(owner.count, identityLen, "\(what): owner length")
    case .selection(let selection, let historyEntry, let owner):
        try checkEqual(try v.string("kind"), "selection", "\(what): opened kind")
        try checkEqual(owner, slice(payload, 56, 56 + identityLen), "\(what): owner")
        try checkEqual(selection.sender(), owner, "\(what): sender")
        try checkEqual(historyEntry, history, "\(what): history")
        let sel = selection.info()
        try checkEqual(sel.albumId, albumId, "\(what): album")
        try checkEqual(sel.selectionId, linkId, "\(what): selection id")
        try checkEqual(sel.expiresAt, try v.u64("expires_at"), "\(what): expires")
        try checkEqual(sel.itemCount, try v.u64("item_count"), "\(what): items")
        try checkEqual(sel.recipientIdentityDigest, Data(count: 32), "\(what): no recipient")
        try checkEqual(sel.senderIdentityDigest, identityDigest(identityPublicKey: owner), "\(what): sender digest")
        let items = try selection.items()
        try checkEqual(items.count, 1, "\(what): one item")
        try checkEqual(items[0].mediaId, slice(try v.bytes("body"), 0, 16), "\(what): media id")
        try checkEqual(items[0].parts, [.thumbnail], "\(what): parts")
        try check(items[0].signed, "\(what): signed")
    case .collect(let link):
        try checkEqual(try v.string("kind"), "collect", "\(what): opened kind")
        try checkEqual(link.linkId(), linkId, "\(what): id")
        try checkEqual(link.albumId(), albumId, "\(what): album")
        try checkEqual(link.epoch(), epoch, "\(what): epoch")
        try checkEqual(link.historyEntry(), history, "\(what): history")
        try checkEqual(link.owner(), slice(payload, 56, 56 + identityLen), "\(what): owner")
        try checkEqual(link.dropKey(), slice(payload, 56 + identityLen), "\(what): drop key")
        try checkDrops(v)
    }
    for r in try list(v, "refusals") {
        let rwhat = "\(what) / \(comment(r))"
        let bytes = try r.bytes("bytes")
        if try r.string("target") == "record" {
            try expectError(try r.string("error"), rwhat) {
                try openLink(address: try parseLinkFragment(linkId: linkId, fragment: optionalString(r, "fragment") ?? fragment),
                             record: bytes, password: optionalString(r, "password"))
            }
        } else {
            // The vector's key bytes under the refusal's album and epoch: those are checked
            // before any key is used; another album's key fails as HPKE does.
            let album = try AlbumKey.fromSecretBytes(albumId: try r.bytes("album_id"), epoch: try r.u64("epoch"),
                                                     bytes: try v.bytes("album_key"))
            try expectError(try r.string("error"), rwhat) { try openDrop(album: album, drop: bytes) }
        }
    }
}

private func checkDrops(_ v: Vector) throws {
    let album = try AlbumKey.fromSecretBytes(albumId: try v.bytes("album_id"), epoch: try v.u64("epoch"),
                                             bytes: try v.bytes("album_key"))
    let owner = try createAccount(passphrase: "owner", params: kdfProfile(profile: .floor)).keyring
    var fingerprints = Set<String>()
    for d in try list(v, "drops") {
        let what = "drop of \(try d.string("display_name"))"
        let mediaId = try d.bytes("media_id"), thumbnail = try d.bytes("thumbnail")
        let plaintext = try d.bytes("thumbnail_plaintext"), drop = try d.bytes("drop")
        try checkEqual(slice(drop, 0, try d.bytes("header").count), try d.bytes("header"), "\(what): header")
        let opened = try openDrop(album: album, drop: drop)
        try checkEqual(opened.linkId(), try v.bytes("link_id"), "\(what): link id")
        try checkEqual(opened.mediaId(), mediaId, "\(what): media id")
        try checkEqual(opened.albumId(), try v.bytes("album_id"), "\(what): album")
        try checkEqual(opened.epoch(), try v.u64("epoch"), "\(what): epoch")
        try checkEqual(opened.displayName(), try d.string("display_name"), "\(what): name")
        try checkEqual(opened.uploaderFingerprint(), try d.string("fingerprint"), "\(what): fingerprint")
        try checkEqual(try fingerprint(identityPublicKey: opened.uploader()), try d.string("fingerprint"), "\(what): uploader")
        try checkEqual(opened.metadata(), try parseItemRecord(record: try d.bytes("record")).metadata, "\(what): metadata")
        let root = try opened.verifyPart(kind: .thumbnail, sealed: thumbnail).root
        try check(try opened.parts().contains { $0.kind == .thumbnail && $0.root == root }, "\(what): part listed")
        try checkEqual(try opened.openPart(kind: .thumbnail, sealed: thumbnail), plaintext, "\(what): part opens")
        try checkEqual(slice(try d.bytes("plaintext"), 0, 32), try d.bytes("media_key"), "\(what): plaintext starts with the key")
        try checkEqual(try MediaKey.fromSecretBytes(bytes: try d.bytes("media_key")).open(mediaId: mediaId, kind: .thumbnail, sealed: thumbnail),
                       plaintext, "\(what): media key")
        let accepted = try owner.acceptDrop(album: album, drop: opened, historyEntry: try v.bytes("history"))
        try checkEqual(accepted.mediaId, mediaId, "\(what): accepted id")
        let key = try album.unwrapMediaKey(mediaId: mediaId, wrapped: accepted.wrappedMediaKey)
        try checkEqual(try key.open(mediaId: mediaId, kind: .thumbnail, sealed: thumbnail), plaintext, "\(what): accepted key")
        let signed = try key.openBlob(mediaId: mediaId, what: .metadata, envelope: accepted.metadataEnvelope)
        try check(try parseItemRecord(record: signed).manifest != nil, "\(what): the owner signed")
        fingerprints.insert(opened.uploaderFingerprint())
    }
    try checkEqual(fingerprints.count, try list(v, "drops").count, "each drop has its own throwaway key")
}

/// Alice, an album at her current epoch, its history, and an item sealed under it.
private final class LinkOwner {
    let keyring: Keyring
    let identity: Data
    let albumId: Data
    let album: AlbumKey
    let history: VerifiedHistory
    let head: Data
    let mediaId: Data
    let media: MediaKey
    let wrapped: Data
    let photo: Data
    let sealed: Data

    init() throws {
        keyring = try createAccount(passphrase: "alice", params: kdfProfile(profile: .floor)).keyring
        identity = keyring.identityPublicKey()
        albumId = try newAlbumId()
        album = try keyring.albumKey(albumId: albumId, epoch: keyring.currentEpoch())
        history = try verifyHistory(entries: [try keyring.createAlbumHistory(albumId: albumId)], albumId: albumId, owner: identity)
        head = history.headHash()
        mediaId = try newMediaId()
        media = try MediaKey.generate()
        wrapped = try album.wrapMediaKey(mediaId: mediaId, mediaKey: media)
        photo = Data((0..<70_000).map { UInt8($0 * 31 % 251) })
        sealed = try media.seal(mediaId: mediaId, kind: .original, plaintext: photo)
    }

    func opensItem(_ key: AlbumKey) throws -> Bool {
        try key.unwrapMediaKey(mediaId: mediaId, wrapped: wrapped).open(mediaId: mediaId, kind: .original, sealed: sealed) == photo
    }
}

private func guestDrop(_ link: CollectLink, _ name: String) throws -> (Data, Data, Data) {
    let mediaId = try newMediaId()
    let media = try MediaKey.generate()
    let part = try media.sealPart(mediaId: mediaId, kind: .thumbnail, plaintext: Data("grandma's photo".utf8))
    let drop = try link.sealDrop(mediaId: mediaId, mediaKey: media, displayName: name, parts: [part.entry],
                                 metadata: Data("{\"caption\": \"at the lake\"}".utf8))
    return (mediaId, part.sealed, drop)
}

private func collectOf(_ opened: OpenedLink) throws -> CollectLink {
    guard case .collect(let link) = opened else { throw TestFailure("expected a collect link, got \(opened)") }
    return link
}

private func albumOf(_ opened: OpenedLink) throws -> AlbumKey {
    guard case .album(let album, _, _) = opened else { throw TestFailure("expected an album link, got \(opened)") }
    return album
}

/// One value of every link type, and the secrets they add: (name, value) pairs, and the
/// link password, fragments, URLs and link secrets as (text, bytes).
func linkValues(keyring: Keyring, album: AlbumKey, media: MediaKey, historyEntry: Data) throws
    -> (values: [(String, Any)], texts: [String], bytes: [Data]) {
    let passwordText = "a link password nobody should see"
    let password = try LinkPassword(password: passwordText, params: kdfProfile(profile: .floor))
    let identity = keyring.identityPublicKey()
    let albumLink = try createAlbumLink(album: album, historyEntry: historyEntry, owner: identity, password: password)
    let collect = try createCollectLink(album: album, historyEntry: historyEntry, owner: identity)
    let guest = try collectOf(try openLink(address: collect.address(), record: collect.record()))
    let mediaId = try newMediaId()
    let part = try media.sealPart(mediaId: mediaId, kind: .thumbnail, plaintext: Data("a guest's photo".utf8))
    let openedDrop = try openDrop(album: album, drop: try guest.sealDrop(mediaId: mediaId, mediaKey: media, displayName: "Guest",
                                                                       parts: [part.entry], metadata: Data()))
    let opened = try openLink(address: albumLink.address(), record: albumLink.record(), password: passwordText)
    let values: [(String, Any)] = [
        ("LinkPassword", password),
        ("NewLink", albumLink),
        ("LinkText", albumLink.url(origin: origin)),
        ("LinkAddress", albumLink.address()),
        ("LinkRecordInfo", try inspectLinkRecord(record: albumLink.record())),
        ("OpenedLink", opened),
        ("OpenedLink.album", try albumOf(opened)),
        ("CollectLink", guest),
        ("OpenedDrop", openedDrop),
        ("AcceptedDrop", try keyring.acceptDrop(album: album, drop: openedDrop, historyEntry: historyEntry)),
    ]
    var texts = [passwordText]
    var bytes: [Data] = []
    for link in [albumLink, collect] {
        let fragment = link.fragment().reveal()
        texts += [fragment, link.url(origin: origin).reveal()]
        bytes.append(slice(try base64url(fragment), 2))
    }
    return (values, texts, bytes)
}

func linkTests() -> [TestCase] {
    // Built on first use, then shared (tests run in order on one thread).
    var owner: LinkOwner?
    func alice() throws -> LinkOwner {
        if let made = owner { return made }
        let made = try LinkOwner()
        owner = made
        return made
    }
    let floor = kdfProfile(profile: .floor)
    return [
        TestCase(name: "link-v1.json: every link, drop and refusal") {
            let vectors = try loadVectors("link-v1.json")
            try checkEqual(vectors.count, 4, "vectors")
            try checkEqual(try vectors.map { try list($0, "refusals").count }.reduce(0, +), 21, "refusals")
            try checkEqual(try vectors.map { try list($0, "drops").count }.reduce(0, +), 2, "drops")
            for v in vectors { try checkLinkVector(v) }
        },
        TestCase(name: "links: an album link round trip without a password") {
            let a = try alice()
            let link = try createAlbumLink(album: a.album, historyEntry: a.head, owner: a.identity)
            try check(!link.needsPassword(), "no password")
            let url = link.url(origin: origin + "/").reveal()
            try checkEqual(url, "\(origin)/l/\(link.linkId().hex)#\(link.fragment().reveal())", "url")
            try checkEqual(link.fragment().reveal().count, 46, "fragment length")
            let address = try parseLinkUrl(url: url)
            try checkEqual(address.linkId(), link.linkId(), "id")
            guard case .album(let album, let historyEntry, let ownerKey) = try openLink(address: address, record: link.record()) else {
                throw TestFailure("not an album link")
            }
            try checkEqual(ownerKey, a.identity, "owner")
            try checkEqual(historyEntry, a.head, "history")
            try check(try a.opensItem(album), "the link's key opens the item")
            _ = try albumOf(try openLink(address: address, record: link.record(), password: "ignored"))
            try checkEqual(try inspectLinkRecord(record: link.record()).password, nil, "no parameters")
        },
        TestCase(name: "links: an album link round trip with a password; a wrong one is DecryptionFailed") {
            let a = try alice()
            let password = try LinkPassword(password: "café au lait", params: floor)
            try checkEqual(password.params(), floor, "params")
            let link = try createAlbumLink(album: a.album, historyEntry: a.head, owner: a.identity, password: password)
            try check(link.needsPassword(), "needs a password")
            let address = try parseLinkUrl(url: link.url(origin: origin).reveal())
            try check(address.needsPassword(), "the URL says so")
            try checkEqual(try inspectLinkRecord(record: link.record()).password, floor, "record params")
            try expectError(KeepsakeError.LinkPasswordRequired, "no password") { try openLink(address: address, record: link.record()) }
            try expectError(KeepsakeError.DecryptionFailed, "wrong password") {
                try openLink(address: address, record: link.record(), password: "cafe au lait")
            }
            for spelling in ["caf\u{e9} au lait", "cafe\u{301} au lait"] {
                try check(try a.opensItem(try albumOf(try openLink(address: address, record: link.record(), password: spelling))),
                          "opens with \(spelling.unicodeScalars.count) scalars")
            }
            let other = try createAlbumLink(album: a.album, historyEntry: a.head, owner: a.identity, password: password)
            let forged = try parseLinkFragment(linkId: link.linkId(), fragment: other.fragment().reveal())
            try expectError(KeepsakeError.DecryptionFailed, "another link's fragment") {
                try openLink(address: forged, record: link.record(), password: "café au lait")
            }
            try expectError(KeepsakeError.KdfParamsTooWeak, "weak") {
                try LinkPassword(password: "pw", params: KdfParams(memoryKib: 8, iterations: 1, parallelism: 1))
            }
        },
        TestCase(name: "links: a record swapped between links is refused") {
            let a = try alice()
            let first = try createAlbumLink(album: a.album, historyEntry: a.head, owner: a.identity)
            let second = try createAlbumLink(album: a.album, historyEntry: a.head, owner: a.identity)
            try expectError(KeepsakeError.LinkWrongId, "swapped") { try openLink(address: first.address(), record: second.record()) }
            var rewritten = second.record()
            rewritten.replaceSubrange(3..<19, with: first.linkId())
            try expectError(KeepsakeError.DecryptionFailed, "id rewritten") { try openLink(address: first.address(), record: rewritten) }
            try expectError(KeepsakeError.DecryptionFailed, "altered") { try openLink(address: first.address(), record: flipLast(first.record())) }
            try expectError(KeepsakeError.MalformedLink, "short fragment") { try parseLinkUrl(url: "\(origin)/l/\(first.linkId().hex)#short") }
            try expectError(KeepsakeError.MalformedLink, "cut record") { try inspectLinkRecord(record: first.record().prefix(40)) }
        },
        TestCase(name: "links: a selection link opens exactly its parts") {
            let a = try alice()
            let part = try a.media.sealPart(mediaId: a.mediaId, kind: .thumbnail, plaintext: Data("a small thumbnail".utf8))
            let item = SelectedItem(mediaId: a.mediaId, epoch: a.album.epoch(), mediaKey: a.media,
                                    parts: [.stream(sealedPrefix: part.sealed.prefix(88))], manifest: nil)
            let link = try createSelectionLink(albumId: a.albumId, historyEntry: a.head, expiresAt: 2_000_000_000,
                                               owner: a.identity, items: [item])
            try checkEqual(try inspectLinkRecord(record: link.record()).kind, .selection, "kind")
            guard case .selection(let selection, _, _) = try openLink(address: try parseLinkUrl(url: link.url(origin: origin).reveal()),
                                                                      record: link.record()) else {
                throw TestFailure("not a selection link")
            }
            try checkEqual(selection.info().selectionId, link.linkId(), "selection id")
            try checkEqual(try selection.openPart(mediaId: a.mediaId, kind: .thumbnail, sealed: part.sealed),
                           Data("a small thumbnail".utf8), "part")
            try expectError(KeepsakeError.NotInSelection, "not granted") {
                try selection.openPart(mediaId: a.mediaId, kind: .original, sealed: a.sealed)
            }
        },
        TestCase(name: "links: a guest's drop is opened and accepted by the owner") {
            let a = try alice()
            let link = try createCollectLink(album: a.album, historyEntry: a.head, owner: a.identity)
            try checkEqual(try inspectLinkRecord(record: link.record()).kind, .collect, "kind")
            let guest = try collectOf(try openLink(address: try parseLinkUrl(url: link.url(origin: origin).reveal()), record: link.record()))
            try checkEqual(guest.albumId(), a.albumId, "album")
            try checkEqual(guest.owner(), a.identity, "owner")
            let (mediaId, sealed, drop) = try guestDrop(guest, "Grandma Rose")
            let got = try openDrop(album: a.album, drop: drop)
            try checkEqual(got.displayName(), "Grandma Rose", "name")
            try checkEqual(got.mediaId(), mediaId, "media id")
            try checkEqual(got.metadata(), Data("{\"caption\": \"at the lake\"}".utf8), "metadata")
            try check(got.uploader() != a.identity, "a throwaway uploader")
            try checkEqual(try got.openPart(kind: .thumbnail, sealed: sealed), Data("grandma's photo".utf8), "review")
            try expectError(KeepsakeError.ProvenanceMismatch, "another part") {
                try got.verifyPart(kind: .thumbnail, sealed: try a.media.seal(mediaId: mediaId, kind: .thumbnail, plaintext: Data([1])))
            }
            let accepted = try a.keyring.acceptDrop(album: a.album, drop: got, historyEntry: a.head)
            let key = try a.album.unwrapMediaKey(mediaId: mediaId, wrapped: accepted.wrappedMediaKey)
            try checkEqual(try key.open(mediaId: mediaId, kind: .thumbnail, sealed: sealed), Data("grandma's photo".utf8), "accepted")
            let record = try key.openBlob(mediaId: mediaId, what: .metadata, envelope: accepted.metadataEnvelope)
            try checkEqual(try verifyItem(record: record, mediaId: mediaId, epoch: accepted.epoch, history: a.history).uploader(),
                           a.identity, "signed by the owner")
            try expectError(KeepsakeError.MalformedDrop, "empty name") {
                try guest.sealDrop(mediaId: mediaId, mediaKey: try MediaKey.generate(), displayName: "", parts: [], metadata: Data())
            }
        },
        TestCase(name: "links: a drop replayed into another album is refused") {
            let a = try alice()
            let link = try createCollectLink(album: a.album, historyEntry: a.head, owner: a.identity)
            let (_, _, drop) = try guestDrop(try collectOf(try openLink(address: link.address(), record: link.record())), "Cousin Ann")
            let otherAlbum = try a.keyring.albumKey(albumId: try newAlbumId(), epoch: a.album.epoch())
            try expectError(KeepsakeError.DropWrongAlbum, "other album") { try openDrop(album: otherAlbum, drop: drop) }
            let later = try a.keyring.albumKey(albumId: a.albumId, epoch: a.album.epoch() + 1)
            try expectError(KeepsakeError.DropWrongAlbum, "later epoch") { try openDrop(album: later, drop: drop) }
            let got = try openDrop(album: a.album, drop: drop)
            try expectError(KeepsakeError.DropWrongAlbum, "accepted elsewhere") {
                try a.keyring.acceptDrop(album: otherAlbum, drop: got, historyEntry: a.head)
            }
            try expectError(KeepsakeError.DropBadSignature, "signature") { try openDrop(album: a.album, drop: flipLast(drop)) }
        },
        TestCase(name: "links: string forms say what they are") {
            let keyring = try createAccount(passphrase: "links", params: floor).keyring
            let albumId = try newAlbumId()
            let album = try AlbumKey.fromSecretBytes(albumId: albumId, epoch: 0, bytes: Data((0..<32).map { UInt8(40 + $0) }))
            let made = try linkValues(keyring: keyring, album: album, media: try MediaKey.generate(),
                                      historyEntry: historyEntryHash(entry: try keyring.createAlbumHistory(albumId: albumId)))
            let byName = Dictionary(made.values, uniquingKeysWith: { first, _ in first })
            guard let text = byName["LinkText"] as? LinkText else { throw TestFailure("no LinkText") }
            try checkEqual("\(text)", "LinkText(url, redacted)", "LinkText")
            try check(made.texts.contains(text.reveal()), "the url is a secret checked for")
            try check("\(byName["LinkPassword"]!)".contains("password redacted"), "LinkPassword")
            try check("\(byName["NewLink"]!)".contains("secret redacted"), "NewLink")
            try check("\(byName["OpenedDrop"]!)".contains("media key redacted"), "OpenedDrop")
        },
    ]
}
