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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;

/**
 * What a training step keeps for its backward pass, counted the way the step runs: tensors of the forward pass
 * read by gradient ops that wait for the loss's gradient, and tensors of gradient ops that need only the forward
 * pass (they run as soon as it has made their inputs, and are then held until the backward pass reads them).
 * Layer norm keeps only its normalised input; a product by concatenated kernels keeps no copy of them; both with
 * the values and derivatives of the plain lowering.
 */
class TfLeanBackwardTest {
    private static final int ROWS = 8;
    private static final int IN = 5;
    /** Widths no other tensor of the test networks has. */
    private static final int WIDTH = 37;
    private static final int MID = 11;
    private static final int OUT = 3;
    private static final double EPS = 0.5;

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    /** Ops whose output is no new memory: a parameter's read is the variable's own buffer. */
    private static final Set<String> NOT_HELD = Set.of("ReadVariableOp", "Const", "Shape", "ShapeN", "Size", "Rank");

    /** The ops a training step runs: those the parameter updates ({@code ResourceApply*}) depend on. */
    static Set<GraphOperation> updateDependencies(TfCompiledModel m) {
        Set<GraphOperation> run = new HashSet<>();
        ArrayDeque<GraphOperation> todo = new ArrayDeque<>();
        Iterator<GraphOperation> ops = m.graph().operations();
        while (ops.hasNext()) {
            GraphOperation op = ops.next();
            if (op.type().startsWith("ResourceApply")) {
                todo.add(op);
            }
        }
        assertThat(todo).as("parameter updates").isNotEmpty();
        while (!todo.isEmpty()) {
            GraphOperation op = todo.poll();
            if (run.add(op)) {
                op.inputs().forEach(in -> todo.add((GraphOperation) in.op()));
                todo.addAll(op.controlInputs());
            }
        }
        return run;
    }

    /**
     * Tensors matching {@code shape} that the backward pass holds from the forward pass, among the ops the
     * parameter updates depend on.
     */
    static List<Output<?>> heldForBackward(TfCompiledModel m, Predicate<Shape> shape) {
        Set<GraphOperation> run = updateDependencies(m);
        Map<GraphOperation, Boolean> late = new HashMap<>();
        Set<String> seen = new HashSet<>();
        List<Output<?>> held = new ArrayList<>();
        for (GraphOperation op : run) {
            if (!isGradient(op) || !late(op, late)) {
                continue;
            }
            for (Operand<?> in : op.inputs()) {
                Output<?> o = in.asOutput();
                GraphOperation producer = (GraphOperation) o.op();
                boolean fromForward = !isGradient(producer) || !late(producer, late);
                if (fromForward && !NOT_HELD.contains(producer.type()) && shape.test(o.shape())
                        && seen.add(producer.name() + ":" + o.index())) {
                    held.add(o);
                }
            }
        }
        return held;
    }

    private static boolean isGradient(GraphOperation op) {
        return op.name().contains("gradients");
    }

    /** A gradient op that waits for the loss's gradient (the seed, OnesLike of the loss, or an op after it). */
    private static boolean late(GraphOperation op, Map<GraphOperation, Boolean> memo) {
        Boolean known = memo.get(op);
        if (known != null) {
            return known;
        }
        memo.put(op, false);
        boolean result = op.type().equals("OnesLike") && isGradient(op);
        for (Operand<?> in : op.inputs()) {
            GraphOperation p = (GraphOperation) in.asOutput().op();
            result |= isGradient(p) && late(p, memo);
        }
        for (GraphOperation p : op.controlInputs()) {
            result |= isGradient(p) && late(p, memo);
        }
        memo.put(op, result);
        return result;
    }

    private static Predicate<Shape> rowsOf(long width) {
        return s -> s.numDimensions() == 2 && s.size(0) == -1 && s.size(1) == width;
    }

    // ---- layer norm ----

    /** loss = mean((layerNorm(x w) w2 - t)^2). */
    private static Network normNet() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node t = b.input("t", DType.FLOAT32, -1, OUT);
        Node z = b.matmul(x, b.param("w", Initializer.truncatedNormal(1.0), IN, WIDTH));
        Node h = b.layerNorm(z, b.param("gamma", Initializer.ones(), WIDTH), b.param("beta", Initializer.zeros(), WIDTH), EPS);
        Node o = b.matmul(h, b.param("w2", Initializer.truncatedNormal(1.0), WIDTH, OUT));
        b.output("o", o);
        b.loss("loss", b.meanSquaredError(o, t));
        return b.build();
    }

    @Test
    void trainingLayerNormHoldsOnlyItsNormalisedInput() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(normNet(), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // the norm's normalised input (for gamma and the input) and its output (for w2's gradient); as written,
            // the norm also held its centred input and twice that (the square's derivative, made in the forward pass)
            assertThat(heldForBackward(m, rowsOf(WIDTH))).hasSize(2);
        }
    }

    @Test
    void trainingLayerNormHasTheInferenceValueAndTheDerivativesOfItsFormula() {
        Random r = new Random(17);
        HostTensor x = TestTensors.gaussian(r, 2, ROWS, IN);
        HostTensor t = TestTensors.gaussian(r, 1, ROWS, OUT);
        try (CompiledModel m = engine.compile(normNet(), 5)) {
            m.setParameters(Map.of("gamma", TestTensors.gaussian(r, 1, WIDTH), "beta", TestTensors.gaussian(r, 1, WIDTH)));
            Map<String, HostTensor> before = m.parameters();
            Map<String, HostTensor> batch = Map.of("x", x, "t", t);
            float inferenceLoss = m.predict(batch, "loss").getFloat(0);
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            StepResult step = m.trainStep(batch);
            // the step's loss is the inference loss within a unit in the last place (so it was before the lean lowering:
            // the training graph's products are not fused as the inference graph's are)
            assertThat((float) step.loss()).isCloseTo(inferenceLoss, within(Math.ulp(inferenceLoss)));
            Map<String, HostTensor> after = m.parameters();
            Map<String, double[]> p = new HashMap<>();
            before.forEach((k, v) -> p.put(k, TestTensors.toDouble(v)));
            assertThat(normLoss(p, x, t)).isCloseTo(inferenceLoss, within(1e-5));
            for (String name : List.of("w", "gamma", "beta", "w2")) {
                double[] v = p.get(name);
                for (int i = 0; i < v.length; i++) {
                    double keep = v[i];
                    v[i] = keep + 1e-6;
                    double up = normLoss(p, x, t);
                    v[i] = keep - 1e-6;
                    double down = normLoss(p, x, t);
                    v[i] = keep;
                    double expected = (up - down) / 2e-6;
                    double got = (double) before.get(name).getFloat(i) - after.get(name).getFloat(i);
                    assertThat(got).as("%s gradient %d", name, i).isCloseTo(expected, within(2e-7 + 1e-4 * Math.abs(expected)));
                }
            }
        }
    }

    /** The network's loss in double. */
    private static double normLoss(Map<String, double[]> p, HostTensor x, HostTensor t) {
        double[] w = p.get("w");
        double[] gamma = p.get("gamma");
        double[] beta = p.get("beta");
        double[] w2 = p.get("w2");
        double loss = 0;
        for (int n = 0; n < ROWS; n++) {
            double[] z = new double[WIDTH];
            double mean = 0;
            for (int j = 0; j < WIDTH; j++) {
                for (int i = 0; i < IN; i++) {
                    z[j] += x.getFloat(n * IN + i) * w[i * WIDTH + j];
                }
                mean += z[j] / WIDTH;
            }
            double var = 0;
            for (int j = 0; j < WIDTH; j++) {
                var += (z[j] - mean) * (z[j] - mean) / WIDTH;
            }
            double rs = 1 / Math.sqrt(var + EPS);
            for (int o = 0; o < OUT; o++) {
                double out = 0;
                for (int j = 0; j < WIDTH; j++) {
                    out += ((z[j] - mean) * rs * gamma[j] + beta[j]) * w2[j * OUT + o];
                }
                double e = out - t.getFloat(n * OUT + o);
                loss += e * e / (ROWS * OUT);
            }
        }
        return loss;
    }

    // ---- a product by concatenated kernels ----

    /** loss = mean((x w0 k - t)^2), k the concatenation of three kernels or one kernel of their width. */
    private static Network productNet(boolean concatenated) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node t = b.input("t", DType.FLOAT32, -1, 3 * WIDTH);
        Node z0 = b.matmul(x, b.param("w0", Initializer.truncatedNormal(1.0), IN, MID));
        Node k = concatenated
                ? b.concat(1, b.param("a", Initializer.truncatedNormal(1.0), MID, WIDTH),
                        b.param("b", Initializer.truncatedNormal(1.0), MID, WIDTH),
                        b.param("c", Initializer.truncatedNormal(1.0), MID, WIDTH))
                : b.param("k", Initializer.truncatedNormal(1.0), MID, 3 * WIDTH);
        Node z = b.matmul(z0, k);
        b.output("z", z);
        b.loss("loss", b.meanSquaredError(z, t));
        return b.build();
    }

    @Test
    void trainingProductByConcatenatedKernelsHoldsNoCopyOfThem() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(productNet(true), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
            // the concatenation, [MID, 3 WIDTH], was held for the gradient of x w0
            assertThat(heldForBackward(m, s -> s.numDimensions() == 2 && s.size(1) == 3 * WIDTH && s.size(0) == MID)).isEmpty();
        }
    }

    @Test
    void trainingProductByConcatenatedKernelsStepsAsTheProductByOneKernel() {
        Random r = new Random(23);
        HostTensor x = TestTensors.gaussian(r, 1, ROWS, IN);
        HostTensor t = TestTensors.gaussian(r, 1, ROWS, 3 * WIDTH);
        Map<String, HostTensor> batch = Map.of("x", x, "t", t);
        try (CompiledModel parts = engine.compile(productNet(true), 3); CompiledModel one = engine.compile(productNet(false), 4)) {
            Map<String, HostTensor> p = parts.parameters();
            float[] k = new float[MID * 3 * WIDTH];
            for (int i = 0; i < MID; i++) {
                for (int part = 0; part < 3; part++) {
                    HostTensor src = p.get(String.valueOf((char) ('a' + part)));
                    for (int j = 0; j < WIDTH; j++) {
                        k[i * 3 * WIDTH + part * WIDTH + j] = src.getFloat(i * WIDTH + j);
                    }
                }
            }
            one.setParameters(Map.of("w0", p.get("w0"), "k", HostTensor.of(k, MID, 3 * WIDTH)));
            for (CompiledModel m : List.of(parts, one)) {
                m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(0.1)));
            }
            StepResult a = parts.trainStep(batch);
            StepResult b = one.trainStep(batch);
            assertThat(a.loss()).isCloseTo(b.loss(), within(1e-6 * Math.abs(b.loss())));
            float[] w0a = parts.parameter("w0").floats();
            float[] w0b = one.parameter("w0").floats();
            for (int i = 0; i < w0a.length; i++) {
                assertThat(w0a[i]).as("w0 %d", i).isCloseTo(w0b[i], within(1e-5f));
            }
            float[] kb = one.parameter("k").floats();
            for (int part = 0; part < 3; part++) {
                float[] ka = parts.parameter(String.valueOf((char) ('a' + part))).floats();
                for (int i = 0; i < MID; i++) {
                    for (int j = 0; j < WIDTH; j++) {
                        assertThat(ka[i * WIDTH + j]).as("kernel %d row %d column %d", part, i, j)
                                .isCloseTo(kb[i * 3 * WIDTH + part * WIDTH + j], within(1e-5f));
                    }
                }
            }
        }
    }
}
