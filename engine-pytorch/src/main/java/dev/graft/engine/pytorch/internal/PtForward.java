package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Attrs;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;

/**
 * Interprets a network definition on DJL PyTorch NDArrays, op by op, in the semantics Op.java
 * documents. Images stay NHWC between ops; convolutions, pooling and batch norm view them as NCHW
 * (a permutation that PyTorch treats as the channels-last memory format, so no copy is made) and
 * kernels HWIO as OIHW. Under a GradientCollector the same code is the training forward pass.
 */
final class PtForward {
    /** A BatchNorm layer's new moving statistics from a training forward pass. */
    record BnUpdate(String meanParam, String varParam, NDArray mean, NDArray variance) {
    }

    /** What one pass produced. */
    static final class Result {
        final NDArray[] values;
        final List<BnUpdate> bnUpdates = new ArrayList<>();

        Result(int n) {
            values = new NDArray[n];
        }
    }

    /** How a pass runs. */
    record Mode(boolean training, Predicate<String> batchStatistics, long seed, long step) {
        static final Mode INFERENCE = new Mode(false, name -> false, 0, 0);
    }

    private final Network net;
    private final PtGraphPlan plan;

    PtForward(Network net) {
        this.net = net;
        this.plan = new PtGraphPlan(net);
    }

    /** A pass that keeps every value until the scope closes (what a training step needs for its backward pass). */
    Result run(PtScope s, BitSet needed, Map<String, NDArray> inputs, Map<String, NDArray> params, Mode mode) {
        return run(s, needed, null, inputs, params, mode);
    }

    /**
     * A pass; with {@code keep} (the ids whose values the caller reads) and not training, each other value is
     * freed after its last use, and an add or multiply whose operand nobody else reads updates it in place, so
     * that the pass's native memory stays at a few layers' activations and is reused, not fresh.
     */
    Result run(PtScope s, BitSet needed, int[] keep, Map<String, NDArray> inputs, Map<String, NDArray> params, Mode mode) {
        Result r = new Result(net.nodes().size());
        Pass pass = keep == null || mode.training() ? null : new Pass(plan.uses(needed, keep), keep);
        for (Node n : net.nodes()) {
            if (!needed.get(n.id()) || plan.fusedAway(n.id())) {
                continue;
            }
            try {
                NDArray value = s.own(node(s, r, n, inputs, params, mode, pass));
                r.values[n.id()] = value;
                if (pass != null) {
                    pass.produced(n, value, r.values);
                    pass.consumed(s, n, r.values);
                }
            } catch (DefinitionException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DefinitionException(n.name(), "PyTorch could not run " + n.op() + ": " + e.getMessage());
            }
        }
        return r;
    }

    /** Bookkeeping of an inference pass that frees values after their last use. */
    private final class Pass {
        private final int[] uses;
        private final BitSet keep = new BitSet();
        private final Map<NDArray, int[]> refs = new IdentityHashMap<>();
        private final BitSet fresh = new BitSet();

        Pass(int[] uses, int[] keep) {
            this.uses = uses;
            for (int id : keep) {
                this.keep.set(id);
            }
        }

        void produced(Node n, NDArray value, NDArray[] values) {
            refs.computeIfAbsent(value, k -> new int[1])[0] += uses[n.id()];
            boolean alias = false;
            for (int in : n.inputs()) {
                alias |= values[in] == value;
            }
            if (PtGraphPlan.FRESH.contains(n.op()) && (!alias || fresh.get(n.input(0)) || fresh.get(n.input(n.inputs().size() - 1)))) {
                fresh.set(n.id());
            }
        }

        void consumed(PtScope s, Node n, NDArray[] values) {
            int product = plan.linearProduct(n.id());
            if (product >= 0) {
                releaseKernelParts(s, product, values);
                release(s, PtGraphPlan.distinctInputs(net.node(product)), values);
            }
            releaseKernelParts(s, n.id(), values);
            release(s, PtGraphPlan.distinctInputs(n), values);
        }

        /** A product by parts stands in for the concatenated kernel it skipped, which would have read the parts. */
        private void releaseKernelParts(PtScope s, int productId, NDArray[] values) {
            int kernel = plan.skippedKernel(productId);
            if (kernel >= 0) {
                release(s, PtGraphPlan.distinctInputs(net.node(kernel)), values);
            }
        }

        private void release(PtScope s, int[] ids, NDArray[] values) {
            for (int id : ids) {
                NDArray v = values[id];
                if (v == null) {
                    continue;
                }
                int[] c = refs.get(v);
                if (c != null && --c[0] == 0) {
                    refs.remove(v);
                    s.release(v);
                }
            }
        }

        /** Whether a value may be overwritten by its one reader: fresh, float32, read by one node and not asked for. */
        boolean overwritable(int id, NDArray[] values) {
            return fresh.get(id) && !keep.get(id) && plan.consumers(id) == 1 && values[id].getDataType() == DataType.FLOAT32;
        }

        /** Whether input {@code i} of {@code n} may be overwritten by the result: a fresh value read only here. */
        boolean writable(Node n, int i, NDArray[] values) {
            int id = n.input(i);
            if (!fresh.get(id) || keep.get(id) || plan.consumers(id) != 1 || n.input(0) == n.input(1)) {
                return false;
            }
            NDArray target = values[id];
            NDArray other = values[n.input(1 - i)];
            if (target.getDataType() != DataType.FLOAT32 || other.getDataType() != DataType.FLOAT32) {
                return false;
            }
            long[] t = target.getShape().getShape();
            long[] o = other.getShape().getShape();
            if (o.length > t.length) {
                return false;
            }
            for (int k = 1; k <= o.length; k++) {
                if (o[o.length - k] != 1 && o[o.length - k] != t[t.length - k]) {
                    return false;
                }
            }
            return true;
        }
    }

    private NDArray node(PtScope s, Result r, Node n, Map<String, NDArray> inputs, Map<String, NDArray> params, Mode mode,
            Pass pass) {
        Attrs a = n.attrs();
        NDArray[] v = r.values;
        return switch (n.op()) {
            case INPUT -> inputs.get(a.getString("name"));
            case PARAM -> params.get(a.getString("name"));
            case SCALAR -> s.manager().create((float) a.getDouble("value"));
            case MATMUL -> plan.byParts(n.id()) ? productByParts(s, r, n, null)
                    : matmul(s, v[n.input(0)], v[n.input(1)], a.getBool("transposeA"), a.getBool("transposeB"));
            case BATCH_MATMUL -> matmul(s, v[n.input(0)], v[n.input(1)], a.getBool("adjointA"), a.getBool("adjointB"));
            case CONV2D -> conv2d(s, v[n.input(0)], v[n.input(1)], a);
            case MAX_POOL, AVG_POOL -> pool(s, v[n.input(0)], a, n.op() == Op.MAX_POOL);
            case GLOBAL_AVG_POOL -> s.own(v[n.input(0)].sum(new int[] {1, 2})).div((float) (v[n.input(0)].getShape().get(1) * v[n.input(0)].getShape().get(2)));
            case GLOBAL_MAX_POOL -> globalMax(s, v[n.input(0)]);
            case BATCH_NORM -> batchNorm(s, r, n, mode);
            case LAYER_NORM -> {
                NDArray x = v[n.input(0)];
                long c = x.getShape().get(x.getShape().dimension() - 1);
                yield JniUtils.layerNorm(pt(x), new Shape(c), pt(v[n.input(1)]), pt(v[n.input(2)]), a.getDouble("epsilon"));
            }
            case EMBEDDING -> Embedding.embedding(v[n.input(1)], v[n.input(0)], SparseFormat.DENSE).singletonOrThrow();
            case ADD -> plan.linearProduct(n.id()) >= 0 ? linear(s, r, n) : binary(r, n, pass, NDArray::add, NDArray::addi);
            case SUB -> pass != null && pass.writable(n, 0, v) ? v[n.input(0)].subi(v[n.input(1)]) : v[n.input(0)].sub(v[n.input(1)]);
            case MUL -> binary(r, n, pass, NDArray::mul, NDArray::muli);
            case DIV -> n.dtype() == DType.INT32 ? intDiv(s, v[n.input(0)], v[n.input(1)]) : v[n.input(0)].div(v[n.input(1)]);
            case RELU -> Activation.relu(v[n.input(0)]);
            case GELU -> Activation.gelu(v[n.input(0)]);
            case GELU_TANH -> geluTanh(v[n.input(0)], pass != null, pass != null && pass.overwritable(n.input(0), v));
            case TANH -> v[n.input(0)].tanh();
            case SIGMOID -> Activation.sigmoid(v[n.input(0)]);
            case SOFTMAX -> v[n.input(0)].softmax(a.getInt("axis"));
            case LOG_SOFTMAX -> v[n.input(0)].logSoftmax(a.getInt("axis"));
            case DROPOUT -> dropout(s, v[n.input(0)], n, mode);
            case RESHAPE -> v[n.input(0)].reshape(new Shape(a.getLongs("shape")));
            case RESHAPE_LIKE -> {
                int leading = a.getInt("leading");
                long[] tail = a.getLongs("shape");
                long[] shape = new long[leading + tail.length];
                for (int i = 0; i < leading; i++) {
                    shape[i] = v[n.input(1)].getShape().get(i);
                }
                System.arraycopy(tail, 0, shape, leading, tail.length);
                yield v[n.input(0)].reshape(new Shape(shape));
            }
            case CUMSUM -> cumsum(s, v[n.input(0)], a.getInt("axis"), a.getBool("exclusive"));
            case TRANSPOSE -> v[n.input(0)].transpose(a.getInts("perm"));
            case CONCAT -> {
                NDList xs = new NDList();
                for (int id : n.inputs()) {
                    xs.add(v[id]);
                }
                yield NDArrays.concat(xs, a.getInt("axis"));
            }
            case SLICE -> {
                NDArray x = v[n.input(0)];
                long[] begin = a.getLongs("begin");
                long[] size = a.getLongs("size");
                NDIndex idx = new NDIndex();
                for (int i = 0; i < begin.length; i++) {
                    long end = size[i] == -1 ? x.getShape().get(i) : begin[i] + size[i];
                    idx.addSliceDim(begin[i], end);
                }
                yield x.get(idx);
            }
            case PAD -> {
                long[] p = a.getLongs("paddings");
                long[] torchOrder = new long[p.length];
                int rank = p.length / 2;
                for (int i = 0; i < rank; i++) {
                    torchOrder[2 * i] = p[2 * (rank - 1 - i)];
                    torchOrder[2 * i + 1] = p[2 * (rank - 1 - i) + 1];
                }
                yield v[n.input(0)].pad(new Shape(torchOrder), a.getDouble("value"));
            }
            case MEAN, SUM -> reduce(s, v[n.input(0)], a, n.op() == Op.MEAN);
            case CAST -> v[n.input(0)].toType(PtTensors.dataType(DType.valueOf(a.getString("dtype"))), true);
            case SOFTMAX_CROSS_ENTROPY -> PtLosses.softmaxCrossEntropy(s, v[n.input(0)], v[n.input(1)]);
            case BINARY_CROSS_ENTROPY -> {
                NDArray x = v[n.input(0)];
                NDArray z = v[n.input(1)];
                NDArray softplusNegAbs = s.own(s.own(s.own(s.own(x.abs()).neg()).exp()).add(1f)).log();
                NDArray l = s.own(s.own(s.own(Activation.relu(x)).sub(s.own(x.mul(z)))).add(s.own(softplusNegAbs)));
                yield l.mean();
            }
            case MEAN_SQUARED_ERROR -> s.own(s.own(v[n.input(0)].sub(v[n.input(1)])).square()).mean();
        };
    }

    /**
     * Tanh-approximated GELU, {@code (x * 0.5) * (tanh((x + x^3 * 0.044715) * sqrt(2 / pi)) + 1)} in the TensorFlow
     * engine's order. An inference pass computes the same function as {@code x * sigmoid(x * (2k + 2kc x^2))}
     * ({@code 0.5 (1 + tanh(u)) = sigmoid(2u)}, {@code k = sqrt(2 / pi)}, {@code c = 0.044715}): six passes over the
     * activation and two allocations instead of nine and three, and ATen's own sigmoid loop instead of MKL's tanh
     * (which takes its generic path on CPUs that are not Intel's); the result is written into {@code x} when the pass
     * may overwrite it. A training pass keeps the tanh form's temporaries for autograd.
     */
    private static NDArray geluTanh(NDArray x, boolean inference, boolean overwrite) {
        float c = (float) 0.044715;
        float k = (float) Math.sqrt(2 / Math.PI);
        if (!inference) {
            NDArray cube = x.mul(x).mul(x);
            return x.mul(0.5f).mul(x.add(cube.mul(c)).mul(k).tanh().add(1f));
        }
        NDArray u = x.square();
        u.muli((float) (2 * k * (double) c)).addi(2 * k).muli(x);
        NDArray gate = Activation.sigmoid(u);
        u.close();
        if (overwrite) {
            x.muli(gate);
            gate.close();
            return x;
        }
        return gate.muli(x);
    }

    /** A commutative elementwise op, in place on an operand that nobody else reads when the pass allows it. */
    private static NDArray binary(Result r, Node n, Pass pass, BinaryOperator<NDArray> op, BinaryOperator<NDArray> inPlace) {
        NDArray x = r.values[n.input(0)];
        NDArray y = r.values[n.input(1)];
        if (pass != null) {
            if (pass.writable(n, 0, r.values)) {
                return inPlace.apply(x, y);
            }
            if (pass.writable(n, 1, r.values)) {
                return inPlace.apply(y, x);
            }
        }
        return op.apply(x, y);
    }

    /** A 2-D product with transposes as views that are dropped as soon as the product exists. */
    private static NDArray matmul(PtScope s, NDArray x, NDArray y, boolean transposeX, boolean transposeY) {
        NDArray xt = transposeX ? s.own(x.swapAxes(-1, -2)) : x;
        NDArray yt = transposeY ? s.own(y.swapAxes(-1, -2)) : y;
        try {
            return xt.matMul(yt);
        } finally {
            if (xt != x) {
                s.release(xt);
            }
            if (yt != y) {
                s.release(yt);
            }
        }
    }

    /**
     * {@code add(matmul(x, w), bias)} as PyTorch's {@code linear(x, w^T, bias)}: one addmm instead of a product and
     * a sum, and one activation-sized tensor instead of two. The weight's transpose is a view.
     */
    private NDArray linear(PtScope s, Result r, Node add) {
        Node m = net.node(plan.linearProduct(add.id()));
        int biasId = add.input(0) == m.id() ? add.input(1) : add.input(0);
        if (plan.byParts(m.id())) {
            return productByParts(s, r, m, net.node(biasId));
        }
        NDArray x = r.values[m.input(0)];
        NDArray w = r.values[m.input(1)];
        NDArray bias = r.values[biasId];
        boolean transposeB = m.attrs().getBool("transposeB");
        long out = w.getShape().get(transposeB ? 0 : 1);
        if (x.getShape().dimension() != 2 || w.getShape().dimension() != 2 || bias.getShape().dimension() != 1
                || bias.getShape().get(0) != out || x.getDataType() != DataType.FLOAT32 || bias.getDataType() != DataType.FLOAT32) {
            NDArray product = s.own(matmul(s, x, w, false, transposeB));
            try {
                return product.add(bias);
            } finally {
                s.release(product);
            }
        }
        NDArray weight = transposeB ? w : s.own(w.transpose(1, 0));
        try {
            return JniUtils.linear(pt(x), pt(weight), pt(bias));
        } finally {
            if (weight != w) {
                s.release(weight);
            }
        }
    }

    /**
     * {@code x k}, {@code k} a concatenation of matrices along their columns ({@link PtGraphPlan#byParts}), as the
     * products by each part, concatenated; plus {@code bias} where given. A bias that is itself the concatenation
     * of one vector per part goes to each part's {@code linear}; another is added to the whole.
     */
    private NDArray productByParts(PtScope s, Result r, Node m, Node bias) {
        NDArray x = r.values[m.input(0)];
        Node k = net.node(m.input(1));
        boolean biasByParts = bias != null && bias.op() == Op.CONCAT && bias.inputs().size() == k.inputs().size()
                && x.getDataType() == DataType.FLOAT32;
        for (int i = 0; biasByParts && i < k.inputs().size(); i++) {
            NDArray b = r.values[bias.input(i)];
            biasByParts = b.getShape().dimension() == 1 && b.getDataType() == DataType.FLOAT32
                    && b.getShape().get(0) == r.values[k.input(i)].getShape().get(1);
        }
        NDList parts = new NDList();
        try {
            for (int i = 0; i < k.inputs().size(); i++) {
                NDArray part = r.values[k.input(i)];
                if (biasByParts) {
                    NDArray weight = s.own(part.transpose(1, 0));
                    try {
                        parts.add(s.own(JniUtils.linear(pt(x), pt(weight), pt(r.values[bias.input(i)]))));
                    } finally {
                        s.release(weight);
                    }
                } else {
                    parts.add(s.own(x.matMul(part)));
                }
            }
            NDArray product = NDArrays.concat(parts, 1);
            if (bias == null || biasByParts) {
                return product;
            }
            try {
                return s.own(product).add(r.values[bias.id()]);
            } finally {
                s.release(product);
            }
        } finally {
            parts.forEach(s::release);
        }
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** Running sum; the exclusive form shifts the inclusive sums one step along the axis, starting at 0. */
    private static NDArray cumsum(PtScope s, NDArray x, int axis, boolean exclusive) {
        int rank = x.getShape().dimension();
        int ax = axis < 0 ? axis + rank : axis;
        NDArray sums = x.cumSum(ax);
        long len = x.getShape().get(ax);
        if (!exclusive || len == 0) {
            return sums;
        }
        s.own(sums);
        NDIndex keep = new NDIndex();
        for (int i = 0; i < rank; i++) {
            if (i == ax) {
                keep.addSliceDim(0, len - 1);
            } else {
                keep.addAllDim();
            }
        }
        long[] torchPad = new long[2 * rank];
        torchPad[2 * (rank - 1 - ax)] = 1;
        return s.own(sums.get(keep)).pad(new Shape(torchPad), 0);
    }

    private static NDArray intDiv(PtScope s, NDArray x, NDArray y) {
        NDArray q = s.own(s.own(x.toType(DataType.FLOAT64, true)).div(s.own(y.toType(DataType.FLOAT64, true))));
        return s.own(q.trunc()).toType(DataType.INT32, true);
    }

    private static NDArray reduce(PtScope s, NDArray x, Attrs a, boolean mean) {
        int rank = x.getShape().dimension();
        int[] axes = a.getInts("axes");
        for (int i = 0; i < axes.length; i++) {
            axes[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
        }
        boolean keep = a.getBool("keepDims");
        if (axes.length == 0) {
            return x.duplicate();
        }
        if (!mean) {
            return x.sum(axes, keep);
        }
        long count = 1;
        for (int ax : axes) {
            count *= x.getShape().get(ax);
        }
        if (x.getDataType() != DataType.FLOAT32) {
            NDArray sum = s.own(s.own(x.toType(DataType.FLOAT64, true)).sum(axes, keep));
            return s.own(s.own(sum.div(count)).trunc()).toType(x.getDataType(), true);
        }
        return s.own(x.sum(axes, keep)).div((float) count);
    }

    /** Max over axes 1 and 2 (DJL's PyTorch max reduces one axis at a time). */
    private static NDArray globalMax(PtScope s, NDArray x) {
        return s.own(x.max(new int[] {2})).max(new int[] {1});
    }

    /** Padding {before, after} of one spatial axis for SAME, VALID or EXPLICIT. */
    private static long[] padding(long in, long k, long stride, long dil, Attrs a, int axis) {
        return switch (a.getString("padding")) {
            case "VALID" -> new long[] {0, 0};
            case "EXPLICIT" -> {
                long[] p = a.getLongs("pads");
                yield new long[] {p[2 * axis], p[2 * axis + 1]};
            }
            default -> {
                long eff = (k - 1) * dil + 1;
                long out = (in + stride - 1) / stride;
                long total = Math.max((out - 1) * stride + eff - in, 0);
                yield new long[] {total / 2, total - total / 2};
            }
        };
    }

    private static NDArray conv2d(PtScope s, NDArray x, NDArray k, Attrs a) {
        long[] st = a.getLongs("strides");
        long[] dl = a.getLongs("dilations");
        Shape ks = k.getShape();
        long[] ph = padding(x.getShape().get(1), ks.get(0), st[0], dl[0], a, 0);
        long[] pw = padding(x.getShape().get(2), ks.get(1), st[1], dl[1], a, 1);
        if (ks.get(0) == 1 && ks.get(1) == 1 && a.getInt("groups") == 1 && ph[0] + ph[1] + pw[0] + pw[1] == 0) {
            return pointwise(s, x, k, st);
        }
        Shape pad = new Shape(0, 0);
        if (ph[0] == ph[1] && pw[0] == pw[1]) {
            pad = new Shape(ph[0], pw[0]);
        } else {
            x = s.own(x.pad(new Shape(0, 0, pw[0], pw[1], ph[0], ph[1]), 0));
        }
        NDArray xc = s.own(x.transpose(0, 3, 1, 2));
        if (a.getInt("groups") > 1) {
            // PyTorch 2.7 on CPU gets depthwise convolutions with a channel multiplier wrong on
            // channels-last input (seen here against a plain-Java reference): give it a contiguous NCHW copy
            Shape xs = xc.getShape();
            xc = s.own(s.own(xc.flatten()).reshape(xs));
        }
        // a contiguous OIHW copy of the (small) kernel: PyTorch's CPU convolution is about twice as fast with it
        NDArray kc = s.own(s.own(s.own(k.transpose(3, 2, 0, 1)).flatten()).reshape(ks.get(3), ks.get(2), ks.get(0), ks.get(1)));
        NDArray y = s.own(JniUtils.convolution(pt(xc), pt(kc), null, new Shape(st), pad, new Shape(dl), a.getInt("groups")));
        return y.transpose(0, 2, 3, 1);
    }

    /**
     * A 1x1 convolution without padding as the matrix product it is: the strided pixels (NHWC, so channels are
     * contiguous) times the kernel as [in, out]. Same sums as the convolution; it also keeps these layers off
     * PyTorch 2.7's oneDNN 1x1 convolution, which divides by the CPU's cache size when choosing its blocking and
     * kills the process with SIGFPE on machines that report none (seen here on a virtual machine, for ResNet-50's
     * bottleneck layers, in Graft's engine and in DJL's own Trainer alike).
     */
    private static NDArray pointwise(PtScope s, NDArray x, NDArray k, long[] st) {
        if (st[0] > 1 || st[1] > 1) {
            x = s.own(x.get(new NDIndex(":, ::" + st[0] + ", ::" + st[1] + ", :")));
        }
        Shape xs = x.getShape();
        Shape ks = k.getShape();
        NDArray rows = s.own(x.reshape(xs.get(0) * xs.get(1) * xs.get(2), xs.get(3)));
        NDArray y = s.own(rows.matMul(s.own(k.reshape(ks.get(2), ks.get(3)))));
        return y.reshape(xs.get(0), xs.get(1), xs.get(2), ks.get(3));
    }

    private static NDArray pool(PtScope s, NDArray x, Attrs a, boolean max) {
        long[] win = a.getLongs("window");
        long[] st = a.getLongs("strides");
        long h = x.getShape().get(1);
        long w = x.getShape().get(2);
        long[] ph = padding(h, win[0], st[0], 1, a, 0);
        long[] pw = padding(w, win[1], st[1], 1, a, 1);
        boolean padded = ph[0] + ph[1] + pw[0] + pw[1] > 0;
        if (padded) {
            float fill = max ? Float.NEGATIVE_INFINITY : 0f;
            x = s.own(x.pad(new Shape(0, 0, pw[0], pw[1], ph[0], ph[1]), fill));
        }
        NDArray xc = s.own(x.transpose(0, 3, 1, 2));
        Shape window = new Shape(win);
        Shape strides = new Shape(st);
        NDArray y;
        if (max) {
            y = s.own(Pool.maxPool2d(xc, window, strides, new Shape(0, 0), false));
        } else {
            y = s.own(Pool.avgPool2d(xc, window, strides, new Shape(0, 0), false, true));
            if (padded) {
                y = s.own(y.mul(s.own(validCellScale(s, h, w, win, st, ph, pw, y.getShape()))));
            }
        }
        return y.transpose(0, 2, 3, 1);
    }

    /** window area / valid cells per output position, shaped [1, 1, OH, OW]. */
    private static NDArray validCellScale(PtScope s, long h, long w, long[] win, long[] st, long[] ph, long[] pw, Shape out) {
        int oh = Math.toIntExact(out.get(2));
        int ow = Math.toIntExact(out.get(3));
        float[] scale = new float[oh * ow];
        for (int i = 0; i < oh; i++) {
            long r0 = i * st[0] - ph[0];
            long rows = Math.min(r0 + win[0], h) - Math.max(r0, 0);
            for (int j = 0; j < ow; j++) {
                long c0 = j * st[1] - pw[0];
                long cols = Math.min(c0 + win[1], w) - Math.max(c0, 0);
                scale[i * ow + j] = (float) (win[0] * win[1]) / (float) (rows * cols);
            }
        }
        return s.manager().create(scale, new Shape(1, 1, oh, ow));
    }

    private NDArray batchNorm(PtScope s, Result r, Node n, Mode mode) {
        Attrs a = n.attrs();
        NDArray[] v = r.values;
        NDArray x = v[n.input(0)];
        boolean image = x.getShape().dimension() == 4;
        NDArray xc = image ? s.own(x.transpose(0, 3, 1, 2)) : x;
        Node meanNode = net.node(n.input(3));
        Node varNode = net.node(n.input(4));
        String meanParam = meanNode.op() == Op.PARAM ? meanNode.attrs().getString("name") : meanNode.name();
        boolean useBatch = mode.training() && mode.batchStatistics().test(meanParam);
        double torchMomentum = 1 - a.getDouble("momentum");
        double eps = a.getDouble("epsilon");
        NDArray mean = v[n.input(3)];
        NDArray var = v[n.input(4)];
        if (useBatch) {
            // PyTorch updates the running statistics in place (with the unbiased batch variance):
            // it gets copies, which replace the moving statistics only if the step succeeds
            mean = s.own(mean.duplicate());
            var = s.own(var.duplicate());
            if (meanNode.op() == Op.PARAM && varNode.op() == Op.PARAM) {
                r.bnUpdates.add(new BnUpdate(meanParam, varNode.attrs().getString("name"), mean, var));
            }
        }
        NDArray y = s.own(JniUtils.batchNorm(pt(xc), pt(mean), pt(var), pt(v[n.input(1)]), pt(v[n.input(2)]), useBatch,
                torchMomentum, eps));
        return image ? y.transpose(0, 2, 3, 1) : y;
    }

    private static NDArray dropout(PtScope s, NDArray x, Node n, Mode mode) {
        double rate = n.attrs().getDouble("rate");
        if (!mode.training() || rate == 0) {
            return x;
        }
        int size = Math.toIntExact(x.getShape().size());
        SplittableRandom rnd = new SplittableRandom(mix(mix(mode.seed()) ^ mix(mode.step() + 0x632BE59BD9B4E019L)
                ^ (0x9E3779B97F4A7C15L * (n.id() + 1))));
        float keepScale = (float) (1 / (1 - rate));
        float threshold = (float) rate;
        float[] mask = new float[size];
        for (int i = 0; i < size; i++) {
            float u = (rnd.nextInt() >>> 8) * 0x1.0p-24f;
            mask[i] = u >= threshold ? keepScale : 0f;
        }
        return x.mul(s.manager().create(mask, x.getShape()));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
