// Java-callable forms of the Keepsake calls that take or return unsigned numbers (issue 12,
// item 4), compiled into the module with the generated keepsake.kt (package app.keepsake).
//
// Kotlin's ULong and UInt are inline classes: a function taking one, a member returning one
// and a record property of one get a mangled JVM name (`planRange-tc6d2E8`,
// `getEpoch-s-VKNKU`), and a record of one has no public constructor, so Java cannot call
// them, nor implement ProgressListener or RandomAccessSource. This file gives each a form
// with `long` / `int` under its plain name (Java: `KeepsakeJvm.planRange(...)`,
// `KeepsakeJvm.epoch(album)`, `new JavaProgressListener() { ... }`); Kotlin code keeps the
// generated ULong forms, and may use these where it holds Longs. The names Java sees are
// checked by a Java source compiled against the module (bindings/tests/kotlin/JavaCallers.java).
//
// Sizes, offsets and lengths are checked: a negative one is an IllegalArgumentException.
// Epochs and generations are identifiers: their 64 bits pass unchanged (an epoch above
// Long.MAX_VALUE, generation 2^31 or later, reads as negative and goes back as it came).
// The suspend calls are for Kotlin only (Java has no coroutines); Java calls their blocking
// forms on a thread of its own.

@file:JvmName("KeepsakeJvm")

package app.keepsake

private fun count(value: Long, what: String): ULong {
    require(value >= 0) { "$what must not be negative (got $value)" }
    return value.toULong()
}

private fun count(value: Int, what: String): UInt {
    require(value >= 0) { "$what must not be negative (got $value)" }
    return value.toUInt()
}

/** A size in bytes as a Long (sizes never reach 2^63). */
private fun ULong.size(): Long = toLong()

// ---- Top-level functions -------------------------------------------------------------

/** [planRange] with Long sizes. */
@Throws(KeepsakeException::class)
fun planRange(sealedPrefix: ByteArray, sealedLen: Long, offset: Long, length: Long): RangePlan =
    planRange(sealedPrefix, count(sealedLen, "sealedLen"), count(offset, "offset"), count(length, "length"))

/** [streamPlaintextLen] with Long sizes. */
@Throws(KeepsakeException::class)
fun streamPlaintextLen(sealedPrefix: ByteArray, sealedLen: Long): Long =
    streamPlaintextLen(sealedPrefix, count(sealedLen, "sealedLen")).size()

/** [kdfCalibrate] with an Int memory budget (KiB) and a Long time target (ms). */
@Throws(KeepsakeException::class)
fun kdfCalibrate(memoryBudgetKib: Int, targetMillis: Long): KdfParams =
    kdfCalibrate(count(memoryBudgetKib, "memoryBudgetKib"), count(targetMillis, "targetMillis"))

// ---- Records ---------------------------------------------------------------------------

/** Argon2id parameters (memory in KiB, passes, lanes), for Java: a [KdfParams]. */
@JvmName("kdfParams")
fun kdfParams(memoryKib: Int, iterations: Int, parallelism: Int): KdfParams =
    KdfParams(count(memoryKib, "memoryKib"), count(iterations, "iterations"), count(parallelism, "parallelism"))

/** The album and epoch a grant must be for, for Java: an [ExpectedAlbum]. */
@JvmName("expectedAlbum")
fun expectedAlbum(albumId: ByteArray, epoch: Long): ExpectedAlbum = ExpectedAlbum(albumId, epoch.toULong())

// The properties below have the members' names: Kotlin code reads the members (a member
// always wins), Java reads these (`KeepsakeJvm.memoryKib(params)`).

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("memoryKib")
val KdfParams.memoryKib: Int get() = this.memoryKib.toInt()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("iterations")
val KdfParams.iterations: Int get() = this.iterations.toInt()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("parallelism")
val KdfParams.parallelism: Int get() = this.parallelism.toInt()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("epoch")
val ExpectedAlbum.epoch: Long get() = this.epoch.toLong()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("epoch")
val GrantInfo.epoch: Long get() = this.epoch.toLong()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("chunkSize")
val StreamHeader.chunkSize: Int get() = this.chunkSize.toInt()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("headerLen")
val StreamHeader.headerLen: Int get() = this.headerLen.toInt()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("firstChunk")
val RangePlan.firstChunk: Long get() = this.firstChunk.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("chunkCount")
val RangePlan.chunkCount: Long get() = this.chunkCount.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("sealedOffset")
val RangePlan.sealedOffset: Long get() = this.sealedOffset.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("sealedLen")
val RangePlan.sealedLen: Long get() = this.sealedLen.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("plaintextStart")
val RangePlan.plaintextStart: Long get() = this.plaintextStart.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("end")
val RangePlan.end: Long get() = this.end.size()

@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
@get:JvmName("plaintextLen")
val RangePlan.plaintextLen: Long get() = this.plaintextLen.size()

// ---- Objects ---------------------------------------------------------------------------

/** The newest account generation the pin has seen. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun AccountPin.generation(): Long = this.generation().toLong()

/** [AlbumKey.fromSecretBytes] with a Long epoch (Java: `KeepsakeJvm.fromSecretBytes(AlbumKey.Companion, ...)`). */
@Throws(KeepsakeException::class)
fun AlbumKey.Companion.fromSecretBytes(albumId: ByteArray, epoch: Long, bytes: ByteArray): AlbumKey =
    fromSecretBytes(albumId, epoch.toULong(), bytes)

/** The album key's epoch. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun AlbumKey.epoch(): Long = this.epoch().toLong()

/** The keyring's account generation. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun Keyring.generation(): Long = this.generation().toLong()

/** The keyring's current epoch (new items go under it). */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun Keyring.currentEpoch(): Long = this.currentEpoch().toLong()

/** [Keyring.albumKey] with a Long epoch. */
@Throws(KeepsakeException::class)
fun Keyring.albumKey(albumId: ByteArray, epoch: Long): AlbumKey = albumKey(albumId, epoch.toULong())

/** [MediaKey.openRange] with Long offset and length. */
@Throws(KeepsakeException::class)
fun MediaKey.openRange(mediaId: ByteArray, kind: MediaKind, sealed: ByteArray, offset: Long, length: Long): ByteArray =
    openRange(mediaId, kind, sealed, count(offset, "offset"), count(length, "length"))

/** [MediaKey.openFileRange] with Long offset and length. */
@Throws(KeepsakeException::class)
fun MediaKey.openFileRange(mediaId: ByteArray, kind: MediaKind, path: String, offset: Long, length: Long): ByteArray =
    openFileRange(mediaId, kind, path, count(offset, "offset"), count(length, "length"))

/** [MediaKey.openRangeFrom] with Long offset and length. */
@Throws(KeepsakeException::class)
fun MediaKey.openRangeFrom(
    mediaId: ByteArray,
    kind: MediaKind,
    source: RandomAccessSource,
    offset: Long,
    length: Long,
): ByteArray = openRangeFrom(mediaId, kind, source, count(offset, "offset"), count(length, "length"))

/** [MediaKey.sealer] with a Long memory budget (null: the default). */
@Throws(KeepsakeException::class)
fun MediaKey.sealer(mediaId: ByteArray, kind: MediaKind, memoryBudgetBytes: Long?): StreamSealer =
    sealer(mediaId, kind, memoryBudgetBytes?.let { count(it, "memoryBudgetBytes") })

/** [MediaKey.sealFile] returning the sealed size as a Long, with a Long memory budget. */
@JvmOverloads
@Throws(KeepsakeException::class)
fun MediaKey.sealFile(
    mediaId: ByteArray,
    kind: MediaKind,
    source: String,
    destination: String,
    overwrite: Boolean,
    listener: ProgressListener?,
    memoryBudgetBytes: Long? = null,
): Long = sealFile(mediaId, kind, source, destination, overwrite, listener, memoryBudgetBytes?.let { count(it, "memoryBudgetBytes") }).size()

/** [MediaKey.openFile] returning the plaintext size as a Long, with a Long memory budget. */
@JvmOverloads
@Throws(KeepsakeException::class)
fun MediaKey.openFile(
    mediaId: ByteArray,
    kind: MediaKind,
    source: String,
    destination: String,
    overwrite: Boolean,
    listener: ProgressListener?,
    memoryBudgetBytes: Long? = null,
): Long = openFile(mediaId, kind, source, destination, overwrite, listener, memoryBudgetBytes?.let { count(it, "memoryBudgetBytes") }).size()

// ---- Callbacks a Java class implements ---------------------------------------------------

/**
 * A [ProgressListener] a Java class can extend: it implements `onProgress(long, long)`;
 * returning false cancels. Throw [CallbackException] to fail the call with its reason.
 */
abstract class JavaProgressListener : ProgressListener {
    /** [done] of [total] bytes are through; false cancels. */
    @Throws(CallbackException::class)
    abstract fun onProgress(done: Long, total: Long): Boolean

    final override fun onProgress(done: ULong, total: ULong): Boolean = onProgress(done.size(), total.size())
}

/**
 * A [RandomAccessSource] a Java class can extend: it implements `sizeBytes()` (the sealed
 * object's length) and `readAt(long offset, int length)`.
 */
abstract class JavaRandomAccessSource : RandomAccessSource {
    /** The source's length in bytes. */
    @Throws(CallbackException::class)
    abstract fun sizeBytes(): Long

    /** Up to [length] bytes from [offset] (fewer only at the end). */
    @Throws(CallbackException::class)
    abstract fun readAt(offset: Long, length: Int): ByteArray

    final override fun length(): ULong = count(sizeBytes(), "sizeBytes()")

    final override fun readAt(offset: ULong, length: UInt): ByteArray = readAt(offset.size(), length.toInt())
}

// ---- Album history, provenance, selection grants (issue 16) ----------------------------

/** The sequence number of the newest entry the pin has seen. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun HistoryPin.seq(): Long = this.seq().toLong()

/** The sequence number of the history's newest entry. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun VerifiedHistory.headSeq(): Long = this.headSeq().toLong()

/** The number of entries. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun VerifiedHistory.entryCount(): Long = this.entryCount().toLong()

/** The album's epoch after the newest entry. */
@Suppress("EXTENSION_SHADOWED_BY_MEMBER")
fun VerifiedHistory.currentEpoch(): Long = this.currentEpoch().toLong()

/** [VerifiedHistory.hashAt] with a Long sequence number. */
fun VerifiedHistory.hashAt(seq: Long): ByteArray? = hashAt(count(seq, "seq"))

/** [VerifiedHistory.seqOf] as a Long. */
@Throws(KeepsakeException::class)
fun VerifiedHistory.seqOf(entryHash: ByteArray): Long = this.seqOf(entryHash).toLong()

/** [VerifiedHistory.epochAt] as a Long. */
@Throws(KeepsakeException::class)
fun VerifiedHistory.epochAt(entryHash: ByteArray): Long = this.epochAt(entryHash).toLong()

/** [Keyring.signItem] with a Long epoch. */
@Throws(KeepsakeException::class)
fun Keyring.signItem(
    mediaId: ByteArray,
    albumId: ByteArray,
    epoch: Long,
    historyEntry: ByteArray,
    parts: List<PartEntry>,
    metadata: ByteArray,
): ByteArray = signItem(mediaId, albumId, count(epoch, "epoch"), historyEntry, parts, metadata)

/** [Keyring.grantSelection] with a Long expiry (Unix seconds). */
@Throws(KeepsakeException::class)
fun Keyring.grantSelection(
    recipient: ByteArray,
    albumId: ByteArray,
    historyEntry: ByteArray,
    expiresAt: Long,
    items: List<SelectedItem>,
): ByteArray = grantSelection(recipient, albumId, historyEntry, count(expiresAt, "expiresAt"), items)

/** [createSelectionLink] with a Long expiry (Unix seconds). */
@Throws(KeepsakeException::class)
fun createSelectionLink(
    albumId: ByteArray,
    historyEntry: ByteArray,
    expiresAt: Long,
    owner: ByteArray,
    items: List<SelectedItem>,
    password: LinkPassword?,
): NewLink = createSelectionLink(albumId, historyEntry, count(expiresAt, "expiresAt"), owner, items, password)

/** [verifyItem] with a Long epoch. */
@Throws(KeepsakeException::class)
fun verifyItem(record: ByteArray, mediaId: ByteArray, epoch: Long, history: VerifiedHistory): VerifiedItem =
    verifyItem(record, mediaId, count(epoch, "epoch"), history)

/** [VerifiedItem.openRange] with Long offset and length. */
@Throws(KeepsakeException::class)
fun VerifiedItem.openRange(
    mediaKey: MediaKey,
    kind: MediaKind,
    sealed: ByteArray,
    offset: Long,
    length: Long,
    hashList: ByteArray,
): ByteArray = openRange(mediaKey, kind, sealed, count(offset, "offset"), count(length, "length"), hashList)

/** [Selection.openRange] with Long offset and length. */
@Throws(KeepsakeException::class)
fun Selection.openRange(mediaId: ByteArray, kind: MediaKind, sealed: ByteArray, offset: Long, length: Long): ByteArray =
    openRange(mediaId, kind, sealed, count(offset, "offset"), count(length, "length"))

/** The part's chunk size as log2. */
@get:JvmName("chunkLog2")
val PartEntry.chunkLog2: Int get() = this.chunkLog2.toInt()

/** The part's plaintext length. */
@get:JvmName("plaintextLen")
val PartEntry.plaintextLen: Long get() = this.plaintextLen.size()

/** The part's chunk count. */
@get:JvmName("chunkCount")
val PartEntry.chunkCount: Long get() = this.chunkCount.size()

/** When the selection grant expires (Unix seconds). */
@get:JvmName("expiresAt")
val SelectionInfo.expiresAt: Long get() = this.expiresAt.size()

/** How many items the selection grant holds. */
@get:JvmName("itemCount")
val SelectionInfo.itemCount: Long get() = this.itemCount.size()

/** The epoch an accepted drop is sealed under. */
@get:JvmName("epoch")
val AcceptedDrop.epoch: Long get() = this.epoch.toLong()

/** The epoch the selected item was sealed under. */
@get:JvmName("epoch")
val SelectionItemInfo.epoch: Long get() = this.epoch.toLong()
