package dev.graft.core.spi;

import java.util.List;

/**
 * The new top of the network.
 *
 * @param task    classification, multi-label or regression
 * @param outputs number of classes, labels or regression targets
 * @param hidden  hidden layer widths (empty = linear head)
 * @param dropout dropout rate before each dense layer
 */
public record HeadSpec(Task task, int outputs, List<Integer> hidden, double dropout) {
    public HeadSpec {
        hidden = List.copyOf(hidden);
        if (outputs < 1) {
            throw new IllegalArgumentException("a head needs at least one output, got " + outputs);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("head dropout must be in [0, 1), got " + dropout);
        }
    }
}
