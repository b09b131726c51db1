package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import org.junit.jupiter.api.Test;

class NetworkRewriterTest {
    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        Node logits = Layers.dense(b, "fc", b.mul(x, b.scalar(2)), 3);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, b.input("label", DType.FLOAT32, -1, 3)));
        return b.build();
    }

    @Test
    void copyingWithoutChangesGivesTheSameDefinition() {
        Network n = net();
        assertThat(NetworkRewriter.rewrite(n, NetworkRewriter.KEEP).toJson()).isEqualTo(n.toJson());
    }

    @Test
    void replacedNodeIsReadByEveryLaterNodeAndAddedParametersAppear() {
        Network n = net();
        Network r = NetworkRewriter.rewrite(n, (b, o, c) -> o.op() == Op.PARAM && o.attrs().getString("name").equals("fc.kernel")
                ? b.add(c, b.paramNamed("fc.delta", Initializer.zeros(), true, DType.FLOAT32, 4, 3)) : c);
        assertThat(r.params()).containsKeys("fc.kernel", "fc.bias", "fc.delta");
        Node matmul = r.nodes().stream().filter(x -> x.op() == Op.MATMUL).findFirst().orElseThrow();
        assertThat(r.node(matmul.input(1)).op()).isEqualTo(Op.ADD);
        assertThat(r.lossOutput()).contains("loss");
        assertThat(r.outputs().keySet()).isEqualTo(n.outputs().keySet());
    }

    @Test
    void lossCanBeExtendedAndOutputsAdded() {
        NetworkRewriter.Copy c = NetworkRewriter.copy(net(), NetworkRewriter.KEEP);
        Node extra = c.builder().sum(c.param("fc.bias"), false, 0);
        c.setLoss(c.builder().add(c.loss(), extra));
        c.addOutput("extra", extra);
        Network r = c.build();
        assertThat(r.node(r.output("loss").input(1))).isEqualTo(r.output("extra"));
        assertThatThrownBy(() -> c.setLoss(c.param("fc.bias"))).hasMessageContaining("scalar");
    }

    @Test
    void refusesARewriteThatChangesAShape() {
        assertThatThrownBy(() -> NetworkRewriter.rewrite(net(), (b, o, c) -> o.op() == Op.PARAM
                && o.attrs().getString("name").equals("fc.bias") ? b.paramNamed("other", Initializer.zeros(), true, DType.FLOAT32, 5) : c))
                .isInstanceOf(DefinitionException.class).hasMessageContaining("[3]").hasMessageContaining("[5]");
    }

    @Test
    void findsConsumersWithTheirInputPosition() {
        Network n = net();
        int kernel = n.paramNode("fc.kernel").id();
        assertThat(NetworkRewriter.consumers(n, kernel)).hasSize(1);
        assertThat(NetworkRewriter.consumers(n, kernel).get(0)[1]).isEqualTo(1);
    }
}
