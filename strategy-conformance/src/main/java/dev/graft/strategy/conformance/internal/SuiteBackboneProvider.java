package dev.graft.strategy.conformance.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.strategy.StrategyOptions;
import java.util.Map;
import java.util.Set;

/** Offers {@link SuiteBackbone#NAME}, the backbone the strategy conformance suite trains. */
public final class SuiteBackboneProvider implements BackboneProvider {
    @Override
    public String id() {
        return "strategy-conformance";
    }

    @Override
    public Set<String> backbones() {
        return Set.of(SuiteBackbone.NAME);
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        if (!SuiteBackbone.NAME.equals(name)) {
            throw new IllegalArgumentException("provider 'strategy-conformance' has no backbone '" + name + "'");
        }
        StrategyOptions.of(name, options, Set.of());
        return new SuiteBackbone();
    }
}
