package dev.graft.core.spi;

import java.util.List;

/**
 * A strategy's plan: which groups are frozen when, their learning-rate multipliers, the BatchNorm
 * policy, whether backbone features may be cached (backbone frozen throughout), and a human
 * explanation.
 */
public record TransferPlan(String strategy, List<Phase> phases, BatchNormPolicy batchNorm, boolean cacheFeatures,
        int warmupEpochs, String explanation) {
    public TransferPlan {
        phases = List.copyOf(phases);
        if (phases.isEmpty() || phases.get(0).startEpoch() != 0) {
            throw new IllegalArgumentException("a plan needs a first phase starting at epoch 0");
        }
    }

    /** The phase in force at {@code epoch}. */
    public Phase phaseAt(int epoch) {
        Phase p = phases.get(0);
        for (Phase q : phases) {
            if (q.startEpoch() <= epoch) {
                p = q;
            }
        }
        return p;
    }
}
