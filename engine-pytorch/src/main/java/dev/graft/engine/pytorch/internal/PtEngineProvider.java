package dev.graft.engine.pytorch.internal;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineProvider;

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
        return PtEngine.instance();
    }
}
