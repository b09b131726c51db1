package dev.graft.engine.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Finds engines with {@link ServiceLoader} and creates each at most once. The engine to use is,
 * in order: an explicit id, the {@code graft.engine} system property, the {@code GRAFT_ENGINE}
 * environment variable, then the supported provider of lowest {@link EngineProvider#rank()} (ties
 * by id), the way DJL ranks its engines; no engine name is hard-coded.
 * Inject one instance (no static state).
 */
public final class ServiceLoaderEngineRegistry {
    public static final String PROPERTY = "graft.engine";
    public static final String ENV = "GRAFT_ENGINE";
    private static final Logger LOG = Logger.getLogger(ServiceLoaderEngineRegistry.class.getName());

    private final Map<String, EngineProvider> providers;
    private final Map<String, Engine> engines = new ConcurrentHashMap<>();
    /** Engines asked for with settings of their own, by id and settings. */
    private final Map<List<Object>, Engine> withSettings = new ConcurrentHashMap<>();
    private final EngineSettings settings;

    public ServiceLoaderEngineRegistry() {
        this(ServiceLoader.load(EngineProvider.class));
    }

    /** Engines created with these settings instead of the environment's. */
    public ServiceLoaderEngineRegistry(EngineSettings settings) {
        this(ServiceLoader.load(EngineProvider.class), settings);
    }

    public ServiceLoaderEngineRegistry(Iterable<EngineProvider> found) {
        this(found, null);
    }

    /** {@code settings} null: read from the environment when an engine is first created. */
    public ServiceLoaderEngineRegistry(Iterable<EngineProvider> found, EngineSettings settings) {
        this.settings = settings;
        Map<String, EngineProvider> m = new LinkedHashMap<>();
        for (EngineProvider p : found) {
            m.putIfAbsent(p.id(), p);
            LOG.fine(() -> "engine provider '" + p.id() + "' from " + describeModule(p.getClass()));
        }
        this.providers = Collections.unmodifiableMap(m);
    }

    /** Providers found, by id. */
    public Map<String, EngineProvider> providers() {
        return providers;
    }

    /** One line per provider: id, module, version. */
    public List<ProviderInfo> list() {
        List<ProviderInfo> out = new ArrayList<>();
        providers.values().forEach(p -> out.add(ProviderInfo.of(p.id(), p.getClass())));
        return out;
    }

    /** The engine chosen by property, environment or default. */
    public Engine get() {
        return get(null);
    }

    /** The engine with this id (null: property, environment, default). */
    public Engine get(String explicitId) {
        String id = resolveId(explicitId);
        return engines.computeIfAbsent(id, k -> create(k, settings()));
    }

    /** The settings {@link #get(String)} creates engines with: the registry's own, else the environment's now. */
    public EngineSettings settings() {
        return settings != null ? settings : EngineSettings.fromEnvironment();
    }

    /**
     * The engine with this id (null: property, environment, default) created with {@code engineSettings} instead of
     * the registry's: for a caller that knows its work before the engine exists (a command that has read its
     * inputs). Engines whose runtime is sized once per process (TensorFlow's thread pools) take the first settings.
     */
    public Engine get(String explicitId, EngineSettings engineSettings) {
        java.util.Objects.requireNonNull(engineSettings, "engineSettings");
        String id = resolveId(explicitId);
        return withSettings.computeIfAbsent(java.util.List.of(id, engineSettings), k -> create(id, engineSettings));
    }

    private Engine create(String id, EngineSettings engineSettings) {
        EngineProvider p = providers.get(id);
        if (p == null) {
            throw new EngineException("no engine '" + id + "'; available engines: " + providers.keySet()
                    + (providers.isEmpty() ? " (add graft-engine-tensorflow or graft-engine-pytorch to the class or module path)" : ""));
        }
        if (!p.isSupported()) {
            throw new EngineException("engine '" + id + "' does not support this platform ("
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
        }
        return p.create(engineSettings);
    }

    /** What the engine {@code id} offers, answered by its provider without creating the engine. */
    public java.util.Set<Engine.Capability> capabilities(String id) {
        EngineProvider p = providers.get(resolveId(id));
        return p == null ? java.util.Set.of() : p.capabilities();
    }

    /** Ids of the providers offering {@code capability}, without creating any engine. */
    public List<String> offering(Engine.Capability capability) {
        return providers.values().stream().filter(p -> p.capabilities().contains(capability)).map(EngineProvider::id).toList();
    }

    /** The id that {@link #get(String)} would use. */
    public String resolveId(String explicitId) {
        if (explicitId != null && !explicitId.isBlank()) {
            return explicitId.trim();
        }
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return prop.trim();
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        return providers.values().stream().filter(EngineProvider::isSupported)
                .sorted(java.util.Comparator.comparingInt(EngineProvider::rank).thenComparing(EngineProvider::id))
                .map(EngineProvider::id).findFirst()
                .orElseThrow(() -> new EngineException("no Graft engine found; add graft-engine-tensorflow "
                        + "or graft-engine-pytorch to the class or module path"));
    }

    static String describeModule(Class<?> c) {
        Module m = c.getModule();
        return m.isNamed() ? m.getName() : "class path";
    }
}
