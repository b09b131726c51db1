package dev.graft.core.internal.baseline;

/**
 * Multinomial logistic regression with an L2 penalty on the weights (not the intercepts), on
 * sparse rows, fitted by L-BFGS to a gradient tolerance. The objective is scikit-learn's
 * {@code C * sum_i CE_i + 0.5 * ||W||^2} divided by {@code C * n}, which has the same minimiser:
 *
 * <pre>
 *   f(W, b) = (1/n) sum_i [ logsumexp_k(z_ik) - z_i,y_i ] + (lambda/2) ||W||_F^2,
 *   z_ik = w_k . x_i + b_k,   lambda = 1 / (C n)
 * </pre>
 *
 * Parameters are one flat vector: the K x d weights row by row, then the K intercepts.
 */
public final class SoftmaxRegression {
    /** A fitted model: weights [K][d], intercepts [K], and how the solver ended. */
    public record Fit(double[][] weights, double[] bias, int iterations, double gradientNorm, boolean converged,
            double objective) {
    }

    private SoftmaxRegression() {
    }

    /**
     * The objective at {@code theta}; writes its gradient into {@code grad} (same length).
     *
     * @param y class index of each row, in [0, k)
     */
    public static double objective(SparseRows x, int[] y, int k, double lambda, double[] theta, double[] grad) {
        int d = x.columns();
        int n = x.rows();
        java.util.Arrays.fill(grad, 0);
        double loss = 0;
        double[] z = new double[k];
        for (int i = 0; i < n; i++) {
            scores(x, i, theta, k, d, z);
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                z[c] = Math.exp(z[c] - max);
                sum += z[c];
            }
            for (int c = 0; c < k; c++) {
                z[c] /= sum; // now the probability
            }
            loss += -Math.log(Math.max(z[y[i]], Double.MIN_NORMAL));
            z[y[i]] -= 1;
            for (int c = 0; c < k; c++) {
                double g = z[c] / n;
                if (g == 0) {
                    continue;
                }
                int base = c * d;
                for (int p = x.start()[i]; p < x.start()[i + 1]; p++) {
                    grad[base + x.column()[p]] += g * x.values()[p];
                }
                grad[k * d + c] += g;
            }
        }
        double reg = 0;
        for (int j = 0; j < k * d; j++) {
            reg += theta[j] * theta[j];
            grad[j] += lambda * theta[j];
        }
        return loss / n + 0.5 * lambda * reg;
    }

    /** Class scores {@code z_k = w_k . x_i + b_k} of row {@code i}. */
    static void scores(SparseRows x, int i, double[] theta, int k, int d, double[] z) {
        for (int c = 0; c < k; c++) {
            double s = theta[k * d + c];
            int base = c * d;
            for (int p = x.start()[i]; p < x.start()[i + 1]; p++) {
                s += theta[base + x.column()[p]] * x.values()[p];
            }
            z[c] = s;
        }
    }

    /**
     * Fits the model with L2 strength {@code c} (scikit-learn's C: larger = weaker penalty),
     * starting from {@code start} (null = zeros), until the largest gradient entry is below
     * {@code tolerance} or {@code maxIterations} L-BFGS steps have been taken.
     */
    public static Fit fit(SparseRows x, int[] y, int k, double c, double tolerance, int maxIterations, double[] start) {
        if (!(c > 0)) {
            throw new IllegalArgumentException("C must be > 0, got " + c);
        }
        int d = x.columns();
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= k) {
                throw new IllegalArgumentException("row " + i + ": class " + y[i] + " is outside [0, " + k + ")");
            }
        }
        double lambda = 1.0 / (c * x.rows());
        double[] theta = start == null ? new double[k * d + k] : start.clone();
        Lbfgs.Result r = Lbfgs.minimize((t, g) -> objective(x, y, k, lambda, t, g), theta, 10, tolerance, maxIterations);
        double[][] w = new double[k][d];
        double[] b = new double[k];
        for (int cl = 0; cl < k; cl++) {
            System.arraycopy(r.x(), cl * d, w[cl], 0, d);
            b[cl] = r.x()[k * d + cl];
        }
        return new Fit(w, b, r.iterations(), r.gradientNorm(), r.converged(), r.value());
    }

    /** Class probabilities of one dense-free sparse row under a fit. */
    public static double[] probabilities(Fit f, int[] columns, double[] values) {
        int k = f.bias().length;
        double[] z = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            double s = f.bias()[c];
            for (int p = 0; p < columns.length; p++) {
                s += f.weights()[c][columns[p]] * values[p];
            }
            z[c] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = 0; c < k; c++) {
            z[c] /= sum;
        }
        return z;
    }
}
