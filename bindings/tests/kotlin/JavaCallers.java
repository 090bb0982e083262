// What a Java caller of the Kotlin bindings writes (issue 12, item 4): compiled by javac
// against the module in run.sh (a mangled or missing name fails the compilation, and so the
// suite), then run by the Kotlin test "java: ..." in Idioms.kt. Every call here that takes
// or returns a number goes through bindings/kotlin/KeepsakeJvm.kt; objects are closed by
// try-with-resources (AutoCloseable); errors branch by category.

import app.keepsake.*;
import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;

public final class JavaCallers {
    private JavaCallers() {}

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    /** Runs every Java call; throws AssertionError (or the call's exception) on a failure. */
    public static void run() throws Exception {
        byte[] plain = new byte[200_000];
        for (int i = 0; i < plain.length; i++) plain[i] = (byte) (i * 31);
        byte[] mediaId = KeepsakeKt.newMediaId();
        File dir = Files.createTempDirectory("keepsake-java").toFile();
        try (MediaKey key = MediaKey.Companion.generate()) {
            byte[] sealed = key.seal(mediaId, MediaKind.ORIGINAL, plain);
            byte[] prefix = Arrays.copyOf(sealed, 88);

            // Metadata without a key: long sizes, plain names.
            check(KeepsakeJvm.streamPlaintextLen(prefix, sealed.length) == plain.length, "streamPlaintextLen");
            RangePlan plan = KeepsakeJvm.planRange(prefix, sealed.length, 100_000L, 5_000L);
            check(KeepsakeJvm.sealedOffset(plan) >= 88 && KeepsakeJvm.sealedLen(plan) > 5_000L, "planRange");
            check(KeepsakeJvm.plaintextLen(plan) == plain.length && KeepsakeJvm.end(plan) == 105_000L, "RangePlan");
            check(KeepsakeJvm.firstChunk(plan) >= 0 && KeepsakeJvm.chunkCount(plan) >= 1, "RangePlan chunks");
            check(KeepsakeJvm.plaintextStart(plan) <= 100_000L, "RangePlan start");
            StreamHeader header = KeepsakeKt.parseStreamHeader(prefix);
            check(KeepsakeJvm.chunkSize(header) == 65_536 && KeepsakeJvm.headerLen(header) == 88, "StreamHeader");
            check(header.equals(KeepsakeKt.parseStreamHeader(prefix.clone())), "StreamHeader compares by content");

            // Ranges with long offsets, from memory, a file and a Java source.
            byte[] want = Arrays.copyOfRange(plain, 100_000, 105_000);
            check(Arrays.equals(want, KeepsakeJvm.openRange(key, mediaId, MediaKind.ORIGINAL, sealed, 100_000L, 5_000L)),
                "openRange");
            File sealedFile = new File(dir, "sealed");
            Files.write(sealedFile.toPath(), sealed);
            check(Arrays.equals(want, KeepsakeJvm.openFileRange(key, mediaId, MediaKind.ORIGINAL, sealedFile.getPath(),
                100_000L, 5_000L)), "openFileRange");
            JavaRandomAccessSource source = new JavaRandomAccessSource() {
                @Override public long sizeBytes() { return sealed.length; }
                @Override public byte[] readAt(long offset, int length) {
                    int from = (int) offset;
                    return Arrays.copyOfRange(sealed, from, Math.min(sealed.length, from + length));
                }
            };
            check(Arrays.equals(want, KeepsakeJvm.openRangeFrom(key, mediaId, MediaKind.ORIGINAL, source, 100_000L, 5_000L)),
                "openRangeFrom");

            // Files with a Java progress listener; long sizes back.
            long[] seen = {0};
            JavaProgressListener listener = new JavaProgressListener() {
                @Override public boolean onProgress(long done, long total) {
                    seen[0] = Math.max(seen[0], done);
                    return true;
                }
            };
            File source0 = new File(dir, "photo");
            Files.write(source0.toPath(), plain);
            long sealedLen = KeepsakeJvm.sealFile(key, mediaId, MediaKind.ORIGINAL, source0.getPath(),
                new File(dir, "photo.sealed").getPath(), false, listener);
            check(sealedLen == new File(dir, "photo.sealed").length() && seen[0] == plain.length, "sealFile");
            long opened = KeepsakeJvm.openFile(key, mediaId, MediaKind.ORIGINAL, new File(dir, "photo.sealed").getPath(),
                new File(dir, "photo.opened").getPath(), false, null, 1L << 20);
            check(opened == plain.length, "openFile");
            try (StreamSealer sealer = KeepsakeJvm.sealer(key, mediaId, MediaKind.THUMBNAIL, null)) {
                byte[] out = sealer.push(Arrays.copyOf(plain, 1000));
                byte[] last = sealer.finish();
                byte[] whole = Arrays.copyOf(out, out.length + last.length);
                System.arraycopy(last, 0, whole, out.length, last.length);
                check(Arrays.equals(Arrays.copyOf(plain, 1000), key.open(mediaId, MediaKind.THUMBNAIL, whole)), "sealer");
            }

            // Errors: a checked KeepsakeException, branched on by category.
            try {
                key.open(mediaId, MediaKind.PREVIEW, sealed);
                check(false, "opening the original as a preview succeeded");
            } catch (KeepsakeException e) {
                check(KeepsakeIdioms.getCategory(e) == KeepsakeErrorCategory.AUTHENTICATION, "category " + e);
            }
            try {
                KeepsakeJvm.openRange(key, mediaId, MediaKind.ORIGINAL, sealed, -1L, 5L);
                check(false, "a negative offset was accepted");
            } catch (IllegalArgumentException e) {
                check(e.getMessage().contains("offset"), "the refused argument is named: " + e.getMessage());
            }
        }

        // Account numbers: epochs and generations as longs, records built from Java.
        KdfParams floor = KeepsakeKt.kdfProfile(KdfProfile.FLOOR);
        KdfParams same = KeepsakeJvm.kdfParams(KeepsakeJvm.memoryKib(floor), KeepsakeJvm.iterations(floor),
            KeepsakeJvm.parallelism(floor));
        check(same.equals(floor), "KdfParams built from Java");
        NewAccount account = KeepsakeKt.createAccount("java passphrase", same);
        try (Keyring keyring = account.getKeyring(); AccountPin pin = keyring.pin()) {
            check(KeepsakeJvm.generation(keyring) == 0 && KeepsakeJvm.generation(pin) == 0, "generation");
            long epoch = KeepsakeJvm.currentEpoch(keyring);
            byte[] albumId = KeepsakeKt.newAlbumId();
            try (AlbumKey album = KeepsakeJvm.albumKey(keyring, albumId, epoch)) {
                check(KeepsakeJvm.epoch(album) == epoch, "AlbumKey epoch");
                try {
                    KeepsakeJvm.fromSecretBytes(AlbumKey.Companion, albumId, epoch, new byte[3]);
                    check(false, "a 3-byte album key was accepted");
                } catch (KeepsakeException.InvalidLength e) {
                    check(KeepsakeIdioms.getCategory(e) == KeepsakeErrorCategory.MALFORMED_INPUT, "category " + e);
                }
                ExpectedAlbum expected = KeepsakeJvm.expectedAlbum(albumId, epoch);
                check(KeepsakeJvm.epoch(expected) == epoch, "ExpectedAlbum epoch");
                check(expected.equals(KeepsakeJvm.expectedAlbum(albumId.clone(), epoch)), "ExpectedAlbum compares by content");
                GrantInfo info = KeepsakeKt.inspectGrant(keyring.grantAlbum(album, keyring.identityPublicKey(), KeepsakeKt.historyEntryHash(keyring.createAlbumHistory(album.albumId()))));
                check(KeepsakeJvm.epoch(info) == epoch, "GrantInfo epoch");
            }
        }
        for (File f : dir.listFiles()) f.delete();
        dir.delete();
    }
}
