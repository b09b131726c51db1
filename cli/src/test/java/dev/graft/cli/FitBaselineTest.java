package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.graft.core.Graft;
import dev.graft.core.baseline.BaselineModel;
import dev.graft.core.baseline.TextBaseline;
import dev.graft.core.spi.Example;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitBaselineTest {
    @Test
    void fitPrintsTheBaselineBesideTheTransferRunOnTheSameValidationExamples(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 7);
        Path model = dir.resolve("model");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-S", "head=sgd", "-d", data.toString(), "--epochs", "3", "--baseline",
                "--cache-dir", dir.resolve("cache").toString(), "-o", model.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("run (same validation examples)").contains("hashed-words / feature-extraction");
        String row = r.out().lines().filter(l -> l.startsWith("baseline: TF-IDF")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(row.substring(52).trim().split("\\s+")[0])).isGreaterThan(0.9);
        assertThat(Files.readString(model.resolve("report").resolve("index.html"))).contains("Baseline on the same split");
    }

    @Test
    void solvedHeadTrainsOnEveryExampleAndMeetsTheBaselineOnTheSameCrossValidationFolds(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 7);
        Path model = dir.resolve("model");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", data.toString(), "--baseline", "--seed", "5", "--cache-dir",
                dir.resolve("cache").toString(), "-o", model.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        // all 90 examples trained on: a held-out split would leave 72
        assertThat(r.out()).contains("trained on all 90 examples").contains("5-fold cross-validation, same folds")
                .doesNotContain("validation: ");
        assertThat(r.err()).doesNotContain("held out");
        // the baseline's row is its cross-validated accuracy on all 90 examples with the run's seed, computed here independently
        List<Example> all = Graft.create().read(data).examples();
        BaselineModel b = TextBaseline.fit(all.stream().map(e -> (String) e.input()).toList(), all.stream().map(Example::label).toList(),
                TextBaseline.Options.defaults().withSeed(5));
        String row = r.out().lines().filter(l -> l.startsWith("baseline: TF-IDF")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(row.substring(52).trim().split("\\s+")[0]))
                .isCloseTo(b.crossValidationAccuracy().get(b.c()), within(5e-4));
        String html = Files.readString(model.resolve("report").resolve("index.html"));
        assertThat(html).contains("trained on 90;").contains("Baseline cross-validated on the same 5 folds");
        // the results table's figure is the head's cross-validated accuracy, as printed, not a blank validation figure
        String printed = r.out().lines().filter(l -> l.contains("cross-validated accuracy ")).findFirst().orElseThrow()
                .replaceAll(".*cross-validated accuracy ([0-9.]+).*", "$1");
        assertThat(html).contains("<th>cross-validated accuracy</th>").contains("<th>cross-validated macro F1</th>")
                .contains(String.format(java.util.Locale.ROOT, "<td>%.3f</td><td>n/a</td>", Double.parseDouble(printed)))
                .doesNotContain("NaN");
    }

    @Test
    void anExplicitValidationFractionStillHoldsOutForASolvedHead(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 7);
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", data.toString(), "--validation-fraction", "0.2", "--cache-dir",
                dir.resolve("cache").toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("18 examples held out for validation (--validation-fraction 0.2)");
        assertThat(r.out()).contains("validation: ").doesNotContain("trained on all");
    }

    @Test
    void setfitWithTheBaselineHoldsOutAndSaysWhy(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail"), 10, 0, 7);
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-s", "setfit", "-S", "pairs=2", "--epochs", "2", "-d", data.toString(),
                "--baseline", "--cache-dir", dir.resolve("cache").toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("4 examples held out for the comparison with the baseline: setfit tunes its backbone")
                .contains("trained on the other 16 (without --baseline it trains on all 20)");
        assertThat(r.out()).contains("run (same validation examples)");
    }

    @Test
    void baselineIsForClassificationOnly(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail"), 10, 0, 7);
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", data.toString(), "--task", "regression", "--baseline", "-o",
                dir.resolve("m").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--baseline compares classifiers");
    }
}
