// SCENARIO.md section 8 (issue 16) in Kotlin: album history, signed provenance and selection
// grants. The vector files history-v1.json, provenance-v1.json and selection-v1.json checked
// through the bindings, then the print order (ten signed items, three originals granted to a
// print service that verifies the uploader against the history and opens exactly those) and
// the history scenario (Bob added then removed: a manifest he signs afterwards is refused).

import app.keepsake.*
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File

private val dir = File(System.getProperty("keepsake.vectors") ?: "tests/vectors")

private fun cases16(file: String): List<JsonObject> =
    JsonParser.parseString(File(dir, file).readText()).asJsonObject.getAsJsonArray("vectors").map { it.asJsonObject }

private fun JsonObject.hx(key: String): ByteArray = unhex(get(key).asString)
private fun JsonObject.u(key: String): ULong = get(key).asBigInteger.toString().toULong()
private fun JsonObject.list(key: String): List<JsonObject> = getAsJsonArray(key).map { it.asJsonObject }
private fun kindOf(k: String): MediaKind = when (k) {
    "original" -> MediaKind.ORIGINAL
    "thumbnail" -> MediaKind.THUMBNAIL
    "preview" -> MediaKind.PREVIEW
    "sidecar" -> MediaKind.SIDECAR
    else -> fail("unknown kind `$k`")
}
private fun JsonObject.kind16(): MediaKind = kindOf(get("kind").asString)

/** The grant a selection-v1.json refusal offers: `bytes` written at `offset`, then cut to `truncate`. */
private fun edited(grant: ByteArray, r: JsonObject): ByteArray {
    var out = grant.copyOf()
    if (r.has("offset")) r.hx("bytes").copyInto(out, r.get("offset").asInt)
    if (r.has("truncate")) out = out.copyOf(r.get("truncate").asInt)
    return out
}

private val floor16 by lazy { kdfProfile(KdfProfile.FLOOR) }

private class PrintItem(
    val mediaId: ByteArray,
    val key: MediaKey,
    val photo: ByteArray,
    val original: SealedPart,
    val thumbnail: SealedPart,
    val record: ByteArray,
    val envelope: ByteArray,
)

/** Alice's album with its history and ten items she sealed and signed; the print shop. */
private class PrintOrder {
    val alice = createAccount("Alice's passphrase", floor16).keyring
    val shop = createAccount("the print shop's passphrase", floor16).keyring
    val albumId = newAlbumId()
    val entries = listOf(alice.createAlbumHistory(albumId))
    val history = verifyHistory(entries, albumId, alice.identityPublicKey(), null)
    val epoch = history.currentEpoch()
    val items = (0 until 10).map { i ->
        val mediaId = newMediaId()
        val key = MediaKey.generate()
        val photo = ByteArray(70_000 + i) { i.toByte() }
        val original = key.sealPart(mediaId, MediaKind.ORIGINAL, photo)
        val thumbnail = key.sealPart(mediaId, MediaKind.THUMBNAIL, ByteArray(2_000) { (i + 100).toByte() })
        val record = alice.signItem(
            mediaId, albumId, epoch, history.headHash(), listOf(original.entry, thumbnail.entry),
            "{\"name\": \"IMG_$i.jpg\"}".toByteArray(),
        )
        PrintItem(mediaId, key, photo, original, thumbnail, record, key.sealBlob(mediaId, MediaBlob.METADATA, record))
    }
    /** The originals of items 0, 1 and 2, as a grant selects them. */
    fun firstOriginals(): List<SelectedItem> = items.take(3).map {
        SelectedItem(
            it.mediaId, epoch, it.key, listOf(SelectedPart.Stream(it.original.sealed.copyOf(88))),
            parseItemRecord(it.record).manifest,
        )
    }
    val order: ByteArray = alice.grantSelection(
        shop.identityPublicKey(), albumId, history.headHash(), 1_900_000_000uL, firstOriginals(),
    )
}

fun provenanceTests(suite: Suite) {
    suite.test("history-v1.json: every chain verifies to its head or is refused") {
        val cases = cases16("history-v1.json")
        expect(cases.size >= 11) { "${cases.size} cases" }
        for (v in cases) {
            val name = v.get("name").asString
            val albumId = v.hx("album_id")
            val owner = v.hx("trusted_owner")
            val entries = v.list("entries")
            val pin = if (v.has("pin")) HistoryPin.fromBytes(v.hx("pin")) else null
            for (e in entries) assertBytes(e.hx("hash"), historyEntryHash(e.hx("entry")), "$name: entry hash")
            val bytes = entries.map { it.hx("entry") }
            if (v.has("error")) {
                assertRaisesNamed(v.get("error").asString, name) { verifyHistory(bytes, albumId, owner, pin) }
                continue
            }
            val history = verifyHistory(bytes, albumId, owner, pin)
            assertBytes(v.hx("head"), history.headHash(), "$name: head")
            assertEquals(v.get("head_fingerprint").asString, history.headFingerprint(), "$name: head fingerprint")
            for (e in entries) {
                val members = history.membersAt(e.hx("hash")).map { hex(identityDigest(it)) }.toSet()
                val want = e.getAsJsonArray("members_after").map { it.asString }.toSet()
                assertEquals(want, members, "$name: members after entry ${e.get("seq")}")
                assertEquals(e.u("epoch"), history.epochAt(e.hx("hash")), "$name: epoch at entry ${e.get("seq")}")
            }
        }
    }

    suite.test("provenance-v1.json: hash lists, uploaders, parts and ranges as recorded") {
        val cases = cases16("provenance-v1.json")
        expect(cases.size >= 12) { "${cases.size} cases" }
        for (v in cases) {
            val name = v.get("name").asString
            val history = verifyHistory(
                v.getAsJsonArray("history").map { unhex(it.asString) }, v.hx("album_id"), v.hx("history_owner"), null,
            )
            for (p in v.list("parts")) {
                val hashes = partHashes(p.hx("sealed"))
                assertBytes(p.hx("root"), hashes.root, "$name: root")
                assertBytes(p.hx("hash_list"), hashes.hashList, "$name: hash list")
            }
            if (v.has("error")) {
                assertRaisesNamed(v.get("error").asString, name) {
                    verifyItem(v.hx("record"), v.hx("media_id"), v.u("epoch"), history)
                }
                continue
            }
            val item = verifyItem(v.hx("record"), v.hx("media_id"), v.u("epoch"), history)
            assertBytes(v.hx("uploader_digest"), identityDigest(item.uploader()), "$name: uploader")
            assertEquals(v.get("fingerprint").asString, item.uploaderFingerprint(), "$name: fingerprint")
            assertBytes(v.hx("metadata"), item.metadata(), "$name: metadata")
            val key = MediaKey.fromSecretBytes(v.hx("media_key"))
            for (c in v.list("checks")) {
                val what = "$name: ${c.get("comment").asString}"
                val run = {
                    if (c.has("offset")) {
                        item.openRange(key, c.kind16(), c.hx("sealed"), c.u("offset"), c.u("len"), c.hx("hash_list"))
                    } else {
                        item.openPart(key, c.kind16(), c.hx("sealed"))
                    }
                }
                if (c.has("error")) assertRaisesNamed(c.get("error").asString, what) { run() }
                else assertBytes(c.hx("plaintext"), run(), what)
            }
        }
    }

    suite.test("selection-v1.json: the print order record read with no key; keyless refusals") {
        val cases = cases16("selection-v1.json")
        expect(cases.size >= 2) { "${cases.size} cases" }
        for (v in cases) {
            val grant = v.hx("grant")
            val info = inspectSelection(grant)
            assertEquals(v.get("sender_fingerprint").asString, info.senderFingerprint, "sender fingerprint")
            assertBytes(v.hx("album_id"), info.albumId, "album")
            assertBytes(v.hx("selection_id"), info.selectionId, "selection id")
            assertBytes(v.hx("history"), info.historyEntry, "history entry")
            assertEquals(v.u("expires_at"), info.expiresAt, "expiry")
            assertEquals(v.getAsJsonArray("items").size().toULong(), info.itemCount, "item count")
            for (r in v.list("refusals")) {
                val error = r.get("error").asString
                if (!r.has("offset") || error !in setOf("UnsupportedVersion", "UnsupportedSuite", "TooLarge")) continue
                val at = r.get("offset").asInt
                val patch = r.hx("bytes")
                val altered = grant.copyOf().also { patch.copyInto(it, at) }
                assertRaisesNamed(error, r.get("comment").asString) { inspectSelection(altered) }
            }
        }
    }

    // The grant accepted by its recipient, the bundle-v1.json account (`recipient_bundle`,
    // unlocked by passphrase). The refusals accepted by `other` (a seed-only identity: no
    // bundle holds it, and the bindings never import an identity secret) are the Rust test's.
    suite.test("selection-v1.json: accepted by the bundle account: parts open, the rest refused") {
        val cases = cases16("selection-v1.json")
        expect(cases.size >= 2) { "${cases.size} cases" }
        var refused = 0
        for (v in cases) {
            val name = v.get("name").asString
            val keyring = recipientKeyring(v)
            val grant = v.hx("grant")
            val sender = v.hx("sender_identity_public")
            val albumId = v.hx("album_id")
            val history = v.hx("history")
            val selection = keyring.acceptSelection(grant, sender, albumId, history)
            assertBytes(sender, selection.sender(), "$name: sender")
            assertEquals(v.get("sender_fingerprint").asString, selection.info().senderFingerprint, "$name: fingerprint")
            val want = v.list("items")
            val items = selection.items()
            assertEquals(want.map { it.get("media_id").asString }, items.map { hex(it.mediaId) }, "$name: items")
            var opened = 0
            for ((item, got) in want.zip(items)) {
                val mediaId = item.hx("media_id")
                assertEquals(item.u("epoch"), got.epoch, "$name: epoch")
                assertEquals(item.get("manifest").asString.isNotEmpty(), got.signed, "$name: signed")
                val parts = item.list("parts")
                assertEquals(parts.size, got.parts.size, "$name: part count")
                for (part in parts) {
                    val kind = part.get("kind").asString
                    val stored = part.hx("stored")
                    val plaintext = if (kind == "metadata") selection.openMetadata(mediaId, stored)
                    else selection.openPart(mediaId, kindOf(kind), stored)
                    assertBytes(part.hx("plaintext"), plaintext, "$name: ${item.get("media_id").asString} $kind")
                    opened++
                }
                assertRaises<KeepsakeException.NotInSelection>("$name: the part not granted") {
                    selection.openPart(mediaId, kindOf(item.get("not_granted_kind").asString), item.hx("not_granted"))
                }
            }
            expect(opened >= 3) { "$name: $opened parts opened" }
            val refusals = v.list("refusals")
            val mine = refusals.filter { it.get("accepted_by").asString == "recipient" }
            assertEquals(refusals.size - 2, mine.size, "$name: refusals met by the recipient")
            for (r in mine) {
                assertRaisesNamed(r.get("error").asString, "$name: ${r.get("comment").asString}") {
                    keyring.acceptSelection(edited(grant, r), sender, albumId, history)
                }
                refused++
            }
        }
        expect(refused >= 28) { "$refused refusals checked" }
    }

    val p by lazy { PrintOrder() }
    suite.test("print order: Alice verifies her ten signed items") {
        for (it in p.items) {
            val record = it.key.openBlob(it.mediaId, MediaBlob.METADATA, it.envelope)
            val item = verifyItem(record, it.mediaId, p.epoch, p.history)
            assertBytes(p.alice.identityPublicKey(), item.uploader(), "uploader")
            assertBytes(it.photo, item.openPart(it.key, MediaKind.ORIGINAL, it.original.sealed), "original")
            val range = item.openRange(it.key, MediaKind.ORIGINAL, it.original.sealed, 65_000uL, 100uL, it.original.hashList)
            assertBytes(it.photo.copyOfRange(65_000, 65_100), range, "range")
        }
    }
    suite.test("print order: the shop accepts, verifies the uploader against the history, opens the three") {
        val info = inspectSelection(p.order)
        assertEquals(3uL, info.itemCount, "item count")
        assertEquals(1_900_000_000uL, info.expiresAt, "expiry")
        assertEquals(p.alice.fingerprint(), info.senderFingerprint, "sender fingerprint")
        val selection = p.shop.acceptSelection(p.order, p.alice.identityPublicKey(), p.albumId, p.history.headHash())
        val items = selection.items()
        assertEquals(p.items.take(3).map { hex(it.mediaId) }.sorted(), items.map { hex(it.mediaId) }, "items")
        expect(items.all { it.parts == listOf(PartKind.ORIGINAL) && it.signed }) { "originals only, signed" }
        val history = verifyHistory(p.entries, p.albumId, p.alice.identityPublicKey(), null)
        for (it in p.items.take(3)) {
            assertBytes(p.alice.identityPublicKey(), selection.uploader(it.mediaId, history), "uploader")
            assertBytes(it.photo, selection.openPart(it.mediaId, MediaKind.ORIGINAL, it.original.sealed), "original")
            assertBytes(it.photo.copyOfRange(10, 30), selection.openRange(it.mediaId, MediaKind.ORIGINAL, it.original.sealed, 10uL, 20uL), "range")
            val opened = selection.opener(it.mediaId, MediaKind.ORIGINAL).use { o ->
                concat(pieces(it.original.sealed, 5000).map { o.push(it) } + listOf(o.finish()))
            }
            assertBytes(it.photo, opened, "streamed")
        }
    }
    suite.test("print order: a fourth item and a thumbnail raise NotInSelection (MISUSE)") {
        val selection = p.shop.acceptSelection(p.order, p.alice.identityPublicKey(), null, null)
        val fourth = p.items[3]
        val e = assertRaises<KeepsakeException.NotInSelection>("a fourth item") {
            selection.openPart(fourth.mediaId, MediaKind.ORIGINAL, fourth.original.sealed)
        }
        assertEquals(KeepsakeErrorCategory.MISUSE, e.category, "category")
        val first = p.items[0]
        assertRaises<KeepsakeException.NotInSelection>("a thumbnail") {
            selection.openPart(first.mediaId, MediaKind.THUMBNAIL, first.thumbnail.sealed)
        }
        assertRaises<KeepsakeException.NotInSelection>("the metadata") { selection.openMetadata(first.mediaId, first.envelope) }
        assertRaises<KeepsakeException.SelectionWrongHistory>("another history entry") {
            p.shop.acceptSelection(p.order, p.alice.identityPublicKey(), null, ByteArray(32))
        }
        assertRaises<KeepsakeException.SelectionWrongSender>("another sender") {
            p.shop.acceptSelection(p.order, p.shop.identityPublicKey(), null, null)
        }
    }
    suite.test("print order: checked against the album history (after an epoch move), a stranger's refused") {
        val owner = p.alice.identityPublicKey()
        val history = verifyHistory(p.entries, p.albumId, owner, null)
        // The order names the head of the chain the shop verified, where Alice is a member.
        p.shop.acceptSelection(p.order, owner, null, null).checkHistory(history)
        // Alice re-keys the album (an epoch move with no rotation: the next epoch of the same
        // generation) and orders again naming the new head.
        val moved = p.alice.appendHistory(history, HistoryChange.EpochMove)
        val newer = verifyHistory(p.entries + listOf(moved), p.albumId, owner, history.pin())
        assertEquals(history.currentEpoch() + 1uL, newer.currentEpoch(), "the epoch moved to e + 1")
        assertBytes(history.extended(moved).headHash(), newer.headHash(), "extended")
        val again = p.alice.grantSelection(p.shop.identityPublicKey(), p.albumId, newer.headHash(), 1_900_000_000uL, p.firstOriginals())
        val selection = p.shop.acceptSelection(again, owner, null, null)
        val e = assertRaises<KeepsakeException.HistoryUnknownEntry>("the new head against the older chain") {
            selection.checkHistory(history)
        }
        assertEquals(KeepsakeErrorCategory.AUTHENTICATION, e.category, "category")
        selection.checkHistory(newer)
        // A stranger holding the media keys signs a valid order naming the head: not a member.
        val stranger = createAccount("a stranger's passphrase", floor16).keyring
        val forged = stranger.grantSelection(p.shop.identityPublicKey(), p.albumId, history.headHash(), 1_900_000_000uL, p.firstOriginals())
        assertRaises<KeepsakeException.SelectionWrongSender>("a stranger's order") {
            p.shop.acceptSelection(forged, stranger.identityPublicKey(), null, null).checkHistory(history)
        }
        val otherId = newAlbumId()
        val other = verifyHistory(listOf(p.alice.createAlbumHistory(otherId)), otherId, owner, null)
        assertRaises<KeepsakeException.SelectionWrongAlbum>("another album's history") {
            p.shop.acceptSelection(p.order, owner, null, null).checkHistory(other)
        }
    }

    suite.test("history: Bob added then removed; his later manifest is refused") {
        val alice = createAccount("Alice's passphrase", floor16).keyring
        val bob = createAccount("Bob's passphrase", floor16).keyring
        val albumId = newAlbumId()
        val owner = alice.identityPublicKey()
        val entries = mutableListOf(alice.createAlbumHistory(albumId))
        var history = verifyHistory(entries, albumId, owner, null)
        val album = alice.albumKey(albumId, history.currentEpoch())
        entries += alice.appendHistory(history, HistoryChange.AddMember(bob.identityPublicKey()))
        history = verifyHistory(entries, albumId, owner, null)
        val grant = alice.grantAlbum(album, bob.identityPublicKey(), history.headHash())
        assertEquals(album.epoch(), bob.acceptGrantInHistory(grant, history).epoch(), "Bob's key")
        val key = MediaKey.generate()
        val mediaId = newMediaId()
        val part = key.sealPart(mediaId, MediaKind.ORIGINAL, "Bob's photo".toByteArray())
        val whileMember = bob.signItem(mediaId, albumId, history.currentEpoch(), history.headHash(), listOf(part.entry), byteArrayOf())
        assertBytes(bob.identityPublicKey(), verifyItem(whileMember, mediaId, history.currentEpoch(), history).uploader(), "uploader")
        val removal = alice.appendHistory(history, HistoryChange.RemoveMember(bob.identityDigest()))
        entries += removal
        history = verifyHistory(entries, albumId, owner, history.pin())
        val moved = alice.removeMember(album, listOf(), historyEntryHash(removal))
        assertEquals(history.currentEpoch(), moved.album.epoch(), "the new epoch")
        val later = newMediaId()
        val latePart = key.sealPart(later, MediaKind.ORIGINAL, "later".toByteArray())
        val after = bob.signItem(later, albumId, history.currentEpoch(), history.headHash(), listOf(latePart.entry), byteArrayOf())
        val e = assertRaises<KeepsakeException.ProvenanceNotMember>("Bob's later manifest") {
            verifyItem(after, later, history.currentEpoch(), history)
        }
        assertEquals(KeepsakeErrorCategory.AUTHENTICATION, e.category, "category")
        assertRaises<KeepsakeException.HistoryRollback>("the chain without the removal") {
            verifyHistory(entries.take(2), albumId, owner, history.pin())
        }
        // Removed, Bob may not even sign an entry (an entry is checked against the members first).
        assertRaises<KeepsakeException.HistoryNotMember>("Bob, removed, changing the membership") {
            bob.appendHistory(history, HistoryChange.AddMember(bob.identityPublicKey()))
        }
    }
}
