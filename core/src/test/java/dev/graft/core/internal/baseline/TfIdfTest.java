package dev.graft.core.internal.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TfIdfTest {
    // tokens: [the cat sat], [the cat ran race] ("a" is one character: not a token), [dogs ran]
    private static final List<String> DOCS = List.of("The cat sat.", "the cat ran a race", "Dogs ran");

    @Test
    void matchesHandComputedSmoothIdfSublinearL2Values() {
        TfIdf v = TfIdf.fit(DOCS, 1, 1, 1, true);
        assertThat(v.vocabulary()).containsExactly("cat", "dogs", "race", "ran", "sat", "the");
        // idf = ln((1 + 3) / (1 + df)) + 1: df 2 -> 1.2876820725, df 1 -> 1.6931471806
        assertThat(v.idf(0)).isCloseTo(1.2876820725, within(1e-9));
        assertThat(v.idf(1)).isCloseTo(1.6931471806, within(1e-9));
        // doc 0: (the, cat, sat) = (1.28768, 1.28768, 1.69315) / 2.48656
        double[] row = v.transform(DOCS).dense(0);
        assertThat(row).containsExactly(new double[] {0.5178561162, 0, 0, 0, 0.6809185604, 0.5178561162}, within(1e-9));
        // "cat" three times: tf = 1 + ln 3 -> (2.09861 * 1.28768, 1.69315) normalised
        double[] rep = v.transform(List.of("CAT cat, cat! dogs unseen")).dense(0);
        assertThat(rep).containsExactly(new double[] {0.8474084852, 0.5309414838, 0, 0, 0, 0}, within(1e-9));
    }

    @Test
    void keepsBigramsFoundInAtLeastMinDfTexts() {
        TfIdf v = TfIdf.fit(DOCS, 1, 2, 2, true);
        assertThat(v.vocabulary()).containsExactly("cat", "ran", "the", "the cat");
        double[] row = v.transform(List.of("the cat")).dense(0);
        // "cat", "the" and "the cat" all have df 2, so equal weights 1/sqrt(3); "ran" is absent
        assertThat(row).containsExactly(new double[] {1 / Math.sqrt(3), 0, 1 / Math.sqrt(3), 1 / Math.sqrt(3)}, within(1e-12));
    }

    @Test
    void rawCountsWithoutSublinearTf() {
        TfIdf v = TfIdf.fit(DOCS, 1, 1, 1, false);
        double[] rep = v.transform(List.of("cat cat cat dogs")).dense(0);
        double t = 3 * 1.2876820725;
        double u = 1.6931471806;
        double n = Math.sqrt(t * t + u * u);
        assertThat(rep[0]).isCloseTo(t / n, within(1e-9));
        assertThat(rep[1]).isCloseTo(u / n, within(1e-9));
    }

    @Test
    void textWithNoKnownTermIsAZeroRow() {
        TfIdf v = TfIdf.fit(DOCS, 1, 2, 1, true);
        SparseRows x = v.transform(List.of("zebra", "x y z"));
        assertThat(x.start()).containsExactly(0, 0, 0);
    }
}
