package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartResultsTest {
    private static ResultsTable.Row row(String name, double acc, double f1) {
        return new ResultsTable.Row(name, acc, f1, 1.0, 2.0, "10", "3");
    }

    @Test
    void namesTheBestRunAndItsMarginAboveTheBaseline() {
        ResultsTable t = new ResultsTable(row("baseline", 0.810, 0.80), 7);
        assertThat(t.verdict()).isEqualTo("no transfer run finished; only the baseline's figures are above");
        t.add(row("a", 0.857, 0.85));
        t.add(row("b", 0.873, 0.86));
        t.add(row("c", 0.873, 0.87)); // same accuracy, better macro F1
        t.add(row("d", 0.429, 0.35));
        assertThat(t.best().name()).isEqualTo("c");
        assertThat(t.verdict()).isEqualTo("best run: c, test accuracy 0.873, 6.3 accuracy points above the baseline (0.810)");
        String table = t.render(12.3, 45.6);
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(8);
        assertThat(lines.get(1)).startsWith("baseline ");
        assertThat(lines.get(2)).startsWith("a ");
        assertThat(lines.get(6)).isEqualTo("chance level: accuracy 0.143 (7 balanced classes); 4 run(s) took 12 s wall, 46 s CPU");
        assertThat(lines.get(7)).isEqualTo(t.verdict());
    }

    @Test
    void saysPlainlyWhenTheBaselineWins() {
        ResultsTable t = new ResultsTable(row("baseline", 0.810, 0.80), 7);
        t.add(row("fine-tuning", 0.667, 0.66));
        t.add(row("feature extraction", 0.460, 0.41));
        assertThat(t.verdict()).isEqualTo("best run: fine-tuning, test accuracy 0.667, 14.3 accuracy points BELOW the baseline "
                + "(0.810): the baseline wins");
        ResultsTable level = new ResultsTable(row("baseline", 0.5, 0.5), 2);
        level.add(row("x", 0.5, 0.4));
        assertThat(level.verdict()).isEqualTo("best run: x, test accuracy 0.500, level with the baseline (0.500)");
    }

    @Test
    void aPartialReportListsTheRunsStillToCome(@TempDir Path dir) throws Exception {
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            train.add(new Example("t" + i, (i % 2 == 0 ? "alpha beta gamma " : "delta epsilon zeta ") + i, i % 2 == 0 ? "a" : "b"));
        }
        BaselineRun.Result baseline = BaselineRun.run(train, train, 42);
        ResultsTable t = new ResultsTable(row(BaselineRun.NAME, baseline.scores().accuracy(), baseline.scores().macroF1()), 2);
        QuickstartReport report = new QuickstartReport(dir, "some-backbone", "a task", Map.of("engine", "x"), List.of("a", "b"), baseline,
                List.of("a note"));
        List<String> planned = List.of("feature-extraction", "fine-tuning", "from-scratch");
        List<RunReport.Section> sections = new ArrayList<>();
        report.write(t, sections, planned, 1, 1);
        assertThat(Files.readString(dir.resolve("results.txt"))).contains(BaselineRun.NAME)
                .contains("still to run: feature-extraction, fine-tuning, from-scratch");
        t.add(row("feature extraction", 0.75, 0.7));
        sections.add(new RunReport.Section("feature extraction", "plan", List.of(new RunReport.EpochRow(1, 0.5, 0.8, 0.6, 0.7, 0.1)),
                new int[][] {{1, 0}, {0, 1}}, Map.of("training", 0.1), 0.75, 0.7, 0.1, 10, "stopped"));
        report.write(t, sections, planned, 2, 2);
        String results = Files.readString(dir.resolve("results.txt"));
        assertThat(results).startsWith("a task").contains("feature extraction").contains("still to run: fine-tuning, from-scratch")
                .contains(t.verdict());
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("1 of 3 runs finished").contains("still to run: fine-tuning, from-scratch").contains(t.verdict())
                .contains("a note");
        assertThat(dir.resolve("results.txt.tmp")).doesNotExist();
        assertThat(dir.resolve("index.html.tmp")).doesNotExist();
    }
}
