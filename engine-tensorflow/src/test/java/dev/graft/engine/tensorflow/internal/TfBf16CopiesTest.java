package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/**
 * Under bfloat16 precision the inference graph reads bfloat16 copies of the product kernels, made once per change of
 * the parameters, instead of letting the rewrite narrow the float32 kernels on every call. The predictions must be
 * those of the float32-reading graph under the same rewrite (same roundings of the same weights), follow every
 * change of the parameters, and leave the parameters themselves float32. Runs where the CPU has native bfloat16.
 */
class TfBf16CopiesTest {
    private static final int IN = 12;
    private static final int WIDTH = 7;
    private static Engine engine;

    @BeforeAll
    static void bf16Engine() {
        Assumptions.assumeTrue(CpuFeatures.nativeBf16(), "this CPU has no native bfloat16 (AVX512-BF16 or AMX)");
        engine = new ServiceLoaderEngineRegistry(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16)).get("tensorflow");
    }

    /**
     * BERT's query, key and value product by concatenated kernels (a, b, c) with concatenated biases, a GELU, a dense
     * layer (out), a kernel also read by an elementwise product (shared), and a logits layer with a loss.
     */
    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node y = b.input("y", DType.INT32, -1);
        Node k = b.concat(1, b.param("a", Initializer.truncatedNormal(0.3), IN, WIDTH),
                b.param("b", Initializer.truncatedNormal(0.3), IN, WIDTH), b.param("c", Initializer.truncatedNormal(0.3), IN, WIDTH));
        Node bias = b.concat(0, b.param("p", Initializer.truncatedNormal(0.3), WIDTH),
                b.param("q", Initializer.truncatedNormal(0.3), WIDTH), b.param("r", Initializer.truncatedNormal(0.3), WIDTH));
        Node h = b.gelu(b.add(b.matmul(x, k), bias));
        Node shared = b.param("shared", Initializer.truncatedNormal(0.3), 3 * WIDTH, 3 * WIDTH);
        Node h2 = b.add(b.matmul(h, shared), b.mul(b.reshape(b.slice(shared, new long[] {0, 0}, new long[] {1, -1}), -1), b.scalar(0.5)));
        Node logits = Layers.dense(b, "out", b.relu(h2), 4);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    @Test
    void onlyKernelsReadSolelyByProductsGetCopies() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net(), 3)) {
            TfNetworkCompiler c = new TfNetworkCompiler(m.network(), Map.of(), Map.of());
            assertThat(c.productOnlyParams()).containsExactlyInAnyOrder("a", "b", "c", "out.kernel");
            assertThat(copies(m)).containsExactlyInAnyOrder("bf16_a", "bf16_b", "bf16_c", "bf16_out.kernel");
        }
    }

    @Test
    void predictionsAreThoseOfTheRewriteNarrowingOnEveryCallAndFollowEveryChange() {
        Random rnd = new Random(11);
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net(), 3)) {
            HostTensor x = TestTensors.gaussian(rnd, 1, 40, IN);
            assertSameAsFloat32Reads(m, x, "as compiled");
            Map<String, HostTensor> changed = new LinkedHashMap<>(m.parameters());
            changed.put("a", TestTensors.gaussian(rnd, 0.5, IN, WIDTH));
            changed.put("out.kernel", TestTensors.gaussian(rnd, 0.5, 3 * WIDTH, 4));
            m.setParameters(changed);
            assertSameAsFloat32Reads(m, x, "after setParameters");
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.05)));
            int[] labels = new int[40];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % 4;
            }
            HostTensor before = m.predict(Map.of("x", x), "logits");
            m.trainStep(Map.of("x", x, "y", HostTensor.ofInts(labels, 40)));
            HostTensor after = assertSameAsFloat32Reads(m, x, "after a training step");
            assertThat(after.floats()).as("a training step moves the predictions").isNotEqualTo(before.floats());
            // the parameters stay float32: not rounded to bfloat16 by the copies
            HostTensor a = m.parameters().get("a");
            boolean unrounded = false;
            for (float v : a.floats()) {
                unrounded |= (Float.floatToRawIntBits(v) & 0xFFFF) != 0;
            }
            assertThat(unrounded).as("kernel 'a' keeps float32 precision").isTrue();
        }
    }

    /** The bfloat16 copy variables in the model's graph, by op name. */
    private static List<String> copies(TfCompiledModel m) {
        List<String> out = new java.util.ArrayList<>();
        for (java.util.Iterator<org.tensorflow.GraphOperation> it = m.graph().operations(); it.hasNext();) {
            org.tensorflow.GraphOperation op = it.next();
            if (op.type().equals("VarHandleOp") && op.name().startsWith("bf16_")) {
                out.add(op.name());
            }
        }
        return out;
    }

    /** predict() against the float32-reading inference graph of the same session, on the same inputs. */
    private static HostTensor assertSameAsFloat32Reads(TfCompiledModel m, HostTensor x, String when) {
        HostTensor got = m.predict(Map.of("x", x), "logits");
        float[] want;
        try (Tensor in = TfTensors.toTf(x)) {
            Session.Runner r = m.session().runner().feed(m.inputPlaceholder("x"), in).fetch(m.inferenceOutput("logits"));
            try (Result res = r.run()) {
                want = TfTensors.fromTf(res.get(0)).floats();
            }
        }
        float[] v = got.floats();
        assertThat(v).hasSameSizeAs(want);
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).as("%s: logit %d", when, i).isEqualTo(want[i]);
        }
        return got;
    }

    /**
     * A convolution (3 x 3, 3 to 8 channels), a dilated one (8 to 8, dilation 2, its kernel spread with zeros in the
     * graph), a depthwise one (groups 8, left float32), global average pooling and a dense layer.
     */
    @Test
    void convolutionKernelsGetCopiesWithTheSamePredictions() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 9, 9, 3);
        Node k1 = b.param("k1", Initializer.truncatedNormal(0.3), 3, 3, 3, 8);
        Node k2 = b.param("k2", Initializer.truncatedNormal(0.3), 3, 3, 8, 8);
        Node dw = b.param("dw", Initializer.truncatedNormal(0.3), 3, 3, 1, 8);
        Node h = b.relu(b.conv2d(x, k1, new int[] {1, 1}, "SAME", new int[] {1, 1}, 1));
        h = b.relu(b.conv2d(h, k2, new int[] {1, 1}, "SAME", new int[] {2, 2}, 1));
        h = b.relu(b.conv2d(h, dw, new int[] {1, 1}, "SAME", new int[] {1, 1}, 8));
        Node logits = Layers.dense(b, "out", b.globalAvgPool(h), 4);
        b.output("logits", logits);
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(b.build(), 5)) {
            assertThat(copies(m)).containsExactlyInAnyOrder("bf16_k1", "bf16_k2", "bf16_out.kernel");
            HostTensor in = TestTensors.gaussian(new Random(2), 1, 6, 9, 9, 3);
            assertSameAsFloat32Reads(m, in, "convolutions");
        }
    }

    @Test
    void aModelWithoutProductKernelsRunsWithoutCopies() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 3);
        b.output("y", b.add(x, b.param("bias", Initializer.zeros(), 3)));
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(b.build(), 1)) {
            HostTensor y = m.predict(Map.of("x", HostTensor.of(new float[] {1, 2, 3}, 1, 3)), "y");
            assertThat(y.floats()).containsExactly(1, 2, 3);
            assertThat(copies(m)).isEmpty();
        }
    }
}
