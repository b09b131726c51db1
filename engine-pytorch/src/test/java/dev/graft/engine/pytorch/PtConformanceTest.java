package dev.graft.engine.pytorch;

import dev.graft.engine.conformance.EngineConformanceSuite;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;

/** The PyTorch engine passes the engine conformance suite. */
class PtConformanceTest extends EngineConformanceSuite {
    private static final ServiceLoaderEngineRegistry REGISTRY = new ServiceLoaderEngineRegistry();

    @Override
    protected Engine engine() {
        return REGISTRY.get("pytorch");
    }
}
