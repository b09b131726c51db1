package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import org.junit.jupiter.api.Test;

class ShapeInferenceTest {
    private final NetworkBuilder b = new NetworkBuilder();

    private Node img(long... s) {
        return b.input("img" + s.length + s[1] + s[2] + s[3], DType.FLOAT32, s);
    }

    private Node kernel(long... s) {
        return b.param("k" + s[0] + s[1] + s[2] + s[3], Initializer.zeros(), s);
    }

    @Test
    void convolutionOutputSizesFollowSameValidAndExplicitPadding() {
        Node x = img(-1, 7, 8, 4);
        assertThat(b.conv2d(x, kernel(3, 3, 4, 6), new int[] {2, 2}, "SAME", new int[] {1, 1}, 1).shape()).isEqualTo(Shape.of(-1, 4, 4, 6));
        assertThat(b.conv2d(x, kernel(3, 3, 4, 6), new int[] {2, 2}, "VALID", new int[] {1, 1}, 1).shape()).isEqualTo(Shape.of(-1, 3, 3, 6));
        assertThat(b.conv2d(x, kernel(3, 3, 4, 6), new int[] {1, 1}, "VALID", new int[] {2, 2}, 1).shape()).isEqualTo(Shape.of(-1, 3, 4, 6));
        assertThat(b.conv2d(x, kernel(3, 2, 4, 6), new int[] {1, 2}, new int[] {1, 0, 2, 1}, new int[] {1, 1}, 1).shape()) // H 7+1 -> 6, W (8+3-2)/2+1 -> 5
                .isEqualTo(Shape.of(-1, 6, 5, 6));
        assertThat(b.conv2d(x, kernel(3, 3, 2, 6), new int[] {1, 1}, "SAME", new int[] {1, 1}, 2).shape()).isEqualTo(Shape.of(-1, 7, 8, 6));
        assertThat(b.conv2d(x, kernel(3, 3, 1, 8), new int[] {1, 1}, "SAME", new int[] {1, 1}, 4).shape()).isEqualTo(Shape.of(-1, 7, 8, 8));
    }

    @Test
    void convolutionRejectsChannelAndGroupMismatchesNamingTheLayer() {
        Node x = img(1, 8, 8, 3);
        try (NetworkBuilder.Scope s = b.scope("stem")) {
            assertThatThrownBy(() -> b.conv2d(x, kernel(3, 3, 4, 8), new int[] {1, 1}, "SAME", new int[] {1, 1}, 1))
                    .isInstanceOf(DefinitionException.class).hasMessageContaining("stem").hasMessageContaining("[1, 8, 8, 3]")
                    .hasMessageContaining("[3, 3, 4, 8]");
            assertThatThrownBy(() -> b.conv2d(x, kernel(3, 3, 1, 8), new int[] {1, 1}, "SAME", new int[] {1, 1}, 2))
                    .hasMessageContaining("not divisible by groups 2");
            assertThatThrownBy(() -> b.conv2d(x, kernel(9, 9, 3, 8), new int[] {1, 1}, "VALID", new int[] {1, 1}, 1))
                    .hasMessageContaining("larger than input");
            assertThatThrownBy(() -> b.conv2d(x, kernel(3, 3, 3, 8), new int[] {1, 1}, "FULL", new int[] {1, 1}, 1))
                    .hasMessageContaining("SAME, VALID or EXPLICIT");
        }
    }

    @Test
    void poolsAndGlobalPoolsHaveTheDocumentedShapes() {
        Node x = img(-1, 5, 5, 3);
        assertThat(b.maxPool(x, new int[] {2, 2}, new int[] {2, 2}, "SAME").shape()).isEqualTo(Shape.of(-1, 3, 3, 3));
        assertThat(b.avgPool(x, new int[] {3, 3}, new int[] {2, 2}, "VALID").shape()).isEqualTo(Shape.of(-1, 2, 2, 3));
        assertThat(b.globalAvgPool(x).shape()).isEqualTo(Shape.of(-1, 3));
        assertThat(b.globalMaxPool(x).shape()).isEqualTo(Shape.of(-1, 3));
    }

    @Test
    void matmulMismatchNamesLayerAndBothShapes() {
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        try (NetworkBuilder.Scope s = b.scope("head")) {
            assertThatThrownBy(() -> b.matmul(x, b.param("kernel", Initializer.zeros(), 5, 3)))
                    .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.layer()).isEqualTo("head.matmul"))
                    .hasMessageContaining("[?, 4]").hasMessageContaining("[5, 3]");
        }
        assertThat(b.matmul(x, b.param("w", Initializer.zeros(), 3, 4), false, true).shape()).isEqualTo(Shape.of(-1, 3));
    }

    @Test
    void batchMatmulBroadcastingAndAdjoints() {
        Node q = b.input("q", DType.FLOAT32, -1, 4, 10, 16);
        Node k = b.input("k", DType.FLOAT32, -1, 4, 12, 16);
        assertThat(b.batchMatmul(q, k, false, true).shape()).isEqualTo(Shape.of(-1, 4, 10, 12));
        assertThatThrownBy(() -> b.batchMatmul(q, k, false, false)).isInstanceOf(DefinitionException.class)
                .hasMessageContaining("[?, 4, 10, 16]").hasMessageContaining("[?, 4, 12, 16]");
    }

    @Test
    void elementwiseOpsBroadcastLikeNumpyAndRejectIncompatibleShapes() {
        Node a = b.input("a", DType.FLOAT32, -1, 3, 1);
        Node c = b.input("c", DType.FLOAT32, 4);
        assertThat(b.add(a, c).shape()).isEqualTo(Shape.of(-1, 3, 4));
        assertThat(b.mul(a, b.scalar(2)).shape()).isEqualTo(Shape.of(-1, 3, 1));
        Node d = b.input("d", DType.FLOAT32, 2, 5);
        try (NetworkBuilder.Scope s = b.scope("residual")) {
            assertThatThrownBy(() -> b.sub(d, c)).isInstanceOf(DefinitionException.class).hasMessageContaining("residual")
                    .hasMessageContaining("[2, 5]").hasMessageContaining("[4]");
        }
        Node ids = b.input("ids", DType.INT32, 2, 5);
        assertThatThrownBy(() -> b.add(d, ids)).hasMessageContaining("types differ");
    }

    @Test
    void shapeOpsComputeTheirOutputs() {
        Node x = b.input("x", DType.FLOAT32, -1, 3, 4);
        assertThat(b.reshape(x, -1, 12).shape()).isEqualTo(Shape.of(-1, 12));
        assertThatThrownBy(() -> b.reshape(x, -1, 5)).isInstanceOf(DefinitionException.class);
        assertThatThrownBy(() -> b.reshape(x, -1, -1)).hasMessageContaining("more than one -1");
        assertThat(b.transpose(x, 0, 2, 1).shape()).isEqualTo(Shape.of(-1, 4, 3));
        assertThatThrownBy(() -> b.transpose(x, 0, 0, 1)).hasMessageContaining("invalid perm");
        Node y = b.input("y", DType.FLOAT32, -1, 2, 4);
        assertThat(b.concat(1, x, y).shape()).isEqualTo(Shape.of(-1, 5, 4));
        assertThatThrownBy(() -> b.concat(2, x, y)).hasMessageContaining("off axis 2");
        assertThat(b.slice(x, new long[] {0, 1, 0}, new long[] {-1, 2, -1}).shape()).isEqualTo(Shape.of(-1, 2, 4));
        assertThatThrownBy(() -> b.slice(x, new long[] {0, 2, 0}, new long[] {-1, 2, -1})).hasMessageContaining("exceeds input");
        assertThat(b.pad(x, new long[] {0, 0, 1, 2, 0, 3}, 0).shape()).isEqualTo(Shape.of(-1, 6, 7));
        assertThat(b.mean(x, false, 1, 2).shape()).isEqualTo(Shape.of(-1));
        assertThat(b.sum(x, true, -1).shape()).isEqualTo(Shape.of(-1, 3, 1));
        assertThatThrownBy(() -> b.sum(x, true, 3)).hasMessageContaining("axis 3 out of range");
        assertThat(b.cast(x, DType.INT32).dtype()).isEqualTo(DType.INT32);
        assertThatThrownBy(() -> b.softmax(x, 3)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> b.dropout(x, 1.0)).hasMessageContaining("dropout rate");
    }

    @Test
    void normalisationEmbeddingAndLossesCheckTheirOperands() {
        Node x = b.input("x", DType.FLOAT32, -1, 6);
        Node five = b.param("five", Initializer.ones(), 5);
        Node six = b.param("six", Initializer.ones(), 6);
        assertThatThrownBy(() -> b.batchNorm(x, five, six, six, six, 1e-3, 0.9)).hasMessageContaining("five [5]").hasMessageContaining("[?, 6]");
        assertThatThrownBy(() -> b.layerNorm(x, six, five, 1e-3)).hasMessageContaining("last axis");
        Node table = b.param("table", Initializer.zeros(), 10, 8);
        Node ids = b.input("ids", DType.INT32, -1, 7);
        assertThat(b.embedding(table, ids).shape()).isEqualTo(Shape.of(-1, 7, 8));
        assertThatThrownBy(() -> b.embedding(table, x)).hasMessageContaining("INT32");
        Node labels = b.input("labels", DType.INT32, -1);
        Node onehot = b.input("onehot", DType.FLOAT32, -1, 5);
        assertThat(b.softmaxCrossEntropy(x, labels).shape()).isEqualTo(Shape.scalar());
        assertThatThrownBy(() -> b.softmaxCrossEntropy(x, onehot)).hasMessageContaining("[?, 5]").hasMessageContaining("[?, 6]");
        assertThatThrownBy(() -> b.meanSquaredError(x, onehot)).hasMessageContaining("differ");
        assertThatThrownBy(() -> b.loss("loss", x)).hasMessageContaining("loss must be a scalar");
    }

    @Test
    void denseLayerNamesItsParametersUnderTheScope() {
        Node x = b.input("x", DType.FLOAT32, -1, 7, 3);
        Node y = Layers.dense(b, "encoder", x, 5);
        assertThat(y.shape()).isEqualTo(Shape.of(-1, 7, 5));
        b.output("y", y);
        assertThat(b.build().params()).containsOnlyKeys("encoder.kernel", "encoder.bias");
        assertThat(b.build().param("encoder.kernel").shape()).isEqualTo(Shape.of(3, 5));
    }

    @Test
    void parameterRedefinedWithAnotherShapeIsRejected() {
        b.param("w", Initializer.zeros(), 2, 3);
        assertThat(b.param("w", Initializer.zeros(), 2, 3).id()).isEqualTo(0);
        assertThatThrownBy(() -> b.param("w", Initializer.zeros(), 3, 2)).hasMessageContaining("redefined");
        assertThatThrownBy(() -> b.param("v", Initializer.zeros(), -1, 2)).hasMessageContaining("fully known");
    }

    @Test
    void reshapeLikeTakesLeadingDimensionsFromTheReference() {
        Node ids = b.input("ids", DType.INT32, -1, -1);
        Node rows = b.input("rows", DType.FLOAT32, -1, 12);
        assertThat(b.reshapeLike(rows, ids, 2, 3, 4).shape()).isEqualTo(Shape.of(-1, -1, 3, 4));
        assertThat(b.reshapeLike(rows, ids, 1, 1, -1).shape()).isEqualTo(Shape.of(-1, 1, -1));
        Node fixedIds = b.input("fixedIds", DType.INT32, 2, 5);
        Node fixedRows = b.input("fixedRows", DType.FLOAT32, 10, 12);
        assertThat(b.reshapeLike(fixedRows, fixedIds, 2, -1).shape()).isEqualTo(Shape.of(2, 5, 12));
        assertThat(b.reshapeLike(fixedRows, fixedIds, 2, 3, 4).dtype()).isEqualTo(DType.FLOAT32);
    }

    @Test
    void reshapeLikeRejectsBadLeadingCountsAndSizesNamingTheLayer() {
        Node ids = b.input("ids", DType.INT32, 2, 5);
        Node rows = b.input("rows", DType.FLOAT32, 10, 12);
        try (NetworkBuilder.Scope s = b.scope("split")) {
            assertThatThrownBy(() -> b.reshapeLike(rows, ids, 3, 12)).isInstanceOf(DefinitionException.class)
                    .hasMessageContaining("split").hasMessageContaining("leading 3");
            assertThatThrownBy(() -> b.reshapeLike(rows, ids, 2, 5)).hasMessageContaining("cannot reshape [10, 12]");
            assertThatThrownBy(() -> b.reshapeLike(rows, ids, 2, -1, -1)).hasMessageContaining("more than one -1");
        }
    }

    @Test
    void cumsumKeepsTheShapeAndNeedsFloatAndAValidAxis() {
        Node x = b.input("x", DType.FLOAT32, -1, 7);
        assertThat(b.cumsum(x, 1, true).shape()).isEqualTo(Shape.of(-1, 7));
        assertThatThrownBy(() -> b.cumsum(x, 2, false)).hasMessageContaining("axis 2 out of range");
        Node ids = b.input("ids", DType.INT32, -1, 7);
        assertThatThrownBy(() -> b.cumsum(ids, 1, false)).hasMessageContaining("FLOAT32 expected");
    }
}
