package dev.graft.engine.spi.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Attrs;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.util.Arrays;
import java.util.List;

/** Infers and checks each op's output shape and type when it is defined. */
public final class ShapeInference {
    private ShapeInference() {
    }

    /** Output shape and dtype of {@code op} on {@code in}, or a DefinitionException naming {@code layer}. */
    public static Result infer(String layer, Op op, Attrs a, List<Node> in) {
        try {
            return doInfer(layer, op, a, in);
        } catch (DefinitionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DefinitionException(layer, op + ": " + e.getMessage());
        }
    }

    /** An inferred output. */
    public record Result(Shape shape, DType dtype) {
    }

    private static Result doInfer(String layer, Op op, Attrs a, List<Node> in) {
        switch (op) {
            case MATMUL -> {
                Shape x = floatRank(layer, op, in.get(0), 2, "a");
                Shape w = floatRank(layer, op, in.get(1), 2, "b");
                long k1 = a.getBool("transposeA", false) ? x.dim(0) : x.dim(1);
                long k2 = a.getBool("transposeB", false) ? w.dim(1) : w.dim(0);
                check(layer, compatible(k1, k2), "matmul inner dimensions differ: a " + x + ", b " + w);
                return f(Shape.of(a.getBool("transposeA", false) ? x.dim(1) : x.dim(0),
                        a.getBool("transposeB", false) ? w.dim(0) : w.dim(1)));
            }
            case BATCH_MATMUL -> {
                Shape x = in.get(0).shape();
                Shape y = in.get(1).shape();
                check(layer, x.rank() >= 3 && x.rank() == y.rank(), "batch matmul needs equal ranks >= 3, got " + x + " and " + y);
                long[] out = x.dims();
                for (int i = 0; i < x.rank() - 2; i++) {
                    check(layer, compatible(x.dim(i), y.dim(i)), "batch dimensions differ: " + x + " vs " + y);
                    out[i] = x.dim(i) >= 0 ? x.dim(i) : y.dim(i);
                }
                boolean ta = a.getBool("adjointA", false);
                boolean tb = a.getBool("adjointB", false);
                long k1 = ta ? x.dim(-2) : x.dim(-1);
                long k2 = tb ? y.dim(-1) : y.dim(-2);
                check(layer, compatible(k1, k2), "batch matmul inner dimensions differ: " + x + " vs " + y);
                out[out.length - 2] = ta ? x.dim(-1) : x.dim(-2);
                out[out.length - 1] = tb ? y.dim(-2) : y.dim(-1);
                return f(Shape.of(out));
            }
            case CONV2D -> {
                Shape x = floatRank(layer, op, in.get(0), 4, "input");
                Shape k = floatRank(layer, op, in.get(1), 4, "kernel");
                long groups = a.getLong("groups");
                check(layer, groups >= 1, "groups must be >= 1");
                if (x.dim(3) >= 0) {
                    check(layer, x.dim(3) % groups == 0, "input channels " + x.dim(3) + " not divisible by groups " + groups);
                    check(layer, x.dim(3) / groups == k.dim(2), "input channels " + x.dim(3) + " (groups " + groups
                            + ") do not match kernel in-channels " + k.dim(2) + ": input " + x + ", kernel " + k);
                }
                check(layer, k.dim(3) % groups == 0, "kernel out-channels " + k.dim(3) + " not divisible by groups " + groups);
                long[] s = a.getLongs("strides");
                long[] d = a.getLongs("dilations");
                long h = spatial(x.dim(1), k.dim(0), s[0], d[0], a, 0);
                long w = spatial(x.dim(2), k.dim(1), s[1], d[1], a, 2);
                check(layer, h != 0 && w != 0, "kernel " + k + " larger than input " + x);
                return f(Shape.of(x.dim(0), h, w, k.dim(3)));
            }
            case MAX_POOL, AVG_POOL -> {
                Shape x = floatRank(layer, op, in.get(0), 4, "input");
                long[] win = a.getLongs("window");
                long[] s = a.getLongs("strides");
                long h = spatial(x.dim(1), win[0], s[0], 1, a, 0);
                long w = spatial(x.dim(2), win[1], s[1], 1, a, 2);
                check(layer, h != 0 && w != 0, "window larger than input " + x);
                return f(Shape.of(x.dim(0), h, w, x.dim(3)));
            }
            case GLOBAL_AVG_POOL, GLOBAL_MAX_POOL -> {
                Shape x = floatRank(layer, op, in.get(0), 4, "input");
                return f(Shape.of(x.dim(0), x.dim(3)));
            }
            case BATCH_NORM -> {
                Shape x = in.get(0).shape();
                check(layer, x.rank() == 2 || x.rank() == 4, "batch norm needs [N,C] or NHWC input, got " + x);
                for (int i = 1; i < 5; i++) {
                    Shape p = in.get(i).shape();
                    check(layer, p.rank() == 1 && compatible(p.dim(0), x.dim(-1)),
                            "batch norm parameter " + in.get(i).name() + " " + p + " does not match channels of " + x);
                }
                return f(x);
            }
            case LAYER_NORM -> {
                Shape x = in.get(0).shape();
                for (int i = 1; i < 3; i++) {
                    Shape p = in.get(i).shape();
                    check(layer, p.rank() == 1 && compatible(p.dim(0), x.dim(-1)),
                            "layer norm parameter " + in.get(i).name() + " " + p + " does not match last axis of " + x);
                }
                return f(x);
            }
            case EMBEDDING -> {
                Shape t = floatRank(layer, op, in.get(0), 2, "table");
                check(layer, in.get(1).dtype() == DType.INT32, "embedding ids must be INT32");
                long[] ids = in.get(1).shape().dims();
                long[] out = Arrays.copyOf(ids, ids.length + 1);
                out[ids.length] = t.dim(1);
                return f(Shape.of(out));
            }
            case ADD, SUB, MUL, DIV -> {
                check(layer, in.get(0).dtype() == in.get(1).dtype(), "operand types differ: "
                        + in.get(0).dtype() + " vs " + in.get(1).dtype());
                return new Result(broadcast(layer, in.get(0).shape(), in.get(1).shape()), in.get(0).dtype());
            }
            case RELU, GELU, GELU_TANH, TANH, SIGMOID, DROPOUT -> {
                requireFloat(layer, in.get(0));
                if (op == Op.DROPOUT) {
                    double r = a.getDouble("rate");
                    check(layer, r >= 0 && r < 1, "dropout rate must be in [0, 1), got " + r);
                }
                return f(in.get(0).shape());
            }
            case SOFTMAX, LOG_SOFTMAX -> {
                requireFloat(layer, in.get(0));
                axis(layer, a.getLong("axis"), in.get(0).shape().rank());
                return f(in.get(0).shape());
            }
            case RESHAPE -> {
                return new Result(reshape(layer, in.get(0).shape(), a.getLongs("shape")), in.get(0).dtype());
            }
            case RESHAPE_LIKE -> {
                return new Result(reshapeLike(layer, in.get(0).shape(), in.get(1).shape(), a), in.get(0).dtype());
            }
            case CUMSUM -> {
                requireFloat(layer, in.get(0));
                axis(layer, a.getLong("axis"), in.get(0).shape().rank());
                return f(in.get(0).shape());
            }
            case TRANSPOSE -> {
                Shape x = in.get(0).shape();
                int[] perm = a.getInts("perm");
                check(layer, perm.length == x.rank(), "perm " + Arrays.toString(perm) + " does not fit rank of " + x);
                boolean[] used = new boolean[perm.length];
                long[] out = new long[perm.length];
                for (int i = 0; i < perm.length; i++) {
                    check(layer, perm[i] >= 0 && perm[i] < perm.length && !used[perm[i]], "invalid perm " + Arrays.toString(perm));
                    used[perm[i]] = true;
                    out[i] = x.dim(perm[i]);
                }
                return new Result(Shape.of(out), in.get(0).dtype());
            }
            case CONCAT -> {
                Shape first = in.get(0).shape();
                int ax = axis(layer, a.getLong("axis"), first.rank());
                long[] out = first.dims();
                for (int j = 1; j < in.size(); j++) {
                    Shape s = in.get(j).shape();
                    check(layer, s.rank() == first.rank() && in.get(j).dtype() == in.get(0).dtype(),
                            "concat operands differ in rank or type: " + first + " vs " + s);
                    for (int i = 0; i < s.rank(); i++) {
                        if (i == ax) {
                            out[i] = out[i] < 0 || s.dim(i) < 0 ? -1 : out[i] + s.dim(i);
                        } else {
                            check(layer, compatible(out[i], s.dim(i)), "concat operands differ off axis " + ax + ": " + first + " vs " + s);
                        }
                    }
                }
                return new Result(Shape.of(out), in.get(0).dtype());
            }
            case SLICE -> {
                Shape x = in.get(0).shape();
                long[] b = a.getLongs("begin");
                long[] sz = a.getLongs("size");
                check(layer, b.length == x.rank() && sz.length == x.rank(), "begin/size must have rank " + x.rank());
                long[] out = new long[x.rank()];
                for (int i = 0; i < out.length; i++) {
                    check(layer, b[i] >= 0, "negative begin");
                    if (sz[i] == -1) {
                        out[i] = x.dim(i) < 0 ? -1 : x.dim(i) - b[i];
                    } else {
                        out[i] = sz[i];
                    }
                    check(layer, x.dim(i) < 0 || b[i] + out[i] <= x.dim(i), "slice " + Arrays.toString(b) + "+"
                            + Arrays.toString(sz) + " exceeds input " + x);
                }
                return new Result(Shape.of(out), in.get(0).dtype());
            }
            case PAD -> {
                Shape x = in.get(0).shape();
                long[] p = a.getLongs("paddings");
                check(layer, p.length == 2 * x.rank(), "paddings need 2 per axis of " + x);
                long[] out = x.dims();
                for (int i = 0; i < out.length; i++) {
                    check(layer, p[2 * i] >= 0 && p[2 * i + 1] >= 0, "negative padding");
                    out[i] = out[i] < 0 ? -1 : out[i] + p[2 * i] + p[2 * i + 1];
                }
                return new Result(Shape.of(out), in.get(0).dtype());
            }
            case MEAN, SUM -> {
                Shape x = in.get(0).shape();
                boolean[] reduce = new boolean[x.rank()];
                for (long ax : a.getLongs("axes")) {
                    reduce[axis(layer, ax, x.rank())] = true;
                }
                boolean keep = a.getBool("keepDims");
                long[] out = new long[x.rank()];
                int n = 0;
                for (int i = 0; i < x.rank(); i++) {
                    if (!reduce[i]) {
                        out[n++] = x.dim(i);
                    } else if (keep) {
                        out[n++] = 1;
                    }
                }
                return new Result(Shape.of(Arrays.copyOf(out, n)), in.get(0).dtype());
            }
            case CAST -> {
                return new Result(in.get(0).shape(), DType.valueOf(a.getString("dtype")));
            }
            case SOFTMAX_CROSS_ENTROPY -> {
                Shape l = floatRank(layer, op, in.get(0), 2, "logits");
                Node labels = in.get(1);
                if (labels.dtype() == DType.INT32) {
                    check(layer, labels.shape().rank() == 1 && compatible(labels.shape().dim(0), l.dim(0)),
                            "integer labels must be [N] for logits " + l + ", got " + labels.shape());
                } else {
                    check(layer, labels.shape().rank() == 2 && compatible(labels.shape().dim(1), l.dim(1))
                            && compatible(labels.shape().dim(0), l.dim(0)),
                            "one-hot labels " + labels.shape() + " do not match logits " + l);
                }
                return f(Shape.scalar());
            }
            case BINARY_CROSS_ENTROPY, MEAN_SQUARED_ERROR -> {
                requireFloat(layer, in.get(0));
                requireFloat(layer, in.get(1));
                Shape p = in.get(0).shape();
                Shape t = in.get(1).shape();
                check(layer, p.rank() == t.rank(), "predictions " + p + " and targets " + t + " differ in rank");
                for (int i = 0; i < p.rank(); i++) {
                    check(layer, compatible(p.dim(i), t.dim(i)), "predictions " + p + " and targets " + t + " differ");
                }
                return f(Shape.scalar());
            }
            default -> throw new DefinitionException(layer, "op " + op + " has no shape rule");
        }
    }

    private static Result f(Shape s) {
        return new Result(s, DType.FLOAT32);
    }

    private static long spatial(long in, long k, long stride, long dil, Attrs a, int padIndex) {
        if (in < 0) {
            return -1;
        }
        long eff = (k - 1) * dil + 1;
        String padding = a.getString("padding");
        return switch (padding) {
            case "SAME" -> (in + stride - 1) / stride;
            case "VALID" -> in < eff ? 0 : (in - eff) / stride + 1;
            case "EXPLICIT" -> {
                long[] p = a.getLongs("pads");
                long padded = in + p[padIndex] + p[padIndex + 1];
                yield padded < eff ? 0 : (padded - eff) / stride + 1;
            }
            default -> throw new IllegalArgumentException("padding must be SAME, VALID or EXPLICIT, got " + padding);
        };
    }

    private static Shape reshape(String layer, Shape x, long[] target) {
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                check(layer, unknown < 0, "reshape target " + Arrays.toString(target) + " has more than one -1");
                unknown = i;
            } else {
                check(layer, target[i] >= 0, "invalid reshape target " + Arrays.toString(target));
                known *= target[i];
            }
        }
        if (x.isFullyKnown()) {
            long n = x.size();
            if (unknown >= 0) {
                check(layer, known > 0 && n % known == 0, "cannot reshape " + x + " to " + Arrays.toString(target));
                target = target.clone();
                target[unknown] = n / known;
            } else {
                check(layer, n == known, "cannot reshape " + x + " (" + n + " elements) to " + Arrays.toString(target));
            }
        } else {
            long knownIn = 1;
            for (long d : x.dims()) {
                knownIn *= d < 0 ? 1 : d;
            }
            check(layer, unknown >= 0, "reshape of " + x + " with an unknown dimension needs a -1 in the target");
            check(layer, known == 0 || knownIn % known == 0 || known % knownIn == 0,
                    "cannot reshape " + x + " to " + Arrays.toString(target));
        }
        return Shape.of(target);
    }

    /** like.shape[0:leading] ++ shape, checked against x's element count where both are known. */
    private static Shape reshapeLike(String layer, Shape x, Shape like, Attrs a) {
        long leading = a.getLong("leading");
        long[] tail = a.getLongs("shape");
        check(layer, leading >= 1 && leading <= like.rank(), "leading " + leading + " must be in [1, " + like.rank()
                + "] for reference " + like);
        long[] out = new long[(int) leading + tail.length];
        long known = 1;
        boolean unknown = false;
        int minusOnes = 0;
        for (int i = 0; i < leading; i++) {
            out[i] = like.dim(i);
            unknown |= out[i] < 0;
            known *= Math.max(out[i], 1);
        }
        for (int i = 0; i < tail.length; i++) {
            check(layer, tail[i] >= -1, "invalid reshape target " + Arrays.toString(tail));
            if (tail[i] == -1) {
                minusOnes++;
            } else {
                known *= tail[i];
            }
            out[(int) leading + i] = tail[i];
        }
        check(layer, minusOnes <= 1, "reshape target " + Arrays.toString(tail) + " has more than one -1");
        if (x.isFullyKnown() && !unknown) {
            long n = x.size();
            if (minusOnes == 1) {
                check(layer, known > 0 && n % known == 0, "cannot reshape " + x + " to " + like + "[0:" + leading + "] + "
                        + Arrays.toString(tail));
                for (int i = (int) leading; i < out.length; i++) {
                    out[i] = out[i] == -1 ? n / known : out[i];
                }
            } else {
                check(layer, n == known, "cannot reshape " + x + " (" + n + " elements) to " + like + "[0:" + leading + "] + "
                        + Arrays.toString(tail));
            }
        } else if (minusOnes == 0) {
            long knownIn = 1;
            for (long d : x.dims()) {
                knownIn *= d < 0 ? 1 : d;
            }
            long tailKnown = 1;
            for (long d : tail) {
                tailKnown *= d;
            }
            check(layer, tailKnown == 0 || knownIn % tailKnown == 0 || tailKnown % knownIn == 0,
                    "cannot reshape " + x + " to " + like + "[0:" + leading + "] + " + Arrays.toString(tail));
        }
        return Shape.of(out);
    }

    static Shape broadcast(String layer, Shape x, Shape y) {
        int r = Math.max(x.rank(), y.rank());
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long a = i < r - x.rank() ? 1 : x.dim(i - (r - x.rank()));
            long b = i < r - y.rank() ? 1 : y.dim(i - (r - y.rank()));
            if (a == b || b == 1) {
                out[i] = a;
            } else if (a == 1) {
                out[i] = b;
            } else if (a == -1 || b == -1) {
                out[i] = Math.max(a, b);
            } else {
                throw new DefinitionException(layer, "shapes " + x + " and " + y + " cannot be broadcast");
            }
        }
        return Shape.of(out);
    }

    private static int axis(String layer, long axis, int rank) {
        long ax = axis < 0 ? axis + rank : axis;
        check(layer, ax >= 0 && ax < rank, "axis " + axis + " out of range for rank " + rank);
        return (int) ax;
    }

    private static Shape floatRank(String layer, Op op, Node n, int rank, String what) {
        requireFloat(layer, n);
        check(layer, n.shape().rank() == rank, op.name().toLowerCase() + " " + what + " must have rank " + rank
                + ", got " + n.shape() + " from '" + n.name() + "'");
        return n.shape();
    }

    private static void requireFloat(String layer, Node n) {
        check(layer, n.dtype() == DType.FLOAT32, "'" + n.name() + "' is " + n.dtype() + ", FLOAT32 expected");
    }

    private static boolean compatible(long a, long b) {
        return a < 0 || b < 0 || a == b;
    }

    private static void check(String layer, boolean ok, String message) {
        if (!ok) {
            throw new DefinitionException(layer, message);
        }
    }
}
