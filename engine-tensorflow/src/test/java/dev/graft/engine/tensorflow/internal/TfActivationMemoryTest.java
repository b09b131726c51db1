package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;

/**
 * What the training graph keeps of the forward pass for the backward pass (tensors made by forward ops and
 * read by gradient ops): GELU keeps one tensor of its size, dropout a boolean mask; and what GELU computes
 * in training stays what it computes in inference, with the exact derivative.
 */
class TfActivationMemoryTest {
    private static final int ROWS = 8;
    private static final int IN = 5;
    /** A width no other tensor of the test networks has. */
    private static final int WIDTH = 37;

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    private static Network geluNet() {
        return geluNet(false);
    }

    /** GELU, exact or in its tanh approximation, of a product. */
    private static Network geluNet(boolean tanh) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node z = b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH));
        Node h = tanh ? b.geluTanh(z) : b.gelu(z);
        b.output("h", h);
        b.loss("loss", b.mean(h, false, 0, 1));
        return b.build();
    }

    private static Network dropoutNet() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node h = b.dropout(b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH)), 0.25);
        b.output("h", h);
        b.loss("loss", b.mean(h, false, 0, 1));
        return b.build();
    }

    private static HostTensor inputs(long seed) {
        Random r = new Random(seed);
        float[] v = new float[ROWS * IN];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (2 * r.nextGaussian());
        }
        return HostTensor.of(v, ROWS, IN);
    }

    /** Ops that read only their input's shape: they do not keep its data for the backward pass. */
    private static final Set<String> SHAPE_ONLY = Set.of("Shape", "ShapeN", "Size", "Rank");

    /**
     * Forward tensors of the test's width whose data gradient ops read, among the gradient ops a training step
     * runs (those the parameter updates depend on; the others are pruned when the step runs).
     */
    private static List<Output<?>> keptForBackward(TfCompiledModel m) {
        Set<GraphOperation> run = TfLeanBackwardTest.updateDependencies(m);
        Set<String> seen = new HashSet<>();
        List<Output<?>> kept = new java.util.ArrayList<>();
        for (GraphOperation op : run) {
            if (!op.name().contains("gradients") || SHAPE_ONLY.contains(op.type())) {
                continue;
            }
            for (Operand<?> in : op.inputs()) {
                Output<?> o = in.asOutput();
                GraphOperation producer = (GraphOperation) o.op();
                if (producer.name().contains("gradients") || o.shape().numDimensions() != 2 || o.shape().size(0) != -1
                        || o.shape().size(1) != WIDTH) {
                    continue;
                }
                if (seen.add(producer.name() + ":" + o.index())) {
                    kept.add(o);
                }
            }
        }
        return kept;
    }

    @Test
    void trainingGeluKeepsOneTensorOfItsSizeForTheBackwardPass() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(geluNet(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // differentiated as written, erf(x / sqrt 2) and the bracket kept x, x / sqrt 2 and (1 + erf) / 2
            assertThat(keptForBackward(m)).hasSize(1);
        }
    }

    @Test
    void trainingTanhGeluKeepsOneTensorOfItsSizeForTheBackwardPass() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(geluNet(true), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // differentiated as written, its nine element-wise ops kept six tensors of its size
            assertThat(keptForBackward(m)).hasSize(1);
        }
    }

    @Test
    void trainingTanhGeluHasTheInferenceValueAndItsDerivative() {
        // the derivative by finite differences of the tanh approximation in double, not by the engine's formula
        checkValueAndGradient(geluNet(true), 5, 11, z -> (geluTanh(z + 1e-6) - geluTanh(z - 1e-6)) / 2e-6);
    }

    private static double geluTanh(double z) {
        return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
    }

    @Test
    void trainingDropoutKeepsABooleanMask() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(dropoutNet(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            List<Output<?>> kept = keptForBackward(m);
            assertThat(kept).hasSize(1);
            assertThat(kept.get(0).dataType()).isEqualTo(DataType.DT_BOOL);
        }
    }

    @Test
    void trainingGeluHasTheInferenceValueAndTheExactDerivative() {
        checkValueAndGradient(geluNet(), 3, 7,
                z -> 0.5 * (1 + erf(z / Math.sqrt(2))) + z * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI));
    }

    /**
     * A training step of {@code net} (mean of an activation of x w) gives the inference loss bit for bit and, by
     * SGD at learning rate 1, the gradient w - w' of d mean(act(x w)) / dw with {@code slope} = act' in double.
     */
    private void checkValueAndGradient(Network net, long inputSeed, long initSeed, java.util.function.DoubleUnaryOperator slope) {
        HostTensor x = inputs(inputSeed);
        try (CompiledModel m = engine.compile(net, initSeed)) {
            HostTensor w = m.parameter("w");
            float inferenceLoss = m.predict(Map.of("x", x), "loss").getFloat(0);
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            StepResult r = m.trainStep(Map.of("x", x));
            // the loss of the training graph is computed from the same activation values, bit for bit
            assertThat(Float.floatToIntBits((float) r.loss())).isEqualTo(Float.floatToIntBits(inferenceLoss));
            HostTensor after = m.parameter("w");
            double[] expected = new double[IN * WIDTH];
            for (int n = 0; n < ROWS; n++) {
                for (int j = 0; j < WIDTH; j++) {
                    double z = 0;
                    for (int i = 0; i < IN; i++) {
                        z += (double) x.getFloat(n * IN + i) * w.getFloat(i * WIDTH + j);
                    }
                    double d = slope.applyAsDouble(z);
                    for (int i = 0; i < IN; i++) {
                        expected[i * WIDTH + j] += x.getFloat(n * IN + i) * d / (ROWS * WIDTH);
                    }
                }
            }
            for (int k = 0; k < expected.length; k++) {
                double got = (double) w.getFloat(k) - after.getFloat(k);
                assertThat(got).as("gradient %d", k).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-7 + 1e-4 * Math.abs(expected[k])));
            }
        }
    }

    @Test
    void aTracedStepWritesEachOpsAllocationsThatSumToZero(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("trace.tsv");
        System.setProperty(TfTrainGraph.TRACE_PROPERTY, file.toString());
        try (CompiledModel m = engine.compile(geluNet(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            for (int i = 0; i <= TfTrainGraph.TRACED_STEP; i++) {
                m.trainStep(Map.of("x", inputs(i)));
            }
        } finally {
            System.clearProperty(TfTrainGraph.TRACE_PROPERTY);
        }
        List<String> lines = java.nio.file.Files.readAllLines(file);
        assertThat(lines).anyMatch(l -> l.startsWith("op\t") && l.contains("gradients"));
        // every allocation the step made is freed by its end but the three values it returns (loss and gradient norm,
        // 4 bytes each, and the finite flag, 1 byte)
        long sum = 0;
        int records = 0;
        for (String l : lines) {
            if (l.startsWith("rec\t")) {
                sum += Long.parseLong(l.split("\t")[4]);
                records++;
            }
        }
        assertThat(records).isPositive();
        assertThat(sum).isEqualTo(9);
    }

    /** erf by its Taylor series (|z| small) or continued fraction complement, to double precision. */
    private static double erf(double z) {
        double a = Math.abs(z);
        double v;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            v = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a^2) / sqrt(pi) * 1 / (a + 1/2 / (a + 1 / (a + 3/2 / (a + ...))))
            double f = a;
            for (int n = 60; n >= 1; n--) {
                f = a + (n / 2.0) / f;
            }
            v = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return z < 0 ? -v : v;
    }
}
