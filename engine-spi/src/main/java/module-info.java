/** Backend-neutral network definitions, training contracts, checkpoints and the Engine SPI. */
module dev.graft.engine.spi {
    requires transitive java.logging;
    requires com.google.gson;

    exports dev.graft.engine.spi;
    exports dev.graft.engine.spi.graph;
    exports dev.graft.engine.spi.train;
    exports dev.graft.engine.spi.io;

    uses dev.graft.engine.spi.EngineProvider;
}
