package dev.graft.core.internal.cache;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.PrecomputedFeatures;
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
 *
 * <p>The examples to compute are run in batches of similar {@linkplain Backbone#sequenceLength length}
 * (shortest first), so that a batch of short texts is not padded to a long one; the features are
 * returned in the input order. The compiled backbone is asked for only when some example misses
 * the cache, so a fully cached pass never builds it. One instance remembers the features it read
 * or computed, so a later call (the validation part after the training part) reuses them.
 */
public final class FeatureCache {
    private static final Logger LOG = Logger.getLogger(FeatureCache.class.getName());
    private static final int SHARD_EXAMPLES = 4096;

    /** Reports examples computed so far out of those to compute (called before the first batch and after each). */
    public interface Progress {
        void computed(int done, int total);
    }

    /**
     * What lookups did. Every example is counted once: its features were read from disk, computed
     * by the backbone, or taken from an earlier example with the same input (a repeated text or
     * file) in the same run, so {@code fromDisk + computed + repeated == examples}.
     */
    public static final class Tally {
        private int examples;
        private int fromDisk;
        private int computed;
        private int repeated;
        private int batches;
        private long tokens;
        private long paddedTokens;

        public int examples() {
            return examples;
        }

        public int fromDisk() {
            return fromDisk;
        }

        public int computed() {
            return computed;
        }

        public int repeated() {
            return repeated;
        }

        /** Backbone batches run. */
        public int batches() {
            return batches;
        }

        /** Sequence positions of the computed examples ({@link Backbone#sequenceLength}), 0 for fixed-size inputs. */
        public long tokens() {
            return tokens;
        }

        /** Sequence positions the computed batches held, each padded to its longest member. */
        public long paddedTokens() {
            return paddedTokens;
        }

        @Override
        public String toString() {
            return examples + " examples: " + fromDisk + " from disk, " + computed + " computed in " + batches
                    + " backbone batches, " + repeated + " repeated inputs";
        }
    }

    private final Path dir;
    private final String backboneKey;
    private final boolean byLength;
    private final Map<String, float[]> known = new java.util.HashMap<>();

    /**
     * @param root        cache root ({@code <root>/features/<key>/...})
     * @param backboneKey identifies the backbone weights and preprocessing
     */
    public FeatureCache(Path root, String backboneKey) {
        this(root, backboneKey, true);
    }

    /** As above; {@code byLength = false} runs the examples to compute in their given order. */
    public FeatureCache(Path root, String backboneKey, boolean byLength) {
        this.backboneKey = backboneKey;
        this.byLength = byLength;
        this.dir = root.resolve("features").resolve(backboneKey.substring(0, 32));
    }

    public Path directory() {
        return dir;
    }

    /**
     * Features of every example, in order: read from the cache where present, the rest computed
     * with {@code model} (the backbone alone, output {@code output}; asked for only if something
     * is to be computed) and added to the cache. An example whose input is a {@link PrecomputedFeatures} of this
     * cache's backbone gives its own vector (counted as read from disk); one of another backbone is refused.
     *
     * @param progress may be null
     */
    public float[][] features(Backbone backbone, java.util.function.Supplier<CompiledModel> model, String output,
            List<Example> examples, int batchSize, Tally tally, Progress progress) throws IOException {
        List<Integer> raw = new ArrayList<>();
        float[][] given = new float[examples.size()][];
        for (int i = 0; i < given.length; i++) {
            if (examples.get(i).input() instanceof PrecomputedFeatures pf) {
                given[i] = precomputed(backbone, examples.get(i), pf);
            } else {
                raw.add(i);
            }
        }
        if (raw.size() == given.length) {
            return lookUpOrCompute(backbone, model, output, examples, batchSize, tally, progress);
        }
        // vectors read with the data (computed earlier by this very backbone) count as read from disk
        tally.examples += given.length - raw.size();
        tally.fromDisk += given.length - raw.size();
        if (!raw.isEmpty()) {
            float[][] f = lookUpOrCompute(backbone, model, output, raw.stream().map(examples::get).toList(), batchSize, tally,
                    progress);
            for (int j = 0; j < f.length; j++) {
                given[raw.get(j)] = f[j];
            }
        }
        int d = given[0].length;
        for (int i = 0; i < given.length; i++) {
            if (given[i].length != d) {
                throw new IllegalArgumentException(examples.get(i).source() + ": " + given[i].length + " features, but "
                        + examples.get(0).source() + " has " + d);
            }
        }
        return given;
    }

    /** An example's own vector, when this cache's backbone produced it; else an error naming both backbones. */
    private float[] precomputed(Backbone backbone, Example e, PrecomputedFeatures pf) {
        if (!pf.backboneKey().equals(backboneKey)) {
            throw new IllegalArgumentException(e.source() + ": its features were computed by " + pf.producer()
                    + ", not by this run's backbone '" + backbone.name() + "' (" + backbone.preprocessing().canonical()
                    + "); features of different backbones (or options, seeds of random weights, pooling, preprocessing) cannot be mixed: use the "
                    + "backbone that produced them, or compute them again with this one");
        }
        return pf.vector();
    }

    private float[][] lookUpOrCompute(Backbone backbone, java.util.function.Supplier<CompiledModel> model, String output,
            List<Example> examples, int batchSize, Tally tally, Progress progress) throws IOException {
        String[] keys = new String[examples.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(backbone, examples.get(i));
        }
        java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
        for (String k : keys) {
            if (!known.containsKey(k)) {
                wanted.add(k);
            }
        }
        Map<String, float[]> onDisk = readShards(wanted);
        known.putAll(onDisk);
        List<Integer> missing = new ArrayList<>();
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            if (!wanted.contains(k) || !counted.add(k)) {
                tally.repeated++;
            } else if (onDisk.containsKey(k)) {
                tally.fromDisk++;
            } else {
                tally.computed++;
                missing.add(i);
            }
        }
        tally.examples += keys.length;
        CompiledModel compiled = missing.isEmpty() ? null : model.get();
        if (progress != null && !missing.isEmpty()) {
            progress.computed(0, missing.size());
        }
        int[] length = new int[examples.size()];
        for (int i : missing) {
            length[i] = backbone.sequenceLength(examples.get(i));
        }
        if (byLength) {
            missing.sort(java.util.Comparator.comparingInt(i -> length[i])); // stable: equal lengths keep their order
        }
        Map<String, HostTensor> shard = new LinkedHashMap<>();
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<Integer> idx = missing.subList(from, Math.min(missing.size(), from + batchSize));
            List<Example> batch = idx.stream().map(examples::get).toList();
            HostTensor f = compiled.predict(backbone.encode(batch, false, 0), output);
            tally.batches++;
            int longest = 0;
            for (int i : idx) {
                int n = length[i];
                tally.tokens += n;
                longest = Math.max(longest, n);
            }
            tally.paddedTokens += (long) longest * idx.size();
            int d = (int) f.shape().dim(1);
            float[] v = f.floats();
            for (int r = 0; r < idx.size(); r++) {
                float[] row = java.util.Arrays.copyOfRange(v, r * d, (r + 1) * d);
                known.put(keys[idx.get(r)], row);
                shard.put(keys[idx.get(r)], HostTensor.of(row, d));
            }
            if (shard.size() >= SHARD_EXAMPLES) {
                writeShard(shard);
                shard = new LinkedHashMap<>();
            }
            if (progress != null) {
                progress.computed(from + idx.size(), missing.size());
            }
        }
        if (!shard.isEmpty()) {
            writeShard(shard);
        }
        float[][] out = new float[examples.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = known.get(keys[i]);
        }
        return out;
    }

    private Map<String, float[]> readShards(java.util.Set<String> wanted) throws IOException {
        Map<String, float[]> found = new java.util.HashMap<>();
        if (wanted.isEmpty() || !Files.isDirectory(dir)) {
            return found;
        }
        List<Path> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.filter(p -> p.getFileName().toString().startsWith("shard-")
                    && p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        for (Path shard : shards) {
            if (found.size() == wanted.size()) {
                break;
            }
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
        return found;
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
