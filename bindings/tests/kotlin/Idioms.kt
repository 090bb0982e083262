// Issue 12, item 4 in Kotlin: records that hold bytes compare (and hash) by content, objects
// are AutoCloseable (`use {}` closes them, also on an exception), and every KeepsakeException
// has a category (bindings/kotlin/KeepsakeIdioms.kt) a caller branches on, checked on real
// failures and, variant by variant, against the mapping written out below.

import app.keepsake.*
import java.io.File
import java.nio.file.Files

/** The category of every KeepsakeException variant (the mapping of the categories note). */
private val EXPECTED_CATEGORIES: Map<String, KeepsakeErrorCategory> = buildMap {
    fun put(category: KeepsakeErrorCategory, names: String) = names.split(" ").forEach { put(it, category) }
    put(
        KeepsakeErrorCategory.AUTHENTICATION,
        "DecryptionFailed BundleTampered IdentityMismatch Rollback GrantBadSignature GrantWrongSender " +
            "GrantWrongRecipient GrantWrongAlbum " +
            "ProvenanceUnsigned ProvenanceWrongItem ProvenanceNotMember ProvenanceBadSignature ProvenanceMismatch ProvenanceChunkMismatch SelectionWrongSender SelectionWrongRecipient SelectionWrongAlbum SelectionWrongHistory SelectionBadSignature HistoryWrongAlbum HistoryWrongOwner HistoryBrokenLink HistoryBadSignature HistoryNotMember HistoryNotAllowed HistoryBadEpoch HistoryFork HistoryRollback HistoryUnknownEntry " +
            "LinkWrongId DropWrongAlbum DropBadSignature",
    )
    put(
        KeepsakeErrorCategory.MALFORMED_INPUT,
        "BadMagic UnsupportedVersion UnsupportedSuite ChunkSizeOutOfRange UnknownKind TruncatedHeader " +
            "TruncatedStream TrailingData EmptyFinalChunk TooLarge InvalidLength InvalidPublicKey " +
            "MalformedBundle MalformedGrant InvalidRecoveryPhrase MalformedManifest MalformedSelection " +
            "MalformedHistoryEntry MalformedLink MalformedDrop",
    )
    put(KeepsakeErrorCategory.WRONG_SECRET, "WrongPassphrase WrongRecoveryPhrase DeviceNotEnrolled LinkPasswordRequired")
    put(KeepsakeErrorCategory.IO, "Io DestinationExists")
    put(
        KeepsakeErrorCategory.MISUSE,
        "RangeOutOfBounds StreamTooLong StreamClosed KdfParamsTooWeak KdfParamsTooCostly NotAlbumOwner " +
            "UnknownGeneration NotInSelection",
    )
    put(KeepsakeErrorCategory.CANCELLED, "Cancelled")
    put(KeepsakeErrorCategory.CALLBACK, "Callback")
    put(KeepsakeErrorCategory.RESOURCE, "RandomnessUnavailable OutOfMemory")
    put(KeepsakeErrorCategory.UNKNOWN, "Other")
}

/** Runs [block], which must raise a KeepsakeException of [category]; returns it. */
private fun raisesCategory(category: KeepsakeErrorCategory, what: String, block: () -> Any?): KeepsakeException {
    try {
        block()
    } catch (e: KeepsakeException) {
        assertEquals(category, e.category, "$what: category of ${e::class.simpleName} (${e.message})")
        return e
    }
    fail("$what: expected a KeepsakeException of category $category, nothing was raised")
}

/** [a] and [b] are equal with equal hash codes, and neither shares a byte array with the other. */
private fun <T : Any> checkEqualRecords(a: T, b: T, what: String) {
    expect(a == b) { "$what: records of equal content differ" }
    expect(a.hashCode() == b.hashCode()) { "$what: equal records hash to ${a.hashCode()} and ${b.hashCode()}" }
    expect(setOf(a, b).size == 1) { "$what: a set keeps both equal records" }
}

private fun <T : Any> checkDifferentRecords(a: T, b: T, what: String) {
    expect(a != b) { "$what: records of different content are equal" }
}

private class Idioms {
    val floor by lazy { kdfProfile(KdfProfile.FLOOR) }
    val account by lazy { createAccount("idioms passphrase", floor) }
    val other by lazy { createAccount("another idioms passphrase", floor) }
    val mediaId by lazy { newMediaId() }
    val key by lazy { MediaKey.generate() }
    val sealed by lazy { key.seal(mediaId, MediaKind.ORIGINAL, ByteArray(70_000) { (it % 251).toByte() }) }
    val dir: File by lazy { Files.createTempDirectory("keepsake-idioms").toFile() }
}

fun idiomTests(suite: Suite) {
    val s = Idioms()
    suite.cleanups += { if (s.dir.exists()) s.dir.deleteRecursively() }

    suite.test("idioms: records of bytes compare and hash by content: StreamHeader, GrantInfo, ExpectedAlbum, MemberGrant") {
        val header = parseStreamHeader(s.sealed.copyOf(88))
        checkEqualRecords(header, parseStreamHeader(s.sealed.copyOf(88)), "StreamHeader parsed twice")
        checkEqualRecords(header, header.copy(mediaId = header.mediaId.copyOf()), "StreamHeader copied")
        val otherId = header.mediaId.copyOf().also { it[0] = (it[0] + 1).toByte() }
        checkDifferentRecords(header, header.copy(mediaId = otherId), "StreamHeader of another media id")

        val bob = s.other.keyring
        val album = s.account.keyring.albumKey(newAlbumId(), s.account.keyring.currentEpoch())
        val grant = s.account.keyring.grantAlbum(album, bob.identityPublicKey(), genesisOf(s.account.keyring, album))
        val info = inspectGrant(grant)
        checkEqualRecords(info, inspectGrant(grant.copyOf()), "GrantInfo inspected twice")
        checkDifferentRecords(info, info.copy(albumId = newAlbumId()), "GrantInfo of another album")
        checkDifferentRecords(info, info.copy(senderFingerprint = "x"), "GrantInfo of another fingerprint")

        val expected = ExpectedAlbum(album.albumId(), album.epoch())
        checkEqualRecords(expected, ExpectedAlbum(album.albumId().copyOf(), album.epoch()), "ExpectedAlbum")
        checkDifferentRecords(expected, expected.copy(epoch = album.epoch() + 1uL), "ExpectedAlbum of another epoch")

        val member = MemberGrant(bob.identityPublicKey(), grant)
        checkEqualRecords(member, MemberGrant(bob.identityPublicKey(), grant.copyOf()), "MemberGrant")
        checkDifferentRecords(member, member.copy(grant = grant.copyOf().also { it[5] = (it[5] + 1).toByte() }), "MemberGrant altered")
        // A list of records compares through the records' equals.
        assertEquals(listOf(member), listOf(member.copy(grant = grant.copyOf())), "List<MemberGrant>")
    }

    suite.test("idioms: records holding objects compare bytes by content, objects by identity: NewAccount, Enrollment, RotatedRoot, RotatedRecovery") {
        val a = s.account
        checkEqualRecords(a, a.copy(bundle = a.bundle.copyOf()), "NewAccount with a copied bundle")
        checkDifferentRecords(a, a.copy(keyring = s.other.keyring), "NewAccount with another keyring")
        checkDifferentRecords(a, a.copy(bundle = s.other.bundle), "NewAccount with another bundle")

        val device = DeviceKey.generate()
        val enrollment = a.keyring.enrollDevice(a.bundle, device.publicKey())
        // The pin is compared by value: one read back from its bytes is a different object.
        val samePin = enrollment.copy(bundle = enrollment.bundle.copyOf(), pin = AccountPin.fromBytes(enrollment.pin.toBytes()))
        checkEqualRecords(enrollment, samePin, "Enrollment with a copied bundle and pin")
        checkDifferentRecords(enrollment, enrollment.copy(bundle = a.bundle), "Enrollment with another bundle")

        val rotated = a.keyring.rotate(a.bundle)
        checkEqualRecords(rotated, rotated.copy(bundle = rotated.bundle.copyOf()), "RotatedRoot")
        checkDifferentRecords(rotated, rotated.copy(keyring = a.keyring), "RotatedRoot with another keyring")

        val recovery = a.keyring.rotateRecovery(a.bundle)
        checkEqualRecords(recovery, recovery.copy(bundle = recovery.bundle.copyOf()), "RotatedRecovery")
        checkDifferentRecords(recovery, recovery.copy(recoveryPhrase = a.recoveryPhrase), "RotatedRecovery with another phrase")
    }

    suite.test("idioms: every object is AutoCloseable") {
        val objects = listOf(
            AccountPin::class, AlbumKey::class, CancelToken::class, DeviceKey::class, Keyring::class,
            MediaKey::class, RecoveryPhrase::class, StreamOpener::class, StreamSealer::class,
            HistoryPin::class, VerifiedHistory::class, VerifiedItem::class, Selection::class,
            CollectLink::class, LinkAddress::class, LinkPassword::class, LinkText::class, NewLink::class, OpenedDrop::class,
        )
        for (k in objects) expect(AutoCloseable::class.java.isAssignableFrom(k.java)) { "${k.simpleName} is not AutoCloseable" }
        // Every generated class that owns a Rust object (it has a cleanup action) is in the list.
        val owning = Class.forName("app.keepsake.MediaKey").`package`.name.let { pkg ->
            KeepsakeException::class.java.protectionDomain.codeSource.location.let { jar ->
                java.util.zip.ZipFile(File(jar.toURI())).use { z ->
                    z.entries().toList().map { it.name }
                        .filter { it.startsWith("app/keepsake/") && it.endsWith("\$UniffiCleanAction.class") }
                        .map { it.removePrefix("app/keepsake/").removeSuffix("\$UniffiCleanAction.class") }
                }
            }
        }.filterNot { it.endsWith("Impl") }  // the foreign-implemented interfaces' Rust-side proxies
        assertEquals(objects.map { it.simpleName }.toSet(), owning.toSet(), "the object classes")
    }

    suite.test("idioms: use {} closes the object, also when the block throws") {
        val plaintext = "closed after use".toByteArray()
        val key = MediaKey.generate()
        val sealed = (key as AutoCloseable).use { key.seal(s.mediaId, MediaKind.PREVIEW, plaintext) }
        val closed = runCatching { key.seal(s.mediaId, MediaKind.PREVIEW, plaintext) }.exceptionOrNull()
        expect(closed is IllegalStateException) { "a MediaKey used after use {}: expected IllegalStateException, got $closed" }

        val sealer = s.key.sealer(s.mediaId, MediaKind.THUMBNAIL)
        val thrown = runCatching<Unit> { sealer.use { it.push(plaintext); throw IllegalArgumentException("app bug") } }
        assertEquals("app bug", thrown.exceptionOrNull()?.message, "the block's exception comes through use {}")
        val after = runCatching { sealer.push(plaintext) }.exceptionOrNull()
        expect(after is IllegalStateException) { "a StreamSealer used after a throwing use {}: expected IllegalStateException, got $after" }
        assertEquals(plaintext.size + 88 + 16, sealed.size, "use {} returned the block's value: sealed size")
    }

    suite.test("java: a Java caller (JavaCallers.java, compiled by javac) calls every numeric API by its plain name") {
        val caller = runCatching { Class.forName("JavaCallers") }.getOrElse {
            fail("JavaCallers is not on the class path: run the suite through run.sh")
        }
        try {
            caller.getMethod("run").invoke(null)
        } catch (e: java.lang.reflect.InvocationTargetException) {
            throw e.targetException
        }
    }

    suite.test("java: every mangled JVM name has a plain-named form in KeepsakeJvm") {
        // What javap shows: a member taking or returning ULong/UInt is named `name-XXXXXXX`.
        val pkg = "app.keepsake"
        val jar = File(KeepsakeException::class.java.protectionDomain.codeSource.location.toURI())
        val jarLoader = KeepsakeException::class.java.classLoader
        val classes = java.util.zip.ZipFile(jar).use { z ->
            z.entries().toList().map { it.name }
                .filter { it.startsWith("app/keepsake/") && it.endsWith(".class") }
                .map { Class.forName(it.removeSuffix(".class").replace('/', '.'), false, jarLoader) }
        }
        val facade = Class.forName("$pkg.KeepsakeJvm").methods.map { it.name }.toSet()
        // The callback interfaces have their Java adapters (JavaProgressListener, JavaRandomAccessSource).
        val adapters = setOf("ProgressListener", "RandomAccessSource", "JavaProgressListener", "JavaRandomAccessSource")
        val missing = mutableListOf<String>()
        for (c in classes) {
            if (!java.lang.reflect.Modifier.isPublic(c.modifiers) || c.simpleName.endsWith("Impl")) continue
            if (c.simpleName.startsWith("FfiConverter") || c.simpleName in adapters) continue
            for (m in c.declaredMethods) {
                // (A `$` marks a Kotlin-internal member: `alloc-VKZWuLQ$main`.)
                if (!java.lang.reflect.Modifier.isPublic(m.modifiers) || m.isSynthetic || '-' !in m.name || '$' in m.name) continue
                val base = m.name.substringBefore('-')
                // Kotlin-only: suspend calls (Java has no coroutines), data-class copy/componentN.
                if (m.parameterTypes.lastOrNull() == kotlin.coroutines.Continuation::class.java) continue
                if (base == "copy" || base.matches(Regex("component\\d+"))) continue
                val plain = if (base.startsWith("get") && m.parameterCount == 0) base.removePrefix("get").replaceFirstChar { it.lowercase() } else base
                if (plain !in facade) missing += "${c.simpleName}.${m.name}"
            }
        }
        expect(missing.isEmpty()) { "no Java-callable form in KeepsakeJvm for $missing" }
        // And the adapters implement the callback interfaces under plain names.
        val listener = Class.forName("$pkg.JavaProgressListener").getMethod("onProgress", Long::class.java, Long::class.java)
        expect(java.lang.reflect.Modifier.isAbstract(listener.modifiers)) { "JavaProgressListener.onProgress(long, long) is not abstract" }
        val source = Class.forName("$pkg.JavaRandomAccessSource").getMethod("readAt", Long::class.java, Int::class.java)
        expect(java.lang.reflect.Modifier.isAbstract(source.modifiers)) { "JavaRandomAccessSource.readAt(long, int) is not abstract" }
    }

    suite.test("idioms: every KeepsakeException variant has the category of the mapping") {
        // Java reflection (no kotlin-reflect here): the sealed class's nested subclasses.
        val variants = KeepsakeException::class.java.declaredClasses.filter { KeepsakeException::class.java.isAssignableFrom(it) }
        assertEquals(EXPECTED_CATEGORIES.keys, variants.map { it.simpleName }.toSet(), "the variants the mapping places")
        for (v in variants) {
            val e = v.getConstructor(String::class.java).newInstance("m") as KeepsakeException
            assertEquals(EXPECTED_CATEGORIES[v.simpleName], e.category, "category of ${v.simpleName}")
        }
        assertEquals(KeepsakeErrorCategory.entries.toSet(), EXPECTED_CATEGORIES.values.toSet(), "every category is used")
    }

    suite.test("idioms: real failures branch by category, and name what they are about") {
        val auth = raisesCategory(KeepsakeErrorCategory.AUTHENTICATION, "a thumbnail opened as the original") {
            s.key.open(s.mediaId, MediaKind.THUMBNAIL, s.sealed)
        }
        expect(hex(s.mediaId) in auth.message!! && "thumbnail" in auth.message!!) { "the refused stream is named: ${auth.message}" }
        raisesCategory(KeepsakeErrorCategory.MALFORMED_INPUT, "a header of zeros") { parseStreamHeader(ByteArray(88)) }
        raisesCategory(KeepsakeErrorCategory.WRONG_SECRET, "a wrong passphrase") { unlockWithPassphrase(s.account.bundle, "wrong") }
        val missing = File(s.dir, "missing.heic").path
        val io = raisesCategory(KeepsakeErrorCategory.IO, "sealing a missing file") {
            s.key.sealFile(s.mediaId, MediaKind.ORIGINAL, missing, File(s.dir, "out").path, false, null)
        }
        expect(missing in io.message!!) { "the I/O error names the path: ${io.message}" }
        val sealer = s.key.sealer(s.mediaId, MediaKind.ORIGINAL)
        sealer.finish()
        raisesCategory(KeepsakeErrorCategory.MISUSE, "a sealer used after finish") { sealer.push(ByteArray(1)) }
        val source = File(s.dir, "source.bin").apply { writeBytes(ByteArray(1 shl 20)) }.path
        val stop = object : ProgressListener {
            override fun onProgress(done: ULong, total: ULong) = false
        }
        raisesCategory(KeepsakeErrorCategory.CANCELLED, "a listener that cancels") {
            s.key.sealFile(s.mediaId, MediaKind.ORIGINAL, source, File(s.dir, "cancelled").path, false, stop)
        }
        val broken = object : ProgressListener {
            override fun onProgress(done: ULong, total: ULong): Boolean = throw IllegalStateException("disk quota")
        }
        val callback = raisesCategory(KeepsakeErrorCategory.CALLBACK, "a listener that throws") {
            s.key.sealFile(s.mediaId, MediaKind.ORIGINAL, source, File(s.dir, "thrown").path, false, broken)
        }
        expect("disk quota" in callback.message!!) { "the callback's own message: ${callback.message}" }
        // The branch an app writes: exhaustive over the categories, no else.
        val advice = when (auth.category) {
            KeepsakeErrorCategory.AUTHENTICATION -> "refuse"
            KeepsakeErrorCategory.MALFORMED_INPUT, KeepsakeErrorCategory.MISUSE, KeepsakeErrorCategory.UNKNOWN -> "report"
            KeepsakeErrorCategory.WRONG_SECRET -> "ask again"
            KeepsakeErrorCategory.IO, KeepsakeErrorCategory.RESOURCE -> "retry later"
            KeepsakeErrorCategory.CANCELLED, KeepsakeErrorCategory.CALLBACK -> "nothing"
        }
        assertEquals("refuse", advice, "the app's branch")
    }
}
