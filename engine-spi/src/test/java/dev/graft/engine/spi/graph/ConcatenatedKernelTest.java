package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.DType;
import org.junit.jupiter.api.Test;

/** Which products {@link Network#isProductByConcatenatedKernel} lets an engine lower as products by the parts. */
class ConcatenatedKernelTest {

    @Test
    void onlyAPlainProductByColumnsOfFloatMatricesQualifies() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        Node q = b.param("q", Initializer.zeros(), 4, 3);
        Node k = b.param("k", Initializer.zeros(), 4, 3);
        Node columns = b.concat(1, q, k);
        Node lastAxis = b.concat(-1, q, k);
        Node rows = b.concat(0, q, k);
        Node qkv = b.matmul(x, columns);
        Node byLastAxis = b.matmul(x, lastAxis);
        Node transposed = b.matmul(b.input("x6", DType.FLOAT32, -1, 6), columns, false, true);
        Node byRows = b.matmul(b.concat(1, x, x), rows);
        Node plain = b.matmul(x, q);
        Node square = b.param("s", Initializer.zeros(), 6, 6);
        Node sq = b.concat(1, square, square);
        Node self = b.matmul(b.concat(0, sq, sq), b.concat(0, sq, sq));
        b.output("qkv", qkv);
        b.output("byLastAxis", byLastAxis);
        b.output("transposed", transposed);
        b.output("byRows", byRows);
        b.output("plain", plain);
        b.output("self", self);
        Network n = b.build();

        assertThat(n.isProductByConcatenatedKernel(n.output("qkv"))).isTrue();
        assertThat(n.isProductByConcatenatedKernel(n.output("byLastAxis"))).isTrue();
        assertThat(n.isProductByConcatenatedKernel(n.output("transposed"))).as("transposed kernel").isFalse();
        assertThat(n.isProductByConcatenatedKernel(n.output("byRows"))).as("kernel stacked by rows").isFalse();
        assertThat(n.isProductByConcatenatedKernel(n.output("plain"))).as("kernel not a concatenation").isFalse();
        assertThat(n.isProductByConcatenatedKernel(n.node(columns.id()))).as("not a product").isFalse();
        assertThat(n.isProductByConcatenatedKernel(n.output("self"))).as("not by columns").isFalse();
    }

    @Test
    void aProductOfANodeByItselfIsLeftWhole() {
        NetworkBuilder b = new NetworkBuilder();
        Node p = b.param("p", Initializer.zeros(), 3, 3);
        Node c = b.concat(1, b.param("a", Initializer.zeros(), 6, 3), b.param("b", Initializer.zeros(), 6, 3));
        Node y = b.matmul(c, c, false, false);
        b.output("y", b.matmul(p, b.concat(1, p, p)));
        b.output("bad", y);
        Network n = b.build();
        assertThat(n.isProductByConcatenatedKernel(n.output("y"))).isTrue();
        assertThat(n.isProductByConcatenatedKernel(n.output("bad"))).isFalse();
    }
}
