package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every pooling, on both engines, against a plain-Java computation over the reference BERT's
 * per-token states of each text without padding (so a padded batch must give the same vectors).
 */
class BertPoolingTest {
    static final List<String> POOLINGS = List.of("cls", "pooler", "mean", "max", "mean-last-2", "mean-last-1");

    @ParameterizedTest
    @ValueSource(strings = {"tensorflow", "pytorch"})
    void everyPoolingMatchesPlainJavaOnPaddedBatches(String engineId) {
        Engine engine = new ServiceLoaderEngineRegistry().get(engineId);
        BertConfig c = BertConfig.bertTiny(50).withDropout(0, 0);
        NetworkBuilder b = new NetworkBuilder();
        Map<String, Node> in = BertEncoder.declareInputs(b, c);
        BertEncoder.Outputs o;
        try (NetworkBuilder.Scope s = b.scope("bert")) {
            o = BertEncoder.build(b, c, in, true);
        }
        Map<String, BertPooling> poolings = new LinkedHashMap<>();
        for (String p : POOLINGS) {
            poolings.put(p, BertPooling.parse(p, false));
            poolings.put(p + "+l2", BertPooling.parse(p, true));
        }
        poolings.forEach((k, p) -> b.output(k, p.apply(b, c, in, o)));
        Network net = b.build();
        Map<String, HostTensor> w = BertEncoderTest.randomWeights(net, 3);
        BertReference top = new BertReference(c, w, "bert");
        BertReference below = new BertReference(c.withLayers(c.layers() - 1), w, "bert");
        List<BertBatch.Sequence> batch = BertEncoderTest.sequences(c.vocabSize(), c.typeVocabSize(), 5, 4, 9, 2, 6);
        Map<String, HostTensor> out;
        try (CompiledModel m = engine.compile(net, 1)) {
            m.setParameters(w);
            out = m.predict(BertBatch.tensors(c, batch, 8), List.copyOf(poolings.keySet()));
        }
        for (int n = 0; n < batch.size(); n++) {
            BertReference.Out t = top.forward(batch.get(n));
            double[][] prev = below.forward(batch.get(n)).sequence();
            for (Map.Entry<String, BertPooling> e : poolings.entrySet()) {
                double[] want = reference(e.getValue(), t, prev);
                float[] got = out.get(e.getKey()).floats();
                for (int d = 0; d < c.hidden(); d++) {
                    assertThat((double) got[n * c.hidden() + d]).as("%s %s[%d][%d]", engineId, e.getKey(), n, d)
                            .isCloseTo(want[d], Offset.offset(2e-4));
                }
            }
        }
    }

    private static double[] reference(BertPooling p, BertReference.Out top, double[][] prev) {
        double[][] seq = top.sequence();
        int h = seq[0].length;
        double[] v = new double[h];
        switch (p.mode()) {
            case CLS -> v = seq[0].clone();
            case POOLER -> v = top.pooled().clone();
            case MAX -> {
                java.util.Arrays.fill(v, Double.NEGATIVE_INFINITY);
                for (double[] row : seq) {
                    for (int d = 0; d < h; d++) {
                        v[d] = Math.max(v[d], row[d]);
                    }
                }
            }
            case MEAN, MEAN_LAST_K -> {
                for (int i = 0; i < seq.length; i++) {
                    for (int d = 0; d < h; d++) {
                        double x = p.lastK() == 2 ? (seq[i][d] + prev[i][d]) / 2 : seq[i][d];
                        v[d] += x / seq.length;
                    }
                }
            }
            default -> throw new AssertionError(p);
        }
        if (p.normalize()) {
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < h; d++) {
                v[d] /= norm;
            }
        }
        return v;
    }

    @org.junit.jupiter.api.Test
    void parsesNamesAndListsTheValidOnesOnError() {
        assertThat(BertPooling.parse("mean-last-4", true)).isEqualTo(new BertPooling(BertPooling.Mode.MEAN_LAST_K, 4, true));
        assertThat(BertPooling.parse("mean-last-4", false).id()).isEqualTo("mean-last-4");
        assertThat(BertPooling.parse("cls", false).id()).isEqualTo("cls");
        for (String bad : List.of("avg", "mean-last-0", "mean-last-x", "mean-last-", "CLS", "")) {
            assertThatThrownBy(() -> BertPooling.parse(bad, false)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown pooling '" + bad + "'")
                    .hasMessageContaining("cls, pooler, mean, max, mean-last-<k>");
        }
        BertConfig c = BertConfig.bertTiny(50);
        assertThatThrownBy(() -> BertPooling.parse("pooler", false).check(c, false, "minilm"))
                .hasMessageContaining("backbone 'minilm' has no pre-trained pooler");
        assertThatThrownBy(() -> BertPooling.parse("mean-last-3", false).check(c, true, "tiny"))
                .hasMessageContaining("averages more layers than the 2 it has");
    }
}
