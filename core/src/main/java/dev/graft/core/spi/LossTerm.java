package dev.graft.core.spi;

import dev.graft.engine.spi.graph.Node;

/**
 * A term added to the task loss, built from ops of the definition (so every engine computes it and
 * its gradient). It may read parameters, outputs such as the features or logits, and frozen copies
 * of the pretrained weights ({@link LossContext#pretrained}).
 */
public interface LossTerm extends RunExtension {
    /** Builds the term; returns a scalar float node, added to the task loss. */
    Node build(LossContext context);
}
