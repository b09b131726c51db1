/** The suite every Graft engine must pass: op values, gradients, training, checkpoints, threads. */
module dev.graft.engine.conformance {
    requires transitive dev.graft.engine.spi;
    requires transitive org.junit.jupiter.api;

    exports dev.graft.engine.conformance;
    opens dev.graft.engine.conformance to org.junit.platform.commons;
}
