package dev.graft.engine.spi.train;

/** The base learning rate at each optimizer step (0-based); group multipliers apply on top. */
@FunctionalInterface
public interface LearningRateSchedule {
    double at(long step);

    static LearningRateSchedule constant(double lr) {
        requirePositive(lr);
        return step -> lr;
    }

    /** {@code lr * gamma^(step / every)}. */
    static LearningRateSchedule step(double lr, long every, double gamma) {
        requirePositive(lr);
        if (every <= 0) {
            throw new IllegalArgumentException("step schedule period must be > 0, got " + every);
        }
        return step -> lr * Math.pow(gamma, (double) (step / every));
    }

    /** Cosine decay from {@code lr} to {@code minLr} over {@code totalSteps}, then flat. */
    static LearningRateSchedule cosine(double lr, long totalSteps, double minLr) {
        requirePositive(lr);
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("cosine schedule needs totalSteps > 0, got " + totalSteps);
        }
        return step -> {
            double t = Math.min(1.0, (double) step / totalSteps);
            return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
        };
    }

    /** Linear warmup from 0 over {@code warmupSteps}, then {@code after} (shifted by the warmup). */
    static LearningRateSchedule warmup(long warmupSteps, LearningRateSchedule after) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        }
        return step -> step < warmupSteps
                ? after.at(0) * (step + 1) / (warmupSteps + 1)
                : after.at(step - warmupSteps);
    }

    /**
     * One-cycle (Smith): rises from {@code maxLr/25} to {@code maxLr} over {@code pctStart} of the
     * steps, then anneals (cosine) to {@code maxLr/1e4}.
     */
    static LearningRateSchedule oneCycle(double maxLr, long totalSteps, double pctStart) {
        requirePositive(maxLr);
        if (totalSteps <= 1 || !(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("one-cycle needs totalSteps > 1 and 0 < pctStart < 1");
        }
        double start = maxLr / 25;
        double end = start / 1e4;
        long up = Math.max(1, Math.round(totalSteps * pctStart));
        return step -> {
            if (step < up) {
                return cos(start, maxLr, (double) step / up);
            }
            return cos(maxLr, end, Math.min(1.0, (double) (step - up) / Math.max(1, totalSteps - up)));
        };
    }

    private static double cos(double from, double to, double t) {
        return to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    private static void requirePositive(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        }
    }
}
