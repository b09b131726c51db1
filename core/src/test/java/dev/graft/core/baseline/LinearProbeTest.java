package dev.graft.core.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
    /** Three Gaussian clusters in 5 dimensions, far apart along badly scaled axes. */
    private static void clusters(int perClass, long seed, List<float[]> x, List<String> y) {
        Random r = new Random(seed);
        double[][] centres = {{0, 0, 0, 0, 0}, {1000, 0, 0, 0, 0}, {0, 0.01, 0, 0, 0}};
        double[] noise = {100, 0.001, 1, 1, 1};
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < 3; c++) {
                float[] v = new float[5];
                for (int j = 0; j < 5; j++) {
                    v[j] = (float) (centres[c][j] + noise[j] * r.nextGaussian());
                }
                x.add(v);
                y.add("c" + c);
            }
        }
    }

    @Test
    void separatesWellSeparatedClustersWhateverTheColumnScales() {
        List<float[]> x = new ArrayList<>();
        List<String> y = new ArrayList<>();
        clusters(20, 1, x, y);
        LinearProbe p = LinearProbe.fit(x.toArray(float[][]::new), y, TextBaseline.Options.defaults());
        List<float[]> tx = new ArrayList<>();
        List<String> ty = new ArrayList<>();
        clusters(30, 2, tx, ty);
        for (int i = 0; i < tx.size(); i++) {
            assertThat(p.predict(tx.get(i))).as("row %d", i).isEqualTo(ty.get(i));
        }
        assertThat(p.converged()).isTrue();
        assertThat(p.crossValidationAccuracy()).containsKey(p.c());
    }

    @Test
    void refusesRaggedRowsAndAWrongWidthAtPrediction() {
        assertThatThrownBy(() -> LinearProbe.fit(new float[][] {{1, 2}, {3}}, List.of("a", "b"), TextBaseline.Options.defaults()))
                .hasMessageContaining("feature row 1 has width 1");
        LinearProbe p = LinearProbe.fit(new float[][] {{1, 0}, {0, 1}, {1, 0.1f}, {0.1f, 1}}, List.of("a", "b", "a", "b"),
                TextBaseline.Options.defaults());
        assertThatThrownBy(() -> p.probabilities(new float[3])).hasMessageContaining("width 3");
    }

    @Test
    void aColumnThatVariesOnlyByFloatRoundingIsTreatedAsConstant() {
        List<float[]> x = new ArrayList<>();
        List<String> y = new ArrayList<>();
        clusters(20, 3, x, y);
        Random r = new Random(4);
        float[][] rows = new float[x.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOf(x.get(i), 6);
            // 0.1 give or take one or two ulps: float32 rounding, no signal
            rows[i][5] = Math.nextUp(0.1f) - (r.nextInt(3)) * Math.ulp(0.1f);
        }
        double[][] ms = LinearProbe.moments(rows, java.util.stream.IntStream.range(0, rows.length).toArray());
        assertThat(ms[1][5]).as("inverse deviation of the rounding-noise column").isEqualTo(1.0);
        assertThat(ms[1][0]).as("a column with real spread is still standardised").isCloseTo(1 / 577.0, org.assertj.core.data.Percentage.withPercentage(30));
        LinearProbe p = LinearProbe.fit(rows, y, TextBaseline.Options.defaults());
        float max = 0;
        for (float w : p.foldedKernel()) {
            max = Math.max(max, Math.abs(w));
        }
        assertThat(max).as("largest folded weight").isLessThan(1e4f);
    }
}
