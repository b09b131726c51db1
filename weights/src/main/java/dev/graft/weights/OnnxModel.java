package dev.graft.weights;

import dev.graft.engine.spi.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights and the wiring of an ONNX model file ({@code ModelProto}), read in plain Java: the
 * graph's initializers ({@code TensorProto}: name, dims, data type, {@code raw_data} or
 * {@code float_data}) and its nodes (op type, name, inputs, outputs, attributes such as a Conv's
 * {@code strides} or a Gemm's {@code transB}), indexed by the values they read and write so that
 * importers can name weights by the nodes that use them. Nothing in the file is run.
 *
 * <p>Exporters from PyTorch leave dense kernels anonymous ({@code onnx::MatMul_787}); {@link #matMulKernels()}
 * names each by the bias its product is added to. Every length in the file is checked against the
 * enclosing message before use; every error is a {@link WeightFileException} naming the file and
 * the tensor or node at fault.
 */
public final class OnnxModel {
    /** ONNX {@code TensorProto.DataType} codes this reader converts. */
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    private final Path file;
    private final ByteBuffer bytes;
    private final Map<String, OnnxInitializer> initializers;
    private final List<OnnxNode> nodes;
    private final Map<String, OnnxNode> producers = new HashMap<>();
    private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

    private OnnxModel(Path file, ByteBuffer bytes, Map<String, OnnxInitializer> initializers, List<OnnxNode> nodes) {
        this.file = file;
        this.bytes = bytes;
        this.initializers = Collections.unmodifiableMap(initializers);
        this.nodes = List.copyOf(nodes);
        for (OnnxNode n : this.nodes) {
            n.outputs().forEach(o -> producers.putIfAbsent(o, n));
            for (String in : new LinkedHashSet<>(n.inputs())) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /** A graph node: its op, name, the value names it reads and writes, and its attributes by name. */
    public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs,
            Map<String, OnnxAttribute> attributes) {
        public OnnxNode {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }

        /** A node without attributes. */
        public OnnxNode(String name, String opType, List<String> inputs, List<String> outputs) {
            this(name, opType, inputs, outputs, Map.of());
        }

        /** An integer attribute ({@code i}), or {@code dflt} when the node does not set it. */
        public long intAttribute(String attr, long dflt) {
            OnnxAttribute a = attributes.get(attr);
            return a == null || !a.hasI() ? dflt : a.i();
        }

        /** A float attribute ({@code f}), or {@code dflt} when the node does not set it. */
        public float floatAttribute(String attr, float dflt) {
            OnnxAttribute a = attributes.get(attr);
            return a == null || !a.hasF() ? dflt : a.f();
        }

        /** An integer-list attribute ({@code ints}), or {@code dflt} when the node does not set it. */
        public long[] intsAttribute(String attr, long... dflt) {
            OnnxAttribute a = attributes.get(attr);
            return a == null || a.ints().isEmpty() ? dflt.clone() : a.intArray();
        }

        /** The node's input {@code i}, or null when it has fewer inputs or the input is left empty (optional). */
        public String input(int i) {
            return i < inputs.size() && !inputs.get(i).isEmpty() ? inputs.get(i) : null;
        }
    }

    /**
     * An anonymous MatMul kernel named by its bias: {@code MatMul(x, kernel) -> Add(., bias)}. The
     * kernel is stored {@code [in, out]}.
     */
    public record KernelBinding(String kernel, String bias, String matMulNode, String addNode) {
    }

    /** Reads the file (at most 2 GiB: larger models keep their weights in external files, which are not read). */
    public static OnnxModel read(Path file) throws IOException {
        ByteBuffer bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new WeightFileException(file, null, "ONNX file of " + size + " bytes is over 2 GiB; models that large keep "
                        + "their weights in external data files, which Graft does not read");
            }
            bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (ch.read(bytes) < 0) {
                    throw new WeightFileException(file, null, "file shrank while being read");
                }
            }
        }
        return parse(file, bytes.flip());
    }

    /** Parses an ONNX model from bytes; {@code file} names the source in errors. */
    public static OnnxModel parse(Path file, ByteBuffer data) throws WeightFileException {
        ByteBuffer bytes = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        OnnxWire model = new OnnxWire(bytes, 0, bytes.limit(), file, null);
        Map<String, OnnxInitializer> inits = new LinkedHashMap<>();
        List<OnnxNode> nodes = new ArrayList<>();
        boolean graph = false;
        while (model.hasMore()) {
            long tag = model.tag();
            if ((tag >>> 3) == 7) {
                model.expect(tag, OnnxWire.LENGTH_DELIMITED, "ModelProto.graph");
                int end = model.lengthDelimited("graph");
                readGraph(model.sub(model.position(), end, "graph"), inits, nodes);
                model.skipTo(end);
                graph = true;
            } else {
                model.skip(tag);
            }
        }
        if (!graph) {
            throw new WeightFileException(file, null, "no graph in this ONNX model (ModelProto field 7)");
        }
        return new OnnxModel(file, bytes, inits, nodes);
    }

    private static void readGraph(OnnxWire g, Map<String, OnnxInitializer> inits, List<OnnxNode> nodes)
            throws WeightFileException {
        while (g.hasMore()) {
            long tag = g.tag();
            int field = (int) (tag >>> 3);
            if (field == 1 || field == 5) {
                g.expect(tag, OnnxWire.LENGTH_DELIMITED, field == 1 ? "GraphProto.node" : "GraphProto.initializer");
                int end = g.lengthDelimited(field == 1 ? "node" : "initializer");
                if (field == 1) {
                    nodes.add(readNode(g.sub(g.position(), end, "node #" + nodes.size())));
                } else {
                    OnnxInitializer t = OnnxInitializer.read(g.sub(g.position(), end, "initializer #" + inits.size()));
                    if (inits.put(t.name(), t) != null) {
                        throw g.sub(0, 0, t.name()).fail("initializer defined twice");
                    }
                }
                g.skipTo(end);
            } else {
                g.skip(tag);
            }
        }
    }

    private static OnnxNode readNode(OnnxWire n) throws WeightFileException {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        Map<String, OnnxAttribute> attrs = new LinkedHashMap<>();
        while (n.hasMore()) {
            long tag = n.tag();
            switch ((int) (tag >>> 3)) {
                case 1 -> {
                    n.expect(tag, OnnxWire.LENGTH_DELIMITED, "NodeProto.input");
                    in.add(n.string("node input"));
                }
                case 2 -> {
                    n.expect(tag, OnnxWire.LENGTH_DELIMITED, "NodeProto.output");
                    out.add(n.string("node output"));
                }
                case 3 -> {
                    n.expect(tag, OnnxWire.LENGTH_DELIMITED, "NodeProto.name");
                    name = n.string("node name");
                }
                case 4 -> {
                    n.expect(tag, OnnxWire.LENGTH_DELIMITED, "NodeProto.op_type");
                    op = n.string("op_type");
                }
                case 5 -> {
                    n.expect(tag, OnnxWire.LENGTH_DELIMITED, "NodeProto.attribute");
                    int end = n.lengthDelimited("attribute");
                    OnnxAttribute a = OnnxAttribute.read(n.sub(n.position(), end, n.entry()));
                    if (attrs.put(a.name(), a) != null) {
                        throw n.fail("attribute '" + a.name() + "' given twice");
                    }
                    n.skipTo(end);
                }
                default -> n.skip(tag);
            }
        }
        return new OnnxNode(name, op, in, out, attrs);
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** Initializers by name, in file order (metadata only; see {@link #tensor}). */
    public Map<String, OnnxInitializer> initializers() {
        return initializers;
    }

    /** Graph nodes in file order. */
    public List<OnnxNode> nodes() {
        return nodes;
    }

    /** The node that writes value {@code value}, or null (a graph input or an initializer). */
    public OnnxNode producer(String value) {
        return producers.get(value);
    }

    /** The nodes that read value {@code value}, in file order. */
    public List<OnnxNode> consumers(String value) {
        return List.copyOf(consumers.getOrDefault(value, List.of()));
    }

    /**
     * The initializer a node input reads, following {@code Identity} nodes (exporters insert them
     * for shared or renamed weights); null when the value is computed by any other node.
     */
    public String initializerBehind(String value) {
        String v = value;
        for (int hops = 0; v != null && hops <= nodes.size(); hops++) {
            if (initializers.containsKey(v)) {
                return v;
            }
            OnnxNode p = producer(v);
            if (p == null || !p.opType().equals("Identity") || p.inputs().isEmpty()) {
                return null;
            }
            v = p.inputs().get(0);
        }
        return null;
    }

    /**
     * One initializer as a host tensor: FLOAT as FLOAT32, INT32 as is, INT64 narrowed to INT32
     * (values outside int range are an error).
     */
    public HostTensor tensor(String name) throws WeightFileException {
        OnnxInitializer t = initializers.get(name);
        if (t == null) {
            throw new WeightFileException(file, name, "no such initializer");
        }
        return t.toHostTensor(bytes, file);
    }

    /** Every FLOAT initializer as a host tensor, by name (other types are left out). */
    public Map<String, HostTensor> floatTensors() throws WeightFileException {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (OnnxInitializer t : initializers.values()) {
            if (t.dataType() == FLOAT) {
                out.put(t.name(), t.toHostTensor(bytes, file));
            }
        }
        return out;
    }

    /**
     * Names anonymous dense kernels: for every {@code MatMul} whose second input is an initializer
     * and whose only consumer is an {@code Add} with an initializer on its other input, the kernel
     * is bound to that bias. Kernels used by more than one MatMul, or MatMuls feeding anything but
     * one such Add, are left out (the importer then reports them as unmapped).
     */
    public List<KernelBinding> matMulKernels() {
        return OnnxKernels.bind(nodes, initializers.keySet());
    }
}
