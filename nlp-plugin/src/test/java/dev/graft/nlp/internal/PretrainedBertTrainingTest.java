package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.TrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real pretrained BERT-Base trained through core's pipeline, kept to a few short steps. */
class PretrainedBertTrainingTest {
    @TempDir
    Path cache;

    private static List<Double> losses(PipelineResult r) {
        return r.history().epochs().stream().map(EpochMetrics::trainLoss).toList();
    }

    @Test
    void fineTuningRealBertBaseLowersTheLossOnRealSentences() throws Exception {
        long t0 = System.nanoTime();
        PipelineResult r = TextClassificationTest.GRAFT.pipeline()
                .data(TextClassificationTest.SENTIMENT, "csv", Map.of())
                .backbone("bert-base-uncased", Map.of("maxLength", "32"))
                .strategy("fine-tuning", Map.of("backboneLr", "3e-5", "warmupEpochs", "0"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(2).withBatchSize(8).withLearningRate(1e-3).withSeed(3)
                        .withValidationFraction(0.25))
                .cacheDir(cache).run();
        List<Double> l = losses(r);
        System.out.printf("BERT-Base fine-tuning: train loss per epoch %s, validation %s, %.1f s (phases %s)%n", l,
                r.validation(), (System.nanoTime() - t0) / 1e9, r.seconds());
        assertThat(r.history().steps()).isEqualTo(10);
        assertThat(l.get(1)).isLessThan(l.get(0));
        assertThat(r.planReport()).contains("all 13 blocks"); // embeddings and 12 layers: the default pooling (cls) has no pooler block
    }

    @Test
    void opaqueSavedModelBackboneFeedsAFeatureExtractionHead() throws Exception {
        PipelineResult r = TextClassificationTest.GRAFT.pipeline()
                .data(TextClassificationTest.SENTIMENT, "csv", Map.of())
                .backbone("bert-base-uncased-savedmodel", Map.of("trusted", "true"))
                .strategy("feature-extraction", Map.of("head", "sgd"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(30).withBatchSize(8).withLearningRate(1e-2).withSeed(3)
                        .withValidationFraction(0.25))
                .cacheDir(cache).run();
        List<Double> l = losses(r);
        System.out.printf("SavedModel BERT-Base features + linear head: first/last train loss %.3f/%.3f, validation %s%n",
                l.get(0), l.get(l.size() - 1), r.validation());
        assertThat(r.featureCache().computed()).isEqualTo(48);
        assertThat(l.get(l.size() - 1)).isLessThan(l.get(0));
    }
}
