package dev.graft.engine.spi.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {
    @TempDir
    Path dir;

    static Map<String, HostTensor> tensors() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("layer.kernel", HostTensor.of(new float[] {1.5f, -2, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3}, 2, 3));
        m.put("layer.ids", HostTensor.ofInts(new int[] {7, -1, Integer.MAX_VALUE}, 3));
        m.put("scalar", HostTensor.scalar(0.25f));
        m.put("empty", HostTensor.zeros(DType.FLOAT32, Shape.of(0, 4)));
        return m;
    }

    @Test
    void writeThenReadGivesBitIdenticalTensorsAndMetadata() throws Exception {
        Path f = dir.resolve("w.safetensors");
        SafeTensors.write(f, tensors(), Map.of("graft.step", "12", "note", "ünïcode"));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertThat(c.tensors().keySet()).containsExactlyElementsOf(tensors().keySet());
        tensors().forEach((k, v) -> assertThat(c.tensors().get(k).bitEquals(v)).as(k).isTrue());
        assertThat(c.metadata()).containsEntry("graft.step", "12").containsEntry("note", "ünïcode").containsKey(SafeTensors.CHECKSUM_KEY);
        assertThat(SafeTensors.entries(f)).extracting(SafeTensors.Entry::name).containsExactlyElementsOf(tensors().keySet());
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("w.safetensors");
        }
    }

    @Test
    void headerLayoutFollowsTheSpecification() throws Exception {
        Path f = dir.resolve("spec.safetensors");
        SafeTensors.write(f, Map.of("a", HostTensor.of(new float[] {1, 2}, 2)), Map.of());
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat((8 + n) % 8).isZero();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).contains("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}");
        assertThat(ByteBuffer.wrap(b, (int) (8 + n), 8).order(ByteOrder.LITTLE_ENDIAN).getFloat(8 + (int) n + 4)).isEqualTo(2f);
    }

    @Test
    void readsAFileWrittenByAnotherImplementation() throws Exception {
        // as the reference Rust/Python writer lays it out: unpadded header, tensors sorted by name, no checksum
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).putFloat(0.5f).putFloat(-1f).putInt(42);
        Path f = dir.resolve("foreign.safetensors");
        Files.write(f, buf.array());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertThat(c.tensors().get("a").floats()).containsExactly(0.5f, -1f);
        assertThat(c.tensors().get("b").ints()).containsExactly(42);
        assertThat(c.metadata()).containsEntry("format", "pt");
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("empty file", new byte[0], "too short"),
                Arguments.of("header length beyond the file", file(Long.MAX_VALUE, "{}", 0), "header length"),
                Arguments.of("negative header length", file(-5, "{}", 0), "header length"),
                Arguments.of("header of 200 MB claimed", file(200L << 20, "{}", 0), "header length"),
                Arguments.of("not JSON", file(-1, "{\"a\": [", 0), "not valid JSON"),
                Arguments.of("JSON array", file(-1, "[1,2]", 0), "not a JSON object"),
                Arguments.of("not UTF-8", file(-1, "{\"\u00ff\": 1}", 0, StandardCharsets.ISO_8859_1), "UTF-8"),
                Arguments.of("unknown dtype", file(-1, "{\"t\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "F64"),
                Arguments.of("missing dtype", file(-1, "{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "malformed"),
                Arguments.of("entry not an object", file(-1, "{\"t\":3}", 0), "malformed"),
                Arguments.of("negative dimension", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,4]}}", 4), "negative"),
                Arguments.of("shape overflow", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,2],\"data_offsets\":[0,4]}}", 4),
                        "overflows"),
                Arguments.of("rank 17", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4),
                        "rank 17"),
                Arguments.of("size disagrees with offsets", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "needs 8"),
                Arguments.of("offsets past the end", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "outside"),
                Arguments.of("one offset", file(-1, "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "two data_offsets"),
                Arguments.of("overlapping tensors", file(-1, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlaps"),
                Arguments.of("gap between tensors", file(-1, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap"),
                Arguments.of("trailing bytes", file(-1, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12), "trailing"),
                Arguments.of("metadata not an object", file(-1, "{\"__metadata__\":[1]}", 0), "__metadata__"),
                Arguments.of("metadata value not a string", file(-1, "{\"__metadata__\":{\"k\":{\"x\":1}}}", 0), "not a string"));
    }

    private static byte[] file(long declared, String json, int data) {
        return file(declared, json, data, StandardCharsets.UTF_8);
    }

    private static byte[] file(long declared, String json, int data, java.nio.charset.Charset cs) {
        byte[] h = json.getBytes(cs);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared == -1 ? h.length : declared).put(h);
        return b.array();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileFilesAreRejectedWithTheFileNameAndReason(String what, byte[] bytes, String reason) throws Exception {
        Path f = dir.resolve("hostile.safetensors");
        Files.write(f, bytes);
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("hostile.safetensors").hasMessageContaining(reason);
    }

    @Test
    void truncatedAndCorruptedDataAreDetected() throws Exception {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, tensors(), Map.of());
        byte[] b = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 4));
        assertThatThrownBy(() -> SafeTensors.read(cut)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("outside the data");
        byte[] flipped = b.clone();
        flipped[b.length - 20] ^= 1;
        Path bad = dir.resolve("flipped.safetensors");
        Files.write(bad, flipped);
        assertThatThrownBy(() -> SafeTensors.read(bad)).isInstanceOf(SafeTensorsException.class).hasMessageContaining("checksum");
    }

    @Test
    void mappedTensorsEqualReadOnesAndOutliveAReplacedFile() throws Exception {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, tensors(), Map.of("note", "x"));
        SafeTensors.Contents mapped = SafeTensors.map(f);
        SafeTensors.Contents read = SafeTensors.read(f);
        assertThat(mapped.tensors().keySet()).containsExactlyElementsOf(read.tensors().keySet());
        read.tensors().forEach((k, v) -> assertThat(mapped.tensors().get(k).bitEquals(v)).as(k).isTrue());
        assertThat(mapped.metadata()).isEqualTo(read.metadata());
        assertThat(mapped.tensors().get("layer.kernel").buffer().isReadOnly()).isTrue();
        // a new save renames another file over this one: the mapped tensors keep the old bytes
        Map<String, HostTensor> other = new LinkedHashMap<>(tensors());
        other.put("scalar", HostTensor.scalar(9f));
        SafeTensors.write(f, other, Map.of());
        assertThat(mapped.tensors().get("scalar").floats()).containsExactly(0.25f);
    }

    @Test
    void mappingDetectsTruncatedAndCorruptedData() throws Exception {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, tensors(), Map.of());
        byte[] b = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 4));
        assertThatThrownBy(() -> SafeTensors.map(cut)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("outside the data");
        byte[] flipped = b.clone();
        flipped[b.length - 20] ^= 1;
        Path bad = dir.resolve("flipped.safetensors");
        Files.write(bad, flipped);
        assertThatThrownBy(() -> SafeTensors.map(bad)).isInstanceOf(SafeTensorsException.class).hasMessageContaining("checksum");
    }

    @Test
    void missingFileIsASafeTensorsExceptionNamingIt() {
        Path f = dir.resolve("nowhere.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(SafeTensorsException.class).hasMessageContaining("nowhere.safetensors");
        assertThatThrownBy(() -> SafeTensors.entries(f)).isInstanceOf(SafeTensorsException.class);
    }

    @Test
    void reservedMetadataNameCannotNameATensor() {
        assertThatThrownBy(() -> SafeTensors.write(dir.resolve("x.safetensors"), Map.of("__metadata__", HostTensor.scalar(1)), Map.of()))
                .hasMessageContaining("reserved");
    }
}
