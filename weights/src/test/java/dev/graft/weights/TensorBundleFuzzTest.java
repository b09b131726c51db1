package dev.graft.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of seeded mutations of a real small bundle: raw bytes of the index and of the data
 * file, and structural edits of the index entries re-packed with valid block checksums (so they
 * reach the entry parser instead of stopping at the CRC). Every case must load or fail with a
 * {@link WeightFileException} naming the file, within a time bound; anything else (another
 * exception, an error, a hang) fails the test.
 */
class TensorBundleFuzzTest {
    private static final int CASES = Integer.getInteger("graft.fuzz.cases", 6000);
    private static final long TIMEOUT_MS = 5000;

    @TempDir
    Path dir;

    @Test
    void everyMutatedBundleLoadsOrFailsCleanlyWithinItsTimeBound() throws Exception {
        Path seedPrefix = BundleFiles.write(BundleFiles.small(7), dir, "seed");
        byte[] index = Files.readAllBytes(BundleFiles.index(seedPrefix));
        byte[] data = Files.readAllBytes(BundleFiles.data(seedPrefix));
        TreeMap<String, byte[]> kv = indexEntries(seedPrefix);
        Random rnd = new Random(Long.getLong("graft.fuzz.seed", 20261201L));
        try (FuzzRun run = new FuzzRun("bundle-fuzz", TIMEOUT_MS)) {
            for (int c = 0; c < CASES && run.failures.size() < 20; c++) {
                int kind = rnd.nextInt(10);
                byte[] idx = index;
                byte[] dat = data;
                if (kind < 6) {
                    idx = mutate(index, kind, rnd);
                } else if (kind == 6) {
                    dat = mutate(data, rnd.nextInt(6), rnd);
                } else {
                    idx = TensorBundleWriter.table(editEntries(kv, kind, rnd));
                }
                Path prefix = dir.resolve("case" + c);
                Files.write(BundleFiles.index(prefix), idx);
                Files.write(BundleFiles.data(prefix), dat);
                if (!run.run("case " + c + " (kind " + kind + ")", prefix.toString(), () -> {
                    load(prefix);
                    return null;
                })) {
                    break;
                }
                Files.delete(BundleFiles.index(prefix));
                Files.delete(BundleFiles.data(prefix));
            }
            System.out.printf("tensor-bundle fuzz: %d cases, %d loaded, %d refused with WeightFileException, %d failures, "
                    + "slowest case %d ms%n", run.loaded + run.refused + run.failures.size(), run.loaded, run.refused,
                    run.failures.size(), run.slowestMs);
            assertThat(run.failures).isEmpty();
            assertThat(run.loaded + run.refused).isEqualTo(CASES);
            assertThat(run.refused).as("mutations that were refused").isGreaterThan(CASES / 2);
            assertThat(run.loaded).as("mutations that still load (e.g. harmless edits)").isPositive();
        }
    }

    /** Reads everything the reader offers, the way an import would. */
    private static void load(Path prefix) throws WeightFileException {
        try (TensorBundle b = TensorBundle.open(prefix)) {
            for (TensorBundle.Entry e : b.entries().values()) {
                if (e.readable()) {
                    b.read(e.name()).byteSize();
                } else if (e.dtype() == TensorBundle.Entry.DT_STRING && !e.sliced()) {
                    b.readStrings(e.name());
                }
            }
            b.variableNames();
        }
    }

    private static TreeMap<String, byte[]> indexEntries(Path prefix) throws Exception {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        kv.put("", BundleFiles.header(1));
        try (TensorBundle b = TensorBundle.open(prefix)) {
            for (TensorBundle.Entry e : b.entries().values()) {
                kv.put(e.name(), TensorBundleWriter.entry(e.dtype(), e.shape().dims(), e.offset(), e.size(), e.crc32c()));
            }
        }
        return kv;
    }

    /** Structural edits: one entry's (or the header's) protobuf bytes mutated, hostile varints, renamed keys. */
    private static TreeMap<String, byte[]> editEntries(TreeMap<String, byte[]> kv, int kind, Random r) {
        TreeMap<String, byte[]> out = new TreeMap<>(kv);
        List<String> keys = new ArrayList<>(kv.keySet());
        String key = keys.get(r.nextInt(keys.size()));
        byte[] v = kv.get(key);
        switch (kind) {
            case 7 -> out.put(key, mutate(v, r.nextInt(6), r));
            case 8 -> { // a field with a hostile varint value appended (later fields win in protobuf)
                long[] hostile = {-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31, 1L << 62, 0xFFFFFFFFL, 475_000_000L * 4, 0};
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes(v);
                int field = 1 + r.nextInt(9);
                int wire = r.nextInt(4) == 0 ? 2 : 0;
                b.write(field << 3 | wire);
                BundleFiles.varint(b, hostile[r.nextInt(hostile.length)]);
                out.put(key, b.toByteArray());
            }
            default -> { // a shape with hostile dimensions
                long[] dims = new long[r.nextInt(4)];
                long[] pick = {0, 1, 3, 1L << 31, 1L << 32, Long.MAX_VALUE, -1};
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = pick[r.nextInt(pick.length)];
                }
                long size = r.nextBoolean() ? 0 : pick[r.nextInt(pick.length)];
                out.put(key.isEmpty() ? "x" : key, TensorBundleWriter.entry(1 + r.nextInt(9), dims, r.nextInt(64), size, r.nextInt()));
            }
        }
        return out;
    }

    /** Generic byte mutations: bit flips, truncation, insertion, deletion, boundary bytes, chunk copies. */
    static byte[] mutate(byte[] in, int kind, Random r) {
        byte[] b = in.clone();
        if (b.length == 0) {
            return new byte[] {(byte) r.nextInt()};
        }
        if (kind < ByteMutations.COMMON) {
            return ByteMutations.common(b, kind, r);
        }
        switch (kind) {
            case 4 -> {
                byte[] vals = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1, (byte) 0xFE};
                int at = r.nextInt(b.length);
                Arrays.fill(b, at, Math.min(b.length, at + 1 + r.nextInt(8)), vals[r.nextInt(vals.length)]);
                return b;
            }
            default -> {
                int from = r.nextInt(b.length);
                int to = r.nextInt(b.length);
                int len = Math.min(Math.min(b.length - from, b.length - to), 1 + r.nextInt(64));
                System.arraycopy(in, from, b, to, len);
                return b;
            }
        }
    }

}
