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
import dev.graft.engine.spi.graph.ParamSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BertEncoderTest {
    static final Engine ENGINE = new ServiceLoaderEngineRegistry().get("tensorflow");

    static Network network(BertConfig c) {
        NetworkBuilder b = new NetworkBuilder();
        Map<String, Node> in = BertEncoder.declareInputs(b, c);
        BertEncoder.Outputs o;
        try (NetworkBuilder.Scope s = b.scope("bert")) {
            o = BertEncoder.build(b, c, in);
        }
        return b.output("pooled", o.pooled()).output("sequence", o.sequence()).build();
    }

    /** Every parameter random (gammas near 1), so biases and norms are exercised too. */
    static Map<String, HostTensor> randomWeights(Network net, long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        for (ParamSpec p : net.params().values()) {
            float[] v = new float[(int) p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (p.name().endsWith("gamma") ? 1 + 0.1 * r.nextGaussian() : 0.3 * r.nextGaussian());
            }
            w.put(p.name(), HostTensor.of(v, p.shape().dims()));
        }
        return w;
    }

    static List<BertBatch.Sequence> sequences(int vocab, int typeVocab, long seed, int... lengths) {
        Random r = new Random(seed);
        return java.util.Arrays.stream(lengths).mapToObj(len -> {
            int[] ids = new int[len];
            int[] types = new int[len];
            for (int i = 0; i < len; i++) {
                ids[i] = 1 + r.nextInt(vocab - 1);
                types[i] = i >= len / 2 ? typeVocab - 1 : 0;
            }
            return new BertBatch.Sequence(ids, types);
        }).toList();
    }

    private static void assertMatchesReference(BertConfig c, int... lengths) {
        Network net = network(c);
        Map<String, HostTensor> w = randomWeights(net, 7);
        BertReference ref = new BertReference(c, w, "bert");
        try (CompiledModel m = ENGINE.compile(net, 1)) {
            m.setParameters(w);
            for (int round = 0; round < 2; round++) {
                int[] lens = round == 0 ? lengths : java.util.Arrays.stream(lengths).map(l -> l + 3).toArray();
                List<BertBatch.Sequence> batch = sequences(c.vocabSize(), c.typeVocabSize(), round, lens);
                Map<String, HostTensor> out = m.predict(BertBatch.tensors(c, batch, 1), List.of("pooled", "sequence"));
                int t = java.util.Arrays.stream(lens).max().orElseThrow();
                assertThat(out.get("sequence").shape().dims()).containsExactly(lens.length, t, c.hidden());
                float[] pooled = out.get("pooled").floats();
                float[] seq = out.get("sequence").floats();
                for (int n = 0; n < lens.length; n++) {
                    BertReference.Out expect = ref.forward(batch.get(n));
                    for (int d = 0; d < c.hidden(); d++) {
                        assertThat((double) pooled[n * c.hidden() + d]).as("pooled[%d][%d]", n, d)
                                .isCloseTo(expect.pooled()[d], org.assertj.core.data.Offset.offset(2e-4));
                    }
                    for (int i = 0; i < lens[n]; i++) {
                        for (int d = 0; d < c.hidden(); d++) {
                            assertThat((double) seq[(n * t + i) * c.hidden() + d]).as("sequence[%d][%d][%d]", n, i, d)
                                    .isCloseTo(expect.sequence()[i][d], org.assertj.core.data.Offset.offset(2e-4));
                        }
                    }
                }
            }
        }
    }

    @Test
    void bertMatchesPlainJavaReferenceAcrossPaddingAndSequenceLengths() {
        assertMatchesReference(BertConfig.bertTiny(50), 5, 9, 2);
    }

    @Test
    void tanhGeluVariantMatchesReference() {
        BertConfig c = new BertConfig("bert", 1, 16, 4, 24, 40, 64, 2, 1e-12, 0, 0, BertConfig.Activation.GELU_TANH, 0.1, 0.1);
        assertMatchesReference(c, 4, 7);
    }

    @Test
    void robertaCountsPositionsFromPadPlusOne() {
        BertConfig c = new BertConfig("roberta", 2, 24, 3, 48, 60, 40, 1, 1e-5, 1, 2, BertConfig.Activation.GELU, 0.1, 0.1);
        assertMatchesReference(c, 6, 3);
        Map<String, HostTensor> t = BertBatch.tensors(c, List.of(new BertBatch.Sequence(new int[] {0, 5, 2}, new int[3]),
                new BertBatch.Sequence(new int[] {0, 2}, new int[2])), 1);
        assertThat(positions(c, t)).containsExactly(2, 3, 4, 2, 3, 1);
        assertThat(t.get(BertEncoder.INPUT_IDS).ints()).containsExactly(0, 5, 2, 0, 2, 1);
    }

    @Test
    void bertCountsPositionsFromZeroOnEverySlot() {
        BertConfig c = BertConfig.bertTiny(50);
        Map<String, HostTensor> t = BertBatch.tensors(c, List.of(new BertBatch.Sequence(new int[] {3, 5, 2}, new int[3]),
                new BertBatch.Sequence(new int[] {3, 2}, new int[2])), 1);
        assertThat(positions(c, t)).containsExactly(0, 1, 2, 0, 1, 2);
    }

    @Test
    void feedsOnlyWhatAClientHas() {
        BertConfig c = BertConfig.bertTiny(50);
        assertThat(network(c).inputs().keySet()).containsExactlyInAnyOrder(BertEncoder.INPUT_IDS, BertEncoder.SEGMENT_IDS,
                BertEncoder.INPUT_MASK);
        assertThat(BertBatch.tensors(c, sequences(50, 2, 1, 4, 2), 1).keySet()).containsExactlyInAnyOrder(
                BertEncoder.INPUT_IDS, BertEncoder.SEGMENT_IDS, BertEncoder.INPUT_MASK);
    }

    /** The position ids the graph counts from the batch's mask. */
    static int[] positions(BertConfig c, Map<String, HostTensor> batch) {
        NetworkBuilder b = new NetworkBuilder();
        Node mask = b.input(BertEncoder.INPUT_MASK, dev.graft.engine.spi.DType.INT32, -1, -1);
        Network net = b.output("positions", BertEncoder.positions(b, c, mask)).build();
        try (CompiledModel m = ENGINE.compile(net, 1)) {
            return m.predict(Map.of(BertEncoder.INPUT_MASK, batch.get(BertEncoder.INPUT_MASK)), "positions").ints();
        }
    }

    @Test
    void namesParametersAndBlocksForCutPoints() {
        BertConfig c = BertConfig.bertTiny(30);
        Network net = network(c);
        assertThat(net.params()).containsKeys("bert.embeddings.word.embeddings", "bert.embeddings.norm.gamma",
                "bert.encoder.layer_1.attention.query.kernel", "bert.encoder.layer_1.ffn.norm.beta", "bert.pooler.kernel");
        assertThat(BertEncoder.blocks(c, "bert")).extracting(dev.graft.core.spi.Block::name)
                .containsExactly("embeddings", "encoder.layer_0", "encoder.layer_1", "pooler");
        for (String p : net.params().keySet()) {
            long owners = BertEncoder.blocks(c, "bert").stream()
                    .filter(bl -> dev.graft.engine.spi.train.ParamGroup.toRegex(bl.pattern()).matcher(p).matches()).count();
            assertThat(owners).as("blocks owning %s", p).isEqualTo(1);
        }
        long expected = 30 * 32 + 512 * 32 + 2 * 32 + 64 + 2 * (4 * (32 * 32 + 32) + 64 + 32 * 64 + 64 + 64 * 32 + 32 + 64)
                + 32 * 32 + 32;
        assertThat(net.parameterCount()).isEqualTo(expected);
    }

    @Test
    void rejectsTooLongSequencesAndIdsOutsideTheVocabulary() {
        BertConfig c = new BertConfig("bert", 1, 8, 2, 8, 10, 6, 2, 1e-12, 0, 0, BertConfig.Activation.GELU, 0, 0);
        assertThatThrownBy(() -> BertBatch.tensors(c, List.of(new BertBatch.Sequence(new int[7], new int[7])), 1))
                .hasMessageContaining("exceeds the encoder's 6 positions");
        assertThatThrownBy(() -> BertBatch.tensors(c, List.of(new BertBatch.Sequence(new int[] {3, 12}, new int[2])), 1))
                .hasMessageContaining("token id 12 at [0, 1] outside the vocabulary of 10");
    }
}
