package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.baseline.LinearProbe;
import dev.graft.core.baseline.TextBaseline;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnsembleTest {
    /** Three classes; view A tells a from {b, c}, view B tells c from {a, b}: neither alone separates all three. */
    private record Toy(float[][] a, float[][] b, List<String> y) {
    }

    private static Toy toy(int perClass, long seed) {
        Random r = new Random(seed);
        List<float[]> a = new ArrayList<>();
        List<float[]> b = new ArrayList<>();
        List<String> y = new ArrayList<>();
        for (String c : List.of("a", "b", "c")) {
            for (int i = 0; i < perClass; i++) {
                a.add(new float[] {(c.equals("a") ? 2f : -2f) + (float) r.nextGaussian() * 0.3f, (float) r.nextGaussian()});
                b.add(new float[] {(c.equals("c") ? 2f : -2f) + (float) r.nextGaussian() * 0.3f, (float) r.nextGaussian()});
                y.add(c);
            }
        }
        return new Toy(a.toArray(float[][]::new), b.toArray(float[][]::new), y);
    }

    @Test
    void concatenatesEachKeysRowsInOrder() {
        String k1 = "one";
        String k2 = "two";
        Map<String, float[]> a = new IdentityHashMap<>(Map.of(k1, new float[] {1, 2}, k2, new float[] {3, 4}));
        Map<String, float[]> b = new IdentityHashMap<>(Map.of(k1, new float[] {5}, k2, new float[] {6}));
        Map<String, float[]> c = Ensemble.concat(a, b);
        assertThat(c).hasSize(2);
        assertThat(c.get(k1)).containsExactly(1, 2, 5);
        assertThat(c.get(k2)).containsExactly(3, 4, 6);
    }

    @Test
    void refusesAKeyWithoutASecondRow() {
        Map<String, float[]> a = Map.of("x", new float[] {1});
        assertThatThrownBy(() -> Ensemble.concat(a, Map.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
    }

    @Test
    void concatenatedViewsSeparateWhatNeitherViewDoesAlone() {
        Toy train = toy(12, 1);
        Toy test = toy(20, 2);
        TextBaseline.Options o = TextBaseline.Options.defaults().withSeed(3);
        LinearProbe pa = LinearProbe.fit(train.a(), train.y(), o);
        LinearProbe pb = LinearProbe.fit(train.b(), train.y(), o);
        float[][] both = new float[train.y().size()][];
        for (int i = 0; i < both.length; i++) {
            both[i] = Ensemble.concat(Map.of("k", train.a()[i]), Map.of("k", train.b()[i])).get("k");
        }
        LinearProbe pab = LinearProbe.fit(both, train.y(), o);
        int okA = 0;
        int okB = 0;
        int okAB = 0;
        for (int i = 0; i < test.y().size(); i++) {
            String t = test.y().get(i);
            okA += pa.predict(test.a()[i]).equals(t) ? 1 : 0;
            okB += pb.predict(test.b()[i]).equals(t) ? 1 : 0;
            float[] x = Ensemble.concat(Map.of("k", test.a()[i]), Map.of("k", test.b()[i])).get("k");
            okAB += pab.predict(x).equals(t) ? 1 : 0;
        }
        int n = test.y().size();
        assertThat(okA).isLessThan(n * 3 / 4); // b and c are mixed up in view A
        assertThat(okB).isLessThan(n * 3 / 4); // a and b in view B
        assertThat(okAB).isGreaterThanOrEqualTo(n - 1);
    }

    @Test
    void averagesTheTwoProbesProbabilitiesWithTheGivenWeight() {
        Toy train = toy(10, 5);
        TextBaseline.Options o = TextBaseline.Options.defaults().withSeed(1);
        LinearProbe pa = LinearProbe.fit(train.a(), train.y(), o);
        LinearProbe pb = LinearProbe.fit(train.b(), train.y(), o);
        float[] x = {2.1f, 0.3f};
        float[] y = {-1.9f, -0.2f};
        double[] p = pa.probabilities(x);
        double[] q = pb.probabilities(y);
        for (double w : new double[] {0, 0.3, 0.5, 1}) {
            double[] m = Ensemble.meanProbabilities(pa, x, pb, y, w);
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                assertThat(m[c]).isCloseTo(w * p[c] + (1 - w) * q[c], within(1e-12));
                sum += m[c];
            }
            assertThat(sum).isCloseTo(1, within(1e-9));
        }
        // view A says "a" (x is on a's side), view B says "not c": the average must pick a
        assertThat(Ensemble.argmax(pa.labels(), Ensemble.meanProbabilities(pa, x, pb, y, 0.5))).isEqualTo("a");
    }

    @Test
    void refusesProbesWithDifferentLabelsOrAWeightOutsideTheUnitInterval() {
        Toy train = toy(6, 7);
        TextBaseline.Options o = TextBaseline.Options.defaults().withSeed(1);
        LinearProbe pa = LinearProbe.fit(train.a(), train.y(), o);
        List<String> other = train.y().stream().map(l -> l.equals("c") ? "d" : l).toList();
        LinearProbe pd = LinearProbe.fit(train.b(), other, o);
        float[] x = {0, 0};
        assertThatThrownBy(() -> Ensemble.meanProbabilities(pa, x, pd, x, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different labels");
        assertThatThrownBy(() -> Ensemble.meanProbabilities(pa, x, pa, x, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight");
    }

    @Test
    void argmaxTakesTheFirstOfTiedLabels() {
        assertThat(Ensemble.argmax(List.of("x", "y", "z"), new double[] {0.2, 0.4, 0.4})).isEqualTo("y");
        assertThat(Ensemble.argmax(List.of("x", "y"), new double[] {0.9, 0.1})).isEqualTo("x");
    }
}
