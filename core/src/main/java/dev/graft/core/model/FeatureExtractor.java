package dev.graft.core.model;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.internal.cache.FeatureCache;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Preprocessing;
import dev.graft.core.spi.RunContext;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A frozen backbone alone, compiled on an engine: turns raw examples (texts, image paths) into
 * feature vectors the way the backbone's preprocessing and weights expect, the same network and
 * values the feature-extraction strategy caches. Thread-safe; close it to free the engine's resources.
 */
public final class FeatureExtractor implements AutoCloseable {
    private final Backbone backbone;
    private final Network network;
    private final CompiledModel compiled;
    private final long seed;
    private final int batchSize;

    private FeatureExtractor(Backbone backbone, Network network, CompiledModel compiled, long seed, int batchSize) {
        this.backbone = backbone;
        this.network = network;
        this.compiled = compiled;
        this.seed = seed;
        this.batchSize = batchSize;
    }

    /**
     * Creates backbone {@code name} with {@code options} in a run context over {@code engine} and
     * compiles it alone.
     *
     * @param seed initial values of a backbone without pretrained weights (as {@code TrainerConfig.seed})
     */
    public static FeatureExtractor open(String name, Map<String, String> options, Engine engine,
            RunContext.Backbones backbones, long seed, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        RunContext context = RunContext.of(engine, dev.graft.engine.spi.io.CacheFolder.root(), seed, backbones);
        Backbone b = backbones.create(name, options, context);
        CompiledModel c = null;
        try {
            Network net = NetworkAssembler.backboneOnly(b);
            c = engine.compile(net, seed, b.weights());
            return new FeatureExtractor(b, net, c, seed, batchSize);
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            b.close();
            throw e;
        }
    }

    public Backbone backbone() {
        return backbone;
    }

    public Preprocessing preprocessing() {
        return backbone.preprocessing();
    }

    /**
     * What identifies these features: backbone name, weights, preprocessing, network up to its features
     * (pooling included) and the seed of any random parameters. Training and {@code recommend} use
     * {@link dev.graft.core.spi.PrecomputedFeatures} only with a backbone of the same key.
     */
    public String backboneKey() {
        return NetworkAssembler.backboneKey(backbone, network, seed);
    }

    /** Feature vectors of every example, in order, computed in batches of the batch size. */
    public float[][] features(List<Example> examples) {
        float[][] out = new float[examples.size()][];
        for (int from = 0; from < examples.size(); from += batchSize) {
            List<Example> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
            HostTensor f = compiled.predict(backbone.encode(batch, false, 0), NetworkAssembler.FEATURES);
            int d = (int) f.shape().dim(1);
            float[] v = f.floats();
            for (int r = 0; r < batch.size(); r++) {
                out[from + r] = java.util.Arrays.copyOfRange(v, r * d, (r + 1) * d);
            }
        }
        return out;
    }

    /**
     * As {@link #features(List)}, through Graft's feature cache under {@code cacheRoot} (the cache
     * {@code graft fit -s feature-extraction --cache-dir} and {@code recommend} read): vectors found
     * there are reused, the others computed and written as a new shard (shards are written atomically
     * under unique names, so many processes can fill one cache at once).
     */
    public float[][] features(List<Example> examples, Path cacheRoot) throws IOException {
        FeatureCache cache = new FeatureCache(cacheRoot, NetworkAssembler.backboneKey(backbone, network, seed));
        return cache.features(backbone, () -> compiled, NetworkAssembler.FEATURES, examples, batchSize, new FeatureCache.Tally(), null);
    }

    @Override
    public void close() {
        try {
            compiled.close();
        } finally {
            backbone.close();
        }
    }
}
