package dev.graft.core.train;

/**
 * Stop when a metric has not improved for {@code patience} epochs.
 *
 * @param metric      one of {@link EpochMetrics#METRICS}, e.g. {@code val_loss} (lower is better)
 *                    or {@code val_accuracy} (higher is better)
 * @param patience    epochs without improvement tolerated (>= 1)
 * @param minDelta    smallest change that counts as an improvement (>= 0)
 * @param restoreBest put back the weights of the best epoch at the end
 */
public record EarlyStopping(String metric, int patience, double minDelta, boolean restoreBest) {
    public EarlyStopping {
        EpochMetrics.requireKnown(metric);
        if (patience < 1) {
            throw new IllegalArgumentException("early-stopping patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("early-stopping minDelta must be >= 0, got " + minDelta);
        }
    }

    public static EarlyStopping on(String metric, int patience) {
        return new EarlyStopping(metric, patience, 0, true);
    }

    /** Whether larger values of the metric are better. */
    public boolean maximize() {
        return !metric.endsWith("loss") && !metric.endsWith("mae");
    }
}
