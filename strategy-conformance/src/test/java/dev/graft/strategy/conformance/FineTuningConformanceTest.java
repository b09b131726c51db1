package dev.graft.strategy.conformance;

/** The built-in strategy 'fine-tuning' passes the strategy conformance suite. */
class FineTuningConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "fine-tuning";
    }
}
