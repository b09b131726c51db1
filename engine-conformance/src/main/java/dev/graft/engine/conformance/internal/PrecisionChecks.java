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
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An engine in {@code precision=bf16} against the same engine in fp32, on the same network, weights
 * and inputs.
 *
 * <p>Tolerance of a product (matmul, batched matmul, conv2d) and of a dense layer's weight
 * gradient: {@code |bf16 - fp32| <= BF16_REL * S + 1e-6} per element, where {@code S} is the same
 * product of the operands' absolute values (for a matmul, {@code S_ij = sum_k |a_ik| |b_kj|}).
 * Why: rounding each operand to bfloat16 (8 significant bits, unit round-off 2^-9) changes each
 * term {@code a b} by at most {@code (2 * 2^-9 + 2^-18) |a b|}; fp32 accumulation adds about
 * {@code K * 2^-24}; so {@code 2^-8 S} bounds the error, and BF16_REL = 2^-7 leaves a factor of 2 for
 * an engine that rounds its output to bfloat16 too. A wrong index or a dropped term is off by
 * O(|a b|), far outside.
 *
 * <p>For matmul and conv2d the check also requires that bf16 is in effect: the largest
 * {@code |bf16 - fp32| / S} must exceed 2^-14, which fp32 arithmetic (about 1e-6 here) never
 * reaches. Batched matmul is exempt: an engine may keep attention products in fp32.
 */
public final class PrecisionChecks {
    static final double BF16_REL = 1.0 / 128;
    static final double BF16_ATOL = 1e-6;
    static final double IN_EFFECT = 1.0 / 16384;

    private PrecisionChecks() {
    }

    /** One product per network: {@code y = a x b} for the op, inputs {@code a} and {@code b}. */
    enum Product { MATMUL, BATCH_MATMUL, CONV2D }

    private static Network product(Product p) {
        NetworkBuilder b = new NetworkBuilder();
        Node y;
        switch (p) {
            case MATMUL -> y = b.matmul(b.input("a", DType.FLOAT32, 16, 96), b.param("w", Initializer.zeros(), 96, 24));
            case BATCH_MATMUL -> y = b.batchMatmul(b.input("a", DType.FLOAT32, 2, 3, 16, 32), b.input("b", DType.FLOAT32, 2, 3, 32, 20),
                    false, false);
            default -> y = b.conv2d(b.input("a", DType.FLOAT32, 2, 9, 9, 8), b.param("w", Initializer.zeros(), 3, 3, 8, 12),
                    new int[] {1, 1}, "SAME", new int[] {1, 1}, 1);
        }
        // a zero bias after the product, as in a dense or convolution layer: TensorFlow's rewrite keeps a fetched
        // node in its own type, so a product that is itself the output would stay fp32
        long[] shape = y.shape().dims();
        b.output("y", b.add(y, b.param("bias", Initializer.zeros(), shape[shape.length - 1])));
        return b.build();
    }

    /** Checks one product in bf16 against fp32 within the bound above; returns the largest error relative to S. */
    public static double productStaysWithinBf16Bound(Engine fp32, Engine bf16, String product) {
        Product p = Product.valueOf(product);
        Network net = product(p);
        SplittableRandom r = new SplittableRandom(31 + p.ordinal());
        Map<String, HostTensor> feeds = new java.util.LinkedHashMap<>();
        Map<String, HostTensor> absFeeds = new java.util.LinkedHashMap<>();
        Map<String, HostTensor> params = new java.util.LinkedHashMap<>();
        Map<String, HostTensor> absParams = new java.util.LinkedHashMap<>();
        for (String in : net.inputs().keySet()) {
            HostTensor t = gaussian(r, net.input(in).shape().dims());
            feeds.put(in, t);
            absFeeds.put(in, abs(t));
        }
        for (var ps : net.params().values()) {
            if (ps.name().endsWith("bias")) {
                continue;
            }
            HostTensor t = gaussian(r, ps.shape().dims());
            params.put(ps.name(), t);
            absParams.put(ps.name(), abs(t));
        }
        float[] want;
        float[] bound;
        float[] got;
        try (CompiledModel m = fp32.compile(net, 1, params)) {
            want = m.predict(feeds, "y").floats();
            m.setParameters(absParams);
            bound = m.predict(absFeeds, "y").floats();
        }
        try (CompiledModel m = bf16.compile(net, 1, params)) {
            got = m.predict(feeds, "y").floats();
        }
        double worst = compare(p + " in bf16 vs fp32", want, got, bound);
        if (p != Product.BATCH_MATMUL) {
            Check.isTrue(worst > IN_EFFECT, p + ": bf16 result equals fp32 to " + worst + " of sum |a||b| (< 2^-14): "
                    + "precision=bf16 is not in effect for this op");
        }
        return worst;
    }

    /**
     * A dense layer's weight gradient in bf16 against fp32: read back from one SGD step with learning
     * rate 1 on {@code loss = sum(x W * v)}, whose gradient is {@code x^T v}; bound {@code |x|^T |v|}.
     */
    public static void denseGradientStaysWithinBf16Bound(Engine fp32, Engine bf16) {
        int n = 32;
        int k = 64;
        int m = 16;
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, n, k);
        Node v = b.input("v", DType.FLOAT32, n, m);
        Node y = b.add(b.matmul(x, b.param("w", Initializer.zeros(), k, m)), b.param("bias", Initializer.zeros(), m));
        b.output("y", y);
        b.loss("loss", b.sum(b.mul(y, v), false, 0, 1));
        Network net = b.build();
        SplittableRandom r = new SplittableRandom(41);
        HostTensor xs = gaussian(r, n, k);
        HostTensor vs = gaussian(r, n, m);
        HostTensor w0 = gaussian(r, k, m);
        float[] gx = xs.floats();
        float[] gv = vs.floats();
        float[] bound = new float[k * m];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    s += Math.abs(gx[t * k + i]) * Math.abs(gv[t * m + j]);
                }
                bound[i * m + j] = (float) s;
            }
        }
        float[] want = sgdGradient(fp32, net, w0, Map.of("x", xs, "v", vs));
        float[] got = sgdGradient(bf16, net, w0, Map.of("x", xs, "v", vs));
        compare("dense weight gradient in bf16 vs fp32", want, got, bound);
    }

    private static float[] sgdGradient(Engine e, Network net, HostTensor w0, Map<String, HostTensor> batch) {
        try (CompiledModel m = e.compile(net, 1, Map.of("w", w0, "bias", HostTensor.zeros(DType.FLOAT32, dev.graft.engine.spi.Shape.of(16))))) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1.0)));
            m.trainStep(batch);
            float[] before = w0.floats();
            float[] after = m.parameter("w").floats();
            float[] g = new float[before.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = before[i] - after[i];
            }
            return g;
        }
    }

    /** After bf16 training, every parameter and optimizer slot is still fp32 (what is saved and exported). */
    public static void storedStateStaysFp32(Engine bf16) {
        Network net = TrainingChecks.mlp();
        SplittableRandom r = new SplittableRandom(7);
        TrainingChecks.Data d = TrainingChecks.xor(r, 64);
        try (CompiledModel m = bf16.compile(net, 3)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.01)));
            m.trainStep(d.batch(0, 64));
            m.parameters().forEach((name, t) -> Check.isTrue(t.dtype() == DType.FLOAT32,
                    "parameter '" + name + "' is " + t.dtype() + " after a bf16 step; stored state must stay float32"));
            m.optimizerState().forEach((name, t) -> Check.isTrue(t.dtype() == DType.FLOAT32,
                    "optimizer slot '" + name + "' is " + t.dtype() + " after a bf16 step; it must stay float32"));
        }
    }

    private static double compare(String what, float[] want, float[] got, float[] bound) {
        Check.isTrue(want.length == got.length, what + ": " + got.length + " values, expected " + want.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double diff = Math.abs(got[i] - want[i]);
            double allowed = BF16_REL * bound[i] + BF16_ATOL;
            if (!(diff <= allowed)) {
                throw new AssertionError(String.format("%s: element %d is %.8g, fp32 %.8g (|diff| %.3g > 2^-7 * sum|a||b| %.3g + %.0e)",
                        what, i, got[i], want[i], diff, BF16_REL * bound[i], BF16_ATOL));
            }
            if (bound[i] > 0) {
                worst = Math.max(worst, diff / bound[i]);
            }
        }
        return worst;
    }

    private static HostTensor gaussian(SplittableRandom r, long... shape) {
        long size = 1;
        for (long s : shape) {
            size *= s;
        }
        float[] v = new float[(int) size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Arr.gaussian(r);
        }
        return HostTensor.of(v, shape);
    }

    private static HostTensor abs(HostTensor t) {
        float[] v = t.floats();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return HostTensor.of(v, t.shape().dims());
    }
}
