package dev.graft.core.train;

import java.util.List;

/**
 * What one epoch did.
 *
 * @param epoch      0-based
 * @param phase      the description of the strategy phase in force
 * @param trainLoss  mean training loss over the epoch's examples
 * @param validation metrics on the validation set (null when there is none)
 * @param steps      optimizer steps taken so far, in total
 * @param seconds    wall time of the epoch (training and evaluation)
 */
public record EpochMetrics(int epoch, String phase, double trainLoss, Metrics validation, long steps, double seconds,
        Metrics trainSample) {
    /** Without training-sample metrics. */
    public EpochMetrics(int epoch, String phase, double trainLoss, Metrics validation, long steps, double seconds) {
        this(epoch, phase, trainLoss, validation, steps, seconds, null);
    }

    /** Accuracy on the training sample evaluated in inference mode after the epoch (NaN without one). */
    public double trainAccuracy() {
        return trainSample == null ? Double.NaN : trainSample.accuracy();
    }

    /** Metric names that early stopping and reports understand. */
    public static final List<String> METRICS = List.of("train_loss", "val_loss", "val_accuracy", "val_top_k_accuracy",
            "val_macro_f1", "val_mae");

    static void requireKnown(String metric) {
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("unknown metric '" + metric + "'; valid metrics: " + METRICS);
        }
    }

    /** The value of a named metric (NaN when it does not apply). */
    public double value(String metric) {
        requireKnown(metric);
        if (metric.equals("train_loss")) {
            return trainLoss;
        }
        if (validation == null) {
            throw new IllegalStateException("metric '" + metric + "' needs a validation set");
        }
        return switch (metric) {
            case "val_loss" -> validation.loss();
            case "val_accuracy" -> validation.accuracy();
            case "val_top_k_accuracy" -> validation.topKAccuracy();
            case "val_macro_f1" -> validation.macroF1();
            default -> validation.meanAbsoluteError();
        };
    }
}
