package dev.graft.core.internal.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.graft.core.train.EpochMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run stands, written into every checkpoint's metadata (the same file as the weights and
 * optimizer state, so the two can never disagree). Random state needs no bytes of its own: every
 * stream is derived from {@code (seed, epoch, step)} (see {@link Seeds}).
 *
 * @param epoch       epoch in progress (0-based)
 * @param stepInEpoch steps of that epoch already taken
 * @param phase       index of the plan phase in force (gradual unfreezing)
 * @param lossSum     sum of example losses so far in this epoch
 * @param lossCount   examples trained so far in this epoch
 * @param bestValue   best early-stopping metric so far (NaN if none)
 * @param bestEpoch   epoch of the best value (-1 if none)
 * @param badEpochs   epochs since the last improvement
 * @param finished    the run stopped; its reason
 * @param history     metrics of the finished epochs
 */
public record TrainerState(int epoch, int stepInEpoch, int phase, double lossSum, long lossCount, double bestValue,
        int bestEpoch, int badEpochs, String finished, long seed, List<EpochMetrics> history) {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    public TrainerState {
        history = List.copyOf(history);
    }

    static TrainerState fresh(long seed) {
        return new TrainerState(0, 0, -1, 0, 0, Double.NaN, -1, 0, null, seed, new ArrayList<>());
    }

    String toJson() {
        return GSON.toJson(this);
    }

    static TrainerState fromJson(String json) {
        return GSON.fromJson(json, TrainerState.class);
    }
}
