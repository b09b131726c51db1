package dev.graft.engine.spi.train;

/**
 * An optimizer and its hyper-parameters. The learning rate itself comes from the schedule.
 * Engines implement the update rules exactly as documented here.
 */
public sealed interface OptimizerSpec {
    /** The slot tensors (per parameter) this optimizer keeps, e.g. {@code m}, {@code v}. */
    java.util.List<String> slots();

    /**
     * SGD: {@code v = momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v)}; with
     * momentum 0 it is plain gradient descent and keeps no slot.
     */
    record Sgd(double momentum, boolean nesterov, double weightDecay) implements OptimizerSpec {
        public Sgd {
            requireRange("momentum", momentum, 0, 1);
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("nesterov needs momentum > 0");
            }
            requireRange("weightDecay", weightDecay, 0, 1);
        }

        @Override
        public java.util.List<String> slots() {
            return momentum == 0 ? java.util.List.of() : java.util.List.of("momentum");
        }
    }

    /**
     * Adam (Kingma and Ba) with bias correction. AdamW when {@code decoupledWeightDecay > 0}:
     * before the Adam step, {@code p -= lr * decoupledWeightDecay * p} (Loshchilov and Hutter).
     */
    record Adam(double beta1, double beta2, double epsilon, double decoupledWeightDecay) implements OptimizerSpec {
        public Adam {
            requireRange("beta1", beta1, 0, 1);
            requireRange("beta2", beta2, 0, 1);
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
            }
            requireRange("weightDecay", decoupledWeightDecay, 0, 1);
        }

        @Override
        public java.util.List<String> slots() {
            return java.util.List.of("m", "v");
        }
    }

    static OptimizerSpec sgd(double momentum) {
        return new Sgd(momentum, false, 0);
    }

    static OptimizerSpec nesterov(double momentum) {
        return new Sgd(momentum, true, 0);
    }

    static OptimizerSpec adam() {
        return new Adam(0.9, 0.999, 1e-7, 0);
    }

    static OptimizerSpec adamW(double weightDecay) {
        return new Adam(0.9, 0.999, 1e-7, weightDecay);
    }

    private static void requireRange(String name, double v, double lo, double hi) {
        if (!(v >= lo && v < hi)) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "), got " + v);
        }
    }
}
