package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A product by concatenated kernels (BERT's query, key and value projection) is taken by each part, and the kernel
 * concatenation is not built when that product is its only reader. Values and gradients are checked against plain Java
 * and finite differences by the engine conformance suite ("matmul by concatenated kernels"), and against TensorFlow in
 * {@link PtMatchesTensorFlowTest}.
 */
class PtProductByPartsTest {
    private static Node kernel(NetworkBuilder b, String prefix) {
        return b.concat(1, b.param(prefix + "q", Initializer.normal(1), 5, 3), b.param(prefix + "k", Initializer.normal(1), 5, 4));
    }

    private static List<Node> products(Network net) {
        return net.nodes().stream().filter(n -> n.op() == Op.MATMUL).toList();
    }

    @Test
    void aKernelConcatenationReadOnlyByTheProductIsNotBuilt() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 5);
        b.output("y", b.add(b.matmul(x, kernel(b, "")), b.param("bias", Initializer.normal(1), 7)));
        Network net = b.build();
        PtGraphPlan plan = new PtGraphPlan(net);
        Node product = products(net).get(0);
        assertThat(plan.byParts(product.id())).isTrue();
        assertThat(plan.skippedKernel(product.id())).isEqualTo(product.input(1));
        assertThat(plan.fusedAway(product.input(1))).as("the kernel concatenation is not computed").isTrue();
    }

    @Test
    void aKernelConcatenationThatIsAlsoReadElsewhereIsStillBuilt() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 5);
        Node shared = kernel(b, "s");
        b.output("y", b.matmul(x, shared));
        b.output("z", b.matmul(b.input("w", DType.FLOAT32, -1, 5), shared));
        Node asked = kernel(b, "a");
        b.output("v", b.matmul(x, asked));
        b.output("kernel", asked);
        Network net = b.build();
        PtGraphPlan plan = new PtGraphPlan(net);
        for (Node p : products(net)) {
            assertThat(plan.byParts(p.id())).as("product %s by parts", p.name()).isTrue();
            assertThat(plan.skippedKernel(p.id())).as("product %s skips its kernel", p.name()).isEqualTo(-1);
            assertThat(plan.fusedAway(p.input(1))).isFalse();
        }
        // a product whose kernel is not a concatenation is computed as it is
        NetworkBuilder c = new NetworkBuilder();
        c.output("y", c.matmul(c.input("x", DType.FLOAT32, -1, 5), c.param("w", Initializer.normal(1), 5, 2)));
        Network plain = c.build();
        assertThat(new PtGraphPlan(plain).byParts(products(plain).get(0).id())).isFalse();
    }
}
