package dev.graft.core.internal.cache;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.io.SafeTensorsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Backbone features on disk. One directory per backbone key (a hash of the backbone's weights
 * fingerprint and preprocessing), holding safetensors shards; each tensor is one example's
 * feature vector, named by the SHA-256 of the backbone key and the example's input bytes. Shards
 * are written atomically under unique names, so concurrent runs never corrupt one another; a
 * shard that fails validation is ignored (and its examples recomputed).
 */
public final class FeatureCache {
    private static final Logger LOG = Logger.getLogger(FeatureCache.class.getName());
    private static final int SHARD_EXAMPLES = 4096;

    /** What a lookup did: examples found on disk and examples run through the backbone. */
    public record Stats(int hits, int computed, int backboneBatches) {
    }

    private final Path dir;
    private final String backboneKey;

    /**
     * @param root        cache root ({@code <root>/features/<key>/...})
     * @param backboneKey identifies the backbone weights and preprocessing
     */
    public FeatureCache(Path root, String backboneKey) {
        this.backboneKey = backboneKey;
        this.dir = root.resolve("features").resolve(backboneKey.substring(0, 32));
    }

    public Path directory() {
        return dir;
    }

    /**
     * Features of every example, in order: read from the cache where present, the rest computed
     * with {@code model} (the backbone alone, output {@code output}) and added to the cache.
     */
    public float[][] features(Backbone backbone, CompiledModel model, String output, List<Example> examples, int batchSize,
            int[] statsOut) throws IOException {
        String[] keys = new String[examples.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(backbone, examples.get(i));
        }
        float[][] out = new float[examples.size()][];
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            wanted.putIfAbsent(keys[i], i);
        }
        int hits = readShards(wanted.keySet(), keys, out);
        List<Integer> missing = new ArrayList<>();
        Map<String, Integer> firstMissing = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null && firstMissing.putIfAbsent(keys[i], i) == null) {
                missing.add(i);
            }
        }
        int batches = 0;
        Map<String, HostTensor> shard = new LinkedHashMap<>();
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<Integer> idx = missing.subList(from, Math.min(missing.size(), from + batchSize));
            List<Example> batch = idx.stream().map(examples::get).toList();
            HostTensor f = model.predict(backbone.encode(batch, false, 0), output);
            batches++;
            int d = (int) f.shape().dim(1);
            float[] v = f.floats();
            for (int r = 0; r < idx.size(); r++) {
                float[] row = java.util.Arrays.copyOfRange(v, r * d, (r + 1) * d);
                out[idx.get(r)] = row;
                shard.put(keys[idx.get(r)], HostTensor.of(row, d));
            }
            if (shard.size() >= SHARD_EXAMPLES) {
                writeShard(shard);
                shard = new LinkedHashMap<>();
            }
        }
        if (!shard.isEmpty()) {
            writeShard(shard);
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                out[i] = out[firstMissing.get(keys[i])];
            }
        }
        if (statsOut != null) {
            statsOut[0] += hits;
            statsOut[1] += missing.size();
            statsOut[2] += batches;
        }
        return out;
    }

    private int readShards(java.util.Set<String> wanted, String[] keys, float[][] out) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.filter(p -> p.getFileName().toString().startsWith("shard-")
                    && p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        Map<String, float[]> found = new LinkedHashMap<>();
        for (Path shard : shards) {
            try {
                boolean useful = SafeTensors.entries(shard).stream().anyMatch(e -> wanted.contains(e.name())
                        && !found.containsKey(e.name()));
                if (!useful) {
                    continue;
                }
                SafeTensors.Contents c = SafeTensors.read(shard);
                if (!backboneKey.equals(c.metadata().get("graft.backbone-key"))) {
                    continue;
                }
                c.tensors().forEach((k, t) -> {
                    if (wanted.contains(k)) {
                        found.putIfAbsent(k, t.floats());
                    }
                });
            } catch (SafeTensorsException e) {
                LOG.warning("ignoring damaged feature-cache shard: " + e.getMessage());
            }
        }
        int hits = 0;
        for (int i = 0; i < keys.length; i++) {
            float[] f = found.get(keys[i]);
            if (f != null) {
                out[i] = f;
                hits++;
            }
        }
        return hits;
    }

    private void writeShard(Map<String, HostTensor> shard) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("shard-" + System.currentTimeMillis() + "-" + UUID.randomUUID() + ".safetensors");
        SafeTensors.write(file, shard, Map.of("graft.backbone-key", backboneKey));
    }

    /** The cache key of one example: SHA-256 of the backbone key and the input's bytes. */
    String key(Backbone backbone, Example e) throws IOException {
        MessageDigest md = sha256();
        md.update(backboneKey.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        Object in = e.input();
        if (in instanceof Path p) {
            md.update("file:".getBytes(StandardCharsets.UTF_8));
            try (InputStream s = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = s.read(buf)) > 0;) {
                    md.update(buf, 0, r);
                }
            } catch (IOException x) {
                throw new IOException(e.source() + ": cannot read input " + p + ": " + x.getMessage(), x);
            }
        } else if (in instanceof String s) {
            md.update("text:".getBytes(StandardCharsets.UTF_8));
            md.update(s.getBytes(StandardCharsets.UTF_8));
        } else if (in instanceof Example.TextPair tp) {
            md.update("pair:".getBytes(StandardCharsets.UTF_8));
            md.update(tp.first().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(tp.second().getBytes(StandardCharsets.UTF_8));
        } else if (in instanceof float[] f) {
            ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            md.update("floats:".getBytes(StandardCharsets.UTF_8));
            md.update(b);
        } else if (in instanceof byte[] bytes) {
            md.update("bytes:".getBytes(StandardCharsets.UTF_8));
            md.update(bytes);
        } else {
            // Unknown input type: key on exactly what the backbone would be fed.
            md.update("encoded:".getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, HostTensor> t : new java.util.TreeMap<>(backbone.encode(List.of(e), false, 0)).entrySet()) {
                md.update((t.getKey() + t.getValue().dtype() + t.getValue().shape()).getBytes(StandardCharsets.UTF_8));
                md.update(t.getValue().buffer());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of the given parts, hex. */
    public static String hash(String... parts) {
        MessageDigest md = sha256();
        for (String p : parts) {
            md.update(p.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
