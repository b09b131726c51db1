package dev.graft.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBundleTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void readsBackEveryTensorBitForBit() throws Exception {
        Path prefix = BundleFiles.write(BundleFiles.small(1), dir, "model.ckpt");
        Map<String, HostTensor> expected = new java.util.LinkedHashMap<>();
        Random r = new Random(1);
        for (int l = 0; l < 6; l++) {
            String p = "bert/encoder/layer_" + l + "/attention/self/";
            expected.put(p + "query/kernel", BundleFiles.floats(r, 4, 3));
            expected.put(p + "query/bias", BundleFiles.floats(r, 3));
            expected.put(p + "key/kernel", BundleFiles.floats(r, 4, 3));
            expected.put(p + "value/kernel", BundleFiles.floats(r, 2, 2, 2));
            expected.put(p + "scalar", BundleFiles.floats(r));
            expected.put(p + "empty", BundleFiles.floats(r, 0, 5));
        }
        Map<String, HostTensor> got = TensorBundle.read(prefix, n -> true);
        assertThat(got).hasSize(expected.size() + 2);
        expected.forEach((k, v) -> {
            assertThat(got.get(k).shape()).as(k).isEqualTo(v.shape());
            assertThat(got.get(k).bitEquals(v)).as(k).isTrue();
        });
        assertThat(got.get("ints").dtype()).isEqualTo(DType.INT32);
        assertThat(got.get("ints").ints()).containsExactly(1, -2, 3, Integer.MIN_VALUE);
        try (TensorBundle b = TensorBundle.open(TensorBundle.prefixOf(BundleFiles.index(prefix)))) {
            assertThat(List.copyOf(b.entries().keySet())).isSorted().contains("words", "global_step");
            assertThat(b.readStrings("words")).containsExactly("a".getBytes(), new byte[0], "ccc".getBytes());
            assertThat(b.variableNames()).isEmpty();
        }
    }

    @Test
    void mapsObjectGraphKeysToVariableNames() throws Exception {
        ByteArrayOutputStream attr = new ByteArrayOutputStream();
        proto(attr, 1, "VARIABLE_VALUE".getBytes());
        proto(attr, 2, "conv1_conv/kernel".getBytes());
        proto(attr, 3, "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE".getBytes());
        ByteArrayOutputStream node = new ByteArrayOutputStream();
        ByteArrayOutputStream child = new ByteArrayOutputStream();
        child.write(1 << 3);
        child.write(1);
        proto(child, 2, "layer_with_weights-0".getBytes());
        proto(node, 1, child.toByteArray());
        proto(node, 2, attr.toByteArray());
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        proto(graph, 1, new byte[0]); // the root, without attributes
        proto(graph, 1, node.toByteArray());
        Path prefix = dir.resolve("tf2");
        new TensorBundleWriter().add("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", HostTensor.of(new float[] {1, 2}, 2))
                .addStrings(TensorBundle.OBJECT_GRAPH_KEY, new long[0], graph.toByteArray()).write(prefix);
        try (TensorBundle b = TensorBundle.open(prefix)) {
            assertThat(b.variableNames()).containsExactly(
                    Map.entry("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", "conv1_conv/kernel"));
        }
    }

    @Test
    void refusesALengthOfMinusOneWithoutLooping() throws Exception {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        e.write(9 << 3 | 2); // an unknown length-delimited field...
        BundleFiles.varint(e, -1L); // ...of length -1
        e.writeBytes(TensorBundleWriter.entry(1, new long[] {1}, 0, 4, 0));
        Path prefix = crafted("minus-one", "w", e.toByteArray(), new byte[4]);
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> TensorBundle.open(prefix))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(BundleFiles.index(prefix).toString())
                .hasMessageContaining("'w'").hasMessageContaining("length"));
    }

    @Test
    void skippedFieldsDoNotMisplaceTheFieldsAfterThem() throws Exception {
        float[] v = {1.5f, -2.5f};
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(v[0]).putFloat(v[1]).array();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        e.write(9 << 3 | 2); // unknown field, 3 bytes: the old reader landed inside it
        e.write(3);
        e.writeBytes(new byte[] {0x28, 0x7F, 0x30});
        e.writeBytes(TensorBundleWriter.entry(1, new long[] {2}, 0, 8, crc(data)));
        Path prefix = crafted("skipped", "w", e.toByteArray(), data);
        assertThat(TensorBundle.read(prefix, n -> true).get("w").floats()).containsExactly(v);
    }

    @Test
    void refusesAShapeOf46e18ElementsInZeroBytes() throws Exception {
        long d = 1L << 31; // 2^31 * 2^31 = 4.6e18 elements; * 4 bytes wraps to 0
        Path prefix = crafted("huge-shape", "w", TensorBundleWriter.entry(1, new long[] {d, d}, 0, 0, crc(new byte[0])), new byte[0]);
        assertThatThrownBy(() -> TensorBundle.read(prefix, n -> true)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(BundleFiles.index(prefix).toString()).hasMessageContaining("'w'")
                .hasMessageContaining("more than 2^63 bytes");
    }

    @Test
    void refusesA19GigabyteTensorInATinyFileBeforeAllocatingIt() throws Exception {
        long elements = 475_000_000L; // 1.9 GB of float32
        Path prefix = crafted("big", "w", TensorBundleWriter.entry(1, new long[] {elements}, 0, elements * 4, 0), new byte[16]);
        long before = usedHeap();
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> TensorBundle.read(prefix, n -> true))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(BundleFiles.data(prefix).toString())
                .hasMessageContaining("'w'").hasMessageContaining("holds only 16 bytes"));
        assertThat(usedHeap() - before).as("heap grown while refusing").isLessThan(100L << 20);
    }

    @Test
    void refusesAFifoInPlaceOfTheDataFileWithoutBlocking() throws Exception {
        Path prefix = BundleFiles.write(BundleFiles.small(2), dir, "fifo");
        Files.delete(BundleFiles.data(prefix));
        Process p = new ProcessBuilder("mkfifo", BundleFiles.data(prefix).toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> TensorBundle.read(prefix, n -> true))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(BundleFiles.data(prefix).toString())
                .hasMessageContaining("not a regular file"));
    }

    @Test
    void refusesAFifoBehindASymbolicLinkAndADirectoryInPlaceOfTheIndex() throws Exception {
        Path prefix = BundleFiles.write(BundleFiles.small(3), dir, "linked");
        Path fifo = dir.resolve("a-fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.delete(BundleFiles.data(prefix));
        Files.createSymbolicLink(BundleFiles.data(prefix), fifo);
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> TensorBundle.read(prefix, n -> true))
                .isInstanceOf(WeightFileException.class).hasMessageContaining("not a regular file"));
        Path other = dir.resolve("dir-index");
        Files.createDirectories(BundleFiles.index(other));
        assertThatThrownBy(() -> TensorBundle.open(other)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(BundleFiles.index(other).toString()).hasMessageContaining("a directory");
    }

    @Test
    void followsAUsersSymbolicLinkToARegularFileButNotALinkInsideASavedModel() throws Exception {
        Path real = BundleFiles.write(BundleFiles.small(4), dir, "real");
        Path linked = dir.resolve("linked");
        Files.createSymbolicLink(BundleFiles.index(linked), BundleFiles.index(real));
        Files.createSymbolicLink(BundleFiles.data(linked), BundleFiles.data(real));
        assertThat(TensorBundle.read(linked, n -> true)).hasSize(38);

        Path sm = dir.resolve("saved_model");
        Files.createDirectories(sm);
        Files.createSymbolicLink(sm.resolve("variables"), dir);
        assertThatThrownBy(() -> TensorBundle.openSavedModel(sm)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("symbolic link");
        Path sm2 = dir.resolve("saved_model2");
        Files.createDirectories(sm2.resolve("variables"));
        Files.createSymbolicLink(sm2.resolve("variables/variables.index"), BundleFiles.index(real));
        Files.copy(BundleFiles.data(real), sm2.resolve("variables/variables.data-00000-of-00001"));
        assertThatThrownBy(() -> TensorBundle.openSavedModel(sm2)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("symbolic link");
    }

    @Test
    void aFlippedDataByteFailsTheTensorsChecksum() throws Exception {
        Path prefix = BundleFiles.write(BundleFiles.small(5), dir, "flip");
        byte[] data = Files.readAllBytes(BundleFiles.data(prefix));
        data[0] ^= 1;
        Files.write(BundleFiles.data(prefix), data);
        try (TensorBundle b = TensorBundle.open(prefix)) {
            String first = b.entries().values().stream().filter(e -> e.offset() == 0 && e.size() > 0).findFirst().orElseThrow()
                    .name();
            assertThatThrownBy(() -> b.read(first)).isInstanceOf(WeightFileException.class)
                    .hasMessageContaining(BundleFiles.data(prefix).toString()).hasMessageContaining("'" + first + "'")
                    .hasMessageContaining("checksum");
        }
    }

    @Test
    void aFlippedIndexByteFailsTheBlockChecksum() throws Exception {
        Path prefix = BundleFiles.write(BundleFiles.small(6), dir, "index-flip");
        byte[] index = Files.readAllBytes(BundleFiles.index(prefix));
        index[20] ^= 4;
        Files.write(BundleFiles.index(prefix), index);
        assertThatThrownBy(() -> TensorBundle.open(prefix)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(BundleFiles.index(prefix).toString()).hasMessageContaining("CRC32C");
    }

    @Test
    void refusesAShardTheHeaderDoesNotDeclare() throws Exception {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        e.writeBytes(TensorBundleWriter.entry(1, new long[] {1}, 0, 4, crc(new byte[4])));
        e.write(3 << 3);
        e.write(2);
        Path prefix = crafted("shard", "w", e.toByteArray(), new byte[4]);
        assertThatThrownBy(() -> TensorBundle.open(prefix)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("'w'").hasMessageContaining("shard 2");
    }

    @Test
    void namesTheMissingCheckpoint() {
        Path prefix = dir.resolve("nothing/model.ckpt");
        assertThatThrownBy(() -> TensorBundle.open(prefix)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(BundleFiles.index(prefix).toString()).hasMessageContaining("does not exist");
    }

    /** A bundle whose index holds the header and one hand-made entry, and whose data file holds {@code data}. */
    private Path crafted(String name, String entry, byte[] entryProto, byte[] data) throws Exception {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        kv.put("", BundleFiles.header(1));
        kv.put(entry, entryProto);
        Path prefix = dir.resolve(name);
        Files.write(BundleFiles.index(prefix), TensorBundleWriter.table(kv));
        Files.write(BundleFiles.data(prefix), data);
        return prefix;
    }

    static int crc(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return TensorBundleWriter.mask((int) c.getValue());
    }

    private static void proto(ByteArrayOutputStream out, int field, byte[] value) {
        out.write(field << 3 | 2);
        BundleFiles.varint(out, value.length);
        out.writeBytes(value);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static List<String> names(Map<String, ?> m) {
        return List.copyOf(m.keySet());
    }
}
