package dev.graft.core.spi;

/**
 * How BatchNorm layers in trainable groups behave while training; applied per group with
 * {@link dev.graft.core.strategy.Plans#batchNorm}. A frozen group always keeps its BatchNorm layers
 * frozen (moving statistics used, never updated).
 */
public enum BatchNormPolicy {
    /** Moving statistics used and kept; gamma/beta frozen too. */
    FROZEN,
    /** Moving statistics used and kept; gamma/beta trained. */
    AFFINE_ONLY,
    /** Batch statistics used, moving statistics updated, gamma/beta trained. */
    TRAIN
}
