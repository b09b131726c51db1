package dev.graft.engine.pytorch.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the PyTorch engine works out once per network to do less per call: how many nodes consume
 * each node (so that an inference pass can free a value after its last use, and may update a value
 * nobody else reads in place), and which matrix products plus bias become one {@code linear} call.
 *
 * <p>A product {@code matmul(x, w)} (2-D, {@code x} not transposed) whose only consumer is
 * {@code add(product, bias)} with a 1-D bias, and which is not a network output, is computed by
 * that add as PyTorch's {@code linear} (one {@code addmm}: the bias is written first and the product
 * accumulated onto it), so the product never exists as a tensor of its own.
 */
final class PtGraphPlan {
    /** Ops whose result is a new tensor with its own storage (not a view of an operand). */
    static final Set<Op> FRESH = EnumSet.of(Op.MATMUL, Op.BATCH_MATMUL, Op.ADD, Op.SUB, Op.MUL, Op.GELU, Op.GELU_TANH, Op.RELU, Op.TANH,
            Op.SIGMOID, Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LAYER_NORM);

    private final Network net;
    private final int[] consumers;
    private final boolean[] output;
    /** For an add computed as {@code linear}: the product's node id; -1 elsewhere. */
    private final int[] linearProduct;
    /** True for a product that its add computes, and for a concatenated kernel that only products by parts read. */
    private final boolean[] fusedAway;
    /** True for a product by a kernel concatenated along its columns, computed as the products by the parts. */
    private final boolean[] byParts;

    PtGraphPlan(Network net) {
        this.net = net;
        int n = net.nodes().size();
        consumers = new int[n];
        output = new boolean[n];
        linearProduct = new int[n];
        fusedAway = new boolean[n];
        byParts = new boolean[n];
        Arrays.fill(linearProduct, -1);
        for (Node node : net.nodes()) {
            for (int in : distinctInputs(node)) {
                consumers[in]++;
            }
        }
        for (int id : net.outputs().values()) {
            output[id] = true;
        }
        for (Node node : net.nodes()) {
            int m = productWithBias(node);
            if (m >= 0) {
                linearProduct[node.id()] = m;
                fusedAway[m] = true;
            }
        }
        int[] partsReaders = new int[n];
        for (Node node : net.nodes()) {
            if (net.isProductByConcatenatedKernel(node)) { // as the TensorFlow engine lowers it
                byParts[node.id()] = true;
                partsReaders[node.input(1)]++;
            }
        }
        for (Node node : net.nodes()) {
            if (partsReaders[node.id()] == 1 && consumers[node.id()] == 1 && !output[node.id()]) {
                fusedAway[node.id()] = true; // the concatenated kernel itself is never built
            }
        }
    }

    /** The concatenated kernel a product by parts reads instead of building it, or -1. */
    int skippedKernel(int productId) {
        int k = byParts[productId] ? net.node(productId).input(1) : -1;
        return k >= 0 && fusedAway[k] ? k : -1;
    }

    /** Whether a product's kernel is a concatenation that the product reads part by part. */
    boolean byParts(int productId) {
        return byParts[productId];
    }

    /** The ids a node reads, each once. */
    static int[] distinctInputs(Node node) {
        return node.inputs().stream().mapToInt(Integer::intValue).distinct().toArray();
    }

    /** Nodes that read {@code id}, over the whole network. */
    int consumers(int id) {
        return consumers[id];
    }

    /** The product an add node computes with {@code linear}, or -1. */
    int linearProduct(int addId) {
        return linearProduct[addId];
    }

    /** Whether a matrix product is left to its add (computed as {@code linear}). */
    boolean fusedAway(int id) {
        return fusedAway[id];
    }

    /** Uses of each node's value in one pass: its needed consumers, plus one for each value the caller reads. */
    int[] uses(BitSet needed, int[] keep) {
        int[] uses = new int[consumers.length];
        for (Node node : net.nodes()) {
            if (needed.get(node.id())) {
                for (int in : distinctInputs(node)) {
                    uses[in]++;
                }
            }
        }
        for (int id : keep) {
            uses[id]++;
        }
        return uses;
    }

    private int productWithBias(Node add) {
        if (add.op() != Op.ADD || add.dtype() != DType.FLOAT32 || add.input(0) == add.input(1)) {
            return -1;
        }
        for (int i = 0; i < 2; i++) {
            Node m = net.node(add.input(i));
            Node bias = net.node(add.input(1 - i));
            if (m.op() == Op.MATMUL && m.dtype() == DType.FLOAT32 && consumers[m.id()] == 1 && !output[m.id()]
                    && !m.attrs().getBool("transposeA") && net.node(m.input(0)).shape().rank() == 2
                    && net.node(m.input(1)).shape().rank() == 2 && bias.shape().rank() == 1) {
                return m.id();
            }
        }
        return -1;
    }
}
