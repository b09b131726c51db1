package dev.graft.core.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.ServiceLoaderDatasetFormatRegistry;
import dev.graft.core.ServiceLoaderHeadRegistry;
import dev.graft.core.ServiceLoaderStrategyRegistry;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecommenderTest {
    private static final int HALF = 8;
    private final ServiceLoaderEngineRegistry engines = new ServiceLoaderEngineRegistry();
    private final ServiceLoaderBackboneRegistry backbones = new ServiceLoaderBackboneRegistry(List.of(new ViewBackbone.Provider(HALF)));

    /** 4 classes; the first half of each vector is a noisy class centre, the second half pure noise. */
    static List<Example> data(int perClass, long seed) {
        Random centres = new Random(3);
        float[][] c = new float[4][HALF];
        for (float[] row : c) {
            for (int j = 0; j < HALF; j++) {
                row[j] = (float) (centres.nextGaussian() * 1.5);
            }
        }
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int k = 0; k < 4; k++) {
                float[] x = new float[2 * HALF];
                for (int j = 0; j < HALF; j++) {
                    x[j] = c[k][j] + (float) r.nextGaussian();
                    x[HALF + j] = (float) r.nextGaussian() * 2;
                }
                out.add(new Example("ex" + out.size(), x, "c" + k));
            }
        }
        return out;
    }

    private Recommender.Options options(Path cache) {
        return new Recommender.Options(null, cache, 42, 16, 1000, 10);
    }

    @Test
    void ranksTheBackboneThatSeesTheSignalAboveTheOneThatSeesOnlyNoise(@TempDir Path cache) throws Exception {
        Recommendation r = new Recommender(engines, backbones).recommend(data(40, 1),
                List.of(ComponentRef.of("view-noise"), ComponentRef.of("view-signal")), options(cache), s -> { });
        assertThat(r.ranked()).extracting(c -> c.backbone().name()).containsExactly("view-signal", "view-noise");
        Recommendation.Candidate signal = r.ranked().get(0);
        Recommendation.Candidate noise = r.ranked().get(1);
        assertThat(signal.fits()).isTrue();
        assertThat(signal.zScore()).isGreaterThan(10);
        assertThat(noise.fits()).as("noise z = %s", noise.zScore()).isFalse();
        assertThat(Math.abs(noise.zScore())).isLessThan(4);
        assertThat(signal.logMe()).isGreaterThan(signal.randomFeatures());
        // 40 examples per class, features fit: train a head on frozen features
        assertThat(r.minPerClass()).isEqualTo(40);
        assertThat(r.strategy()).isEqualTo("feature-extraction");
        assertThat(r.explanation()).contains("'view-signal' fits the labels clearly better than chance")
                .contains("'view-noise' does NOT fit").contains("40 in the smallest class");
    }

    @Test
    void aBackboneThatDoesNotFitGetsAnAdaptingStrategyNotFeatureExtraction(@TempDir Path cache) throws Exception {
        Recommendation r = new Recommender(engines, backbones).recommend(data(40, 2), List.of(ComponentRef.of("view-noise")),
                options(cache), s -> { });
        assertThat(r.best().fits()).isFalse();
        assertThat(r.strategy()).isEqualTo("hybrid");
        assertThat(r.strategyOptions()).containsEntry("cut", "block2");
        assertThat(r.explanation()).contains("'view-noise' does NOT fit the labels clearly better than chance");
    }

    @Test
    void featuresScoredByRecommendAreReusedByALaterFeatureExtractionFit(@TempDir Path cache) throws Exception {
        List<Example> d = data(20, 3);
        new Recommender(engines, backbones).recommend(d, List.of(ComponentRef.of("view-signal")), options(cache), s -> { });
        ViewBackbone.ENCODED.set(0);
        PipelineResult p = new dev.graft.core.Graft(engines, new ServiceLoaderStrategyRegistry(), backbones,
                new ServiceLoaderHeadRegistry(), new ServiceLoaderDatasetFormatRegistry()).pipeline().data(d).backbone("view-signal", Map.of())
                .strategy("feature-extraction", Map.of()).trainer(TrainerConfig.defaults().withEpochs(2).withSeed(42))
                .cacheDir(cache).run();
        assertThat(p.featureCache().hits()).isEqualTo(d.size());
        assertThat(p.featureCache().computed()).isZero();
        assertThat(ViewBackbone.ENCODED.get()).isZero();
    }

    @Test
    void suggestsByDatasetSizeAndFit() {
        List<String> blocks = List.of("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8");
        Recommendation.Candidate fit = new Recommendation.Candidate(ComponentRef.of("x"), 8, 0.5, 0.1, 0.01, 0.05, true,
                blocks, 0, 0);
        Recommendation.Candidate noFit = new Recommendation.Candidate(ComponentRef.of("y"), 8, 0.1, 0.1, 0.01, 0.05, false,
                blocks, 0, 0);
        assertThat(Recommender.suggest(List.of(fit), 100, 2, 50).strategy()).isEqualTo("feature-extraction");
        Recommendation mid = Recommender.suggest(List.of(fit), 1000, 2, 500);
        assertThat(mid.strategy()).isEqualTo("hybrid");
        assertThat(mid.strategyOptions()).containsEntry("cut", "b7");
        assertThat(Recommender.suggest(List.of(fit), 10000, 2, 5000).strategy()).isEqualTo("fine-tuning");
        assertThat(Recommender.suggest(List.of(noFit), 100, 2, 50).strategyOptions()).containsEntry("cut", "b5");
        assertThat(Recommender.suggest(List.of(noFit), 1000, 2, 500).strategy()).isEqualTo("fine-tuning");
    }

    @Test
    void fineTunesATransformerEncoderWholeFromAHundredExamplesPerClass() {
        List<String> blocks = List.of("embeddings", "encoder.layer_0", "encoder.layer_1", "encoder.layer_2", "encoder.layer_3");
        Recommendation.Candidate fit = new Recommendation.Candidate(ComponentRef.of("enc"), 8, 0.5, 0.1, 0.01, 0.05, true,
                blocks, 0, 0);
        Recommendation.Candidate noFit = new Recommendation.Candidate(ComponentRef.of("enc"), 8, 0.1, 0.1, 0.01, 0.05, false,
                blocks, 0, 0);
        assertThat(Recommender.transformerEncoder(blocks)).isTrue();
        assertThat(Recommender.transformerEncoder(List.of("b1", "layer_2", "encoder.layer_x"))).isFalse();
        Recommendation few = Recommender.suggest(List.of(fit), 594, 6, 99);
        assertThat(few.strategy()).isEqualTo("feature-extraction");
        assertThat(few.explanation()).contains("try -s setfit");
        assertThat(Recommender.suggest(List.of(new Recommendation.Candidate(ComponentRef.of("cnn"), 8, 0.5, 0.1, 0.01, 0.05, true,
                List.of("b1", "b2"), 0, 0)), 594, 6, 99).explanation()).doesNotContain("setfit");
        Recommendation hundred = Recommender.suggest(List.of(fit), 600, 6, 100);
        assertThat(hundred.strategy()).isEqualTo("fine-tuning");
        assertThat(hundred.strategyOptions()).isEmpty();
        assertThat(hundred.explanation()).contains("fine-tune every block of this transformer encoder");
        assertThat(Recommender.suggest(List.of(noFit), 996, 6, 166).strategy()).isEqualTo("fine-tuning");
        assertThat(Recommender.suggest(List.of(noFit), 300, 6, 50).strategy()).isEqualTo("hybrid");
    }

    @Test
    void suggestsOnlyFeatureExtractionForVectorsComputedElsewhere() {
        List<String> blocks = List.of("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8");
        Recommendation.Candidate fit = new Recommendation.Candidate(ComponentRef.of("x"), 8, 0.5, 0.1, 0.01, 0.05, true,
                blocks, 0, 0);
        Recommendation hybrid = Recommender.suggest(List.of(fit), 1000, 2, 500);
        assertThat(hybrid.strategy()).isEqualTo("hybrid");
        Recommendation vectors = Recommender.vectorsOnly(hybrid);
        assertThat(vectors.strategy()).isEqualTo("feature-extraction");
        assertThat(vectors.strategyOptions()).isEmpty();
        assertThat(vectors.explanation()).startsWith(hybrid.explanation())
                .contains("feature vectors computed elsewhere").contains("to try hybrid");
        Recommendation small = Recommender.suggest(List.of(fit), 100, 2, 50);
        assertThat(Recommender.vectorsOnly(small)).isEqualTo(small);
    }

    /**
     * Far above chance in standard deviations (the shuffled-label scores barely vary) but by a margin
     * under 0.01 nats: the message says "does not fit" and gives both figures and the one that falls short,
     * instead of "not above chance (25.0 sd)".
     */
    @Test
    void explainsAManyDeviationsButSmallMarginAsTooSmallNotAsBelowChance() {
        List<String> blocks = List.of("b1", "b2");
        Recommendation.Candidate fit = new Recommendation.Candidate(ComponentRef.of("good"), 8, 0.5, 0.1, 0.01, 0.05, true,
                blocks, 0, 0);
        Recommendation.Candidate small = new Recommendation.Candidate(ComponentRef.of("bert-tiny"), 8, 0.105, 0.1, 0.0002,
                0.05, false, blocks, 0, 0);
        Recommendation.Candidate close = new Recommendation.Candidate(ComponentRef.of("noise"), 8, 0.101, 0.1, 0.001, 0.05,
                false, blocks, 0, 0);
        String why = Recommender.suggest(List.of(fit, small, close), 100, 2, 50).explanation();
        assertThat(why).contains("'good' fits the labels clearly better than chance (LogME 0.5000 against 0.1000 +- 0.0100 "
                + "with the labels shuffled: +0.4000 nats per example, 40.0 standard deviations of the shuffled-label scores).");
        assertThat(why).contains("'bert-tiny' does NOT fit the labels clearly better than chance (LogME 0.1050 against "
                + "0.1000 +- 0.0002 with the labels shuffled: +0.0050 nats per example, 25.0 standard deviations of the "
                + "shuffled-label scores; the margin, though 25.0 standard deviations, is under the 0.01 nats per example a "
                + "clear fit needs).");
        assertThat(why).contains("'noise' does NOT fit the labels clearly better than chance").contains(
                "1.0 standard deviations of the shuffled-label scores; the margin is within 3 standard deviations of chance).");
        assertThat(why).doesNotContain("not above chance").doesNotContain(" sd)");
    }

    @Test
    void fitsOnlyWhenClearlyAboveChance() {
        assertThat(Recommender.fits(0.20, 0.10, 0.01)).isTrue();
        assertThat(Recommender.fits(0.12, 0.10, 0.01)).isFalse(); // within 3 sd
        assertThat(Recommender.fits(0.105, 0.10, 0.0001)).isFalse(); // below the 0.01 floor
    }

    @Test
    void rejectsUnknownBackbonesAndSingleClassData(@TempDir Path cache) {
        Recommender rec = new Recommender(engines, backbones);
        assertThatThrownBy(() -> rec.recommend(data(5, 1), List.of(ComponentRef.of("resnet-nope")), options(cache), s -> { }))
                .hasMessageContaining("unknown backbone 'resnet-nope'").hasMessageContaining("view-noise")
                .hasMessageContaining("view-signal");
        List<Example> one = data(5, 1).stream().filter(e -> e.label().equals("c0")).toList();
        assertThatThrownBy(() -> rec.recommend(one, List.of(ComponentRef.of("view-signal")), options(cache), s -> { }))
                .hasMessageContaining("at least 2 classes");
    }
}
