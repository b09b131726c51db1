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

    /** Whether top-k accuracy says anything: it does for more than k classes (with k or fewer it is always 1). */
    public boolean topKInformative() {
        return !Double.isNaN(topKAccuracy) && labels.size() > k;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "loss %.4f, accuracy %.4f%s, macro F1 %.4f", loss, accuracy,
                topKInformative() ? String.format(java.util.Locale.ROOT, ", top-%d %.4f", k, topKAccuracy) : "", macroF1);
    }
}
