package dev.graft.engine.conformance.internal;

import dev.graft.engine.conformance.internal.OpCase.Operand;
import dev.graft.engine.conformance.internal.OpCase.Role;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Ops that behave differently while training: BatchNorm (batch statistics, moving-statistics
 * update) and dropout (random inverted mask, reproducible from the training seed and the step).
 * The loss is read from {@code trainStep} under a schedule that returns 0, so no parameter moves;
 * rewinding the step counter with {@code setOptimizerState(Map.of(), step)} replays the same mask.
 */
public final class TrainingModeChecks {
    private TrainingModeChecks() {
    }

    private static OpCase batchNormCase(int... xs) {
        SplittableRandom r = new SplittableRandom(41);
        int c = xs[xs.length - 1];
        return new OpCase("batch_norm (training)", List.of(
                new Operand("x", DType.FLOAT32, Reference.map(Arr.randn(r, xs), v -> 1.5 * v + 0.3).roundToFloat(), Role.TRAINABLE),
                new Operand("gamma", DType.FLOAT32, Arr.uniform(r, 0.5, 1.5, c).roundToFloat(), Role.TRAINABLE),
                new Operand("beta", DType.FLOAT32, Arr.randn(r, c).roundToFloat(), Role.TRAINABLE),
                new Operand("moving_mean", DType.FLOAT32, Arr.randn(r, c).roundToFloat(), Role.STATE),
                new Operand("moving_variance", DType.FLOAT32, Arr.uniform(r, 0.5, 2, c).roundToFloat(), Role.STATE)),
                (b, in) -> b.batchNorm(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), 1e-3, 0.8),
                a -> Reference.batchNormTraining(a.get(0), a.get(1), a.get(2), 1e-3));
    }

    /** Loss from the training forward pass at a fixed step, without moving any parameter. */
    private static double trainingLoss(OpChecks.Harness h, long step) {
        h.model.setOptimizerState(Map.of(), step);
        return h.model.trainStep(h.feedsFor(List.of("loss"))).loss();
    }

    public static void batchNormTraining(Engine engine, int... xs) {
        OpCase c = batchNormCase(xs);
        List<Arr> in = c.operands().stream().map(Operand::value).toList();
        try (OpChecks.Harness h = new OpChecks.Harness(engine, c, 5)) {
            TrainingConfig frozenLr = TrainingConfig.of(OptimizerSpec.sgd(0), step -> 0.0);
            h.model.configureTraining(frozenLr);
            StepResult s = h.model.trainStep(h.feedsFor(List.of("loss")));
            Arr y = c.reference().apply(in);
            double expected = 0;
            for (int i = 0; i < y.size(); i++) {
                expected += y.v[i] * h.w.v[i];
            }
            Check.close("batch norm training loss (batch statistics)", expected, s.loss(), 1e-4, 1e-4);
            Arr[] moving = Reference.movingStatistics(in.get(0), in.get(3), in.get(4), 0.8);
            Map<String, HostTensor> p = h.model.parameters();
            Check.close("moving mean after one step (momentum 0.8)", moving[0], Arr.fromHost(p.get("op.moving_mean")), 1e-4, 1e-5);
            Check.close("moving variance after one step (unbiased batch variance)", moving[1],
                    Arr.fromHost(p.get("op.moving_variance")), 1e-4, 1e-5);
            Arr inference = Reference.batchNormInference(in.get(0), in.get(1), in.get(2), moving[0], moving[1], 1e-3);
            Check.close("inference after the step uses the new moving statistics", inference,
                    Arr.fromHost(h.model.predict(h.feedsFor(List.of("y")), "y")), OpChecks.VALUE_RTOL, OpChecks.VALUE_ATOL);

            h.model.setParameters(h.initial);
            Map<String, Arr> grads = OpChecks.sgdGradients(h, TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            h.model.configureTraining(frozenLr);
            for (String param : h.trainable) {
                OpChecks.checkAgainstFiniteDifferences("batch_norm (training) gradient", h, param, grads.get(param),
                        () -> trainingLoss(h, 0));
            }
        }
    }

    /** A group with {@code batchStatistics == false} trains BatchNorm on the moving statistics and never changes them. */
    public static void batchNormWithFrozenStatistics(Engine engine) {
        OpCase c = batchNormCase(4, 3, 3, 2);
        List<Arr> in = c.operands().stream().map(Operand::value).toList();
        try (OpChecks.Harness h = new OpChecks.Harness(engine, c, 8)) {
            h.model.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), step -> 0.0)
                    .withGroups(List.of(ParamGroup.trainable("bn", "op.**", 1).withBatchStatistics(false))));
            StepResult s = h.model.trainStep(h.feedsFor(List.of("loss")));
            Arr y = Reference.batchNormInference(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), 1e-3);
            double expected = 0;
            for (int i = 0; i < y.size(); i++) {
                expected += y.v[i] * h.w.v[i];
            }
            Check.close("training loss with frozen BatchNorm statistics", expected, s.loss(), 1e-4, 1e-4);
            Map<String, HostTensor> p = h.model.parameters();
            Check.bitEqual("moving mean with frozen statistics", h.initial.get("op.moving_mean"), p.get("op.moving_mean"));
            Check.bitEqual("moving variance with frozen statistics", h.initial.get("op.moving_variance"), p.get("op.moving_variance"));
        }
    }

    public static void dropoutTraining(Engine engine) {
        double rate = 0.25;
        SplittableRandom r = new SplittableRandom(43);
        OpCase c = new OpCase("dropout (training)", List.of(new Operand("x", DType.FLOAT32, Arr.randn(r, 4, 8).roundToFloat(), Role.TRAINABLE)),
                (b, in) -> b.dropout(in.get(0), rate), a -> a.get(0));
        try (OpChecks.Harness h = new OpChecks.Harness(engine, c, 6)) {
            Arr x = c.operands().get(0).value();
            Check.close("dropout in inference is the identity", x, Arr.fromHost(h.model.predict(h.feedsFor(List.of("y")), "y")), 0, 0);
            TrainingConfig sgd = TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)).withSeed(7);
            h.model.configureTraining(sgd);
            double loss0 = h.model.trainStep(h.feedsFor(List.of("loss"))).loss();
            Arr g = Arr.fromHost(h.initial.get("op.x"));
            Arr after = Arr.fromHost(h.model.parameter("op.x"));
            int kept = 0;
            double expectedLoss = 0;
            boolean[] mask = new boolean[g.size()];
            for (int i = 0; i < g.size(); i++) {
                double gi = g.v[i] - after.v[i];
                double keep = h.w.v[i] / (1 - rate);
                if (Math.abs(gi - keep) <= 1e-5 * Math.max(1, Math.abs(keep)) + 2e-6) {
                    mask[i] = true;
                    kept++;
                    expectedLoss += x.v[i] * keep;
                } else {
                    Check.isTrue(Math.abs(gi) <= 2e-6, "dropout gradient at " + i + " is " + gi + ": neither 0 nor w/(1-rate) = " + keep);
                }
            }
            Check.isTrue(kept >= 14 && kept <= 31, "dropout at rate " + rate + " kept " + kept + " of 32 elements");
            Check.close("dropout training loss equals sum(mask * x * w) / (1 - rate)", expectedLoss, loss0, 1e-5, 1e-5);

            h.model.setParameters(h.initial);
            h.model.setOptimizerState(Map.of(), 0);
            h.model.trainStep(h.feedsFor(List.of("loss")));
            Check.bitEqual("the same seed and step replay the same dropout mask", HostTensor.of(toFloats(after), 4, 8),
                    h.model.parameter("op.x"));
            h.model.setParameters(h.initial);
            h.model.trainStep(h.feedsFor(List.of("loss")));
            Arr after1 = Arr.fromHost(h.model.parameter("op.x"));
            boolean differs = false;
            for (int i = 0; i < mask.length; i++) {
                boolean k1 = Math.abs(h.initial.get("op.x").getFloat(i) - after1.v[i]) > 1e-6;
                differs |= k1 != mask[i];
            }
            Check.isTrue(differs, "step 1 used the same dropout mask as step 0");

            h.model.setParameters(h.initial);
            Map<String, Arr> grads = OpChecks.sgdGradients(h, sgd);
            h.model.configureTraining(sgd.withSchedule(step -> 0.0));
            long stepOfGrad = h.model.step() - 1;
            OpChecks.checkAgainstFiniteDifferences("dropout (training) gradient", h, "op.x", grads.get("op.x"),
                    () -> trainingLoss(h, stepOfGrad));
        }
    }

    private static float[] toFloats(Arr a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.v[i];
        }
        return f;
    }
}
