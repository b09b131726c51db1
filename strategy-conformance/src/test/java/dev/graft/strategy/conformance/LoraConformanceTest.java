package dev.graft.strategy.conformance;

import java.util.Map;

/** The built-in strategy 'lora' passes the strategy conformance suite. */
class LoraConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "lora";
    }

    @Override
    protected Map<String, String> options() {
        return Map.of("targets", "backbone.**.fc.kernel");
    }
}
