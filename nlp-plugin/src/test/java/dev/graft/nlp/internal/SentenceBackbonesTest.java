package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.TrainerConfig;
import dev.graft.nlp.SentenceEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sentence-embedding backbones' options, bad input, and training through core's pipeline. */
class SentenceBackbonesTest {
    static final Graft GRAFT = Graft.create();

    @TempDir
    Path cache;

    @Test
    void bothModelsAreOfferedAndFoundOnThePath() {
        assertThat(GRAFT.backbones().backbones()).containsKeys("all-minilm-l6-v2", "bge-small-en-v1.5", "e5-small-v2");
        for (SentenceEncoders m : SentenceEncoders.values()) {
            assertThat(m.isAvailable()).as(m.id()).isTrue();
        }
    }

    @Test
    void badPoolingNamesTheBackboneTheOptionAndTheValidChoices() {
        assertThatThrownBy(() -> GRAFT.backbones().create("all-minilm-l6-v2", Map.of("pooling", "average")))
                .hasMessageContaining("backbone 'all-minilm-l6-v2': option pooling: unknown pooling 'average'")
                .hasMessageContaining("valid: cls, pooler, mean, max, mean-last-<k> (e.g. mean-last-4)");
        assertThatThrownBy(() -> GRAFT.backbones().create("bge-small-en-v1.5", Map.of("pooling", "pooler")))
                .hasMessageContaining("backbone 'bge-small-en-v1.5' has no pre-trained pooler");
        assertThatThrownBy(() -> GRAFT.backbones().create("all-minilm-l6-v2", Map.of("pooling", "mean-last-7")))
                .hasMessageContaining("averages more layers than the 6 it has");
        assertThatThrownBy(() -> GRAFT.backbones().create("all-minilm-l6-v2", Map.of("normalize", "yes")))
                .hasMessageContaining("option normalize must be true or false");
        assertThatThrownBy(() -> GRAFT.backbones().create("bert-tiny", Map.of("pooling", "first")))
                .hasMessageContaining("unknown pooling 'first'");
    }

    @Test
    void poolingAndNormalisationArePartOfTheFingerprint() {
        String dflt = fingerprint("all-minilm-l6-v2", Map.of());
        assertThat(fingerprint("all-minilm-l6-v2", Map.of("pooling", "mean", "normalize", "true"))).isEqualTo(dflt);
        assertThat(fingerprint("all-minilm-l6-v2", Map.of("pooling", "cls"))).isNotEqualTo(dflt);
        assertThat(fingerprint("all-minilm-l6-v2", Map.of("normalize", "false"))).isNotEqualTo(dflt);
        assertThat(fingerprint("all-minilm-l6-v2", Map.of("pooling", "mean-last-2"))).isNotEqualTo(dflt);
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("bge-small-en-v1.5", Map.of())) {
            assertThat(b.pooling().id()).isEqualTo("cls");
            assertThat(b.pooling().normalize()).isTrue();
            assertThat(b.preprocessing().params()).containsEntry("tokenizer", "tokenizer.json").containsEntry("maxLength", "512");
        }
    }

    @Test
    void e5PrefixesEveryTextWithQueryByDefaultAndThePrefixIsPartOfTheFingerprint() {
        try (BertBackbone e5 = (BertBackbone) GRAFT.backbones().create("e5-small-v2", Map.of("maxLength", "64"));
                BertBackbone none = (BertBackbone) GRAFT.backbones().create("e5-small-v2", Map.of("maxLength", "64", "prefix", ""));
                BertBackbone passage = (BertBackbone) GRAFT.backbones().create("e5-small-v2",
                        Map.of("maxLength", "64", "prefix", "passage: "))) {
            assertThat(e5.preprocessing().params()).containsEntry("prefix", "query: ");
            assertThat(none.preprocessing().params()).doesNotContainKey("prefix");
            assertThat(e5.tokenizer().tokens("GNU C Library")).containsExactly("[CLS]", "query", ":", "gnu", "c", "library", "[SEP]");
            assertThat(none.tokenizer().tokens("GNU C Library")).containsExactly("[CLS]", "gnu", "c", "library", "[SEP]");
            assertThat(e5.sequenceLength(new Example("x", "GNU C Library", null))).isEqualTo(7);
            assertThat(java.util.Set.of(e5.fingerprint(), none.fingerprint(), passage.fingerprint())).hasSize(3);
            String client = new String(e5.clientFiles().get("tokenizer.json"), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(client).contains("\"query: \"");
        }
        try (BertBackbone minilm = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of())) {
            assertThat(minilm.preprocessing().params()).doesNotContainKey("prefix");
        }
    }

    private static String fingerprint(String name, Map<String, String> options) {
        try (Backbone b = GRAFT.backbones().create(name, options)) {
            return b.fingerprint();
        }
    }

    @Test
    void onnxImportReportsEveryTensorAndStrictModeRefusesAMismatchedEncoder() throws Exception {
        dev.graft.weights.OnnxModel model = dev.graft.weights.OnnxModel.read(SentenceEncoders.ALL_MINILM_L6_V2.onnxFile());
        dev.graft.nlp.BertConfig c;
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of())) {
            c = b.config();
        }
        dev.graft.nlp.BertWeights.Result ok = dev.graft.nlp.BertWeights.fromOnnx(model, c, "backbone", true, false);
        assertThat(ok.report().imported()).hasSize(101);
        assertThat(ok.report().skipped()).containsExactly("embeddings.position_ids");
        assertThat(ok.report().complete()).isTrue();
        assertThat(ok.report().imported()).filteredOn(m -> m.from().startsWith("onnx::MatMul_")).hasSize(36)
                .allSatisfy(m -> assertThat(m.transposed()).isFalse());
        dev.graft.nlp.BertConfig deeper = new dev.graft.nlp.BertConfig("bert", 7, c.hidden(), c.heads(), c.intermediate(),
                c.vocabSize(), c.maxPositions(), c.typeVocabSize(), c.layerNormEps(), 0, 0, c.activation(), 0, 0);
        assertThatThrownBy(() -> dev.graft.nlp.BertWeights.fromOnnx(model, deeper, "backbone", true, false))
                .hasMessageContaining("16 parameters missing").hasMessageContaining("missing: backbone.encoder.layer_6.ffn.output.kernel");
        assertThat(dev.graft.nlp.BertWeights.fromOnnx(model, deeper, "backbone", false, false).report().missing()).hasSize(16);
        assertThatThrownBy(() -> dev.graft.nlp.BertWeights.fromOnnx(model, c, "backbone", true, true))
                .hasMessageContaining("missing: backbone.pooler.kernel");
    }

    @Test
    void emptyTextIsAnErrorNamingItsSourceAndLongTextsAreCounted() {
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of("maxLength", "8"))) {
            assertThatThrownBy(() -> b.encode(List.of(new Example("data/train.csv:7", "  ", "x")), false, 0))
                    .hasMessageContaining("data/train.csv:7: empty text");
            assertThatThrownBy(() -> b.encode(List.of(new Example("pairs.tsv:3", new Example.TextPair("a question", ""), "x")),
                    false, 0)).hasMessageContaining("pairs.tsv:3: empty text");
            b.encode(List.of(new Example("a:1", "short text", "x"),
                    new Example("a:2", "this description is much longer than eight word pieces can hold", "y")), false, 0);
            assertThat(b.truncation().texts()).isEqualTo(2);
            assertThat(b.truncation().truncated()).isEqualTo(1);
            assertThat(b.truncation().toString()).isEqualTo("1 of 2 texts truncated to 8 tokens");
        }
    }

    @Test
    void aBatchWithoutTruncatedTextsNamesNoneEvenAfterAnotherBatchWasTruncated() {
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of("maxLength", "8"))) {
            b.encode(List.of(new Example("long:1", "this description is much longer than eight word pieces can hold", "x")), false, 0);
            // what a thread sees when another thread's batch moved the shared count during its own encode
            assertThat(BertBackbone.firstTruncated(b.tokenizer(), List.of(new Example("short:1", "short text", "x")))).isNull();
            assertThat(BertBackbone.firstTruncated(b.tokenizer(), List.of(new Example("short:2", "tiny", "x"),
                    new Example("long:2", "another description much longer than eight word pieces", "y")))).isEqualTo("long:2");
            assertThat(BertBackbone.firstTruncated(b.tokenizer(), List.of(new Example("pairs.tsv:3",
                    new Example.TextPair("a question", "an answer"), "x")))).isEqualTo("a text pair");
        }
    }

    /** Batches each thread encodes: enough for the two threads' encodes to overlap many times. */
    private static final int ROUNDS = 200;

    @Test
    void theFirstTruncatedTextIsNamedOnceEvenWhenBatchesAreEncodedOnTwoThreadsAtOnce() throws Exception {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(BertBackbone.class.getName());
        List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("are truncated (first: ")) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of("maxLength", "8"))) {
            // only the second thread's batches hold texts longer than 8 word pieces; the first thread's never do
            Thread shortOnly = new Thread(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    b.encode(List.of(new Example("short:" + i, "short text", "x"), new Example("short:" + i + "b", "tiny", "y")), false, 0);
                }
            });
            Thread withLong = new Thread(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    b.encode(List.of(new Example("long:" + i, "this description is much longer than eight word pieces can hold", "x")), false, 0);
                }
            });
            shortOnly.start();
            withLong.start();
            shortOnly.join();
            withLong.join();
            assertThat(b.truncation().truncated()).isEqualTo(ROUNDS);
        } finally {
            log.removeHandler(h);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("(first: long:");
    }

    @Test
    void padsInferenceBatchesToTheLongestTextAndTrainingBatchesToTheMultipleWithTheSameFeatures() throws Exception {
        List<Example> texts = List.of(new Example("a:1", "short text", "x"),
                new Example("a:2", "a somewhat longer description of a package", "y"));
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of())) {
            int longest = b.sequenceLength(texts.get(1));
            assertThat(longest % 8).as("the test needs a length that is not a multiple of 8").isNotZero();
            Map<String, dev.graft.engine.spi.HostTensor> inference = b.encode(texts, false, 0);
            Map<String, dev.graft.engine.spi.HostTensor> training = b.encode(texts, true, 0);
            assertThat(inference.get(dev.graft.nlp.BertEncoder.INPUT_IDS).shape().dims()).containsExactly(2, longest);
            assertThat(training.get(dev.graft.nlp.BertEncoder.INPUT_IDS).shape().dims()).containsExactly(2, (longest + 7) / 8 * 8);
            // the padded positions are masked out: the features of both batches agree to float round-off
            dev.graft.engine.spi.graph.NetworkBuilder nb = new dev.graft.engine.spi.graph.NetworkBuilder();
            Map<String, dev.graft.engine.spi.graph.Node> in = new java.util.LinkedHashMap<>();
            b.inputs().forEach(i -> in.put(i.name(), nb.input(i.name(), i.dtype(), i.shape().dims())));
            dev.graft.engine.spi.graph.Node f;
            try (dev.graft.engine.spi.graph.NetworkBuilder.Scope sc = nb.scope(NlpBackboneProvider.SCOPE)) {
                f = b.build(nb, in);
            }
            try (dev.graft.engine.spi.CompiledModel m = SentenceEncodersGoldenTest.ENGINE.compile(nb.output("f", f).build(), 0)) {
                m.setParameters(b.weights());
                float[] exact = m.predict(inference, List.of("f")).get("f").floats();
                float[] padded = m.predict(training, List.of("f")).get("f").floats();
                assertThat(exact).hasSize(2 * 384);
                for (int i = 0; i < exact.length; i++) {
                    assertThat(exact[i]).as("feature %d", i).isCloseTo(padded[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void sequenceLengthIsTheTokenCountEncodeGivesAndCountsNoTruncation() {
        try (BertBackbone b = (BertBackbone) GRAFT.backbones().create("all-minilm-l6-v2", Map.of("maxLength", "12"))) {
            List<Example> texts = List.of(new Example("a:1", "short text", "x"),
                    new Example("a:2", "this description is much longer than twelve word pieces can hold, by a wide margin", "y"),
                    new Example("a:3", new Example.TextPair("a question?", "an answer with several words"), "x"),
                    new Example("a:4", "  ", "x"));
            int[] lengths = texts.stream().mapToInt(b::sequenceLength).toArray();
            assertThat(b.truncation().truncated()).as("lengths are not counted as truncations").isZero();
            assertThat(lengths[3]).as("empty text: encode reports it").isZero();
            for (int i = 0; i < 3; i++) {
                // the real tokens of the one-example batch: its attention mask
                int[] mask = b.encode(texts.subList(i, i + 1), false, 0).get(dev.graft.nlp.BertEncoder.INPUT_MASK).ints();
                assertThat(lengths[i]).as(texts.get(i).source()).isEqualTo(java.util.Arrays.stream(mask).sum());
            }
            assertThat(lengths[0]).isEqualTo(4); // [CLS] short text [SEP]
            assertThat(lengths[1]).isEqualTo(12);
        }
    }

    @Test
    void miniLmFineTunesAboveTheCutAndItsSavedModelKeepsThePooling(@TempDir Path out) throws Exception {
        Path data = TextClassificationTest.SENTIMENT;
        PipelineResult r = GRAFT.pipeline().data(data, "csv", Map.of())
                .backbone("all-minilm-l6-v2", Map.of("pooling", "mean-last-2", "maxLength", "32"))
                .strategy("hybrid", Map.of("cut", "encoder.layer_4", "backboneLr", "1e-4"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(3).withBatchSize(16).withLearningRate(3e-2).withSeed(3)
                        .withValidationFraction(0.25))
                .cacheDir(cache).run();
        List<Double> l = r.history().epochs().stream().map(EpochMetrics::trainLoss).toList();
        assertThat(l.get(l.size() - 1)).isLessThan(l.get(0));
        Map<String, dev.graft.engine.spi.HostTensor> pretrained;
        try (Backbone b = GRAFT.backbones().create("all-minilm-l6-v2", Map.of())) {
            pretrained = b.weights();
        }
        String frozen = "backbone.encoder.layer_3.ffn.output.kernel";
        String tuned = "backbone.encoder.layer_5.ffn.output.kernel";
        assertThat(r.model().weights().get(frozen).bitEquals(pretrained.get(frozen))).as("frozen below the cut").isTrue();
        assertThat(r.model().weights().get(tuned).bitEquals(pretrained.get(tuned))).as("trained above the cut").isFalse();
        assertThat(r.model().manifest().backbone().options()).containsEntry("pooling", "mean-last-2");
        r.model().save(out);
        List<Example> texts = List.of(new Example("t:1", "A wonderful, moving film.", null),
                new Example("t:2", "Terrible service and cold food.", null));
        List<Prediction> before;
        try (Predictor p = Predictor.open(r.model(), GRAFT.engines().get("tensorflow"), GRAFT.backbones())) {
            before = p.predict(texts);
        }
        try (Predictor p = GRAFT.predictor(out, null)) {
            List<Prediction> after = p.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(after.get(i).label()).isEqualTo(before.get(i).label());
            }
        }
    }
}
