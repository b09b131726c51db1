package dev.graft.cli.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quickstart's results table: the baseline row, one row per finished run, and a closing line
 * naming the best run and its margin over the baseline (above or below). Rendered again after each
 * run, so a table written to disk is complete for every run that finished.
 */
final class ResultsTable {
    /** Width of the name column. */
    static final int NAME_WIDTH = 60;

    /** One row: test figures, train seconds (features + training) and process CPU seconds of the whole run. */
    record Row(String name, double accuracy, double macroF1, double trainSeconds, double cpuSeconds, String trainable, String epochs) {
    }

    private final Row baseline;
    private final int classes;
    private final List<Row> runs = new ArrayList<>();

    ResultsTable(Row baseline, int classes) {
        this.baseline = baseline;
        this.classes = classes;
    }

    void add(Row r) {
        runs.add(r);
    }

    List<Row> runs() {
        return List.copyOf(runs);
    }

    /** The best transfer run by test accuracy (then macro F1; the earlier on a tie), or null before any finished. */
    Row best() {
        Row best = null;
        for (Row r : runs) {
            if (best == null || r.accuracy() > best.accuracy()
                    || r.accuracy() == best.accuracy() && r.macroF1() > best.macroF1()) {
                best = r;
            }
        }
        return best;
    }

    /** The closing line: which run is best and by how many accuracy points it beats (or trails) the baseline. */
    String verdict() {
        Row best = best();
        if (best == null) {
            return "no transfer run finished; only the baseline's figures are above";
        }
        double points = Math.round((best.accuracy() - baseline.accuracy()) * 1000) / 10.0;
        String margin;
        if (points > 0) {
            margin = String.format(Locale.ROOT, "%.1f accuracy points above the baseline (%.3f)", points, baseline.accuracy());
        } else if (points < 0) {
            margin = String.format(Locale.ROOT, "%.1f accuracy points BELOW the baseline (%.3f): the baseline wins", -points,
                    baseline.accuracy());
        } else {
            margin = String.format(Locale.ROOT, "level with the baseline (%.3f)", baseline.accuracy());
        }
        return String.format(Locale.ROOT, "best run: %s, test accuracy %.3f, %s", best.name(), best.accuracy(), margin);
    }

    /** The table as printed: header, baseline, runs in the order they finished, chance level, verdict. */
    String render(double wallSeconds, double cpuSeconds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-" + NAME_WIDTH + "s %9s %9s %10s %9s %13s %s%n", "run", "test acc", "macro F1",
                "train (s)", "CPU (s)", "trainable", "epochs"));
        line(b, baseline);
        runs.forEach(r -> line(b, r));
        b.append(String.format(Locale.ROOT, "chance level: accuracy %.3f (%d balanced classes); %d run(s) took %.0f s wall, %.0f s CPU%n",
                1.0 / classes, classes, runs.size(), wallSeconds, cpuSeconds));
        b.append(verdict()).append(System.lineSeparator());
        return b.toString();
    }

    private static void line(StringBuilder b, Row r) {
        b.append(String.format(Locale.ROOT, "%-" + NAME_WIDTH + "s %9.3f %9.3f %10.1f %9.1f %13s %s%n", r.name(), r.accuracy(),
                r.macroF1(), r.trainSeconds(), r.cpuSeconds(), r.trainable(), r.epochs()));
    }
}
