package dev.graft.spark.internal;

import dev.graft.core.model.FeatureExtractor;
import dev.graft.core.spi.Example;
import dev.graft.spark.FeatureJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * Appends a frozen backbone's vectors, and on every good row which backbone produced them: a description for
 * people and the backbone's key (what {@code graft fit} compares before it trains on the vectors).
 */
public final class FeaturesRunner extends PartitionRunner {
    private static final long serialVersionUID = 1L;
    private final FeatureJob job;
    private final String key;
    private transient FeatureExtractor extractor;
    private transient String producer;
    private transient String backboneKey;

    public FeaturesRunner(StructType schema, FeatureJob job, String key) {
        super(schema, job.inputColumn(), job.keyColumn(), job.batchSize(), job.badRows());
        this.job = job;
        this.key = key;
    }

    /** Loads a job's backbone in this JVM (once); the driver uses it to learn the preprocessing. */
    public static FeatureExtractor extractor(FeatureJob job, String key) {
        return ExecutorModels.get(key, g -> FeatureExtractor.open(job.backbone(), job.options(),
                g.engines().get(job.engine()), g.backbones(), job.seed(), job.batchSize()));
    }

    @Override
    void open() {
        extractor = extractor(job, key);
        producer = producer(job, extractor);
        backboneKey = extractor.backboneKey();
    }

    /** The backbone as people name it: catalogue name, options, seed and preprocessing. */
    static String producer(FeatureJob job, FeatureExtractor extractor) {
        return "'" + job.backbone() + "'" + (job.options().isEmpty() ? "" : " " + new java.util.TreeMap<>(job.options()))
                + " (seed " + job.seed() + "; preprocessing " + extractor.preprocessing().canonical() + ")";
    }

    @Override
    boolean readsText() {
        return extractor.preprocessing().kind().equals("text");
    }

    @Override
    List<Object[]> apply(List<Example> batch) {
        float[][] f;
        if (job.cacheDir() == null) {
            f = extractor.features(batch);
        } else {
            try {
                f = extractor.features(batch, Path.of(job.cacheDir()));
            } catch (IOException e) {
                throw new UncheckedIOException("feature cache " + job.cacheDir() + ": " + e.getMessage(), e);
            }
        }
        List<Object[]> out = new ArrayList<>(f.length);
        for (float[] v : f) {
            out.add(new Object[] {v, producer, backboneKey});
        }
        return out;
    }

    @Override
    int columns() {
        return 3;
    }
}
