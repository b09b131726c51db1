package dev.graft.engine.spi.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a network definition node by node into a fresh {@link NetworkBuilder}, letting a rule
 * replace any node as it is copied: later nodes that read it read the replacement instead. This is
 * how engine-neutral adapters rewrite a definition before it is compiled (a LoRA adapter replaces a
 * kernel read by {@code W + s A B}; a loss term adds ops and changes the loss), so both engines run
 * the result unchanged. Shapes are re-inferred and checked on every copied node.
 *
 * <pre>{@code
 * NetworkRewriter.Copy c = NetworkRewriter.copy(net, (b, original, copy) ->
 *         original.op() == Op.PARAM && original.attrs().getString("name").equals("fc.kernel")
 *                 ? b.mul(copy, b.scalar(2)) : copy);
 * Network doubled = c.build();
 * }</pre>
 */
public final class NetworkRewriter {
    private NetworkRewriter() {
    }

    /** Decides what stands in for a node of the original network. */
    @FunctionalInterface
    public interface Rule {
        /**
         * @param b        the builder of the new network (no scope open)
         * @param original the node in the original network
         * @param copy     its copy in {@code b}, already reading the (possibly replaced) inputs
         * @return the node later nodes should read: {@code copy} to keep it, or a new node built on it
         */
        Node rewrite(NetworkBuilder b, Node original, Node copy);
    }

    /** The identity rule. */
    public static final Rule KEEP = (b, original, copy) -> copy;

    /** A network being copied: add nodes through {@link #builder()}, then {@link #build()}. */
    public static final class Copy {
        private final Network source;
        private final NetworkBuilder builder;
        private final Map<Integer, Node> mapped;
        private final Map<String, Node> extraOutputs = new java.util.LinkedHashMap<>();
        private Node loss;

        Copy(Network source, NetworkBuilder builder, Map<Integer, Node> mapped) {
            this.source = source;
            this.builder = builder;
            this.mapped = mapped;
        }

        public Network source() {
            return source;
        }

        public NetworkBuilder builder() {
            return builder;
        }

        /** What stands in the new network for node {@code id} of the original. */
        public Node node(int id) {
            Node n = mapped.get(id);
            if (n == null) {
                throw new IllegalArgumentException("node " + id + " is not in the copied network");
            }
            return n;
        }

        /** What stands in the new network for the original's named output. */
        public Node output(String name) {
            return node(source.output(name).id());
        }

        /** The stand-in for the original's PARAM node of {@code name}. */
        public Node param(String name) {
            return node(source.paramNode(name).id());
        }

        /** The current loss node: the original's (as rewritten) unless {@link #setLoss} replaced it. */
        public Node loss() {
            if (loss != null) {
                return loss;
            }
            String l = source.lossOutput().orElseThrow(() -> new IllegalStateException("the network has no loss output"));
            return output(l);
        }

        /** Replaces the loss (keeping the loss output's name). */
        public void setLoss(Node newLoss) {
            if (source.lossOutput().isEmpty()) {
                throw new IllegalStateException("the network has no loss output to replace");
            }
            if (newLoss.shape().rank() != 0) {
                throw new DefinitionException(newLoss.name(), "loss must be a scalar, got " + newLoss.shape());
            }
            this.loss = newLoss;
        }

        /** Adds an output to the new network. */
        public void addOutput(String name, Node node) {
            if (source.outputs().containsKey(name)) {
                throw new DefinitionException(name, "output '" + name + "' already exists");
            }
            extraOutputs.put(name, node);
        }

        /** The new network: the original's outputs (rewritten), its loss, and any added outputs. */
        public Network build() {
            String lossName = source.lossOutput().orElse(null);
            for (Map.Entry<String, Integer> o : source.outputs().entrySet()) {
                if (o.getKey().equals(lossName)) {
                    builder.loss(lossName, loss());
                } else {
                    builder.output(o.getKey(), node(o.getValue()));
                }
            }
            extraOutputs.forEach(builder::output);
            return builder.build();
        }
    }

    /** Copies {@code net} applying {@code rule} to every node. */
    public static Copy copy(Network net, Rule rule) {
        NetworkBuilder b = new NetworkBuilder();
        Map<Integer, Node> mapped = new HashMap<>();
        for (Node n : net.nodes()) {
            Node c = switch (n.op()) {
                case PARAM -> {
                    ParamSpec p = net.param(n.attrs().getString("name"));
                    yield b.paramNamed(p.name(), p.initializer(), p.trainable(), p.dtype(), p.shape().dims());
                }
                case INPUT -> b.input(n.attrs().getString("name"), n.dtype(), n.shape().dims());
                default -> {
                    List<Integer> in = new ArrayList<>(n.inputs().size());
                    for (int id : n.inputs()) {
                        in.add(mapped.get(id).id());
                    }
                    yield b.replay(n.op(), n.attrs(), n.name(), n.shape(), n.dtype(), in);
                }
            };
            Node r = rule.rewrite(b, n, c);
            if (!r.shape().equals(n.shape()) && n.shape().isFullyKnown() && r.shape().isFullyKnown()) {
                throw new DefinitionException(n.name(), "rewrite changed the shape from " + n.shape() + " to " + r.shape());
            }
            mapped.put(n.id(), r);
        }
        return new Copy(net, b, mapped);
    }

    /** Copies {@code net} applying {@code rule}; outputs and loss as in the original. */
    public static Network rewrite(Network net, Rule rule) {
        return copy(net, rule).build();
    }

    /** Nodes that read node {@code id}, with the input position, in definition order. */
    public static List<int[]> consumers(Network net, int id) {
        List<int[]> out = new ArrayList<>();
        for (Node n : net.nodes()) {
            for (int i = 0; i < n.inputs().size(); i++) {
                if (n.input(i) == id) {
                    out.add(new int[] {n.id(), i});
                }
            }
        }
        return out;
    }
}
