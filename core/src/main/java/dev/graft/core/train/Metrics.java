package dev.graft.core.train;

import java.util.List;

/**
 * Evaluation figures on a data set. For classification: accuracy, top-k accuracy, macro F1 and the
 * confusion matrix ({@code confusion[true][predicted]}, in label order). For multi-label:
 * accuracy and macro F1 per label at threshold 0.5. For regression: mean absolute error. Figures
 * that do not apply to the task are NaN.
 */
public record Metrics(int examples, double loss, double accuracy, int k, double topKAccuracy, double macroF1,
        double meanAbsoluteError, List<String> labels, int[][] confusion, double[] precision, double[] recall) {
    public Metrics {
        labels = List.copyOf(labels);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "loss %.4f, accuracy %.4f, top-%d %.4f, macro F1 %.4f", loss,
                accuracy, k, topKAccuracy, macroF1);
    }
}
