package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;

/** Offers the TensorFlow engine; nothing native loads until {@link #create()}. */
public final class TfEngineProvider implements EngineProvider {
    /** The default engine when nothing chooses one (lowest rank wins). */
    @Override
    public int rank() {
        return 10;
    }

    @Override
    public String id() {
        return TfEngine.ID;
    }

    @Override
    public boolean isSupported() {
        return TfNativeLibrary.isSupported();
    }

    @Override
    public java.util.Set<Engine.Capability> capabilities() {
        return java.util.EnumSet.of(Engine.Capability.TRAINING, Engine.Capability.SAVED_MODEL,
                Engine.Capability.SAVED_MODEL_EXPORT);
    }

    @Override
    public Engine create() {
        return create(EngineSettings.fromEnvironment());
    }

    @Override
    public Engine create(EngineSettings settings) {
        return TfEngine.instance(settings);
    }
}
