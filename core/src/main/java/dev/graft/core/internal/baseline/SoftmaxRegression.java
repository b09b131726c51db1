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

    /** Rows whose scores are computed together (their transposed features, ROW_BLOCK x d doubles, stay in the L2 cache). */
    private static final int ROW_BLOCK = 64;

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

    /**
     * {@link #objective} for rows stored densely (the solved head's standardised features, where its
     * time goes): {@code x} row-major (n x d) and {@code xt} the same matrix transposed (d x n). The
     * same sums in another order, arranged so that every inner loop runs along contiguous memory with
     * several independent products per element (the JIT turns them into vector instructions): the
     * scores of a block of rows class by class from {@code xt}, four features at a time, and the
     * weight gradient four rows at a time from {@code x}.
     *
     * @param zt scratch of length k * n (the scores, then the probabilities, class-major)
     */
    static double denseObjective(double[] x, double[] xt, int n, int d, int[] y, int k, double lambda, double[] theta,
            double[] grad, double[] zt) {
        java.util.Arrays.fill(grad, 0);
        int kd = k * d;
        for (int i0 = 0; i0 < n; i0 += ROW_BLOCK) {
            int i1 = Math.min(n, i0 + ROW_BLOCK);
            for (int c = 0; c < k; c++) {
                int zo = c * n;
                java.util.Arrays.fill(zt, zo + i0, zo + i1, theta[kd + c]);
                int w = c * d;
                int j = 0;
                for (; j + 3 < d; j += 4) {
                    double w0 = theta[w + j];
                    double w1 = theta[w + j + 1];
                    double w2 = theta[w + j + 2];
                    double w3 = theta[w + j + 3];
                    int o0 = j * n;
                    int o1 = o0 + n;
                    int o2 = o1 + n;
                    int o3 = o2 + n;
                    for (int i = i0; i < i1; i++) {
                        zt[zo + i] += w0 * xt[o0 + i] + w1 * xt[o1 + i] + w2 * xt[o2 + i] + w3 * xt[o3 + i];
                    }
                }
                for (; j < d; j++) {
                    double w0 = theta[w + j];
                    int o0 = j * n;
                    for (int i = i0; i < i1; i++) {
                        zt[zo + i] += w0 * xt[o0 + i];
                    }
                }
            }
        }
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                max = Math.max(max, zt[c * n + i]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                double e = Math.exp(zt[c * n + i] - max);
                zt[c * n + i] = e;
                sum += e;
            }
            for (int c = 0; c < k; c++) {
                zt[c * n + i] /= sum; // now the probability
            }
            loss += -Math.log(Math.max(zt[y[i] * n + i], Double.MIN_NORMAL));
            zt[y[i] * n + i] -= 1; // now the derivative of row i's loss by its score
        }
        for (int c = 0; c < k; c++) {
            int zo = c * n;
            int base = c * d;
            double gb = 0;
            int i = 0;
            for (; i + 3 < n; i += 4) {
                double g0 = zt[zo + i] / n;
                double g1 = zt[zo + i + 1] / n;
                double g2 = zt[zo + i + 2] / n;
                double g3 = zt[zo + i + 3] / n;
                gb += (g0 + g1) + (g2 + g3);
                int r0 = i * d;
                int r1 = r0 + d;
                int r2 = r1 + d;
                int r3 = r2 + d;
                for (int j = 0; j < d; j++) {
                    grad[base + j] += g0 * x[r0 + j] + g1 * x[r1 + j] + g2 * x[r2 + j] + g3 * x[r3 + j];
                }
            }
            for (; i < n; i++) {
                double g0 = zt[zo + i] / n;
                gb += g0;
                int r0 = i * d;
                for (int j = 0; j < d; j++) {
                    grad[base + j] += g0 * x[r0 + j];
                }
            }
            grad[kd + c] = gb;
        }
        double reg = 0;
        for (int j = 0; j < kd; j++) {
            reg += theta[j] * theta[j];
            grad[j] += lambda * theta[j];
        }
        return loss / n + 0.5 * lambda * reg;
    }

    /** {@code x} (n x d, row-major) transposed. */
    static double[] transpose(double[] x, int n, int d) {
        double[] t = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                t[j * n + i] = x[i * d + j];
            }
        }
        return t;
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
        Lbfgs.Function f;
        if (x.isDense()) {
            double[] xt = transpose(x.values(), x.rows(), d);
            double[] zt = new double[k * x.rows()];
            f = (t, g) -> denseObjective(x.values(), xt, x.rows(), d, y, k, lambda, t, g, zt);
        } else {
            f = (t, g) -> objective(x, y, k, lambda, t, g);
        }
        Lbfgs.Result r = Lbfgs.minimize(f, theta, 10, tolerance, maxIterations);
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
