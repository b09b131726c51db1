package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.nlp.BertEncoder;
import dev.graft.nlp.ImportReport;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Graft's embedding of real sentences (the ONNX file's weights in Graft's BERT, pooled on the
 * engine-neutral ops, run by TensorFlow) against the jar's own embedding (ONNX Runtime running the
 * same file, langchain4j's pooling and L2 normalisation).
 */
class SentenceEncodersGoldenTest {
    static final Engine ENGINE = new ServiceLoaderEngineRegistry().get("tensorflow");

    /** Twenty real sentences of varied length, punctuation, casing and accents. */
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Graft fine-tunes pretrained networks on your own labelled data, offline.",
            "Café owners in Zürich said prices rose 3.5% last year!",
            "GNU C Library: shared libraries",
            "Library for reading and writing PNG images, with tools.",
            "A fast, lightweight, and extensible text editor for the terminal.",
            "Where is the nearest train station?",
            "I can't believe it's already December.",
            "Transfer learning reuses features learnt on one task for another.",
            "The committee postponed the vote until the budget report was published.",
            "ok",
            "Python 3 bindings for the GObject introspection library",
            "She sells sea shells by the sea shore; the shells she sells are surely sea shells.",
            "Tokenizers split words like unbelievably into word pieces.",
            "Error: could not open file '/etc/passwd' (permission denied)",
            "Daemon that monitors the network and restarts services when links come back up.",
            "The results were surprisingly good, although the sample was small and the test set noisy.",
            "Die Katze sitzt auf der Matte.",
            "What does a sentence embedding capture about meaning?",
            "Utilities for manipulating filesystem extended attributes and access control lists.");

    @Test
    void allMiniLmL6V2MatchesOnnxRuntimeWithinTolerance() throws Exception {
        golden("all-minilm-l6-v2", new AllMiniLmL6V2EmbeddingModel(), 6, Map.of(), "");
    }

    @Test
    void bgeSmallEnV15MatchesOnnxRuntimeWithinTolerance() throws Exception {
        golden("bge-small-en-v1.5", new BgeSmallEnV15EmbeddingModel(), 12, Map.of(), "");
    }

    @Test
    void e5SmallV2MatchesOnnxRuntimeWithinTolerance() throws Exception {
        EmbeddingModel e5 = new E5SmallV2EmbeddingModel();
        golden("e5-small-v2", e5, 12, Map.of("prefix", ""), "");
        // the default prefix, carried by the tokenizer, against the jar embedding the prefixed text
        golden("e5-small-v2", e5, 12, Map.of(), "query: ");
    }

    private static void golden(String name, EmbeddingModel reference, int layers, Map<String, String> options, String prefix)
            throws Exception {
        float[][] graft = embed(name, options, SENTENCES);
        double max = 0;
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] want = reference.embed(prefix + SENTENCES.get(i)).content().vector();
            assertThat(graft[i]).hasSize(want.length);
            for (int d = 0; d < want.length; d++) {
                max = Math.max(max, Math.abs(graft[i][d] - want[d]));
            }
        }
        System.out.printf("%s %s: Graft (TensorFlow) vs ONNX Runtime, %d sentences: max |diff| %.2e%n", name, options,
                SENTENCES.size(), max);
        assertThat(max).isLessThanOrEqualTo(1e-4);
        try (BertBackbone b = (BertBackbone) new NlpBackboneProvider().create(name, Map.of())) {
            ImportReport r = b.importReport();
            assertThat(r.complete()).as(r.describe()).isTrue();
            assertThat(b.config().layers()).isEqualTo(layers);
            assertThat(b.config().hidden()).isEqualTo(384);
            assertThat(r.imported()).anySatisfy(m -> {
                assertThat(m.from()).startsWith("onnx::MatMul_");
                assertThat(m.to()).isEqualTo("backbone.encoder.layer_0.attention.query.kernel");
                assertThat(m.transposed()).isFalse();
            });
            assertThat(b.blocks()).extracting(bl -> bl.name()).doesNotContain("pooler").contains("encoder.layer_" + (layers - 1));
        }
    }

    /** Embeds texts with a backbone in one batch, the way core's frozen feature extraction runs it. */
    static float[][] embed(String name, Map<String, String> options, List<String> texts) throws Exception {
        try (Backbone b = new NlpBackboneProvider().create(name, options)) {
            NetworkBuilder nb = new NetworkBuilder();
            Map<String, Node> in = new java.util.LinkedHashMap<>();
            b.inputs().forEach(s -> in.put(s.name(), nb.input(s.name(), s.dtype(), s.shape().dims())));
            Node features;
            try (NetworkBuilder.Scope s = nb.scope(NlpBackboneProvider.SCOPE)) {
                features = b.build(nb, in);
            }
            List<Example> batch = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                batch.add(new Example("golden:" + (i + 1), texts.get(i), null));
            }
            HostTensor out;
            try (CompiledModel m = ENGINE.compile(nb.output("features", features).build(), 0)) {
                m.setParameters(b.weights());
                out = m.predict(b.encode(batch, false, 0), List.of("features")).get("features");
            }
            int d = (int) out.shape().dim(1);
            float[] all = out.floats();
            float[][] rows = new float[texts.size()][d];
            for (int i = 0; i < texts.size(); i++) {
                System.arraycopy(all, i * d, rows[i], 0, d);
            }
            assertThat(BertEncoder.INPUT_MASK).isIn(in.keySet());
            return rows;
        }
    }
}
