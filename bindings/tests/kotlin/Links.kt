// SCENARIO.md section 9 (issue 17) in Kotlin: public and collect links. link-v1.json checked
// through the bindings (URL and fragment parsing, the record's header, what each record opens
// to, each drop opened, reviewed and accepted, every refusal), then round trips: an album
// link with and without a password, a record swapped between links, a selection link, a
// collect link whose drop a guest seals and the owner opens and accepts, and cannot replay
// into another album. `linkValues` gives Secrets.kt one value of every link type.

import app.keepsake.*
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File

private val linkDir = File(System.getProperty("keepsake.vectors") ?: "tests/vectors")
private const val ORIGIN = "https://keepsake.example"
private const val IDENTITY_LEN = 1248
private val floor17 by lazy { kdfProfile(KdfProfile.FLOOR) }

private fun JsonObject.hx(key: String): ByteArray = unhex(get(key).asString)
private fun JsonObject.str(key: String): String? = if (has(key)) get(key).asString else null
private fun JsonObject.u(key: String): ULong = get(key).asLong.toULong()
private fun JsonObject.list(key: String): List<JsonObject> =
    if (has(key)) getAsJsonArray(key).map { it.asJsonObject } else emptyList()
private fun b64(text: String): ByteArray = java.util.Base64.getUrlDecoder().decode(text)
private fun ByteArray.slice(from: Int, to: Int = size): ByteArray = copyOfRange(from, to)

private fun opensWith(album: AlbumKey, albumId: ByteArray, epoch: ULong, key: ByteArray, what: String) {
    assertBytes(albumId, album.albumId(), "$what: album id")
    assertEquals(epoch, album.epoch(), "$what: epoch")
    val reference = AlbumKey.fromSecretBytes(albumId, epoch, key)
    assertBytes("n".toByteArray(), album.openBlob(AlbumBlob.NAME, reference.sealBlob(AlbumBlob.NAME, "n".toByteArray())), "$what: opens")
    assertBytes("m".toByteArray(), reference.openBlob(AlbumBlob.METADATA, album.sealBlob(AlbumBlob.METADATA, "m".toByteArray())), "$what: seals")
}

private fun checkLinkVector(v: JsonObject) {
    val what = v.get("comment").asString
    val linkId = v.hx("link_id")
    val record = v.hx("record")
    val payload = v.hx("payload")
    val albumId = v.hx("album_id")
    val epoch = v.u("epoch")
    val history = v.hx("history")
    val password = v.str("password")
    val url = v.get("url").asString
    val fragment = v.get("fragment").asString
    assertEquals("$ORIGIN/l/${v.get("link_id").asString}#$fragment", url, "$what: url")
    assertBytes(byteArrayOf(1, if (password != null) 1 else 0) + v.hx("secret"), b64(fragment), "$what: fragment")
    for (address in listOf(parseLinkUrl(url), parseLinkFragment(linkId, fragment))) {
        assertBytes(linkId, address.linkId(), "$what: address id")
        assertEquals(password != null, address.needsPassword(), "$what: password flag")
    }
    val header = v.hx("header")
    assertBytes(header, record.slice(0, header.size), "$what: header")
    assertBytes(v.hx("nonce"), record.slice(header.size, header.size + 24), "$what: nonce")
    assertEquals(header.size + 24 + payload.size + 16, record.size, "$what: record length")
    val info = inspectLinkRecord(record)
    val kind = mapOf("album" to LinkKind.ALBUM, "selection" to LinkKind.SELECTION, "collect" to LinkKind.COLLECT)
    assertEquals(kind[v.get("kind").asString], info.kind, "$what: kind")
    assertBytes(linkId, info.linkId, "$what: record id")
    val kdf = if (v.has("kdf")) v.getAsJsonArray("kdf").map { it.asInt.toUInt() } else null
    assertEquals(kdf?.let { KdfParams(it[0], it[1], it[2]) }, info.password, "$what: password params")
    when (val opened = openLink(parseLinkUrl(url), record, password)) {
        is OpenedLink.Album -> {
            assertEquals("album", v.get("kind").asString, "$what: opened kind")
            assertBytes(v.hx("album_key"), payload.slice(24, 56), "$what: payload key")
            opensWith(opened.album, albumId, epoch, v.hx("album_key"), what)
            assertBytes(history, opened.historyEntry, "$what: history")
            assertBytes(payload.slice(88), opened.owner, "$what: owner")
            assertEquals(IDENTITY_LEN, opened.owner.size, "$what: owner length")
        }
        is OpenedLink.Selection -> {
            assertEquals("selection", v.get("kind").asString, "$what: opened kind")
            val owner = payload.slice(56, 56 + IDENTITY_LEN)
            assertBytes(owner, opened.owner, "$what: owner")
            assertBytes(owner, opened.selection.sender(), "$what: sender")
            assertBytes(history, opened.historyEntry, "$what: history")
            val sel = opened.selection.info()
            assertBytes(albumId, sel.albumId, "$what: album")
            assertBytes(linkId, sel.selectionId, "$what: selection id")
            assertEquals(v.u("expires_at"), sel.expiresAt, "$what: expires")
            assertEquals(v.u("item_count"), sel.itemCount, "$what: items")
            assertBytes(ByteArray(32), sel.recipientIdentityDigest, "$what: no recipient")
            assertBytes(identityDigest(owner), sel.senderIdentityDigest, "$what: sender digest")
            val items = opened.selection.items()
            assertEquals(1, items.size, "$what: one item")
            assertBytes(v.hx("body").slice(0, 16), items[0].mediaId, "$what: media id")
            assertEquals(listOf(PartKind.THUMBNAIL), items[0].parts, "$what: parts")
            expect(items[0].signed) { "$what: signed" }
        }
        is OpenedLink.Collect -> {
            assertEquals("collect", v.get("kind").asString, "$what: opened kind")
            val link = opened.link
            assertBytes(linkId, link.linkId(), "$what: id")
            assertBytes(albumId, link.albumId(), "$what: album")
            assertEquals(epoch, link.epoch(), "$what: epoch")
            assertBytes(history, link.historyEntry(), "$what: history")
            assertBytes(payload.slice(56, 56 + IDENTITY_LEN), link.owner(), "$what: owner")
            assertBytes(payload.slice(56 + IDENTITY_LEN), link.dropKey(), "$what: drop key")
            checkDrops(v)
        }
    }
    for (r in v.list("refusals")) {
        val rwhat = "$what / ${r.get("comment").asString}"
        if (r.get("target").asString == "record") {
            assertRaisesNamed(r.get("error").asString, rwhat) {
                openLink(parseLinkFragment(linkId, r.str("fragment") ?: fragment), r.hx("bytes"), r.str("password"))
            }
        } else {
            // The vector's key bytes under the refusal's album and epoch: those are checked
            // before any key is used; another album's key fails as HPKE does.
            val album = AlbumKey.fromSecretBytes(r.hx("album_id"), r.u("epoch"), v.hx("album_key"))
            assertRaisesNamed(r.get("error").asString, rwhat) { openDrop(album, r.hx("bytes")) }
        }
    }
}

private fun checkDrops(v: JsonObject) {
    val album = AlbumKey.fromSecretBytes(v.hx("album_id"), v.u("epoch"), v.hx("album_key"))
    val owner = createAccount("owner", floor17).keyring
    val fingerprints = mutableSetOf<String>()
    for (d in v.list("drops")) {
        val what = "drop of ${d.get("display_name").asString}"
        val mediaId = d.hx("media_id")
        val thumbnail = d.hx("thumbnail")
        val plaintext = d.hx("thumbnail_plaintext")
        val drop = d.hx("drop")
        assertBytes(d.hx("header"), drop.slice(0, d.hx("header").size), "$what: header")
        val opened = openDrop(album, drop)
        assertBytes(v.hx("link_id"), opened.linkId(), "$what: link id")
        assertBytes(mediaId, opened.mediaId(), "$what: media id")
        assertBytes(v.hx("album_id"), opened.albumId(), "$what: album")
        assertEquals(v.u("epoch"), opened.epoch(), "$what: epoch")
        assertEquals(d.get("display_name").asString, opened.displayName(), "$what: name")
        assertEquals(d.get("fingerprint").asString, opened.uploaderFingerprint(), "$what: fingerprint")
        assertEquals(d.get("fingerprint").asString, fingerprint(opened.uploader()), "$what: uploader")
        assertBytes(parseItemRecord(d.hx("record")).metadata, opened.metadata(), "$what: metadata")
        val root = opened.verifyPart(MediaKind.THUMBNAIL, thumbnail).root
        expect(opened.parts().any { it.kind == PartKind.THUMBNAIL && it.root.contentEquals(root) }) { "$what: part listed" }
        assertBytes(plaintext, opened.openPart(MediaKind.THUMBNAIL, thumbnail), "$what: part opens")
        assertBytes(d.hx("media_key"), d.hx("plaintext").slice(0, 32), "$what: plaintext starts with the key")
        assertBytes(plaintext, MediaKey.fromSecretBytes(d.hx("media_key")).open(mediaId, MediaKind.THUMBNAIL, thumbnail), "$what: media key")
        val accepted = owner.acceptDrop(album, opened, v.hx("history"))
        assertBytes(mediaId, accepted.mediaId, "$what: accepted id")
        val key = album.unwrapMediaKey(mediaId, accepted.wrappedMediaKey)
        assertBytes(plaintext, key.open(mediaId, MediaKind.THUMBNAIL, thumbnail), "$what: accepted key")
        val signed = key.openBlob(mediaId, MediaBlob.METADATA, accepted.metadataEnvelope)
        expect(parseItemRecord(signed).manifest != null) { "$what: the owner signed" }
        fingerprints += opened.uploaderFingerprint()
    }
    assertEquals(v.list("drops").size, fingerprints.size, "each drop has its own throwaway key")
}

/** Alice, an album at her current epoch, its history, and an item sealed under it. */
private class LinkOwner {
    val keyring = createAccount("alice", floor17).keyring
    val identity = keyring.identityPublicKey()
    val albumId = newAlbumId()
    val album = keyring.albumKey(albumId, keyring.currentEpoch())
    val history = verifyHistory(listOf(keyring.createAlbumHistory(albumId)), albumId, identity, null)
    val head = history.headHash()
    val mediaId = newMediaId()
    val media = MediaKey.generate()
    val wrapped = album.wrapMediaKey(mediaId, media)
    val photo = ByteArray(70_000) { (it * 31 % 251).toByte() }
    val sealed = media.seal(mediaId, MediaKind.ORIGINAL, photo)

    fun opensItem(key: AlbumKey): Boolean =
        key.unwrapMediaKey(mediaId, wrapped).open(mediaId, MediaKind.ORIGINAL, sealed).contentEquals(photo)
}

private fun guestDrop(link: CollectLink, name: String): Triple<ByteArray, ByteArray, ByteArray> {
    val mediaId = newMediaId()
    val media = MediaKey.generate()
    val part = media.sealPart(mediaId, MediaKind.THUMBNAIL, "grandma's photo".toByteArray())
    val drop = link.sealDrop(mediaId, media, name, listOf(part.entry), "{\"caption\": \"at the lake\"}".toByteArray())
    return Triple(mediaId, part.sealed, drop)
}

private fun collectOf(opened: OpenedLink): CollectLink =
    (opened as? OpenedLink.Collect)?.link ?: fail("expected a collect link, got $opened")

private fun albumOf(opened: OpenedLink): AlbumKey =
    (opened as? OpenedLink.Album)?.album ?: fail("expected an album link, got $opened")

/** One value of every link type, and the secrets they add (Secrets.kt checks them all). */
fun linkValues(keyring: Keyring, album: AlbumKey, media: MediaKey, historyEntry: ByteArray): Pair<Map<String, Any>, List<Any>> {
    val passwordText = "a link password nobody should see"
    val password = LinkPassword(passwordText, floor17)
    val identity = keyring.identityPublicKey()
    val albumLink = createAlbumLink(album, historyEntry, identity, password)
    val collect = createCollectLink(album, historyEntry, identity)
    val guest = collectOf(openLink(collect.address(), collect.record()))
    val mediaId = newMediaId()
    val part = media.sealPart(mediaId, MediaKind.THUMBNAIL, "a guest's photo".toByteArray())
    val openedDrop = openDrop(album, guest.sealDrop(mediaId, media, "Guest", listOf(part.entry), ByteArray(0)))
    val opened = openLink(albumLink.address(), albumLink.record(), passwordText)
    val byClass = mapOf(
        "LinkPassword" to password,
        "NewLink" to albumLink,
        "LinkText" to albumLink.url(ORIGIN),
        "LinkAddress" to albumLink.address(),
        "LinkRecordInfo" to inspectLinkRecord(albumLink.record()),
        "OpenedLink" to opened,
        "OpenedLink.album" to albumOf(opened),
        "CollectLink" to guest,
        "OpenedDrop" to openedDrop,
        "AcceptedDrop" to keyring.acceptDrop(album, openedDrop, historyEntry),
    )
    val secrets = mutableListOf<Any>(passwordText)
    for (link in listOf(albumLink, collect)) {
        val fragment = link.fragment().reveal()
        secrets.addAll(listOf(fragment, link.url(ORIGIN).reveal(), b64(fragment).slice(2)))
    }
    return byClass to secrets
}

fun linkTests(suite: Suite) {
    suite.test("link-v1.json: every link, drop and refusal") {
        val vectors = JsonParser.parseString(File(linkDir, "link-v1.json").readText()).asJsonObject
            .getAsJsonArray("vectors").map { it.asJsonObject }
        assertEquals(4, vectors.size, "vectors")
        assertEquals(21, vectors.sumOf { it.list("refusals").size }, "refusals")
        assertEquals(2, vectors.sumOf { it.list("drops").size }, "drops")
        vectors.forEach(::checkLinkVector)
    }

    val alice by lazy { LinkOwner() }

    suite.test("links: an album link round trip without a password") {
        val link = createAlbumLink(alice.album, alice.head, alice.identity)
        expect(!link.needsPassword()) { "no password" }
        val url = link.url("$ORIGIN/").reveal()
        assertEquals("$ORIGIN/l/${hex(link.linkId())}#${link.fragment().reveal()}", url, "url")
        assertEquals(46, link.fragment().reveal().length, "fragment length")
        val address = parseLinkUrl(url)
        assertBytes(link.linkId(), address.linkId(), "id")
        val opened = openLink(address, link.record()) as OpenedLink.Album
        assertBytes(alice.identity, opened.owner, "owner")
        assertBytes(alice.head, opened.historyEntry, "history")
        expect(alice.opensItem(opened.album)) { "the link's key opens the item" }
        expect(openLink(address, link.record(), "ignored") is OpenedLink.Album) { "a needless password is ignored" }
        assertEquals(null, inspectLinkRecord(link.record()).password, "no parameters")
    }

    suite.test("links: an album link round trip with a password; a wrong one is DecryptionFailed") {
        val password = LinkPassword("café au lait", floor17)
        assertEquals(floor17, password.params(), "params")
        val link = createAlbumLink(alice.album, alice.head, alice.identity, password)
        expect(link.needsPassword()) { "needs a password" }
        val address = parseLinkUrl(link.url(ORIGIN).reveal())
        expect(address.needsPassword()) { "the URL says so" }
        assertEquals(floor17, inspectLinkRecord(link.record()).password, "record params")
        assertRaises<KeepsakeException.LinkPasswordRequired>("no password") { openLink(address, link.record()) }
        assertRaises<KeepsakeException.DecryptionFailed>("wrong password") { openLink(address, link.record(), "cafe au lait") }
        for (spelling in listOf("caf\u00e9 au lait", "cafe\u0301 au lait")) {
            expect(alice.opensItem(albumOf(openLink(address, link.record(), spelling)))) { "opens with $spelling" }
        }
        val other = createAlbumLink(alice.album, alice.head, alice.identity, password)
        val forged = parseLinkFragment(link.linkId(), other.fragment().reveal())
        assertRaises<KeepsakeException.DecryptionFailed>("another link's fragment") { openLink(forged, link.record(), "café au lait") }
        assertRaises<KeepsakeException.KdfParamsTooWeak>("weak") { LinkPassword("pw", KdfParams(8u, 1u, 1u)) }
    }

    suite.test("links: a record swapped between links is refused") {
        val first = createAlbumLink(alice.album, alice.head, alice.identity)
        val second = createAlbumLink(alice.album, alice.head, alice.identity)
        assertRaises<KeepsakeException.LinkWrongId>("swapped") { openLink(first.address(), second.record()) }
        val rewritten = second.record()
        first.linkId().copyInto(rewritten, 3)
        assertRaises<KeepsakeException.DecryptionFailed>("id rewritten") { openLink(first.address(), rewritten) }
        val altered = first.record()
        altered[altered.size - 1] = (altered[altered.size - 1].toInt() xor 1).toByte()
        assertRaises<KeepsakeException.DecryptionFailed>("altered") { openLink(first.address(), altered) }
        assertRaises<KeepsakeException.MalformedLink>("short fragment") { parseLinkUrl("$ORIGIN/l/${hex(first.linkId())}#short") }
        assertRaises<KeepsakeException.MalformedLink>("cut record") { inspectLinkRecord(first.record().copyOf(40)) }
    }

    suite.test("links: a selection link opens exactly its parts") {
        val part = alice.media.sealPart(alice.mediaId, MediaKind.THUMBNAIL, "a small thumbnail".toByteArray())
        val item = SelectedItem(alice.mediaId, alice.album.epoch(), alice.media, listOf(SelectedPart.Stream(part.sealed.copyOf(88))), null)
        val link = createSelectionLink(alice.albumId, alice.head, 2_000_000_000uL, alice.identity, listOf(item))
        assertEquals(LinkKind.SELECTION, inspectLinkRecord(link.record()).kind, "kind")
        val selection = (openLink(parseLinkUrl(link.url(ORIGIN).reveal()), link.record()) as OpenedLink.Selection).selection
        assertBytes(link.linkId(), selection.info().selectionId, "selection id")
        assertBytes("a small thumbnail".toByteArray(), selection.openPart(alice.mediaId, MediaKind.THUMBNAIL, part.sealed), "part")
        assertRaises<KeepsakeException.NotInSelection>("not granted") { selection.openPart(alice.mediaId, MediaKind.ORIGINAL, alice.sealed) }
    }

    suite.test("links: a guest's drop is opened and accepted by the owner") {
        val link = createCollectLink(alice.album, alice.head, alice.identity)
        assertEquals(LinkKind.COLLECT, inspectLinkRecord(link.record()).kind, "kind")
        val guest = collectOf(openLink(parseLinkUrl(link.url(ORIGIN).reveal()), link.record()))
        assertBytes(alice.albumId, guest.albumId(), "album")
        assertBytes(alice.identity, guest.owner(), "owner")
        val (mediaId, sealed, drop) = guestDrop(guest, "Grandma Rose")
        val got = openDrop(alice.album, drop)
        assertEquals("Grandma Rose", got.displayName(), "name")
        assertBytes(mediaId, got.mediaId(), "media id")
        assertBytes("{\"caption\": \"at the lake\"}".toByteArray(), got.metadata(), "metadata")
        expect(!got.uploader().contentEquals(alice.identity)) { "a throwaway uploader" }
        assertBytes("grandma's photo".toByteArray(), got.openPart(MediaKind.THUMBNAIL, sealed), "review")
        assertRaises<KeepsakeException.ProvenanceMismatch>("another part") {
            got.verifyPart(MediaKind.THUMBNAIL, alice.media.seal(mediaId, MediaKind.THUMBNAIL, byteArrayOf(1)))
        }
        val accepted = alice.keyring.acceptDrop(alice.album, got, alice.head)
        val key = alice.album.unwrapMediaKey(mediaId, accepted.wrappedMediaKey)
        assertBytes("grandma's photo".toByteArray(), key.open(mediaId, MediaKind.THUMBNAIL, sealed), "accepted")
        val record = key.openBlob(mediaId, MediaBlob.METADATA, accepted.metadataEnvelope)
        assertBytes(alice.identity, verifyItem(record, mediaId, accepted.epoch, alice.history).uploader(), "signed by the owner")
        assertRaises<KeepsakeException.MalformedDrop>("empty name") { guest.sealDrop(mediaId, MediaKey.generate(), "", emptyList(), ByteArray(0)) }
    }

    suite.test("links: a drop replayed into another album is refused") {
        val link = createCollectLink(alice.album, alice.head, alice.identity)
        val (_, _, drop) = guestDrop(collectOf(openLink(link.address(), link.record())), "Cousin Ann")
        val otherAlbum = alice.keyring.albumKey(newAlbumId(), alice.album.epoch())
        assertRaises<KeepsakeException.DropWrongAlbum>("other album") { openDrop(otherAlbum, drop) }
        val later = alice.keyring.albumKey(alice.albumId, alice.album.epoch() + 1uL)
        assertRaises<KeepsakeException.DropWrongAlbum>("later epoch") { openDrop(later, drop) }
        val got = openDrop(alice.album, drop)
        assertRaises<KeepsakeException.DropWrongAlbum>("accepted elsewhere") { alice.keyring.acceptDrop(otherAlbum, got, alice.head) }
        val forged = drop.copyOf()
        forged[forged.size - 1] = (forged[forged.size - 1].toInt() xor 1).toByte()
        assertRaises<KeepsakeException.DropBadSignature>("signature") { openDrop(alice.album, forged) }
    }

    suite.test("links: string forms say what they are and the secrets checked are real") {
        val keyring = createAccount("links", floor17).keyring
        val albumId = newAlbumId()
        val album = AlbumKey.fromSecretBytes(albumId, 0uL, ByteArray(32) { (40 + it).toByte() })
        val (byClass, secrets) = linkValues(keyring, album, MediaKey.generate(), historyEntryHash(keyring.createAlbumHistory(albumId)))
        val text = byClass.getValue("LinkText") as LinkText
        assertEquals("LinkText(url, redacted)", text.toString(), "LinkText")
        expect(text.reveal() in secrets) { "the url is a secret checked for" }
        expect(runCatching { assertNoSecret(text.reveal(), secrets, "revealed") }.isFailure) { "the check catches the url" }
        val secret = b64(text.reveal().substringAfter('#')).slice(2)
        expect(runCatching { assertNoSecret(hex(secret), secrets, "hex") }.isFailure) { "the check catches the secret" }
        expect("password redacted" in byClass.getValue("LinkPassword").toString()) { "LinkPassword" }
        expect("secret redacted" in byClass.getValue("NewLink").toString()) { "NewLink" }
        expect("media key redacted" in byClass.getValue("OpenedDrop").toString()) { "OpenedDrop" }
        for ((name, value) in byClass) assertNoSecret(value, secrets, name)
        val link = byClass.getValue("NewLink") as NewLink
        val wrong = assertRaises<KeepsakeException.DecryptionFailed>("wrong") { openLink(link.address(), link.record(), "not it") }
        assertNoSecret(wrong, secrets, "error")
        assertNoSecret(wrong.message ?: "", secrets, "message")
    }
}
