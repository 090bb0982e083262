// The test harness of the Kotlin binding suite (no JUnit offline): a list of named tests,
// run in order, each reported as `ok NAME` or `FAILED NAME: REASON` (or `skipped NAME: REASON`
// for a test registered with `skip`), then one closing line `N passed, N failed` (with
// `, N skipped` when any was). Exit status 1 if any failed (or none ran).
//
// Usage: java -Djna.library.path=DIR -cp suite.jar:jna.jar:gson.jar MainKt [SUBSTRING...]
//   With arguments, runs only the tests whose name contains one of them.
//   -Dkeepsake.vectors=DIR: the vector files (default tests/vectors, from the repo root).

import app.keepsake.AlbumKey
import app.keepsake.KeepsakeException
import app.keepsake.Keyring
import app.keepsake.historyEntryHash
import java.io.ByteArrayOutputStream
import kotlin.system.exitProcess

class TestCase(val name: String, val skipReason: String? = null, val body: () -> Unit)

/** The tests, in the order they run, and what to clean up after the last one. */
class Suite {
    val tests = mutableListOf<TestCase>()
    val cleanups = mutableListOf<() -> Unit>()

    fun test(name: String, body: () -> Unit) {
        require(tests.none { it.name == name }) { "duplicate test name: $name" }
        tests += TestCase(name, null, body)
    }

    /** Registers a test that is reported as skipped, with [reason] (say what re-enables it). */
    fun skip(name: String, reason: String) {
        require(tests.none { it.name == name }) { "duplicate test name: $name" }
        tests += TestCase(name, reason) {}
    }
}

class AssertionFailed(message: String) : Exception(message)

fun fail(message: String): Nothing = throw AssertionFailed(message)

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) fail(message())
}

fun <T> assertEquals(expected: T, actual: T, what: String) {
    if (expected != actual) fail("$what: expected <$expected>, got <$actual>")
}

fun assertBytes(expected: ByteArray, actual: ByteArray, what: String) {
    if (expected.contentEquals(actual)) return
    val at = (0 until minOf(expected.size, actual.size)).firstOrNull { expected[it] != actual[it] }
    fail(
        "$what: expected ${expected.size} bytes, got ${actual.size}" +
            (at?.let { ", first difference at byte $it" } ?: ", one a prefix of the other"),
    )
}

/** The simple names of KeepsakeException's subclasses (the flat error's variants). */
val errorNames: Set<String> by lazy {
    KeepsakeException::class.java.declaredClasses
        .filter { KeepsakeException::class.java.isAssignableFrom(it) }
        .map { it.simpleName }
        .toSet()
}

/** Runs [block], which must raise the KeepsakeException subclass [E]. */
inline fun <reified E : KeepsakeException> assertRaises(what: String, block: () -> Any?): E {
    try {
        block()
    } catch (e: KeepsakeException) {
        if (e is E) return e
        fail("$what: expected KeepsakeException.${E::class.simpleName}, got ${e::class.simpleName}: ${e.message}")
    }
    fail("$what: expected KeepsakeException.${E::class.simpleName}, nothing was raised")
}

/** Runs [block], which must raise the KeepsakeException subclass named [expected] (vector files). */
fun assertRaisesNamed(expected: String, what: String, block: () -> Any?) {
    expect(expected in errorNames) { "$what: `$expected` is not a KeepsakeException variant ($errorNames)" }
    try {
        block()
    } catch (e: KeepsakeException) {
        val got = e::class.simpleName
        if (got != expected) fail("$what: expected KeepsakeException.$expected, got $got: ${e.message}")
        return
    }
    fail("$what: expected KeepsakeException.$expected, nothing was raised")
}

/**
 * The hash of the genesis entry of a fresh history of [album]'s album owned by [keyring]: a
 * real album history entry for a grant to name where the test is not about the history.
 */
fun genesisOf(keyring: Keyring, album: AlbumKey): ByteArray =
    historyEntryHash(keyring.createAlbumHistory(album.albumId()))

fun hex(bytes: ByteArray): String = bytes.joinToString("") { "%02x".format(it) }

fun unhex(text: String): ByteArray {
    require(text.length % 2 == 0) { "odd-length hex" }
    return ByteArray(text.length / 2) { text.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
}

fun concat(parts: Iterable<ByteArray>): ByteArray {
    val out = ByteArrayOutputStream()
    parts.forEach { out.write(it) }
    return out.toByteArray()
}

/** [data] cut into pieces of [size] bytes (the last one shorter). */
fun pieces(data: ByteArray, size: Int): List<ByteArray> =
    (data.indices step size).map { data.copyOfRange(it, minOf(it + size, data.size)) }

fun describe(e: Throwable): String = when (e) {
    is AssertionFailed -> e.message ?: "assertion failed"
    is KeepsakeException -> "unexpected KeepsakeException.${e::class.simpleName}: ${e.message}"
    is UninitializedPropertyAccessException, is ExceptionInInitializerError ->
        "${e::class.simpleName}: ${e.message} (an earlier step failed?)"
    else -> "${e::class.qualifiedName}: ${e.message}" +
        (e.stackTrace.firstOrNull()?.let { " at $it" } ?: "")
}

fun main(args: Array<String>) {
    if (args.firstOrNull() == CHILD_OPEN_STALL) childOpenStall(args.drop(1))
    val suite = Suite()
    scenarioTests(suite)
    vectorTests(suite)
    secretTests(suite)
    metadataTests(suite)
    asyncTests(suite)
    lifecycleTests(suite)
    idiomTests(suite)
    provenanceTests(suite)
    linkTests(suite)
    val selected = if (args.isEmpty()) suite.tests else suite.tests.filter { t -> args.any { it in t.name } }

    var passed = 0
    var failed = 0
    var skipped = 0
    for (t in selected) {
        if (t.skipReason != null) {
            println("skipped ${t.name}: ${t.skipReason}")
            skipped++
            continue
        }
        try {
            t.body()
            println("ok ${t.name}")
            passed++
        } catch (e: Throwable) {
            println("FAILED ${t.name}: ${describe(e)}")
            failed++
        }
        System.out.flush()
    }
    for (cleanup in suite.cleanups) runCatching(cleanup).onFailure { println("cleanup: ${describe(it)}") }
    if (selected.isEmpty()) println("no test matched ${args.toList()}")
    println("$passed passed, $failed failed" + if (skipped > 0) ", $skipped skipped" else "")
    exitProcess(if (failed > 0 || passed == 0) 1 else 0)
}
