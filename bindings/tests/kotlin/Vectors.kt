// bindings/tests/SCENARIO.md section 2: the known-answer vector files of tests/vectors/,
// run through the public Kotlin API. One test per vector case (and one per file checking
// that it loaded), named `FILE: CASE`. JSON is read with Debian's Gson (libgoogle-gson-java).

import app.keepsake.*
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.math.BigInteger

private val vectorDir = File(System.getProperty("keepsake.vectors") ?: "tests/vectors")

private fun JsonObject.str(key: String): String =
    get(key)?.takeUnless { it.isJsonNull }?.asString ?: fail("vector has no `$key`")

private fun JsonObject.bytes(key: String): ByteArray = unhex(str(key))

private fun JsonObject.has(key: String, ignoreEmpty: Boolean): Boolean =
    has(key) && !get(key).isJsonNull && !(ignoreEmpty && get(key).asString.isEmpty())

/** An unsigned JSON integer as ULong, clamped to ULong.MAX_VALUE (a range `len` may exceed 2^64). */
private fun JsonObject.ulong(key: String): ULong {
    val n: BigInteger = get(key)?.asBigInteger ?: fail("vector has no `$key`")
    require(n.signum() >= 0) { "`$key` is negative" }
    val max = BigInteger(ULong.MAX_VALUE.toString())
    return if (n > max) ULong.MAX_VALUE else n.toString().toULong()
}

private fun JsonObject.kind(): MediaKind = when (val k = str("kind")) {
    "original" -> MediaKind.ORIGINAL
    "thumbnail" -> MediaKind.THUMBNAIL
    "preview" -> MediaKind.PREVIEW
    "sidecar" -> MediaKind.SIDECAR
    else -> fail("unknown kind `$k`")
}

/**
 * Registers one test per case of [file] (the `vectors` array), after a test that the file
 * loaded with at least [minCases] cases (the counts of SPEC.md section 7). With [skip], the
 * file is not read and one skipped test says why.
 */
private fun Suite.vectorFile(file: String, minCases: Int, skip: String? = null, each: (JsonObject) -> Unit) =
    vectorFileParts(file, minCases, skip, "" to each)

/**
 * [vectorFile] with several tests per case, one per part, named `FILE: CASE: PART` (a part
 * named "" gives `FILE: CASE`).
 */
private fun Suite.vectorFileParts(
    file: String,
    minCases: Int,
    skip: String? = null,
    vararg parts: Pair<String, (JsonObject) -> Unit>,
) {
    if (skip != null) {
        skip("$file: every case", skip)
        return
    }
    val cases: List<JsonObject> = try {
        JsonParser.parseString(File(vectorDir, file).readText()).asJsonObject
            .getAsJsonArray("vectors").map { it.asJsonObject }
    } catch (e: Exception) {
        test("$file: load") { throw AssertionFailed("cannot read ${File(vectorDir, file).absolutePath}: $e") }
        return
    }
    test("$file: load") {
        expect(cases.size >= minCases) { "$file: ${cases.size} cases, expected at least $minCases" }
    }
    for (v in cases) {
        for ((part, body) in parts) {
            test("$file: ${v.str("name")}" + if (part.isEmpty()) "" else ": $part") { body(v) }
        }
    }
}

/** Opens [sealed] with a streaming opener fed [piece]-byte pieces. */
private fun openStreaming(key: MediaKey, mediaId: ByteArray, kind: MediaKind, sealed: ByteArray, piece: Int): ByteArray =
    key.opener(mediaId, kind).use { opener ->
        concat(pieces(sealed, piece).map { opener.push(it) } + listOf(opener.finish()))
    }

/** The envelope call of a case of envelope-v1(-failures).json; returns what it opened. */
private fun openEnvelope(v: JsonObject): ByteArray {
    val key = v.bytes("key")
    val sealed = v.bytes("sealed")
    return when (val purpose = v.str("purpose")) {
        "media-metadata", "media-caption" -> {
            val what = if (purpose == "media-metadata") MediaBlob.METADATA else MediaBlob.CAPTION
            MediaKey.fromSecretBytes(key).use { it.openBlob(v.bytes("media_id"), what, sealed) }
        }
        "album-name", "album-metadata" -> {
            val what = if (purpose == "album-name") AlbumBlob.NAME else AlbumBlob.METADATA
            AlbumKey.fromSecretBytes(v.bytes("album_id"), v.ulong("epoch"), key).use { it.openBlob(what, sealed) }
        }
        "media-key-wrap" -> {
            // Returns nothing to compare: the unwrapped key is checked by what it opens.
            AlbumKey.fromSecretBytes(v.bytes("album_id"), v.ulong("epoch"), key).use { album ->
                album.unwrapMediaKey(v.bytes("media_id"), sealed).close()
            }
            ByteArray(0)
        }
        else -> fail("unknown purpose `$purpose`")
    }
}

/** media-key-wrap: the unwrapped key and MediaKey.fromSecretBytes(plaintext) open each other's output. */
private fun checkUnwrappedKey(v: JsonObject) {
    val mediaId = v.bytes("media_id")
    val probe = "known-answer probe for ${v.str("name")}".toByteArray()
    AlbumKey.fromSecretBytes(v.bytes("album_id"), v.ulong("epoch"), v.bytes("key")).use { album ->
        album.unwrapMediaKey(mediaId, v.bytes("sealed")).use { unwrapped ->
            MediaKey.fromSecretBytes(v.bytes("plaintext")).use { raw ->
                val byRaw = raw.seal(mediaId, MediaKind.ORIGINAL, probe)
                assertBytes(probe, unwrapped.open(mediaId, MediaKind.ORIGINAL, byRaw), "unwrapped key opens the raw key's stream")
                val blob = raw.sealBlob(mediaId, MediaBlob.CAPTION, probe)
                assertBytes(probe, unwrapped.openBlob(mediaId, MediaBlob.CAPTION, blob), "unwrapped key opens the raw key's envelope")
                val byUnwrapped = unwrapped.seal(mediaId, MediaKind.ORIGINAL, probe)
                assertBytes(probe, raw.open(mediaId, MediaKind.ORIGINAL, byUnwrapped), "raw key opens the unwrapped key's stream")
            }
        }
    }
}

fun vectorTests(suite: Suite) {
    suite.vectorFile("stream-v1.json", 49) { v ->
        val mediaId = v.bytes("media_id")
        val sealed = v.bytes("sealed")
        val plaintext = v.bytes("plaintext")
        MediaKey.fromSecretBytes(v.bytes("media_key")).use { key ->
            assertBytes(plaintext, key.open(mediaId, v.kind(), sealed), "open")
            assertBytes(plaintext, openStreaming(key, mediaId, v.kind(), sealed, 1000), "streaming opener, 1000-byte pieces")
        }
    }

    suite.vectorFile("stream-v1-failures.json", 31) { v ->
        assertRaisesNamed(v.str("error"), "open") {
            MediaKey.fromSecretBytes(v.bytes("media_key")).use { it.open(v.bytes("media_id"), v.kind(), v.bytes("sealed")) }
        }
    }

    suite.vectorFile("stream-v1-ranges.json", 11) { v ->
        val read = {
            MediaKey.fromSecretBytes(v.bytes("media_key")).use {
                it.openRange(v.bytes("media_id"), v.kind(), v.bytes("sealed"), v.ulong("offset"), v.ulong("len"))
            }
        }
        when {
            v.has("error", ignoreEmpty = true) -> assertRaisesNamed(v.str("error"), "openRange", read)
            v.has("plaintext", ignoreEmpty = false) -> assertBytes(v.bytes("plaintext"), read(), "openRange")
            else -> fail("case has neither `plaintext` nor `error`")
        }
    }

    suite.vectorFile("envelope-v1.json", 14) { v ->
        if (v.str("purpose") == "media-key-wrap") {
            checkUnwrappedKey(v)
        } else {
            assertBytes(v.bytes("plaintext"), openEnvelope(v), "opened ${v.str("purpose")}")
        }
    }

    suite.vectorFile("envelope-v1-failures.json", 17) { v ->
        assertRaisesNamed(v.str("error"), v.str("purpose")) { openEnvelope(v) }
    }

    suite.vectorFileParts(
        "bundle-v1.json", 1, null,
        "every step parses at its generation" to ::bundleStepsParse,
        "the last unlocks by passphrase, words and each enrolled device alike" to ::bundleLastUnlocks,
        "earlier steps are rollbacks for the last pin" to ::bundleEarlierStepsRollback,
    )

    suite.vectorFile("bundle-v1-failures.json", 38) { v ->
        val bundle = v.str("bundle").toByteArray()
        val secret = v.str("secret")
        val error = v.str("error")
        when (val unlock = v.str("unlock")) {
            "parse" -> assertRaisesNamed(error, "bundleDevices") { bundleDevices(bundle) }
            "passphrase" -> assertRaisesNamed(error, "unlockWithPassphrase") { unlockWithPassphrase(bundle, secret).close() }
            "recovery" -> assertRaisesNamed(error, "unlockWithRecovery") { unlockWithRecovery(bundle, RecoveryPhrase.parse(secret)).close() }
            "device" -> {
                val pin = v.bytes("pin")
                assertEquals(40, pin.size, "the account pin's length")
                DeviceKey.fromSecretBytes(unhex(secret)).use { device ->
                    AccountPin.fromBytes(pin).use { p ->
                        assertRaisesNamed(error, "unlockWithDevice") { unlockWithDevice(bundle, device, p).close() }
                    }
                }
            }
            else -> fail("unknown unlock `$unlock`")
        }
    }

    suite.vectorFile("grant-v1.json", 2) { v -> grantAccepted(v) }

    suite.vectorFileParts(
        "epoch-move-v1.json", 1, null,
        "removeMember moves the album to epoch_after" to ::epochMoveRemoveMember,
        "each grant opens for its recipient only" to ::epochMoveGrants,
        "each item opens under its epoch's key" to ::epochMoveItems,
        "the removed member opens the earlier item only" to ::epochMoveRemovedLockedOut,
    )
}

// ---------------------------------------------------------------------------------------
// bundle-v1.json: an account's bundles through its steps (create, enroll, enroll, rotate,
// revoke-and-rotate).

private class BundleStep(val bundle: ByteArray, val op: String, val generation: ULong)

/** Each step's bundle, op and the generation after it (the rotations so far). */
private fun bundleSteps(v: JsonObject): List<BundleStep> {
    var generation = 0uL
    val steps = v.getAsJsonArray("steps").map { it.asJsonObject }.map { step ->
        val op = step.str("op")
        if (op == "rotate" || op == "revoke-and-rotate") generation++
        BundleStep(step.str("bundle").toByteArray(), op, generation)
    }
    expect(steps.firstOrNull()?.op == "create") { "the first step creates the account" }
    return steps
}

private fun deviceKeys(v: JsonObject): List<DeviceKey> =
    v.getAsJsonArray("device_secrets").map { DeviceKey.fromSecretBytes(unhex(it.asString)) }

private fun revokedDevices(v: JsonObject): List<ByteArray> =
    v.getAsJsonArray("steps").map { it.asJsonObject }
        .filter { it.str("op") == "revoke-and-rotate" }.map { it.bytes("device") }

private fun List<ByteArray>.holds(key: ByteArray) = any { it.contentEquals(key) }

private fun bundleStepsParse(v: JsonObject) {
    val steps = bundleSteps(v)
    steps.forEachIndexed { i, step ->
        assertEquals(step.generation, bundleGeneration(step.bundle), "step $i (${step.op}): bundleGeneration")
        bundleDevices(step.bundle)
    }
    assertEquals(v.getAsJsonArray("roots").size().toULong() - 1uL, steps.last().generation, "one root per generation")
}

private fun bundleLastUnlocks(v: JsonObject) {
    val last = bundleSteps(v).last()
    val byPassphrase = unlockWithPassphrase(last.bundle, v.str("passphrase"))
    val pin = byPassphrase.pin()
    assertEquals(last.generation, pin.generation(), "the pin's generation")
    val unlocked = mutableListOf(
        "passphrase" to byPassphrase,
        "recovery words" to unlockWithRecovery(last.bundle, RecoveryPhrase.parse(v.str("recovery_words"))),
    )
    val enrolled = bundleDevices(last.bundle)
    val revoked = revokedDevices(v)
    expect(revoked.isNotEmpty()) { "the steps revoke a device" }
    deviceKeys(v).forEachIndexed { i, device ->
        if (enrolled.holds(device.publicKey())) {
            unlocked += "device $i" to unlockWithDevice(last.bundle, device, pin)
        } else {
            expect(revoked.holds(device.publicKey())) { "device $i is neither enrolled nor revoked" }
            assertRaises<KeepsakeException.DeviceNotEnrolled>("revoked device $i") {
                unlockWithDevice(last.bundle, device, pin)
            }
        }
    }
    assertEquals(2 + enrolled.size, unlocked.size, "unlocks")
    val identity = byPassphrase.identityPublicKey()
    assertEquals(1248, identity.size, "identity public key length")
    for ((how, keyring) in unlocked) {
        assertBytes(identity, keyring.identityPublicKey(), "$how: identity")
        assertEquals(byPassphrase.fingerprint(), keyring.fingerprint(), "$how: fingerprint")
        assertEquals(last.generation, keyring.generation(), "$how: generation")
        assertEquals(pin, keyring.pin(), "$how: pin")
    }
}

private fun bundleEarlierStepsRollback(v: JsonObject) {
    val steps = bundleSteps(v)
    val pin = unlockWithPassphrase(steps.last().bundle, v.str("passphrase")).pin()
    val devices = deviceKeys(v)
    var checked = 0
    steps.dropLast(1).forEachIndexed { i, step ->
        expect(step.generation < pin.generation()) { "step $i (${step.op}) is older than the last" }
        val enrolled = bundleDevices(step.bundle)
        devices.forEachIndexed { d, device ->
            if (enrolled.holds(device.publicKey())) {
                assertRaises<KeepsakeException.Rollback>("step $i (${step.op}), device $d") {
                    unlockWithDevice(step.bundle, device, pin)
                }
                checked++
            }
        }
    }
    expect(checked > 0) { "no earlier step enrolls a device" }
}

// ---------------------------------------------------------------------------------------
// grant-v1.json and selection-v1.json grant to the bundle-v1.json account (each case's
// `recipient_bundle`): the bindings never import an identity secret, so they unlock its
// bundle by passphrase to accept.

private val bundleKeyrings = mutableMapOf<String, Keyring>()

/** The bundle-v1.json account a grant case's `recipient_bundle` names, unlocked (once). */
fun recipientKeyring(v: JsonObject): Keyring {
    val where = v.getAsJsonObject("recipient_bundle") ?: fail("vector has no `recipient_bundle`")
    val name = where.str("vector")
    val step = where.get("step").asInt
    return bundleKeyrings.getOrPut("$name/$step") {
        val bundle = JsonParser.parseString(File(vectorDir, "bundle-v1.json").readText()).asJsonObject
            .getAsJsonArray("vectors").map { it.asJsonObject }.singleOrNull { it.str("name") == name }
            ?: fail("bundle-v1.json has no case `$name`")
        val s = bundle.getAsJsonArray("steps")[step].asJsonObject
        unlockWithPassphrase(s.str("bundle").toByteArray(), bundle.str("passphrase"))
    }
}

/**
 * grant-v1.json: accepted by the bundle account from the recorded sender for the recorded
 * album and epoch, the grant gives the recorded album key (the accepted key opens what the
 * recorded key seals and the other way round; a key one bit off does not).
 */
private fun grantAccepted(v: JsonObject) {
    val keyring = recipientKeyring(v)
    val grant = v.bytes("grant")
    val sender = v.bytes("sender_identity_public")
    val albumId = v.bytes("album_id")
    val epoch = v.ulong("epoch")
    assertEquals(1354, grant.size, "grant length")
    val info = inspectGrant(grant)
    assertBytes(identityDigest(keyring.identityPublicKey()), info.recipientIdentityDigest, "recipient digest")
    assertBytes(identityDigest(sender), info.senderIdentityDigest, "sender digest")
    assertBytes(albumId, info.albumId, "album id")
    assertEquals(epoch, info.epoch, "epoch")
    assertBytes(v.bytes("history"), info.historyEntry, "history entry")
    val got = keyring.acceptGrant(grant, sender, ExpectedAlbum(albumId, epoch))
    assertBytes(albumId, got.albumId(), "accepted album id")
    assertEquals(epoch, got.epoch(), "accepted epoch")
    val recorded = AlbumKey.fromSecretBytes(albumId, epoch, v.bytes("album_key"))
    val probe = "the album of ${v.str("name")}".toByteArray()
    assertBytes(probe, got.openBlob(AlbumBlob.NAME, recorded.sealBlob(AlbumBlob.NAME, probe)), "sealed by the recorded key")
    val sealed = got.sealBlob(AlbumBlob.NAME, probe)
    assertBytes(probe, recorded.openBlob(AlbumBlob.NAME, sealed), "sealed by the accepted key")
    val off = v.bytes("album_key").also { it[0] = (it[0].toInt() xor 1).toByte() }
    assertRaises<KeepsakeException.DecryptionFailed>("a key one bit off") {
        AlbumKey.fromSecretBytes(albumId, epoch, off).openBlob(AlbumBlob.NAME, sealed)
    }
    assertRaises<KeepsakeException.GrantWrongAlbum>("the grant expected for another epoch") {
        keyring.acceptGrant(grant, sender, ExpectedAlbum(albumId, epoch + 1uL))
    }
}

// ---------------------------------------------------------------------------------------
// epoch-move-v1.json: a member removed from a shared album.

private val epochMoveKeyrings = mutableMapOf<String, Map<String, Keyring>>()

/** The case's accounts unlocked by passphrase, by name (once per case). */
private fun keyrings(v: JsonObject): Map<String, Keyring> = epochMoveKeyrings.getOrPut(v.str("name")) {
    v.getAsJsonArray("accounts").map { it.asJsonObject }.associate { a ->
        a.str("name") to unlockWithPassphrase(a.str("bundle").toByteArray(), a.str("passphrase"))
    }
}

private fun items(v: JsonObject) = v.getAsJsonArray("items").map { it.asJsonObject }

private fun grants(v: JsonObject) = v.getAsJsonArray("grants").map { it.asJsonObject }

private fun itemOf(v: JsonObject, epoch: ULong): JsonObject =
    items(v).singleOrNull { it.ulong("epoch") == epoch } ?: fail("no single item of epoch $epoch")

/** Unwraps [item]'s media key under [album] and opens its sealed original. */
private fun openItem(album: AlbumKey, item: JsonObject): ByteArray {
    val mediaId = item.bytes("media_id")
    return album.unwrapMediaKey(mediaId, item.bytes("wrapped_media_key")).use {
        it.open(mediaId, MediaKind.ORIGINAL, item.bytes("sealed"))
    }
}

private fun epochMoveRemoveMember(v: JsonObject) {
    val k = keyrings(v)
    assertEquals(setOf("owner", "stays", "removed"), k.keys, "accounts")
    val owner = k.getValue("owner")
    val stays = k.getValue("stays")
    val albumId = v.bytes("album_id")
    val epochAfter = v.ulong("epoch_after")
    val before = owner.albumKey(albumId, v.ulong("epoch_before"))
    val moved = owner.removeMember(before, listOf(stays.identityPublicKey()), genesisOf(owner, before))
    assertEquals(epochAfter, moved.album.epoch(), "the epoch after")
    assertBytes(albumId, moved.album.albumId(), "the album id")
    assertEquals(1, moved.grants.size, "grants")
    assertBytes(stays.identityPublicKey(), moved.grants[0].memberIdentity, "the grant's member")
    // The key's effect: the moved key, the recorded key and the owner's derivation at
    // epoch_after all open the item sealed at epoch_after.
    val after = itemOf(v, epochAfter)
    val plaintext = after.bytes("plaintext")
    val recorded = AlbumKey.fromSecretBytes(albumId, epochAfter, v.bytes("album_key_after"))
    for ((how, album) in listOf("moved" to moved.album, "recorded" to recorded, "derived" to owner.albumKey(albumId, epochAfter))) {
        assertBytes(plaintext, openItem(album, after), "$how key opens the item of epoch_after")
    }
    val expected = ExpectedAlbum(albumId, epochAfter)
    val got = stays.acceptGrant(moved.grants[0].grant, owner.identityPublicKey(), expected)
    assertBytes(plaintext, openItem(got, after), "the member who stays opens the item of epoch_after")
    assertRaises<KeepsakeException.GrantWrongRecipient>("the removed member accepts the new grant") {
        k.getValue("removed").acceptGrant(moved.grants[0].grant, owner.identityPublicKey(), expected)
    }
}

private fun epochMoveGrants(v: JsonObject) {
    val k = keyrings(v)
    val owner = k.getValue("owner")
    val albumId = v.bytes("album_id")
    val members = v.getAsJsonArray("accounts").drop(1).map { it.asJsonObject.str("name") }
    val epochAfter = v.ulong("epoch_after")
    expect(grants(v).none { it.str("to") == "removed" && it.ulong("epoch") == epochAfter }) {
        "a grant of epoch_after to the removed member"
    }
    for (g in grants(v)) {
        val to = g.str("to")
        val epoch = g.ulong("epoch")
        val grant = g.bytes("grant")
        assertEquals(1354, grant.size, "grant length")
        val expected = ExpectedAlbum(albumId, epoch)
        val got = k.getValue(to).acceptGrant(grant, owner.identityPublicKey(), expected)
        assertEquals(epoch, got.epoch(), "grant to $to: epoch")
        assertBytes(albumId, got.albumId(), "grant to $to: album id")
        val item = itemOf(v, epoch)
        assertBytes(item.bytes("plaintext"), openItem(got, item), "grant to $to of epoch $epoch opens its item")
        for (other in members.filter { it != to }) {
            assertRaises<KeepsakeException.GrantWrongRecipient>("$other accepts the grant to $to") {
                k.getValue(other).acceptGrant(grant, owner.identityPublicKey(), expected)
            }
        }
    }
}

private fun epochMoveItems(v: JsonObject) {
    val owner = keyrings(v).getValue("owner")
    val albumId = v.bytes("album_id")
    assertEquals(listOf(v.ulong("epoch_before"), v.ulong("epoch_after")), items(v).map { it.ulong("epoch") }.sorted(), "item epochs")
    for (item in items(v)) {
        val epoch = item.ulong("epoch")
        assertBytes(item.bytes("plaintext"), openItem(owner.albumKey(albumId, epoch), item), "item of epoch $epoch")
    }
}

private fun epochMoveRemovedLockedOut(v: JsonObject) {
    val k = keyrings(v)
    val g = grants(v).singleOrNull { it.str("to") == "removed" } ?: fail("no single grant to the removed member")
    val epochBefore = v.ulong("epoch_before")
    assertEquals(epochBefore, g.ulong("epoch"), "the removed member's grant's epoch")
    val removedKey = k.getValue("removed").acceptGrant(
        g.bytes("grant"), k.getValue("owner").identityPublicKey(), ExpectedAlbum(v.bytes("album_id"), epochBefore),
    )
    val old = itemOf(v, epochBefore)
    assertBytes(old.bytes("plaintext"), openItem(removedKey, old), "the removed member opens the item of epoch_before")
    val new = itemOf(v, v.ulong("epoch_after"))
    assertRaises<KeepsakeException.DecryptionFailed>("the removed member unwraps the item of epoch_after") {
        removedKey.unwrapMediaKey(new.bytes("media_id"), new.bytes("wrapped_media_key"))
    }
}
