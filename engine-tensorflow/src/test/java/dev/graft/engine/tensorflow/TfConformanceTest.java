package dev.graft.engine.tensorflow;

import dev.graft.engine.conformance.EngineConformanceSuite;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;

/** The TensorFlow engine passes the engine conformance suite. */
class TfConformanceTest extends EngineConformanceSuite {
    private static final ServiceLoaderEngineRegistry REGISTRY = new ServiceLoaderEngineRegistry();

    @Override
    protected Engine engine() {
        return REGISTRY.get("tensorflow");
    }
}
