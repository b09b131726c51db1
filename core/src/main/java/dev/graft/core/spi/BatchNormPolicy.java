package dev.graft.core.spi;

/** How BatchNorm layers in trainable blocks behave while training. */
public enum BatchNormPolicy {
    /** Moving statistics used and kept; gamma/beta frozen too. */
    FROZEN,
    /** Moving statistics used and kept; gamma/beta trained. */
    AFFINE_ONLY,
    /** Batch statistics used, moving statistics updated, gamma/beta trained. */
    TRAIN
}
