package dev.graft.core.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextBaselineTest {
    private static final String[][] WORDS = {
        {"apple", "banana", "cherry", "grape", "melon", "peach"},
        {"guitar", "violin", "piano", "drums", "flute", "cello"},
        {"falcon", "eagle", "sparrow", "robin", "heron", "owl"},
    };
    private static final String[] LABELS = {"fruit", "music", "birds"};
    private static final String[] FILLER = {"the", "some", "with", "and", "very", "one"};

    /** Separable texts: each holds two words of its class's list among shared filler words. */
    private static void toy(int perClass, long seed, List<String> texts, List<String> labels) {
        Random r = new Random(seed);
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < 3; c++) {
                texts.add(FILLER[r.nextInt(6)] + " " + WORDS[c][r.nextInt(6)] + " " + FILLER[r.nextInt(6)] + " " + WORDS[c][r.nextInt(6)]);
                labels.add(LABELS[c]);
            }
        }
    }

    @Test
    void separatesASeparableToySetOnHeldOutTexts() {
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        toy(20, 1, texts, labels);
        BaselineModel m = TextBaseline.fit(texts, labels);
        List<String> testTexts = new ArrayList<>();
        List<String> testLabels = new ArrayList<>();
        toy(30, 2, testTexts, testLabels);
        assertThat(m.predict(testTexts)).isEqualTo(testLabels);
        assertThat(m.labels()).containsExactly("birds", "fruit", "music");
        assertThat(m.crossValidationAccuracy()).containsOnlyKeys(0.1, 1.0, 10.0, 100.0);
        assertThat(m.converged()).isTrue();
        assertThat(m.gradientNorm()).isLessThanOrEqualTo(TextBaseline.Options.defaults().tolerance());
    }

    @Test
    void probabilitiesSumToOneInLabelOrder() {
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        toy(10, 3, texts, labels);
        BaselineModel m = TextBaseline.fit(texts, labels);
        double[] p = m.probabilities("a violin and a cello");
        assertThat(java.util.Arrays.stream(p).sum()).isCloseTo(1, within(1e-12));
        assertThat(p[2]).isGreaterThan(Math.max(p[0], p[1])); // music
        assertThat(m.probabilities("nothing known here")[0]).isCloseTo(1.0 / 3, within(0.1));
    }

    @Test
    void isDeterministic() {
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        toy(12, 4, texts, labels);
        for (int i = 0; i < 6; i++) { // label noise so that C matters
            labels.set(i, LABELS[(i + 1) % 3]);
        }
        BaselineModel a = TextBaseline.fit(texts, labels);
        BaselineModel b = TextBaseline.fit(texts, labels);
        assertThat(a.c()).isEqualTo(b.c());
        assertThat(a.crossValidationAccuracy()).isEqualTo(b.crossValidationAccuracy());
        assertThat(a.probabilities("piano owl")).containsExactly(b.probabilities("piano owl"));
    }

    @Test
    void choosesTheGridValueWithTheBestCrossValidatedAccuracy() {
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        toy(15, 5, texts, labels);
        BaselineModel m = TextBaseline.fit(texts, labels);
        double best = m.crossValidationAccuracy().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertThat(m.crossValidationAccuracy().get(m.c())).isEqualTo(best);
    }

    @Test
    void stratifiedFoldsKeepEveryClassInEveryFold() {
        int[] y = new int[50];
        for (int i = 0; i < 50; i++) {
            y[i] = i < 30 ? 0 : 1;
        }
        int[] fold = TextBaseline.folds(y, 2, 5, 42);
        for (int f = 0; f < 5; f++) {
            int a = 0;
            int b = 0;
            for (int i = 0; i < 50; i++) {
                if (fold[i] == f) {
                    if (y[i] == 0) {
                        a++;
                    } else {
                        b++;
                    }
                }
            }
            assertThat(a).isEqualTo(6);
            assertThat(b).isEqualTo(4);
        }
    }

    @Test
    void refusesEmptyTextsAndSingleLabels() {
        assertThatThrownBy(() -> TextBaseline.fit(List.of("good", " "), List.of("a", "b"))).hasMessageContaining("text 1 is empty");
        assertThatThrownBy(() -> TextBaseline.fit(List.of("good", "bad"), List.of("a", "a")))
                .hasMessageContaining("at least two labels");
        assertThatThrownBy(() -> TextBaseline.fit(List.of("good"), List.of("a", "b"))).hasMessageContaining("1 texts but 2 labels");
    }
}
