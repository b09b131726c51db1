package dev.graft.cli.internal;

import dev.graft.core.evaluation.ClassScore;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.MultiLabelScores;
import dev.graft.core.evaluation.RegressionScores;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Prints the scores of core's evaluation API as text (full label names; the confusion matrix numbers
 * its columns when the names would not fit a line) or as one JSON object.
 */
final class Scores {
    /** Confusion-matrix columns carry the full label names while the table stays within this width. */
    static final int WIDTH = 100;

    private Scores() {
    }

    static void print(ClassificationScores s, PrintStream out) {
        out.printf(Locale.ROOT, "examples %d, accuracy %.4f, macro F1 %.4f, log loss %.4f%n", s.examples(), s.accuracy(),
                s.macroF1(), s.logLoss());
        List<String> labels = s.labels();
        int[][] cm = s.confusion();
        int digits = 1;
        for (int[] row : cm) {
            for (int v : row) {
                digits = Math.max(digits, Integer.toString(v).length());
            }
        }
        int nameWidth = labels.stream().mapToInt(String::length).max().orElse(0);
        int named = nameWidth;
        for (String l : labels) {
            named += 1 + Math.max(digits, l.length());
        }
        out.println();
        if (named <= WIDTH) {
            out.println("confusion matrix (rows: true label, columns: predicted label):");
            out.print(pad("", nameWidth));
            for (String l : labels) {
                out.print(" " + left(l, Math.max(digits, l.length())));
            }
            out.println();
            for (int i = 0; i < labels.size(); i++) {
                out.print(pad(labels.get(i), nameWidth));
                for (int j = 0; j < labels.size(); j++) {
                    out.print(" " + left(Integer.toString(cm[i][j]), Math.max(digits, labels.get(j).length())));
                }
                out.println();
            }
        } else {
            out.println("confusion matrix (rows: true label, columns: predicted label by the row's number):");
            int idx = Integer.toString(labels.size() - 1).length() + 2;
            int rowHead = idx + 1 + nameWidth;
            int cell = Math.max(digits, idx);
            out.print(pad("", rowHead));
            for (int j = 0; j < labels.size(); j++) {
                out.print(" " + left("[" + j + "]", cell));
            }
            out.println();
            for (int i = 0; i < labels.size(); i++) {
                out.print(pad(pad("[" + i + "]", idx) + " " + labels.get(i), rowHead));
                for (int j = 0; j < labels.size(); j++) {
                    out.print(" " + left(Integer.toString(cm[i][j]), cell));
                }
                out.println();
            }
        }
        out.println();
        perClass(s.perClass(), "class", out);
    }

    static void print(MultiLabelScores s, PrintStream out) {
        out.printf(Locale.ROOT, "examples %d, subset accuracy %.4f, hamming loss %.4f, micro F1 %.4f, macro F1 %.4f%n%n",
                s.examples(), s.subsetAccuracy(), s.hammingLoss(), s.microF1(), s.macroF1());
        perClass(s.perLabel(), "label", out);
    }

    static void print(RegressionScores s, PrintStream out) {
        out.printf(Locale.ROOT, "examples %d, MSE %.6g, MAE %.6g, R^2 %.4f%n%n", s.examples(), s.mse(), s.mae(), s.r2());
        int w = Math.max(6, s.perTarget().stream().mapToInt(t -> t.name().length()).max().orElse(6));
        out.printf("%-" + w + "s %12s %12s %9s%n", "target", "MSE", "MAE", "R^2");
        for (RegressionScores.TargetScore t : s.perTarget()) {
            out.printf(Locale.ROOT, "%-" + w + "s %12.6g %12.6g %9.4f%n", t.name(), t.mse(), t.mae(), t.r2());
        }
    }

    private static void perClass(List<ClassScore> scores, String head, PrintStream out) {
        int w = Math.max(head.length(), scores.stream().mapToInt(c -> c.label().length()).max().orElse(0));
        out.printf("%-" + w + "s %9s %9s %9s %8s%n", head, "precision", "recall", "F1", "support");
        for (ClassScore c : scores) {
            out.printf(Locale.ROOT, "%-" + w + "s %9s %9s %9s %8d%n", c.label(), fmt(c.precision()), fmt(c.recall()),
                    fmt(c.f1()), c.support());
        }
    }

    static String json(ClassificationScores s) {
        StringBuilder sb = new StringBuilder("{\"task\":\"classification\",\"examples\":").append(s.examples())
                .append(",\"accuracy\":").append(num(s.accuracy())).append(",\"macro_f1\":").append(num(s.macroF1()))
                .append(",\"log_loss\":").append(num(s.logLoss())).append(",\"labels\":").append(strings(s.labels()))
                .append(",\"per_class\":").append(perClass(s.perClass())).append(",\"confusion_matrix\":[");
        int[][] cm = s.confusion();
        for (int i = 0; i < cm.length; i++) {
            sb.append(i == 0 ? "" : ",").append('[');
            for (int j = 0; j < cm[i].length; j++) {
                sb.append(j == 0 ? "" : ",").append(cm[i][j]);
            }
            sb.append(']');
        }
        return sb.append("]}").toString();
    }

    static String json(MultiLabelScores s) {
        return "{\"task\":\"multi_label\",\"examples\":" + s.examples() + ",\"subset_accuracy\":" + num(s.subsetAccuracy())
                + ",\"hamming_loss\":" + num(s.hammingLoss()) + ",\"micro_f1\":" + num(s.microF1()) + ",\"macro_f1\":"
                + num(s.macroF1()) + ",\"labels\":" + strings(s.labels()) + ",\"per_label\":" + perClass(s.perLabel()) + "}";
    }

    static String json(RegressionScores s) {
        StringBuilder sb = new StringBuilder("{\"task\":\"regression\",\"examples\":").append(s.examples())
                .append(",\"mse\":").append(num(s.mse())).append(",\"mae\":").append(num(s.mae())).append(",\"r2\":")
                .append(num(s.r2())).append(",\"per_target\":[");
        for (int i = 0; i < s.perTarget().size(); i++) {
            RegressionScores.TargetScore t = s.perTarget().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.str(t.name())).append(",\"mse\":")
                    .append(num(t.mse())).append(",\"mae\":").append(num(t.mae())).append(",\"r2\":").append(num(t.r2()))
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    private static String perClass(List<ClassScore> scores) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < scores.size(); i++) {
            ClassScore c = scores.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"label\":").append(Json.str(c.label())).append(",\"precision\":")
                    .append(num(c.precision())).append(",\"recall\":").append(num(c.recall())).append(",\"f1\":")
                    .append(num(c.f1())).append(",\"support\":").append(c.support()).append('}');
        }
        return sb.append(']').toString();
    }

    private static String strings(List<String> list) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(Json.str(list.get(i)));
        }
        return sb.append(']').toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    private static String left(String s, int w) {
        return s.length() >= w ? s : " ".repeat(w - s.length()) + s;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }
}
