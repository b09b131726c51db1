package dev.graft.core;

import dev.graft.engine.spi.ProviderInfo;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/** Everything Graft found: engines, strategies, backbones, heads and dataset formats. */
public final class Catalog {
    /** What kind of component an entry is. */
    public enum Kind {
        ENGINE, STRATEGY, BACKBONE, HEAD, DATASET_FORMAT
    }

    /** One component: its kind, id, module and version. */
    public record Entry(Kind kind, ProviderInfo info) {
        @Override
        public String toString() {
            return String.format("%-15s %s", kind.name().toLowerCase().replace('_', '-'), info);
        }
    }

    private final ServiceLoaderEngineRegistry engines;
    private final ServiceLoaderStrategyRegistry strategies;
    private final ServiceLoaderBackboneRegistry backbones;
    private final ServiceLoaderHeadRegistry heads;
    private final ServiceLoaderDatasetFormatRegistry formats;

    @Inject
    public Catalog(ServiceLoaderEngineRegistry engines, ServiceLoaderStrategyRegistry strategies,
            ServiceLoaderBackboneRegistry backbones, ServiceLoaderHeadRegistry heads,
            ServiceLoaderDatasetFormatRegistry formats) {
        this.engines = engines;
        this.strategies = strategies;
        this.backbones = backbones;
        this.heads = heads;
        this.formats = formats;
    }

    /** Every component found, grouped by kind, in discovery order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        engines.list().forEach(i -> out.add(new Entry(Kind.ENGINE, i)));
        strategies.list().forEach(i -> out.add(new Entry(Kind.STRATEGY, i)));
        backbones.list().forEach(i -> out.add(new Entry(Kind.BACKBONE, i)));
        heads.list().forEach(i -> out.add(new Entry(Kind.HEAD, i)));
        formats.list().forEach(i -> out.add(new Entry(Kind.DATASET_FORMAT, i)));
        return out;
    }

    /** The entries of one kind. */
    public List<Entry> entries(Kind kind) {
        return entries().stream().filter(e -> e.kind() == kind).toList();
    }
}
