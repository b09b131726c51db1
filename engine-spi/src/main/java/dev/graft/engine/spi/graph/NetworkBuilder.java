package dev.graft.engine.spi.graph;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.internal.ShapeInference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records a network definition op by op. Every op's shape is inferred and checked as it is added,
 * so a mismatch is reported here, naming the layer (the current scope) and both shapes.
 *
 * <pre>{@code
 * NetworkBuilder b = new NetworkBuilder();
 * Node x = b.input("x", DType.FLOAT32, -1, 4);
 * Node h = Layers.dense(b, "fc1", x, 16);
 * b.output("logits", Layers.dense(b, "fc2", b.relu(h), 3));
 * }</pre>
 */
public final class NetworkBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, ParamSpec> params = new LinkedHashMap<>();
    private final Map<String, Node> paramNodes = new LinkedHashMap<>();
    private final Map<String, Integer> inputs = new LinkedHashMap<>();
    private final Map<String, Integer> outputs = new LinkedHashMap<>();
    private final Deque<String> scopes = new ArrayDeque<>();
    private String lossOutput;

    /** Opens a naming scope: parameters created inside are named {@code scope.local}. */
    public Scope scope(String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("invalid scope name '" + name + "'");
        }
        scopes.addLast(name);
        return () -> scopes.removeLast();
    }

    /** The current scope path joined with {@code local}. */
    public String qualify(String local) {
        if (scopes.isEmpty()) {
            return local;
        }
        return String.join(".", scopes) + (local.isEmpty() ? "" : "." + local);
    }

    /** A scope that ends when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    // ---- sources -------------------------------------------------------------------------

    public Node input(String name, DType dtype, long... shape) {
        if (inputs.containsKey(name)) {
            throw new DefinitionException(name, "input defined twice");
        }
        Node n = add(Op.INPUT, Attrs.builder().put("name", name).build(), name, Shape.of(shape), dtype, List.of());
        inputs.put(name, n.id());
        return n;
    }

    /** Creates a parameter named {@code qualify(local)}. */
    public Node param(String local, Initializer init, boolean trainable, long... shape) {
        return paramNamed(qualify(local), init, trainable, DType.FLOAT32, shape);
    }

    public Node param(String local, Initializer init, long... shape) {
        return param(local, init, true, shape);
    }

    /** Creates (or, with the same spec, reuses) a parameter with a fully qualified name. */
    public Node paramNamed(String name, Initializer init, boolean trainable, DType dtype, long... shape) {
        Shape s = Shape.of(shape);
        if (!s.isFullyKnown()) {
            throw new DefinitionException(name, "parameter shape must be fully known, got " + s);
        }
        ParamSpec existing = params.get(name);
        if (existing != null) {
            if (!existing.shape().equals(s)) {
                throw new DefinitionException(name, "parameter redefined with shape " + s + ", was " + existing.shape());
            }
            return paramNodes.get(name);
        }
        params.put(name, new ParamSpec(name, s, dtype, init, trainable));
        Node n = add(Op.PARAM, Attrs.builder().put("name", name).build(), name, s, dtype, List.of());
        paramNodes.put(name, n);
        return n;
    }

    public Node scalar(double value) {
        return add(Op.SCALAR, Attrs.builder().put("value", value).build(), qualify("scalar"), Shape.scalar(), DType.FLOAT32, List.of());
    }

    // ---- ops -----------------------------------------------------------------------------

    public Node matmul(Node a, Node b, boolean transposeA, boolean transposeB) {
        return op(Op.MATMUL, Attrs.builder().put("transposeA", transposeA).put("transposeB", transposeB).build(), a, b);
    }

    public Node matmul(Node a, Node b) {
        return matmul(a, b, false, false);
    }

    public Node batchMatmul(Node a, Node b, boolean adjointA, boolean adjointB) {
        return op(Op.BATCH_MATMUL, Attrs.builder().put("adjointA", adjointA).put("adjointB", adjointB).build(), a, b);
    }

    /** Convolution with SAME or VALID padding. */
    public Node conv2d(Node x, Node kernel, int[] strides, String padding, int[] dilations, int groups) {
        return op(Op.CONV2D, Attrs.builder().put("strides", strides).put("dilations", dilations)
                .put("groups", (long) groups).put("padding", padding).build(), x, kernel);
    }

    /** Convolution with explicit padding {top, bottom, left, right}. */
    public Node conv2d(Node x, Node kernel, int[] strides, int[] pads, int[] dilations, int groups) {
        return op(Op.CONV2D, Attrs.builder().put("strides", strides).put("dilations", dilations)
                .put("groups", (long) groups).put("padding", "EXPLICIT").put("pads", pads).build(), x, kernel);
    }

    public Node maxPool(Node x, int[] window, int[] strides, String padding) {
        return op(Op.MAX_POOL, Attrs.builder().put("window", window).put("strides", strides).put("padding", padding).build(), x);
    }

    public Node avgPool(Node x, int[] window, int[] strides, String padding) {
        return op(Op.AVG_POOL, Attrs.builder().put("window", window).put("strides", strides).put("padding", padding).build(), x);
    }

    public Node globalAvgPool(Node x) {
        return op(Op.GLOBAL_AVG_POOL, Attrs.empty(), x);
    }

    public Node globalMaxPool(Node x) {
        return op(Op.GLOBAL_MAX_POOL, Attrs.empty(), x);
    }

    public Node batchNorm(Node x, Node gamma, Node beta, Node movingMean, Node movingVar, double epsilon, double momentum) {
        return op(Op.BATCH_NORM, Attrs.builder().put("epsilon", epsilon).put("momentum", momentum).build(),
                x, gamma, beta, movingMean, movingVar);
    }

    public Node layerNorm(Node x, Node gamma, Node beta, double epsilon) {
        return op(Op.LAYER_NORM, Attrs.builder().put("epsilon", epsilon).build(), x, gamma, beta);
    }

    public Node embedding(Node table, Node ids) {
        return op(Op.EMBEDDING, Attrs.empty(), table, ids);
    }

    public Node add(Node a, Node b) {
        return op(Op.ADD, Attrs.empty(), a, b);
    }

    public Node sub(Node a, Node b) {
        return op(Op.SUB, Attrs.empty(), a, b);
    }

    public Node mul(Node a, Node b) {
        return op(Op.MUL, Attrs.empty(), a, b);
    }

    public Node div(Node a, Node b) {
        return op(Op.DIV, Attrs.empty(), a, b);
    }

    public Node relu(Node x) {
        return op(Op.RELU, Attrs.empty(), x);
    }

    public Node gelu(Node x) {
        return op(Op.GELU, Attrs.empty(), x);
    }

    /** GELU in its tanh approximation, as Google's BERT computes it. */
    public Node geluTanh(Node x) {
        return op(Op.GELU_TANH, Attrs.empty(), x);
    }

    public Node tanh(Node x) {
        return op(Op.TANH, Attrs.empty(), x);
    }

    public Node sigmoid(Node x) {
        return op(Op.SIGMOID, Attrs.empty(), x);
    }

    public Node softmax(Node x, int axis) {
        return op(Op.SOFTMAX, Attrs.builder().put("axis", (long) axis).build(), x);
    }

    public Node logSoftmax(Node x, int axis) {
        return op(Op.LOG_SOFTMAX, Attrs.builder().put("axis", (long) axis).build(), x);
    }

    public Node dropout(Node x, double rate) {
        return op(Op.DROPOUT, Attrs.builder().put("rate", rate).build(), x);
    }

    public Node reshape(Node x, long... shape) {
        return op(Op.RESHAPE, Attrs.builder().put("shape", shape).build(), x);
    }

    /**
     * Reshapes {@code x} to {@code like}'s first {@code leading} dimensions (read at run time) followed
     * by {@code shape} (one -1 allowed); see {@link Op#RESHAPE_LIKE}.
     */
    public Node reshapeLike(Node x, Node like, int leading, long... shape) {
        return op(Op.RESHAPE_LIKE, Attrs.builder().put("leading", (long) leading).put("shape", shape).build(), x, like);
    }

    /** Running sum along {@code axis}, inclusive or exclusive; see {@link Op#CUMSUM}. */
    public Node cumsum(Node x, int axis, boolean exclusive) {
        return op(Op.CUMSUM, Attrs.builder().put("axis", (long) axis).put("exclusive", exclusive).build(), x);
    }

    public Node transpose(Node x, int... perm) {
        return op(Op.TRANSPOSE, Attrs.builder().put("perm", perm).build(), x);
    }

    public Node concat(int axis, Node... xs) {
        return op(Op.CONCAT, Attrs.builder().put("axis", (long) axis).build(), xs);
    }

    public Node slice(Node x, long[] begin, long[] size) {
        return op(Op.SLICE, Attrs.builder().put("begin", begin).put("size", size).build(), x);
    }

    public Node pad(Node x, long[] paddings, double value) {
        return op(Op.PAD, Attrs.builder().put("paddings", paddings).put("value", value).build(), x);
    }

    public Node mean(Node x, boolean keepDims, int... axes) {
        return op(Op.MEAN, Attrs.builder().put("axes", axes).put("keepDims", keepDims).build(), x);
    }

    public Node sum(Node x, boolean keepDims, int... axes) {
        return op(Op.SUM, Attrs.builder().put("axes", axes).put("keepDims", keepDims).build(), x);
    }

    public Node cast(Node x, DType dtype) {
        return op(Op.CAST, Attrs.builder().put("dtype", dtype.name()).build(), x);
    }

    public Node softmaxCrossEntropy(Node logits, Node labels) {
        return op(Op.SOFTMAX_CROSS_ENTROPY, Attrs.empty(), logits, labels);
    }

    public Node binaryCrossEntropy(Node logits, Node targets) {
        return op(Op.BINARY_CROSS_ENTROPY, Attrs.empty(), logits, targets);
    }

    public Node meanSquaredError(Node predictions, Node targets) {
        return op(Op.MEAN_SQUARED_ERROR, Attrs.empty(), predictions, targets);
    }

    /** Adds any op by kind; shapes are inferred and checked. */
    public Node op(Op op, Attrs attrs, Node... in) {
        if (op == Op.INPUT || op == Op.PARAM || op == Op.SCALAR) {
            throw new IllegalArgumentException("use input(), param() or scalar() for " + op);
        }
        for (Node n : in) {
            if (n.id() >= nodes.size() || nodes.get(n.id()) != n) {
                throw new DefinitionException(qualify(""), "operand " + n + " belongs to another builder");
            }
        }
        String layer = qualify(op.name().toLowerCase());
        List<Node> inputsList = Arrays.asList(in);
        ShapeInference.Result r = ShapeInference.infer(layer, op, attrs, inputsList);
        return add(op, attrs, layer, r.shape(), r.dtype(), inputsList);
    }

    // ---- outputs -------------------------------------------------------------------------

    public NetworkBuilder output(String name, Node node) {
        outputs.put(name, node.id());
        return this;
    }

    /** Declares a scalar output as the training loss. */
    public NetworkBuilder loss(String name, Node node) {
        if (node.shape().rank() != 0) {
            throw new DefinitionException(node.name(), "loss must be a scalar, got " + node.shape());
        }
        outputs.put(name, node.id());
        lossOutput = name;
        return this;
    }

    /** The node with the given id. */
    public Node node(int id) {
        return nodes.get(id);
    }

    public Network build() {
        if (outputs.isEmpty()) {
            throw new IllegalStateException("network has no outputs");
        }
        return new Network(nodes, params, inputs, outputs, lossOutput);
    }

    /** Re-adds a node read from a definition, re-running shape checks (used by the JSON reader). */
    public Node replay(Op op, Attrs attrs, String name, Shape shape, DType dtype, List<Integer> in) {
        List<Node> inNodes = in.stream().map(nodes::get).toList();
        return switch (op) {
            case INPUT -> input(attrs.getString("name"), dtype, shape.dims());
            case PARAM -> throw new IllegalArgumentException("replay parameters with paramNamed()");
            case SCALAR -> add(op, attrs, name, Shape.scalar(), DType.FLOAT32, List.of());
            default -> {
                ShapeInference.Result r = ShapeInference.infer(name, op, attrs, inNodes);
                yield add(op, attrs, name, r.shape(), r.dtype(), inNodes);
            }
        };
    }

    private Node add(Op op, Attrs attrs, String name, Shape shape, DType dtype, List<Node> in) {
        Node n = new Node(nodes.size(), op, in.stream().map(Node::id).toList(), attrs, shape, dtype, name);
        nodes.add(n);
        return n;
    }
}
