package dev.graft.core.internal.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.Task;
import dev.graft.core.spi.WeightsStatus;
import dev.graft.core.testing.Data;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.HostTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraftModelBackboneTest {
    private static final Graft GRAFT = Graft.create();
    private static final List<Example> DATA = Data.clusters(3, 20, 8, 1);

    @TempDir
    Path dir;

    private PipelineResult train(String backbone, Map<String, String> options, String strategy, Map<String, String> so)
            throws Exception {
        return GRAFT.pipeline().data(DATA).backbone(backbone, options).strategy(strategy, so)
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(3).withBatchSize(16).withLearningRate(0.02).withSeed(7))
                .cacheDir(dir.resolve("cache")).run();
    }

    private RunContext context() {
        return RunContext.of(GRAFT.engines(), null, dir.resolve("cache"), 7, GRAFT.backbones());
    }

    private static void assertSameBackboneWeights(Map<String, HostTensor> actual, Map<String, HostTensor> saved) {
        Map<String, HostTensor> expected = new java.util.LinkedHashMap<>();
        saved.forEach((k, v) -> {
            if (k.startsWith("backbone.")) {
                expected.put(k, v);
            }
        });
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k).bitEquals(v)).as(k).isTrue());
    }

    @Test
    void savedModelIsABackboneWithItsTrainedWeightsAndCutPoints() throws Exception {
        PipelineResult pre = train("tiny-mlp", Map.of("pretrained", "false"), "fine-tuning", Map.of());
        Path a = dir.resolve("a");
        pre.model().save(a);
        try (Backbone b = GRAFT.create("model:" + a, Map.of(), context())) {
            assertThat(b.pretrained()).isTrue();
            assertThat(b.blocks()).extracting(dev.graft.core.spi.Block::name).containsExactly("block1", "block2", "block3");
            assertSameBackboneWeights(b.weights(), pre.model().weights());
            assertThat(b.weights().keySet()).noneMatch(k -> k.startsWith("head."));
            assertThat(b.preprocessing()).isEqualTo(pre.model().preprocessing());
        }
        // feature extraction on it keeps exactly the saved backbone and warns of nothing
        PipelineResult fe = train("model:" + a, Map.of(), "feature-extraction", Map.of("cache", "false"));
        assertThat(fe.warnings()).isEmpty();
        assertSameBackboneWeights(filter(fe.model().weights()), pre.model().weights());
        // hybrid at a cut point of the saved backbone trains what is above it and keeps what is below
        PipelineResult hy = train("model:" + a, Map.of(), "hybrid", Map.of("cut", "block2"));
        HostTensor before = pre.model().weights().get("backbone.block1.fc.kernel");
        assertThat(hy.model().weights().get("backbone.block1.fc.kernel").bitEquals(before)).isTrue();
        assertThat(hy.model().weights().get("backbone.block3.fc.kernel").bitEquals(pre.model().weights()
                .get("backbone.block3.fc.kernel"))).isFalse();
    }

    @Test
    void transfersChainThroughSavedModelsAndPredictFromTheLast() throws Exception {
        Path a = dir.resolve("a");
        train("tiny-mlp", Map.of("pretrained", "false"), "fine-tuning", Map.of()).model().save(a);
        PipelineResult second = train("model:" + a, Map.of(), "fine-tuning", Map.of());
        Path b = dir.resolve("b");
        second.model().save(b);
        assertThat(TrainedModel.readManifest(b).backbone().name()).isEqualTo("model:" + a);
        try (Backbone bb = GRAFT.create("model:" + b, Map.of(), context())) {
            assertSameBackboneWeights(bb.weights(), second.model().weights());
        }
        PipelineResult third = train("model:" + b, Map.of(), "feature-extraction", Map.of());
        Path c = dir.resolve("c");
        third.model().save(c);
        List<Example> fresh = Data.clusters(3, 5, 8, 99);
        try (Predictor p = GRAFT.predictor(c, null)) {
            List<Prediction> got = p.predict(fresh);
            assertThat(got).hasSize(fresh.size());
        }
    }

    @Test
    void aRandomBackboneWarnsThatTheRunTrainsFromScratch() throws Exception {
        List<String> heard = new ArrayList<>();
        PipelineResult r = GRAFT.pipeline().data(DATA).backbone("tiny-mlp", Map.of("pretrained", "false"))
                .strategy("feature-extraction", Map.of()).trainer(TrainerConfig.defaults().withEpochs(1).withSeed(7))
                .cacheDir(dir).listener(new TrainingListener() {
                    @Override
                    public void onWarning(String message) {
                        heard.add(message);
                    }
                }).run();
        assertThat(r.warnings()).hasSize(1);
        assertThat(r.warnings().get(0)).contains("tiny-mlp").contains("this is training from scratch")
                .contains("feature-extraction");
        assertThat(heard).isEqualTo(r.warnings());
        assertThat(r.planReport()).startsWith("WARNING: backbone 'tiny-mlp'");
        PipelineResult pretrained = train("tiny-mlp", Map.of(), "feature-extraction", Map.of());
        assertThat(pretrained.warnings()).isEmpty();
        assertThat(pretrained.planReport()).doesNotContain("WARNING");
    }

    @Test
    void registryOffersTheModelFamilyAndSaysWhereItsWeightsComeFrom() {
        assertThat(GRAFT.backbones().offers("model:/any/dir")).isTrue();
        assertThat(GRAFT.backbones().offers("model:")).isFalse();
        assertThat(GRAFT.backbones().offers("nosuch")).isFalse();
        assertThat(GRAFT.backbones().families()).contains("model:<dir>");
        assertThat(GRAFT.backbones().provider("model:/x").weightsStatus("model:/x").source())
                .isEqualTo(WeightsStatus.Source.SAVED_MODEL);
        assertThat(GRAFT.catalog().entries(dev.graft.core.Catalog.Kind.BACKBONE)).anyMatch(e -> e.info().id().equals("model:<dir>"));
    }

    @Test
    void refusesWhatIsNotAModelDirectory() throws Exception {
        assertThatThrownBy(() -> GRAFT.create("model:" + dir.resolve("nope"), Map.of(), context()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("not a directory");
        assertThatThrownBy(() -> GRAFT.create("model:" + dir, Map.of(), context()))
                .hasMessageContaining("not a Graft model directory").hasMessageContaining("manifest.json");
        Path a = dir.resolve("a");
        train("tiny-mlp", Map.of(), "feature-extraction", Map.of()).model().save(a);
        assertThatThrownBy(() -> GRAFT.create("model:" + a, Map.of("weights", "x.safetensors"), context()))
                .hasMessageContaining("weights does not apply");
        // an option that changes the preprocessing the saved weights were trained with is refused
        assertThatThrownBy(() -> GRAFT.create("model:" + a, Map.of("scale", "2"), context()))
                .hasMessageContaining("preprocesses as");
    }

    private static Map<String, HostTensor> filter(Map<String, HostTensor> w) {
        Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
        w.forEach((k, v) -> {
            if (k.startsWith("backbone.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
