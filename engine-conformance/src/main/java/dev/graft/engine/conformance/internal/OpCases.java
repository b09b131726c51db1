package dev.graft.engine.conformance.internal;

import dev.graft.engine.conformance.internal.OpCase.Operand;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The op configurations every engine must compute like the reference: every {@link Op} of the
 * set, with the attribute variants that change the arithmetic. Inputs are small and random but
 * chosen away from kinks (relu at 0, ties in max) so that finite differences are meaningful.
 */
public final class OpCases {
    private final SplittableRandom r;
    private final List<OpCase> cases = new ArrayList<>();

    private OpCases(long seed) {
        this.r = new SplittableRandom(seed);
    }

    /** Every case, from a fixed seed. */
    public static List<OpCase> all() {
        OpCases c = new OpCases(20261123L);
        c.linear();
        c.convolutions();
        c.pools();
        c.normalisation();
        c.elementwise();
        c.shapes();
        c.losses();
        return List.copyOf(c.cases);
    }

    /** The ops covered by {@link #all()} (a test asserts that this is every op). */
    public static java.util.Set<Op> coveredOps() {
        java.util.EnumSet<Op> s = java.util.EnumSet.of(Op.INPUT, Op.PARAM, Op.SCALAR, Op.DROPOUT);
        for (OpCase oc : all()) {
            s.add(Op.valueOf(oc.name().split("[ (]")[0].toUpperCase()));
        }
        return s;
    }

    private Operand p(String name, Arr v) {
        return new Operand(name, DType.FLOAT32, v.roundToFloat(), OpCase.Role.TRAINABLE);
    }

    private Operand fixed(String name, DType t, Arr v) {
        return new Operand(name, t, v.roundToFloat(), OpCase.Role.INPUT);
    }

    private Operand state(String name, Arr v) {
        return new Operand(name, DType.FLOAT32, v.roundToFloat(), OpCase.Role.STATE);
    }

    private Arr randn(int... s) {
        return Arr.randn(r, s);
    }

    private void add(String name, OpCase.Builder b, Function<List<Arr>, Arr> ref, Operand... ops) {
        cases.add(new OpCase(name, List.of(ops), b, ref));
    }

    private void linear() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                add("matmul (transposeA=" + ta + ", transposeB=" + tb + ")", (b, in) -> b.matmul(in.get(0), in.get(1), ta, tb),
                        x -> Reference.matmul(x.get(0), x.get(1), ta, tb),
                        p("a", ta ? randn(4, 3) : randn(3, 4)), p("b", tb ? randn(5, 4) : randn(4, 5)));
            }
        }
        add("batch_matmul (rank 3)", (b, in) -> b.batchMatmul(in.get(0), in.get(1), false, false),
                x -> Reference.batchMatmul(x.get(0), x.get(1), false, false), p("a", randn(2, 3, 4)), p("b", randn(2, 4, 2)));
        add("batch_matmul (rank 4, adjointA, adjointB)", (b, in) -> b.batchMatmul(in.get(0), in.get(1), true, true),
                x -> Reference.batchMatmul(x.get(0), x.get(1), true, true), p("a", randn(2, 2, 4, 3)), p("b", randn(2, 2, 2, 4)));
        add("batch_matmul (adjointB, attention-like)", (b, in) -> b.batchMatmul(in.get(0), in.get(1), false, true),
                x -> Reference.batchMatmul(x.get(0), x.get(1), false, true), p("q", randn(2, 4, 3)), p("k", randn(2, 4, 3)));
    }

    private void conv(String label, int[] xs, int[] ks, int[] s, String padding, int[] pads, int[] d, int groups) {
        Operand x = p("x", randn(xs));
        Operand k = p("kernel", Reference.map(randn(ks), v -> v * 0.5));
        add("conv2d (" + label + ")", (b, in) -> pads == null ? b.conv2d(in.get(0), in.get(1), s, padding, d, groups)
                        : b.conv2d(in.get(0), in.get(1), s, pads, d, groups),
                a -> Reference.conv2d(a.get(0), a.get(1), s, padding, pads, d, groups), x, k);
    }

    private void convolutions() {
        int[] one = {1, 1};
        conv("3x3 VALID stride 1", new int[] {2, 5, 5, 2}, new int[] {3, 3, 2, 3}, one, "VALID", null, one, 1);
        conv("3x3 SAME stride 2, odd input", new int[] {1, 5, 6, 2}, new int[] {3, 3, 2, 2}, new int[] {2, 2}, "SAME", null, one, 1);
        conv("2x2 SAME stride 1, even kernel", new int[] {1, 4, 4, 1}, new int[] {2, 2, 1, 2}, one, "SAME", null, one, 1);
        conv("3x2 EXPLICIT pads 1,0,2,1 stride 1x2", new int[] {1, 4, 5, 2}, new int[] {3, 2, 2, 2}, new int[] {1, 2},
                "EXPLICIT", new int[] {1, 0, 2, 1}, one, 1);
        conv("3x3 SAME dilation 2", new int[] {1, 6, 6, 1}, new int[] {3, 3, 1, 2}, one, "SAME", null, new int[] {2, 2}, 1);
        conv("3x3 VALID dilation 2x1", new int[] {1, 6, 5, 2}, new int[] {3, 3, 2, 1}, one, "VALID", null, new int[] {2, 1}, 1);
        conv("groups 2", new int[] {1, 4, 4, 4}, new int[] {3, 3, 2, 4}, one, "SAME", null, one, 2);
        conv("depthwise, multiplier 2", new int[] {1, 4, 4, 3}, new int[] {3, 3, 1, 6}, one, "SAME", null, one, 3);
        // pointwise (1x1) convolutions, as in ResNet bottlenecks and their stride-2 shortcuts
        conv("1x1 VALID stride 1", new int[] {2, 3, 4, 3}, new int[] {1, 1, 3, 5}, one, "VALID", null, one, 1);
        conv("1x1 SAME stride 2, odd input", new int[] {2, 5, 3, 2}, new int[] {1, 1, 2, 3}, new int[] {2, 2}, "SAME", null, one, 1);
        conv("1x1 VALID stride 2, even input", new int[] {1, 4, 6, 3}, new int[] {1, 1, 3, 2}, new int[] {2, 2}, "VALID", null, one, 1);
        conv("depthwise stride 2 VALID", new int[] {1, 5, 5, 2}, new int[] {3, 3, 1, 2}, new int[] {2, 2}, "VALID", null, one, 2);
    }

    private void pools() {
        for (boolean max : new boolean[] {true, false}) {
            String op = max ? "max_pool" : "avg_pool";
            addPool(op + " (2x2 stride 2 SAME, odd input)", max, new int[] {1, 5, 5, 2}, new int[] {2, 2}, new int[] {2, 2}, "SAME");
            addPool(op + " (3x3 stride 2 SAME)", max, new int[] {2, 5, 4, 1}, new int[] {3, 3}, new int[] {2, 2}, "SAME");
            addPool(op + " (3x2 stride 1x2 VALID)", max, new int[] {1, 5, 5, 2}, new int[] {3, 2}, new int[] {1, 2}, "VALID");
        }
        add("global_avg_pool", (b, in) -> b.globalAvgPool(in.get(0)), x -> Reference.globalPool(x.get(0), false), p("x", randn(2, 3, 3, 2)));
        add("global_max_pool", (b, in) -> b.globalMaxPool(in.get(0)), x -> Reference.globalPool(x.get(0), true),
                p("x", Arr.distinct(r, 0.05, 2, 3, 3, 2)));
    }

    private void addPool(String name, boolean max, int[] xs, int[] w, int[] s, String padding) {
        add(name, (b, in) -> max ? b.maxPool(in.get(0), w, s, padding) : b.avgPool(in.get(0), w, s, padding),
                x -> Reference.pool(x.get(0), w, s, padding, max), p("x", max ? Arr.distinct(r, 0.05, xs) : randn(xs)));
    }

    private void normalisation() {
        for (int[] xs : new int[][] {{2, 3, 3, 3}, {5, 3}}) {
            Arr mm = randn(3);
            Arr mv = Arr.uniform(r, 0.5, 2, 3);
            add("batch_norm (inference, rank " + xs.length + ")", (b, in) -> b.batchNorm(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), 1e-3, 0.9),
                    x -> Reference.batchNormInference(x.get(0), x.get(1), x.get(2), x.get(3), x.get(4), 1e-3),
                    p("x", randn(xs)), p("gamma", Arr.uniform(r, 0.5, 1.5, 3)), p("beta", randn(3)),
                    state("moving_mean", mm), state("moving_variance", mv));
        }
        add("layer_norm", (b, in) -> b.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5),
                x -> Reference.layerNorm(x.get(0), x.get(1), x.get(2), 1e-5),
                p("x", randn(2, 3, 5)), p("gamma", Arr.uniform(r, 0.5, 1.5, 5)), p("beta", randn(5)));
        double[] ids = {0, 3, 6, 3, 1, 0};
        add("embedding", (b, in) -> b.embedding(in.get(0), in.get(1)), x -> Reference.embedding(x.get(0), x.get(1)),
                p("table", randn(7, 4)), fixed("ids", DType.INT32, Arr.of(ids, 2, 3)));
    }

    private void binary(String op, int[] sa, int[] sb, boolean divisor) {
        Arr bv = divisor ? Reference.map(Arr.uniform(r, 0.5, 2, sb), v -> r.nextBoolean() ? v : -v) : randn(sb);
        add(op + " (" + Arrays.toString(sa) + " with " + Arrays.toString(sb) + ")",
                (b, in) -> b.op(Op.valueOf(op.toUpperCase()), dev.graft.engine.spi.graph.Attrs.empty(), in.get(0), in.get(1)),
                x -> Reference.broadcast(x.get(0), x.get(1), switch (op) {
                    case "add" -> Double::sum;
                    case "sub" -> (u, v) -> u - v;
                    case "mul" -> (u, v) -> u * v;
                    default -> (u, v) -> u / v;
                }), p("a", randn(sa)), p("b", bv));
    }

    private void elementwise() {
        for (String op : new String[] {"add", "sub", "mul", "div"}) {
            binary(op, new int[] {2, 3, 4}, new int[] {4}, op.equals("div"));
            binary(op, new int[] {2, 1, 4}, new int[] {3, 1}, op.equals("div"));
        }
        binary("add", new int[] {3, 2}, new int[] {3, 2}, false);
        // a dense layer's bias after a matrix product, then GELU: engines may fuse the three (TensorFlow's oneDNN remapper does)
        add("add (bias of a matmul, then gelu)", (b, in) -> b.gelu(b.add(b.matmul(in.get(0), in.get(1)), in.get(2))),
                x -> Reference.map(Reference.broadcast(Reference.matmul(x.get(0), x.get(1), false, false), x.get(2), Double::sum),
                        Reference::gelu), p("x", randn(3, 4)), p("kernel", randn(4, 5)), p("bias", randn(5)));
        // BERT's query, key and value projection: one product by the kernels concatenated along their columns, plus the
        // biases concatenated; engines may take it as the products by each part (both engines here do)
        add("matmul by concatenated kernels, plus concatenated biases", (b, in) -> b.add(b.matmul(in.get(0),
                        b.concat(1, in.get(1), in.get(2), in.get(3))), b.concat(0, in.get(4), in.get(5), in.get(6))),
                x -> Reference.broadcast(Reference.matmul(x.get(0), Reference.concat(1, x.get(1), x.get(2), x.get(3)), false, false),
                        Reference.concat(0, x.get(4), x.get(5), x.get(6)), Double::sum),
                p("x", randn(3, 4)), p("query", randn(4, 2)), p("key", randn(4, 3)), p("value", randn(4, 2)),
                p("query_bias", randn(2)), p("key_bias", randn(3)), p("value_bias", randn(2)));
        add("matmul by concatenated kernels (axis -1), no bias", (b, in) -> b.matmul(in.get(0), b.concat(-1, in.get(1), in.get(2))),
                x -> Reference.matmul(x.get(0), Reference.concat(1, x.get(1), x.get(2)), false, false),
                p("x", randn(3, 4)), p("query", randn(4, 2)), p("key", randn(4, 3)));
        add("relu", (b, in) -> b.relu(in.get(0)), x -> Reference.map(x.get(0), v -> Math.max(0, v)), p("x", Arr.awayFromZero(r, 0.05, 3, 4)));
        add("gelu", (b, in) -> b.gelu(in.get(0)), x -> Reference.map(x.get(0), Reference::gelu),
                p("x", Reference.map(randn(3, 5), v -> 2 * v)));
        add("gelu_tanh", (b, in) -> b.geluTanh(in.get(0)), x -> Reference.map(x.get(0), Reference::geluTanh),
                p("x", Reference.map(randn(3, 5), v -> 2 * v)));
        // after a dense layer's bias, as in BERT's feed-forward block
        add("gelu_tanh (after a matmul with bias)", (b, in) -> b.geluTanh(b.add(b.matmul(in.get(0), in.get(1)), in.get(2))),
                x -> Reference.map(Reference.broadcast(Reference.matmul(x.get(0), x.get(1), false, false), x.get(2), Double::sum),
                        Reference::geluTanh), p("x", randn(3, 4)), p("kernel", randn(4, 5)), p("bias", randn(5)));
        add("tanh", (b, in) -> b.tanh(in.get(0)), x -> Reference.map(x.get(0), Math::tanh), p("x", randn(3, 4)));
        add("sigmoid", (b, in) -> b.sigmoid(in.get(0)), x -> Reference.map(x.get(0), Reference::sigmoid), p("x", randn(3, 4)));
        int[][] axes = {{-1}, {1}, {0}};
        for (int[] ax : axes) {
            int a = ax[0];
            add("softmax (axis " + a + ")", (b, in) -> b.softmax(in.get(0), a), x -> Reference.softmax(x.get(0), a, false), p("x", randn(2, 3, 4)));
            add("log_softmax (axis " + a + ")", (b, in) -> b.logSoftmax(in.get(0), a), x -> Reference.softmax(x.get(0), a, true),
                    p("x", randn(2, 3, 4)));
        }
        add("dropout (inference is identity)", (b, in) -> b.dropout(in.get(0), 0.5), x -> x.get(0), fixed("x", DType.FLOAT32, randn(3, 4)));
    }

    private void shapes() {
        add("reshape ([2,3,4] to [6,-1])", (b, in) -> b.reshape(in.get(0), 6, -1), x -> Reference.reshape(x.get(0), 6, -1), p("x", randn(2, 3, 4)));
        add("reshape_like (rows [6,4] to the reference's [2,3] + [2,2])", (b, in) -> b.reshapeLike(in.get(0), in.get(1), 2, 2, 2),
                x -> Reference.reshape(x.get(0), 2, 3, 2, 2), p("x", randn(6, 4)), fixed("like", DType.INT32, Arr.zeros(2, 3)));
        add("reshape_like (leading 1 of a float reference, shape [1,-1])", (b, in) -> b.reshapeLike(in.get(0), in.get(1), 1, 1, -1),
                x -> Reference.reshape(x.get(0), 3, 1, 4), p("x", randn(3, 4)), fixed("like", DType.FLOAT32, randn(3, 2)));
        add("cumsum (axis 1, inclusive)", (b, in) -> b.cumsum(in.get(0), 1, false),
                x -> Reference.cumsum(x.get(0), 1, false), p("x", randn(2, 4, 3)));
        add("cumsum (axis 0, exclusive)", (b, in) -> b.cumsum(in.get(0), 0, true),
                x -> Reference.cumsum(x.get(0), 0, true), p("x", randn(4, 3)));
        add("cumsum (axis -1, exclusive, counts a 0/1 mask)", (b, in) -> b.cumsum(in.get(0), -1, true),
                x -> Reference.cumsum(x.get(0), -1, true),
                fixed("mask", DType.FLOAT32, Arr.of(new double[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, 2, 5)));
        add("transpose (perm 2,0,1)", (b, in) -> b.transpose(in.get(0), 2, 0, 1), x -> Reference.transpose(x.get(0), 2, 0, 1), p("x", randn(2, 3, 4)));
        add("concat (axis 1, three operands)", (b, in) -> b.concat(1, in.get(0), in.get(1), in.get(2)),
                x -> Reference.concat(1, x.get(0), x.get(1), x.get(2)), p("a", randn(2, 3, 2)), p("b", randn(2, 1, 2)), p("c", randn(2, 2, 2)));
        add("concat (axis -1)", (b, in) -> b.concat(-1, in.get(0), in.get(1)), x -> Reference.concat(1, x.get(0), x.get(1)),
                p("a", randn(2, 3)), p("b", randn(2, 2)));
        add("slice (begin 0,1,1 size 2,-1,2)", (b, in) -> b.slice(in.get(0), new long[] {0, 1, 1}, new long[] {2, -1, 2}),
                x -> Reference.slice(x.get(0), new int[] {0, 1, 1}, new int[] {2, -1, 2}), p("x", randn(3, 3, 4)));
        add("pad (1,0 / 0,2 value 0.5)", (b, in) -> b.pad(in.get(0), new long[] {1, 0, 0, 2}, 0.5),
                x -> Reference.pad(x.get(0), new int[] {1, 0, 0, 2}, 0.5), p("x", randn(2, 3)));
        add("mean (axes 0,2)", (b, in) -> b.mean(in.get(0), false, 0, 2),
                x -> Reference.reduce(x.get(0), new int[] {0, 2}, false, Reference.Reduce.MEAN), p("x", randn(2, 3, 4)));
        add("mean (axis -1, keepDims)", (b, in) -> b.mean(in.get(0), true, -1),
                x -> Reference.reduce(x.get(0), new int[] {-1}, true, Reference.Reduce.MEAN), p("x", randn(2, 3, 4)));
        add("sum (axis 1)", (b, in) -> b.sum(in.get(0), false, 1),
                x -> Reference.reduce(x.get(0), new int[] {1}, false, Reference.Reduce.SUM), p("x", randn(2, 3, 4)));
        add("sum (axes 0,1, keepDims)", (b, in) -> b.sum(in.get(0), true, 0, 1),
                x -> Reference.reduce(x.get(0), new int[] {0, 1}, true, Reference.Reduce.SUM), p("x", randn(2, 3)));
        add("cast (float to int truncates toward zero)", (b, in) -> b.cast(in.get(0), DType.INT32),
                x -> Reference.map(x.get(0), v -> (double) (long) v),
                fixed("x", DType.FLOAT32, Arr.of(new double[] {2.75, -1.5, 0.25, -0.75, 7, -3.25}, 2, 3)));
        add("cast (int to float)", (b, in) -> b.cast(in.get(0), DType.FLOAT32), x -> x.get(0),
                fixed("x", DType.INT32, Arr.of(new double[] {3, -2, 0, 1 << 20}, 4)));
    }

    private void losses() {
        Arr logits = randn(4, 5);
        add("softmax_cross_entropy (int labels)", (b, in) -> b.softmaxCrossEntropy(in.get(0), in.get(1)),
                x -> Reference.scalar(Reference.softmaxCrossEntropy(x.get(0), x.get(1), true)),
                p("logits", logits), fixed("labels", DType.INT32, Arr.of(new double[] {2, 0, 4, 2}, 4)));
        Arr onehot = Arr.zeros(4, 5);
        int[] cls = {1, 3, 0, 4};
        for (int i = 0; i < 4; i++) {
            onehot.set(1, i, cls[i]);
        }
        add("softmax_cross_entropy (one-hot labels)", (b, in) -> b.softmaxCrossEntropy(in.get(0), in.get(1)),
                x -> Reference.scalar(Reference.softmaxCrossEntropy(x.get(0), x.get(1), false)),
                p("logits", randn(4, 5)), fixed("labels", DType.FLOAT32, onehot));
        Arr soft = Reference.softmax(randn(3, 4), 1, false);
        add("softmax_cross_entropy (soft labels)", (b, in) -> b.softmaxCrossEntropy(in.get(0), in.get(1)),
                x -> Reference.scalar(Reference.softmaxCrossEntropy(x.get(0), x.get(1), false)),
                p("logits", randn(3, 4)), fixed("labels", DType.FLOAT32, soft));
        add("binary_cross_entropy", (b, in) -> b.binaryCrossEntropy(in.get(0), in.get(1)),
                x -> Reference.scalar(Reference.binaryCrossEntropy(x.get(0), x.get(1))),
                p("logits", Reference.map(Arr.awayFromZero(r, 0.05, 3, 4), v -> 2 * v)),
                fixed("targets", DType.FLOAT32, Arr.uniform(r, 0, 1, 3, 4)));
        add("mean_squared_error", (b, in) -> b.meanSquaredError(in.get(0), in.get(1)),
                x -> Reference.scalar(Reference.meanSquaredError(x.get(0), x.get(1))),
                p("predictions", randn(3, 4)), fixed("targets", DType.FLOAT32, randn(3, 4)));
    }
}
