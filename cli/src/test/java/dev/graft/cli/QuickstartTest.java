package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.cli.internal.DebianPackages;
import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartTest {
    @Test
    void preparesABalancedTaskWithAStratifiedHeldOutTestSet(@TempDir Path dir) throws Exception {
        Path status = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 20, 5, 7);
        DebianPackages.Task t = DebianPackages.task(status, 12, 8, 0.25, 42);
        assertThat(t.labels()).containsExactly("editors", "games", "mail"); // "rare" has only 5 packages
        assertThat(t.packages()).isEqualTo(65);
        assertThat(t.skipped()).isZero();
        Map<String, Long> train = count(t.train());
        Map<String, Long> test = count(t.test());
        assertThat(train).containsOnly(Map.entry("editors", 9L), Map.entry("games", 9L), Map.entry("mail", 9L));
        assertThat(test).containsOnly(Map.entry("editors", 3L), Map.entry("games", 3L), Map.entry("mail", 3L));
        Set<String> trainSources = new HashSet<>(t.train().stream().map(Example::source).toList());
        assertThat(t.test()).noneMatch(e -> trainSources.contains(e.source()));
        assertThat(DebianPackages.task(status, 12, 8, 0.25, 42)).isEqualTo(t);
        assertThat(DebianPackages.task(status, 12, 2, 0.25, 42).labels()).hasSize(2);
    }

    @Test
    void tooFewSectionsIsAnErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Path status = StatusFiles.write(dir.resolve("status"), List.of("mail"), 20, 3, 7);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DebianPackages.task(status, 12, 8, 0.25, 42))
                .hasMessageContaining(status.toString()).hasMessageContaining("a task needs 2");
    }

    @Test
    void quickstartComparesStrategiesAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path status = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 24, 5, 3);
        Path out = dir.resolve("report");
        CliRun r = CliRun.of("quickstart", "--status", status.toString(), "--backbone", "hashed-words", "--per-class", "24",
                "--runs", "feature-extraction,hybrid,from-scratch", "--epochs", "8", "--head-epochs", "30", "-o", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("3 sections [editors, games, mail]").contains("test acc").contains("macro F1")
                .contains("feature extraction").contains("hybrid").contains("from scratch (same architecture, random init)")
                .contains("chance level: accuracy 0.333").contains("report: ");
        String baselineRow = r.out().lines().filter(l -> l.startsWith("baseline: TF-IDF")).findFirst().orElseThrow();
        // the synthetic sections have disjoint vocabularies: the baseline must separate them
        assertThat(Double.parseDouble(baselineRow.substring(52).trim().split("\\s+")[0])).isGreaterThan(0.9);
        String html = Files.readString(out.resolve("index.html"));
        assertThat(html).contains("test accuracy").contains("Confusion matrix").contains("Time per phase").contains("test evaluation")
                .contains("features").contains("Environment").contains("random");
        long pngs;
        try (var s = Files.list(out)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).count();
        }
        assertThat(pngs).isEqualTo(6);
    }

    private static Map<String, Long> count(List<Example> xs) {
        return xs.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
    }
}
