package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.ParamSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-sentence and sentence-pair classification through core's pipeline, with a tiny random BERT. */
class TextClassificationTest {
    static final Graft GRAFT = Graft.create();
    static final Path SENTIMENT = resource("data/sentiment.csv");
    static final Path PAIRS = resource("data/pairs.tsv");
    static final Map<String, String> TINY = Map.of("layers", "2", "hidden", "32", "heads", "2", "maxLength", "48",
            "dropout", "0");

    @TempDir
    Path cache;

    static Path resource(String name) {
        try {
            return Path.of(TextClassificationTest.class.getClassLoader().getResource(name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private PipelineResult run(Path data, String format, Map<String, String> dataOptions, String strategy,
            Map<String, String> options, int epochs, double lr) throws Exception {
        return GRAFT.pipeline().data(data, format, dataOptions).backbone("bert-tiny", TINY).strategy(strategy, options)
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(epochs).withBatchSize(8).withLearningRate(lr).withSeed(11)
                        .withValidationFraction(0.25))
                .cacheDir(cache).run();
    }

    private static List<Double> losses(PipelineResult r) {
        return r.history().epochs().stream().map(EpochMetrics::trainLoss).toList();
    }

    /** The values a run started from: bert-tiny has no pretrained weights, so the seeded initial values. */
    private static HostTensor initial(PipelineResult r, String name, long seed) {
        ParamSpec p = r.model().network().params().get(name);
        return p.initializer().create(p.shape(), p.dtype(), seed, p.name());
    }

    @Test
    void featureExtractionCachesTinyBertFeaturesAndTrainsTheHead() throws Exception {
        PipelineResult r = run(SENTIMENT, "csv", Map.of(), "feature-extraction", Map.of("head", "sgd"), 6, 1e-2);
        assertThat(r.featureCache().computed()).isEqualTo(48);
        List<Double> l = losses(r);
        assertThat(l.get(l.size() - 1)).isLessThan(l.get(0));
        String word = "backbone.embeddings.word.embeddings";
        assertThat(r.model().weights().get(word).bitEquals(initial(r, word, 11))).isTrue();
        PipelineResult again = run(SENTIMENT, "csv", Map.of(), "feature-extraction", Map.of("head", "sgd"), 1, 1e-2);
        assertThat(again.featureCache().hits()).isEqualTo(48);
        assertThat(again.featureCache().computed()).isZero();
    }

    @Test
    void fineTuningTrainsEveryBlockOnSingleSentences() throws Exception {
        PipelineResult r = run(SENTIMENT, "csv", Map.of(), "fine-tuning", Map.of("backboneLr", "3e-3"), 12, 3e-3);
        List<Double> l = losses(r);
        System.out.println("fine-tuning tiny BERT, train loss per epoch: " + l);
        assertThat(l.get(l.size() - 1)).isLessThan(l.get(0) * 0.7);
        for (String p : List.of("backbone.embeddings.word.embeddings", "backbone.encoder.layer_0.attention.query.kernel",
                "backbone.encoder.layer_1.ffn.output.kernel", "backbone.pooler.kernel")) {
            assertThat(r.model().weights().get(p).bitEquals(initial(r, p, 11))).as(p).isFalse();
        }
    }

    @Test
    void hybridFreezesBlocksBelowTheCutOnSentencePairs() throws Exception {
        Map<String, String> cols = Map.of("text", "premise", "text2", "hypothesis");
        PipelineResult r = run(PAIRS, "tsv", cols, "hybrid", Map.of("cut", "encoder.layer_1", "backboneLr", "1e-3"), 8, 3e-3);
        List<Double> l = losses(r);
        assertThat(l.get(l.size() - 1)).isLessThan(l.get(0));
        for (String p : List.of("backbone.embeddings.word.embeddings", "backbone.embeddings.token_type.embeddings",
                "backbone.encoder.layer_0.attention.query.kernel", "backbone.encoder.layer_0.ffn.norm.gamma")) {
            assertThat(r.model().weights().get(p).bitEquals(initial(r, p, 11))).as(p + " frozen").isTrue();
        }
        for (String p : List.of("backbone.encoder.layer_1.attention.query.kernel", "backbone.pooler.kernel")) {
            assertThat(r.model().weights().get(p).bitEquals(initial(r, p, 11))).as(p + " trained").isFalse();
        }
        assertThat(r.plan().explanation()).contains("encoder.layer_1");
    }

    @Test
    void savedModelPredictsSentencePairsAfterReloading(@TempDir Path out) throws Exception {
        Map<String, String> cols = Map.of("text", "premise", "text2", "hypothesis");
        PipelineResult r = run(PAIRS, "tsv", cols, "fine-tuning", Map.of("backboneLr", "1e-3"), 2, 3e-3);
        r.model().save(out);
        try (Predictor p = GRAFT.predictor(out, null)) {
            List<Prediction> preds = p.predict(List.of(new Example("cli", new Example.TextPair("A dog runs.", "An animal moves."), null),
                    new Example("cli", "a single sentence is read too", null)));
            assertThat(preds).hasSize(2);
            assertThat(preds).allSatisfy(pr -> assertThat(pr.label()).isIn("entailment", "contradiction"));
        }
    }

    @Test
    void badCutPointAndUnknownOptionAreRejectedWithTheValidChoices() {
        assertThatThrownBy(() -> run(SENTIMENT, "csv", Map.of(), "hybrid", Map.of("cut", "layer9"), 1, 1e-3))
                .hasMessageContaining("valid cut points").hasMessageContaining("encoder.layer_0");
        assertThatThrownBy(() -> GRAFT.backbones().create("bert-tiny", Map.of("hiddn", "3")))
                .hasMessageContaining("unknown option 'hiddn'");
        assertThatThrownBy(() -> GRAFT.backbones().create("roberta-base", Map.of("weights", "/nonexistent.safetensors",
                "vocab", "/v.json", "merges", "/m.txt")))
                .hasMessageContaining("does not exist");
    }
}
