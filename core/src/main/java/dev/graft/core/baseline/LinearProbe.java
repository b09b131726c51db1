package dev.graft.core.baseline;

import dev.graft.core.internal.baseline.SoftmaxRegression;
import dev.graft.core.internal.baseline.SparseRows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The baseline's classifier on given feature vectors, e.g. a backbone's frozen features: every
 * column standardised on the training rows (zero mean, unit variance), then the same multinomial
 * L2 logistic regression, L-BFGS solver and cross-validated C as {@link TextBaseline}. It tells
 * how good the features are, apart from how well a head was trained on them.
 */
public final class LinearProbe {
    /** Relative spread below which a float32 column counts as constant: a few ulps (float32 epsilon is 1.19e-7). */
    static final double FLOAT_NOISE = 1e-6;
    private final List<String> labels;
    private final double[] mean;
    private final double[] scale;
    private final SoftmaxRegression.Fit fit;
    private final double c;
    private final Map<Double, Double> cv;

    private LinearProbe(List<String> labels, double[] mean, double[] scale, SoftmaxRegression.Fit fit, double c, Map<Double, Double> cv) {
        this.labels = List.copyOf(labels);
        this.mean = mean;
        this.scale = scale;
        this.fit = fit;
        this.c = c;
        this.cv = Map.copyOf(cv);
    }

    /** Fits on rows {@code x} (all the same width) with their {@code labels}; the options' n-gram fields are unused. */
    public static LinearProbe fit(float[][] x, List<String> labels, TextBaseline.Options o) {
        if (x.length != labels.size() || x.length == 0) {
            throw new IllegalArgumentException(x.length + " feature rows but " + labels.size() + " labels");
        }
        int d = x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("feature row " + i + " has width " + x[i].length + ", row 0 has " + d);
            }
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(labels));
        if (classes.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least two labels, got " + classes);
        }
        int[] y = labels.stream().mapToInt(classes::indexOf).toArray();
        int[] per = new int[classes.size()];
        for (int v : y) {
            per[v]++;
        }
        int k = Math.min(o.folds(), java.util.Arrays.stream(per).min().orElse(0));
        Map<Double, Double> cv = new LinkedHashMap<>();
        List<double[][]> foldMoments = new ArrayList<>();
        Map<Double, List<SoftmaxRegression.Fit>> foldFits = new LinkedHashMap<>();
        double chosen = TextBaseline.choose(y, classes.size(), o, k, cv,
                (fold, c, f) -> foldFits.computeIfAbsent(c, key -> new ArrayList<>()).add(f), (tr, te) -> {
                    double[][] ms = moments(x, tr);
                    foldMoments.add(ms);
                    return new SparseRows[] {rows(x, tr, ms[0], ms[1]), rows(x, te, ms[0], ms[1])};
                });
        int[] all = java.util.stream.IntStream.range(0, x.length).toArray();
        double[][] ms = moments(x, all);
        double[] start = foldFits.containsKey(chosen) ? averageOfFolds(foldFits.get(chosen), foldMoments, ms) : null;
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(rows(x, all, ms[0], ms[1]), y, classes.size(), chosen, o.tolerance(),
                o.maxIterations(), start);
        return new LinearProbe(classes, ms[0], ms[1], fit, chosen, cv);
    }

    /**
     * A starting point for the final fit: the cross-validation folds' solutions at the chosen C, each
     * turned into a classifier on the raw features (its fold's standardisation folded in), averaged,
     * and expressed in the standardisation of all rows ({@code all}: means and inverse deviations).
     * The final fit still runs to the full tolerance, so only its iteration count depends on this.
     */
    private static double[] averageOfFolds(List<SoftmaxRegression.Fit> fits, List<double[][]> moments, double[][] all) {
        int k = fits.get(0).bias().length;
        int d = all[0].length;
        double[] raw = new double[k * d];
        double[] rawBias = new double[k];
        for (int f = 0; f < fits.size(); f++) {
            double[] m = moments.get(f)[0];
            double[] sc = moments.get(f)[1];
            for (int c = 0; c < k; c++) {
                double[] w = fits.get(f).weights()[c];
                double b = fits.get(f).bias()[c];
                for (int j = 0; j < d; j++) {
                    double r = w[j] * sc[j];
                    raw[c * d + j] += r / fits.size();
                    b -= r * m[j];
                }
                rawBias[c] += b / fits.size();
            }
        }
        double[] theta = new double[k * d + k];
        for (int c = 0; c < k; c++) {
            double b = rawBias[c];
            for (int j = 0; j < d; j++) {
                theta[c * d + j] = raw[c * d + j] / all[1][j];
                b += raw[c * d + j] * all[0][j];
            }
            theta[k * d + c] = b;
        }
        return theta;
    }

    /**
     * Column means and inverse standard deviations over rows {@code idx}. A column whose spread is within
     * float32 rounding of its values (deviation at most {@link #FLOAT_NOISE} of its largest magnitude) is
     * constant and keeps scale 1: scaling rounding noise up to unit variance would give the folded kernel
     * weights of 1e9 and more for a column that carries nothing.
     */
    static double[][] moments(float[][] x, int[] idx) {
        int d = x[0].length;
        double[] m = new double[d];
        double[] s = new double[d];
        double[] max = new double[d];
        for (int i : idx) {
            for (int j = 0; j < d; j++) {
                m[j] += x[i][j];
                max[j] = Math.max(max[j], Math.abs(x[i][j]));
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= idx.length;
        }
        for (int i : idx) {
            for (int j = 0; j < d; j++) {
                s[j] += (x[i][j] - m[j]) * (x[i][j] - m[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(s[j] / idx.length);
            s[j] = sd > Math.max(1e-12, FLOAT_NOISE * max[j]) ? 1 / sd : 1;
        }
        return new double[][] {m, s};
    }

    private static SparseRows rows(float[][] x, int[] idx, double[] mean, double[] scale) {
        int d = mean.length;
        int[] start = new int[idx.length + 1];
        int[] col = new int[idx.length * d];
        double[] val = new double[idx.length * d];
        for (int r = 0; r < idx.length; r++) {
            for (int j = 0; j < d; j++) {
                col[r * d + j] = j;
                val[r * d + j] = (x[idx[r]][j] - mean[j]) * scale[j];
            }
            start[r + 1] = (r + 1) * d;
        }
        return new SparseRows(idx.length, d, start, col, val);
    }

    /** Class probabilities of feature row {@code x}, in {@link #labels()} order. */
    public double[] probabilities(float[] x) {
        if (x.length != mean.length) {
            throw new IllegalArgumentException("feature row of width " + x.length + ", the probe was fitted on width " + mean.length);
        }
        SparseRows r = rows(new float[][] {x}, new int[] {0}, mean, scale);
        return SoftmaxRegression.probabilities(fit, r.column(), r.values());
    }

    /** The most probable label of feature row {@code x}. */
    public String predict(float[] x) {
        return labels.get(TextBaseline.argmax(probabilities(x)));
    }

    /**
     * The fitted classifier as one dense layer on the raw (unstandardised) features, the
     * standardisation folded in: {@code logits = x . kernel + bias} with kernel [d, K] row-major
     * ({@code kernel[j * K + c] = W[c][j] * scale[j]}) and {@code bias[c] = b[c] - sum_j W[c][j] *
     * scale[j] * mean[j]}. Softmax of these logits is {@link #probabilities}.
     */
    public float[] foldedKernel() {
        double[][] w = fit.weights();
        int k = w.length;
        int d = mean.length;
        float[] out = new float[d * k];
        for (int j = 0; j < d; j++) {
            for (int c = 0; c < k; c++) {
                out[j * k + c] = (float) (w[c][j] * scale[j]);
            }
        }
        return out;
    }

    /** The intercepts of {@link #foldedKernel()}, one per label. */
    public float[] foldedBias() {
        double[][] w = fit.weights();
        float[] out = new float[w.length];
        for (int c = 0; c < w.length; c++) {
            double b = fit.bias()[c];
            for (int j = 0; j < mean.length; j++) {
                b -= w[c][j] * scale[j] * mean[j];
            }
            out[c] = (float) b;
        }
        return out;
    }

    /** The labels, sorted. */
    public List<String> labels() {
        return labels;
    }

    /** The chosen inverse L2 strength. */
    public double c() {
        return c;
    }

    /** Mean cross-validated accuracy of each C tried. */
    public Map<Double, Double> crossValidationAccuracy() {
        return cv;
    }

    /** Whether the final fit reached the gradient tolerance. */
    public boolean converged() {
        return fit.converged();
    }
}
