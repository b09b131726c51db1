package dev.graft.core;

import dev.graft.core.spi.TransferStrategy;
import dev.graft.engine.spi.ProviderInfo;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Transfer strategies found by {@link ServiceLoader} (plus, through {@link GraftModule}, any bound
 * in Guice). Inject one instance; there is no static state.
 */
public final class ServiceLoaderStrategyRegistry {
    private static final Logger LOG = Logger.getLogger(ServiceLoaderStrategyRegistry.class.getName());
    private final Providers<TransferStrategy> providers;

    public ServiceLoaderStrategyRegistry() {
        this(ServiceLoader.load(TransferStrategy.class));
    }

    public ServiceLoaderStrategyRegistry(Iterable<? extends TransferStrategy> found) {
        this.providers = new Providers<>("strategy", found, TransferStrategy::id, LOG);
    }

    /** The strategy with this id; an unknown id is an error listing the valid ones. */
    public TransferStrategy get(String id) {
        return providers.get(id);
    }

    public Map<String, TransferStrategy> strategies() {
        return providers.all();
    }

    /** One entry per strategy: id, module, version. */
    public List<ProviderInfo> list() {
        return providers.list();
    }
}
