package dev.graft.core.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
