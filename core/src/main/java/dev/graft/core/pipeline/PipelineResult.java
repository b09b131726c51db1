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
 * @param crossValidation the solved head's cross-validation on its training examples when the head was solved, else null
 */
public record PipelineResult(TrainedModel model, TrainingHistory history, Metrics validation, TransferPlan plan,
        String planReport, CacheStats featureCache, Map<String, Double> seconds, String engine, List<String> warnings,
        CrossValidation crossValidation) {
    public PipelineResult {
        warnings = List.copyOf(warnings);
    }

    /** A result with warnings and no cross-validation. */
    public PipelineResult(TrainedModel model, TrainingHistory history, Metrics validation, TransferPlan plan,
            String planReport, CacheStats featureCache, Map<String, Double> seconds, String engine, List<String> warnings) {
        this(model, history, validation, plan, planReport, featureCache, seconds, engine, warnings, null);
    }

    /** A result with no warnings. */
    public PipelineResult(TrainedModel model, TrainingHistory history, Metrics validation, TransferPlan plan,
            String planReport, CacheStats featureCache, Map<String, Double> seconds, String engine) {
        this(model, history, validation, plan, planReport, featureCache, seconds, engine, List.of());
    }

    /**
     * How a solved head chose its regularisation: stratified {@code folds}-fold cross-validation on the
     * {@code examples} it was fitted on (the features standardised inside each fold), mean held-out accuracy
     * of each C tried ({@code accuracyByC}) and the C chosen, the one of best accuracy. {@link #accuracy()}
     * is that best figure: slightly optimistic as a maximum over the C values, and, where the backbone was
     * itself trained on these examples (SetFit's tuned encoder), not a held-out figure at all.
     */
    public record CrossValidation(int examples, int folds, double c, Map<Double, Double> accuracyByC) {
        public CrossValidation {
            accuracyByC = Map.copyOf(accuracyByC);
        }

        /** Mean held-out accuracy at the chosen C (NaN when there were too few examples to cross-validate). */
        public double accuracy() {
            return accuracyByC.getOrDefault(c, Double.NaN);
        }
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
