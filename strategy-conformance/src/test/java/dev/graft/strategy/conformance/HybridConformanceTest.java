package dev.graft.strategy.conformance;

import java.util.Map;

/** The built-in strategy 'hybrid' passes the strategy conformance suite. */
class HybridConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "hybrid";
    }

    @Override
    protected Map<String, String> options() {
        return Map.of("cut", "block2");
    }
}
