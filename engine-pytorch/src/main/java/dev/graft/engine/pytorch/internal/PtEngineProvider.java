package dev.graft.engine.pytorch.internal;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;

/** Offers the PyTorch engine; nothing native loads until {@link #create()}. */
public final class PtEngineProvider implements EngineProvider {
    /** The default engine when nothing chooses one (lowest rank wins). */
    @Override
    public int rank() {
        return 20;
    }

    @Override
    public String id() {
        return PtEngine.ID;
    }

    @Override
    public boolean isSupported() {
        return PtNativeLibrary.isSupported();
    }

    @Override
    public Engine create() {
        return create(EngineSettings.fromEnvironment());
    }

    /**
     * PyTorch's thread pools are process-wide: the threads of the last engine created hold. bf16 is
     * refused: DJL 0.36 exposes no autocast, and its native binding aborts the process on any
     * bfloat16 tensor (made by a cast or from a buffer), so casting in the engine is no way round
     * either (docs/benchmarks.md, "Why bf16 is slower here").
     */
    @Override
    public Engine create(EngineSettings settings) {
        if (settings.precision() != EngineSettings.Precision.FP32) {
            throw new dev.graft.engine.spi.EngineException("engine 'pytorch' runs fp32 only: DJL's PyTorch binding has "
                    + "no autocast and no bfloat16 tensors for precision=" + settings.precision()
                    + "; use --engine tensorflow or precision=fp32");
        }
        PtEngine e = PtEngine.instance();
        PtNativeLibrary.applyThreads(settings.threads(), settings.interOpThreads());
        return e;
    }
}
