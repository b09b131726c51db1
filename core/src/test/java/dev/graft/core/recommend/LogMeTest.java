package dev.graft.core.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogMeTest {
    @Test
    void eigenDecompositionReconstructsTheMatrix() {
        Random r = new Random(1);
        int n = 12;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = a[j][i] = r.nextGaussian();
            }
        }
        SymmetricEigen.Result e = SymmetricEigen.of(a);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += e.vectors()[i][k] * e.values()[k] * e.vectors()[j][k];
                }
                assertThat(s).isCloseTo(a[i][j], within(1e-10));
            }
        }
        for (int k = 1; k < n; k++) {
            assertThat(e.values()[k]).isGreaterThanOrEqualTo(e.values()[k - 1]);
        }
    }

    @Test
    void evidenceMatchesDirectBayesianLinearRegression() {
        Random r = new Random(7);
        int n = 40;
        int d = 5;
        float[][] f = new float[n][d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                f[i][k] = (float) r.nextGaussian();
            }
            y[i] = 0.7 * f[i][0] - 0.3 * f[i][3] + 0.2 * r.nextGaussian();
        }
        LogMe.Fit fit = LogMe.regression(f, y);
        double direct = directEvidence(f, y, fit.alpha(), fit.beta()) / n;
        assertThat(fit.evidencePerExample()).isCloseTo(direct, within(1e-8));
    }

    @Test
    void evidenceWithMoreFeaturesThanExamplesMatchesDirectComputation() {
        Random r = new Random(9);
        int n = 8;
        int d = 12;
        float[][] f = new float[n][d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                f[i][k] = (float) r.nextGaussian();
            }
            y[i] = r.nextGaussian();
        }
        LogMe.Fit fit = LogMe.regression(f, y);
        assertThat(fit.evidencePerExample()).isCloseTo(directEvidence(f, y, fit.alpha(), fit.beta()) / n, within(1e-7));
    }

    @Test
    void ranksInformativeFeaturesAboveNoise() {
        Random r = new Random(3);
        int n = 200;
        int classes = 4;
        int[] labels = new int[n];
        float[][] good = new float[n][16];
        float[][] noise = new float[n][16];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int k = 0; k < 16; k++) {
                good[i][k] = (float) ((k == labels[i] ? 2.0 : 0.0) + 0.5 * r.nextGaussian());
                noise[i][k] = (float) r.nextGaussian();
            }
        }
        double g = LogMe.classification(good, labels, classes);
        double b = LogMe.classification(noise, labels, classes);
        assertThat(g).isGreaterThan(b + 0.1);
    }

    /** log p(y | F, alpha, beta) computed with a Cholesky factorisation of A = alpha I + beta F^T F. */
    static double directEvidence(float[][] f, double[] y, double alpha, double beta) {
        int n = f.length;
        int d = f[0].length;
        double[][] a = new double[d][d];
        double[] fty = new double[d];
        for (int i = 0; i < d; i++) {
            a[i][i] = alpha;
        }
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                fty[i] += f[r][i] * y[r];
                for (int j = 0; j < d; j++) {
                    a[i][j] += beta * f[r][i] * f[r][j];
                }
            }
        }
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        double logDet = 0;
        for (int i = 0; i < d; i++) {
            logDet += 2 * Math.log(l[i][i]);
        }
        double[] z = new double[d];
        for (int i = 0; i < d; i++) {
            double s = beta * fty[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
        }
        double[] m = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < d; k++) {
                s -= l[k][i] * m[k];
            }
            m[i] = s / l[i][i];
        }
        double res = 0;
        for (int r = 0; r < n; r++) {
            double p = 0;
            for (int i = 0; i < d; i++) {
                p += f[r][i] * m[i];
            }
            res += (y[r] - p) * (y[r] - p);
        }
        double mm = 0;
        for (double v : m) {
            mm += v * v;
        }
        return n / 2.0 * Math.log(beta) + d / 2.0 * Math.log(alpha) - n / 2.0 * Math.log(2 * Math.PI)
                - beta / 2.0 * res - alpha / 2.0 * mm - 0.5 * logDet;
    }
}
