// SCENARIO.md section 4 in Kotlin: no secret in a string form, and no plaintext left by an
// interrupted open.
//
// Every exported record and object is built from known secrets and formatted every way
// Kotlin formats a value (toString, string templates, inside a list); none of the strings
// may hold the passphrase, the recovery words (or any three in a row), the device secret or
// a raw key, spelled as text, hex or a byte list. The exported classes are listed from the
// suite's jar, so a new record or object fails this test until it is covered.
//
// Then a child JVM is killed (SIGKILL: no handler runs) in the middle of `openFile`; its
// owner-only partial file of plaintext is there, and `removePartialFiles` removes exactly
// the partial files and nothing else.

import app.keepsake.*
import java.io.File
import java.nio.file.Files
import java.nio.file.attribute.PosixFilePermissions
import java.util.concurrent.TimeUnit
import java.util.jar.JarFile
import kotlin.system.exitProcess

private const val PASSPHRASE = "a passphrase nobody should ever see printed"
private val ALBUM_SECRET = ByteArray(32) { (100 + it).toByte() }
private val MEDIA_SECRET = ByteArray(32) { (200 + it).toByte() }

/** The ways a secret may show up in a string. */
private fun spellings(secret: Any): List<String> = when (secret) {
    is String -> listOf(secret)
    is ByteArray -> listOf(
        hex(secret),
        hex(secret).uppercase(),
        secret.contentToString().removeSurrounding("[", "]"),
        secret.map { it.toInt() and 0xff }.toString().removeSurrounding("[", "]"),
        java.util.Base64.getEncoder().encodeToString(secret),
    )
    else -> error("unknown secret type")
}

private fun forms(value: Any): List<String> = listOf(
    value.toString(),
    "$value",
    listOf(value).toString(),
    String.format("%s", value),
    java.util.Objects.toString(value),
)

fun assertNoSecret(value: Any, secrets: List<Any>, what: String) {
    for (text in forms(value)) {
        for (secret in secrets) {
            for (spelling in spellings(secret)) {
                expect(spelling !in text) { "$what: a secret appears in \"$text\"" }
            }
        }
    }
}

private fun wordRuns(words: String, n: Int = 3): List<String> {
    val ws = words.split(" ")
    return (0..ws.size - n).map { ws.subList(it, it + n).joinToString(" ") }
}

/** The records and objects of package app.keepsake, read from the jar the suite runs from. */
private fun exportedValueClasses(): Set<String> {
    val jar = File(Suite::class.java.protectionDomain.codeSource.location.toURI())
    val names = JarFile(jar).use { j ->
        j.entries().toList().map { it.name }
            .filter { it.startsWith("app/keepsake/") && it.endsWith(".class") && '$' !in it }
            .map { it.removePrefix("app/keepsake/").removeSuffix(".class") }
    }
    val found = mutableSetOf<String>()
    for (name in names) {
        val cls = Class.forName("app.keepsake.$name")
        if (!java.lang.reflect.Modifier.isPublic(cls.modifiers) || cls.isInterface || cls.isEnum) continue
        if (Throwable::class.java.isAssignableFrom(cls)) continue
        val methods = cls.methods.map { it.name }.toSet()
        val isRecord = "copy" in methods && "component1" in methods
        val isObject = cls.interfaces.any { it.simpleName == "${name}Interface" }
        if (isRecord || isObject) found += name
    }
    return found
}

fun secretTests(suite: Suite) {
    val values by lazy {
        val floor = kdfProfile(KdfProfile.FLOOR)
        val account = createAccount(PASSPHRASE, floor)
        val device = DeviceKey.generate()
        val enrollment = account.keyring.enrollDevice(account.bundle, device.publicKey())
        val rotated = account.keyring.rotateRecovery(enrollment.bundle)
        // The key lifecycle: a root rotation that revokes the device, and a member removal.
        val rotatedRoot = account.keyring.revokeDeviceAndRotate(rotated.bundle, device.publicKey())
        val ownAlbum = rotatedRoot.keyring.albumKey(newAlbumId(), rotatedRoot.keyring.currentEpoch())
        val moved = rotatedRoot.keyring.removeMember(ownAlbum, listOf(rotatedRoot.keyring.identityPublicKey()), genesisOf(rotatedRoot.keyring, ownAlbum))
        val albumId = newAlbumId()
        val mediaId = newMediaId()
        val media = MediaKey.fromSecretBytes(MEDIA_SECRET)
        val byClass = linkedMapOf<String, Any>(
            "NewAccount" to account,
            "Enrollment" to enrollment,
            "RotatedRecovery" to rotated,
            "RotatedRoot" to rotatedRoot,
            "EpochMove" to moved,
            "MemberGrant" to moved.grants[0],
            "AccountPin" to rotatedRoot.keyring.pin(),
            "KdfParams" to floor,
            "ExpectedAlbum" to ExpectedAlbum(albumId, 3uL),
            "Keyring" to account.keyring,
            "DeviceKey" to device,
            "RecoveryPhrase" to account.recoveryPhrase,
            "AlbumKey" to AlbumKey.fromSecretBytes(albumId, 3uL, ALBUM_SECRET),
            "MediaKey" to media,
            "StreamSealer" to media.sealer(mediaId, MediaKind.ORIGINAL),
            "StreamOpener" to media.opener(mediaId, MediaKind.ORIGINAL),
            "CancelToken" to CancelToken(),
            "StreamHeader" to parseStreamHeader(media.seal(mediaId, MediaKind.ORIGINAL, byteArrayOf(1))),
            "RangePlan" to planRange(media.seal(mediaId, MediaKind.ORIGINAL, ByteArray(1000)), 1104uL, 10uL, 20uL),
            "GrantInfo" to inspectGrant(account.keyring.grantAlbum(account.keyring.albumKey(albumId, 0uL), account.keyring.identityPublicKey(), genesisOf(account.keyring, account.keyring.albumKey(albumId, 0uL)))),
        )
        // Issue 16: album history, provenance, selection grants (the selection holds part
        // keys derived from MEDIA_SECRET; the selected item holds the media key itself).
        val keyring = account.keyring
        val history = verifyHistory(listOf(keyring.createAlbumHistory(albumId)), albumId, keyring.identityPublicKey())
        val part = media.sealPart(mediaId, MediaKind.ORIGINAL, "a photo".toByteArray())
        val record = keyring.signItem(mediaId, albumId, history.currentEpoch(), history.headHash(), listOf(part.entry), "{}".toByteArray())
        val selected = SelectedItem(
            mediaId, history.currentEpoch(), media, listOf(SelectedPart.Stream(part.sealed.copyOf(88))),
            parseItemRecord(record).manifest,
        )
        val selectionGrant = keyring.grantSelection(keyring.identityPublicKey(), albumId, history.headHash(), 2_000_000_000uL, listOf(selected))
        val selection = keyring.acceptSelection(selectionGrant, keyring.identityPublicKey(), null, null)
        byClass += mapOf(
            "HistoryPin" to history.pin(),
            "VerifiedHistory" to history,
            "SealedPart" to part,
            "PartEntry" to part.entry,
            "PartHashes" to partHashes(part.sealed),
            "ItemRecordParts" to parseItemRecord(record),
            "VerifiedItem" to verifyItem(record, mediaId, history.currentEpoch(), history),
            "SelectedItem" to selected,
            "SelectionInfo" to inspectSelection(selectionGrant),
            "Selection" to selection,
            "SelectionItemInfo" to selection.items()[0],
        )
        // Issue 17: links and drops (Links.kt builds them; the drop holds MEDIA_SECRET).
        val (links, linkSecrets) = linkValues(keyring, AlbumKey.fromSecretBytes(albumId, 3uL, ALBUM_SECRET), media, history.headHash())
        byClass += links
        val secrets = listOf<Any>(
            PASSPHRASE,
            account.recoveryPhrase.words(),
            rotated.recoveryPhrase.words(),
            device.secretBytes(),
            ALBUM_SECRET,
            MEDIA_SECRET,
        ) + wordRuns(account.recoveryPhrase.words()) + wordRuns(rotated.recoveryPhrase.words()) + linkSecrets
        byClass to secrets
    }

    suite.test("secrets: every exported record and object is checked") {
        val exported = exportedValueClasses()
        expect(exported.size >= 10) { "only $exported found in the jar" }
        val missing = exported - values.first.keys
        expect(missing.isEmpty()) { "exported but not checked for secrets in string forms: $missing" }
    }
    suite.test("secrets: no secret in toString or templates of any record or object") {
        val (byClass, secrets) = values
        for ((name, value) in byClass) assertNoSecret(value, secrets, name)
    }
    suite.test("secrets: the check catches a leak") {
        val (byClass, secrets) = values
        val words = (byClass["NewAccount"] as NewAccount).recoveryPhrase.words()
        assertEquals(24, words.split(" ").size, "words")
        val caught = runCatching { assertNoSecret("NewAccount(recoveryPhrase=$words)", secrets, "leaky") }
        expect(caught.isFailure) { "a string holding the words passed the check" }
        val device = byClass["DeviceKey"] as DeviceKey
        val caughtBytes = runCatching { assertNoSecret(device.secretBytes().toList(), secrets, "bytes") }
        expect(caughtBytes.isFailure) { "a list of the device secret's bytes passed the check" }
    }
    suite.test("secrets: string forms say what they are") {
        val (byClass, _) = values
        assertEquals("RecoveryPhrase(24 words, redacted)", byClass["RecoveryPhrase"].toString(), "phrase")
        assertEquals("MediaKey(redacted)", byClass["MediaKey"].toString(), "media key")
        val keyring = byClass["Keyring"] as Keyring
        expect(keyring.fingerprint() in keyring.toString() && "generation 0" in keyring.toString()) { "keyring: $keyring" }
        val rotated = byClass["RotatedRoot"] as RotatedRoot
        expect("generation 1" in rotated.keyring.toString() && "redacted" in rotated.toString()) { "rotated: $rotated" }
        val pin = byClass["AccountPin"] as AccountPin
        assertEquals("AccountPin(identity ${hex(pin.identityDigest())}, generation 1)", pin.toString(), "pin")
        val moved = byClass["EpochMove"] as EpochMove
        expect("epoch ${(1uL shl 32) + 1uL}" in moved.toString() && "key redacted" in moved.toString()) { "moved: $moved" }
        val device = byClass["DeviceKey"] as DeviceKey
        expect(hex(device.publicKey()) in device.toString()) { "device: $device" }
        expect("RecoveryPhrase(24 words, redacted)" in byClass["NewAccount"].toString()) {
            "NewAccount: ${byClass["NewAccount"]}"
        }
    }
    suite.test("secrets: errors carry no secret") {
        val (byClass, secrets) = values
        val account = byClass["NewAccount"] as NewAccount
        val wrong = assertRaises<KeepsakeException.WrongPassphrase>("wrong passphrase") {
            unlockWithPassphrase(account.bundle, PASSPHRASE + "!")
        }
        val typo = (account.recoveryPhrase.words().split(" ").take(23) + "zzzz").joinToString(" ")
        val bad = assertRaises<KeepsakeException.InvalidRecoveryPhrase>("typo") { RecoveryPhrase.parse(typo) }
        for (e in listOf<Throwable>(wrong, bad)) {
            assertNoSecret(e, secrets + typo + wordRuns(typo), e::class.simpleName ?: "error")
            assertNoSecret(e.message ?: "", secrets + typo + wordRuns(typo), "message")
        }
    }
    suite.test("partial files: a killed openFile leaves an owner-only partial; removePartialFiles removes exactly it") {
        val dir = Files.createTempDirectory("keepsake-kotlin-partial-").toFile()
        try {
            killedOpenLeavesPartial(dir)
        } finally {
            dir.deleteRecursively()
        }
    }
    suite.test("partial files: a missing folder is an Io error") {
        assertRaises<KeepsakeException.Io>("missing folder") {
            removePartialFiles(File("/nonexistent-keepsake-folder").path)
        }
    }
}

private fun killedOpenLeavesPartial(dir: File) {
    val plaintext = ByteArray(8 shl 20).also { java.util.Random(7).nextBytes(it) }
    val mediaId = newMediaId()
    val sealed = File(dir, "video.ks")
    MediaKey.fromSecretBytes(MEDIA_SECRET).use { sealed.writeBytes(it.seal(mediaId, MediaKind.ORIGINAL, plaintext)) }
    val out = File(dir, "out").also { it.mkdir() }
    val keep = mapOf(
        "photo.jpg" to "keep me",
        ".keepsake-notes.txt" to "not a partial file",
        "keepsake-x.partial" to "no leading dot",
    )
    keep.forEach { (name, text) -> File(out, name).writeText(text) }
    File(out, ".keepsake-folder.partial").mkdir()
    val ready = File(dir, "ready")
    val java = ProcessHandle.current().info().command().orElse("java")
    val child = ProcessBuilder(
        java,
        "-Djna.library.path=${System.getProperty("jna.library.path")}",
        "-cp", System.getProperty("java.class.path"),
        "MainKt", CHILD_OPEN_STALL, hex(mediaId), sealed.path, File(out, "video.mp4").path, ready.path,
    ).inheritIO().start()
    try {
        val deadline = System.nanoTime() + 60_000_000_000L
        while (!ready.exists()) {
            expect(child.isAlive) { "the child ended early with ${child.exitValue()}" }
            expect(System.nanoTime() < deadline) { "the child never reached the middle of the file" }
            Thread.sleep(50)
        }
    } finally {
        // SIGKILL: Process.destroyForcibly sends it on Unix.
        child.destroyForcibly()
        child.waitFor(30, TimeUnit.SECONDS)
    }
    assertEquals(137, child.exitValue(), "child exit (128 + SIGKILL)")
    val partials = out.listFiles()!!.filter {
        it.isFile && it.name.startsWith(".keepsake-") && it.name.endsWith(".partial")
    }
    assertEquals(1, partials.size, "partial files left by the kill (${out.list()!!.sorted()})")
    expect(!File(out, "video.mp4").exists()) { "the destination exists after a kill" }
    val mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(partials[0].toPath()))
    assertEquals("rw-------", mode, "partial file's mode")
    val left = partials[0].readBytes()
    expect(left.isNotEmpty() && plaintext.copyOfRange(0, left.size).contentEquals(left)) {
        "the partial file holds ${left.size} bytes, not a prefix of the plaintext"
    }
    assertEquals(1uL, removePartialFiles(out.path), "removed")
    assertEquals((keep.keys + ".keepsake-folder.partial").sorted(), out.list()!!.sorted(), "what is left")
    keep.forEach { (name, text) -> assertEquals(text, File(out, name).readText(), name) }
    assertEquals(0uL, removePartialFiles(out.path), "removed on a second run")
}

const val CHILD_OPEN_STALL = "--child-open-stall"

/** The child of the kill test: opens the file and stalls once 2 MiB are through. */
fun childOpenStall(args: List<String>): Nothing {
    val (mediaIdHex, source, destination, ready) = args
    val listener = object : ProgressListener {
        override fun onProgress(done: ULong, total: ULong): Boolean {
            if (done >= (2uL shl 20)) {
                File(ready).createNewFile()
                Thread.sleep(3_600_000)
            }
            return true
        }
    }
    MediaKey.fromSecretBytes(MEDIA_SECRET).use {
        it.openFile(unhex(mediaIdHex), MediaKind.ORIGINAL, source, destination, false, listener)
    }
    exitProcess(3)
}
