package dev.graft.core.baseline;

import dev.graft.core.internal.baseline.SoftmaxRegression;
import dev.graft.core.internal.baseline.SparseRows;
import dev.graft.core.internal.baseline.TfIdf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The classical text baseline every transfer run is measured against: TF-IDF over word 1-2-grams
 * (scikit-learn's {@code TfidfVectorizer} defaults plus {@code sublinear_tf=True}) and a
 * multinomial logistic regression with an L2 penalty, its strength C chosen from a small grid by
 * stratified k-fold cross-validation on the training data alone (best mean accuracy; ties go to the
 * lower held-out log loss), then refitted on all of it.
 * Pure Java, deterministic for a given seed, no pretraining.
 *
 * <pre>
 *   BaselineModel m = TextBaseline.fit(texts, labels);
 *   String label = m.predict("a new text");
 * </pre>
 */
public final class TextBaseline {
    /**
     * @param minN          smallest n-gram (words)
     * @param maxN          largest n-gram
     * @param minDf         keep terms found in at least this many training texts
     * @param sublinearTf   tf = 1 + ln(count) instead of the count
     * @param cGrid         candidate inverse L2 strengths; one value = no cross-validation
     * @param folds         cross-validation folds (fewer when the rarest class has fewer examples)
     * @param tolerance     L-BFGS stops when the largest gradient entry of the mean objective is below this
     * @param maxIterations L-BFGS iteration cap
     * @param seed          seed of the fold assignment
     */
    public record Options(int minN, int maxN, int minDf, boolean sublinearTf, List<Double> cGrid, int folds, double tolerance,
            int maxIterations, long seed) {
        public Options {
            cGrid = List.copyOf(cGrid);
            if (cGrid.isEmpty() || cGrid.stream().anyMatch(c -> !(c > 0))) {
                throw new IllegalArgumentException("the C grid must hold values > 0, got " + cGrid);
            }
            if (folds < 2 || !(tolerance > 0) || maxIterations < 1) {
                throw new IllegalArgumentException("want folds >= 2, tolerance > 0 and maxIterations >= 1");
            }
        }

        /**
         * Word 1-2-grams, sublinear tf, min df 1, C in {0.1, 1, 10, 100} by 5-fold CV, tolerance 1e-4 (scikit-learn's
         * {@code LogisticRegression} default, on the same mean objective), seed 42.
         */
        public static Options defaults() {
            return new Options(1, 2, 1, true, List.of(0.1, 1.0, 10.0, 100.0), 5, 1e-4, 5000, 42);
        }

        public Options withSeed(long s) {
            return new Options(minN, maxN, minDf, sublinearTf, cGrid, folds, tolerance, maxIterations, s);
        }

        public Options withCGrid(List<Double> grid) {
            return new Options(minN, maxN, minDf, sublinearTf, grid, folds, tolerance, maxIterations, seed);
        }

        public Options withTolerance(double t) {
            return new Options(minN, maxN, minDf, sublinearTf, cGrid, folds, t, maxIterations, seed);
        }
    }

    /** Receives every cross-validation fit: fold number, C, and the fit on that fold's training rows. */
    interface FoldFits {
        void fitted(int fold, double c, SoftmaxRegression.Fit fit);
    }

    private TextBaseline() {
    }

    /** Fits with {@link Options#defaults()}. */
    public static BaselineModel fit(List<String> texts, List<String> labels) {
        return fit(texts, labels, Options.defaults());
    }

    /** Fits on {@code texts} with their {@code labels} (same order; every text non-blank, at least two labels). */
    public static BaselineModel fit(List<String> texts, List<String> labels, Options o) {
        long t0 = System.nanoTime();
        if (texts.size() != labels.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.size() + " labels");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null || texts.get(i).isBlank()) {
                throw new IllegalArgumentException("text " + i + " is empty");
            }
            if (labels.get(i) == null) {
                throw new IllegalArgumentException("text " + i + " has no label");
            }
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(labels));
        if (classes.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least two labels, got " + classes);
        }
        int[] y = labels.stream().mapToInt(classes::indexOf).toArray();
        int[] perClass = new int[classes.size()];
        for (int v : y) {
            perClass[v]++;
        }
        int minClass = java.util.Arrays.stream(perClass).min().orElse(0);
        int k = Math.min(o.folds(), minClass);
        Map<Double, Double> cv = new LinkedHashMap<>();
        double chosen = choose(y, classes.size(), o, k, cv, null, (tr, te) -> {
            List<String> trText = Arrays.stream(tr).mapToObj(texts::get).toList();
            TfIdf v = TfIdf.fit(trText, o.minN(), o.maxN(), o.minDf(), o.sublinearTf());
            return new SparseRows[] {v.transform(trText), v.transform(Arrays.stream(te).mapToObj(texts::get).toList())};
        });
        TfIdf tfidf = TfIdf.fit(texts, o.minN(), o.maxN(), o.minDf(), o.sublinearTf());
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(tfidf.transform(texts), y, classes.size(), chosen, o.tolerance(),
                o.maxIterations(), null);
        return new BaselineModel(o, classes, tfidf, fit, chosen, cv, k < 2 ? 0 : k, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The C to use: with one grid value or fewer than two examples in some class, that value (or 1,
     * or the first); otherwise the best mean cross-validated accuracy, ties going to the lower
     * held-out log loss. Fills {@code cvOut} with each C's accuracy.
     *
     * @param features the training and held-out feature rows of a fold, fitted on its training indices only
     */
    static double choose(int[] y, int classes, Options o, int k, Map<Double, Double> cvOut, FoldFits fits,
            BiFunction<int[], int[], SparseRows[]> features) {
        if (o.cGrid().size() == 1 || k < 2) {
            return o.cGrid().size() == 1 ? o.cGrid().get(0) : o.cGrid().contains(1.0) ? 1.0 : o.cGrid().get(0);
        }
        Map<Double, Double> logLoss = new LinkedHashMap<>();
        crossValidate(y, classes, o, k, cvOut, logLoss, fits, features);
        double chosen = o.cGrid().get(0);
        for (Double cand : new TreeMap<>(cvOut).keySet()) {
            double a = cvOut.get(cand);
            double b = cvOut.get(chosen);
            if (a > b + 1e-12 || (Math.abs(a - b) <= 1e-12 && logLoss.get(cand) < logLoss.get(chosen))) {
                chosen = cand;
            }
        }
        return chosen;
    }

    /** Mean held-out accuracy and log loss of every C over stratified folds. */
    private static void crossValidate(int[] y, int classes, Options o, int k, Map<Double, Double> accuracy, Map<Double, Double> logLoss,
            FoldFits fits, BiFunction<int[], int[], SparseRows[]> features) {
        int[] fold = folds(y, classes, k, o.seed());
        List<Double> grid = new ArrayList<>(new TreeSet<>(o.cGrid()));
        double[] correct = new double[grid.size()];
        double[] loss = new double[grid.size()];
        for (int f = 0; f < k; f++) {
            final int ff = f;
            int[] tr = java.util.stream.IntStream.range(0, y.length).filter(i -> fold[i] != ff).toArray();
            int[] te = java.util.stream.IntStream.range(0, y.length).filter(i -> fold[i] == ff).toArray();
            SparseRows[] x = features.apply(tr, te);
            int[] ytr = Arrays.stream(tr).map(i -> y[i]).toArray();
            double[] warm = null;
            for (int g = 0; g < grid.size(); g++) { // ascending C, each warm-started from the previous solution
                SoftmaxRegression.Fit fit = SoftmaxRegression.fit(x[0], ytr, classes, grid.get(g), o.tolerance(), o.maxIterations(), warm);
                warm = flatten(fit);
                if (fits != null) {
                    fits.fitted(f, grid.get(g), fit);
                }
                for (int r = 0; r < te.length; r++) {
                    double[] p = SoftmaxRegression.probabilities(fit, Arrays.copyOfRange(x[1].column(), x[1].start()[r], x[1].start()[r + 1]),
                            Arrays.copyOfRange(x[1].values(), x[1].start()[r], x[1].start()[r + 1]));
                    if (argmax(p) == y[te[r]]) {
                        correct[g]++;
                    }
                    loss[g] -= Math.log(Math.max(p[y[te[r]]], 1e-300));
                }
            }
        }
        for (int g = 0; g < grid.size(); g++) {
            accuracy.put(grid.get(g), correct[g] / y.length);
            logLoss.put(grid.get(g), loss[g] / y.length);
        }
    }

    /** Stratified fold of each example: each class's examples in a seeded order, dealt round-robin. */
    static int[] folds(int[] y, int classes, int k, long seed) {
        int[] fold = new int[y.length];
        for (int c = 0; c < classes; c++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                if (y[i] == c) {
                    idx.add(i);
                }
            }
            java.util.Collections.shuffle(idx, new Random(seed * 31 + c));
            for (int j = 0; j < idx.size(); j++) {
                fold[idx.get(j)] = j % k;
            }
        }
        return fold;
    }

    private static double[] flatten(SoftmaxRegression.Fit f) {
        int k = f.bias().length;
        int d = f.weights()[0].length;
        double[] t = new double[k * d + k];
        for (int c = 0; c < k; c++) {
            System.arraycopy(f.weights()[c], 0, t, c * d, d);
            t[k * d + c] = f.bias()[c];
        }
        return t;
    }

    static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }
}
