package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.NodeDef;

/**
 * Inference of a product by concatenated kernels (BERT's fused query, key and value projection) runs the product by
 * each part instead of concatenating the kernels on every call, with the values of the product by the concatenation.
 */
class TfInferenceProductTest {
    private static final int IN = 12;
    private static final int WIDTH = 7;

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    /** y = x concat(a, b, c) + concat(p, q, r), as BertEncoder writes the query, key and value projection. */
    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node k = b.concat(1, b.param("a", Initializer.truncatedNormal(1.0), IN, WIDTH),
                b.param("b", Initializer.truncatedNormal(1.0), IN, WIDTH), b.param("c", Initializer.truncatedNormal(1.0), IN, WIDTH));
        Node bias = b.concat(0, b.param("p", Initializer.truncatedNormal(1.0), WIDTH),
                b.param("q", Initializer.truncatedNormal(1.0), WIDTH), b.param("r", Initializer.truncatedNormal(1.0), WIDTH));
        b.output("y", b.add(b.matmul(x, k), bias));
        return b.build();
    }

    @Test
    void inferenceProductByConcatenatedKernelsMatchesAPlainJavaProduct() {
        Random rnd = new Random(5);
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net(), 9)) {
            Map<String, HostTensor> p = m.parameters();
            for (int rows : new int[] {1, 3, 40}) {
                HostTensor x = TestTensors.gaussian(rnd, 1, rows, IN);
                HostTensor y = m.predict(Map.of("x", x), "y");
                assertThat(y.shape().dims()).containsExactly(rows, 3 * WIDTH);
                for (int i = 0; i < rows; i++) {
                    for (int part = 0; part < 3; part++) {
                        HostTensor k = p.get(String.valueOf((char) ('a' + part)));
                        HostTensor bias = p.get(String.valueOf((char) ('p' + part)));
                        for (int j = 0; j < WIDTH; j++) {
                            double s = bias.getFloat(j);
                            for (int t = 0; t < IN; t++) {
                                s += (double) x.getFloat(i * IN + t) * k.getFloat(t * WIDTH + j);
                            }
                            assertThat(y.getFloat(i * 3 * WIDTH + part * WIDTH + j)).as("rows %d: [%d, %d]", rows, i, part * WIDTH + j)
                                    .isCloseTo((float) s, within(1e-5f * (float) Math.max(1, Math.abs(s))));
                        }
                    }
                }
            }
        }
    }

    @Test
    void inferenceOutputDoesNotReadAConcatenationOfTheKernels() {
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net(), 9)) {
            Map<String, NodeDef> nodes = new HashMap<>();
            for (NodeDef n : m.graph().toGraphDef().getNodeList()) {
                nodes.put(n.getName(), n);
            }
            // every operation the output reads, directly or not: what a session runs to fetch it
            Set<String> read = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(List.of(m.inferenceOutput("y").op().name()));
            while (!todo.isEmpty()) {
                String name = todo.pop();
                if (read.add(name)) {
                    for (String in : nodes.get(name).getInputList()) {
                        String op = in.startsWith("^") ? in.substring(1) : in;
                        todo.push(op.contains(":") ? op.substring(0, op.indexOf(':')) : op);
                    }
                }
            }
            List<String> kernelConcats = new ArrayList<>();
            List<String> products = new ArrayList<>();
            for (String name : read) {
                GraphOperation op = m.graph().operation(name);
                org.tensorflow.ndarray.Shape s = op.output(0).shape();
                if (op.type().equals("ConcatV2") && s.numDimensions() == 2 && s.size(0) == IN) {
                    kernelConcats.add(name);
                }
                if (op.type().equals("MatMul")) {
                    products.add(name);
                }
            }
            assertThat(kernelConcats).isEmpty();
            assertThat(products).hasSize(3);
        }
    }
}
