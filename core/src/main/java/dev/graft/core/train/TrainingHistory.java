package dev.graft.core.train;

import java.util.List;

/**
 * A finished (or stopped) run.
 *
 * @param epochs     per-epoch metrics, in order (including epochs from before a resume)
 * @param bestEpoch  epoch whose weights the model holds when best weights were restored, else the last
 * @param stopReason {@code completed}, {@code early-stopping}, {@code max-steps}
 * @param steps      optimizer steps taken in total
 * @param resumedFromStep the step a resumed run started from (0 for a fresh run)
 */
public record TrainingHistory(List<EpochMetrics> epochs, int bestEpoch, String stopReason, long steps, long resumedFromStep) {
    public TrainingHistory {
        epochs = List.copyOf(epochs);
    }
}
