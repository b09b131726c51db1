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
                "--runs", "feature-extraction,setfit,hybrid,from-scratch", "--epochs", "8", "--head-epochs", "30", "-o", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("3 sections [editors, games, mail]").contains("test acc").contains("macro F1").contains("CPU (s)")
                .contains("feature extraction (frozen hashed-words, linear head)").contains("setfit").contains("hybrid")
                .contains("from scratch (same architecture, random init)").contains("chance level: accuracy 0.333")
                .contains("report: ").contains("results: ");
        List<String> lines = r.out().lines().toList();
        String baselineRow = lines.stream().filter(l -> l.startsWith("baseline: TF-IDF")).findFirst().orElseThrow();
        // the synthetic sections have disjoint vocabularies: the baseline must separate them
        double baseline = Double.parseDouble(baselineRow.split("\\s{2,}")[1]);
        assertThat(baseline).isGreaterThan(0.9);
        // the closing line names the run with the highest test accuracy and its signed margin over the baseline
        double best = -1;
        String bestName = null;
        for (String l : lines.subList(lines.indexOf(baselineRow) + 1, lines.indexOf(baselineRow) + 5)) {
            String[] cols = l.split("\\s{2,}");
            double acc = Double.parseDouble(cols[1]);
            if (acc > best) {
                best = acc;
                bestName = cols[0];
            }
        }
        String verdict = lines.stream().filter(l -> l.startsWith("best run: ")).findFirst().orElseThrow();
        assertThat(verdict).startsWith("best run: " + bestName + ", test accuracy " + String.format(java.util.Locale.ROOT, "%.3f", best))
                .contains(best > baseline ? "above the baseline" : best < baseline ? "BELOW the baseline" : "level with the baseline");
        // results.txt holds the task line and exactly the table as printed, with nothing left to run
        String results = Files.readString(out.resolve("results.txt"));
        String printed = r.out().substring(r.out().indexOf("run "), r.out().indexOf("results: "));
        assertThat(results).contains(printed).startsWith("Debian package descriptions").doesNotContain("still to run");
        String html = Files.readString(out.resolve("index.html"));
        assertThat(html).contains("test accuracy").contains("Confusion matrix").contains("Time per phase").contains("test evaluation")
                .contains("features").contains("Environment").contains("random").contains(verdict).doesNotContain("partial");
        long pngs;
        try (var s = Files.list(out)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).count();
        }
        assertThat(pngs).isEqualTo(8);
        assertThat(out.resolve("index.html.tmp")).doesNotExist();
    }

    @Test
    void fullCannotBeCombinedWithAnotherBackbone(@TempDir Path dir) throws Exception {
        Path status = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 24, 5, 3);
        CliRun r = CliRun.of("quickstart", "--status", status.toString(), "--full", "--backbone", "hashed-words",
                "-o", dir.resolve("report").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--full").contains("--backbone hashed-words");
        CliRun bad = CliRun.of("quickstart", "--status", status.toString(), "--runs", "fine-tuning,lora", "-o", dir.resolve("r2").toString());
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown quickstart run 'lora'").contains("setfit");
    }

    private static Map<String, Long> count(List<Example> xs) {
        return xs.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
    }
}
