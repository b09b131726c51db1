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

    /** Creates the engine, loading its native runtime once. */
    Engine create();
}
