// bindings/tests/SCENARIO.md section 1: the end-to-end scenario, step by step.
// The scenario's state is built lazily, so each test computes what it needs from the earlier
// steps (running one test alone by name works too); a step whose setup failed makes the
// tests after it fail with that error.

import app.keepsake.*
import java.io.File
import java.nio.file.Files
import java.util.Collections

/** HEADER_LEN, TAG_LEN and the default chunk size of SPEC.md section 3. */
private const val HEADER_LEN = 88
private const val TAG_LEN = 16
private const val CHUNK = 1 shl 16

/** Records every progress call; returns [goOn] to each. */
private class RecordingListener(private val goOn: Boolean) : ProgressListener {
    val calls: MutableList<Pair<ULong, ULong>> = Collections.synchronizedList(mutableListOf())

    override fun onProgress(done: ULong, total: ULong): Boolean {
        calls += done to total
        return goOn
    }

    /** At least one call, `done` never decreasing and never past `total`, the last `done == total`. */
    fun checkComplete(what: String, expectedTotal: Long) {
        val seen = synchronized(calls) { calls.toList() }
        expect(seen.isNotEmpty()) { "$what: the listener was never called" }
        expect(seen.zipWithNext().all { (a, b) -> a.first <= b.first }) { "$what: done decreased: $seen" }
        expect(seen.all { it.first <= it.second }) { "$what: done past total: $seen" }
        val (done, total) = seen.last()
        assertEquals(total, done, "$what: last call's done == total")
        assertEquals(expectedTotal.toULong(), total, "$what: total")
    }
}

private class Scenario {
    val floor by lazy { kdfProfile(KdfProfile.FLOOR) }

    // 1. Alice's account.
    val alicePassphrase = "correct horse battery staple"
    val alice by lazy { createAccount(alicePassphrase, floor) }

    // 2. Alice's device.
    val device by lazy { DeviceKey.generate() }
    val enrollment by lazy { alice.keyring.enrollDevice(alice.bundle, device.publicKey()) }
    val bundle: ByteArray get() = enrollment.bundle

    // 3. Three unlocks of the enrolled bundle.
    val byPassphrase by lazy { unlockWithPassphrase(bundle, alicePassphrase) }
    val shoutedWords by lazy {
        "  " + alice.recoveryPhrase.words().uppercase().split(" ").joinToString("   ") + " \t "
    }
    val byRecovery by lazy { unlockWithRecovery(bundle, RecoveryPhrase.parse(shoutedWords)) }
    val byDevice by lazy {
        unlockWithDevice(bundle, DeviceKey.fromSecretBytes(device.secretBytes()), enrollment.pin)
    }

    // 4. An album.
    val albumId by lazy { newAlbumId() }
    val album by lazy { alice.keyring.albumKey(albumId, alice.keyring.currentEpoch()) }
    val albumName = "Summer in Lisbon \u2600".toByteArray()
    val sealedName by lazy { album.sealBlob(AlbumBlob.NAME, albumName) }

    // 5. A media item.
    val mediaId by lazy { newMediaId() }
    val mediaKey by lazy { MediaKey.generate() }
    val wrapped by lazy { album.wrapMediaKey(mediaId, mediaKey) }
    val original = ByteArray((1 shl 20) + 123) { (it * 31 % 251).toByte() }
    val sealedOriginal by lazy { mediaKey.seal(mediaId, MediaKind.ORIGINAL, original) }
    val thumbnail = ByteArray(4096) { ((it * 7 + 3) % 256).toByte() }
    val thumbnailPieces = listOf(0, 1, 999, 1000, 100, 1996) // sums to 4096; includes an empty push
    val sealedThumbnail by lazy {
        mediaKey.sealer(mediaId, MediaKind.THUMBNAIL).use { sealer ->
            var at = 0
            val out = thumbnailPieces.map { n -> sealer.push(thumbnail.copyOfRange(at, at + n)).also { at += n } }
            check(at == thumbnail.size)
            concat(out + listOf(sealer.finish()))
        }
    }
    val metadata = """{"taken":"2024-07-14T18:03:00Z","camera":"Pixel 8","gps":[38.7139,-9.1394]}""".toByteArray()
    val sealedMetadata by lazy { mediaKey.sealBlob(mediaId, MediaBlob.METADATA, metadata) }

    // 6. Files.
    val tempDir: File by lazy { Files.createTempDirectory("keepsake-kotlin-").toFile() }
    fun path(name: String) = File(tempDir, name)

    // 8. Bob, and Carol.
    val bob by lazy { createAccount("bob's own passphrase", floor) }
    val carol by lazy { createAccount("carol's passphrase", floor) }
    val grant by lazy { alice.keyring.grantAlbum(album, bob.keyring.identityPublicKey(), genesisOf(alice.keyring, album)) }
    val bobAlbum by lazy {
        bob.keyring.acceptGrant(grant, alice.keyring.identityPublicKey(), ExpectedAlbum(albumId, 0uL))
    }
    val bobMediaKey by lazy { bobAlbum.unwrapMediaKey(mediaId, wrapped) }
}

fun scenarioTests(suite: Suite) {
    val s = Scenario()
    suite.cleanups += { if (s.tempDir.exists()) s.tempDir.deleteRecursively() }

    // 1.
    suite.test("scenario 1: Alice creates an account (Floor profile), 24 recovery words") {
        assertEquals(KdfParams(19u * 1024u, 2u, 1u), s.floor, "kdfProfile(FLOOR)")
        val words = s.alice.recoveryPhrase.words().split(" ")
        assertEquals(24, words.size, "recovery word count")
        expect(words.all { w -> w.isNotEmpty() && w.all { it in 'a'..'z' } }) { "recovery words: ${words.size} lower-case words" }
        expect(s.alice.bundle.isNotEmpty() && s.alice.bundle[0] == '{'.code.toByte()) { "bundle is JSON" }
        assertEquals(1248, s.alice.keyring.identityPublicKey().size, "identity public key length (Ed25519 || X-Wing)")
        assertEquals(32, s.alice.keyring.identityDigest().size, "identity digest length")
        assertBytes(s.alice.keyring.identityDigest(), identityDigest(s.alice.keyring.identityPublicKey()), "identityDigest(identityPublicKey)")
    }

    // 2.
    suite.test("scenario 2: Alice enrolls a device; bundleDevices lists it") {
        assertEquals(1216, s.device.publicKey().size, "device public key length (X-Wing)")
        assertEquals(32, s.device.secretBytes().size, "device secret length")
        assertEquals(0, bundleDevices(s.alice.bundle).size, "devices before enrollment")
        expect(!s.bundle.contentEquals(s.alice.bundle)) { "enrollment returned the same bundle" }
        assertBytes(s.alice.keyring.identityDigest(), s.enrollment.pin.identityDigest(), "pin's identity digest")
        assertEquals(0uL, s.enrollment.pin.generation(), "pin's generation")
        assertEquals(s.alice.keyring.pin(), s.enrollment.pin, "the keyring's pin")
        val devices = bundleDevices(s.bundle)
        assertEquals(1, devices.size, "devices after enrollment")
        assertBytes(s.device.publicKey(), devices[0], "enrolled device")
    }

    // 3.
    suite.test("scenario 3: unlock with the passphrase") {
        assertBytes(s.alice.keyring.identityPublicKey(), s.byPassphrase.identityPublicKey(), "identity")
    }
    suite.test("scenario 3: unlock with the recovery words in upper case with extra spaces") {
        expect(s.shoutedWords != s.alice.recoveryPhrase.words() && s.shoutedWords.any { it.isUpperCase() }) { "words not altered" }
        assertBytes(s.alice.keyring.identityPublicKey(), s.byRecovery.identityPublicKey(), "identity")
    }
    suite.test("scenario 3: unlock with the device restored from its secret bytes, and the pin") {
        assertBytes(s.alice.keyring.identityPublicKey(), s.byDevice.identityPublicKey(), "identity")
    }
    suite.test("scenario 3: all three keyrings have one identity key and fingerprint") {
        val ipk = s.alice.keyring.identityPublicKey()
        val fp = s.alice.keyring.fingerprint()
        expect(Regex("""\d{5}( \d{5}){5}""").matches(fp)) { "fingerprint format: $fp" }
        assertEquals(fp, fingerprint(ipk), "fingerprint(identityPublicKey)")
        for ((how, k) in listOf("passphrase" to s.byPassphrase, "recovery" to s.byRecovery, "device" to s.byDevice)) {
            assertBytes(ipk, k.identityPublicKey(), "$how identity")
            assertEquals(fp, k.fingerprint(), "$how fingerprint")
        }
    }
    suite.test("scenario 3: a wrong passphrase raises WrongPassphrase") {
        assertRaises<KeepsakeException.WrongPassphrase>("wrong passphrase") {
            unlockWithPassphrase(s.bundle, "correct horse battery stapler")
        }
    }

    // 4.
    suite.test("scenario 4: album at epoch 0, name sealed with AlbumBlob.NAME and opened") {
        assertEquals(16, s.albumId.size, "album id length")
        assertBytes(s.albumId, s.album.albumId(), "albumId()")
        assertEquals(0uL, s.album.epoch(), "epoch()")
        assertBytes(s.albumName, s.album.openBlob(AlbumBlob.NAME, s.sealedName), "opened name")
        // Album keys are derived: the device-unlocked keyring derives the same one.
        s.byDevice.albumKey(s.albumId, 0uL).use { again ->
            assertBytes(s.albumName, again.openBlob(AlbumBlob.NAME, s.sealedName), "name opened by the device's keyring")
        }
        assertRaises<KeepsakeException.DecryptionFailed>("name opened as METADATA") {
            s.album.openBlob(AlbumBlob.METADATA, s.sealedName)
        }
    }

    // 5.
    suite.test("scenario 5: a new media key wrapped under the album key") {
        assertEquals(16, s.mediaId.size, "media id length")
        assertEquals(105, s.wrapped.size, "wrapped media key length")
        s.album.unwrapMediaKey(s.mediaId, s.wrapped).use { unwrapped ->
            assertBytes(s.metadata, unwrapped.openBlob(s.mediaId, MediaBlob.METADATA, s.sealedMetadata), "unwrapped key opens metadata")
        }
    }
    suite.test("scenario 5: 1 MiB + 123-byte original sealed across 64 KiB chunks") {
        val chunks = (s.original.size + CHUNK - 1) / CHUNK
        assertEquals(17, chunks, "chunk count")
        assertEquals(16, s.sealedOriginal[6].toInt(), "header chunk_log2")
        assertEquals(HEADER_LEN + s.original.size + TAG_LEN * chunks, s.sealedOriginal.size, "sealed length")
        assertBytes(s.original, s.mediaKey.open(s.mediaId, MediaKind.ORIGINAL, s.sealedOriginal), "opened original")
    }
    suite.test("scenario 5: 4 KiB thumbnail sealed with the streaming sealer in pieces") {
        assertEquals(s.thumbnail.size, s.thumbnailPieces.sum(), "pieces cover the thumbnail")
        assertEquals(HEADER_LEN + s.thumbnail.size + TAG_LEN, s.sealedThumbnail.size, "sealed length")
        assertBytes(s.thumbnail, s.mediaKey.open(s.mediaId, MediaKind.THUMBNAIL, s.sealedThumbnail), "opened thumbnail")
    }
    suite.test("scenario 5: metadata envelope (MediaBlob.METADATA) sealed and opened") {
        assertBytes(s.metadata, s.mediaKey.openBlob(s.mediaId, MediaBlob.METADATA, s.sealedMetadata), "opened metadata")
        assertRaises<KeepsakeException.DecryptionFailed>("metadata opened as CAPTION") {
            s.mediaKey.openBlob(s.mediaId, MediaBlob.CAPTION, s.sealedMetadata)
        }
    }

    // 6.
    val offset = 500_000
    val length = 70_000
    suite.test("scenario 6: openRange(500000, 70000) equals that slice") {
        val got = s.mediaKey.openRange(s.mediaId, MediaKind.ORIGINAL, s.sealedOriginal, offset.toULong(), length.toULong())
        assertBytes(s.original.copyOfRange(offset, offset + length), got, "range")
    }
    suite.test("scenario 6: openFileRange on the sealed original in a file") {
        val file = s.path("original.sealed")
        file.writeBytes(s.sealedOriginal)
        val got = s.mediaKey.openFileRange(s.mediaId, MediaKind.ORIGINAL, file.path, offset.toULong(), length.toULong())
        assertBytes(s.original.copyOfRange(offset, offset + length), got, "file range")
    }
    suite.test("scenario 6: sealFile / openFile round trip with progress listeners") {
        val plain = s.path("roundtrip.plain").apply { writeBytes(s.original) }
        val sealed = s.path("roundtrip.sealed")
        val opened = s.path("roundtrip.opened")
        val sealing = RecordingListener(goOn = true)
        val sealedSize = s.mediaKey.sealFile(s.mediaId, MediaKind.ORIGINAL, plain.path, sealed.path, false, sealing)
        assertEquals(sealed.length().toULong(), sealedSize, "sealFile's returned size")
        sealing.checkComplete("sealFile progress", s.original.size.toLong())
        assertBytes(s.original, s.mediaKey.open(s.mediaId, MediaKind.ORIGINAL, sealed.readBytes()), "sealed file opened in memory")

        val opening = RecordingListener(goOn = true)
        val plainSize = s.mediaKey.openFile(s.mediaId, MediaKind.ORIGINAL, sealed.path, opened.path, false, opening)
        assertEquals(s.original.size.toULong(), plainSize, "openFile's returned size")
        opening.checkComplete("openFile progress", sealed.length())
        assertBytes(s.original, opened.readBytes(), "opened file")

        assertRaises<KeepsakeException.DestinationExists>("openFile onto an existing file without overwrite") {
            s.mediaKey.openFile(s.mediaId, MediaKind.ORIGINAL, sealed.path, opened.path, false, null)
        }
    }
    suite.test("scenario 6: a listener returning false cancels sealFile: Cancelled, no destination") {
        val plain = s.path("cancel.plain").apply { writeBytes(s.original) }
        val dest = s.path("cancel.sealed")
        val listener = RecordingListener(goOn = false)
        val before = s.tempDir.list()!!.toSet()
        assertRaises<KeepsakeException.Cancelled>("cancelled sealFile") {
            s.mediaKey.sealFile(s.mediaId, MediaKind.ORIGINAL, plain.path, dest.path, false, listener)
        }
        expect(listener.calls.isNotEmpty()) { "the listener was never asked" }
        expect(!dest.exists()) { "destination left behind" }
        assertEquals(before, s.tempDir.list()!!.toSet(), "files in the directory (no temporary file left)")
    }
    suite.test("scenario 6: a listener returning false cancels openFile: Cancelled, no destination") {
        val sealed = s.path("cancel-open.sealed").apply { writeBytes(s.sealedOriginal) }
        val dest = s.path("cancel-open.plain")
        val before = s.tempDir.list()!!.toSet()
        assertRaises<KeepsakeException.Cancelled>("cancelled openFile") {
            s.mediaKey.openFile(s.mediaId, MediaKind.ORIGINAL, sealed.path, dest.path, false, RecordingListener(goOn = false))
        }
        expect(!dest.exists()) { "destination left behind" }
        assertEquals(before, s.tempDir.list()!!.toSet(), "files in the directory (no temporary file left)")
    }

    // 7.
    suite.test("scenario 7: streaming opener fed 1000-byte pieces gives the thumbnail") {
        val got = s.mediaKey.opener(s.mediaId, MediaKind.THUMBNAIL).use { opener ->
            concat(pieces(s.sealedThumbnail, 1000).map { opener.push(it) } + listOf(opener.finish()))
        }
        assertBytes(s.thumbnail, got, "streamed thumbnail")
    }

    // 8.
    suite.test("scenario 8: Alice grants the album to Bob; Bob accepts it") {
        assertEquals(1354, s.grant.size, "grant length")
        val info = inspectGrant(s.grant)
        assertBytes(s.alice.keyring.identityDigest(), info.senderIdentityDigest, "sender digest")
        assertBytes(s.bob.keyring.identityDigest(), info.recipientIdentityDigest, "recipient digest")
        assertBytes(s.albumId, s.bobAlbum.albumId(), "received album id")
        assertEquals(0uL, s.bobAlbum.epoch(), "received epoch")
        assertBytes(s.albumName, s.bobAlbum.openBlob(AlbumBlob.NAME, s.sealedName), "album name opened by Bob")
    }
    suite.test("scenario 8: Bob unwraps the media key, opens original, thumbnail and metadata") {
        val k = s.bobMediaKey
        assertBytes(s.original, k.open(s.mediaId, MediaKind.ORIGINAL, s.sealedOriginal), "original")
        assertBytes(s.thumbnail, k.open(s.mediaId, MediaKind.THUMBNAIL, s.sealedThumbnail), "thumbnail")
        assertBytes(s.metadata, k.openBlob(s.mediaId, MediaBlob.METADATA, s.sealedMetadata), "metadata")
    }
    suite.test("scenario 8: Bob accepting with Carol's key as sender raises GrantWrongSender") {
        assertRaises<KeepsakeException.GrantWrongSender>("grant from Carol") {
            s.bob.keyring.acceptGrant(s.grant, s.carol.keyring.identityPublicKey(), ExpectedAlbum(s.albumId, 0uL))
        }
    }
    // The grant's layout (SPEC.md 5.7): version, suite, sender digest, recipient digest, album
    // id, be64 epoch, history entry hash (122 bytes), then enc (1120), ciphertext (48), signature (64).
    suite.test("scenario 8: an altered epoch or signature raises GrantBadSignature") {
        val epochAt = 2 + 32 + 32 + 16
        for ((what, at) in listOf("epoch" to epochAt + 7, "signature" to s.grant.size - 64, "signature end" to s.grant.size - 1)) {
            val altered = s.grant.copyOf().also { it[at] = (it[at].toInt() xor 0x01).toByte() }
            val e = assertRaises<KeepsakeException.GrantBadSignature>("flipped $what") {
                s.bob.keyring.acceptGrant(altered, s.alice.keyring.identityPublicKey(), null)
            }
            expect("signature" in (e.message ?: "")) { "message: ${e.message}" }
        }
    }
    suite.test("scenario 8: a grant of suite 1 (a downgrade) raises UnsupportedSuite") {
        val downgraded = s.grant.copyOf().also { it[1] = 1 }
        assertRaises<KeepsakeException.UnsupportedSuite>("accept suite 1") {
            s.bob.keyring.acceptGrant(downgraded, s.alice.keyring.identityPublicKey(), null)
        }
        assertRaises<KeepsakeException.UnsupportedSuite>("inspect suite 1") { inspectGrant(downgraded) }
    }
    suite.test("scenario 8: malformed device and identity public keys raise InvalidPublicKey") {
        val good = DeviceKey.generate().publicKey()
        // An ML-KEM coefficient of 0xfff (past the modulus 3329); an all-zero X25519 half.
        val pastModulus = good.copyOf().also { it[0] = 0xff.toByte(); it[1] = 0x0f }
        val zeroX25519 = good.copyOf().also { it.fill(0, it.size - 32, it.size) }
        for ((what, bad) in listOf("past the modulus" to pastModulus, "zero X25519" to zeroX25519)) {
            val e = assertRaises<KeepsakeException.InvalidPublicKey>("enroll device, $what") {
                s.alice.keyring.enrollDevice(s.alice.bundle, bad)
            }
            expect("device public key" in (e.message ?: "")) { "message: ${e.message}" }
        }
        assertRaises<KeepsakeException.InvalidLength>("32-byte device key") { s.alice.keyring.enrollDevice(s.alice.bundle, good.copyOf(32)) }
        val ipk = s.alice.keyring.identityPublicKey()
        val badIdentity = ipk.copyOf().also { it[32] = 0xff.toByte(); it[33] = 0x0f }
        assertRaises<KeepsakeException.InvalidPublicKey>("grant to a bad identity") { s.alice.keyring.grantAlbum(s.album, badIdentity, ByteArray(32)) }
        assertRaises<KeepsakeException.InvalidPublicKey>("fingerprint of a bad identity") { fingerprint(badIdentity) }
        assertRaises<KeepsakeException.InvalidLength>("digest of a digest") { identityDigest(s.alice.keyring.identityDigest()) }
    }

    // 9.
    suite.test("scenario 9: a flipped byte in the middle of the sealed original: DecryptionFailed") {
        val tampered = s.sealedOriginal.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 0x01).toByte() }
        assertRaises<KeepsakeException.DecryptionFailed>("tampered original") {
            s.mediaKey.open(s.mediaId, MediaKind.ORIGINAL, tampered)
        }
    }
    suite.test("scenario 9: the original opened as THUMBNAIL: DecryptionFailed") {
        assertRaises<KeepsakeException.DecryptionFailed>("original as thumbnail") {
            s.mediaKey.open(s.mediaId, MediaKind.THUMBNAIL, s.sealedOriginal)
        }
    }
    suite.test("scenario 9: the original cut at its last chunk boundary: TruncatedStream") {
        val lastChunk = s.original.size % CHUNK + TAG_LEN
        val cut = s.sealedOriginal.copyOf(s.sealedOriginal.size - lastChunk)
        assertEquals(0, (cut.size - HEADER_LEN) % (CHUNK + TAG_LEN), "cut at a chunk boundary")
        assertRaises<KeepsakeException.TruncatedStream>("truncated original") {
            s.mediaKey.open(s.mediaId, MediaKind.ORIGINAL, cut)
        }
    }
    suite.test("scenario 9: a flipped byte in the wrapped media key: DecryptionFailed") {
        val tampered = s.wrapped.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 0x80).toByte() }
        assertRaises<KeepsakeException.DecryptionFailed>("tampered wrapped key") {
            s.album.unwrapMediaKey(s.mediaId, tampered)
        }
    }
    suite.test("scenario 9: garbage bundle bytes: MalformedBundle") {
        val garbage = "this is not a bundle".toByteArray()
        assertRaises<KeepsakeException.MalformedBundle>("bundleDevices(garbage)") { bundleDevices(garbage) }
        assertRaises<KeepsakeException.MalformedBundle>("unlockWithPassphrase(garbage)") {
            unlockWithPassphrase(garbage, s.alicePassphrase)
        }
        assertRaises<KeepsakeException.MalformedBundle>("unlockWithRecovery(garbage)") {
            unlockWithRecovery(garbage, s.alice.recoveryPhrase)
        }
    }
    suite.test("scenario 9: the streaming sealer after finish(): StreamClosed") {
        s.mediaKey.sealer(s.mediaId, MediaKind.THUMBNAIL).use { sealer ->
            sealer.push(s.thumbnail)
            sealer.finish()
            assertRaises<KeepsakeException.StreamClosed>("push after finish") { sealer.push(byteArrayOf(1, 2, 3)) }
            assertRaises<KeepsakeException.StreamClosed>("finish after finish") { sealer.finish() }
        }
    }
}
