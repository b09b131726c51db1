package dev.graft.engine.pytorch.internal;

import static dev.graft.engine.pytorch.internal.PtMatchesTensorFlowTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Op values on the PyTorch engine against plain-Java computations. */
class PtOpsTest {
    private static Engine pt;

    @BeforeAll
    static void engine() {
        pt = new ServiceLoaderEngineRegistry().get("pytorch");
    }

    static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return f;
    }

    private static HostTensor run(NetworkBuilder b, Node y, Map<String, HostTensor> feeds) {
        b.output("y", y);
        try (CompiledModel m = pt.compile(b.build(), 1)) {
            return m.predict(feeds, "y");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "same stride 2,        2, 6, 7, 3, 3, 3, 4, 2, 2, 1, 1, 1, SAME",
        "same even kernel,     1, 5, 5, 2, 2, 2, 3, 1, 1, 1, 1, 1, SAME",
        "valid dilated,        2, 7, 7, 2, 3, 3, 3, 1, 1, 2, 2, 1, VALID",
        "same dilated,         1, 6, 6, 2, 3, 3, 2, 1, 1, 2, 2, 1, SAME",
        "grouped,              2, 5, 5, 4, 3, 3, 6, 1, 1, 1, 1, 2, SAME",
        "depthwise multiplier, 2, 5, 5, 3, 3, 3, 6, 1, 1, 1, 1, 3, SAME",
        "depthwise,            1, 4, 4, 3, 3, 3, 3, 2, 2, 1, 1, 3, SAME",
        "explicit pads,        1, 5, 6, 2, 3, 3, 2, 2, 1, 1, 1, 1, EXPLICIT"})
    void conv2dMatchesPlainJava(String name, int n, int h, int w, int c, int kh, int kw, int o, int sh, int sw,
            int dh, int dw, int groups, String padding) {
        int[] explicit = {1, 2, 0, 1};
        float[] x = random(1, n * h * w * c);
        float[] k = random(2, kh * kw * (c / groups) * o);
        NetworkBuilder b = new NetworkBuilder();
        Node xi = b.input("x", DType.FLOAT32, -1, h, w, c);
        Node ki = b.input("k", DType.FLOAT32, kh, kw, c / groups, o);
        Node y = padding.equals("EXPLICIT")
                ? b.conv2d(xi, ki, new int[] {sh, sw}, explicit, new int[] {dh, dw}, groups)
                : b.conv2d(xi, ki, new int[] {sh, sw}, padding, new int[] {dh, dw}, groups);
        HostTensor out = run(b, y, Map.of("x", HostTensor.of(x, n, h, w, c), "k", HostTensor.of(k, kh, kw, c / groups, o)));
        int[] shape = new int[4];
        float[] expected = Reference.conv2d(x, n, h, w, c, k, kh, kw, o, new int[] {sh, sw}, new int[] {dh, dw}, groups,
                padding, explicit, shape);
        assertThat(out.shape().dims()).containsExactly(shape[0], shape[1], shape[2], shape[3]);
        assertClose("conv " + name, out.floats(), expected, 1e-5);
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3} stride {4}")
    @CsvSource({
        "true,  SAME, 3, 3, 2, 5, 7", "false, SAME, 3, 3, 2, 5, 7", "false, SAME, 2, 2, 1, 4, 4",
        "false, VALID, 3, 2, 1, 6, 6", "true, VALID, 2, 2, 2, 6, 6", "false, SAME, 3, 3, 1, 3, 3"})
    void poolingMatchesPlainJavaWithSameAveragingValidCellsOnly(boolean max, String padding, int wh, int ww, int stride,
            int h, int w) {
        int n = 2;
        int c = 3;
        float[] x = random(3, n * h * w * c);
        NetworkBuilder b = new NetworkBuilder();
        Node xi = b.input("x", DType.FLOAT32, -1, h, w, c);
        int[] win = {wh, ww};
        int[] st = {stride, stride};
        Node y = max ? b.maxPool(xi, win, st, padding) : b.avgPool(xi, win, st, padding);
        HostTensor out = run(b, y, Map.of("x", HostTensor.of(x, n, h, w, c)));
        int[] shape = new int[4];
        float[] expected = Reference.pool(x, n, h, w, c, win, st, padding, max, shape);
        assertThat(out.shape().dims()).containsExactly(shape[0], shape[1], shape[2], shape[3]);
        assertClose("pool", out.floats(), expected, 1e-6);
    }

    @Test
    void batchNormTrainingUsesBatchStatisticsAndUpdatesMovingOnesWithUnbiasedVariance() {
        int n = 4;
        int hw = 3;
        int c = 2;
        float[] x = random(5, n * hw * hw * c);
        NetworkBuilder b = new NetworkBuilder();
        Node xi = b.input("x", DType.FLOAT32, -1, hw, hw, c);
        Node gamma = b.param("bn.gamma", Initializer.constant(1.5), c);
        Node beta = b.param("bn.beta", Initializer.constant(0.25), c);
        Node mm = b.param("bn.moving_mean", Initializer.constant(0.1), false, c);
        Node mv = b.param("bn.moving_variance", Initializer.constant(2.0), false, c);
        Node y = b.batchNorm(xi, gamma, beta, mm, mv, 1e-3, 0.8);
        Node t = b.input("t", DType.FLOAT32, -1, hw, hw, c);
        b.output("y", y);
        b.loss("loss", b.meanSquaredError(y, t));
        try (CompiledModel m = pt.compile(b.build(), 1)) {
            Map<String, HostTensor> feeds = Map.of("x", HostTensor.of(x, n, hw, hw, c), "t", HostTensor.zeros(DType.FLOAT32,
                    dev.graft.engine.spi.Shape.of(n, hw, hw, c)));
            // inference: moving statistics
            float[] inf = m.predict(feeds, "y").floats();
            for (int i = 0; i < x.length; i++) {
                double e = (x[i] - 0.1) / Math.sqrt(2.0 + 1e-3) * 1.5 + 0.25;
                assertThat((double) inf[i]).isCloseTo(e, org.assertj.core.data.Offset.offset(1e-5));
            }
            // training: batch statistics for the loss, then moving = moving * 0.8 + batch * 0.2
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1e-9)));
            double loss = m.trainStep(feeds).loss();
            int count = n * hw * hw;
            double expectedLoss = 0;
            for (int ch = 0; ch < c; ch++) {
                double mean = 0;
                for (int i = ch; i < x.length; i += c) {
                    mean += x[i];
                }
                mean /= count;
                double ss = 0;
                for (int i = ch; i < x.length; i += c) {
                    ss += (x[i] - mean) * (x[i] - mean);
                }
                double biased = ss / count;
                for (int i = ch; i < x.length; i += c) {
                    double yv = (x[i] - mean) / Math.sqrt(biased + 1e-3) * 1.5 + 0.25;
                    expectedLoss += yv * yv;
                }
                assertThat((double) m.parameter("bn.moving_mean").getFloat(ch))
                        .isCloseTo(0.1 * 0.8 + mean * 0.2, org.assertj.core.data.Offset.offset(1e-6));
                assertThat((double) m.parameter("bn.moving_variance").getFloat(ch))
                        .isCloseTo(2.0 * 0.8 + ss / (count - 1) * 0.2, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(loss).isCloseTo(expectedLoss / x.length, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void layerNormGeluAndSoftmaxMatchPlainJava() {
        float[] x = random(7, 3 * 5);
        NetworkBuilder b = new NetworkBuilder();
        Node xi = b.input("x", DType.FLOAT32, -1, 5);
        Node ln = b.layerNorm(xi, b.param("g", Initializer.constant(2), 5), b.param("b", Initializer.constant(-1), 5), 1e-5);
        b.output("ln", ln);
        b.output("gelu", b.gelu(xi));
        b.output("softmax", b.softmax(xi, 1));
        try (CompiledModel m = pt.compile(b.build(), 1)) {
            Map<String, HostTensor> out = m.predict(Map.of("x", HostTensor.of(x, 3, 5)), java.util.List.of("ln", "gelu", "softmax"));
            float[] eLn = new float[x.length];
            float[] eGelu = new float[x.length];
            float[] eSm = new float[x.length];
            for (int r = 0; r < 3; r++) {
                double mean = 0;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 5; j++) {
                    mean += x[r * 5 + j] / 5.0;
                    max = Math.max(max, x[r * 5 + j]);
                }
                double var = 0;
                double z = 0;
                for (int j = 0; j < 5; j++) {
                    var += Math.pow(x[r * 5 + j] - mean, 2) / 5.0;
                    z += Math.exp(x[r * 5 + j] - max);
                }
                for (int j = 0; j < 5; j++) {
                    double v = x[r * 5 + j];
                    eLn[r * 5 + j] = (float) ((v - mean) / Math.sqrt(var + 1e-5) * 2 - 1);
                    eGelu[r * 5 + j] = (float) (v * (1 + erf(v / Math.sqrt(2))) / 2);
                    eSm[r * 5 + j] = (float) (Math.exp(v - max) / z);
                }
            }
            assertClose("layer norm", out.get("ln").floats(), eLn, 1e-5);
            assertClose("gelu", out.get("gelu").floats(), eGelu, 1e-5);
            assertClose("softmax", out.get("softmax").floats(), eSm, 1e-6);
        }
    }

    /** Abramowitz-Stegun 7.1.26 is too coarse; this series/continued-fraction pair is exact to 1e-12. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double sum = ax;
        double term = ax;
        for (int n = 1; n < 60; n++) {
            term *= -ax * ax / n;
            sum += term / (2 * n + 1);
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void lossesMatchPlainJava() {
        int n = 4;
        int k = 3;
        float[] logits = random(9, n * k);
        int[] labels = {0, 2, 1, 2};
        float[] targets = random(10, n * k);
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (targets[i] + 1) / 2;
        }
        NetworkBuilder b = new NetworkBuilder();
        Node l = b.input("logits", DType.FLOAT32, -1, k);
        Node y = b.input("labels", DType.INT32, -1);
        Node oneHot = b.input("onehot", DType.FLOAT32, -1, k);
        Node t = b.input("t", DType.FLOAT32, -1, k);
        b.output("xentInt", b.softmaxCrossEntropy(l, y));
        b.output("xentOneHot", b.softmaxCrossEntropy(l, oneHot));
        b.output("bce", b.binaryCrossEntropy(l, t));
        b.output("mse", b.meanSquaredError(l, t));
        float[] oh = new float[n * k];
        for (int i = 0; i < n; i++) {
            oh[i * k + labels[i]] = 1;
        }
        try (CompiledModel m = pt.compile(b.build(), 1)) {
            Map<String, HostTensor> out = m.predict(Map.of("logits", HostTensor.of(logits, n, k), "labels",
                    HostTensor.ofInts(labels, n), "onehot", HostTensor.of(oh, n, k), "t", HostTensor.of(targets, n, k)),
                    java.util.List.of("xentInt", "xentOneHot", "bce", "mse"));
            double xent = 0;
            double bce = 0;
            double mse = 0;
            for (int i = 0; i < n; i++) {
                double z = 0;
                for (int j = 0; j < k; j++) {
                    z += Math.exp(logits[i * k + j]);
                }
                xent += -(logits[i * k + labels[i]] - Math.log(z)) / n;
                for (int j = 0; j < k; j++) {
                    double v = logits[i * k + j];
                    double p = 1 / (1 + Math.exp(-v));
                    double tt = targets[i * k + j];
                    bce += -(tt * Math.log(p) + (1 - tt) * Math.log(1 - p)) / (n * k);
                    mse += (v - tt) * (v - tt) / (n * k);
                }
            }
            assertThat((double) out.get("xentInt").getFloat(0)).isCloseTo(xent, org.assertj.core.data.Offset.offset(1e-6));
            assertThat((double) out.get("xentOneHot").getFloat(0)).isCloseTo(xent, org.assertj.core.data.Offset.offset(1e-6));
            assertThat((double) out.get("bce").getFloat(0)).isCloseTo(bce, org.assertj.core.data.Offset.offset(1e-6));
            assertThat((double) out.get("mse").getFloat(0)).isCloseTo(mse, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void integerOpsCastsSlicesPadsAndEmbeddingsMatchPlainJava() {
        NetworkBuilder b = new NetworkBuilder();
        Node a = b.input("a", DType.INT32, 2, 3);
        Node d = b.input("d", DType.INT32, 2, 3);
        Node f = b.input("f", DType.FLOAT32, 2, 3);
        b.output("div", b.div(a, d));
        b.output("meanInt", b.mean(a, false, 1));
        b.output("cast", b.cast(f, DType.INT32));
        b.output("slice", b.slice(f, new long[] {1, 1}, new long[] {1, -1}));
        b.output("pad", b.pad(f, new long[] {0, 1, 2, 0}, 9));
        Node table = b.param("t", Initializer.normal(1), 4, 2);
        b.output("emb", b.embedding(table, a));
        try (CompiledModel m = pt.compile(b.build(), 3)) {
            int[] av = {7, -7, 3, 0, 2, 1};
            int[] dv = {2, 2, -2, 1, 3, 1};
            float[] fv = {1.7f, -1.7f, 0.2f, 3f, -0.5f, 2.5f};
            int[] ids = {1, 3, 0, 2, 2, 1};
            Map<String, HostTensor> out = m.predict(Map.of("a", HostTensor.ofInts(ids, 2, 3), "d", HostTensor.ofInts(dv, 2, 3),
                    "f", HostTensor.of(fv, 2, 3)), java.util.List.of("meanInt", "cast", "slice", "pad", "emb"));
            assertThat(out.get("meanInt").ints()).containsExactly(1, 1);
            assertThat(out.get("cast").ints()).containsExactly(1, -1, 0, 3, 0, 2);
            assertThat(out.get("slice").floats()).containsExactly(-0.5f, 2.5f);
            assertThat(out.get("slice").shape().dims()).containsExactly(1, 2);
            assertThat(out.get("pad").shape().dims()).containsExactly(3, 5);
            assertThat(out.get("pad").floats()).containsExactly(9, 9, 1.7f, -1.7f, 0.2f, 9, 9, 3f, -0.5f, 2.5f, 9, 9, 9, 9, 9);
            float[] t = m.parameter("t").floats();
            float[] emb = out.get("emb").floats();
            assertThat(out.get("emb").shape().dims()).containsExactly(2, 3, 2);
            for (int i = 0; i < ids.length; i++) {
                assertThat(emb[2 * i]).isEqualTo(t[2 * ids[i]]);
                assertThat(emb[2 * i + 1]).isEqualTo(t[2 * ids[i] + 1]);
            }
            HostTensor div = m.predict(Map.of("a", HostTensor.ofInts(av, 2, 3), "d", HostTensor.ofInts(dv, 2, 3)), "div");
            assertThat(div.dtype()).isEqualTo(DType.INT32);
            assertThat(div.ints()).containsExactly(3, -3, -1, 0, 0, 1);
        }
    }
}
