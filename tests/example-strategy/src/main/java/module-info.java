/** A third-party transfer strategy: train the head on a frozen backbone, then fine-tune everything. */
module dev.graft.example.strategy {
    requires dev.graft.core;

    provides dev.graft.core.spi.TransferStrategy with dev.graft.example.strategy.LinearProbeThenFinetune;
}
