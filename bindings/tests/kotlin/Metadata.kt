// SCENARIO.md section 4 in Kotlin: metadata without a key, range opening from an app's
// random-access source, errors raised inside callbacks, the streaming opener's closed state.

import app.keepsake.*
import java.io.File
import java.io.RandomAccessFile
import java.nio.file.Files

private const val CHUNK = 64 * 1024
private const val HEADER = 88
private const val TAG = 16

/** A sealed object in memory, read by offset; records every request. */
private open class BytesSource(val data: ByteArray) : RandomAccessSource {
    val requests = mutableListOf<Pair<ULong, UInt>>()
    override fun length(): ULong = data.size.toULong()
    override fun readAt(offset: ULong, length: UInt): ByteArray {
        requests += offset to length
        val from = minOf(offset.toLong(), data.size.toLong()).toInt()
        return data.copyOfRange(from, minOf(from.toLong() + length.toLong(), data.size.toLong()).toInt())
    }
}

fun metadataTests(suite: Suite) {
    val key by lazy { MediaKey.generate() }
    val mediaId by lazy { newMediaId() }
    val plaintext = ByteArray((1 shl 20) + 123) { (it * 7 % 253).toByte() }
    val sealed by lazy { key.seal(mediaId, MediaKind.PREVIEW, plaintext) }

    suite.test("metadata: parseStreamHeader needs no key") {
        val header = parseStreamHeader(sealed.copyOf(HEADER))
        assertEquals(MediaKind.PREVIEW, header.kind, "kind")
        assertBytes(mediaId, header.mediaId, "media id")
        assertEquals(CHUNK.toUInt(), header.chunkSize, "chunk size")
        assertEquals(HEADER.toUInt(), header.headerLen, "header length")
        assertRaises<KeepsakeException.TruncatedHeader>("short header") { parseStreamHeader(sealed.copyOf(HEADER - 1)) }
    }
    suite.test("metadata: plaintext length from the sealed length") {
        for (size in listOf(0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7)) {
            val s = key.seal(mediaId, MediaKind.ORIGINAL, ByteArray(size))
            assertEquals(size.toULong(), streamPlaintextLen(s.copyOf(HEADER), s.size.toULong()), "size $size")
        }
        assertRaises<KeepsakeException.TruncatedStream>("cut") { streamPlaintextLen(sealed.copyOf(HEADER), HEADER.toULong()) }
    }
    suite.test("metadata: planRange names the bytes that openRangeFrom reads") {
        val plan = planRange(sealed.copyOf(HEADER), sealed.size.toULong(), 500_000uL, 70_000uL)
        val stride = (CHUNK + TAG).toULong()
        assertEquals((500_000 / CHUNK).toULong(), plan.firstChunk, "first chunk")
        assertEquals(HEADER.toULong() + plan.firstChunk * stride, plan.sealedOffset, "sealed offset")
        assertEquals(plan.chunkCount * stride, plan.sealedLen, "sealed length")
        assertEquals(570_000uL, plan.end, "end")
        assertEquals(plaintext.size.toULong(), plan.plaintextLen, "plaintext length")
        expect(!plan.reachesEnd) { "reaches end" }
        val source = BytesSource(sealed)
        val part = key.openRangeFrom(mediaId, MediaKind.PREVIEW, source, 500_000uL, 70_000uL)
        assertBytes(plaintext.copyOfRange(500_000, 570_000), part, "range")
        for ((offset, length) in source.requests) {
            val end = offset + length.toULong()
            expect(end <= HEADER.toULong() || (offset >= plan.sealedOffset && end <= plan.sealedOffset + plan.sealedLen)) {
                "read ($offset, $length) outside the header and the plan $plan"
            }
        }
        assertRaises<KeepsakeException.RangeOutOfBounds>("past the end") {
            planRange(sealed.copyOf(HEADER), sealed.size.toULong(), plaintext.size.toULong() + 1uL, 1uL)
        }
    }
    suite.test("metadata: openRangeFrom refuses a wrong key, kind or altered chunk") {
        assertRaises<KeepsakeException.DecryptionFailed>("wrong key") {
            MediaKey.generate().openRangeFrom(mediaId, MediaKind.PREVIEW, BytesSource(sealed), 0uL, 10uL)
        }
        assertRaises<KeepsakeException.DecryptionFailed>("wrong kind") {
            key.openRangeFrom(mediaId, MediaKind.ORIGINAL, BytesSource(sealed), 0uL, 10uL)
        }
        val tampered = sealed.copyOf().also { it[HEADER + 8 * (CHUNK + TAG) + 5] = (it[HEADER + 8 * (CHUNK + TAG) + 5].toInt() xor 1).toByte() }
        assertRaises<KeepsakeException.DecryptionFailed>("altered chunk") {
            key.openRangeFrom(mediaId, MediaKind.PREVIEW, BytesSource(tampered), (8 * CHUNK).toULong(), 10uL)
        }
        assertBytes(plaintext.copyOf(10), key.openRangeFrom(mediaId, MediaKind.PREVIEW, BytesSource(tampered), 0uL, 10uL), "untouched range")
    }
    suite.test("callbacks: an exception thrown by a source becomes KeepsakeException.Callback with its message") {
        val failing = object : BytesSource(sealed) {
            override fun readAt(offset: ULong, length: UInt): ByteArray {
                if (offset >= HEADER.toULong()) throw CallbackException.Failed("the network went away")
                return super.readAt(offset, length)
            }
        }
        val e = assertRaises<KeepsakeException.Callback>("CallbackException") {
            key.openRangeFrom(mediaId, MediaKind.PREVIEW, failing, 0uL, 10uL)
        }
        expect("the network went away" in (e.message ?: "")) { "message: ${e.message}" }
        val buggy = object : BytesSource(sealed) {
            override fun readAt(offset: ULong, length: UInt): ByteArray = throw IllegalStateException("an app bug")
        }
        val e2 = assertRaises<KeepsakeException.Callback>("IllegalStateException") {
            key.openRangeFrom(mediaId, MediaKind.PREVIEW, buggy, 0uL, 10uL)
        }
        expect("an app bug" in (e2.message ?: "")) { "message: ${e2.message}" }
    }
    suite.test("callbacks: an exception in a progress listener fails openFile and leaves nothing") {
        val dir = Files.createTempDirectory("keepsake-kotlin-cb-").toFile()
        try {
            val src = File(dir, "item.ks").also { it.writeBytes(sealed) }
            val broken = object : ProgressListener {
                override fun onProgress(done: ULong, total: ULong): Boolean = throw RuntimeException("listener exploded")
            }
            val e = assertRaises<KeepsakeException.Callback>("listener") {
                key.openFile(mediaId, MediaKind.PREVIEW, src.path, File(dir, "out.jpg").path, false, broken)
            }
            expect("listener exploded" in (e.message ?: "")) { "message: ${e.message}" }
            assertEquals(listOf("item.ks"), dir.list()!!.sorted(), "files left")
        } finally {
            dir.deleteRecursively()
        }
    }
    suite.test("metadata: a range of a 256 MiB file through a source reads about the range") {
        val dir = Files.createTempDirectory("keepsake-kotlin-big-").toFile()
        try {
            val plain = File(dir, "video.bin")
            RandomAccessFile(plain, "rw").use { it.setLength(256L shl 20) }
            val big = File(dir, "video.ks")
            key.sealFile(mediaId, MediaKind.ORIGINAL, plain.path, big.path, false, null)
            plain.delete()
            RandomAccessFile(big, "r").use { file ->
                var read = 0L
                val source = object : RandomAccessSource {
                    override fun length(): ULong = file.length().toULong()
                    override fun readAt(offset: ULong, length: UInt): ByteArray {
                        val n = minOf(length.toLong(), file.length() - offset.toLong()).toInt().coerceAtLeast(0)
                        val buf = ByteArray(n)
                        file.seek(offset.toLong())
                        file.readFully(buf)
                        read += n
                        return buf
                    }
                }
                val part = key.openRangeFrom(mediaId, MediaKind.ORIGINAL, source, 128uL shl 20, 1uL shl 20)
                assertEquals(1 shl 20, part.size, "range length")
                expect(part.all { it == 0.toByte() }) { "the plaintext is the sparse file's zeros" }
                expect(read <= (1L shl 20) + 2 * (CHUNK + TAG) + HEADER) { "read $read bytes for 1 MiB" }
            }
        } finally {
            dir.deleteRecursively()
        }
    }
    suite.test("metadata: inspectGrant shows the header before acceptance") {
        val floor = kdfProfile(KdfProfile.FLOOR)
        val alice = createAccount("alice", floor).keyring
        val bob = createAccount("bob", floor).keyring
        val albumId = newAlbumId()
        val album = alice.albumKey(albumId, 4uL)
        val entry = genesisOf(alice, album)
        val grant = alice.grantAlbum(album, bob.identityPublicKey(), entry)
        val info = inspectGrant(grant)
        assertBytes(entry, info.historyEntry, "history entry")
        assertBytes(alice.identityDigest(), info.senderIdentityDigest, "sender")
        assertEquals(alice.fingerprint(), info.senderFingerprint, "fingerprint")
        assertBytes(bob.identityDigest(), info.recipientIdentityDigest, "recipient")
        assertBytes(albumId, info.albumId, "album")
        assertEquals(4uL, info.epoch, "epoch")
        assertRaises<KeepsakeException.MalformedGrant>("cut grant") { inspectGrant(grant.copyOf(grant.size - 1)) }
    }
    suite.test("errors: a refused stream names its media id and kind; an I/O error its path") {
        val refused = assertRaises<KeepsakeException.DecryptionFailed>("wrong kind") {
            key.open(mediaId, MediaKind.THUMBNAIL, sealed)
        }
        expect("media ${hex(mediaId)} thumbnail" in (refused.message ?: "")) { "message: ${refused.message}" }
        val missing = "/nonexistent-keepsake-dir/item.ks"
        val io = assertRaises<KeepsakeException.Io>("missing file") {
            key.openFileRange(mediaId, MediaKind.PREVIEW, missing, 0uL, 1uL)
        }
        expect(missing in (io.message ?: "")) { "message: ${io.message}" }
    }
    suite.test("streaming: the opener after an error or finish raises StreamClosed") {
        key.opener(mediaId, MediaKind.PREVIEW).use { opener ->
            assertRaises<KeepsakeException.BadMagic>("garbage") { opener.push(ByteArray(120) { 1 }) }
            assertRaises<KeepsakeException.StreamClosed>("push after error") { opener.push(sealed) }
            assertRaises<KeepsakeException.StreamClosed>("finish after error") { opener.finish() }
        }
        key.opener(mediaId, MediaKind.PREVIEW).use { opener ->
            assertBytes(plaintext, concat(listOf(opener.push(sealed), opener.finish())), "opened")
            assertRaises<KeepsakeException.StreamClosed>("push after finish") { opener.push(byteArrayOf(1)) }
            assertRaises<KeepsakeException.StreamClosed>("finish after finish") { opener.finish() }
        }
    }
    suite.test("memory budget: file calls and the sealer stay within it, or refuse a chunk that cannot fit") {
        val dir = Files.createTempDirectory("keepsake-kotlin-budget-").toFile()
        try {
            val data = ByteArray(300_000) { (it * 31 % 251).toByte() }
            val plain = File(dir, "in").also { it.writeBytes(data) }
            val sealedFile = File(dir, "in.ks")
            val budget = 200uL * 1024uL // one 64 KiB chunk at a time, not a batch
            key.sealFile(mediaId, MediaKind.ORIGINAL, plain.path, sealedFile.path, false, null, budget)
            val out = File(dir, "out")
            val n = key.openFile(mediaId, MediaKind.ORIGINAL, sealedFile.path, out.path, false, null, budget)
            assertEquals(data.size.toULong(), n, "opened size")
            assertBytes(data, out.readBytes(), "opened")
            val e = assertRaises<KeepsakeException.TooLarge>("below one chunk") {
                key.openFile(mediaId, MediaKind.ORIGINAL, sealedFile.path, File(dir, "refused").path, false, null, 100_000uL)
            }
            expect("131089" in (e.message ?: "")) { "message: ${e.message}" }
            assertEquals(listOf("in", "in.ks", "out"), dir.list()!!.sorted(), "files left")
            assertRaises<KeepsakeException.TooLarge>("sealer below one chunk") {
                key.sealer(mediaId, MediaKind.PREVIEW, 60_000uL)
            }
            key.sealer(mediaId, MediaKind.PREVIEW, budget).use { sealer ->
                val stream = concat(listOf(sealer.push(data.copyOf(123_456)), sealer.push(data.copyOfRange(123_456, data.size)), sealer.finish()))
                assertBytes(data, key.open(mediaId, MediaKind.PREVIEW, stream), "sealed under a budget")
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
