// SCENARIO.md section 5 in Kotlin: the suspend exports from coroutines. Slow calls run off
// the caller's thread (another coroutine on the same single thread keeps running while
// Argon2id runs), errors arrive as the same exceptions, and cancelling a file operation's
// coroutine stops it mid-file with nothing left under the destination.

import app.keepsake.*
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

fun asyncTests(suite: Suite) {
    suite.test("async: account calls suspend off the caller's thread") {
        runBlocking {
            // runBlocking is one thread: the ticker only runs if the calls really suspend.
            var ticks = 0
            var stop = false
            val ticker = launch { while (!stop) { ticks++; delay(1) } }
            val params = KdfParams(64u * 1024u, 3u, 1u)
            val created = createAccountAsync("pass phrase", params)
            val unlocked = unlockWithPassphraseAsync(created.bundle, "pass phrase")
            stop = true
            ticker.join()
            assertBytes(created.keyring.identityPublicKey(), unlocked.identityPublicKey(), "identity")
            expect(ticks > 3) { "the caller's thread was blocked (ticks = $ticks)" }
            val again = unlockWithRecoveryAsync(created.bundle, created.recoveryPhrase)
            assertEquals(created.keyring.fingerprint(), again.fingerprint(), "recovery unlock")
            val changed = created.keyring.changePassphraseAsync(created.bundle, "new phrase", kdfProfile(KdfProfile.FLOOR))
            assertEquals(created.keyring.fingerprint(), unlockWithPassphraseAsync(changed, "new phrase").fingerprint(), "changed")
            try {
                unlockWithPassphraseAsync(changed, "pass phrase")
                fail("the old passphrase still unlocks")
            } catch (e: KeepsakeException.WrongPassphrase) {
                // expected
            }
            val calibrated = kdfCalibrateAsync(32u * 1024u, 50uL)
            expect(calibrated.memoryKib <= 32u * 1024u) { "calibrated within the budget: $calibrated" }
        }
    }
    suite.test("async: sealFileAsync / openFileAsync round trip") {
        val dir = Files.createTempDirectory("keepsake-kotlin-async-").toFile()
        try {
            val key = MediaKey.generate()
            val id = newMediaId()
            val data = ByteArray(3 shl 20).also { java.util.Random(3).nextBytes(it) }
            File(dir, "in").writeBytes(data)
            runBlocking {
                val sealed = key.sealFileAsync(id, MediaKind.ORIGINAL, File(dir, "in").path, File(dir, "in.ks").path, false, null)
                assertEquals(File(dir, "in.ks").length().toULong(), sealed, "sealed size")
                val opened = key.openFileAsync(id, MediaKind.ORIGINAL, File(dir, "in.ks").path, File(dir, "out").path, false, null)
                assertEquals(data.size.toULong(), opened, "opened size")
            }
            assertBytes(data, File(dir, "out").readBytes(), "round trip")
        } finally {
            dir.deleteRecursively()
        }
    }
    suite.test("async: cancelling openFileAsync's coroutine stops it mid-file and leaves nothing") {
        val dir = Files.createTempDirectory("keepsake-kotlin-cancel-").toFile()
        try {
            val key = MediaKey.generate()
            val id = newMediaId()
            File(dir, "in").writeBytes(ByteArray(32 shl 20).also { java.util.Random(4).nextBytes(it) })
            key.sealFile(id, MediaKind.ORIGINAL, File(dir, "in").path, File(dir, "in.ks").path, false, null)
            val out = File(dir, "out").also { it.mkdir() }
            val started = CompletableDeferred<Unit>()
            var furthest = 0uL
            val slow = object : ProgressListener {
                override fun onProgress(done: ULong, total: ULong): Boolean {
                    furthest = maxOf(furthest, done)
                    if (done >= (4uL shl 20)) started.complete(Unit)
                    Thread.sleep(20)
                    return true
                }
            }
            runBlocking {
                val job = async {
                    key.openFileAsync(id, MediaKind.ORIGINAL, File(dir, "in.ks").path, File(out, "video.mp4").path, false, slow)
                }
                withTimeout(30_000) { started.await() }
                job.cancel()
                try {
                    job.await()
                    fail("the cancelled job completed")
                } catch (e: CancellationException) {
                    // expected
                }
            }
            val deadline = System.nanoTime() + 10_000_000_000L
            while (out.list()!!.isNotEmpty() && System.nanoTime() < deadline) Thread.sleep(20)
            assertEquals(emptyList<String>(), out.list()!!.toList(), "files left after cancelling")
            Thread.sleep(100)
            expect(furthest < (32uL shl 20)) { "the open ran to the end ($furthest bytes)" }
        } finally {
            dir.deleteRecursively()
        }
    }
}
