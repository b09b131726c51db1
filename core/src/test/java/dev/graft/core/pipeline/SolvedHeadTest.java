package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.baseline.LinearProbe;
import dev.graft.core.baseline.TextBaseline;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.engine.spi.CompiledModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature extraction's default head for classification is solved as the linear probe is, and
 * written into an ordinary dense head: its predictions equal the probe's, fitted independently on
 * the same frozen features, and survive save and load.
 */
class SolvedHeadTest {
    @TempDir
    Path dir;

    @Test
    void solvedHeadPredictsWhatTheProbePredictsAndSurvivesSaveAndLoad() throws Exception {
        List<Example> train = new ArrayList<>();
        List<Example> val = new ArrayList<>();
        for (int i = 0; i < Runs.DATA.size(); i++) {
            (i % 4 == 0 ? val : train).add(Runs.DATA.get(i));
        }
        PipelineResult r = Runs.GRAFT.pipeline().data(train).validation(val).backbone("tiny-mlp", Map.of())
                .strategy("feature-extraction", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(Runs.trainer(5)).cacheDir(dir.resolve("cache")).run();
        assertThat(r.history().stopReason()).isEqualTo("solved");
        assertThat(r.history().epochs()).hasSize(1);
        assertThat(r.history().epochs().get(0).trainLoss()).as("training loss of the solved head").isFinite().isPositive();

        TinyBackbone tiny = new TinyBackbone(8, 16, true, 1);
        float[][] trainF = features(tiny, train);
        float[][] valF = features(tiny, val);
        LinearProbe probe = LinearProbe.fit(trainF, train.stream().map(Example::label).toList(),
                TextBaseline.Options.defaults().withSeed(7));

        r.model().save(dir.resolve("model"));
        TrainedModel loaded = TrainedModel.load(dir.resolve("model"));
        for (TrainedModel m : List.of(r.model(), loaded)) {
            try (Predictor p = Predictor.open(m, Runs.GRAFT.engines().get("tensorflow"), Runs.GRAFT.backbones())) {
                assertThat(p.model().labels().labels()).isEqualTo(probe.labels());
                float[][] scores = p.scores(val);
                for (int i = 0; i < val.size(); i++) {
                    double[] want = probe.probabilities(valF[i]);
                    for (int k = 0; k < want.length; k++) {
                        assertThat((double) scores[i][k]).as("example %d class %d", i, k).isCloseTo(want[k],
                                org.assertj.core.data.Offset.offset(1e-4));
                    }
                }
                assertThat(p.predict(val).stream().map(x -> x.label()).toList())
                        .isEqualTo(Arrays.stream(valF).map(probe::predict).toList());
                // the run reports the probe's own cross-validation: same C, same per-C accuracies, on the training part
                assertThat(r.crossValidation().examples()).isEqualTo(train.size());
                assertThat(r.crossValidation().c()).isEqualTo(probe.c());
                assertThat(r.crossValidation().accuracyByC()).isEqualTo(probe.crossValidationAccuracy());
                assertThat(r.crossValidation().accuracy()).isEqualTo(probe.crossValidationAccuracy().get(probe.c()));
            }
        }
    }

    @Test
    void solvedHeadFitsOnEveryLabelledExampleInsteadOfHoldingSomeOutForEarlyStopping() throws Exception {
        PipelineResult r = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of())
                .strategy("feature-extraction", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(Runs.trainer(5).withValidationFraction(0.25)).cacheDir(dir.resolve("cache")).run();
        assertThat(r.history().stopReason()).isEqualTo("solved");
        assertThat(r.validation()).as("no examples held out of a head chosen by cross-validation").isNull();
        assertThat(r.history().epochs().get(0).trainSample().examples()).isEqualTo(Runs.DATA.size());
        assertThat(r.crossValidation().examples()).isEqualTo(Runs.DATA.size());

        PipelineResult sgd = Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of())
                .strategy("feature-extraction", Map.of("head", "sgd")).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(Runs.trainer(2).withValidationFraction(0.25)).cacheDir(dir.resolve("cache")).run();
        assertThat(sgd.validation()).as("a trained head still holds out validation data").isNotNull();
        assertThat(sgd.crossValidation()).as("no cross-validation without a solved head").isNull();
    }

    @Test
    void setFitSolvesItsHeadOnTheTunedEmbeddings() throws Exception {
        List<Example> train = new ArrayList<>();
        List<Example> val = new ArrayList<>();
        for (int i = 0; i < Runs.DATA.size(); i++) {
            (i % 4 == 0 ? val : train).add(Runs.DATA.get(i));
        }
        PipelineResult r = Runs.GRAFT.pipeline().data(train).validation(val).backbone("tiny-mlp", Map.of())
                .strategy("setfit", Map.of("pairs", "2", "bodyLr", "0.01")).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(Runs.trainer(2)).cacheDir(dir.resolve("cache")).run();
        assertThat(r.history().stopReason()).isEqualTo("solved");
        assertThat(r.history().epochs()).hasSize(2);
        TinyBackbone tiny = new TinyBackbone(8, 16, true, 1);
        Map<String, dev.graft.engine.spi.HostTensor> tuned = new java.util.LinkedHashMap<>();
        r.model().weights().forEach((k, v) -> {
            if (k.startsWith("backbone.")) {
                tuned.put(k, v);
            }
        });
        assertThat(tuned.values().iterator().next().floats()).as("the body was tuned")
                .isNotEqualTo(tiny.weights().get(tuned.keySet().iterator().next()).floats());
        LinearProbe probe = LinearProbe.fit(features(tiny, tuned, train), train.stream().map(Example::label).toList(),
                TextBaseline.Options.defaults().withSeed(7));
        float[][] valF = features(tiny, tuned, val);
        try (Predictor p = Predictor.open(r.model(), Runs.GRAFT.engines().get("tensorflow"), Runs.GRAFT.backbones())) {
            float[][] scores = p.scores(val);
            for (int i = 0; i < val.size(); i++) {
                double[] want = probe.probabilities(valF[i]);
                for (int k = 0; k < want.length; k++) {
                    assertThat((double) scores[i][k]).isCloseTo(want[k], org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
    }

    @Test
    void sgdHeadStaysReachable() throws Exception {
        PipelineResult r = Runs.pipeline("feature-extraction", Map.of("head", "sgd"), Runs.trainer(3), dir).run();
        assertThat(r.history().stopReason()).isNotEqualTo("solved");
        assertThat(r.history().epochs()).hasSize(3);
    }

    @Test
    void refusesSolvedHeadOnHiddenLayers() {
        assertThatThrownBy(() -> Runs.GRAFT.pipeline().data(Runs.DATA).backbone("tiny-mlp", Map.of())
                .strategy("feature-extraction", Map.of("head", "solve"))
                .head(new HeadConfig("mlp", Task.CLASSIFICATION, List.of(8), 0)).trainer(Runs.trainer(2)).cacheDir(dir).run())
                .hasMessageContaining("head=solve").hasMessageContaining("head=sgd");
    }

    private static float[][] features(TinyBackbone b, List<Example> xs) {
        return features(b, b.weights(), xs);
    }

    private static float[][] features(TinyBackbone b, Map<String, dev.graft.engine.spi.HostTensor> w, List<Example> xs) {
        try (CompiledModel m = Runs.GRAFT.engines().get("tensorflow").compile(NetworkAssembler.backboneOnly(b), 1)) {
            m.setParameters(w);
            float[] f = m.predict(b.encode(xs, false, 0), NetworkAssembler.FEATURES).floats();
            float[][] out = new float[xs.size()][];
            int d = f.length / xs.size();
            for (int i = 0; i < xs.size(); i++) {
                out[i] = Arrays.copyOfRange(f, i * d, (i + 1) * d);
            }
            return out;
        }
    }
}
