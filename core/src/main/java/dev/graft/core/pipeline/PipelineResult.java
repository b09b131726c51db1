package dev.graft.core.pipeline;

import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.train.Metrics;
import dev.graft.core.train.TrainingHistory;
import java.util.List;
import java.util.Map;

/**
 * What a pipeline run produced.
 *
 * @param model        the trained model (save it with {@link TrainedModel#save})
 * @param history      per-epoch metrics, stop reason, steps
 * @param validation   final metrics on the validation set with the returned weights (null without one)
 * @param plan         the strategy's plan
 * @param planReport   the plan as applied: groups, learning rates, BatchNorm policy, trainable counts per phase
 * @param featureCache feature-cache figures when the plan cached backbone features, else null
 * @param seconds      wall time per stage: {@code setup}, {@code features}, {@code training}, {@code evaluation}
 * @param engine       the engine id and version used
 * @param warnings     what the user must know before trusting the figures (e.g. a backbone with no pretrained
 *                     weights: training from scratch); also at the top of {@code planReport}
 */
public record PipelineResult(TrainedModel model, TrainingHistory history, Metrics validation, TransferPlan plan,
        String planReport, CacheStats featureCache, Map<String, Double> seconds, String engine, List<String> warnings) {
    public PipelineResult {
        warnings = List.copyOf(warnings);
    }

    /** A result with no warnings. */
    public PipelineResult(TrainedModel model, TrainingHistory history, Metrics validation, TransferPlan plan,
            String planReport, CacheStats featureCache, Map<String, Double> seconds, String engine) {
        this(model, history, validation, plan, planReport, featureCache, seconds, engine, List.of());
    }

    /**
     * @param hits            examples whose features came from disk
     * @param computed        examples run through the backbone
     * @param repeated        examples whose input (text, file) repeats an earlier example's, whose features they share
     * @param backboneBatches backbone executions (batches)
     */
    public record CacheStats(int hits, int computed, int repeated, int backboneBatches, String directory) {
        /** All examples: {@code hits + computed + repeated}. */
        public int examples() {
            return hits + computed + repeated;
        }
    }
}
