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
            for (BackboneProvider q : providers.all().values()) {
                for (String pattern : q.prefixes()) {
                    if (name.startsWith(BackboneProvider.prefixOf(pattern)) && name.length() > BackboneProvider.prefixOf(pattern).length()) {
                        return q;
                    }
                }
            }
            throw new IllegalArgumentException("unknown backbone '" + name + "'; available: " + byName.keySet()
                    + (families().isEmpty() ? "" : " and " + families())
                    + (byName.isEmpty() ? " (no backbone plugin found; add graft-vision or graft-nlp)" : ""));
        }
        return p;
    }

    /** Whether {@code name} is offered, by its exact name or a provider's prefix. */
    public boolean offers(String name) {
        try {
            provider(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Prefixed backbone families, e.g. {@code model:<dir>}. */
    public List<String> families() {
        List<String> out = new ArrayList<>();
        providers.all().values().forEach(p -> out.addAll(p.prefixes()));
        return out;
    }

    /** Backbone name to provider. */
    public Map<String, BackboneProvider> backbones() {
        return byName;
    }

    public Map<String, BackboneProvider> providers() {
        return providers.all();
    }

    /** One entry per backbone name (and per prefixed family), with the module and version of its provider. */
    public List<ProviderInfo> list() {
        List<ProviderInfo> out = new ArrayList<>();
        byName.forEach((name, p) -> out.add(ProviderInfo.of(name, p.getClass())));
        providers.all().values().forEach(p -> p.prefixes().forEach(x -> out.add(ProviderInfo.of(x, p.getClass()))));
        return out;
    }
}
