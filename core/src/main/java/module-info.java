/** Strategies, backbones, heads, datasets, trainer and pipelines, on the engine SPI only. */
module dev.graft.core {
    requires transitive dev.graft.engine.spi;
    requires transitive com.google.guice;
    requires transitive jakarta.inject;
    requires com.google.gson;
    requires java.logging;

    exports dev.graft.core;
    exports dev.graft.core.spi;
    exports dev.graft.core.strategy;
    exports dev.graft.core.config;
    exports dev.graft.core.pipeline;
    exports dev.graft.core.train;
    exports dev.graft.core.model;
    exports dev.graft.core.recommend;
    exports dev.graft.core.baseline;
    exports dev.graft.core.evaluation;
    exports dev.graft.core.data;

    opens dev.graft.core to com.google.guice;
    opens dev.graft.core.model to com.google.gson;
    opens dev.graft.core.config to com.google.gson;
    opens dev.graft.core.pipeline to com.google.gson;
    opens dev.graft.core.spi to com.google.gson;
    opens dev.graft.core.train to com.google.gson;
    opens dev.graft.core.internal.train to com.google.gson;

    uses dev.graft.core.spi.TransferStrategy;
    uses dev.graft.core.spi.BackboneProvider;
    uses dev.graft.core.spi.HeadFactory;
    uses dev.graft.core.spi.DatasetFormat;
    uses dev.graft.engine.spi.EngineProvider;

    provides dev.graft.core.spi.TransferStrategy with
            dev.graft.core.internal.strategies.FeatureExtractionStrategy,
            dev.graft.core.internal.strategies.FineTuningStrategy,
            dev.graft.core.internal.strategies.HybridStrategy,
            dev.graft.core.internal.strategies.LoraStrategy,
            dev.graft.core.internal.strategies.L2SpStrategy,
            dev.graft.core.internal.strategies.SetFitStrategy;
    provides dev.graft.core.spi.BackboneProvider with dev.graft.core.internal.backbones.GraftModelBackboneProvider;
    provides dev.graft.core.spi.HeadFactory with
            dev.graft.core.internal.heads.LinearHeadFactory,
            dev.graft.core.internal.heads.MlpHeadFactory;
}
