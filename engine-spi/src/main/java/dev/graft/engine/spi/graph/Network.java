package dev.graft.engine.spi.graph;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.internal.NetworkJson;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An immutable network definition: nodes in topological order, named parameters, named inputs
 * and outputs, and optionally the name of the scalar loss output. Engines compile it; it is saved
 * as JSON beside the weights.
 */
public final class Network {
    private final List<Node> nodes;
    private final Map<String, ParamSpec> params;
    private final Map<String, Integer> inputs;
    private final Map<String, Integer> outputs;
    private final String lossOutput;
    /** {@link #inputsFor} by list of outputs; bounded, since callers choose the lists. */
    private final Map<List<String>, List<String>> inputsFor = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MEMOISED_LISTS = 64;

    Network(List<Node> nodes, Map<String, ParamSpec> params, Map<String, Integer> inputs,
            Map<String, Integer> outputs, String lossOutput) {
        this.nodes = List.copyOf(nodes);
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.lossOutput = lossOutput;
        for (int i = 0; i < this.nodes.size(); i++) {
            Node n = this.nodes.get(i);
            if (n.id() != i) {
                throw new IllegalArgumentException("node at position " + i + " has id " + n.id() + ": ids must be positions");
            }
            for (int in : n.inputs()) {
                if (in < 0 || in >= i) {
                    throw new IllegalArgumentException("node " + i + " (" + n.op() + ") reads node " + in
                            + ", which is not defined before it: nodes must be in topological order");
                }
            }
        }
        if (lossOutput != null && !outputs.containsKey(lossOutput)) {
            throw new IllegalArgumentException("loss output '" + lossOutput + "' is not an output");
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public Map<String, ParamSpec> params() {
        return params;
    }

    public ParamSpec param(String name) {
        ParamSpec p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return p;
    }

    /**
     * Refuses a value for parameter {@code name} that this network does not define, or whose shape or dtype is
     * not the definition's: what every engine checks before it sets a parameter.
     */
    public void checkParameterValue(String name, HostTensor value) {
        ParamSpec p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "' in this network");
        }
        if (!p.shape().equals(value.shape()) || p.dtype() != value.dtype()) {
            throw new IllegalArgumentException("parameter '" + name + "' is " + p.dtype() + p.shape() + ", value is "
                    + value.dtype() + value.shape());
        }
    }

    /** Input name to node id. */
    public Map<String, Integer> inputs() {
        return inputs;
    }

    /** Output name to node id. */
    public Map<String, Integer> outputs() {
        return outputs;
    }

    public Node output(String name) {
        Integer id = outputs.get(name);
        if (id == null) {
            throw new IllegalArgumentException("no output named '" + name + "'; outputs are " + outputs.keySet());
        }
        return nodes.get(id);
    }

    public Node input(String name) {
        Integer id = inputs.get(name);
        if (id == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return nodes.get(id);
    }

    public Optional<String> lossOutput() {
        return Optional.ofNullable(lossOutput);
    }

    /** The node of the PARAM op that reads {@code name}. */
    public Node paramNode(String name) {
        for (Node n : nodes) {
            if (n.op() == Op.PARAM && n.attrs().getString("name").equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    /**
     * Whether {@code m} is {@code x k}, {@code x} a float matrix and {@code k} (another node) a concatenation of float
     * matrices along their columns: BERT's query, key and value kernels as one product. Engines lower it as the
     * products by each part, concatenated, which gives the same columns without building {@code k}: building it
     * copied 1.8 MB per MiniLM layer and 7 MB per BERT-Base layer on every call, whatever the batch.
     */
    public boolean isProductByConcatenatedKernel(Node m) {
        if (m.op() != Op.MATMUL || m.dtype() != DType.FLOAT32 || m.attrs().getBool("transposeA")
                || m.attrs().getBool("transposeB") || node(m.input(0)).shape().rank() != 2 || m.input(0) == m.input(1)) {
            return false;
        }
        Node k = node(m.input(1));
        if (k.op() != Op.CONCAT || k.dtype() != DType.FLOAT32 || k.shape().rank() != 2
                || (k.attrs().getLong("axis") != 1 && k.attrs().getLong("axis") != -1)) {
            return false;
        }
        for (int id : k.inputs()) {
            if (node(id).dtype() != DType.FLOAT32 || node(id).shape().rank() != 2) {
                return false;
            }
        }
        return true;
    }

    /**
     * Ids of the nodes needed to compute the given nodes, as a set over node ids (a new set each call). One sweep from
     * the highest id down: nodes are in topological order, so every input of a node has a lower id.
     */
    public BitSet ancestors(int... ids) {
        BitSet seen = new BitSet(nodes.size());
        int top = -1;
        for (int id : ids) {
            if (id < 0 || id >= nodes.size()) {
                throw new IllegalArgumentException("no node " + id + " (the network has " + nodes.size() + ")");
            }
            seen.set(id);
            top = Math.max(top, id);
        }
        for (int id = top; id >= 0; id = seen.previousSetBit(id - 1)) {
            List<Integer> in = nodes.get(id).inputs();
            for (int k = 0, n = in.size(); k < n; k++) {
                seen.set(in.get(k));
            }
        }
        return seen;
    }

    /**
     * The input names that the given outputs depend on, in the network's input order; unmodifiable, and worked out once
     * per list of outputs (engines ask on every call).
     */
    public List<String> inputsFor(List<String> outputNames) {
        List<String> known = inputsFor.get(outputNames);
        if (known != null) {
            return known;
        }
        int[] ids = outputNames.stream().mapToInt(o -> output(o).id()).toArray();
        BitSet need = ancestors(ids);
        List<String> out = new ArrayList<>();
        inputs.forEach((name, id) -> {
            if (need.get(id)) {
                out.add(name);
            }
        });
        List<String> result = List.copyOf(out);
        if (inputsFor.size() < MEMOISED_LISTS) {
            inputsFor.putIfAbsent(List.copyOf(outputNames), result);
        }
        return result;
    }

    /** Parameters whose name matches, in definition order. */
    public List<ParamSpec> paramsMatching(Predicate<String> nameMatcher) {
        return params.values().stream().filter(p -> nameMatcher.test(p.name())).toList();
    }

    public long trainableParameterCount() {
        return params.values().stream().filter(ParamSpec::trainable).mapToLong(ParamSpec::size).sum();
    }

    public long parameterCount() {
        return params.values().stream().mapToLong(ParamSpec::size).sum();
    }

    /** First values of every parameter, drawn from {@code seed}. */
    public Map<String, HostTensor> initialValues(long seed) {
        return initialValues(seed, java.util.Set.of());
    }

    /**
     * The initial values of every parameter not named in {@code given}; each parameter's values
     * depend only on the seed and its own name, so they equal those of {@link #initialValues(long)}.
     */
    public Map<String, HostTensor> initialValues(long seed, java.util.Set<String> given) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (ParamSpec p : params.values()) {
            if (!given.contains(p.name())) {
                out.put(p.name(), p.initializer().create(p.shape(), p.dtype(), seed, p.name()));
            }
        }
        return out;
    }

    /** This network with other outputs (and loss); nodes and parameters are shared. */
    public Network withOutputs(Map<String, Integer> newOutputs, String newLoss) {
        return new Network(nodes, params, inputs, newOutputs, newLoss);
    }

    public String toJson() {
        return NetworkJson.write(this);
    }

    public static Network fromJson(String json) {
        return NetworkJson.read(json);
    }

    /** Builds a network from already-validated parts (used by the JSON reader). */
    public static Network of(List<Node> nodes, Map<String, ParamSpec> params, Map<String, Integer> inputs,
            Map<String, Integer> outputs, String lossOutput) {
        return new Network(nodes, params, inputs, outputs, lossOutput);
    }
}
