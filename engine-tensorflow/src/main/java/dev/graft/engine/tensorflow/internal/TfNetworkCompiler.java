package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Attrs;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Translates a network definition into TensorFlow ops, once per mode: inference (dropout off,
 * BatchNorm on moving statistics) or training (dropout on, BatchNorm on batch statistics where the
 * plan says so). Each translation reads the parameters afresh, so gradients can be taken with
 * respect to the reads of one training graph.
 */
final class TfNetworkCompiler {
    /** What one translation produced. */
    static final class Forward {
        final Operand<?>[] values;
        final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
        final List<BnUpdate> bnUpdates = new ArrayList<>();
        /** GELU nodes recomputed in the backward pass by the one product that reads them (training only). */
        final BitSet recomputed = new BitSet();
        /**
         * Layer norms and dropouts whose output the product reading it recomputes in the backward pass (training
         * only), and, once translated, what from: the stopped value first (TfRecomputedInputs).
         */
        final BitSet recomputedInputs = new BitSet();
        final Map<Integer, List<Operand<?>>> recomputeFrom = new HashMap<>();

        Forward(int n) {
            values = new Operand<?>[n];
        }

        @SuppressWarnings("unchecked")
        Operand<TFloat32> f(int id) {
            return (Operand<TFloat32>) values[id];
        }
    }

    /** A BatchNorm layer's moving-statistics update in a training graph. */
    record BnUpdate(String meanParam, String varParam, Operand<TFloat32> batchMean, Operand<TFloat32> batchVar,
            double momentum) {
    }

    private final Network net;
    private final Map<String, Placeholder<?>> inputs;
    private final Map<String, VarHandleOp> handles;
    /** bfloat16 copies of parameters, read in their place (and widened to float32) by this compiler's translations. */
    private final Map<String, VarHandleOp> bf16Copies;

    TfNetworkCompiler(Network net, Map<String, Placeholder<?>> inputs, Map<String, VarHandleOp> handles) {
        this(net, inputs, handles, Map.of());
    }

    private TfNetworkCompiler(Network net, Map<String, Placeholder<?>> inputs, Map<String, VarHandleOp> handles,
            Map<String, VarHandleOp> bf16Copies) {
        this.net = net;
        this.inputs = inputs;
        this.handles = handles;
        this.bf16Copies = bf16Copies;
    }

    /**
     * A compiler whose translations read {@code copies} (bfloat16 variables, by parameter name) instead of those
     * parameters, widened to float32: for an inference graph under oneDNN's bfloat16 auto mixed precision, whose
     * rewrite then multiplies by the bfloat16 values directly instead of narrowing the float32 weights on every call.
     */
    TfNetworkCompiler withBf16Copies(Map<String, VarHandleOp> copies) {
        return new TfNetworkCompiler(net, inputs, handles, Map.copyOf(copies));
    }

    /**
     * Float32 parameters whose every use is as the kernel of a matrix product or ungrouped convolution that is not
     * itself an output of the network (directly, or through a concatenation read only that way): the parameters that bfloat16 auto mixed
     * precision narrows to bfloat16 on every call. A product fetched as an output stays float32 under that rewrite, so
     * its operands are left out, as is a parameter with any other reader (an embedding table, a bias, a norm's scale).
     */
    java.util.Set<String> productOnlyParams() {
        BitSet all = new BitSet();
        all.set(0, net.nodes().size());
        List<List<Node>> readers = readers(all);
        java.util.Set<Integer> outputs = new java.util.HashSet<>(net.outputs().values());
        Map<String, Boolean> ok = new LinkedHashMap<>();
        for (Node n : net.nodes()) {
            if (n.op() != dev.graft.engine.spi.graph.Op.PARAM || n.dtype() != DType.FLOAT32) {
                continue;
            }
            boolean only = !readers.get(n.id()).isEmpty() && !outputs.contains(n.id());
            for (Node r : readers.get(n.id())) {
                only &= isKernelUse(r, n.id(), outputs) || (r.op() == dev.graft.engine.spi.graph.Op.CONCAT
                        && !outputs.contains(r.id()) && !readers.get(r.id()).isEmpty()
                        && readers.get(r.id()).stream().allMatch(m -> isKernelUse(m, r.id(), outputs)));
            }
            ok.merge(n.attrs().getString("name"), only, Boolean::logicalAnd);
        }
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        ok.forEach((name, only) -> {
            if (only) {
                out.add(name);
            }
        });
        return out;
    }

    /**
     * {@code r} is a matrix product or an ungrouped convolution, not an output, taking node {@code id} as its right
     * operand (the kernel) only. Grouped and depthwise convolutions are left out: the depthwise form may stay float32.
     */
    private static boolean isKernelUse(Node r, int id, java.util.Set<Integer> outputs) {
        boolean product = r.op() == dev.graft.engine.spi.graph.Op.MATMUL
                || r.op() == dev.graft.engine.spi.graph.Op.CONV2D && r.attrs().getLong("groups") == 1;
        return product && r.input(1) == id && r.input(0) != id && !outputs.contains(r.id());
    }

    /**
     * Translates the nodes in {@code needed}.
     *
     * @param training     training mode (dropout active)
     * @param batchStats   BatchNorm layers (by moving-mean parameter name) that use batch statistics
     * @param seed         int64 [2] seed for dropout in training mode
     */
    Forward translate(Ops tf, BitSet needed, boolean training, Predicate<String> batchStats, Operand<TInt64> seed) {
        Forward fw = new Forward(net.nodes().size());
        boolean gelus = training && TfRecomputedGelu.enabled();
        boolean inputs = training && TfRecomputedInputs.enabled();
        List<List<Node>> readers = gelus || inputs ? readers(needed) : null;
        if (gelus) {
            markRecomputed(needed, readers, fw.recomputed);
        }
        if (inputs) {
            markRecomputedInputs(needed, readers, fw.recomputedInputs);
        }
        for (Node n : net.nodes()) {
            if (!needed.get(n.id())) {
                continue;
            }
            try {
                fw.values[n.id()] = node(tf, fw, n, training, batchStats, seed);
            } catch (DefinitionException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DefinitionException(n.name(), "TensorFlow could not build " + n.op() + ": " + e.getMessage());
            }
        }
        return fw;
    }

    /**
     * GELU nodes (either form) of float matrices whose only reader among {@code needed} is a product taking them as
     * its left operand, untransposed, by a float matrix that is not a concatenation.
     */
    private void markRecomputed(BitSet needed, List<List<Node>> readers, BitSet out) {
        for (Node n : net.nodes()) {
            boolean gelu = n.op() == dev.graft.engine.spi.graph.Op.GELU || n.op() == dev.graft.engine.spi.graph.Op.GELU_TANH;
            if (!gelu || !needed.get(n.id()) || readers.get(n.id()).size() != 1 || n.dtype() != DType.FLOAT32
                    || n.shape().rank() != 2) {
                continue;
            }
            Node p = readers.get(n.id()).get(0);
            if (isRecomputableProduct(p, n.id()) && net.node(p.input(1)).op() != dev.graft.engine.spi.graph.Op.CONCAT) {
                out.set(n.id());
            }
        }
    }

    /** Each node's readers among {@code needed}, by node id. */
    private List<List<Node>> readers(BitSet needed) {
        List<List<Node>> readers = new ArrayList<>();
        for (int i = 0; i < net.nodes().size(); i++) {
            readers.add(new ArrayList<>());
        }
        for (Node n : net.nodes()) {
            if (needed.get(n.id())) {
                for (int id : n.inputs()) {
                    readers.get(id).add(n);
                }
            }
        }
        return readers;
    }

    /**
     * Layer norms of float matrices read by a product taking them as its left operand, untransposed, by a float matrix,
     * whose other readers among {@code needed} are sums (whose gradients keep nothing); and dropouts (rate above 0) of
     * a softmax whose only reader among {@code needed} is a batched product taking them as its left operand, without
     * adjoints (an attention's probabilities by its values).
     */
    private void markRecomputedInputs(BitSet needed, List<List<Node>> readers, BitSet out) {
        for (Node n : net.nodes()) {
            if (!needed.get(n.id()) || n.dtype() != DType.FLOAT32) {
                continue;
            }
            List<Node> rs = readers.get(n.id());
            if (n.op() == dev.graft.engine.spi.graph.Op.LAYER_NORM && n.shape().rank() == 2) {
                boolean product = false;
                boolean others = true;
                for (Node r : rs) {
                    if (isRecomputableProduct(r, n.id())) {
                        product = true;
                    } else if (r.op() != dev.graft.engine.spi.graph.Op.ADD && r.op() != dev.graft.engine.spi.graph.Op.SUB) {
                        others = false;
                    }
                }
                if (product && others) {
                    out.set(n.id());
                }
            } else if (n.op() == dev.graft.engine.spi.graph.Op.DROPOUT && n.attrs().getDouble("rate") > 0
                    && net.node(n.input(0)).op() == dev.graft.engine.spi.graph.Op.SOFTMAX && rs.size() == 1) {
                Node r = rs.get(0);
                if (r.op() == dev.graft.engine.spi.graph.Op.BATCH_MATMUL && r.input(0) == n.id() && r.input(1) != n.id()
                        && !r.attrs().getBool("adjointA") && !r.attrs().getBool("adjointB")
                        && net.node(r.input(1)).dtype() == DType.FLOAT32) {
                    out.set(n.id());
                }
            }
        }
    }

    /** {@code r} is {@code x k} with {@code x} node {@code id}, untransposed, {@code k} another float matrix. */
    private boolean isRecomputableProduct(Node r, int id) {
        if (r.op() != dev.graft.engine.spi.graph.Op.MATMUL || r.input(0) != id || r.input(1) == id
                || r.attrs().getBool("transposeA") || r.attrs().getBool("transposeB")) {
            return false;
        }
        Node k = net.node(r.input(1));
        return k.dtype() == DType.FLOAT32 && k.shape().rank() == 2;
    }

    /**
     * {@code x k} with {@code x} a layer norm's output recomputed in the backward pass (TfRecomputedInputs); in parts
     * where {@code k} is a concatenation, as {@link #productByParts} takes it.
     */
    @SuppressWarnings("unchecked")
    private Operand<TFloat32> normProduct(Ops tf, Forward fw, Node n) {
        List<Operand<?>> from = fw.recomputeFrom.get(n.input(0));
        Operand<TFloat32> value = (Operand<TFloat32>) from.get(0);
        Operand<TFloat32> norm = (Operand<TFloat32>) from.get(1);
        Operand<TFloat32> gamma = (Operand<TFloat32>) from.get(2);
        Operand<TFloat32> beta = (Operand<TFloat32>) from.get(3);
        Operand<TFloat32> x = fw.f(n.input(0));
        if (!net.isProductByConcatenatedKernel(n)) {
            return TfRecomputedInputs.normProduct(tf, value, x, fw.f(n.input(1)), norm, gamma, beta);
        }
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int id : net.node(n.input(1)).inputs()) {
            parts.add(TfRecomputedInputs.normProduct(tf, value, x, fw.f(id), norm, gamma, beta));
        }
        return tf.concat(parts, tf.constant(1));
    }

    /**
     * A float bias vector added to a matrix product ({@code [.., C] + [C]}): lowered to BiasAdd, the same
     * sum, which grappler's oneDNN remapper fuses with the MatMul and a following GELU.
     */
    private boolean isBiasOfMatMul(Node n) {
        Node x = net.node(n.input(0));
        Node bias = net.node(n.input(1));
        long[] xs = x.shape().dims();
        long[] bs = bias.shape().dims();
        return x.op() == dev.graft.engine.spi.graph.Op.MATMUL && x.dtype() == DType.FLOAT32 && bias.dtype() == DType.FLOAT32
                && xs.length == 2 && bs.length == 1 && bs[0] > 0 && xs[1] == bs[0];
    }

    /**
     * The product by each part of a concatenated kernel, concatenated: the same columns, each the same sum of
     * products (the library may round a narrower product differently). The gradient of the one product by the
     * concatenated kernel keeps the concatenation (a copy of the parts: 7 MB a BERT-Base layer) for the backward
     * pass; the products by the parts keep only the parts, which are the parameters' own values.
     */
    private Operand<TFloat32> productByParts(Ops tf, Forward fw, Node n) {
        Node k = net.node(n.input(1));
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int id : k.inputs()) {
            parts.add(tf.linalg.matMul(fw.f(n.input(0)), fw.f(id)));
        }
        return tf.concat(parts, tf.constant(1));
    }

    /** {@code p v} with {@code p} an attention's dropped-out probabilities recomputed in the backward pass. */
    @SuppressWarnings("unchecked")
    private Operand<TFloat32> probsProduct(Ops tf, Forward fw, Node n) {
        List<Operand<?>> from = fw.recomputeFrom.get(n.input(0));
        return TfRecomputedInputs.probsProduct(tf, (Operand<TFloat32>) from.get(0), fw.f(n.input(0)), fw.f(n.input(1)),
                (Operand<TFloat32>) from.get(1), (Operand<TBool>) from.get(2), (Operand<TFloat32>) from.get(3));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Operand<?> node(Ops tf, Forward fw, Node n, boolean training, Predicate<String> batchStats,
            Operand<TInt64> seed) {
        Attrs a = n.attrs();
        return switch (n.op()) {
            case INPUT -> inputs.get(a.getString("name"));
            case PARAM -> {
                String name = a.getString("name");
                Operand<TFloat32> r = fw.reads.get(name);
                if (r == null) {
                    VarHandleOp copy = bf16Copies.get(name);
                    r = copy != null ? tf.dtypes.cast(tf.readVariableOp(copy, org.tensorflow.types.TBfloat16.class), TFloat32.class)
                            : (Operand) tf.readVariableOp(handles.get(name), TfTensors.tfType(n.dtype()));
                    fw.reads.put(name, r);
                }
                yield r;
            }
            case SCALAR -> tf.constant((float) a.getDouble("value"));
            case MATMUL -> training && fw.recomputed.get(n.input(0))
                    ? TfRecomputedGelu.product(tf, fw.f(n.input(0)), fw.f(net.node(n.input(0)).input(0)), fw.f(n.input(1)),
                            net.node(n.input(0)).op() == dev.graft.engine.spi.graph.Op.GELU_TANH)
                    : training && fw.recomputedInputs.get(n.input(0)) ? normProduct(tf, fw, n)
                    : net.isProductByConcatenatedKernel(n) ? productByParts(tf, fw, n)
                    : tf.linalg.matMul(fw.f(n.input(0)), fw.f(n.input(1)),
                    MatMul.transposeA(a.getBool("transposeA")), MatMul.transposeB(a.getBool("transposeB")));
            case BATCH_MATMUL -> training && fw.recomputedInputs.get(n.input(0))
                    ? probsProduct(tf, fw, n)
                    : tf.train.batchMatMul(fw.f(n.input(0)), fw.f(n.input(1)), TFloat32.class,
                    BatchMatMul.adjX(a.getBool("adjointA")), BatchMatMul.adjY(a.getBool("adjointB")));
            case CONV2D -> conv2d(tf, fw.f(n.input(0)), fw.f(n.input(1)), n, net.node(n.input(0)).shape().dim(3),
                    net.node(n.input(1)).shape());
            case MAX_POOL -> tf.nn.maxPool(fw.f(n.input(0)),
                    tf.constant(new int[] {1, a.getInts("window")[0], a.getInts("window")[1], 1}),
                    tf.constant(new int[] {1, a.getInts("strides")[0], a.getInts("strides")[1], 1}), a.getString("padding"));
            case AVG_POOL -> tf.nn.avgPool(fw.f(n.input(0)),
                    List.of(1L, a.getLongs("window")[0], a.getLongs("window")[1], 1L),
                    List.of(1L, a.getLongs("strides")[0], a.getLongs("strides")[1], 1L), a.getString("padding"));
            case GLOBAL_AVG_POOL -> tf.math.mean(fw.f(n.input(0)), tf.constant(new int[] {1, 2}));
            case GLOBAL_MAX_POOL -> tf.max(fw.f(n.input(0)), tf.constant(new int[] {1, 2}));
            case BATCH_NORM -> batchNorm(tf, fw, n, training, batchStats);
            case LAYER_NORM -> {
                Operand<TFloat32> x = fw.f(n.input(0));
                Operand<TInt32> last = tf.constant(new int[] {-1});
                Operand<TFloat32> mean = tf.math.mean(x, last, Mean.keepDims(true));
                // centred once and squared, not SquaredDifference: TensorFlow 2.16's oneDNN remapper
                // fuses the SquaredDifference form into a layer norm and aborts the process when the
                // input shape is fully known (protobuf CHECK "key not found: value")
                Operand<TFloat32> centred = tf.math.sub(x, mean);
                Operand<TFloat32> var = tf.math.mean(tf.math.square(centred), last, Mean.keepDims(true));
                Operand<TFloat32> r = tf.math.rsqrt(tf.math.add(var, tf.constant((float) a.getDouble("epsilon"))));
                Operand<TFloat32> norm = tf.math.mul(centred, r);
                Operand<TFloat32> y = tf.math.add(tf.math.mul(norm, fw.f(n.input(1))), fw.f(n.input(2)));
                if (training && fw.recomputedInputs.get(n.id())) {
                    fw.recomputeFrom.put(n.id(), List.of(tf.stopGradient(y), norm, fw.f(n.input(1)), fw.f(n.input(2))));
                }
                yield training ? leanLayerNorm(tf, x, r, norm, fw.f(n.input(1)), fw.f(n.input(2)), y) : y;
            }
            case EMBEDDING -> tf.gather(fw.f(n.input(0)), (Operand<TInt32>) fw.values[n.input(1)], tf.constant(0));
            case ADD -> isBiasOfMatMul(n) ? tf.nn.biasAdd(fw.f(n.input(0)), fw.f(n.input(1)))
                    : tf.math.add((Operand) fw.values[n.input(0)], (Operand) fw.values[n.input(1)]);
            case SUB -> tf.math.sub((Operand) fw.values[n.input(0)], (Operand) fw.values[n.input(1)]);
            case MUL -> tf.math.mul((Operand) fw.values[n.input(0)], (Operand) fw.values[n.input(1)]);
            case DIV -> tf.math.div((Operand) fw.values[n.input(0)], (Operand) fw.values[n.input(1)]);
            case RELU -> tf.nn.relu(fw.f(n.input(0)));
            case GELU, GELU_TANH -> {
                // erf form in the order of grappler's oneDNN pattern, tanh form in the order BERT's definition used to
                // write it from generic ops (TfGelu); training keeps only its derivative (withSlope), or, where one
                // product reads it, nothing of its own: the product recomputes it in the backward pass (TfRecomputedGelu)
                Operand<TFloat32> x = fw.f(n.input(0));
                boolean tanh = n.op() == dev.graft.engine.spi.graph.Op.GELU_TANH;
                if (training && fw.recomputed.get(n.id())) {
                    yield TfGelu.of(tf, tf.stopGradient(x), tanh).value();
                }
                TfGelu g = TfGelu.of(tf, x, tanh);
                yield training ? withSlope(tf, x, g.value(), g.slope()) : g.value();
            }
            case TANH -> tf.math.tanh(fw.f(n.input(0)));
            case SIGMOID -> tf.math.sigmoid(fw.f(n.input(0)));
            case SOFTMAX, LOG_SOFTMAX -> lastAxis(tf, fw.f(n.input(0)), (int) a.getLong("axis"),
                    x -> n.op() == dev.graft.engine.spi.graph.Op.SOFTMAX ? tf.nn.softmax(x) : tf.nn.logSoftmax(x));
            case DROPOUT -> {
                Operand<TFloat32> x = fw.f(n.input(0));
                double rate = a.getDouble("rate");
                if (!training || rate == 0) {
                    yield x;
                }
                Operand<TInt64> opSeed = tf.math.add(seed, tf.constant(new long[] {0, 7919L * (n.id() + 1)}));
                Operand<TFloat32> u = tf.random.statelessRandomUniform(tf.shape(x), opSeed);
                // a boolean mask, not x times a float mask: the backward pass keeps the mask, 1 byte an element
                // instead of 4; the values are the same (x / (1 - rate) where kept, 0 elsewhere)
                Operand<TBool> keep = tf.math.greaterEqual(u, tf.constant((float) rate));
                Operand<TFloat32> scale = tf.constant((float) (1 / (1 - rate)));
                Operand<TFloat32> dropped = tf.select(keep, tf.math.mul(x, scale), tf.constant(0f));
                if (fw.recomputedInputs.get(n.id())) {
                    fw.recomputeFrom.put(n.id(), List.of(tf.stopGradient(dropped), x, keep, scale));
                }
                yield dropped;
            }
            case RESHAPE -> tf.reshape((Operand) fw.values[n.input(0)], tf.constant(a.getLongs("shape")));
            case RESHAPE_LIKE -> {
                // the leading dimensions come from the reference's run-time shape (Shape has no gradient
                // and needs none: only x is differentiated, through Reshape's own gradient)
                int leading = (int) a.getLong("leading");
                Operand<TInt32> head = tf.slice(tf.shape(fw.values[n.input(1)]), tf.constant(new int[] {0}),
                        tf.constant(new int[] {leading}));
                Operand<TInt32> shape = tf.concat(List.of(head, tf.constant(a.getInts("shape"))), tf.constant(0));
                yield tf.reshape((Operand) fw.values[n.input(0)], shape);
            }
            case CUMSUM -> tf.math.cumsum(fw.f(n.input(0)), tf.constant((int) a.getLong("axis")),
                    Cumsum.exclusive(a.getBool("exclusive")));
            case TRANSPOSE -> tf.linalg.transpose((Operand) fw.values[n.input(0)], tf.constant(a.getInts("perm")));
            case CONCAT -> {
                List<Operand<TType>> xs = new ArrayList<>();
                for (int id : n.inputs()) {
                    xs.add((Operand<TType>) fw.values[id]);
                }
                yield tf.concat(xs, tf.constant((int) a.getLong("axis")));
            }
            case SLICE -> tf.slice((Operand) fw.values[n.input(0)], tf.constant(a.getInts("begin")), tf.constant(a.getInts("size")));
            case PAD -> {
                long[] p = a.getLongs("paddings");
                int[][] pp = new int[p.length / 2][2];
                for (int i = 0; i < pp.length; i++) {
                    pp[i][0] = Math.toIntExact(p[2 * i]);
                    pp[i][1] = Math.toIntExact(p[2 * i + 1]);
                }
                Node x = net.node(n.input(0));
                Operand value = x.dtype() == DType.INT32 ? tf.constant((int) a.getDouble("value"))
                        : tf.constant((float) a.getDouble("value"));
                yield tf.pad((Operand) fw.values[n.input(0)], tf.constant(pp), value);
            }
            case MEAN -> tf.math.mean((Operand) fw.values[n.input(0)], tf.constant(a.getInts("axes")), Mean.keepDims(a.getBool("keepDims")));
            case SUM -> tf.sum((Operand) fw.values[n.input(0)], tf.constant(a.getInts("axes")), Sum.keepDims(a.getBool("keepDims")));
            case CAST -> tf.dtypes.cast((Operand) fw.values[n.input(0)], TfTensors.tfType(DType.valueOf(a.getString("dtype"))));
            case SOFTMAX_CROSS_ENTROPY -> {
                Operand<TFloat32> logits = fw.f(n.input(0));
                Node labelsNode = net.node(n.input(1));
                Operand<TFloat32> labels;
                if (labelsNode.dtype() == DType.INT32) {
                    int classes = (int) net.node(n.input(0)).shape().dim(1);
                    labels = tf.oneHot((Operand<TInt32>) fw.values[labelsNode.id()], tf.constant(classes),
                            tf.constant(1f), tf.constant(0f));
                } else {
                    labels = fw.f(labelsNode.id());
                }
                yield tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));
            }
            case BINARY_CROSS_ENTROPY -> {
                Operand<TFloat32> x = fw.f(n.input(0));
                Operand<TFloat32> z = fw.f(n.input(1));
                Operand<TFloat32> l = tf.math.add(tf.math.sub(tf.nn.relu(x), tf.math.mul(x, z)),
                        tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(x)))));
                yield tf.math.mean(l, allAxes(tf, n, net.node(n.input(0)).shape().rank()));
            }
            case MEAN_SQUARED_ERROR -> tf.math.mean(tf.math.squaredDifference(fw.f(n.input(0)), fw.f(n.input(1))),
                    allAxes(tf, n, net.node(n.input(0)).shape().rank()));
        };
    }

    /**
     * {@code y}'s values, differentiated as {@code slope} times the incoming gradient: the value passes the
     * gradient by a stop, and {@code (x - stop(x)) * stop(slope)}, exactly zero, carries the derivative, so the
     * backward pass keeps only {@code slope}, computed in the forward pass. For a GELU: differentiated as written,
     * the exact form keeps three tensors of its input's size (x, x / sqrt 2 and the bracket), the tanh form six
     * (450 MB and about 1 GB of BERT-Base's activations at 16 x 64 tokens).
     */
    private static Operand<TFloat32> withSlope(Ops tf, Operand<TFloat32> x, Operand<TFloat32> y, Operand<TFloat32> slope) {
        Operand<TFloat32> zero = tf.math.mul(tf.math.sub(x, tf.stopGradient(x)), tf.stopGradient(slope));
        return tf.math.add(tf.stopGradient(y), zero);
    }

    /**
     * Layer norm for training with the same values, whose gradient keeps only the normalised input (and the
     * per-row reciprocal deviation) for the backward pass: differentiated as written, it kept the centred input,
     * twice the centred input (the square's derivative, computed as soon as the input is) and the normalised
     * input, three tensors of the input's size per norm (BERT-Base has 25 of them). Here the value passes the
     * gradient by stops, and a term that is exactly zero carries the derivatives: for the input
     * {@code r (p - n mean(n p))} with {@code p = d - mean(d)}, {@code d = x - stop(x)} (the Jacobian of
     * {@code n = (x - mean(x)) r}, {@code r = 1 / sqrt(var + eps)}), times stop(gamma); for gamma
     * {@code stop(n) (gamma - stop(gamma))}; for beta {@code beta - stop(beta)}.
     */
    private static Operand<TFloat32> leanLayerNorm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> r,
            Operand<TFloat32> norm, Operand<TFloat32> gamma, Operand<TFloat32> beta, Operand<TFloat32> y) {
        Operand<TInt32> last = tf.constant(new int[] {-1});
        Operand<TFloat32> n = tf.stopGradient(norm);
        Operand<TFloat32> d = tf.math.sub(x, tf.stopGradient(x));
        Operand<TFloat32> p = tf.math.sub(d, tf.math.mean(d, last, Mean.keepDims(true)));
        Operand<TFloat32> dn = tf.math.mul(tf.stopGradient(r),
                tf.math.sub(p, tf.math.mul(n, tf.math.mean(tf.math.mul(n, p), last, Mean.keepDims(true)))));
        Operand<TFloat32> zero = tf.math.add(tf.math.add(tf.math.mul(dn, tf.stopGradient(gamma)),
                tf.math.mul(n, tf.math.sub(gamma, tf.stopGradient(gamma)))), tf.math.sub(beta, tf.stopGradient(beta)));
        return tf.math.add(tf.stopGradient(y), zero);
    }

    private static Operand<TInt32> allAxes(Ops tf, Node n, int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return tf.constant(axes);
    }

    /**
     * Applies a last-axis op (Softmax, LogSoftmax) along {@code axis} on a rank-2 view: the C++
     * gradient of LogSoftmax sums over axis 1, so it is only right for rank-2 inputs.
     */
    private static Operand<TFloat32> lastAxis(Ops tf, Operand<TFloat32> x, int axis,
            java.util.function.UnaryOperator<Operand<TFloat32>> f) {
        int rank = x.shape().numDimensions();
        int ax = axis < 0 ? axis + rank : axis;
        Operand<TInt32> p = null;
        if (ax != rank - 1) {
            int[] perm = new int[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = i;
            }
            perm[ax] = rank - 1;
            perm[rank - 1] = ax;
            p = tf.constant(perm);
            x = tf.linalg.transpose(x, p);
        }
        Operand<TFloat32> y;
        if (rank == 2) {
            y = f.apply(x);
        } else {
            long[] dims = x.shape().asArray();
            long classes = dims[rank - 1];
            int unknown = 0;
            for (long dd : dims) {
                unknown += dd < 0 ? 1 : 0;
            }
            Operand<? extends org.tensorflow.types.family.TNumber> back = unknown <= 1 ? tf.constant(dims) : tf.shape(x);
            Operand<? extends org.tensorflow.types.family.TNumber> flatShape = classes >= 0 ? tf.constant(new long[] {-1, classes})
                    : tf.concat(List.of(tf.constant(new int[] {-1}),
                            tf.slice(tf.shape(x), tf.constant(new int[] {rank - 1}), tf.constant(new int[] {1}))), tf.constant(0));
            Operand<TFloat32> flat = tf.reshape(x, flatShape);
            y = tf.reshape(f.apply(flat), back);
        }
        return p == null ? y : tf.linalg.transpose(y, p);
    }

    private Operand<TFloat32> conv2d(Ops tf, Operand<TFloat32> x, Operand<TFloat32> k, Node n, long channels,
            dev.graft.engine.spi.Shape kshape) {
        Attrs a = n.attrs();
        long[] s = a.getLongs("strides");
        int[] d = a.getInts("dilations");
        String padding = a.getString("padding");
        if (padding.equals("EXPLICIT")) {
            int[] p = a.getInts("pads");
            x = tf.pad(x, tf.constant(new int[][] {{0, 0}, {p[0], p[1]}, {p[2], p[3]}, {0, 0}}), tf.constant(0f));
            padding = "VALID";
        }
        // TensorFlow's C++ gradients of Conv2D and DepthwiseConv2dNative drop the dilations
        // attribute (wrong input gradients), so a dilated kernel is spelled out with zeros instead.
        int kh = (int) kshape.dim(0);
        int kw = (int) kshape.dim(1);
        int ki = (int) kshape.dim(2);
        int ko = (int) kshape.dim(3);
        if (d[0] > 1 && kh > 1) {
            k = tf.reshape(k, tf.constant(new int[] {kh, 1, kw * ki * ko}));
            k = tf.pad(k, tf.constant(new int[][] {{0, 0}, {0, d[0] - 1}, {0, 0}}), tf.constant(0f));
            k = tf.reshape(k, tf.constant(new int[] {kh * d[0], kw, ki, ko}));
            kh = (kh - 1) * d[0] + 1;
            k = tf.slice(k, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {kh, kw, ki, ko}));
        }
        if (d[1] > 1 && kw > 1) {
            k = tf.reshape(k, tf.constant(new int[] {kh, kw, 1, ki * ko}));
            k = tf.pad(k, tf.constant(new int[][] {{0, 0}, {0, 0}, {0, d[1] - 1}, {0, 0}}), tf.constant(0f));
            k = tf.reshape(k, tf.constant(new int[] {kh, kw * d[1], ki, ko}));
            kw = (kw - 1) * d[1] + 1;
            k = tf.slice(k, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {kh, kw, ki, ko}));
        }
        List<Long> strides = List.of(1L, s[0], s[1], 1L);
        long groups = a.getLong("groups");
        if (groups == 1) {
            return tf.nn.conv2d(x, k, strides, padding);
        }
        int out = ko;
        int c = (int) channels;
        if (groups == channels && ki == 1) {
            Operand<TFloat32> dk = tf.reshape(k, tf.constant(new int[] {kh, kw, c, out / c}));
            return tf.nn.depthwiseConv2dNative(x, dk, strides, padding);
        }
        int inPer = (int) (channels / groups);
        int outPer = (int) (out / groups);
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Operand<TFloat32> xg = tf.slice(x, tf.constant(new int[] {0, 0, 0, g * inPer}), tf.constant(new int[] {-1, -1, -1, inPer}));
            Operand<TFloat32> kg = tf.slice(k, tf.constant(new int[] {0, 0, 0, g * outPer}), tf.constant(new int[] {-1, -1, -1, outPer}));
            parts.add(tf.nn.conv2d(xg, kg, strides, padding));
        }
        return tf.concat(parts, tf.constant(3));
    }

    private Operand<TFloat32> batchNorm(Ops tf, Forward fw, Node n, boolean training, Predicate<String> batchStats) {
        Attrs a = n.attrs();
        Operand<TFloat32> x = fw.f(n.input(0));
        int rank = net.node(n.input(0)).shape().rank();
        long c = net.node(n.input(0)).shape().dim(-1);
        if (rank == 2) {
            x = tf.reshape(x, tf.constant(new long[] {-1, 1, 1, c}));
        }
        Node meanNode = net.node(n.input(3));
        String meanParam = meanNode.op() == dev.graft.engine.spi.graph.Op.PARAM ? meanNode.attrs().getString("name") : meanNode.name();
        boolean useBatch = training && batchStats.test(meanParam);
        FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(x, fw.f(n.input(1)), fw.f(n.input(2)),
                fw.f(n.input(3)), fw.f(n.input(4)),
                FusedBatchNorm.epsilon((float) a.getDouble("epsilon")), FusedBatchNorm.isTraining(useBatch),
                FusedBatchNorm.dataFormat("NHWC"));
        if (useBatch) {
            Node varNode = net.node(n.input(4));
            String varParam = varNode.op() == dev.graft.engine.spi.graph.Op.PARAM ? varNode.attrs().getString("name") : null;
            if (meanNode.op() == dev.graft.engine.spi.graph.Op.PARAM && varParam != null) {
                fw.bnUpdates.add(new BnUpdate(meanParam, varParam, bn.batchMean(), bn.batchVariance(), a.getDouble("momentum")));
            }
        }
        Operand<TFloat32> y = bn.y();
        return rank == 2 ? tf.reshape(y, tf.constant(new long[] {-1, c})) : y;
    }

    static Operand<TBool> all(Ops tf, Operand<TBool> a, Operand<TBool> b) {
        return tf.math.logicalAnd(a, b);
    }
}
