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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.types.TFloat32;

/**
 * A layer norm's output read by a product, and an attention's dropped-out probabilities read by the product by the
 * values, are recomputed in the backward pass instead of kept for it: the step is the one of the lowering that keeps
 * them, bit for bit (within 4 ulp where a norm's input gradient sums three or more terms: see stepsAsWhenKept), and the
 * gradients are the derivatives of the formula.
 */
class TfRecomputedInputsTest {
    private static final int ROWS = 8;
    private static final int IN = 5;
    /** The norm's width: no other tensor of the norm network has it. */
    private static final int WIDTH = 37;
    private static final int OUT = 3;
    private static final double EPS = 0.5;
    /** Sequence length of the attention network: only its scores and probabilities end in it. */
    private static final int T = 7;
    private static final int BATCH = 2;

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    /**
     * loss = mse(n(x w + b) k, t) + mean(n(x w + b) + x w + b), n the layer norm with gamma g and beta be, k a kernel
     * {@code wab} or the concatenation {@code [wa | wb]}: the norm's output is read by a product (by parts where the
     * kernel is a concatenation) and a sum.
     */
    private static Network norm(boolean concat) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node t = b.input("t", DType.FLOAT32, -1, 2 * OUT);
        Node z = b.add(b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH)),
                b.param("b", Initializer.zeros(), WIDTH));
        Node h = b.layerNorm(z, b.param("g", Initializer.ones(), WIDTH), b.param("be", Initializer.zeros(), WIDTH), EPS);
        Node o = concat ? b.matmul(h, b.concat(1, b.param("wa", Initializer.truncatedNormal(1.0), WIDTH, OUT),
                b.param("wb", Initializer.truncatedNormal(1.0), WIDTH, OUT)))
                : b.matmul(h, b.param("wab", Initializer.truncatedNormal(1.0), WIDTH, 2 * OUT));
        b.output("o", o);
        b.loss("loss", b.add(b.meanSquaredError(o, t), b.mean(b.add(h, z), false, 0, 1)));
        return b.build();
    }

    /** loss = mse(dropout(softmax(q k^T), rate) v wo, t), q, k, v = x wq, x wk, x wv by sequence. */
    private static Network attention(double rate) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node t = b.input("t", DType.FLOAT32, -1, OUT);
        Node q = b.reshape(b.matmul(x, b.param("wq", Initializer.truncatedNormal(1.0), IN, IN)), -1, T, IN);
        Node k = b.reshape(b.matmul(x, b.param("wk", Initializer.truncatedNormal(1.0), IN, IN)), -1, T, IN);
        Node v = b.reshape(b.matmul(x, b.param("wv", Initializer.truncatedNormal(1.0), IN, IN)), -1, T, IN);
        Node p = b.dropout(b.softmax(b.batchMatmul(q, k, false, true), -1), rate);
        Node c = b.reshape(b.batchMatmul(p, v, false, false), -1, IN);
        Node o = b.matmul(c, b.param("wo", Initializer.truncatedNormal(1.0), IN, OUT));
        b.output("o", o);
        b.loss("loss", b.meanSquaredError(o, t));
        return b.build();
    }

    /**
     * Distinct float buffers whose last dimension is {@code width} that the backward pass holds: views (reshapes,
     * stops, identities) counted as the tensor they view.
     */
    private static int held(TfCompiledModel m, int width) {
        Set<String> roots = new HashSet<>();
        for (Output<?> o : TfLeanBackwardTest.heldForBackward(m,
                s -> s.numDimensions() >= 2 && s.size(s.numDimensions() - 1) == width)) {
            if (o.type() != TFloat32.class) {
                continue;
            }
            Output<?> root = o;
            while (Set.of("StopGradient", "Identity", "Reshape").contains(root.op().type())) {
                root = ((GraphOperation) root.op()).input(0).asOutput();
            }
            roots.add(root.op().name() + ":" + root.index());
        }
        return roots.size();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNormReadByAProductIsNotHeldForTheBackwardPass(boolean concat) {
        int recomputed;
        int kept;
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(norm(concat), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            recomputed = held(m, WIDTH);
        }
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(norm(concat), 1)) {
            configureKeeping(m, OptimizerSpec.sgd(0), 1);
            kept = held(m, WIDTH);
        }
        // the normalised input only; kept, the norm's output as well (for the kernels' gradients)
        assertThat(recomputed).isEqualTo(1);
        assertThat(kept).isEqualTo(2);
    }

    @Test
    void droppedOutProbabilitiesAreNotHeldForTheBackwardPass() {
        int recomputed;
        int kept;
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(attention(0.25), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            recomputed = held(m, T);
        }
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(attention(0.25), 1)) {
            configureKeeping(m, OptimizerSpec.sgd(0), 1);
            kept = held(m, T);
        }
        // the softmax's output only; kept, the dropped-out probabilities as well (for the values' gradient)
        assertThat(recomputed).isEqualTo(1);
        assertThat(kept).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNormProductStepsAsWhenKept(boolean concat) {
        Random r = new Random(17);
        Map<String, HostTensor> batch = Map.of("x", TestTensors.gaussian(r, 2, ROWS, IN),
                "t", TestTensors.gaussian(r, 1, ROWS, 2 * OUT));
        Map<String, HostTensor> start = Map.of("b", TestTensors.gaussian(r, 0.5, WIDTH),
                "g", TestTensors.gaussian(r, 1, WIDTH), "be", TestTensors.gaussian(r, 0.5, WIDTH));
        stepsAsWhenKept(norm(concat), batch, start, normParams(concat), !concat);
    }

    @Test
    void attentionProductStepsExactlyAsWhenKept() {
        Random r = new Random(19);
        Map<String, HostTensor> batch = Map.of("x", TestTensors.gaussian(r, 1, BATCH * T, IN),
                "t", TestTensors.gaussian(r, 1, BATCH * T, OUT));
        stepsAsWhenKept(attention(0.25), batch, Map.of(), List.of("wq", "wk", "wv", "wo"), true);
    }

    /**
     * Three Adam steps with the operand recomputed and kept: the same losses and parameters bit for bit if
     * {@code exactly}, else within 4 ulp. A product by a concatenated kernel is taken by parts, and the input's
     * gradient is the sum of the parts' and the other readers' in one AddN: TensorFlow orders that sum by its own
     * rules, and the recomputing parts' gradient ops (named under the IdentityN) come in another order than the
     * MatMul gradients', so the sum of three or more terms is rounded in another order.
     */
    private void stepsAsWhenKept(Network net, Map<String, HostTensor> batch, Map<String, HostTensor> start,
            List<String> params, boolean exactly) {
        try (CompiledModel recomputed = engine.compile(net, 3); CompiledModel kept = engine.compile(net, 3)) {
            recomputed.setParameters(start);
            kept.setParameters(start);
            OptimizerSpec adam = OptimizerSpec.adam();
            recomputed.configureTraining(TrainingConfig.of(adam, LearningRateSchedule.constant(0.01)));
            configureKeeping(kept, adam, 0.01);
            for (int step = 0; step < 3; step++) {
                double a = recomputed.trainStep(batch).loss();
                double b = kept.trainStep(batch).loss();
                assertThat(a).as("loss at step %d", step).isCloseTo(b, within(exactly ? 0.0 : 4.0 * Math.ulp((float) b)));
            }
            TestTensors.assertSameParameters(recomputed, kept, params, exactly);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNormProductHasTheDerivativesOfItsFormula(boolean concat) {
        Random r = new Random(23);
        HostTensor x = TestTensors.gaussian(r, 2, ROWS, IN);
        HostTensor t = TestTensors.gaussian(r, 1, ROWS, 2 * OUT);
        Map<String, HostTensor> start = Map.of("b", TestTensors.gaussian(r, 0.5, WIDTH),
                "g", TestTensors.gaussian(r, 1, WIDTH), "be", TestTensors.gaussian(r, 0.5, WIDTH));
        hasTheDerivatives(norm(concat), Map.of("x", x, "t", t), start, p -> normLoss(p, x, t),
                normParams(concat));
    }

    @Test
    void attentionProductHasTheDerivativesOfItsFormula() {
        Random r = new Random(29);
        HostTensor x = TestTensors.gaussian(r, 1, BATCH * T, IN);
        HostTensor t = TestTensors.gaussian(r, 1, BATCH * T, OUT);
        // a rate low enough that every probability is kept (the mask is not visible to the reference), above 0 so
        // that the dropout and its recomputation are built: probabilities scaled by 1 / (1 - rate) in float
        double rate = 1e-7;
        float scale = (float) (1 / (1 - rate));
        hasTheDerivatives(attention(rate), Map.of("x", x, "t", t), Map.of(), p -> attentionLoss(p, x, t, scale),
                List.of("wq", "wk", "wv", "wo"));
    }

    private void hasTheDerivatives(Network net, Map<String, HostTensor> batch, Map<String, HostTensor> start,
            ToDoubleFunction<Map<String, double[]>> loss, List<String> params) {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net, 5)) {
            m.setParameters(start);
            Map<String, HostTensor> before = m.parameters();
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // the recomputation is what is under test
            assertThat(held(m, WIDTH) + held(m, T)).isEqualTo(1);
            StepResult step = m.trainStep(batch);
            Map<String, HostTensor> after = m.parameters();
            Map<String, double[]> p = TestTensors.toDouble(before);
            double value = loss.applyAsDouble(p);
            assertThat(step.loss()).isCloseTo(value, within(1e-6 * Math.abs(value) + 1e-7));
            TestTensors.assertStepIsTheCentralDifference(before, after, loss, params);
        }
    }

    /** Training configured with the recomputation turned off: the operands kept for the backward pass. */
    private static void configureKeeping(CompiledModel m, OptimizerSpec optimizer, double lr) {
        System.setProperty(TfRecomputedInputs.PROPERTY, "false");
        try {
            m.configureTraining(TrainingConfig.of(optimizer, LearningRateSchedule.constant(lr)));
        } finally {
            System.clearProperty(TfRecomputedInputs.PROPERTY);
        }
    }

    private static List<String> normParams(boolean concat) {
        return concat ? List.of("w", "b", "g", "be", "wa", "wb") : List.of("w", "b", "g", "be", "wab");
    }

    /** The norm network's loss in double. */
    private static double normLoss(Map<String, double[]> p, HostTensor x, HostTensor t) {
        double[] w = p.get("w");
        double[] b = p.get("b");
        double[] g = p.get("g");
        double[] be = p.get("be");
        double[] wa = p.get("wa");
        double[] wb = p.get("wb");
        double[] wab = p.get("wab");
        double mse = 0;
        double sum = 0;
        for (int n = 0; n < ROWS; n++) {
            double[] z = new double[WIDTH];
            double mean = 0;
            for (int j = 0; j < WIDTH; j++) {
                z[j] = b[j];
                for (int i = 0; i < IN; i++) {
                    z[j] += x.getFloat(n * IN + i) * w[i * WIDTH + j];
                }
                mean += z[j] / WIDTH;
            }
            double var = 0;
            for (int j = 0; j < WIDTH; j++) {
                var += (z[j] - mean) * (z[j] - mean) / WIDTH;
            }
            double[] h = new double[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                h[j] = (z[j] - mean) / Math.sqrt(var + EPS) * g[j] + be[j];
                sum += h[j] + z[j];
            }
            for (int o = 0; o < 2 * OUT; o++) {
                double out = 0;
                for (int j = 0; j < WIDTH; j++) {
                    out += h[j] * (wab != null ? wab[j * 2 * OUT + o] : o < OUT ? wa[j * OUT + o] : wb[j * OUT + o - OUT]);
                }
                double e = out - t.getFloat(n * 2 * OUT + o);
                mse += e * e / (ROWS * 2 * OUT);
            }
        }
        return mse + sum / (ROWS * WIDTH);
    }

    /** The attention network's loss in double, every probability kept and scaled by {@code scale}. */
    private static double attentionLoss(Map<String, double[]> p, HostTensor x, HostTensor t, float scale) {
        int rows = BATCH * T;
        double[][] q = project(x, p.get("wq"), rows);
        double[][] k = project(x, p.get("wk"), rows);
        double[][] v = project(x, p.get("wv"), rows);
        double[] wo = p.get("wo");
        double loss = 0;
        for (int s = 0; s < BATCH; s++) {
            for (int i = 0; i < T; i++) {
                double[] score = new double[T];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < T; j++) {
                    for (int d = 0; d < IN; d++) {
                        score[j] += q[s * T + i][d] * k[s * T + j][d];
                    }
                    max = Math.max(max, score[j]);
                }
                double total = 0;
                for (int j = 0; j < T; j++) {
                    score[j] = Math.exp(score[j] - max);
                    total += score[j];
                }
                double[] c = new double[IN];
                for (int j = 0; j < T; j++) {
                    for (int d = 0; d < IN; d++) {
                        c[d] += score[j] / total * scale * v[s * T + j][d];
                    }
                }
                for (int o = 0; o < OUT; o++) {
                    double out = 0;
                    for (int d = 0; d < IN; d++) {
                        out += c[d] * wo[d * OUT + o];
                    }
                    double e = out - t.getFloat((s * T + i) * OUT + o);
                    loss += e * e / (rows * OUT);
                }
            }
        }
        return loss;
    }

    private static double[][] project(HostTensor x, double[] w, int rows) {
        double[][] y = new double[rows][IN];
        for (int n = 0; n < rows; n++) {
            for (int j = 0; j < IN; j++) {
                for (int i = 0; i < IN; i++) {
                    y[n][j] += x.getFloat(n * IN + i) * w[i * IN + j];
                }
            }
        }
        return y;
    }
}
