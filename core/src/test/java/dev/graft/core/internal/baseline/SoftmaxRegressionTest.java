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

    /** A dense problem: every column present in every row (what the solved head fits on). */
    private static SparseRows dense(int n, int d, long seed) {
        Random r = new Random(seed);
        int[] start = new int[n + 1];
        int[] col = new int[n * d];
        double[] val = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                col[i * d + j] = j;
                val[i * d + j] = r.nextGaussian();
            }
            start[i + 1] = (i + 1) * d;
        }
        return new SparseRows(n, d, start, col, val);
    }

    @Test
    void denseRowsGiveTheObjectiveAndGradientOfThePlainFormula() {
        // sizes that leave remainders in every blocked loop: rows past a 64-row block and a 4-row group, columns past a 4-column group
        int n = 131;
        int d = 23;
        int k = 5;
        SparseRows x = dense(n, d, 11);
        assertThat(x.isDense()).isTrue();
        assertThat(random(20, 6, 1).isDense()).isFalse();
        int[] y = new Random(12).ints(n, 0, k).toArray();
        double[] theta = new Random(13).doubles(k * d + k, -0.5, 0.5).toArray();
        double lambda = 0.03;
        // the plain formula, row by row, straight from the definition
        double expected = 0;
        double[] expectedGrad = new double[theta.length];
        for (int i = 0; i < n; i++) {
            double[] row = x.dense(i);
            double[] z = new double[k];
            double sum = 0;
            for (int c = 0; c < k; c++) {
                z[c] = theta[k * d + c];
                for (int j = 0; j < d; j++) {
                    z[c] += theta[c * d + j] * row[j];
                }
                sum += Math.exp(z[c]);
            }
            expected += -Math.log(Math.exp(z[y[i]]) / sum) / n;
            for (int c = 0; c < k; c++) {
                double dz = (Math.exp(z[c]) / sum - (c == y[i] ? 1 : 0)) / n;
                for (int j = 0; j < d; j++) {
                    expectedGrad[c * d + j] += dz * row[j];
                }
                expectedGrad[k * d + c] += dz;
            }
        }
        for (int j = 0; j < k * d; j++) {
            expected += 0.5 * lambda * theta[j] * theta[j];
            expectedGrad[j] += lambda * theta[j];
        }
        double[] g = new double[theta.length];
        double f = SoftmaxRegression.denseObjective(x.values(), SoftmaxRegression.transpose(x.values(), n, d), n, d, y, k, lambda,
                theta, g, new double[k * n]);
        assertThat(f).isCloseTo(expected, within(1e-12));
        for (int j = 0; j < theta.length; j++) {
            assertThat(g[j]).as("parameter %d", j).isCloseTo(expectedGrad[j], within(1e-12));
        }
    }

    @Test
    void denseAndSparseStorageOfTheSameRowsFitTheSameModel() {
        int n = 90;
        int d = 9;
        int k = 3;
        SparseRows x = dense(n, d, 14);
        // the same matrix with one explicit zero dropped: no longer dense storage, same values
        SparseRows sparse = x.select(java.util.stream.IntStream.range(0, n).toArray());
        int[] start = sparse.start().clone();
        int[] col = new int[sparse.column().length - 1];
        double[] val = new double[col.length];
        System.arraycopy(sparse.column(), 1, col, 0, col.length);
        System.arraycopy(sparse.values(), 1, val, 0, val.length);
        for (int i = 1; i < start.length; i++) {
            start[i]--;
        }
        double[] denseValues = x.values().clone();
        denseValues[0] = 0;
        SparseRows dense = new SparseRows(n, d, x.start(), x.column(), denseValues);
        SparseRows other = new SparseRows(n, d, start, col, val);
        assertThat(other.isDense()).isFalse();
        int[] y = new Random(15).ints(n, 0, k).toArray();
        SoftmaxRegression.Fit a = SoftmaxRegression.fit(dense, y, k, 2.0, 1e-9, 5000, null);
        SoftmaxRegression.Fit b = SoftmaxRegression.fit(other, y, k, 2.0, 1e-9, 5000, null);
        assertThat(a.converged()).isTrue();
        assertThat(b.converged()).isTrue();
        for (int c = 0; c < k; c++) {
            assertThat(a.bias()[c]).isCloseTo(b.bias()[c], within(1e-6));
            for (int j = 0; j < d; j++) {
                assertThat(a.weights()[c][j]).isCloseTo(b.weights()[c][j], within(1e-6));
            }
        }
    }

    @Test
    void refusesALabelOutsideTheClasses() {
        SparseRows x = random(3, 2, 9);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SoftmaxRegression.fit(x, new int[] {0, 1, 3}, 2, 1, 1e-6, 10, null))
                .hasMessageContaining("row 2: class 3");
    }
}
