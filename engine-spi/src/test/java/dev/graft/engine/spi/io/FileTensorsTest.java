package dev.graft.engine.spi.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensors copied from a checked, open safetensors file into another, file to file. */
class FileTensorsTest {
    @TempDir
    Path dir;

    private static final Map<String, String> META = Map.of("graft.format", "1");

    @Test
    void combinedChecksumEqualsTheChecksumOfTheConcatenation() {
        Random r = new Random(7);
        for (int[] lengths : new int[][] {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 17}, {1000, 4099}, {65536, 1}, {70001, 300003}}) {
            byte[] a = new byte[lengths[0]];
            byte[] b = new byte[lengths[1]];
            r.nextBytes(a);
            r.nextBytes(b);
            CRC32C whole = new CRC32C();
            whole.update(a);
            whole.update(b);
            long combined = Crc32c.combine(Crc32c.of(ByteBuffer.wrap(a)), Crc32c.of(ByteBuffer.wrap(b)), b.length);
            assertThat(combined).as("lengths %d + %d", a.length, b.length).isEqualTo(whole.getValue());
        }
    }

    /** A file written from memory: the reference bytes a copy must reproduce. */
    private Path source(long seed) throws Exception {
        Path f = dir.resolve("source-" + seed + ".safetensors");
        SafeTensors.write(f, SafeTensorsGroupsTest.tensors(seed), Map.of("graft.note", "source"));
        return f;
    }

    /** Some of the source's tensors in another order, renamed, with tensors from memory between them. */
    private static Map<String, HostTensor> mixed(Map<String, HostTensor> src, Map<String, HostTensor> memory) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("backbone.c", src.get("t2"));
        m.put("head.x", memory.get("t0"));
        m.put("backbone.a", src.get("t0"));
        m.put("backbone.e", src.get("t4"));
        m.put("head.y", memory.get("t3"));
        return m;
    }

    @Test
    void copiedFileIsByteForByteTheFileWrittenFromMemory() throws Exception {
        Path src = source(1);
        Map<String, HostTensor> memory = SafeTensorsGroupsTest.tensors(2);
        Path fromMemory = dir.resolve("memory.safetensors");
        SafeTensors.write(fromMemory, mixed(SafeTensors.read(src).tensors(), memory), META);
        Path copied = dir.resolve("copied.safetensors");
        try (FileTensors ft = FileTensors.open(src)) {
            Map<String, HostTensor> m = mixed(ft.tensors(), memory);
            assertThat(ft.holds(m.get("backbone.c"))).isTrue();
            assertThat(ft.holds(m.get("head.x"))).isFalse();
            SafeTensors.write(copied, m, List.of(ft), META);
        }
        assertThat(Files.readAllBytes(copied)).isEqualTo(Files.readAllBytes(fromMemory));
        Map<String, HostTensor> back = SafeTensors.read(copied).tensors();
        assertThat(back.get("backbone.e").bitEquals(SafeTensors.read(src).tensors().get("t4"))).isTrue();
        assertThat(back.get("head.y").bitEquals(memory.get("t3"))).isTrue();
    }

    @Test
    void aCopyReadsTheCheckedFileAfterItsNameIsDeleted() throws Exception {
        Path src = source(3);
        Map<String, HostTensor> expected = SafeTensors.read(src).tensors();
        Path copied = dir.resolve("copied.safetensors");
        try (FileTensors ft = FileTensors.open(src)) {
            Files.delete(src);
            SafeTensors.write(copied, ft.tensors(), List.of(ft), META);
            assertThat(ft.tensors().get("t2").bitEquals(expected.get("t2"))).isTrue();
        }
        Map<String, HostTensor> back = SafeTensors.read(copied).tensors();
        expected.forEach((k, v) -> assertThat(back.get(k).bitEquals(v)).as(k).isTrue());
    }

    @Test
    void refusesToOpenACorruptedFileNamingIt() throws Exception {
        Path src = source(4);
        long size = Files.size(src);
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, size - 30);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, size - 30);
        }
        assertThatThrownBy(() -> FileTensors.open(src)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(src.toString()).hasMessageContaining("checksum mismatch");
    }

    @Test
    void refusesToOpenATruncatedFileNamingIt() throws Exception {
        Path src = source(5);
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(src) - 10);
        }
        assertThatThrownBy(() -> FileTensors.open(src)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(src.toString()).hasMessageContaining("truncated");
    }

    @Test
    void aSourceTruncatedAfterOpeningFailsTheWriteNamingItAndLeavesNoFile() throws Exception {
        Path src = source(6);
        Path copied = dir.resolve("copied.safetensors");
        try (FileTensors ft = FileTensors.open(src)) {
            try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(src) - 100);
            }
            assertThatThrownBy(() -> SafeTensors.write(copied, ft.tensors(), List.of(ft), META))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining(src.toString())
                    .hasMessageContaining("truncated since it was checked");
        }
        assertThat(copied).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(src.getFileName().toString());
        }
    }

    @Test
    void aSourceChangedInPlaceAfterOpeningGivesAFileThatFailsItsOwnCheck() throws Exception {
        Path src = source(8);
        Path copied = dir.resolve("copied.safetensors");
        try (FileTensors ft = FileTensors.open(src)) {
            try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), Files.size(src) - 8);
            }
            SafeTensors.write(copied, ft.tensors(), List.of(ft), META);
        }
        assertThatThrownBy(() -> SafeTensors.read(copied)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(copied.toString()).hasMessageContaining("checksum mismatch");
    }
}
