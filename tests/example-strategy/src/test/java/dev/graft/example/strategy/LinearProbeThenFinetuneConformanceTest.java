package dev.graft.example.strategy;

import dev.graft.strategy.conformance.StrategyConformanceSuite;

/** The example third-party strategy passes the same conformance suite as the built-ins. */
class LinearProbeThenFinetuneConformanceTest extends StrategyConformanceSuite {
    @Override
    protected String strategy() {
        return LinearProbeThenFinetune.ID;
    }
}
