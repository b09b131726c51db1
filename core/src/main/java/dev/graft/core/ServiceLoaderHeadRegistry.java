package dev.graft.core;

import dev.graft.core.spi.HeadFactory;
import dev.graft.engine.spi.ProviderInfo;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/** Head factories found by {@link ServiceLoader} (plus any bound in Guice). */
public final class ServiceLoaderHeadRegistry {
    private static final Logger LOG = Logger.getLogger(ServiceLoaderHeadRegistry.class.getName());
    private final Providers<HeadFactory> providers;

    public ServiceLoaderHeadRegistry() {
        this(ServiceLoader.load(HeadFactory.class));
    }

    public ServiceLoaderHeadRegistry(Iterable<? extends HeadFactory> found) {
        this.providers = new Providers<>("head", found, HeadFactory::id, LOG);
    }

    public HeadFactory get(String id) {
        return providers.get(id);
    }

    public Map<String, HeadFactory> heads() {
        return providers.all();
    }

    public List<ProviderInfo> list() {
        return providers.list();
    }
}
