package dev.graft.crossengine;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.util.List;
import java.util.Map;

/**
 * Chooses the engine in Guice, the way docs/engines.md describes: installed with
 * {@code Modules.override(new GraftModule()).with(new EngineBinding("pytorch"))}, it replaces the
 * engine registry by one over the single provider bound under that id in {@link com.google.inject.multibindings.MapBinder
 * MapBinder&lt;String, EngineProvider&gt;} (the providers {@code GraftModule} found). The other
 * engine's provider is then not in the registry at all, so nothing can create it.
 */
final class EngineBinding extends AbstractModule {
    private final String engineId;

    EngineBinding(String engineId) {
        this.engineId = engineId;
    }

    @Provides
    @Singleton
    ServiceLoaderEngineRegistry engines(Map<String, EngineProvider> bound) {
        EngineProvider p = bound.get(engineId);
        if (p == null) {
            throw new IllegalArgumentException("no engine '" + engineId + "' bound; bound engines: " + bound.keySet());
        }
        return new ServiceLoaderEngineRegistry(List.of(p));
    }
}
