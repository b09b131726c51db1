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
import dev.graft.engine.spi.io.FileTensors;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.io.SafeTensorsException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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
    void fineTunedWeightsReachTheSavedFileFromTheRunsWeightFileByteForByte() throws Exception {
        PipelineResult r = Graft.create().pipeline().data(Data.clusters(3, 20, 8, 1)).backbone("tiny-mlp", Map.of("width", "12"))
                .strategy("fine-tuning", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(2).withBatchSize(16)).cacheDir(dir).run();
        TrainedModel m = r.model();
        // every trained weight is a view of the run's weight file, so saving copies it from there in the kernel
        assertThat(m.weightFiles()).hasSize(1);
        m.weights().forEach((k, v) -> assertThat(m.weightFiles().get(0).holds(v)).as(k).isTrue());
        Path out = dir.resolve("model");
        m.save(out);
        Path fromMemory = dir.resolve("from-memory.safetensors");
        SafeTensors.write(fromMemory, m.weights(), Map.of("graft.format", Integer.toString(ModelManifest.FORMAT_VERSION)));
        assertThat(Files.readAllBytes(out.resolve(TrainedModel.WEIGHTS))).isEqualTo(Files.readAllBytes(fromMemory));
        TrainedModel loaded = TrainedModel.load(out);
        m.weights().forEach((k, v) -> assertThat(loaded.weights().get(k).bitEquals(v)).as(k).isTrue());
    }

    @Test
    void savingFromAWeightFileTruncatedSinceItWasOpenedNamesThatFile() throws Exception {
        PipelineResult r = Graft.create().pipeline().data(Data.clusters(3, 20, 8, 1)).backbone("tiny-mlp", Map.of("width", "12"))
                .strategy("fine-tuning", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(1).withBatchSize(16)).cacheDir(dir).run();
        Path first = dir.resolve("first");
        r.model().save(first);
        Path weights = first.resolve(TrainedModel.WEIGHTS);
        TrainedModel m = r.model();
        try (FileTensors ft = FileTensors.open(weights)) {
            TrainedModel again = new TrainedModel(m.manifest(), m.network(), ft.tensors(), m.preprocessing(), m.labels())
                    .withWeightFiles(List.of(ft));
            again.save(dir.resolve("second"));
            assertThat(Files.readAllBytes(dir.resolve("second").resolve(TrainedModel.WEIGHTS))).isEqualTo(Files.readAllBytes(weights));
            try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(weights) / 2);
            }
            Path third = dir.resolve("third");
            assertThatThrownBy(() -> again.save(third)).isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining(weights.toString()).hasMessageContaining("truncated");
            assertThat(third.resolve(TrainedModel.WEIGHTS)).doesNotExist();
        }
        assertThatThrownBy(() -> FileTensors.open(weights)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(weights.toString());
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
