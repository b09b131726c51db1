package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineProvider;

/** Offers the TensorFlow engine; nothing native loads until {@link #create()}. */
public final class TfEngineProvider implements EngineProvider {
    @Override
    public String id() {
        return TfEngine.ID;
    }

    @Override
    public boolean isSupported() {
        return TfNativeLibrary.isSupported();
    }

    @Override
    public Engine create() {
        return TfEngine.instance();
    }
}
