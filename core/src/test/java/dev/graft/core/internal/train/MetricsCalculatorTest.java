package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.Metrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsCalculatorTest {
    private static List<Example> labelled(String... labels) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            out.add(new Example("row" + i, null, labels[i]));
        }
        return out;
    }

    @Test
    void classificationMetricsMatchAHandComputation() {
        LabelCodec codec = new LabelCodec(Task.CLASSIFICATION, List.of("a", "b", "c"));
        List<Example> ex = labelled("a", "a", "b", "b", "c");
        float[][] p = {
            {0.7f, 0.2f, 0.1f}, // a -> a
            {0.1f, 0.6f, 0.3f}, // a -> b (true class third: not in top 2)
            {0.2f, 0.5f, 0.3f}, // b -> b
            {0.5f, 0.4f, 0.1f}, // b -> a (true class second)
            {0.1f, 0.1f, 0.8f}, // c -> c
        };
        Metrics m = MetricsCalculator.compute(codec, ex, p, 2);
        assertThat(m.accuracy()).isEqualTo(3 / 5.0);
        assertThat(m.topKAccuracy()).isEqualTo(4 / 5.0);
        assertThat(m.confusion()).isDeepEqualTo(new int[][] {{1, 1, 0}, {1, 1, 0}, {0, 0, 1}});
        // per class F1: a: p=1/2 r=1/2 -> .5; b: p=1/2 r=1/2 -> .5; c: 1
        assertThat(m.macroF1()).isCloseTo((0.5 + 0.5 + 1) / 3, within(1e-12));
        double loss = -(Math.log(0.7) + Math.log(0.1) + Math.log(0.5) + Math.log(0.4) + Math.log(0.8)) / 5;
        assertThat(m.loss()).isCloseTo(loss, within(1e-6));
    }

    /**
     * Four classes, of which 'd' occurs neither in the truth nor in the predictions, and 'c' is never
     * predicted. By hand: a: tp 2 fp 1 fn 0 -> p 2/3 r 1 F1 4/5; b: tp 1 fp 1 fn 1 -> p 1/2 r 1/2 F1 1/2;
     * c: tp 0 fp 0 fn 1 -> p undefined r 0 F1 0; d: absent, not counted. Macro F1 = (4/5 + 1/2 + 0) / 3,
     * as scikit-learn's f1_score(average='macro') and {@code graft evaluate} give it.
     */
    @Test
    void macroF1IsTheEvaluationApisOverTheClassesThatOccur() {
        LabelCodec codec = new LabelCodec(Task.CLASSIFICATION, List.of("a", "b", "c", "d"));
        List<Example> ex = labelled("a", "a", "b", "b", "c");
        float[][] p = {
            {0.7f, 0.1f, 0.1f, 0.1f}, // a -> a
            {0.6f, 0.2f, 0.1f, 0.1f}, // a -> a
            {0.2f, 0.5f, 0.2f, 0.1f}, // b -> b
            {0.5f, 0.3f, 0.1f, 0.1f}, // b -> a
            {0.1f, 0.6f, 0.2f, 0.1f}, // c -> b
        };
        Metrics m = MetricsCalculator.compute(codec, ex, p, 1);
        assertThat(m.macroF1()).isCloseTo((4 / 5.0 + 1 / 2.0 + 0) / 3, within(1e-12));
        assertThat(m.precision()[0]).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(m.precision()[2]).isNaN();
        assertThat(m.recall()[1]).isCloseTo(0.5, within(1e-12));
        assertThat(m.confusion()).isDeepEqualTo(new int[][] {{2, 0, 0, 0}, {1, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}});
        // the same figures as the public evaluation API on the same predictions
        double[][] probabilities = new double[p.length][];
        for (int i = 0; i < p.length; i++) {
            probabilities[i] = new double[p[i].length];
            for (int j = 0; j < p[i].length; j++) {
                probabilities[i][j] = p[i][j];
            }
        }
        ClassificationScores s = Evaluation.classification(codec.labels(), new int[] {0, 0, 1, 1, 2}, probabilities);
        assertThat(m.macroF1()).isEqualTo(s.macroF1());
        assertThat(m.accuracy()).isEqualTo(s.accuracy());
        assertThat(m.confusion()).isDeepEqualTo(s.confusion());
    }

    /** x: tp 1 fp 0 fn 0 -> F1 1; y: tp 0 fp 0 fn 1 -> F1 0; z: never true nor predicted, not counted. */
    @Test
    void multiLabelMacroF1LeavesOutLabelsThatNeverOccur() {
        LabelCodec ml = new LabelCodec(Task.MULTI_LABEL, List.of("x", "y", "z"));
        Metrics m = MetricsCalculator.compute(ml, labelled("x|y", "x"), new float[][] {{0.9f, 0.4f, 0.1f}, {0.8f, 0.1f, 0.3f}}, 1);
        assertThat(m.macroF1()).isCloseTo((1 + 0) / 2.0, within(1e-12));
    }

    @Test
    void multiLabelAndRegressionMetrics() {
        LabelCodec ml = new LabelCodec(Task.MULTI_LABEL, List.of("x", "y"));
        Metrics m = MetricsCalculator.compute(ml, labelled("x|y", "y"), new float[][] {{0.9f, 0.4f}, {0.2f, 0.7f}}, 1);
        assertThat(m.accuracy()).isEqualTo(3 / 4.0);
        // x: tp1 fp0 fn0 -> 1 ; y: tp1 fp0 fn1 -> p1 r.5 -> 2/3
        assertThat(m.macroF1()).isCloseTo((1 + 2 / 3.0) / 2, within(1e-12));
        LabelCodec reg = new LabelCodec(Task.REGRESSION, List.of("target0"));
        Metrics r = MetricsCalculator.compute(reg, labelled("1.5", "-2"), new float[][] {{1f}, {-1f}}, 1);
        assertThat(r.loss()).isCloseTo((0.25 + 1) / 2, within(1e-12));
        assertThat(r.meanAbsoluteError()).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void stratifiedSplitHoldsOutEachClassAndIsSeeded() {
        List<Example> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(new Example("r" + i, null, i % 3 == 0 ? "a" : "b"));
        }
        all.add(new Example("lonely", null, "c"));
        Split.Parts p = Split.stratified(all, Task.CLASSIFICATION, 0.2, 5);
        assertThat(Split.counts(p.validation())).containsEntry("a", 2).containsEntry("b", 4).doesNotContainKey("c");
        assertThat(p.train()).hasSize(31 - 6).extracting(Example::source).contains("lonely");
        assertThat(Split.stratified(all, Task.CLASSIFICATION, 0.2, 5).validation()).isEqualTo(p.validation());
        assertThat(Split.stratified(all, Task.CLASSIFICATION, 0.2, 6).validation()).isNotEqualTo(p.validation());
    }
}
