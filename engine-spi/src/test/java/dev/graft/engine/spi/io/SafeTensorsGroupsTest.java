package dev.graft.engine.spi.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing from and reading into bounded groups of tensors, and mapping a file instead of reading it. */
class SafeTensorsGroupsTest {
    @TempDir
    Path dir;

    /** Tensors of 40, 24, 400, 8 and 64 bytes, with values from the seed. */
    static Map<String, HostTensor> tensors(long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        int[][] shapes = {{2, 5}, {6}, {10, 10}, {2}, {4, 4}};
        for (int i = 0; i < shapes.length; i++) {
            float[] v = new float[shapes[i].length == 1 ? shapes[i][0] : shapes[i][0] * shapes[i][1]];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) r.nextGaussian();
            }
            long[] dims = java.util.Arrays.stream(shapes[i]).asLongStream().toArray();
            m.put("t" + i, HostTensor.of(v, dims));
        }
        return m;
    }

    static List<SafeTensors.Layout> layout(Map<String, HostTensor> m) {
        List<SafeTensors.Layout> l = new ArrayList<>();
        m.forEach((k, v) -> l.add(new SafeTensors.Layout(k, v.dtype(), v.shape())));
        return l;
    }

    /** Writes in groups of at most 64 bytes; every group asked for is within the bound or one tensor. */
    private void writeInGroups(Path f, Map<String, HostTensor> m, Map<String, String> meta) throws Exception {
        List<List<String>> asked = new ArrayList<>();
        SafeTensors.write(f, layout(m), 64, names -> {
            asked.add(names);
            Map<String, HostTensor> g = new LinkedHashMap<>();
            names.forEach(n -> g.put(n, m.get(n)));
            return g;
        }, meta);
        assertThat(asked).containsExactly(List.of("t0", "t1"), List.of("t2"), List.of("t3"), List.of("t4"));
    }

    @Test
    void groupedWriteGivesTheTensorsMetadataAndChecksumOfAWholeWrite() throws Exception {
        Map<String, HostTensor> m = tensors(1);
        Path whole = dir.resolve("whole.safetensors");
        Path grouped = dir.resolve("grouped.safetensors");
        SafeTensors.write(whole, m, Map.of("graft.step", "3"));
        writeInGroups(grouped, m, Map.of("graft.step", "3"));
        SafeTensors.Contents a = SafeTensors.read(whole);
        SafeTensors.Contents b = SafeTensors.read(grouped);
        assertThat(b.tensors().keySet()).containsExactlyElementsOf(m.keySet());
        m.forEach((k, v) -> assertThat(b.tensors().get(k).bitEquals(v)).as(k).isTrue());
        assertThat(b.metadata()).isEqualTo(a.metadata());
        assertThat(Files.size(grouped)).isEqualTo(Files.size(whole));
    }

    @Test
    void groupedWriteOfAChecksumShorterThanEightDigitsKeepsTheHeaderSizeAndReadsBack() throws Exception {
        long seed = 0;
        while (crcText(tensors(seed)).length() == 8) {
            seed++;
        }
        Map<String, HostTensor> m = tensors(seed);
        Path grouped = dir.resolve("short.safetensors");
        writeInGroups(grouped, m, Map.of());
        SafeTensors.Contents c = SafeTensors.read(grouped);
        assertThat(c.metadata()).containsEntry(SafeTensors.CHECKSUM_KEY, crcText(m));
        m.forEach((k, v) -> assertThat(c.tensors().get(k).bitEquals(v)).as(k).isTrue());
    }

    private static String crcText(Map<String, HostTensor> m) {
        CRC32C crc = new CRC32C();
        m.values().forEach(t -> crc.update(t.buffer()));
        return Long.toHexString(crc.getValue());
    }

    @Test
    void groupedWriteRefusesATensorOfAnotherShapeThanAnnounced() {
        Map<String, HostTensor> m = tensors(2);
        Path f = dir.resolve("bad.safetensors");
        assertThatThrownBy(() -> SafeTensors.write(f, layout(m), 64, names -> {
            Map<String, HostTensor> g = new LinkedHashMap<>();
            names.forEach(n -> g.put(n, n.equals("t2") ? HostTensor.of(new float[100], 100) : m.get(n)));
            return g;
        }, Map.of())).hasMessageContaining("tensor 't2'").hasMessageContaining("[10, 10]");
        assertThat(f).doesNotExist();
    }

    @Test
    void groupedReadHandsOverBoundedGroupsInFileOrder() throws Exception {
        Map<String, HostTensor> m = tensors(3);
        Path f = dir.resolve("r.safetensors");
        SafeTensors.write(f, m, Map.of("note", "x"));
        List<Map<String, HostTensor>> groups = new ArrayList<>();
        Map<String, String> meta = SafeTensors.read(f, 64, groups::add);
        assertThat(meta).containsEntry("note", "x");
        assertThat(groups).extracting(Map::keySet).extracting(List::copyOf)
                .containsExactly(List.of("t0", "t1"), List.of("t2"), List.of("t3"), List.of("t4"));
        groups.forEach(g -> g.forEach((k, v) -> assertThat(v.bitEquals(m.get(k))).as(k).isTrue()));
    }

    @Test
    void groupedReadAndMapDetectCorruptedData() throws Exception {
        Path f = dir.resolve("c.safetensors");
        SafeTensors.write(f, tensors(4), Map.of());
        long size = Files.size(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), size - 3);
        }
        assertThatThrownBy(() -> SafeTensors.read(f, 64, g -> { })).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> SafeTensors.map(f)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void mappedTensorsEqualReadOnesAndOutliveTheFile() throws Exception {
        Map<String, HostTensor> m = tensors(5);
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, m, Map.of("note", "y"));
        SafeTensors.Contents c = SafeTensors.map(f);
        Files.delete(f);
        assertThat(c.metadata()).containsEntry("note", "y");
        assertThat(c.tensors().keySet()).containsExactlyElementsOf(m.keySet());
        m.forEach((k, v) -> assertThat(c.tensors().get(k).bitEquals(v)).as(k).isTrue());
        assertThat(c.tensors().get("t2").buffer().isDirect()).isTrue();
    }
}
