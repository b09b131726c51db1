package dev.graft.core.recommend;

import java.util.Arrays;

/**
 * LogME (You, Liu, Wang, Long: "LogME: Practical Assessment of Pre-trained Models for Transfer
 * Learning", ICML 2021): the maximum log marginal evidence, per example, of a Bayesian linear
 * model from a backbone's features to the labels. Higher means the features fit the labels
 * better, so the backbone is likely to transfer better. For classification each class is a 0/1
 * target and the score is the mean over classes.
 *
 * <p>Uses one eigen-decomposition of the smaller of F F^T and F^T F, then the fixed-point updates
 * of alpha (prior precision) and beta (noise precision) on the spectrum.
 */
public final class LogMe {
    private static final int MAX_ITERATIONS = 100;

    private LogMe() {
    }

    /** Evidence of one fit: the score and the hyper-parameters found. */
    public record Fit(double evidencePerExample, double alpha, double beta, int iterations) {
    }

    /** Mean per-class evidence of classification labels {@code 0..classes-1}. */
    public static double classification(float[][] features, int[] labels, int classes) {
        Spectrum sp = spectrum(features);
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            double[] y = new double[labels.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = labels[i] == c ? 1 : 0;
            }
            sum += fit(sp, y).evidencePerExample();
        }
        return sum / classes;
    }

    /** Evidence of a real-valued target. */
    public static Fit regression(float[][] features, double[] target) {
        return fit(spectrum(features), target);
    }

    /** Eigen-spectrum of F^T F (sigma) and the projections needed for any target. */
    record Spectrum(int n, int d, double[] sigma, double[][] u) {
    }

    static Spectrum spectrum(float[][] f) {
        int n = f.length;
        if (n < 2) {
            throw new IllegalArgumentException("LogME needs at least 2 examples, got " + n);
        }
        int d = f[0].length;
        // Gram matrix F F^T (n x n): its eigenvectors are F's left singular vectors.
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (f[i].length != d) {
                throw new IllegalArgumentException("feature row " + i + " has " + f[i].length + " values, expected " + d);
            }
            for (int j = 0; j <= i; j++) {
                double s = 0;
                float[] a = f[i];
                float[] b = f[j];
                for (int k = 0; k < d; k++) {
                    s += (double) a[k] * b[k];
                }
                g[i][j] = s;
                g[j][i] = s;
            }
        }
        SymmetricEigen.Result e = SymmetricEigen.of(g);
        double max = Arrays.stream(e.values()).max().orElse(0);
        double tol = Math.max(max, 1e-300) * 1e-10 * Math.max(n, d);
        int k = 0;
        for (double v : e.values()) {
            if (v > tol) {
                k++;
            }
        }
        k = Math.min(k, d);
        double[] sigma = new double[k];
        double[][] u = new double[k][n];
        int idx = 0;
        for (int col = e.values().length - 1; col >= 0 && idx < k; col--) {
            sigma[idx] = e.values()[col];
            for (int row = 0; row < n; row++) {
                u[idx][row] = e.vectors()[row][col];
            }
            idx++;
        }
        return new Spectrum(n, d, sigma, u);
    }

    static Fit fit(Spectrum sp, double[] y) {
        int n = sp.n();
        int d = sp.d();
        int k = sp.sigma().length;
        double[] x2 = new double[k];
        double yy = 0;
        for (double v : y) {
            yy += v * v;
        }
        double sumX2 = 0;
        for (int i = 0; i < k; i++) {
            double s = 0;
            double[] ui = sp.u()[i];
            for (int r = 0; r < n; r++) {
                s += ui[r] * y[r];
            }
            x2[i] = s * s;
            sumX2 += x2[i];
        }
        double residualOutside = Math.max(0, yy - sumX2);
        double alpha = 1;
        double beta = 1;
        double evidence = Double.NaN;
        int it = 0;
        for (; it < MAX_ITERATIONS; it++) {
            double t = alpha / beta;
            double gamma = 0;
            double m2 = 0;
            double res2 = residualOutside;
            for (int i = 0; i < k; i++) {
                double s = sp.sigma()[i];
                gamma += s / (s + t);
                m2 += s * x2[i] / ((t + s) * (t + s));
                double q = 1 + s / t;
                res2 += x2[i] / (q * q);
            }
            alpha = gamma / (m2 + 1e-5);
            beta = (n - gamma) / (res2 + 1e-5);
            double tNew = alpha / beta;
            if (Math.abs(tNew - t) / t <= 1e-5) {
                break;
            }
        }
        // evidence at the final (alpha, beta): posterior mean m = beta A^-1 F^T y in the eigenbasis
        double t = alpha / beta;
        double m2 = 0;
        double res2 = residualOutside;
        for (int i = 0; i < k; i++) {
            double s = sp.sigma()[i];
            m2 += s * x2[i] / ((t + s) * (t + s));
            double q = 1 + s / t;
            res2 += x2[i] / (q * q);
        }
        evidence = evidence(n, d, sp.sigma(), alpha, beta, m2, res2);
        return new Fit(evidence / n, alpha, beta, it + 1);
    }

    static double evidence(int n, int d, double[] sigma, double alpha, double beta, double m2, double res2) {
        double logDet = (d - sigma.length) * Math.log(alpha);
        for (double s : sigma) {
            logDet += Math.log(alpha + beta * s);
        }
        return d / 2.0 * Math.log(alpha) + n / 2.0 * Math.log(beta) - 0.5 * logDet - beta / 2.0 * res2
                - alpha / 2.0 * m2 - n / 2.0 * Math.log(2 * Math.PI);
    }
}
