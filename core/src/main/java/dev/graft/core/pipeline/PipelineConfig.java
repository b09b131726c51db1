package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import dev.graft.core.config.ComponentRef;

import dev.graft.core.train.TrainerConfig;
import java.nio.file.Path;

/**
 * Everything a pipeline run needs besides the data. The same configuration and data give the same
 * trained weights.
 *
 * @param backbone backbone name and options
 * @param strategy strategy id and options
 * @param head     the new head
 * @param trainer  training settings (seed included)
 * @param engine   engine id, or null for the default ({@code graft.engine}, {@code GRAFT_ENGINE}, tensorflow)
 * @param cacheDir feature-cache root, or null for {@code graft.cache.dir} / {@code ~/.cache/graft}
 */
public record PipelineConfig(ComponentRef backbone, ComponentRef strategy, HeadConfig head, TrainerConfig trainer,
        String engine, Path cacheDir) {
    public PipelineConfig {
        java.util.Objects.requireNonNull(backbone, "backbone");
        java.util.Objects.requireNonNull(strategy, "strategy");
        java.util.Objects.requireNonNull(head, "head");
        java.util.Objects.requireNonNull(trainer, "trainer");
    }

    /** The feature-cache root this configuration uses. */
    public Path resolvedCacheDir() {
        return cacheDir != null ? cacheDir : dev.graft.engine.spi.io.CacheFolder.root();
    }
}
