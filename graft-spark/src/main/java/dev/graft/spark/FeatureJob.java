package dev.graft.spark;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link GraftSpark#features} runs: a frozen backbone over one input column.
 *
 * @param backbone     catalogue name ({@code bert-tiny}, {@code all-minilm-l6-v2}, {@code resnet50}, ...)
 * @param options      backbone options, as {@code graft fit -B key=value}
 * @param inputColumn  a string column (text for text backbones, an image path for image backbones) or a
 *                     binary column (encoded image bytes)
 * @param keyColumn    the column that names a row in error reports (null: the row's partition and position)
 * @param outputColumn the {@code array<float>} column appended
 * @param engine       engine id, or null for Graft's usual choice ({@code -Dgraft.engine}, {@code GRAFT_ENGINE}, rank)
 * @param batchSize    rows per backbone call within a partition
 * @param seed         initial values of backbone parameters without pretrained weights (as {@code graft fit --seed})
 * @param cacheDir     when set, every vector is also written to Graft's feature cache under this root (a
 *                     folder every executor can write), so {@code graft fit -s feature-extraction --cache-dir}
 *                     on the same data trains the head without running the backbone again
 * @param badRows      what a bad row (null input, unreadable image) does
 */
public record FeatureJob(String backbone, Map<String, String> options, String inputColumn, String keyColumn,
        String outputColumn, String engine, int batchSize, long seed, String cacheDir, BadRows badRows)
        implements Serializable {
    public FeatureJob {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(inputColumn, "inputColumn");
        Objects.requireNonNull(outputColumn, "outputColumn");
        Objects.requireNonNull(badRows, "badRows");
        options = Map.copyOf(options);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
    }

    /** Backbone {@code backbone} over {@code inputColumn}: output {@code features}, batch 32, seed 42, bad rows reported. */
    public static FeatureJob of(String backbone, String inputColumn) {
        return new FeatureJob(backbone, Map.of(), inputColumn, null, "features", null, 32, 42, null, BadRows.REPORT);
    }

    public FeatureJob withOptions(Map<String, String> o) {
        return new FeatureJob(backbone, o, inputColumn, keyColumn, outputColumn, engine, batchSize, seed, cacheDir, badRows);
    }

    public FeatureJob withInputColumn(String c) {
        return new FeatureJob(backbone, options, c, keyColumn, outputColumn, engine, batchSize, seed, cacheDir, badRows);
    }

    public FeatureJob withKeyColumn(String k) {
        return new FeatureJob(backbone, options, inputColumn, k, outputColumn, engine, batchSize, seed, cacheDir, badRows);
    }

    public FeatureJob withOutputColumn(String c) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, c, engine, batchSize, seed, cacheDir, badRows);
    }

    public FeatureJob withEngine(String e) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, outputColumn, e, batchSize, seed, cacheDir, badRows);
    }

    public FeatureJob withBatchSize(int b) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, outputColumn, engine, b, seed, cacheDir, badRows);
    }

    public FeatureJob withSeed(long s) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, outputColumn, engine, batchSize, s, cacheDir, badRows);
    }

    public FeatureJob withCacheDir(String d) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, outputColumn, engine, batchSize, seed, d, badRows);
    }

    public FeatureJob withBadRows(BadRows b) {
        return new FeatureJob(backbone, options, inputColumn, keyColumn, outputColumn, engine, batchSize, seed, cacheDir, b);
    }

    /** Identifies the loaded backbone in an executor's cache: everything that changes its vectors. */
    public String modelKey() {
        return "features|" + backbone + "|" + new TreeMap<>(options) + "|" + engine + "|" + seed + "|" + batchSize;
    }
}
