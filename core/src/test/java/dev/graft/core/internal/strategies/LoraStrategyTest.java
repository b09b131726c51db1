package dev.graft.core.internal.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.NetworkAdapter;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The lora strategy's plan and defaults, and the adapters' initialisation. */
class LoraStrategyTest {
    private static final List<String> PARAMS = List.of("backbone.encoder.layer_0.attention.query.kernel",
            "backbone.encoder.layer_0.attention.key.kernel", "backbone.encoder.layer_0.attention.value.kernel",
            "backbone.encoder.layer_0.ffn.output.kernel", "head.out.kernel", "head.out.bias");
    private static final PlanContext CTX = new PlanContext("bert", List.of(), "backbone", "head", 1e-3, 10, 100, 3,
            List.of(), PARAMS);

    private static ParamGroup group(TransferPlan p, String name) {
        return p.phases().get(0).groups().stream().filter(g -> g.name().startsWith(name)).findFirst().orElseThrow();
    }

    @Test
    void defaultsAreRankEightAlphaSixteenQueryAndValueWithAdaptersAtTwiceTheHeadRateAndTheHeadTrainable() {
        TransferPlan p = new LoraStrategy().plan(CTX, Map.of());
        LoraAdapter a = (LoraAdapter) p.extensions(NetworkAdapter.class).get(0);
        assertThat(a.scale()).isEqualTo(2.0);
        assertThat(a.describe()).contains("r=8").contains("alpha=16.0")
                .contains(LoraStrategy.DEFAULT_TARGETS.split(",")[0]);
        ParamGroup adapters = group(p, "lora adapters");
        assertThat(adapters.frozen()).isFalse();
        assertThat(adapters.lrMultiplier()).isEqualTo(LoraStrategy.DEFAULT_LR_FACTOR).isEqualTo(2.0);
        assertThat(group(p, "backbone").frozen()).isTrue();
        ParamGroup head = p.phases().get(0).groups().get(2);
        assertThat(head.pattern()).startsWith("head");
        assertThat(head.frozen()).as("the head trains").isFalse();
        assertThat(head.lrMultiplier()).as("the head at its own (the trainer's) rate").isEqualTo(1.0);
        assertThat(p.explanation()).contains("lr 0.00200");
    }

    @Test
    void adaptersOfEncodersDeeperThanSixLayersTrainAtTheHeadsRate() {
        List<dev.graft.core.spi.Block> six = new java.util.ArrayList<>();
        six.add(new dev.graft.core.spi.Block("embeddings", "backbone.embeddings.**"));
        for (int i = 0; i < 6; i++) {
            six.add(new dev.graft.core.spi.Block("encoder.layer_" + i, "backbone.encoder.layer_" + i + ".**"));
        }
        List<dev.graft.core.spi.Block> twelve = new java.util.ArrayList<>(six);
        for (int i = 6; i < 12; i++) {
            twelve.add(new dev.graft.core.spi.Block("encoder.layer_" + i, "backbone.encoder.layer_" + i + ".**"));
        }
        PlanContext small = new PlanContext("minilm", six, "backbone", "head", 1e-3, 10, 100, 3, List.of(), PARAMS);
        PlanContext deep = new PlanContext("bert-base", twelve, "backbone", "head", 1e-3, 10, 100, 3, List.of(), PARAMS);
        assertThat(group(new LoraStrategy().plan(small, Map.of()), "lora adapters").lrMultiplier()).isEqualTo(2.0);
        TransferPlan p = new LoraStrategy().plan(deep, Map.of());
        assertThat(group(p, "lora adapters").lrMultiplier()).isEqualTo(LoraStrategy.DEEP_LR_FACTOR).isEqualTo(1.0);
        assertThat(p.explanation()).contains("lr 0.00100");
        assertThat(group(new LoraStrategy().plan(deep, Map.of("lrFactor", "3")), "lora adapters").lrMultiplier())
                .as("an explicit factor wins").isEqualTo(3.0);
    }

    @Test
    void defaultTargetsAreTheFourAttentionKernelsOfEveryLayerAndNotTheFeedForwardOnes() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8);
        Node h = x;
        try (NetworkBuilder.Scope bb = b.scope("backbone"); NetworkBuilder.Scope enc = b.scope("encoder")) {
            for (int layer = 0; layer < 2; layer++) {
                try (NetworkBuilder.Scope l = b.scope("layer_" + layer)) {
                    try (NetworkBuilder.Scope att = b.scope("attention")) {
                        for (String n : List.of("query", "key", "value", "output")) {
                            h = Layers.dense(b, n, h, 8, true, Initializer.glorotUniform());
                        }
                    }
                    try (NetworkBuilder.Scope ffn = b.scope("ffn")) {
                        h = Layers.dense(b, "intermediate", h, 16, true, Initializer.glorotUniform());
                        h = Layers.dense(b, "output", h, 8, true, Initializer.glorotUniform());
                    }
                }
            }
            b.output("y", h);
        }
        Network net = b.build();
        TransferPlan p = new LoraStrategy().plan(new PlanContext("bert", List.of(), "backbone", "head", 1e-3, 10, 100, 3,
                List.of(), List.copyOf(net.params().keySet())), Map.of());
        List<String> adapted = ((LoraAdapter) p.extensions(NetworkAdapter.class).get(0)).targetsIn(net);
        List<String> expected = new java.util.ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String n : List.of("query", "key", "value", "output")) {
                expected.add("backbone.encoder.layer_" + layer + ".attention." + n + ".kernel");
            }
        }
        assertThat(adapted).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void optionsSetRankAlphaAndTheAdapterRate() {
        TransferPlan p = new LoraStrategy().plan(CTX, Map.of("rank", "4", "alpha", "4", "lrFactor", "0.5",
                "targets", "backbone.**.attention.*.kernel"));
        assertThat(((LoraAdapter) p.extensions(NetworkAdapter.class).get(0)).scale()).isEqualTo(1.0);
        assertThat(group(p, "lora adapters").lrMultiplier()).isEqualTo(0.5);
        assertThatThrownBy(() -> new LoraStrategy().plan(CTX, Map.of("lrFactor", "0"))).hasMessageContaining("lrFactor");
        assertThatThrownBy(() -> new LoraStrategy().plan(CTX, Map.of("targets", "backbone.**.nothing.kernel")))
                .hasMessageContaining("targets").hasMessageContaining("backbone.encoder.layer_0.attention.query.kernel");
    }

    @Test
    void adaptersStartWithBZeroAndAGaussianOfVarianceOneOverFanIn() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 512);
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("y", Layers.dense(b, "fc", x, 64, true, Initializer.glorotUniform()));
        }
        Network net = new LoraAdapter(8, 16, 0, List.of("backbone.fc.kernel")).adapt(b.build());
        Map<String, HostTensor> w = net.initialValues(5);
        assertThat(w.get("backbone.fc.lora_b").shape().dims()).containsExactly(8, 64);
        assertThat(w.get("backbone.fc.lora_b").floats()).containsOnly(0f);
        float[] a = w.get("backbone.fc.lora_a").floats();
        assertThat(w.get("backbone.fc.lora_a").shape().dims()).containsExactly(512, 8);
        double mean = 0;
        double sq = 0;
        for (float v : a) {
            mean += v;
            sq += (double) v * v;
        }
        mean /= a.length;
        double std = Math.sqrt(sq / a.length - mean * mean);
        // 4096 draws: the sample std is within 5 % of 1/sqrt(512) with overwhelming probability
        assertThat(std).isCloseTo(1 / Math.sqrt(512), Offset.offset(0.05 / Math.sqrt(512)));
        assertThat(mean).isCloseTo(0, Offset.offset(4 / Math.sqrt(512) / Math.sqrt(a.length)));
    }

    @Test
    void mergeAddsAlphaOverRankTimesAB() {
        // plain-Java reference: w + (alpha/r) A B for a 2x3 kernel, rank 2, alpha 3
        HostTensor w = HostTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        HostTensor a = HostTensor.of(new float[] {1, 0, 2, -1}, 2, 2);
        HostTensor bt = HostTensor.of(new float[] {1, 2, 0, 0, 1, 1}, 2, 3);
        LoraAdapter lora = new LoraAdapter(2, 3, 0, List.of("k"));
        HostTensor m = LoraAdapter.merged(w, a, bt, lora.scale());
        // A B = [[1, 2, 0], [2, 3, -1]]; scale 1.5
        assertThat(m.floats()).containsExactly(2.5f, 5f, 3f, 7f, 9.5f, 4.5f);
    }
}
