package dev.graft.core.internal.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxRegressionTest {
    /** A random sparse problem: n rows over d columns, k classes. */
    private static SparseRows random(int n, int d, long seed) {
        Random r = new Random(seed);
        int[] start = new int[n + 1];
        java.util.List<Integer> cols = new java.util.ArrayList<>();
        java.util.List<Double> vals = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                if (r.nextDouble() < 0.4) {
                    cols.add(j);
                    vals.add(r.nextGaussian());
                }
            }
            start[i + 1] = cols.size();
        }
        return new SparseRows(n, d, start, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray());
    }

    @Test
    void gradientMatchesCentralFiniteDifferences() {
        int n = 30;
        int d = 7;
        int k = 4;
        SparseRows x = random(n, d, 1);
        int[] y = new Random(2).ints(n, 0, k).toArray();
        double[] theta = new Random(3).doubles(k * d + k, -1, 1).toArray();
        double lambda = 0.05;
        double[] g = new double[theta.length];
        SoftmaxRegression.objective(x, y, k, lambda, theta, g);
        double h = 1e-6;
        double[] scratch = new double[theta.length];
        for (int j = 0; j < theta.length; j++) {
            double[] p = theta.clone();
            double[] m = theta.clone();
            p[j] += h;
            m[j] -= h;
            double fd = (SoftmaxRegression.objective(x, y, k, lambda, p, scratch)
                    - SoftmaxRegression.objective(x, y, k, lambda, m, scratch)) / (2 * h);
            assertThat(g[j]).as("parameter %d", j).isCloseTo(fd, within(1e-7));
        }
    }

    @Test
    void objectiveEqualsPlainCrossEntropyPlusPenalty() {
        SparseRows x = random(5, 3, 4);
        int[] y = {0, 1, 2, 1, 0};
        double[] theta = new Random(5).doubles(3 * 3 + 3, -1, 1).toArray();
        double expected = 0;
        for (int i = 0; i < 5; i++) {
            double[] row = x.dense(i);
            double[] z = new double[3];
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                z[c] = theta[9 + c];
                for (int j = 0; j < 3; j++) {
                    z[c] += theta[c * 3 + j] * row[j];
                }
                sum += Math.exp(z[c]);
            }
            expected += -Math.log(Math.exp(z[y[i]]) / sum) / 5;
        }
        double reg = 0;
        for (int j = 0; j < 9; j++) {
            reg += theta[j] * theta[j];
        }
        expected += 0.5 * 0.2 * reg;
        assertThat(SoftmaxRegression.objective(x, y, 3, 0.2, theta, new double[12])).isCloseTo(expected, within(1e-12));
    }

    @Test
    void solutionIsStationary() {
        int n = 60;
        int d = 12;
        int k = 3;
        SparseRows x = random(n, d, 6);
        int[] y = new Random(7).ints(n, 0, k).toArray();
        SoftmaxRegression.Fit f = SoftmaxRegression.fit(x, y, k, 1.0, 1e-8, 5000, null);
        assertThat(f.converged()).isTrue();
        // recompute the gradient independently of the solver's own bookkeeping
        double[] theta = new double[k * d + k];
        for (int c = 0; c < k; c++) {
            System.arraycopy(f.weights()[c], 0, theta, c * d, d);
            theta[k * d + c] = f.bias()[c];
        }
        double[] g = new double[theta.length];
        double at = SoftmaxRegression.objective(x, y, k, 1.0 / n, theta, g);
        assertThat(Lbfgs.maxAbs(g)).isLessThan(1e-8);
        // and no small step in a random direction lowers the objective (strict convexity: a minimum)
        Random r = new Random(8);
        for (int t = 0; t < 20; t++) {
            double[] p = theta.clone();
            for (int j = 0; j < p.length; j++) {
                p[j] += 1e-3 * r.nextGaussian();
            }
            assertThat(SoftmaxRegression.objective(x, y, k, 1.0 / n, p, g)).isGreaterThan(at);
        }
    }

    @Test
    void refusesALabelOutsideTheClasses() {
        SparseRows x = random(3, 2, 9);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SoftmaxRegression.fit(x, new int[] {0, 1, 3}, 2, 1, 1e-6, 10, null))
                .hasMessageContaining("row 2: class 3");
    }
}
