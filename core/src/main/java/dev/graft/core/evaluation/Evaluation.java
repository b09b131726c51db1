package dev.graft.core.evaluation;

import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores predictions against true labels: the code behind {@code graft evaluate}, for programs.
 *
 * <pre>{@code
 * try (Predictor p = Predictor.open(model, engine, backbones)) {
 *     ClassificationScores s = Evaluation.classification(model.labels().labels(), test, p.predict(test));
 *     System.out.println(s.accuracy() + " " + s.macroF1() + " " + s.of("spam").f1());
 * }
 * }</pre>
 *
 * Labels are written as in the data files: one class name (classification), names joined by {@code |}
 * (multi-label), numbers joined by {@code |} (regression). An example whose true label the model does not
 * know is an error naming the example's source.
 */
public final class Evaluation {
    /** The probability at or above which a multi-label prediction includes a label. */
    public static final double THRESHOLD = 0.5;
    private static final double MIN_PROBABILITY = 1e-15;
    private static final String SEPARATOR = "|";

    private Evaluation() {
    }

    /**
     * Classification scores of predictions (as {@code Predictor.predict} returns them) against the labels of
     * {@code truth}; the log loss uses each prediction's probability of the true class.
     */
    public static ClassificationScores classification(List<String> labels, List<Example> truth,
            List<Prediction> predictions) {
        sameSize(truth, predictions);
        int n = truth.size();
        int[] t = new int[n];
        int[] p = new int[n];
        double[] pTrue = new double[n];
        for (int i = 0; i < n; i++) {
            Example e = truth.get(i);
            t[i] = index(labels, label(e), e.source());
            Prediction pr = predictions.get(i);
            p[i] = labels.indexOf(pr.label());
            if (p[i] < 0) {
                throw new IllegalArgumentException(pr.source() + ": predicted label '" + pr.label()
                        + "' is not one of the labels " + labels);
            }
            Double prob = pr.scores().get(labels.get(t[i]));
            pTrue[i] = prob == null ? 0 : prob;
        }
        return classification(labels, t, p, pTrue);
    }

    /**
     * Classification scores of class probabilities {@code [N][classes]}; the predicted class is the most
     * probable one (the first on ties).
     */
    public static ClassificationScores classification(List<String> labels, int[] truth, double[][] probabilities) {
        if (truth.length != probabilities.length) {
            throw new IllegalArgumentException(truth.length + " true labels but " + probabilities.length
                    + " rows of probabilities");
        }
        int[] p = new int[truth.length];
        double[] pTrue = new double[truth.length];
        for (int i = 0; i < truth.length; i++) {
            double[] row = probabilities[i];
            if (row.length != labels.size()) {
                throw new IllegalArgumentException("row " + i + " has " + row.length + " probabilities for "
                        + labels.size() + " classes");
            }
            for (int j = 1; j < row.length; j++) {
                if (row[j] > row[p[i]]) {
                    p[i] = j;
                }
            }
            checkIndex(labels, truth[i], i);
            pTrue[i] = row[truth[i]];
        }
        return classification(labels, truth, p, pTrue);
    }

    /** Classification scores of predicted class indices, without probabilities (the log loss is NaN). */
    public static ClassificationScores classification(List<String> labels, int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " true labels but " + predicted.length + " predictions");
        }
        return classification(labels, truth, predicted, null);
    }

    private static ClassificationScores classification(List<String> labels, int[] truth, int[] predicted,
            double[] pTrue) {
        int c = labels.size();
        int n = truth.length;
        int[][] cm = new int[c][c];
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            checkIndex(labels, truth[i], i);
            checkIndex(labels, predicted[i], i);
            cm[truth[i]][predicted[i]]++;
            correct += truth[i] == predicted[i] ? 1 : 0;
            if (pTrue != null) {
                loss -= Math.log(Math.max(MIN_PROBABILITY, Math.min(1, pTrue[i])));
            }
        }
        List<ClassScore> perClass = new ArrayList<>(c);
        for (int k = 0; k < c; k++) {
            long tp = cm[k][k];
            long fp = 0;
            long fn = 0;
            for (int j = 0; j < c; j++) {
                if (j != k) {
                    fp += cm[j][k];
                    fn += cm[k][j];
                }
            }
            perClass.add(ClassScore.of(labels.get(k), tp, fp, fn));
        }
        return new ClassificationScores(n, labels, n == 0 ? Double.NaN : (double) correct / n, macro(perClass),
                n == 0 || pTrue == null ? Double.NaN : loss / n, perClass, cm);
    }

    /**
     * Multi-label scores of predictions against the labels of {@code truth} ({@code a|b}, or empty for no
     * label); a label is predicted when its probability is at least {@link #THRESHOLD}.
     */
    public static MultiLabelScores multiLabel(List<String> labels, List<Example> truth, List<Prediction> predictions) {
        sameSize(truth, predictions);
        int n = truth.size();
        boolean[][] t = new boolean[n][labels.size()];
        double[][] p = new double[n][labels.size()];
        for (int i = 0; i < n; i++) {
            Example e = truth.get(i);
            for (String l : split(label(e))) {
                t[i][index(labels, l, e.source())] = true;
            }
            for (int j = 0; j < labels.size(); j++) {
                Double v = predictions.get(i).scores().get(labels.get(j));
                p[i][j] = v == null ? 0 : v;
            }
        }
        return multiLabel(labels, t, p, THRESHOLD);
    }

    /** Multi-label scores of probabilities {@code [N][labels]} against true label sets {@code [N][labels]}. */
    public static MultiLabelScores multiLabel(List<String> labels, boolean[][] truth, double[][] probabilities,
            double threshold) {
        int n = truth.length;
        int c = labels.size();
        if (probabilities.length != n) {
            throw new IllegalArgumentException(n + " true label sets but " + probabilities.length
                    + " rows of probabilities");
        }
        long[] tp = new long[c];
        long[] fp = new long[c];
        long[] fn = new long[c];
        int exact = 0;
        long wrong = 0;
        for (int i = 0; i < n; i++) {
            if (truth[i].length != c || probabilities[i].length != c) {
                throw new IllegalArgumentException("row " + i + " does not have " + c + " labels");
            }
            boolean all = true;
            for (int j = 0; j < c; j++) {
                boolean pred = probabilities[i][j] >= threshold;
                boolean real = truth[i][j];
                tp[j] += pred && real ? 1 : 0;
                fp[j] += pred && !real ? 1 : 0;
                fn[j] += !pred && real ? 1 : 0;
                if (pred != real) {
                    all = false;
                    wrong++;
                }
            }
            exact += all ? 1 : 0;
        }
        List<ClassScore> perLabel = new ArrayList<>(c);
        long stp = 0;
        long sfp = 0;
        long sfn = 0;
        for (int j = 0; j < c; j++) {
            perLabel.add(ClassScore.of(labels.get(j), tp[j], fp[j], fn[j]));
            stp += tp[j];
            sfp += fp[j];
            sfn += fn[j];
        }
        double micro = stp + sfp + sfn == 0 ? Double.NaN : 2.0 * stp / (2.0 * stp + sfp + sfn);
        return new MultiLabelScores(n, labels, n == 0 ? Double.NaN : (double) exact / n,
                n == 0 || c == 0 ? Double.NaN : (double) wrong / ((long) n * c), micro, macro(perLabel), perLabel);
    }

    /**
     * Regression scores of predictions (target name to value, as {@code Predictor.predict} returns them)
     * against the numbers in the labels of {@code truth}.
     */
    public static RegressionScores regression(List<String> targets, List<Example> truth, List<Prediction> predictions) {
        sameSize(truth, predictions);
        int n = truth.size();
        double[][] t = new double[n][];
        double[][] p = new double[n][targets.size()];
        for (int i = 0; i < n; i++) {
            Example e = truth.get(i);
            List<String> parts = split(label(e));
            if (parts.size() != targets.size()) {
                throw new IllegalArgumentException(e.source() + ": " + parts.size() + " regression targets, the model has "
                        + targets.size() + " " + targets);
            }
            t[i] = new double[parts.size()];
            for (int j = 0; j < parts.size(); j++) {
                try {
                    t[i][j] = Double.parseDouble(parts.get(j).trim());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(e.source() + ": regression target '" + parts.get(j)
                            + "' is not a number", ex);
                }
                Double v = predictions.get(i).scores().get(targets.get(j));
                if (v == null) {
                    throw new IllegalArgumentException(predictions.get(i).source() + ": prediction has no value for target '"
                            + targets.get(j) + "'");
                }
                p[i][j] = v;
            }
        }
        return regression(targets, t, p);
    }

    /** Regression scores of predicted values {@code [N][targets]} against true values {@code [N][targets]}. */
    public static RegressionScores regression(List<String> targets, double[][] truth, double[][] predicted) {
        int n = truth.length;
        int c = targets.size();
        if (predicted.length != n) {
            throw new IllegalArgumentException(n + " true rows but " + predicted.length + " predicted rows");
        }
        List<RegressionScores.TargetScore> per = new ArrayList<>(c);
        double se = 0;
        double ae = 0;
        double r2 = 0;
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                if (truth[i].length != c || predicted[i].length != c) {
                    throw new IllegalArgumentException("row " + i + " does not have " + c + " targets");
                }
                mean += truth[i][j];
            }
            mean /= n;
            double res = 0;
            double tot = 0;
            double abs = 0;
            for (int i = 0; i < n; i++) {
                double d = predicted[i][j] - truth[i][j];
                res += d * d;
                abs += Math.abs(d);
                tot += (truth[i][j] - mean) * (truth[i][j] - mean);
            }
            double r = tot == 0 ? (res == 0 ? 1 : 0) : 1 - res / tot;
            per.add(new RegressionScores.TargetScore(targets.get(j), res / n, abs / n, r));
            se += res;
            ae += abs;
            r2 += r;
        }
        double cells = (double) n * c;
        return new RegressionScores(n, se / cells, ae / cells, c == 0 ? Double.NaN : r2 / c, per);
    }

    private static double macro(List<ClassScore> scores) {
        double sum = 0;
        int counted = 0;
        for (ClassScore s : scores) {
            if (s.occurs()) {
                sum += s.f1();
                counted++;
            }
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    private static void sameSize(List<Example> truth, List<Prediction> predictions) {
        if (truth.size() != predictions.size()) {
            throw new IllegalArgumentException(truth.size() + " examples but " + predictions.size() + " predictions");
        }
    }

    private static String label(Example e) {
        if (e.label() == null) {
            throw new IllegalArgumentException(e.source() + ": the example has no label");
        }
        return e.label();
    }

    private static int index(List<String> labels, String label, String source) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException(source + ": label '" + label + "' is not one the model knows; its labels: "
                    + labels);
        }
        return i;
    }

    private static void checkIndex(List<String> labels, int k, int row) {
        if (k < 0 || k >= labels.size()) {
            throw new IllegalArgumentException("row " + row + ": class index " + k + " is outside 0.." + (labels.size() - 1));
        }
    }

    /** As the training code reads labels: split on {@code |}, trimmed, empty parts dropped. */
    private static List<String> split(String label) {
        List<String> out = new ArrayList<>();
        for (String s : label.split("\\" + SEPARATOR)) {
            String t = s.trim();
            if (!t.isEmpty() && !out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
