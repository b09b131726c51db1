package dev.graft.reliability.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.io.SafeTensorsException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made hostile safetensors files: each is refused with a {@link SafeTensorsException} that
 * names the file and the fault, allocating at most a little more than the file's own size (measured
 * with the thread's allocation counter, so a header claiming 2^62 bytes cannot hide an allocation).
 */
class HostileSafeTensorsTest {
    @TempDir
    Path dir;

    static byte[] file(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    static byte[] withLength(long headerLength, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        return b.array();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Reads the file, expecting a refusal naming it and containing {@code reason}; checks allocation. */
    private void refused(String name, byte[] content, String reason) throws Exception {
        Path f = dir.resolve(name + ".safetensors");
        Files.write(f, content);
        Throwable thrown = null;
        long before = allocatedBytes();
        try {
            SafeTensors.read(f);
        } catch (Throwable t) {
            thrown = t;
        }
        long allocated = allocatedBytes() - before;
        assertThat(thrown).as(name).isInstanceOf(SafeTensorsException.class).hasMessageStartingWith(f.toString())
                .hasMessageContaining(reason);
        assertThat(allocated).as("%s: bytes allocated while refusing a %d-byte file", name, content.length)
                .isLessThan(2L * 1024 * 1024 + 20L * content.length);
        // saved models map their weights (SafeTensors.map): the same refusal
        assertThatThrownBy(() -> SafeTensors.map(f)).as(name + " mapped").isInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining(reason);
    }

    @Test
    void truncatedDataIsRefused() throws Exception {
        refused("truncated", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                "offsets [0, 16) are outside the data (8 bytes; file truncated?)");
    }

    @Test
    void outOfBoundsOffsetsAreRefused() throws Exception {
        refused("oob", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8), "outside the data");
        refused("negative", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "outside the data");
        refused("reversed", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "outside the data");
    }

    @Test
    void overlappingTensorsAreRefused() throws Exception {
        refused("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps");
        refused("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap before tensor 'a'");
    }

    @Test
    void hugeOffsetsAndShapesDoNotAllocate() throws Exception {
        long big = 1L << 62;
        refused("huge-offset", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + (big / 4) + "],\"data_offsets\":[0," + big + "]}}", 8),
                "outside the data");
        refused("huge-shape", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,8]}}", 8),
                "shape overflows");
        refused("huge-shape-bytes", file("{\"w\":{\"dtype\":\"I32\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}", 8),
                "shape overflows");
        refused("shape-mismatch", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,8]}}", 8),
                "needs 4398046511104 bytes, offsets give 8");
        refused("beyond-long", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8),
                "does not fit 64 bits");
        refused("fraction", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "not an integer");
        refused("exponent", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e9999],\"data_offsets\":[0,8]}}", 8), "not an integer");
        refused("negative-dim", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2,-1],\"data_offsets\":[0,8]}}", 8), "negative dimension");
        refused("rank", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4),
                "rank 17");
    }

    @Test
    void hostileHeaderLengthsAreRefusedBeforeAllocating() throws Exception {
        refused("len-2^62", withLength(1L << 62, new byte[64]), "header length 4611686018427387904 is invalid");
        refused("len-negative", withLength(-1, new byte[64]), "header length 18446744073709551615 is invalid");
        refused("len-zero", withLength(0, new byte[64]), "invalid");
        refused("len-past-end", withLength(65, new byte[64]), "invalid");
        refused("len-200MB", withLength(200L << 20, new byte[64]), "invalid");
        refused("short", new byte[5], "too short");
    }

    @Test
    void malformedHeadersAreRefused() throws Exception {
        byte[] latin1 = "{\"w\u00e9\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        refused("not-utf8", withLength(latin1.length, latin1), "not valid UTF-8");
        refused("not-json", file("{\"w\":", 0), "not valid JSON");
        refused("not-object", file("[1,2,3]", 0), "not a JSON object");
        refused("deep-nesting", file("{\"w\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", 0), "not valid JSON");
        refused("dtype", file("{\"w\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w'");
        refused("no-offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "malformed header entry");
        refused("metadata-array", file("{\"__metadata__\":[1]}", 0), "__metadata__ is not an object");
        refused("metadata-object-value", file("{\"__metadata__\":{\"a\":{\"b\":1}}}", 0), "metadata value 'a' is not a string");
    }

    @Test
    void checksumsDetectCorruptionInDataHeaderAndMetadata() throws Exception {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("w", HostTensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, t, Map.of("graft.step", "8"));
        byte[] ok = Files.readAllBytes(good);
        assertThat(SafeTensors.read(good).tensors().get("w").floats()).containsExactly(1, 2, 3, 4);

        byte[] data = ok.clone();
        data[data.length - 1] ^= 1;
        refused("data-flip", data, "checksum mismatch");

        String text = new String(ok, StandardCharsets.ISO_8859_1);
        refused("step-edited", text.replace("\"graft.step\":\"8\"", "\"graft.step\":\"9\"").getBytes(StandardCharsets.ISO_8859_1),
                "header checksum mismatch");
        refused("shape-edited", text.replace("\"shape\":[2,2]", "\"shape\":[4,1]").getBytes(StandardCharsets.ISO_8859_1),
                "header checksum mismatch");
        refused("key-renamed", text.replace("graft.header.crc32c", "graft.header.crc32d").getBytes(StandardCharsets.ISO_8859_1),
                "graft.header.crc32c is missing");
        refused("data-key-renamed", text.replace("\"graft.crc32c\"", "\"graft.crc32x\"").getBytes(StandardCharsets.ISO_8859_1),
                "checksum graft.crc32c is missing");
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 3);
        refused("cut", cut, "outside the data (13 bytes; file truncated?)");
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("absent.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(SafeTensorsException.class).hasMessage(f + ": no such file");
    }
}
