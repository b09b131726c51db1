package dev.graft.cli.internal;

import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Example;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Test figures of single-label classification predictions against the true labels: accuracy,
 * macro F1, mean log loss, the confusion matrix ({@code confusion[true][predicted]}) and per-class
 * precision and recall, in the model's label order.
 */
record Scores(int examples, double accuracy, double macroF1, double logLoss, List<String> labels, int[][] confusion,
        double[] precision, double[] recall) {

    static Scores of(List<String> labels, List<Example> truth, List<Prediction> predicted) {
        int c = labels.size();
        int[][] cm = new int[c][c];
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < truth.size(); i++) {
            String t = truth.get(i).label();
            int ti = labels.indexOf(t);
            if (ti < 0) {
                throw new UsageException(truth.get(i).source() + ": label '" + t + "' is not one the model knows; its labels: " + labels);
            }
            Prediction p = predicted.get(i);
            int pi = labels.indexOf(p.label());
            cm[ti][pi]++;
            if (ti == pi) {
                correct++;
            }
            double prob = p.scores().getOrDefault(t, 0.0);
            loss -= Math.log(Math.max(prob, 1e-12));
        }
        double[] precision = new double[c];
        double[] recall = new double[c];
        double f1 = 0;
        int present = 0;
        for (int k = 0; k < c; k++) {
            int tp = cm[k][k];
            int col = 0;
            int row = 0;
            for (int j = 0; j < c; j++) {
                col += cm[j][k];
                row += cm[k][j];
            }
            precision[k] = col == 0 ? Double.NaN : (double) tp / col;
            recall[k] = row == 0 ? Double.NaN : (double) tp / row;
            if (row > 0) {
                present++;
                double pr = col == 0 ? 0 : precision[k];
                f1 += pr + recall[k] == 0 ? 0 : 2 * pr * recall[k] / (pr + recall[k]);
            }
        }
        int n = truth.size();
        return new Scores(n, n == 0 ? Double.NaN : (double) correct / n, present == 0 ? Double.NaN : f1 / present,
                n == 0 ? Double.NaN : loss / n, labels, cm, precision, recall);
    }

    /** A plain-text summary: figures, confusion matrix, per-class precision and recall. */
    void print(PrintStream out) {
        out.printf(Locale.ROOT, "examples %d, accuracy %.4f, macro F1 %.4f, log loss %.4f%n", examples, accuracy, macroF1, logLoss);
        int w = Math.max(6, labels.stream().mapToInt(String::length).max().orElse(6));
        out.println();
        out.println("confusion matrix (rows: true label, columns: predicted):");
        out.printf("%-" + w + "s", "");
        for (int j = 0; j < labels.size(); j++) {
            out.printf(" %6s", abbreviate(labels.get(j)));
        }
        out.println();
        for (int i = 0; i < labels.size(); i++) {
            out.printf("%-" + w + "s", labels.get(i));
            for (int j = 0; j < labels.size(); j++) {
                out.printf(" %6d", confusion[i][j]);
            }
            out.println();
        }
        out.println();
        out.printf("%-" + w + "s %9s %9s %8s%n", "class", "precision", "recall", "support");
        for (int k = 0; k < labels.size(); k++) {
            int support = 0;
            for (int v : confusion[k]) {
                support += v;
            }
            out.printf(Locale.ROOT, "%-" + w + "s %9s %9s %8d%n", labels.get(k), fmt(precision[k]), fmt(recall[k]), support);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 6 ? s : s.substring(0, 6);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }
}
