package dev.graft.core.testing;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.strategy.StrategyOptions;
import java.util.Map;
import java.util.Set;

/** Offers {@code tiny-mlp}; options {@code inputs}, {@code width}, {@code pretrained}, {@code scale}. */
public final class TinyBackboneProvider implements BackboneProvider {
    @Override
    public String id() {
        return "test-tiny";
    }

    @Override
    public Set<String> backbones() {
        return Set.of("tiny-mlp");
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        if (!name.equals("tiny-mlp")) {
            throw new IllegalArgumentException("unknown backbone " + name);
        }
        StrategyOptions o = StrategyOptions.of("tiny-mlp", options, Set.of("inputs", "width", "pretrained", "scale"));
        return new TinyBackbone(o.integer("inputs", 8, 1), o.integer("width", 16, 1), o.bool("pretrained", true),
                o.positive("scale", 1.0));
    }
}
