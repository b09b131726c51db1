package dev.graft.core.train;

import java.util.List;
import java.util.Locale;

/**
 * A finished (or stopped) run.
 *
 * @param epochs           per-epoch metrics, in order (including epochs from before a resume)
 * @param bestEpoch        epoch whose weights the model holds: the best one when early stopping restored it, else the last
 * @param stopReason       {@code completed}, {@code early-stopping}, {@code max-steps} (or a strategy's own, e.g. {@code solved})
 * @param steps            optimizer steps taken in total
 * @param resumedFromStep  the step a resumed run started from (0 for a fresh run)
 * @param resumedFromEpoch the epoch (0-based) a resumed run continued, -1 for a fresh run
 * @param earlyStopping    whether early stopping chose {@code bestEpoch} (and restored its weights); without it the
 *                         model holds the last epoch's weights and there is no "best" epoch
 */
public record TrainingHistory(List<EpochMetrics> epochs, int bestEpoch, String stopReason, long steps, long resumedFromStep,
        int resumedFromEpoch, boolean earlyStopping) {
    public TrainingHistory {
        epochs = List.copyOf(epochs);
    }

    /** A run that did not resume and had no early stopping choose its epoch. */
    public TrainingHistory(List<EpochMetrics> epochs, int bestEpoch, String stopReason, long steps, long resumedFromStep) {
        this(epochs, bestEpoch, stopReason, steps, resumedFromStep, -1, false);
    }

    /** Whether the run continued from a checkpoint. */
    public boolean resumed() {
        return resumedFromEpoch >= 0;
    }

    /**
     * Whether the run ended at its epoch or step limit while the validation loss was still falling: the
     * last epoch's validation loss is lower than every earlier epoch's. More epochs would likely help.
     */
    public boolean stoppedWhileImproving() {
        if (!(stopReason.equals("completed") || stopReason.equals("max-steps")) || epochs.size() < 2) {
            return false;
        }
        EpochMetrics last = epochs.get(epochs.size() - 1);
        if (last.validation() == null || Double.isNaN(last.validation().loss())) {
            return false;
        }
        for (int i = 0; i < epochs.size() - 1; i++) {
            Metrics v = epochs.get(i).validation();
            if (v == null || !(last.validation().loss() < v.loss())) {
                return false;
            }
        }
        return true;
    }

    /**
     * One line on how the run ended, e.g. {@code completed after epoch 10; no early stopping (weights of the last
     * epoch)} or {@code early-stopping after epoch 9; best epoch 6 (its weights restored)}, with the resume point and
     * a note when the validation loss was still falling.
     */
    public String summary() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s after epoch %d (%d steps); ", stopReason,
                epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).epoch() + 1, steps));
        s.append(earlyStopping ? "best epoch " + (bestEpoch + 1) + " (its weights restored)"
                : "no early stopping (the model holds the last epoch's weights)");
        if (resumed()) {
            s.append(String.format(Locale.ROOT, "; resumed from a checkpoint at epoch %d, step %d", resumedFromEpoch + 1,
                    resumedFromStep));
        }
        if (stoppedWhileImproving()) {
            List<EpochMetrics> e = epochs;
            s.append(String.format(Locale.ROOT, "; validation loss was still falling at the last epoch (%.4f -> %.4f): "
                    + "more epochs may help", e.get(e.size() - 2).validation().loss(), e.get(e.size() - 1).validation().loss()));
        }
        return s.toString();
    }
}
