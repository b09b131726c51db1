/** Strategies, backbones, heads, datasets, trainer and pipelines, on the engine SPI only. */
module dev.graft.core {
    requires transitive dev.graft.engine.spi;
    requires transitive com.google.guice;
    requires com.google.gson;
    requires java.logging;

    exports dev.graft.core.spi;

    uses dev.graft.core.spi.TransferStrategy;
    uses dev.graft.core.spi.BackboneProvider;
    uses dev.graft.core.spi.HeadFactory;
    uses dev.graft.core.spi.DatasetFormat;
    uses dev.graft.engine.spi.EngineProvider;
}
