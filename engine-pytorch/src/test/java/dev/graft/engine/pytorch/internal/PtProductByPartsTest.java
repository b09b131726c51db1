package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import org.junit.jupiter.api.Test;

/**
 * A product by concatenated kernels (BERT's query, key and value projection) is taken by each part: the kernel
 * concatenation is never built. Values and gradients are checked against plain Java and finite differences by the
 * engine conformance suite ("matmul by concatenated kernels"), and against TensorFlow in {@link PtMatchesTensorFlowTest}.
 */
class PtProductByPartsTest {
    private static final int IN = 12;
    private static final int WIDTH = 7;

    /** y = x concat(a, b, c) + concat(p, q, r), and its relu. */
    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node k = b.concat(1, b.param("a", Initializer.truncatedNormal(1.0), IN, WIDTH),
                b.param("b", Initializer.truncatedNormal(1.0), IN, WIDTH), b.param("c", Initializer.truncatedNormal(1.0), IN, WIDTH));
        Node bias = b.concat(0, b.param("p", Initializer.truncatedNormal(1.0), WIDTH),
                b.param("q", Initializer.truncatedNormal(1.0), WIDTH), b.param("r", Initializer.truncatedNormal(1.0), WIDTH));
        Node y = b.add(b.matmul(x, k), bias);
        b.output("y", y);
        b.output("z", b.relu(y));
        return b.build();
    }

    @Test
    void theKernelConcatenationIsNeverBuilt() {
        Network net = net();
        PtGraphPlan plan = new PtGraphPlan(net);
        Node product = net.nodes().stream().filter(n -> n.op() == dev.graft.engine.spi.graph.Op.MATMUL).findFirst().orElseThrow();
        assertThat(plan.byParts(product.id())).isTrue();
        assertThat(plan.skippedKernel(product.id())).isEqualTo(product.input(1));
        assertThat(plan.fusedAway(product.input(1))).as("the kernel concatenation is not computed").isTrue();
    }
}
