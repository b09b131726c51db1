package dev.graft.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Bridges every Graft SPI into Guice. Providers found by {@link ServiceLoader} are contributed to
 * a {@link MapBinder} per SPI, keyed by id; applications add their own the same way:
 *
 * <pre>{@code
 * MapBinder.newMapBinder(binder(), String.class, TransferStrategy.class)
 *          .addBinding("my-strategy").to(MyStrategy.class);
 * }</pre>
 *
 * The registries ({@link ServiceLoaderStrategyRegistry} and the others), {@link Catalog} and
 * {@link Graft} are then injectable singletons over everything bound. Binding an id that a
 * discovered provider already has is reported by Guice as a duplicate key (use
 * {@code Modules.override} to replace a discovered provider).
 */
public final class GraftModule extends AbstractModule {
    @Override
    protected void configure() {
        contribute(TransferStrategy.class, TransferStrategy::id);
        contribute(BackboneProvider.class, BackboneProvider::id);
        contribute(HeadFactory.class, HeadFactory::id);
        contribute(DatasetFormat.class, DatasetFormat::id);
        contribute(EngineProvider.class, EngineProvider::id);
    }

    private <T> void contribute(Class<T> spi, java.util.function.Function<T, String> id) {
        MapBinder<String, T> map = MapBinder.newMapBinder(binder(), String.class, spi);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (T p : ServiceLoader.load(spi)) {
            if (seen.add(id.apply(p))) {
                map.addBinding(id.apply(p)).toInstance(p);
            }
        }
    }

    @Provides
    @Singleton
    ServiceLoaderStrategyRegistry strategies(Map<String, TransferStrategy> bound) {
        return new ServiceLoaderStrategyRegistry(bound.values());
    }

    @Provides
    @Singleton
    ServiceLoaderBackboneRegistry backbones(Map<String, BackboneProvider> bound) {
        return new ServiceLoaderBackboneRegistry(bound.values());
    }

    @Provides
    @Singleton
    ServiceLoaderHeadRegistry heads(Map<String, HeadFactory> bound) {
        return new ServiceLoaderHeadRegistry(bound.values());
    }

    @Provides
    @Singleton
    ServiceLoaderDatasetFormatRegistry formats(Map<String, DatasetFormat> bound) {
        return new ServiceLoaderDatasetFormatRegistry(bound.values());
    }

    @Provides
    @Singleton
    ServiceLoaderEngineRegistry engines(Map<String, EngineProvider> bound) {
        return new ServiceLoaderEngineRegistry(bound.values());
    }
}
