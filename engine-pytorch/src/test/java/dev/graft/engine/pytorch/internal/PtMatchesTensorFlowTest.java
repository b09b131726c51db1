package dev.graft.engine.pytorch.internal;

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
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op's value and gradient on the PyTorch engine against the TensorFlow engine (an
 * independent runtime) on the same definition and the same random parameters. The gradient is
 * read as the parameter change of one plain SGD step with learning rate 1 on
 * {@code loss = sum(y * r)} for a random fixed {@code r}.
 */
class PtMatchesTensorFlowTest {
    private static Engine pt;
    private static Engine tf;

    @BeforeAll
    static void engines() {
        ServiceLoaderEngineRegistry registry = new ServiceLoaderEngineRegistry();
        pt = registry.get("pytorch");
        tf = registry.get("tensorflow");
    }

    private static Node p(NetworkBuilder b, String name, long... shape) {
        return b.param(name, Initializer.normal(1), shape);
    }

    private static Node positive(NetworkBuilder b, String name, long... shape) {
        return b.param(name, Initializer.constant(1.5), shape);
    }

    static Stream<Arguments> ops() {
        Map<String, Function<NetworkBuilder, Node>> c = new LinkedHashMap<>();
        c.put("matmul", b -> b.matmul(p(b, "a", 3, 4), p(b, "w", 4, 5)));
        c.put("matmul transposed", b -> b.matmul(p(b, "a", 4, 3), p(b, "w", 5, 4), true, true));
        // BERT's query, key and value projection: both engines take the product by each part of the kernel
        c.put("matmul by concatenated kernels, concatenated bias", b -> b.add(b.matmul(p(b, "a", 3, 4),
                b.concat(1, p(b, "wq", 4, 2), p(b, "wk", 4, 3), p(b, "wv", 4, 2))), b.concat(0, p(b, "bq", 2), p(b, "bk", 3), p(b, "bv", 2))));
        c.put("matmul by concatenated kernels, one bias", b -> b.add(b.matmul(p(b, "a", 3, 4),
                b.concat(1, p(b, "wq", 4, 2), p(b, "wk", 4, 3))), p(b, "c", 5)));
        c.put("matmul by concatenated kernels, no bias", b -> b.matmul(p(b, "a", 3, 4), b.concat(-1, p(b, "wq", 4, 2), p(b, "wk", 4, 3))));
        c.put("batch matmul adjoint", b -> b.batchMatmul(p(b, "a", 2, 4, 3), p(b, "w", 2, 5, 4), true, true));
        c.put("conv same stride 2 (asymmetric pad)", b -> b.conv2d(p(b, "x", 2, 6, 7, 3), p(b, "k", 3, 3, 3, 4),
                new int[] {2, 2}, "SAME", new int[] {1, 1}, 1));
        c.put("conv same even kernel", b -> b.conv2d(p(b, "x", 1, 5, 5, 2), p(b, "k", 2, 2, 2, 3),
                new int[] {1, 1}, "SAME", new int[] {1, 1}, 1));
        c.put("conv valid dilated", b -> b.conv2d(p(b, "x", 2, 7, 7, 2), p(b, "k", 3, 3, 2, 3),
                new int[] {1, 1}, "VALID", new int[] {2, 2}, 1));
        c.put("conv grouped", b -> b.conv2d(p(b, "x", 2, 5, 5, 4), p(b, "k", 3, 3, 2, 6),
                new int[] {1, 1}, "SAME", new int[] {1, 1}, 2));
        c.put("conv depthwise", b -> b.conv2d(p(b, "x", 2, 5, 5, 3), p(b, "k", 3, 3, 1, 6),
                new int[] {1, 1}, "SAME", new int[] {1, 1}, 3));
        c.put("conv explicit pads", b -> b.conv2d(p(b, "x", 1, 5, 6, 2), p(b, "k", 3, 3, 2, 2),
                new int[] {2, 1}, new int[] {1, 2, 0, 1}, new int[] {1, 1}, 1));
        c.put("max pool same", b -> b.maxPool(p(b, "x", 2, 5, 7, 3), new int[] {3, 3}, new int[] {2, 2}, "SAME"));
        c.put("max pool valid", b -> b.maxPool(p(b, "x", 2, 6, 6, 2), new int[] {2, 2}, new int[] {2, 2}, "VALID"));
        c.put("avg pool same", b -> b.avgPool(p(b, "x", 2, 5, 7, 3), new int[] {3, 3}, new int[] {2, 2}, "SAME"));
        c.put("avg pool valid", b -> b.avgPool(p(b, "x", 1, 6, 6, 2), new int[] {3, 2}, new int[] {1, 2}, "VALID"));
        c.put("global avg pool", b -> b.globalAvgPool(p(b, "x", 2, 3, 4, 5)));
        c.put("global max pool", b -> b.globalMaxPool(p(b, "x", 2, 3, 4, 5)));
        c.put("batch norm 4d", b -> b.batchNorm(p(b, "x", 4, 3, 3, 5), p(b, "g", 5), p(b, "be", 5),
                b.param("mm", Initializer.normal(1), false, 5), b.param("mv", Initializer.constant(1.5), false, 5), 1e-3, 0.9));
        c.put("batch norm 2d", b -> b.batchNorm(p(b, "x", 6, 4), p(b, "g", 4), p(b, "be", 4),
                b.param("mm", Initializer.normal(1), false, 4), b.param("mv", Initializer.constant(1.5), false, 4), 1e-3, 0.9));
        c.put("layer norm", b -> b.layerNorm(p(b, "x", 3, 4, 6), p(b, "g", 6), p(b, "be", 6), 1e-5));
        c.put("add broadcast", b -> b.add(p(b, "a", 3, 4), p(b, "c", 4)));
        c.put("sub", b -> b.sub(p(b, "a", 3, 4), p(b, "c", 3, 1)));
        c.put("mul", b -> b.mul(p(b, "a", 3, 4), p(b, "c", 3, 4)));
        c.put("div", b -> b.div(p(b, "a", 3, 4), positive(b, "c", 4)));
        c.put("relu", b -> b.relu(p(b, "a", 3, 4)));
        c.put("gelu", b -> b.gelu(p(b, "a", 3, 4)));
        c.put("tanh", b -> b.tanh(p(b, "a", 3, 4)));
        c.put("sigmoid", b -> b.sigmoid(p(b, "a", 3, 4)));
        c.put("softmax middle axis", b -> b.softmax(p(b, "a", 2, 5, 3), 1));
        c.put("log softmax", b -> b.logSoftmax(p(b, "a", 3, 6), -1));
        c.put("reshape", b -> b.reshape(p(b, "a", 3, 4), 2, -1));
        c.put("transpose", b -> b.transpose(p(b, "a", 2, 3, 4), 2, 0, 1));
        c.put("reshape like ids", b -> b.transpose(b.reshapeLike(p(b, "a", 6, 4), b.input("ids", DType.INT32, 2, 3), 2, 2, 2),
                2, 0, 1, 3));
        c.put("cumsum exclusive", b -> b.cumsum(p(b, "a", 3, 5), 1, true));
        c.put("cumsum inclusive axis 0", b -> b.cumsum(p(b, "a", 3, 5), 0, false));
        c.put("concat", b -> b.concat(1, p(b, "a", 2, 3), p(b, "c", 2, 2)));
        c.put("slice", b -> b.slice(p(b, "a", 4, 5), new long[] {1, 2}, new long[] {2, -1}));
        c.put("pad", b -> b.pad(p(b, "a", 2, 3), new long[] {1, 0, 2, 1}, 0.5));
        c.put("mean keepdims", b -> b.mean(p(b, "a", 2, 3, 4), true, 0, 2));
        c.put("sum", b -> b.sum(p(b, "a", 2, 3, 4), false, 1));
        c.put("scalar", b -> b.mul(p(b, "a", 2, 3), b.scalar(2.5)));
        c.put("embedding", b -> b.embedding(p(b, "t", 7, 3), b.input("ids", DType.INT32, 2, 3)));
        c.put("softmax xent int labels", b -> b.reshape(b.softmaxCrossEntropy(p(b, "a", 4, 5), b.input("ids", DType.INT32, 4)), 1));
        c.put("softmax xent soft labels", b -> b.reshape(b.softmaxCrossEntropy(p(b, "a", 4, 5), b.softmax(p(b, "l", 4, 5), 1)), 1));
        c.put("binary xent", b -> b.reshape(b.binaryCrossEntropy(p(b, "a", 4, 3), b.sigmoid(p(b, "z", 4, 3))), 1));
        c.put("mse", b -> b.reshape(b.meanSquaredError(p(b, "a", 4, 3), p(b, "z", 4, 3)), 1));
        return c.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void valueAndGradientMatchTensorFlow(String name, Function<NetworkBuilder, Node> op) {
        NetworkBuilder b = new NetworkBuilder();
        Node y = op.apply(b);
        long[] shape = y.shape().dims();
        Node r = b.input("r", DType.FLOAT32, shape);
        int[] axes = new int[shape.length];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        b.output("y", y);
        b.loss("loss", b.sum(b.mul(y, r), false, axes));
        Network net = b.build();

        Map<String, HostTensor> feeds = new LinkedHashMap<>();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(name.hashCode());
        feeds.put("r", HostTensor.of(randoms(rnd, Math.toIntExact(y.shape().size())), shape));
        if (net.inputs().containsKey("ids")) {
            Node ids = net.input("ids");
            int[] v = new int[Math.toIntExact(ids.shape().size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = rnd.nextInt(name.startsWith("embedding") ? 7 : 5);
            }
            feeds.put("ids", HostTensor.ofInts(v, ids.shape().dims()));
        }
        try (CompiledModel a = pt.compile(net, 11); CompiledModel t = tf.compile(net, 11)) {
            HostTensor valueA = a.predict(feeds, "y");
            TrainingConfig sgd = TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1));
            Map<String, HostTensor> before = a.parameters();
            Map<String, float[]> gradA = new LinkedHashMap<>();
            if (!name.startsWith("batch norm")) {
                // central finite differences of the inference loss, on up to 6 elements per parameter
                for (String param : before.keySet()) {
                    gradA.put(param, finiteDifferences(a, feeds, param, before.get(param)));
                }
                a.setParameters(before);
            }
            a.configureTraining(sgd);
            double lossA = a.trainStep(feeds).loss();
            Map<String, HostTensor> afterA = a.parameters();
            boolean anyMoved = false;
            for (String param : before.keySet()) {
                float[] g = delta(before.get(param), afterA.get(param));
                for (float v : g) {
                    anyMoved |= v != 0;
                }
                float[] fd = gradA.get(param);
                if (fd != null) {
                    for (int i = 0; i < fd.length; i++) {
                        if (!Float.isNaN(fd[i])) {
                            assertThat((double) g[i]).as("gradient of %s[%d] in %s vs finite differences", param, i, name)
                                    .isCloseTo(fd[i], org.assertj.core.data.Offset.offset(1e-2 * (1 + Math.abs(fd[i]))));
                        }
                    }
                }
            }
            assertThat(anyMoved).as("some gradient of " + name + " is non-zero").isTrue();

            HostTensor valueT = t.predict(feeds, "y");
            t.configureTraining(sgd);
            double lossT = t.trainStep(feeds).loss();
            Map<String, HostTensor> afterT = t.parameters();
            assertClose("value of " + name, valueA, valueT, 1e-4);
            assertThat(lossA).as("loss of " + name).isCloseTo(lossT, org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(lossT))));
            for (String param : before.keySet()) {
                assertClose("gradient of " + param + " in " + name, delta(before.get(param), afterA.get(param)),
                        delta(before.get(param), afterT.get(param)), 2e-3);
            }
        }
    }

    private static float[] delta(HostTensor before, HostTensor after) {
        float[] b0 = before.floats();
        float[] a = after.floats();
        for (int i = 0; i < b0.length; i++) {
            a[i] = b0[i] - a[i];
        }
        return a;
    }

    /** d loss / d param by central differences (eps 1e-3) at up to 6 elements; NaN where not sampled. */
    private static float[] finiteDifferences(CompiledModel m, Map<String, HostTensor> feeds, String param, HostTensor value) {
        float[] v = value.floats();
        float[] g = new float[v.length];
        java.util.Arrays.fill(g, Float.NaN);
        int stride = Math.max(1, v.length / 6);
        for (int i = 0; i < v.length; i += stride) {
            float orig = v[i];
            float eps = 1e-3f;
            v[i] = orig + eps;
            m.setParameters(Map.of(param, HostTensor.of(v.clone(), value.shape().dims())));
            double up = m.predict(feeds, "loss").getFloat(0);
            v[i] = orig - eps;
            m.setParameters(Map.of(param, HostTensor.of(v.clone(), value.shape().dims())));
            double down = m.predict(feeds, "loss").getFloat(0);
            v[i] = orig;
            g[i] = (float) ((up - down) / (2 * eps));
        }
        m.setParameters(Map.of(param, value));
        return g;
    }

    private static float[] randoms(java.util.SplittableRandom rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return f;
    }

    static void assertClose(String what, HostTensor actual, HostTensor expected, double tol) {
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        assertClose(what, actual.floats(), expected.floats(), tol);
    }

    static void assertClose(String what, float[] actual, float[] expected, double tol) {
        assertThat(actual).as(what + " size").hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            double limit = tol * (1 + Math.abs(expected[i]));
            if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (tolerance " + limit + ")\nactual   " + java.util.Arrays.toString(actual)
                        + "\nexpected " + java.util.Arrays.toString(expected));
            }
        }
    }
}
