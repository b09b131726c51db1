package dev.graft.engine.conformance.internal;

import dev.graft.engine.conformance.internal.OpCase.Operand;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Op values against the reference, and gradients against central finite differences.
 *
 * <p>Values: {@code |engine - reference| <= VALUE_ATOL + VALUE_RTOL * |reference|}: float32 has a
 * 6e-8 unit round-off and the largest reduction here sums 36 terms, so a correct float32 kernel
 * stays near 1e-6; 1e-4 leaves room for reordered (vectorised) sums and still catches any wrong
 * index, padding or formula, which are off by O(0.1) or more.
 *
 * <p>Gradients: the engine's gradient is read back from one SGD step with learning rate 1
 * ({@code g = p_before - p_after}) on {@code loss = sum(op(p) * w)} with fixed random {@code w}.
 * It must match the central difference {@code (L(p + h) - L(p - h)) / 2h} with
 * {@code h = GRAD_EPS = 1e-2} or, as the double check, {@code h / 2}, within
 * {@code GRAD_ATOL + GRAD_RTOL * max(|g|, |fd|)}, GRAD_RTOL = 1e-2 and GRAD_ATOL = 2e-3. Why: the
 * truncation error of central differences is h^2/6 |L'''| (about 2e-5 for the smooth ops here,
 * whose inputs are O(1)); float32 round-off in a loss of magnitude up to ~30 is about 30 * 6e-8 *
 * sqrt(terms), divided by 2h that is below 1e-3. A wrong gradient (missing factor, wrong sign,
 * transposed kernel) is off by far more than 1%.
 */
public final class OpChecks {
    static final double VALUE_RTOL = 1e-4;
    static final double VALUE_ATOL = 1e-4;
    static final double GRAD_EPS = 1e-2;
    static final double GRAD_RTOL = 1e-2;
    static final double GRAD_ATOL = 2e-3;
    /** Elements checked per parameter (all when the parameter is smaller). */
    static final int GRAD_SAMPLES = 16;

    private OpChecks() {
    }

    /** A network holding the op under test with its operands, output {@code y} and {@code loss = sum(y * w)}. */
    static final class Harness implements AutoCloseable {
        final CompiledModel model;
        final Map<String, HostTensor> feeds = new LinkedHashMap<>();
        final Map<String, HostTensor> initial = new LinkedHashMap<>();
        final List<String> trainable = new ArrayList<>();
        final Arr w;

        Harness(Engine engine, OpCase c, long seed) {
            NetworkBuilder b = new NetworkBuilder();
            List<Node> nodes = new ArrayList<>();
            for (Operand o : c.operands()) {
                long[] shape = o.value().longShape();
                switch (o.role()) {
                    case INPUT -> {
                        nodes.add(b.input(o.name(), o.dtype(), shape));
                        feeds.put(o.name(), o.value().host(o.dtype()));
                    }
                    case TRAINABLE, STATE -> {
                        String name = "op." + o.name();
                        nodes.add(b.paramNamed(name, Initializer.zeros(), o.role() == OpCase.Role.TRAINABLE, DType.FLOAT32, shape));
                        initial.put(name, o.value().host());
                        if (o.role() == OpCase.Role.TRAINABLE) {
                            trainable.add(name);
                        }
                    }
                }
            }
            Node y;
            try (NetworkBuilder.Scope s = b.scope("op")) {
                y = c.build().apply(b, nodes);
            }
            b.output("y", y);
            if (y.dtype() == DType.FLOAT32) {
                long[] ys = y.shape().dims();
                int[] is = new int[ys.length];
                int[] axes = new int[ys.length];
                for (int i = 0; i < ys.length; i++) {
                    is[i] = (int) ys[i];
                    axes[i] = i;
                }
                w = Arr.uniform(new SplittableRandom(seed), -1, 1, is).roundToFloat();
                Node wn = b.input("w", DType.FLOAT32, ys);
                feeds.put("w", w.host());
                Node prod = b.mul(y, wn);
                b.loss("loss", ys.length == 0 ? prod : b.sum(prod, false, axes));
            } else {
                w = null;
            }
            model = engine.compile(b.build(), seed);
            model.setParameters(initial);
        }

        Map<String, HostTensor> feedsFor(List<String> outputs) {
            Map<String, HostTensor> m = new LinkedHashMap<>();
            for (String in : model.network().inputsFor(outputs)) {
                m.put(in, feeds.get(in));
            }
            return m;
        }

        double inferenceLoss() {
            return model.predict(feedsFor(List.of("loss")), "loss").getFloat(0);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** The op's inference output equals the reference. */
    public static void checkValues(Engine engine, OpCase c) {
        try (Harness h = new Harness(engine, c, 1)) {
            HostTensor y = h.model.predict(h.feedsFor(List.of("y")), "y");
            List<Arr> in = c.operands().stream().map(Operand::value).toList();
            Arr expected = c.reference().apply(in);
            Arr actual = Arr.fromHost(y);
            if (y.dtype() == DType.INT32) {
                Check.close(c.name(), expected, actual, 0, 0);
            } else {
                Check.close(c.name(), expected, actual, VALUE_RTOL, VALUE_ATOL);
            }
        }
    }

    /** Gradients of every trainable operand, in inference behaviour (BatchNorm on moving statistics). */
    public static void checkGradient(Engine engine, OpCase c) {
        try (Harness h = new Harness(engine, c, 2)) {
            TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1.0))
                    .withGroups(List.of(ParamGroup.trainable("all", "**", 1.0).withBatchStatistics(false)));
            Map<String, Arr> grads = sgdGradients(h, cfg);
            for (String p : h.trainable) {
                checkAgainstFiniteDifferences(c.name(), h, p, grads.get(p), h::inferenceLoss);
            }
        }
    }

    /** One SGD step at learning rate 1: returns p_before - p_after per trainable parameter and restores them. */
    static Map<String, Arr> sgdGradients(Harness h, TrainingConfig cfg) {
        h.model.configureTraining(cfg);
        Map<String, HostTensor> before = h.model.parameters();
        h.model.trainStep(h.feedsFor(List.of("loss")));
        Map<String, HostTensor> after = h.model.parameters();
        Map<String, Arr> g = new LinkedHashMap<>();
        for (String p : h.trainable) {
            Arr b = Arr.fromHost(before.get(p));
            Arr a = Arr.fromHost(after.get(p));
            for (int i = 0; i < b.size(); i++) {
                b.v[i] -= a.v[i];
            }
            g.put(p, b);
        }
        h.model.setParameters(h.initial);
        return g;
    }

    /** A loss evaluation used by finite differences. */
    @FunctionalInterface
    interface Loss {
        double at();
    }

    static void checkAgainstFiniteDifferences(String what, Harness h, String param, Arr grad, Loss loss) {
        Arr p0 = Arr.fromHost(h.initial.get(param));
        SplittableRandom r = new SplittableRandom(param.hashCode());
        int n = p0.size();
        int[] picks = n <= GRAD_SAMPLES ? java.util.stream.IntStream.range(0, n).toArray()
                : r.ints(GRAD_SAMPLES, 0, n).distinct().toArray();
        for (int i : picks) {
            double fd1 = centralDifference(h, param, p0, i, GRAD_EPS, loss);
            double g = grad.v[i];
            if (within(g, fd1)) {
                continue;
            }
            double fd2 = centralDifference(h, param, p0, i, GRAD_EPS / 2, loss);
            if (!within(g, fd2)) {
                h.model.setParameters(h.initial);
                throw new AssertionError(String.format("%s: d loss / d %s%s = %.6g from the engine, finite differences give %.6g (h=%.0e) "
                        + "and %.6g (h=%.0e); tolerance %.0e + %.0e * max(|g|, |fd|)", what, param,
                        java.util.Arrays.toString(p0.index(i)), g, fd1, GRAD_EPS, fd2, GRAD_EPS / 2, GRAD_ATOL, GRAD_RTOL));
            }
        }
        h.model.setParameters(h.initial);
    }

    private static boolean within(double g, double fd) {
        return Math.abs(g - fd) <= GRAD_ATOL + GRAD_RTOL * Math.max(Math.abs(g), Math.abs(fd));
    }

    private static double centralDifference(Harness h, String param, Arr p0, int i, double eps, Loss loss) {
        Arr p = p0.copy();
        float plus = (float) (p0.v[i] + eps);
        float minus = (float) (p0.v[i] - eps);
        p.v[i] = plus;
        h.model.setParameters(Map.of(param, p.host()));
        double lp = loss.at();
        p.v[i] = minus;
        h.model.setParameters(Map.of(param, p.host()));
        double lm = loss.at();
        h.model.setParameters(Map.of(param, p0.host()));
        return (lp - lm) / ((double) plus - (double) minus);
    }
}
