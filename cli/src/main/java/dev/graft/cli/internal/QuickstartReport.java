package dev.graft.cli.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The quickstart's output directory, rewritten after the baseline and after every run: {@code results.txt}
 * (the table as printed, with the runs still to come) and the HTML report. Each file is written beside
 * its final name and moved over it, so a process killed while writing leaves the previous complete version.
 */
final class QuickstartReport {
    static final String RESULTS = "results.txt";

    private final Path dir;
    private final String backbone;
    private final String task;
    private final Map<String, String> environment;
    private final List<String> labels;
    private final BaselineRun.Result baseline;
    private final List<String> notes;

    QuickstartReport(Path dir, String backbone, String task, Map<String, String> environment, List<String> labels,
            BaselineRun.Result baseline, List<String> notes) {
        this.dir = dir;
        this.backbone = backbone;
        this.task = task;
        this.environment = environment;
        this.labels = labels;
        this.baseline = baseline;
        this.notes = notes;
    }

    /** Writes both files for the runs finished so far ({@code sections}, in the table's order) out of {@code planned}. */
    void write(ResultsTable table, List<RunReport.Section> sections, List<String> planned, double wallSeconds, double cpuSeconds)
            throws IOException {
        Files.createDirectories(dir);
        int done = table.runs().size();
        String pending = done == planned.size() ? "" : "still to run: " + String.join(", ", planned.subList(done, planned.size()))
                + System.lineSeparator();
        Path tmp = dir.resolve(RESULTS + ".tmp");
        Files.writeString(tmp, task + System.lineSeparator() + System.lineSeparator() + table.render(wallSeconds, cpuSeconds) + pending,
                StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(RESULTS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        List<String> all = new ArrayList<>();
        all.add(table.verdict() + ".");
        all.add("Baseline (no pretraining), trained on the whole training part and scored on the same test set: " + baseline.line());
        if (!pending.isEmpty()) {
            all.add("This report is partial: " + done + " of " + planned.size() + " runs finished; " + pending.trim() + ".");
        }
        all.addAll(notes);
        RunReport r = new RunReport("graft quickstart: transfer learning with " + backbone, task, "test", environment, labels,
                sections, all);
        ReportWriter.write(r, dir);
    }
}
