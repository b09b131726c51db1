package dev.graft.reliability.support;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.strategy.StrategyOptions;
import java.util.Map;
import java.util.Set;

/** Offers {@code reliability-mlp}; options {@code inputs} and {@code width}. */
public final class MlpBackboneProvider implements BackboneProvider {
    @Override
    public String id() {
        return "reliability";
    }

    @Override
    public Set<String> backbones() {
        return Set.of(MlpBackbone.NAME);
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        if (!name.equals(MlpBackbone.NAME)) {
            throw new IllegalArgumentException("unknown backbone " + name);
        }
        StrategyOptions o = StrategyOptions.of(name, options, Set.of("inputs", "width"));
        return new MlpBackbone(o.integer("inputs", 8, 1), o.integer("width", 16, 1));
    }
}
