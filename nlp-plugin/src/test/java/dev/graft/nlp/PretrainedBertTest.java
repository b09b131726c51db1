package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.weights.TensorBundle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real BERT-Base run two ways: its own SavedModel graph, and its variables in Graft's BERT. */
class PretrainedBertTest {
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Graft fine-tunes pretrained networks on your own labelled data, offline.",
            "Café owners in Zürich said prices rose 3.5% last year!");

    @Test
    void savedModelAndGraftDefinitionAgreeOnRealSentences() throws Exception {
        Path dir = PretrainedBert.savedModelDir();
        int t = PretrainedBert.SAVED_MODEL_SEQUENCE_LENGTH;
        List<BertBatch.Sequence> seqs = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, t)) {
            for (String s : SENTENCES) {
                seqs.add(tok.encode(s));
            }
            assertThat(tok.encode(SENTENCES.get(0), SENTENCES.get(1)).typeIds()).contains(0, 1);
        }
        BertConfig c = BertConfig.bertBaseUncasedGoogle();
        Map<String, HostTensor> in = BertBatch.tensorsOfLength(c, seqs, t);
        Map<String, HostTensor> opaque;
        BertWeights.Result imported;
        try (SavedModel sm = BertEncoderTest.ENGINE.openSavedModel(dir, "serve", dev.graft.engine.spi.SavedModelOptions.trustedModel())) {
            assertThat(sm.signatures().get("serving_default").inputs()).containsOnlyKeys("input_ids", "input_mask", "segment_ids");
            Map<String, HostTensor> feed = new LinkedHashMap<>();
            feed.put("input_ids", in.get(BertEncoder.INPUT_IDS));
            feed.put("input_mask", in.get(BertEncoder.INPUT_MASK));
            feed.put("segment_ids", in.get(BertEncoder.SEGMENT_IDS));
            opaque = sm.run("serving_default", feed, List.of("pooled_output", "sequence_output"));
            List<String> names = new ArrayList<>(sm.variables().keySet());
            imported = BertWeights.fromGoogle(dir.toString(), sm.readVariables(names), c, "bert", true);
        }
        assertThat(imported.report().complete()).isTrue();
        // the plain-Java checkpoint reader sees exactly what TensorFlow's own variable reads give
        Map<String, HostTensor> fromCheckpoint = TensorBundle.read(TensorBundle.prefixOf(dir), n -> true);
        BertWeights.Result viaReader = BertWeights.fromGoogle(dir.toString(), fromCheckpoint, c, "bert", true);
        assertThat(viaReader.weights().keySet()).isEqualTo(imported.weights().keySet());
        viaReader.weights().forEach((k, v) -> assertThat(v.bitEquals(imported.weights().get(k))).as(k).isTrue());
        assertThat(TfCheckpoint.entries(TfCheckpoint.prefixOf(dir))).containsKey("module/bert/pooler/dense/kernel");
        assertThat(imported.report().imported()).hasSize(199);
        assertThat(imported.report().imported()).anySatisfy(m -> {
            assertThat(m.from()).isEqualTo("module/bert/encoder/layer_0/attention/self/query/kernel");
            assertThat(m.to()).isEqualTo("bert.encoder.layer_0.attention.query.kernel");
        });

        NetworkBuilder b = new NetworkBuilder();
        Map<String, Node> inputs = BertEncoder.declareInputs(b, c);
        BertEncoder.Outputs o;
        try (NetworkBuilder.Scope s = b.scope("bert")) {
            o = BertEncoder.build(b, c, inputs);
        }
        Network net = b.output("pooled", o.pooled()).output("sequence", o.sequence()).build();
        Map<String, HostTensor> graft;
        try (CompiledModel m = BertEncoderTest.ENGINE.compile(net, 0)) {
            m.setParameters(imported.weights());
            graft = m.predict(in, List.of("pooled", "sequence"));
        }
        assertThat(graft.get("sequence").shape()).isEqualTo(opaque.get("sequence_output").shape());
        double pooledDiff = maxAbsDiff(graft.get("pooled"), opaque.get("pooled_output"));
        double seqDiff = maxAbsDiff(graft.get("sequence"), opaque.get("sequence_output"));
        System.out.printf("BERT-Base SavedModel vs Graft definition: max |diff| pooled %.2e, sequence %.2e%n", pooledDiff, seqDiff);
        assertThat(pooledDiff).isLessThan(1e-4);
        assertThat(seqDiff).isLessThan(1e-4);
        // the sentences really differ: the outputs are not trivially equal
        float[] p = opaque.get("pooled_output").floats();
        assertThat(Math.abs(p[0] - p[768])).isGreaterThan(0f);
    }

    static double maxAbsDiff(HostTensor a, HostTensor b) {
        float[] x = a.floats();
        float[] y = b.floats();
        assertThat(x).hasSameSizeAs(y);
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
