package dev.graft.core;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.engine.spi.ProviderInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/** Dataset formats found by {@link ServiceLoader} (plus any bound in Guice). */
public final class ServiceLoaderDatasetFormatRegistry {
    private static final Logger LOG = Logger.getLogger(ServiceLoaderDatasetFormatRegistry.class.getName());
    private final Providers<DatasetFormat> providers;

    public ServiceLoaderDatasetFormatRegistry() {
        this(ServiceLoader.load(DatasetFormat.class));
    }

    public ServiceLoaderDatasetFormatRegistry(Iterable<? extends DatasetFormat> found) {
        this.providers = new Providers<>("dataset format", found, DatasetFormat::id, LOG);
    }

    public DatasetFormat get(String id) {
        return providers.get(id);
    }

    /** The first format that accepts {@code path}; an error listing the formats when none does. */
    public DatasetFormat detect(Path path) {
        for (DatasetFormat f : providers.all().values()) {
            if (f.accepts(path)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no dataset format accepts '" + path + "'; formats: "
                + providers.all().keySet() + " (name one explicitly)");
    }

    public Map<String, DatasetFormat> formats() {
        return providers.all();
    }

    public List<ProviderInfo> list() {
        return providers.list();
    }
}
