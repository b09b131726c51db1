package dev.graft.engine.spi;

/**
 * Service-provider interface for engines, found by {@link java.util.ServiceLoader}. Discovery is
 * cheap: a provider loads nothing native until {@link #create()} is called.
 */
public interface EngineProvider {
    /** Stable id used to choose the engine, e.g. {@code tensorflow}. */
    String id();

    /** Whether this engine can run on this machine (native library present for this platform). */
    boolean isSupported();

    /**
     * What the engine will offer once created, answered without loading anything native, so a
     * caller can pick an engine (e.g. one that exports SavedModels) without creating the others.
     */
    default java.util.Set<Engine.Capability> capabilities() {
        return java.util.EnumSet.of(Engine.Capability.TRAINING);
    }

    /**
     * Preference when nothing chooses an engine explicitly, the way DJL ranks engines
     * ({@code getEngineRank}): the supported provider with the lowest rank is the default, ties
     * broken by id. Answered without loading anything native.
     */
    default int rank() {
        return 100;
    }

    /** Creates the engine with the settings of the environment ({@link EngineSettings#fromEnvironment()}). */
    Engine create();

    /**
     * Creates the engine with these settings; the native runtime loads once per process. An engine
     * that cannot honour a setting (a precision its CPU or runtime lacks) throws
     * {@link EngineException} naming it. The default ignores threads and accepts only fp32.
     */
    default Engine create(EngineSettings settings) {
        if (settings.precision() != EngineSettings.Precision.FP32) {
            throw new EngineException("engine '" + id() + "' runs fp32 only; precision=" + settings.precision()
                    + " is not supported by it");
        }
        return create();
    }
}
