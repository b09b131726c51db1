package dev.graft.engine.tensorflow;

import dev.graft.engine.conformance.EngineConformanceSuite;
import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;

/** The TensorFlow engine passes the engine conformance suite. */
class TfConformanceTest extends EngineConformanceSuite {
    private static final ServiceLoaderEngineRegistry REGISTRY = new ServiceLoaderEngineRegistry();
    private static Engine bf16;

    @Override
    protected Engine engine() {
        return REGISTRY.get("tensorflow");
    }

    /** precision=bf16 where the CPU executes bfloat16 natively (the engine refuses it elsewhere). */
    @Override
    protected synchronized Engine bf16Engine() {
        if (bf16 == null && CpuFeatures.nativeBf16()) {
            bf16 = new ServiceLoaderEngineRegistry(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16)).get("tensorflow");
        }
        return bf16;
    }
}
