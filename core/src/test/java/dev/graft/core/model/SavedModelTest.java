package dev.graft.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.Data;
import dev.graft.core.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelTest {
    @TempDir
    Path dir;

    @Test
    void savedModelLoadsAndPredictsLikeTheTrainedOne() throws Exception {
        Graft graft = Graft.create();
        List<Example> data = Data.clusters(3, 20, 8, 1);
        PipelineResult r = graft.pipeline().data(data).backbone("tiny-mlp", Map.of("width", "12"))
                .strategy("fine-tuning", Map.of()).head(HeadConfig.mlp(Task.CLASSIFICATION, List.of(10), 0.2))
                .trainer(TrainerConfig.defaults().withEpochs(8).withBatchSize(16).withLearningRate(0.02)).cacheDir(dir).run();
        Path out = dir.resolve("model");
        r.model().save(out);
        for (String f : List.of("manifest.json", "network.json", "weights.safetensors", "preprocessing.json", "labels.json")) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        TrainedModel loaded = TrainedModel.load(out);
        assertThat(loaded.manifest().backbone().options()).containsEntry("width", "12");
        assertThat(loaded.labels().labels()).containsExactly("class0", "class1", "class2");
        r.model().weights().forEach((k, v) -> assertThat(loaded.weights().get(k).bitEquals(v)).isTrue());

        List<Example> fresh = Data.clusters(3, 10, 8, 99);
        try (Predictor p = graft.predictor(out, null)) {
            List<Prediction> preds = p.predict(fresh);
            assertThat(preds).hasSize(fresh.size());
            int correct = 0;
            for (int i = 0; i < preds.size(); i++) {
                double sum = preds.get(i).scores().values().stream().mapToDouble(Double::doubleValue).sum();
                assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                correct += preds.get(i).label().equals(fresh.get(i).label()) ? 1 : 0;
                String argmax = preds.get(i).scores().entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
                assertThat(preds.get(i).label()).isEqualTo(argmax);
            }
            assertThat(correct).as("correct of %d fresh examples", fresh.size()).isGreaterThan(fresh.size() * 2 / 3);
            // the loaded model's predictions match the pipeline's own validation metrics computation path
            try (Predictor q = Predictor.open(r.model(), graft.engines().get(null), graft.backbones())) {
                assertThat(q.scores(fresh)).isDeepEqualTo(p.scores(fresh));
            }
        }
    }

    @Test
    void missingOrDamagedFilesAreNamed() throws Exception {
        Path out = dir.resolve("bad");
        Files.createDirectories(out);
        assertThatThrownBy(() -> TrainedModel.load(out)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("manifest.json");
        Files.writeString(out.resolve("manifest.json"), "{not json");
        assertThatThrownBy(() -> TrainedModel.load(out)).hasMessageContaining("manifest.json").hasMessageContaining("invalid JSON");
    }
}
