package dev.graft.core;

import dev.graft.core.data.BadRowPolicy;
import dev.graft.core.data.Dataset;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

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

    /**
     * Reads labelled data with the format that accepts {@code path}; any bad row fails the read.
     *
     * @throws dev.graft.core.data.BadRowsException naming every bad row by file and line
     */
    public Dataset read(Path path) throws IOException {
        return read(path, null, Map.of(), BadRowPolicy.FAIL);
    }

    /**
     * Reads labelled data.
     *
     * @param formatId a dataset format ({@code csv}, {@code tsv}, {@code jsonl}, {@code image-folder}...; see
     *                 {@link #formats()}), or null for the first that accepts {@code path}
     * @param options  the format's options ({@code text=description}, {@code label=section}...)
     * @param policy   {@link BadRowPolicy#FAIL} (a bad row fails the read) or {@link BadRowPolicy#COLLECT} (they
     *                 are collected in the dataset, which keeps its examples back until
     *                 {@link Dataset#withoutBadRows()})
     * @throws dev.graft.core.data.BadRowsException with {@code FAIL}, naming every bad row by file and line
     * @throws IOException when the data cannot be read at all
     */
    public Dataset read(Path path, String formatId, Map<String, String> options, BadRowPolicy policy) throws IOException {
        return Dataset.read(format(formatId, path), path, options, context(null, 0), policy);
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
