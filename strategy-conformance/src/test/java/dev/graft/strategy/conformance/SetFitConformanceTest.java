package dev.graft.strategy.conformance;

/** The built-in strategy 'setfit' passes the strategy conformance suite. */
class SetFitConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "setfit";
    }
}
