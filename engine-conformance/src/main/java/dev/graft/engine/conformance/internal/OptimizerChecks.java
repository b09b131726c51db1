package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * Optimizer updates against a plain-Java reimplementation of the rules documented in
 * {@link OptimizerSpec}. The network's loss is {@code sum(xa * a) + sum(a * a) / 2 + sum(xb * b) +
 * sum(b * b) / 2}, so the gradients are {@code xa + a} and {@code xb + b}: they change with the
 * parameters and with each batch, which exercises momentum and moment estimates. Tolerance after
 * {@link #STEPS} steps: {@code 1e-5 + 1e-4 * |reference|} (float32 round-off accumulates to about
 * 1e-6 here; Adam's epsilon placement, before or after bias correction, changes results by about
 * 3e-6 relative when gradients are O(1), so either placement passes).
 */
public final class OptimizerChecks {
    static final int STEPS = 6;
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    private OptimizerChecks() {
    }

    /** One reference run: a named configuration and how the reference treats each parameter. */
    public record Scenario(String name, TrainingConfig config, Rule a, Rule b) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A parameter's update rule in the reference, with its learning-rate multiplier. */
    public record Rule(OptimizerSpec opt, double lrMultiplier, double weightDecay, boolean frozen) {
        static Rule of(OptimizerSpec opt) {
            double wd = opt instanceof OptimizerSpec.Adam a ? a.decoupledWeightDecay() : ((OptimizerSpec.Sgd) opt).weightDecay();
            return new Rule(opt, 1, wd, false);
        }
    }

    public static List<Scenario> scenarios() {
        List<Scenario> s = new ArrayList<>();
        LearningRateSchedule lr = LearningRateSchedule.constant(0.1);
        for (OptimizerSpec o : List.of(OptimizerSpec.sgd(0), OptimizerSpec.sgd(0.9), OptimizerSpec.nesterov(0.9),
                new OptimizerSpec.Sgd(0.9, false, 0.05), OptimizerSpec.adam(), OptimizerSpec.adamW(0.1),
                new OptimizerSpec.Adam(0.8, 0.99, 1e-6, 0))) {
            s.add(new Scenario(o.toString(), TrainingConfig.of(o, lr), Rule.of(o), Rule.of(o)));
        }
        OptimizerSpec adam = OptimizerSpec.adam();
        s.add(new Scenario("Adam, group 'a' at lr x0.5, group 'b' frozen", TrainingConfig.of(adam, lr).withGroups(List.of(
                ParamGroup.trainable("slow", "a.*", 0.5), ParamGroup.frozen("fixed", "b.**"))),
                new Rule(adam, 0.5, 0, false), new Rule(adam, 0, 0, true)));
        OptimizerSpec adamW = OptimizerSpec.adamW(0.1);
        s.add(new Scenario("AdamW, weight decay switched off for group 'b'", TrainingConfig.of(adamW, lr).withGroups(List.of(
                new ParamGroup("no-decay", "b.w", false, 2.0, 0.0, true))),
                Rule.of(adamW), new Rule(adamW, 2.0, 0, false)));
        s.add(new Scenario("SGD momentum 0.9, gradients clipped to global norm 0.5",
                TrainingConfig.of(OptimizerSpec.sgd(0.9), lr).withClipGlobalNorm(0.5), Rule.of(OptimizerSpec.sgd(0.9)),
                Rule.of(OptimizerSpec.sgd(0.9))));
        s.add(new Scenario("Adam, clip norm 100 (inactive)", TrainingConfig.of(adam, lr).withClipGlobalNorm(100), Rule.of(adam), Rule.of(adam)));
        return s;
    }

    /** Learning-rate schedules with their values from independent formulas. */
    public record ScheduleCase(String name, LearningRateSchedule schedule, DoubleUnaryOperator expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static List<ScheduleCase> schedules() {
        return List.of(
                new ScheduleCase("constant 0.1", LearningRateSchedule.constant(0.1), t -> 0.1),
                new ScheduleCase("step 0.2, x0.5 every 3", LearningRateSchedule.step(0.2, 3, 0.5), t -> 0.2 * Math.pow(0.5, Math.floor(t / 3))),
                new ScheduleCase("cosine 0.2 to 0.02 over 6", LearningRateSchedule.cosine(0.2, 6, 0.02),
                        t -> 0.02 + 0.18 * (1 + Math.cos(Math.PI * Math.min(t, 6) / 6)) / 2),
                new ScheduleCase("warmup 3 then constant 0.2", LearningRateSchedule.warmup(3, LearningRateSchedule.constant(0.2)),
                        t -> t < 3 ? 0.2 * (t + 1) / 4 : 0.2),
                new ScheduleCase("one-cycle max 0.3 over 8, 25% up", LearningRateSchedule.oneCycle(0.3, 8, 0.25), t -> {
                    double lo = 0.3 / 25;
                    if (t < 2) {
                        return lo + (0.3 - lo) * (1 - Math.cos(Math.PI * t / 2)) / 2;
                    }
                    double end = lo / 1e4;
                    return 0.3 + (end - 0.3) * (1 - Math.cos(Math.PI * Math.min(1, (t - 2) / 6))) / 2;
                }));
    }

    static Network network() {
        NetworkBuilder b = new NetworkBuilder();
        Node xa = b.input("xa", DType.FLOAT32, 2, 3);
        Node xb = b.input("xb", DType.FLOAT32, 3);
        Node a = b.paramNamed("a.w", Initializer.zeros(), true, DType.FLOAT32, 2, 3);
        Node w = b.paramNamed("b.w", Initializer.zeros(), true, DType.FLOAT32, 3);
        Node half = b.scalar(0.5);
        Node la = b.add(b.sum(b.mul(xa, a), false, 0, 1), b.mul(half, b.sum(b.mul(a, a), false, 0, 1)));
        Node lb = b.add(b.sum(b.mul(xb, w), false, 0), b.mul(half, b.sum(b.mul(w, w), false, 0)));
        b.loss("loss", b.add(la, lb));
        return b.build();
    }

    /** Reference state of one parameter. */
    private static final class RefParam {
        final double[] p;
        final double[] m;
        final double[] v;

        RefParam(double[] p) {
            this.p = p.clone();
            this.m = new double[p.length];
            this.v = new double[p.length];
        }

        void update(Rule rule, double[] g, double lr, long t) {
            if (rule.frozen()) {
                return;
            }
            lr *= rule.lrMultiplier();
            if (rule.opt() instanceof OptimizerSpec.Adam a) {
                for (int i = 0; i < p.length; i++) {
                    p[i] -= lr * rule.weightDecay() * p[i];
                    m[i] = a.beta1() * m[i] + (1 - a.beta1()) * g[i];
                    v[i] = a.beta2() * v[i] + (1 - a.beta2()) * g[i] * g[i];
                    double mh = m[i] / (1 - Math.pow(a.beta1(), t + 1));
                    double vh = v[i] / (1 - Math.pow(a.beta2(), t + 1));
                    p[i] -= lr * mh / (Math.sqrt(vh) + a.epsilon());
                }
                return;
            }
            OptimizerSpec.Sgd s = (OptimizerSpec.Sgd) rule.opt();
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + rule.weightDecay() * p[i];
                m[i] = s.momentum() * m[i] + gi;
                double step = s.momentum() == 0 ? gi : s.nesterov() ? gi + s.momentum() * m[i] : m[i];
                p[i] -= lr * step;
            }
        }
    }

    public static void checkScenario(Engine engine, Scenario sc) {
        run(engine, sc.name(), sc.config(), sc.a(), sc.b(), t -> sc.config().schedule().at((long) t));
    }

    public static void checkSchedule(Engine engine, ScheduleCase sc) {
        OptimizerSpec sgd = OptimizerSpec.sgd(0);
        run(engine, sc.name(), TrainingConfig.of(sgd, sc.schedule()), Rule.of(sgd), Rule.of(sgd), sc.expected());
    }

    private static void run(Engine engine, String name, TrainingConfig cfg, Rule ra, Rule rb, DoubleUnaryOperator lrAt) {
        SplittableRandom r = new SplittableRandom(name.hashCode());
        Arr a0 = Arr.randn(r, 2, 3).roundToFloat();
        Arr b0 = Arr.randn(r, 3).roundToFloat();
        try (CompiledModel m = engine.compile(network(), 0)) {
            m.setParameters(Map.of("a.w", a0.host(), "b.w", b0.host()));
            HostTensor frozenBefore = m.parameter("b.w");
            m.configureTraining(cfg);
            RefParam pa = new RefParam(a0.v);
            RefParam pb = new RefParam(b0.v);
            for (int t = 0; t < STEPS; t++) {
                Arr xa = Arr.randn(r, 2, 3).roundToFloat();
                Arr xb = Arr.randn(r, 3).roundToFloat();
                double[] ga = new double[6];
                double[] gb = new double[3];
                double sq = 0;
                for (int i = 0; i < 6; i++) {
                    ga[i] = xa.v[i] + pa.p[i];
                    sq += ra.frozen() ? 0 : ga[i] * ga[i];
                }
                for (int i = 0; i < 3; i++) {
                    gb[i] = xb.v[i] + pb.p[i];
                    sq += rb.frozen() ? 0 : gb[i] * gb[i];
                }
                double norm = Math.sqrt(sq);
                double clip = cfg.clipGlobalNorm();
                if (clip > 0 && norm > clip) {
                    for (int i = 0; i < 6; i++) {
                        ga[i] *= clip / norm;
                    }
                    for (int i = 0; i < 3; i++) {
                        gb[i] *= clip / norm;
                    }
                }
                double lr = lrAt.applyAsDouble(t);
                StepResult res = m.trainStep(Map.of("xa", xa.host(), "xb", xb.host()));
                Check.close(name + ": learning rate at step " + t, lr, res.learningRate(), 1e-9, 1e-12);
                Check.close(name + ": gradient norm before clipping at step " + t, norm, res.gradientNorm(), 1e-4, 1e-6);
                Check.isTrue(res.step() == t, name + ": step result says step " + res.step() + ", expected " + t);
                pa.update(ra, ga, lr, t);
                pb.update(rb, gb, lr, t);
                Check.close(name + ": a.w after step " + t, Arr.of(pa.p, 2, 3), Arr.fromHost(m.parameter("a.w")), RTOL, ATOL);
                Check.close(name + ": b.w after step " + t, Arr.of(pb.p, 3), Arr.fromHost(m.parameter("b.w")), RTOL, ATOL);
            }
            if (rb.frozen()) {
                Check.bitEqual(name + ": frozen b.w", frozenBefore, m.parameter("b.w"));
            }
            Check.isTrue(m.step() == STEPS, name + ": step counter " + m.step());
        }
    }

    /**
     * Gradual unfreezing: 3 Adam steps with group 'b' frozen, then the configuration changes to
     * train everything. The step counter, 'a''s moment estimates and its bias correction carry on;
     * 'b' starts with zero moments, and its bias correction uses the optimizer's global step (as
     * Keras and both Graft engines count it), not the number of steps 'b' itself has taken.
     */
    public static void gradualUnfreezingKeepsOptimizerState(Engine engine) {
        OptimizerSpec adam = OptimizerSpec.adam();
        LearningRateSchedule lr = LearningRateSchedule.constant(0.1);
        TrainingConfig frozenB = TrainingConfig.of(adam, lr).withGroups(List.of(ParamGroup.frozen("fixed", "b.*")));
        TrainingConfig all = TrainingConfig.of(adam, lr);
        SplittableRandom r = new SplittableRandom(77);
        Arr a0 = Arr.randn(r, 2, 3).roundToFloat();
        Arr b0 = Arr.randn(r, 3).roundToFloat();
        try (CompiledModel m = engine.compile(network(), 0)) {
            m.setParameters(Map.of("a.w", a0.host(), "b.w", b0.host()));
            RefParam pa = new RefParam(a0.v);
            RefParam pb = new RefParam(b0.v);
            for (int t = 0; t < STEPS; t++) {
                boolean bFrozen = t < STEPS / 2;
                if (t == 0 || t == STEPS / 2) {
                    m.configureTraining(bFrozen ? frozenB : all);
                }
                Arr xa = Arr.randn(r, 2, 3).roundToFloat();
                Arr xb = Arr.randn(r, 3).roundToFloat();
                double[] ga = new double[6];
                double[] gb = new double[3];
                for (int i = 0; i < 6; i++) {
                    ga[i] = xa.v[i] + pa.p[i];
                }
                for (int i = 0; i < 3; i++) {
                    gb[i] = xb.v[i] + pb.p[i];
                }
                StepResult res = m.trainStep(Map.of("xa", xa.host(), "xb", xb.host()));
                Check.isTrue(res.step() == t, "step counter after reconfiguration: " + res.step() + ", expected " + t);
                pa.update(Rule.of(adam), ga, 0.1, t);
                pb.update(new Rule(adam, 1, 0, bFrozen), gb, 0.1, t);
                Check.close("a.w after step " + t + " (b frozen: " + bFrozen + ")", Arr.of(pa.p, 2, 3), Arr.fromHost(m.parameter("a.w")), RTOL, ATOL);
                Check.close("b.w after step " + t + " (b frozen: " + bFrozen + ")", Arr.of(pb.p, 3), Arr.fromHost(m.parameter("b.w")), RTOL, ATOL);
            }
        }
    }
}
