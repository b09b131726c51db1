package dev.graft.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.Data;
import dev.graft.core.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnsembleModelTest {
    @TempDir
    static Path dir;
    static Graft graft;
    static Path a;
    static Path b;
    static Path fourLabels;

    @BeforeAll
    static void trainMembers() throws IOException {
        graft = Graft.create();
        a = train(Data.clusters(3, 20, 8, 1), "12", 1, "a");
        b = train(Data.clusters(3, 20, 8, 2), "8", 7, "b");
        fourLabels = train(Data.clusters(4, 10, 8, 3), "8", 3, "four");
    }

    private static Path train(List<Example> data, String width, long seed, String name) throws IOException {
        Path out = dir.resolve(name);
        graft.pipeline().data(data).backbone("tiny-mlp", Map.of("width", width)).strategy("fine-tuning", Map.of())
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(4).withBatchSize(16).withLearningRate(0.02).withSeed(seed))
                .cacheDir(dir.resolve("cache")).run().model().save(out);
        return out;
    }

    private static TrainedModel ensemble(double wa, double wb) throws IOException {
        return TrainedModel.ensemble(List.of(new TrainedModel.Member("a", TrainedModel.load(a), wa),
                new TrainedModel.Member("b", TrainedModel.load(b), wb)));
    }

    private static List<Prediction> predict(Path model, List<Example> xs) throws IOException {
        try (Predictor p = graft.predictor(model, null)) {
            return p.predict(xs);
        }
    }

    @Test
    void probabilitiesAreTheWeightedAverageOfTheMembersOwnPredictions() throws Exception {
        Path e = dir.resolve("e13");
        ensemble(1, 3).save(e);
        // the folder holds copies: it predicts the same after moving it away from the members' folders
        Path moved = Files.move(e, dir.resolve("elsewhere-e13"));
        List<Example> fresh = Data.clusters(3, 10, 8, 99);
        List<Prediction> pa = predict(a, fresh);
        List<Prediction> pb = predict(b, fresh);
        List<Prediction> pe = predict(moved, fresh);
        assertThat(TrainedModel.load(moved).labels().labels()).containsExactly("class0", "class1", "class2");
        for (int i = 0; i < fresh.size(); i++) {
            String best = null;
            for (String label : List.of("class0", "class1", "class2")) {
                double want = (1 * pa.get(i).scores().get(label) + 3 * pb.get(i).scores().get(label)) / 4;
                assertThat(pe.get(i).scores().get(label)).as("example %d, %s", i, label).isCloseTo(want, within(1e-12));
                best = best == null || want > (1 * pa.get(i).scores().get(best) + 3 * pb.get(i).scores().get(best)) / 4 ? label : best;
            }
            assertThat(pe.get(i).label()).isEqualTo(best);
            assertThat(pe.get(i).scores().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, within(1e-6));
            assertThat(pe.get(i).source()).isEqualTo(fresh.get(i).source());
        }
        assertThat(moved.resolve("members/a/weights.safetensors")).isRegularFile();
        assertThat(moved.resolve("members/b/weights.safetensors")).isRegularFile();
        assertThat(TrainedModel.load(moved).members()).extracting(TrainedModel.Member::weight).containsExactly(1.0, 3.0);
        // a weight of 0 leaves a member out: the ensemble then predicts exactly as the other member does
        Path onlyB = dir.resolve("only-b");
        ensemble(0, 2).save(onlyB);
        List<Prediction> pOnlyB = predict(onlyB, fresh);
        for (int i = 0; i < fresh.size(); i++) {
            for (String label : List.of("class0", "class1", "class2")) {
                assertThat(pOnlyB.get(i).scores().get(label)).isCloseTo(pb.get(i).scores().get(label), within(1e-12));
            }
        }
    }

    @Test
    void refusesMembersOverOtherLabelsNamingTheMemberAndTheLabels() throws Exception {
        assertThatThrownBy(() -> TrainedModel.ensemble(List.of(new TrainedModel.Member("1-a", TrainedModel.load(a), 1),
                new TrainedModel.Member("2-four", TrainedModel.load(fourLabels), 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member '2-four' predicts labels")
                .hasMessageContaining("it adds [class3]");
    }

    @Test
    void refusesBadWeights() throws Exception {
        assertThatThrownBy(() -> ensemble(1, -1)).hasMessageContaining("ensemble weights: weight 2 is -1.0");
        assertThatThrownBy(() -> ensemble(Double.NaN, 1)).hasMessageContaining("weight 1 is NaN");
        assertThatThrownBy(() -> ensemble(0, 0)).hasMessageContaining("every weight is 0");
        assertThatThrownBy(() -> TrainedModel.ensemble(List.of(new TrainedModel.Member("a", TrainedModel.load(a), 1))))
                .hasMessageContaining("at least two members");
    }

    @Test
    void refusesNestedEnsembles() throws Exception {
        Path e = dir.resolve("nest-inner");
        ensemble(1, 1).save(e);
        assertThatThrownBy(() -> TrainedModel.ensemble(List.of(new TrainedModel.Member("inner", TrainedModel.load(e), 1),
                new TrainedModel.Member("a", TrainedModel.load(a), 1))))
                .hasMessageContaining("member 'inner' is itself an ensemble (of 2 models)");
        assertThatThrownBy(() -> TrainedModel.load(e).network()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("soft-voting ensemble of 2 models ([a, b])");
    }

    @Test
    void refusesAMissingOrCorruptMemberNamingIt() throws Exception {
        Path missing = dir.resolve("missing");
        ensemble(1, 1).save(missing);
        deleteTree(missing.resolve("members/b"));
        assertThatThrownBy(() -> TrainedModel.load(missing)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.resolve("ensemble.json") + ": member 'members/b' cannot be loaded")
                .hasMessageContaining("manifest.json");
        Path corrupt = dir.resolve("corrupt");
        ensemble(1, 1).save(corrupt);
        Path w = corrupt.resolve("members/a/weights.safetensors");
        Files.write(w, java.util.Arrays.copyOf(Files.readAllBytes(w), 100));
        assertThatThrownBy(() -> TrainedModel.load(corrupt)).isInstanceOf(IOException.class)
                .hasMessageContaining("member 'members/a' cannot be loaded").hasMessageContaining(w.toString());
    }

    @Test
    void refusesAnEnsembleFileWithBadFieldsNamingTheField() throws Exception {
        Path e = dir.resolve("fields");
        ensemble(1, 1).save(e);
        Path f = e.resolve("ensemble.json");
        String good = Files.readString(f);
        Files.writeString(f, good.replace("\"members/b\"", "\"../b\""));
        assertThatThrownBy(() -> TrainedModel.load(e)).hasMessageContaining(f + ": field 'members[1].folder' is '../b'");
        Files.writeString(f, good.replaceFirst("\"weight\": 1.0", "\"weight\": -2.0"));
        assertThatThrownBy(() -> TrainedModel.load(e)).hasMessageContaining(f + ": field 'members[i].weight': weight 1 is -2.0");
        Files.writeString(f, good.replace("\"soft\"", "\"hard\""));
        assertThatThrownBy(() -> TrainedModel.load(e)).hasMessageContaining(f + ": field 'voting' is \"hard\"");
        Files.writeString(f, "{\"format\": 1,");
        assertThatThrownBy(() -> TrainedModel.load(e)).hasMessageContaining(f + ": invalid JSON");
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
