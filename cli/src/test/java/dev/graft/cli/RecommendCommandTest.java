package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecommendCommandTest {
    @Test
    void ranksCandidatesSuggestsAStrategyAndLeavesFeaturesForTheFit(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 5);
        Path cache = dir.resolve("cache");
        CliRun r = CliRun.of("recommend", "-b", "hashed-words", "-d", data.toString(), "--cache-dir", cache.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rank").contains("LogME").contains("chance").contains("hashed-words")
                .contains("suggested strategy: feature-extraction").contains("why: 'hashed-words' ranks first")
                .contains("try: graft fit -b hashed-words -s feature-extraction")
                .contains("which trains with fit's defaults for a head on frozen features: 100 epochs, batch 32, lr 0.01, Adam, "
                        + "schedule constant, early stopping on val_loss (patience 5, best weights restored)");
        assertThat(r.out().lines().filter(l -> l.startsWith("1 ")).findFirst().orElseThrow()).contains(" yes ");
        assertThat(r.out()).contains("check against the classical baseline (66 training / 24 held-out examples of the 90 scored)")
                .contains("frozen hashed-words + linear head").contains("baseline: TF-IDF 1-2-grams + logistic regression")
                .containsPattern("verdict: (no backbone's frozen features beat|frozen hashed-words features beat) the TF-IDF baseline");

        Path model = dir.resolve("model");
        CliRun fit = CliRun.of("fit", "-b", "hashed-words", "-s", "feature-extraction", "-d", data.toString(), "--cache-dir",
                cache.toString(), "--seed", "42", "--epochs", "2", "-o", model.toString());
        assertThat(fit.exit()).as(fit.toString()).isZero();
        assertThat(Files.readString(model.resolve("report").resolve("index.html")))
                .contains("feature cache: 90 examples: 90 from disk, 0 computed");
    }

    @Test
    void saysPlainlyWhenNoFrozenFeaturesBeatTheBaseline(@TempDir Path dir) throws Exception {
        // a blind backbone's features carry nothing: TF-IDF on the same synthetic descriptions separates them
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 5);
        CliRun r = CliRun.of("recommend", "-b", "hashed-words", "-B", "blind=true", "-d", data.toString(), "--cache-dir",
                dir.resolve("cache").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("verdict: no backbone's frozen features beat the TF-IDF baseline")
                .contains("try fine-tuning").contains("or use the baseline");
    }

    @Test
    void probesFineTuningOnAPartOfTheDataItDidNotTrainOnWhenAsked(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 5);
        CliRun r = CliRun.of("recommend", "-b", "hashed-words", "-d", data.toString(), "--cache-dir", dir.resolve("cache").toString(),
                "--probe", "--probe-per-class", "12", "--probe-epochs", "3", "--no-baseline");
        assertThat(r.exit()).as(r.toString()).isZero();
        // 30 per class: 8 held out (25 %), 12 of the other 22 trained on
        assertThat(r.out()).contains("fine-tuning probe (3 epochs on 36 training examples, scored on 24 held-out examples of the 90 scored")
                .containsPattern("1    hashed-words +\\d+/24 +0\\.\\d{3} +0\\.\\d{3} +\\d+\\.\\d")
                .contains("the probe took").contains("why: Fine-tuning probe: each candidate fine-tuned for 3 epochs on 36 examples")
                .contains("The suggestion is feature-extraction, not fine-tuning, so it keeps LogME's pick")
                .contains("try: graft fit -b hashed-words -s feature-extraction")
                .doesNotContain("check against the classical baseline");
        assertThat(r.err()).contains("fine-tuning probe: hashed-words, 3 epochs, batch 32, lr 0.001, Adam, schedule constant, "
                + "no early stopping");
    }

    @Test
    void probesOnlyWhenFineTuningIsSuggestedUnlessAskedAndRefusesBadProbeSizes(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail"), 5, 0, 5);
        CliRun quiet = CliRun.of("recommend", "-b", "hashed-words", "-d", data.toString(), "--cache-dir", dir.resolve("cache").toString(),
                "--no-baseline");
        assertThat(quiet.exit()).as(quiet.toString()).isZero();
        assertThat(quiet.out()).doesNotContain("fine-tuning probe").contains("why: 'hashed-words' ranks first");
        CliRun bad = CliRun.of("recommend", "-b", "hashed-words", "-d", data.toString(), "--probe-epochs", "0");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--probe-per-class and --probe-epochs want a number >= 1");
    }

    @Test
    void optionsForOneCandidateMustNameACandidate(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail"), 5, 0, 5);
        CliRun r = CliRun.of("recommend", "-b", "hashed-words", "-B", "bert:maxLength=64", "-d", data.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("'bert', which is not a candidate");
    }
}
