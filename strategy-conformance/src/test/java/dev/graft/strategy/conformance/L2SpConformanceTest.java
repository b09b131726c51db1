package dev.graft.strategy.conformance;

/** The built-in strategy 'l2-sp' passes the strategy conformance suite. */
class L2SpConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "l2-sp";
    }
}
