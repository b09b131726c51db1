package dev.graft.core.spi;

import java.util.List;

/**
 * What a strategy knows when it plans.
 *
 * @param backbone         backbone name
 * @param blocks           backbone blocks bottom to top
 * @param backboneScope    prefix of backbone parameter names (e.g. {@code backbone})
 * @param headScope        prefix of head parameter names (e.g. {@code head})
 * @param headLearningRate base learning rate (multiplier 1 = head)
 * @param epochs           planned epochs
 * @param trainExamples    training-set size
 * @param classes          number of classes (0 for regression)
 * @param batchNormParams  full names of every BatchNorm layer's gamma, beta and moving statistics
 *                         in the network (for {@link dev.graft.core.strategy.Plans#batchNorm})
 * @param parameters       full names of every parameter of the network, in definition order
 */
public record PlanContext(String backbone, List<Block> blocks, String backboneScope, String headScope,
        double headLearningRate, int epochs, int trainExamples, int classes, List<String> batchNormParams,
        List<String> parameters) {
    public PlanContext {
        blocks = List.copyOf(blocks);
        batchNormParams = List.copyOf(batchNormParams);
        parameters = List.copyOf(parameters);
    }

    /** A context that knows no parameter names (plans that do not need them). */
    public PlanContext(String backbone, List<Block> blocks, String backboneScope, String headScope,
            double headLearningRate, int epochs, int trainExamples, int classes) {
        this(backbone, blocks, backboneScope, headScope, headLearningRate, epochs, trainExamples, classes, List.of(), List.of());
    }
}
