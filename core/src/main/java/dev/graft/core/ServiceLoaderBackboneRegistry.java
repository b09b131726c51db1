package dev.graft.core;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.engine.spi.ProviderInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Backbone providers found by {@link ServiceLoader} (plus any bound in Guice), and the backbone
 * names they offer. A name offered by two providers goes to the first one found (with a warning).
 */
public final class ServiceLoaderBackboneRegistry implements dev.graft.core.spi.RunContext.Backbones {
    private static final Logger LOG = Logger.getLogger(ServiceLoaderBackboneRegistry.class.getName());
    private final Providers<BackboneProvider> providers;
    private final Map<String, BackboneProvider> byName;

    public ServiceLoaderBackboneRegistry() {
        this(ServiceLoader.load(BackboneProvider.class));
    }

    public ServiceLoaderBackboneRegistry(Iterable<? extends BackboneProvider> found) {
        this.providers = new Providers<>("backbone provider", found, BackboneProvider::id, LOG);
        Map<String, BackboneProvider> m = new TreeMap<>();
        for (BackboneProvider p : providers.all().values()) {
            for (String name : p.backbones()) {
                BackboneProvider prev = m.putIfAbsent(name, p);
                if (prev != null) {
                    LOG.warning(() -> "backbone '" + name + "' is offered by '" + prev.id() + "' and '" + p.id()
                            + "'; using '" + prev.id() + "'");
                }
            }
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Creates a backbone by name within a run's context; an unknown name is an error listing the valid ones. */
    @Override
    public Backbone create(String name, Map<String, String> options, dev.graft.core.spi.RunContext context) {
        return provider(name).create(name, options, context);
    }

    /**
     * Creates a backbone by name without a run context: backbones that need the run's engine (an
     * opaque SavedModel) refuse; prefer {@link #create(String, Map, dev.graft.core.spi.RunContext)}.
     */
    public Backbone create(String name, Map<String, String> options) {
        return provider(name).create(name, options);
    }

    /** The provider offering {@code name}. */
    public BackboneProvider provider(String name) {
        BackboneProvider p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown backbone '" + name + "'; available: " + byName.keySet()
                    + (byName.isEmpty() ? " (no backbone plugin found; add graft-vision or graft-nlp)" : ""));
        }
        return p;
    }

    /** Backbone name to provider. */
    public Map<String, BackboneProvider> backbones() {
        return byName;
    }

    public Map<String, BackboneProvider> providers() {
        return providers.all();
    }

    /** One entry per backbone name, with the module and version of its provider. */
    public List<ProviderInfo> list() {
        List<ProviderInfo> out = new ArrayList<>();
        byName.forEach((name, p) -> out.add(ProviderInfo.of(name, p.getClass())));
        return out;
    }
}
