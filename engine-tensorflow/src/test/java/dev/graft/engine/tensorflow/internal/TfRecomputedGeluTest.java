package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A GELU read by one product (a transformer's feed-forward block) keeps only its input for the backward pass: its
 * output and derivative are recomputed there. The step is the lean lowering's bit for bit, and its gradients are the
 * derivatives of the formula.
 */
class TfRecomputedGeluTest {
    private static final int ROWS = 8;
    private static final int IN = 5;
    /** A width no other tensor of the test network has. */
    private static final int WIDTH = 37;
    private static final int OUT = 3;

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    /** loss = mean((gelu(x w + b) w2 + b2 - t)^2). */
    private static Network ffn(boolean tanh) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node t = b.input("t", DType.FLOAT32, -1, OUT);
        Node z = b.add(b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH)),
                b.param("b", Initializer.zeros(), WIDTH));
        Node h = tanh ? b.geluTanh(z) : b.gelu(z);
        Node o = b.add(b.matmul(h, b.param("w2", Initializer.truncatedNormal(1.0), WIDTH, OUT)),
                b.param("b2", Initializer.zeros(), OUT));
        b.output("o", o);
        b.loss("loss", b.meanSquaredError(o, t));
        return b.build();
    }

    private static long held(TfCompiledModel m) {
        return TfLeanBackwardTest.heldForBackward(m, s -> s.numDimensions() == 2 && s.size(0) == -1 && s.size(1) == WIDTH)
                .size();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void trainingGeluReadByOneProductHoldsOnlyItsInput(boolean tanh) {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(ffn(tanh), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // the GELU's input; the lean lowering holds the GELU's output (for w2's gradient) and its derivative
            assertThat(held(m)).isEqualTo(1);
        }
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(ffn(tanh), 1)) {
            configureLean(m, OptimizerSpec.sgd(0), 1);
            assertThat(held(m)).isEqualTo(2);
        }
    }

    @Test
    void geluReadByTwoNodesIsNotRecomputed() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node h = b.geluTanh(b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH)));
        Node o = b.matmul(h, b.param("w2", Initializer.truncatedNormal(1.0), WIDTH, OUT));
        b.output("o", o);
        b.loss("loss", b.add(b.mean(o, false, 0, 1), b.mean(h, false, 0, 1)));
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(b.build(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            assertThat(held(m)).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void recomputedGeluStepsExactlyAsTheLeanLowering(boolean tanh) {
        Random r = new Random(31);
        Map<String, HostTensor> batch = Map.of("x", TestTensors.gaussian(r, 2, ROWS, IN), "t", TestTensors.gaussian(r, 1, ROWS, OUT));
        try (CompiledModel recomputed = engine.compile(ffn(tanh), 3); CompiledModel lean = engine.compile(ffn(tanh), 3)) {
            Map<String, HostTensor> start = Map.of("b", TestTensors.gaussian(r, 0.5, WIDTH), "b2", TestTensors.gaussian(r, 0.5, OUT));
            recomputed.setParameters(start);
            lean.setParameters(start);
            OptimizerSpec adam = OptimizerSpec.adam();
            recomputed.configureTraining(TrainingConfig.of(adam, LearningRateSchedule.constant(0.01)));
            configureLean(lean, adam, 0.01);
            for (int step = 0; step < 3; step++) {
                StepResult a = recomputed.trainStep(batch);
                StepResult b = lean.trainStep(batch);
                assertThat(a.loss()).as("loss at step %d", step).isEqualTo(b.loss());
            }
            // tanh: BERT-Base's form, the same ops on the same values; the exact form's exp and erf may be computed by
            // another kernel in the lean graph's forward pass (grappler fuses that graph differently): the same within
            // float rounding
            TestTensors.assertSameParameters(recomputed, lean, List.of("w", "b", "w2", "b2"), tanh);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void recomputedGeluHasTheDerivativesOfItsFormula(boolean tanh) {
        Random r = new Random(41);
        HostTensor x = TestTensors.gaussian(r, 1, ROWS, IN);
        HostTensor t = TestTensors.gaussian(r, 1, ROWS, OUT);
        try (CompiledModel m = engine.compile(ffn(tanh), 5)) {
            m.setParameters(Map.of("b", TestTensors.gaussian(r, 0.5, WIDTH), "b2", TestTensors.gaussian(r, 0.5, OUT)));
            Map<String, HostTensor> before = m.parameters();
            Map<String, HostTensor> batch = Map.of("x", x, "t", t);
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            StepResult step = m.trainStep(batch);
            Map<String, HostTensor> after = m.parameters();
            Map<String, double[]> p = TestTensors.toDouble(before);
            double loss = ffnLoss(p, x, t, tanh);
            assertThat(step.loss()).isCloseTo(loss, within(1e-6 * loss));
            TestTensors.assertStepIsTheCentralDifference(before, after, q -> ffnLoss(q, x, t, tanh), List.of("w", "b", "w2", "b2"));
        }
    }

    /** Training configured with the recomputation turned off: the lean lowering (the GELU keeps its derivative). */
    private static void configureLean(CompiledModel m, OptimizerSpec optimizer, double lr) {
        System.setProperty(TfRecomputedGelu.PROPERTY, "false");
        try {
            m.configureTraining(TrainingConfig.of(optimizer, LearningRateSchedule.constant(lr)));
        } finally {
            System.clearProperty(TfRecomputedGelu.PROPERTY);
        }
    }

    /** The network's loss in double. */
    private static double ffnLoss(Map<String, double[]> p, HostTensor x, HostTensor t, boolean tanh) {
        double[] w = p.get("w");
        double[] b = p.get("b");
        double[] w2 = p.get("w2");
        double[] b2 = p.get("b2");
        double loss = 0;
        for (int n = 0; n < ROWS; n++) {
            double[] h = new double[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                double z = b[j];
                for (int i = 0; i < IN; i++) {
                    z += x.getFloat(n * IN + i) * w[i * WIDTH + j];
                }
                h[j] = tanh ? 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)))
                        : 0.5 * z * (1 + erf(z / Math.sqrt(2)));
            }
            for (int o = 0; o < OUT; o++) {
                double out = b2[o];
                for (int j = 0; j < WIDTH; j++) {
                    out += h[j] * w2[j * OUT + o];
                }
                double e = out - t.getFloat(n * OUT + o);
                loss += e * e / (ROWS * OUT);
            }
        }
        return loss;
    }

    /** erf in double: its Maclaurin series below 2.5, erfc's continued fraction above. */
    private static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 2.5) {
            double sum = 0;
            double term = x;
            for (int k = 0; k < 120; k++) {
                sum += term / (2 * k + 1);
                term *= -x * x / (k + 1);
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        double f = ax;
        for (int k = 300; k >= 1; k--) {
            f = ax + (k / 2.0) / f;
        }
        return Math.signum(x) * (1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f));
    }
}
