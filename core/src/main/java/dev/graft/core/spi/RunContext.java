package dev.graft.core.spi;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every plugin call of one run shares, assembled once by the facade ({@code Graft},
 * {@code Pipeline}, the CLI): the engine the run chose (created on first use, once, never another
 * beside it), the cache root and the seed, and a way to create other backbones in the same
 * context. Plugins take their engine from here; none builds an engine registry or calls
 * {@link java.util.ServiceLoader} for engines.
 */
public final class RunContext {
    /** Creates backbones by name within a context (the facade's backbone registry). */
    @FunctionalInterface
    public interface Backbones {
        Backbone create(String name, Map<String, String> options, RunContext context);
    }

    private final ServiceLoaderEngineRegistry engines;
    private final Engine fixed;
    private final String engineId;
    private final Path cacheRoot;
    private final long seed;
    private final Backbones backbones;

    private RunContext(ServiceLoaderEngineRegistry engines, Engine fixed, String engineId, Path cacheRoot, long seed,
            Backbones backbones) {
        this.engines = engines;
        this.fixed = fixed;
        this.engineId = engineId;
        this.cacheRoot = cacheRoot;
        this.seed = seed;
        this.backbones = backbones;
    }

    /**
     * A context over a registry.
     *
     * @param engineId the engine asked for, or null for the registry's choice (property, environment, rank)
     */
    public static RunContext of(ServiceLoaderEngineRegistry engines, String engineId, Path cacheRoot, long seed,
            Backbones backbones) {
        String id = engines.providers().isEmpty() ? engineId : engines.resolveId(engineId);
        return new RunContext(engines, null, id, cacheRoot, seed, backbones);
    }

    /** A context over an engine already created (e.g. the one a predictor compiled its model on). */
    public static RunContext of(Engine engine, Path cacheRoot, long seed, Backbones backbones) {
        return new RunContext(null, engine, engine.id(), cacheRoot, seed, backbones);
    }

    /** The chosen engine, created on the first call (and only then). */
    public Engine engine() {
        return fixed != null ? fixed : engines.get(engineId);
    }

    /** The chosen engine's id, known without creating it. */
    public String engineId() {
        return engineId;
    }

    /** What the chosen engine offers, known without creating it. */
    public Set<Engine.Capability> engineCapabilities() {
        return fixed != null ? fixed.capabilities() : engines.capabilities(engineId);
    }

    /**
     * The chosen engine if it offers {@code capability}; otherwise an error naming the engines
     * that do (another engine is never created beside the chosen one).
     *
     * @param what the component that needs it, for the message
     */
    public Engine engineWith(Engine.Capability capability, String what) {
        if (engineCapabilities().contains(capability)) {
            return engine();
        }
        List<String> able = engines != null ? engines.offering(capability) : List.of();
        String available = engines != null ? engines.providers().keySet().toString() : "[" + engineId + "]";
        throw new EngineException(what + " needs an engine offering " + capability + ", but engine '" + engineId
                + "' is chosen" + (able.isEmpty() ? " and none of the available engines " + available + " offers it"
                        : "; choose one of " + able));
    }

    /** Root of Graft's caches (feature caches, extracted files). */
    public Path cacheRoot() {
        return cacheRoot;
    }

    /** The run's seed. */
    public long seed() {
        return seed;
    }

    /** Creates another backbone in this context (for providers that wrap others). */
    public Backbone backbone(String name, Map<String, String> options) {
        return backbones.create(name, options, this);
    }

    /** This context with another seed. */
    public RunContext withSeed(long newSeed) {
        return new RunContext(engines, fixed, engineId, cacheRoot, newSeed, backbones);
    }

    @Override
    public String toString() {
        return "RunContext[engine=" + engineId + ", cacheRoot=" + cacheRoot + ", seed=" + seed + "]";
    }
}
