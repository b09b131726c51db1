/**
 * Integration tests run in this module, on the module path: a small real backbone plugin, with the
 * example strategy and the TensorFlow engine resolved as modules and found by ServiceLoader.
 * The two {@code requires} of plugin modules are there so that Maven puts them on the module path
 * (it places only modules the descriptor reaches there); the code finds them through ServiceLoader.
 */
module dev.graft.tests.integration {
    requires dev.graft.core;
    requires dev.graft.example.strategy;
    requires dev.graft.engine.tensorflow;

    uses dev.graft.core.spi.TransferStrategy;

    provides dev.graft.core.spi.BackboneProvider with dev.graft.tests.integration.DenseBackboneProvider;
}
