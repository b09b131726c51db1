/**
 * Graft's second engine: PyTorch through Deep Java Library, with autograd training. The native
 * library comes from {@code ai.djl.pytorch:pytorch-native-cpu} on the class path; nothing is
 * downloaded.
 */
module dev.graft.engine.pytorch {
    requires dev.graft.engine.spi;
    requires ai.djl.api;
    requires ai.djl.pytorch_engine;
    // DJL's API needs slf4j but, as an automatic module, cannot say so: without this an application
    // launched with -m would not resolve org.slf4j
    requires org.slf4j;
    requires java.logging;

    provides dev.graft.engine.spi.EngineProvider with dev.graft.engine.pytorch.internal.PtEngineProvider;
}
