package dev.graft.core.spi;

import java.util.List;

/**
 * A strategy's plan: which groups are frozen when and their learning-rate multipliers (each
 * group's {@link dev.graft.engine.spi.train.ParamGroup#batchStatistics()} is the one BatchNorm knob
 * for the layers whose gamma it selects), whether backbone features may be cached (backbone frozen
 * throughout), warmup epochs, a human explanation, where the head attaches, and the optional run
 * extensions (network adapters, loss terms, step hooks, training objectives).
 *
 * @param headAttach the backbone output the head reads: {@link #FEATURES} (the backbone's feature node)
 *                   or the name of a block whose output the backbone exposes
 */
public record TransferPlan(String strategy, List<Phase> phases, boolean cacheFeatures, int warmupEpochs,
        String explanation, String headAttach, List<RunExtension> extensions) {
    /** The head reads the backbone's feature node (its top). */
    public static final String FEATURES = "features";

    public TransferPlan {
        phases = List.copyOf(phases);
        extensions = List.copyOf(extensions);
        if (phases.isEmpty() || phases.get(0).startEpoch() != 0) {
            throw new IllegalArgumentException("a plan needs a first phase starting at epoch 0");
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("warmup epochs must be >= 0, got " + warmupEpochs);
        }
        if (headAttach == null || headAttach.isBlank()) {
            throw new IllegalArgumentException("a plan must name where the head attaches (TransferPlan.FEATURES for the top)");
        }
    }

    /** A plan with the head on the backbone's features and no extensions. */
    public TransferPlan(String strategy, List<Phase> phases, boolean cacheFeatures, int warmupEpochs, String explanation) {
        this(strategy, phases, cacheFeatures, warmupEpochs, explanation, FEATURES, List.of());
    }

    /** This plan with more extensions. */
    public TransferPlan with(RunExtension... more) {
        List<RunExtension> all = new java.util.ArrayList<>(extensions);
        all.addAll(List.of(more));
        return new TransferPlan(strategy, phases, cacheFeatures, warmupEpochs, explanation, headAttach, all);
    }

    /** The extensions of one kind, in order. */
    public <T extends RunExtension> List<T> extensions(Class<T> kind) {
        return extensions.stream().filter(kind::isInstance).map(kind::cast).toList();
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
