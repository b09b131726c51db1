/** The suite every Graft transfer strategy must pass, with the small backbone it trains. */
module dev.graft.strategy.conformance {
    requires transitive dev.graft.core;
    requires transitive org.junit.jupiter.api;

    exports dev.graft.strategy.conformance;
    opens dev.graft.strategy.conformance to org.junit.platform.commons;

    provides dev.graft.core.spi.BackboneProvider with dev.graft.strategy.conformance.internal.SuiteBackboneProvider;
}
