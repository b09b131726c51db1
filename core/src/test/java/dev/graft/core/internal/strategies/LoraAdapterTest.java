package dev.graft.core.internal.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
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
import org.junit.jupiter.api.Test;

class LoraAdapterTest {
    static final Engine ENGINE = new ServiceLoaderEngineRegistry().get("tensorflow");
    static final int N = 5;

    /** x [N, 4] -> backbone.fc (4x6) -> tanh -> head.out (6x3) -> softmax cross-entropy. */
    static Network dense() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        Node h;
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            h = b.tanh(Layers.dense(b, "fc", x, 6, true, Initializer.glorotUniform()));
        }
        Node logits;
        try (NetworkBuilder.Scope s = b.scope("head")) {
            logits = Layers.dense(b, "out", h, 3);
        }
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, b.input("label", DType.FLOAT32, -1, 3)));
        return b.build();
    }

    /** x [N, 5, 5, 2] -> backbone.conv (3x3x2x4) -> relu -> global average -> head.out -> loss. */
    static Network conv() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 5, 5, 2);
        Node h;
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            h = b.globalAvgPool(b.relu(Layers.conv2d(b, "conv", x, 4, 3, 1, "SAME", true)));
        }
        Node logits;
        try (NetworkBuilder.Scope s = b.scope("head")) {
            logits = Layers.dense(b, "out", h, 3);
        }
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, b.input("label", DType.FLOAT32, -1, 3)));
        return b.build();
    }

    static HostTensor random(long seed, float scale, long... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return HostTensor.of(v, shape);
    }

    static Map<String, HostTensor> batch(Network net) {
        long[] shape = net.input("x").shape().dims();
        shape[0] = N;
        float[] y = new float[N * 3];
        for (int i = 0; i < N; i++) {
            y[i * 3 + i % 3] = 1;
        }
        return Map.of("x", random(11, 1, shape), "label", HostTensor.of(y, N, 3));
    }

    static float[] predict(Network net, Map<String, HostTensor> weights, String output) {
        try (CompiledModel m = ENGINE.compile(net, 1)) {
            m.setParameters(weights);
            return m.predict(batch(net), output).floats();
        }
    }

    @Test
    void adaptedNetworkEqualsTheBaseWhileBIsZero() {
        Network base = dense();
        LoraAdapter lora = new LoraAdapter(2, 4, 0, List.of("backbone.**.kernel"));
        Network adapted = lora.adapt(base);
        assertThat(adapted.params()).containsKeys("backbone.fc.lora_a", "backbone.fc.lora_b");
        Map<String, HostTensor> w = new LinkedHashMap<>(adapted.initialValues(3));
        assertThat(w.get("backbone.fc.lora_a").floats()).isNotEqualTo(new float[8]);
        assertThat(w.get("backbone.fc.lora_b").floats()).containsOnly(0f);
        assertThat(predict(adapted, w, "logits")).containsExactly(predict(base, lora.merge(w), "logits"));
        w.remove("backbone.fc.lora_a");
        w.remove("backbone.fc.lora_b");
        assertThat(predict(adapted, adapted.initialValues(3), "logits")).containsExactly(predict(base, w, "logits"));
    }

    @Test
    void adapterGradientsMatchFiniteDifferences() {
        Network adapted = new LoraAdapter(2, 4, 0, List.of("backbone.fc.kernel")).adapt(dense());
        Map<String, HostTensor> w = new LinkedHashMap<>(adapted.initialValues(3));
        w.put("backbone.fc.lora_b", random(5, 0.5f, 2, 6));
        float lr = 0.01f;
        float[] before = w.get("backbone.fc.lora_a").floats();
        float[] after;
        try (CompiledModel m = ENGINE.compile(adapted, 1)) {
            m.setParameters(w);
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(lr)));
            m.trainStep(batch(adapted));
            after = m.parameter("backbone.fc.lora_a").floats();
        }
        double eps = 1e-2;
        for (int i = 0; i < before.length; i++) {
            double engineGrad = (before[i] - after[i]) / lr;
            float[] plus = before.clone();
            float[] minus = before.clone();
            plus[i] += (float) eps;
            minus[i] -= (float) eps;
            w.put("backbone.fc.lora_a", HostTensor.of(plus, 4, 2));
            double lp = predict(adapted, w, "loss")[0];
            w.put("backbone.fc.lora_a", HostTensor.of(minus, 4, 2));
            double lm = predict(adapted, w, "loss")[0];
            double fd = (lp - lm) / (2 * eps);
            assertThat(engineGrad).as("d loss / d lora_a[%d]", i).isCloseTo(fd, org.assertj.core.data.Offset.offset(2e-3 + 0.02 * Math.abs(fd)));
        }
    }

    @Test
    void mergedDenseModelPredictsLikeTheAdaptedOne() {
        assertMergeEquivalent(dense(), "backbone.fc.kernel", 4, 6, 0);
    }

    @Test
    void mergedConvolutionModelPredictsLikeTheAdaptedOne() {
        assertMergeEquivalent(conv(), "backbone.conv.kernel", 18, 4, 0);
    }

    @Test
    void dropoutAdaptsActivationsAndStillMergesExactlyForInference() {
        Network base = dense();
        LoraAdapter lora = new LoraAdapter(3, 6, 0.3, List.of("backbone.fc.kernel"));
        Network adapted = lora.adapt(base);
        assertThat(adapted.nodes().stream().anyMatch(n -> n.op() == dev.graft.engine.spi.graph.Op.DROPOUT)).isTrue();
        assertMergeEquivalent(base, "backbone.fc.kernel", 4, 6, 0.3);
    }

    private static void assertMergeEquivalent(Network base, String kernel, int fanIn, int out, double dropout) {
        LoraAdapter lora = new LoraAdapter(3, 6, dropout, List.of(kernel));
        Network adapted = lora.adapt(base);
        Map<String, HostTensor> w = new LinkedHashMap<>(adapted.initialValues(3));
        String stem = LoraAdapter.stem(kernel);
        w.put(stem + ".lora_a", random(8, 0.5f, fanIn, 3));
        w.put(stem + ".lora_b", random(9, 0.5f, 3, out));
        Map<String, HostTensor> merged = lora.merge(w);
        assertThat(merged.keySet()).isEqualTo(base.params().keySet());
        assertThat(merged.get(kernel).bitEquals(w.get(kernel))).isFalse();
        float[] a = predict(adapted, w, "logits");
        float[] m = predict(base, merged, "logits");
        for (int i = 0; i < a.length; i++) {
            assertThat(m[i]).as("logit %d", i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void refusesTargetsThatMatchNothingOrBiases() {
        assertThatThrownBy(() -> new LoraAdapter(2, 4, 0, List.of("backbone.**.query.kernel")).adapt(dense()))
                .hasMessageContaining("match no trainable parameter").hasMessageContaining("backbone.fc.kernel");
        assertThatThrownBy(() -> new LoraAdapter(2, 4, 0, List.of("backbone.fc.bias")).adapt(dense()))
                .hasMessageContaining("'backbone.fc.bias'").hasMessageContaining("rank 2");
    }
}
