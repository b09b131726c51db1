package dev.graft.engine.conformance;

import dev.graft.engine.spi.Engine;

/** Base of the conformance suite; an engine's test extends it and returns the engine. */
public abstract class EngineConformanceSuite {
    /** The engine under test. */
    protected abstract Engine engine();
}
