package dev.graft.core.spi;

import java.util.List;

/**
 * What a strategy knows when it plans.
 *
 * @param backbone       backbone name
 * @param blocks         backbone blocks bottom to top
 * @param backboneScope  prefix of backbone parameter names (e.g. {@code backbone})
 * @param headScope      prefix of head parameter names (e.g. {@code head})
 * @param headLearningRate base learning rate (multiplier 1 = head)
 * @param epochs         planned epochs
 * @param trainExamples  training-set size
 * @param classes        number of classes (0 for regression)
 */
public record PlanContext(String backbone, List<Block> blocks, String backboneScope, String headScope,
        double headLearningRate, int epochs, int trainExamples, int classes) {
    public PlanContext {
        blocks = List.copyOf(blocks);
    }
}
