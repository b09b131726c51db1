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
public final class Graft {
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

    /** A new pipeline to configure and run. */
    public Pipeline pipeline() {
        return new Pipeline(engines, strategies, backbones, heads, formats);
    }

    /** Engines, strategies, backbones, heads and dataset formats found, with module and version. */
    public Catalog catalog() {
        return new Catalog(engines, strategies, backbones, heads, formats);
    }

    /** Loads a saved model directory and compiles it on an engine (null = the default engine). */
    public Predictor predictor(Path modelDir, String engineId) throws IOException {
        return Predictor.open(TrainedModel.load(modelDir), engines.get(engineId), backbones);
    }

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
