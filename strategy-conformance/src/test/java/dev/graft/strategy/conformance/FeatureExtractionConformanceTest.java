package dev.graft.strategy.conformance;

/** The built-in strategy 'feature-extraction' passes the strategy conformance suite. */
class FeatureExtractionConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return "feature-extraction";
    }
}
