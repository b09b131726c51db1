package dev.graft.engine.spi.train;

import java.util.List;

/**
 * How a compiled network trains: optimizer, schedule, parameter groups, gradient clipping and
 * the seed for dropout. Changing the config between steps (gradual unfreezing) keeps optimizer
 * state and the step counter.
 *
 * @param clipGlobalNorm clip gradients so their global L2 norm is at most this; 0 disables
 */
public record TrainingConfig(OptimizerSpec optimizer, LearningRateSchedule schedule, List<ParamGroup> groups,
        double clipGlobalNorm, long seed) {
    public TrainingConfig {
        groups = List.copyOf(groups);
        if (!(clipGlobalNorm >= 0)) {
            throw new IllegalArgumentException("clipGlobalNorm must be >= 0, got " + clipGlobalNorm);
        }
    }

    public static TrainingConfig of(OptimizerSpec optimizer, LearningRateSchedule schedule) {
        return new TrainingConfig(optimizer, schedule, List.of(), 0, 0);
    }

    public TrainingConfig withGroups(List<ParamGroup> g) {
        return new TrainingConfig(optimizer, schedule, g, clipGlobalNorm, seed);
    }

    public TrainingConfig withClipGlobalNorm(double c) {
        return new TrainingConfig(optimizer, schedule, groups, c, seed);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(optimizer, schedule, groups, clipGlobalNorm, s);
    }

    public TrainingConfig withSchedule(LearningRateSchedule s) {
        return new TrainingConfig(optimizer, s, groups, clipGlobalNorm, seed);
    }

    /** The group a parameter belongs to, or a default trainable group. */
    public ParamGroup groupOf(String paramName) {
        for (ParamGroup g : groups) {
            if (g.matches(paramName)) {
                return g;
            }
        }
        return DEFAULT_GROUP;
    }

    /** The group of parameters that no explicit group selects. */
    public static final ParamGroup DEFAULT_GROUP = ParamGroup.trainable("default", "**", 1.0);
}
