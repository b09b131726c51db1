package dev.graft.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.io.SafeTensorsException;
import dev.graft.reliability.support.Fuzz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated safetensors files (a Graft checkpoint with checksums, and a foreign file without them so
 * mutations reach the structural checks) either load or fail with {@link SafeTensorsException}
 * naming the file. Case count: {@code -Dgraft.fuzz.cases} (default 2500), seed {@code -Dgraft.fuzz.seed}.
 */
class SafeTensorsFuzzTest {
    @TempDir
    Path dir;

    static int cases(int dflt) {
        return Integer.getInteger("graft.fuzz.cases", dflt);
    }

    static long seed() {
        return Long.getLong("graft.fuzz.seed", 20261124L);
    }

    static List<byte[]> seeds(Path dir) throws Exception {
        Random r = new Random(5);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        float[] k = new float[48];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        t.put("param/fc1.kernel", HostTensor.of(k, 6, 8));
        t.put("param/fc1.bias", HostTensor.of(new float[8], 8));
        t.put("opt/adam_m/fc1.kernel", HostTensor.of(k.clone(), 6, 8));
        t.put("ids", HostTensor.ofInts(new int[] {1, 2, 3, 4, 5}, 5));
        t.put("empty", HostTensor.zeros(DType.FLOAT32, Shape.of(0, 3)));
        Path graft = dir.resolve("seed-graft.safetensors");
        SafeTensors.write(graft, t, Map.of("graft.step", "12", "graft.trainer.state", "{\"epoch\":1}"));
        // the same tensors as another tool writes them: no Graft metadata, no checksums
        JsonObject header = new JsonObject();
        long off = 0;
        for (Map.Entry<String, HostTensor> e : t.entrySet()) {
            JsonObject o = new JsonObject();
            o.addProperty("dtype", e.getValue().dtype().safetensorsName());
            JsonArray s = new JsonArray();
            for (long d : e.getValue().shape().dims()) {
                s.add(d);
            }
            o.add("shape", s);
            JsonArray of = new JsonArray();
            of.add(off);
            of.add(off + e.getValue().byteSize());
            off += e.getValue().byteSize();
            o.add("data_offsets", of);
            header.add(e.getKey(), o);
        }
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        byte[] foreign = assemble(header.toString(), t.values().stream().map(HostTensor::buffer).toList());
        Path fp = dir.resolve("seed-foreign.safetensors");
        Files.write(fp, foreign);
        assertThat(SafeTensors.read(fp).tensors()).hasSize(5);
        assertThat(SafeTensors.read(graft).tensors()).hasSize(5);
        return List.of(Files.readAllBytes(graft), foreign);
    }

    static byte[] assemble(String json, List<ByteBuffer> data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int n = data.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + n).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        data.forEach(d -> b.put(d.duplicate()));
        return b.array();
    }

    /** Edits one header field of one tensor to a hostile value and keeps the length prefix right. */
    static byte[] editHeader(byte[] file, Random r) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong();
        JsonObject h = JsonParser.parseString(new String(file, 8, n, StandardCharsets.UTF_8)).getAsJsonObject();
        List<String> names = new ArrayList<>(h.keySet());
        names.remove("__metadata__");
        JsonObject t = h.getAsJsonObject(names.get(r.nextInt(names.size())));
        long[] hostile = {0, 1, -1, 3, 7, 1L << 31, 1L << 32, 1L << 61, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, 96, 192, 212};
        long v = r.nextBoolean() ? hostile[r.nextInt(hostile.length)] : r.nextInt(400);
        switch (r.nextInt(5)) {
            case 0 -> t.addProperty("dtype", new String[] {"F32", "I32", "F16", "BF16", "I64", "U8", "", "F32 "}[r.nextInt(8)]);
            case 1 -> {
                JsonArray s = t.getAsJsonArray("shape");
                if (s.isEmpty() || r.nextInt(4) == 0) {
                    s.add(v);
                } else {
                    s.set(r.nextInt(s.size()), new com.google.gson.JsonPrimitive(v));
                }
            }
            case 2 -> t.getAsJsonArray("data_offsets").set(r.nextInt(2), new com.google.gson.JsonPrimitive(v));
            case 3 -> t.remove(new String[] {"dtype", "shape", "data_offsets"}[r.nextInt(3)]);
            default -> {
                JsonArray s = new JsonArray();
                int rank = r.nextInt(20);
                for (int i = 0; i < rank; i++) {
                    s.add(r.nextInt(3) == 0 ? hostile[r.nextInt(hostile.length)] : r.nextInt(5));
                }
                t.add("shape", s);
            }
        }
        ByteBuffer data = ByteBuffer.wrap(file, 8 + n, file.length - 8 - n);
        return assemble(h.toString(), List.of(data.slice()));
    }

    @Test
    void mutatedSafeTensorsLoadOrFailWithTheDocumentedError() throws Exception {
        Fuzz.Report rep = Fuzz.run("safetensors", seeds(dir), cases(2500), seed(), dir, ".safetensors",
                SafeTensorsException.class, SafeTensors::read, SafeTensorsFuzzTest::editHeader, 10_000);
        System.out.println(rep.summary());
        assertThat(rep.failures()).isEmpty();
        assertThat(rep.rejected()).isGreaterThan(rep.cases() / 2);
    }
}
