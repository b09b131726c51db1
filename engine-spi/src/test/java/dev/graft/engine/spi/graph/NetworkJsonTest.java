package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import org.junit.jupiter.api.Test;

class NetworkJsonTest {
    static Network sample() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8, 8, 3);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn", Layers.conv2d(b, "conv", x, 4, 3, 2, "SAME", false), 1e-3, 0.99));
        h = b.conv2d(h, b.param("dw.kernel", Initializer.heUniform(), 3, 3, 1, 4), new int[] {1, 1}, new int[] {1, 1, 0, 2},
                new int[] {2, 2}, 4);
        Node pooled = b.dropout(b.globalAvgPool(h), 0.25);
        Node logits = Layers.dense(b, "head", b.mul(pooled, b.scalar(0.5)), 3);
        b.output("logits", logits);
        b.output("probs", b.softmax(logits, -1));
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    @Test
    void roundTripKeepsNodesParametersOutputsAndLoss() {
        Network net = sample();
        Network back = Network.fromJson(net.toJson());
        assertThat(back.nodes()).isEqualTo(net.nodes());
        assertThat(back.params().keySet()).containsExactlyElementsOf(net.params().keySet());
        net.params().forEach((k, p) -> {
            ParamSpec q = back.param(k);
            assertThat(q.shape()).isEqualTo(p.shape());
            assertThat(q.trainable()).isEqualTo(p.trainable());
            assertThat(q.initializer().spec()).isEqualTo(p.initializer().spec());
        });
        assertThat(back.outputs()).isEqualTo(net.outputs());
        assertThat(back.inputs()).isEqualTo(net.inputs());
        assertThat(back.lossOutput()).contains("loss");
        assertThat(back.toJson()).isEqualTo(net.toJson());
        assertThat(back.initialValues(3).get("head.kernel").bitEquals(net.initialValues(3).get("head.kernel"))).isTrue();
    }

    private static com.google.gson.JsonObject parse(String json) {
        return com.google.gson.JsonParser.parseString(json).getAsJsonObject();
    }

    @Test
    void readingReRunsShapeChecksAndNamesTheLayer() {
        com.google.gson.JsonObject root = parse(sample().toJson());
        for (com.google.gson.JsonElement p : root.getAsJsonArray("params")) {
            if (p.getAsJsonObject().get("name").getAsString().equals("head.kernel")) {
                p.getAsJsonObject().getAsJsonArray("shape").set(0, new com.google.gson.JsonPrimitive(5));
            }
        }
        String json = root.toString();
        assertThat(json).isNotEqualTo(sample().toJson());
        assertThatThrownBy(() -> Network.fromJson(json)).isInstanceOf(DefinitionException.class)
                .hasMessageContaining("head.matmul").hasMessageContaining("[5, 3]");
    }

    @Test
    void malformedDefinitionsAreRejectedWithReasons() {
        assertThatThrownBy(() -> Network.fromJson("{not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Network.fromJson("{\"format\": \"keras\"}")).hasMessageContaining("graft-network");
        String newer = sample().toJson().replace("\"version\": 1", "\"version\": 99");
        assertThatThrownBy(() -> Network.fromJson(newer)).hasMessageContaining("newer");
        com.google.gson.JsonObject fw = parse(sample().toJson());
        fw.getAsJsonArray("nodes").get(3).getAsJsonObject().getAsJsonArray("in").set(0, new com.google.gson.JsonPrimitive(40));
        String forward = fw.toString();
        assertThatThrownBy(() -> Network.fromJson(forward)).isInstanceOf(DefinitionException.class)
                .hasMessageContaining("not defined before it");
        String undeclared = sample().toJson().replaceFirst("\"name\": \"conv.kernel\"", "\"name\": \"conv.kern\"");
        assertThatThrownBy(() -> Network.fromJson(undeclared)).hasMessageContaining("not declared");
    }
}
