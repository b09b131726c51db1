package dev.graft.core;

import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The entry point: pipelines, the catalogue of what was found, and predictors over saved models.
 * Get one from Guice ({@code Guice.createInjector(new GraftModule()).getInstance(Graft.class)}) or,
 * without Guice, from {@link #create()}.
 */
public final class Graft implements dev.graft.core.pipeline.Components {
    private final ServiceLoaderEngineRegistry engines;
    private final ServiceLoaderStrategyRegistry strategies;
    private final ServiceLoaderBackboneRegistry backbones;
    private final ServiceLoaderHeadRegistry heads;
    private final ServiceLoaderDatasetFormatRegistry formats;

    @Inject
    public Graft(ServiceLoaderEngineRegistry engines, ServiceLoaderStrategyRegistry strategies,
            ServiceLoaderBackboneRegistry backbones, ServiceLoaderHeadRegistry heads,
            ServiceLoaderDatasetFormatRegistry formats) {
        this.engines = engines;
        this.strategies = strategies;
        this.backbones = backbones;
        this.heads = heads;
        this.formats = formats;
    }

    /** Everything found by {@link java.util.ServiceLoader}, without Guice. */
    public static Graft create() {
        return new Graft(new ServiceLoaderEngineRegistry(), new ServiceLoaderStrategyRegistry(),
                new ServiceLoaderBackboneRegistry(), new ServiceLoaderHeadRegistry(), new ServiceLoaderDatasetFormatRegistry());
    }

    /**
     * Like {@link #create()}, with engines created under these settings (threads, precision)
     * instead of those of the system properties and environment.
     */
    public static Graft create(dev.graft.engine.spi.EngineSettings settings) {
        return new Graft(new ServiceLoaderEngineRegistry(settings), new ServiceLoaderStrategyRegistry(),
                new ServiceLoaderBackboneRegistry(), new ServiceLoaderHeadRegistry(), new ServiceLoaderDatasetFormatRegistry());
    }

    /** A new pipeline to configure and run. */
    public Pipeline pipeline() {
        return new Pipeline(this);
    }

    /** Engines, strategies, backbones, heads and dataset formats found, with module and version. */
    public Catalog catalog() {
        return new Catalog(engines, strategies, backbones, heads, formats);
    }

    /** Loads a saved model directory and compiles it on an engine (null = the default engine). */
    public Predictor predictor(Path modelDir, String engineId) throws IOException {
        return Predictor.open(TrainedModel.load(modelDir), engines.get(engineId), backbones);
    }

    @Override
    public dev.graft.core.spi.TransferStrategy strategy(String id) {
        return strategies.get(id);
    }

    @Override
    public dev.graft.core.spi.HeadFactory head(String id) {
        return heads.get(id);
    }

    @Override
    public dev.graft.core.spi.BackboneProvider backboneProvider(String name) {
        return backbones.provider(name);
    }

    @Override
    public java.util.Set<String> backboneNames() {
        return backbones.backbones().keySet();
    }

    @Override
    public dev.graft.core.spi.DatasetFormat format(String id, Path path) {
        return id == null ? formats.detect(path) : formats.get(id);
    }

    @Override
    public dev.graft.core.spi.Backbone create(String name, java.util.Map<String, String> options,
            dev.graft.core.spi.RunContext context) {
        return backbones.create(name, options, context);
    }

    /** A run context for direct plugin calls: the engine {@code engineId} (null = the default), created on first use. */
    public dev.graft.core.spi.RunContext context(String engineId, long seed) {
        return dev.graft.core.spi.RunContext.of(engines, engineId, dev.graft.engine.spi.io.CacheFolder.root(), seed, backbones);
    }

    @Override
    public ServiceLoaderEngineRegistry engines() {
        return engines;
    }

    public ServiceLoaderStrategyRegistry strategies() {
        return strategies;
    }

    public ServiceLoaderBackboneRegistry backbones() {
        return backbones;
    }

    public ServiceLoaderHeadRegistry heads() {
        return heads;
    }

    public ServiceLoaderDatasetFormatRegistry formats() {
        return formats;
    }
}
