package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitBaselineTest {
    @Test
    void fitPrintsTheBaselineBesideTheTransferRunOnTheSameValidationExamples(@TempDir Path dir) throws Exception {
        Path data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 7);
        Path model = dir.resolve("model");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", data.toString(), "--epochs", "3", "--baseline", "--cache-dir",
                dir.resolve("cache").toString(), "-o", model.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("run (same validation examples)").contains("hashed-words / feature-extraction");
        String row = r.out().lines().filter(l -> l.startsWith("baseline: TF-IDF")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(row.substring(52).trim().split("\\s+")[0])).isGreaterThan(0.9);
        assertThat(Files.readString(model.resolve("report").resolve("index.html"))).contains("Baseline on the same split");
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
