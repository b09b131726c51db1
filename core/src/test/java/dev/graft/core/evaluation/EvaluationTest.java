package dev.graft.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every figure is checked against a value worked out by hand in the comments. */
class EvaluationTest {
    private static final List<String> ABC = List.of("a", "b", "c");

    // truth a a a b b c, predicted a a b b c c:
    // confusion a:[2 1 0] b:[0 1 1] c:[0 0 1]; a P=1 R=2/3 F1=0.8; b P=R=F1=0.5; c P=0.5 R=1 F1=2/3
    private static final int[] TRUTH = {0, 0, 0, 1, 1, 2};
    private static final double[][] PROBS = {
        {0.7, 0.2, 0.1}, {0.6, 0.3, 0.1}, {0.3, 0.6, 0.1}, {0.1, 0.5, 0.4}, {0.1, 0.3, 0.6}, {0.1, 0.1, 0.8}};

    @Test
    void scoresClassificationAgainstHandComputedFigures() {
        ClassificationScores s = Evaluation.classification(ABC, TRUTH, PROBS);
        assertThat(s.examples()).isEqualTo(6);
        assertThat(s.accuracy()).isCloseTo(4 / 6.0, within(1e-12));
        assertThat(s.confusion()).isDeepEqualTo(new int[][] {{2, 1, 0}, {0, 1, 1}, {0, 0, 1}});
        assertThat(s.of("a").precision()).isEqualTo(1.0);
        assertThat(s.of("a").recall()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.of("a").f1()).isCloseTo(0.8, within(1e-12));
        assertThat(s.of("b").f1()).isCloseTo(0.5, within(1e-12));
        assertThat(s.of("c").precision()).isCloseTo(0.5, within(1e-12));
        assertThat(s.of("c").recall()).isEqualTo(1.0);
        assertThat(s.of("c").f1()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.perClass()).extracting(ClassScore::support).containsExactly(3, 2, 1);
        assertThat(s.macroF1()).isCloseTo(0.655556, within(1e-6));
        // p(true) .7 .6 .3 .5 .3 .8: -(ln .7 + ln .6 + 2 ln .3 + ln .5 + ln .8) / 6 = 4.191738 / 6
        assertThat(s.logLoss()).isCloseTo(0.698623, within(1e-6));
    }

    @Test
    void scoresPredictionsTheSameAsProbabilities() {
        List<Example> truth = new ArrayList<>();
        List<Prediction> preds = new ArrayList<>();
        for (int i = 0; i < TRUTH.length; i++) {
            truth.add(new Example("test.csv:" + (i + 2), "text " + i, ABC.get(TRUTH[i])));
            Map<String, Double> scores = new LinkedHashMap<>();
            int arg = 0;
            for (int j = 0; j < 3; j++) {
                scores.put(ABC.get(j), PROBS[i][j]);
                arg = PROBS[i][j] > PROBS[i][arg] ? j : arg;
            }
            preds.add(new Prediction("test.csv:" + (i + 2), ABC.get(arg), scores));
        }
        ClassificationScores a = Evaluation.classification(ABC, truth, preds);
        ClassificationScores b = Evaluation.classification(ABC, TRUTH, PROBS);
        assertThat(a).usingRecursiveComparison().isEqualTo(b);
    }

    @Test
    void leavesClassesThatNeverOccurOutOfTheMacroAverage() {
        // truth a a b, predicted a b b: a F1 = 2/3, b F1 = 2/3; d never occurs
        ClassificationScores s = Evaluation.classification(List.of("a", "b", "d"), new int[] {0, 0, 1}, new int[] {0, 1, 1});
        assertThat(s.of("d").f1()).isNaN();
        assertThat(s.of("d").precision()).isNaN();
        assertThat(s.of("d").support()).isZero();
        assertThat(s.macroF1()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.logLoss()).isNaN();
    }

    @Test
    void countsAClassThatIsNeverPredictedAsZeroF1() {
        // truth a b, predicted a a: a P=1/2 R=1 F1=2/3; b P undefined R=0 F1=0
        ClassificationScores s = Evaluation.classification(List.of("a", "b"), new int[] {0, 1}, new int[] {0, 0});
        assertThat(s.of("b").precision()).isNaN();
        assertThat(s.of("b").recall()).isZero();
        assertThat(s.of("b").f1()).isZero();
        assertThat(s.macroF1()).isCloseTo(1 / 3.0, within(1e-12));
    }

    @Test
    void refusesATrueLabelTheModelDoesNotKnowNamingTheExample() {
        List<Example> truth = List.of(new Example("data/test.csv:7", "x", "zebra"));
        List<Prediction> preds = List.of(new Prediction("data/test.csv:7", "a", Map.of("a", 1.0)));
        assertThatThrownBy(() -> Evaluation.classification(ABC, truth, preds))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data/test.csv:7")
                .hasMessageContaining("zebra");
    }

    @Test
    void scoresMultiLabelAgainstHandComputedFigures() {
        // truth {x,y} {y} {} {x,z}; predicted {x} {y} {z} {x,z}
        // x tp2; y tp1 fn1; z tp1 fp1 -> F1 x 1, y 2/3, z 2/3; micro 2*4/(8+1+1) = 0.8
        List<String> xyz = List.of("x", "y", "z");
        List<Example> truth = List.of(new Example("1", "", "x|y"), new Example("2", "", "y"), new Example("3", "", ""),
                new Example("4", "", "x | z"));
        List<Prediction> preds = List.of(pred(0.9, 0.4, 0.1), pred(0.2, 0.5, 0.3), pred(0.1, 0.2, 0.7), pred(0.8, 0.1, 0.6));
        MultiLabelScores s = Evaluation.multiLabel(xyz, truth, preds);
        assertThat(s.subsetAccuracy()).isCloseTo(0.5, within(1e-12));
        assertThat(s.hammingLoss()).isCloseTo(2 / 12.0, within(1e-12));
        assertThat(s.microF1()).isCloseTo(0.8, within(1e-12));
        assertThat(s.macroF1()).isCloseTo((1 + 2 / 3.0 + 2 / 3.0) / 3, within(1e-12));
        assertThat(s.perLabel()).extracting(ClassScore::support).containsExactly(2, 2, 1);
        assertThat(s.perLabel().get(2).precision()).isCloseTo(0.5, within(1e-12));
    }

    private static Prediction pred(double x, double y, double z) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("x", x);
        m.put("y", y);
        m.put("z", z);
        return new Prediction("p", "", m);
    }

    @Test
    void scoresRegressionAgainstHandComputedFigures() {
        // target0: truth 1 2 3 4, predicted 1.5 2 2 5 -> errors .5 0 -1 1: SSE 2.25, SAE 2.5; mean 2.5, SS_tot 5
        // target1: constant 3, predicted exactly -> R^2 1 by convention
        double[][] truth = {{1, 3}, {2, 3}, {3, 3}, {4, 3}};
        double[][] pred = {{1.5, 3}, {2, 3}, {2, 3}, {5, 3}};
        RegressionScores s = Evaluation.regression(List.of("t0", "t1"), truth, pred);
        assertThat(s.perTarget().get(0).mse()).isCloseTo(0.5625, within(1e-12));
        assertThat(s.perTarget().get(0).mae()).isCloseTo(0.625, within(1e-12));
        assertThat(s.perTarget().get(0).r2()).isCloseTo(0.55, within(1e-12));
        assertThat(s.perTarget().get(1).r2()).isEqualTo(1.0);
        assertThat(s.mse()).isCloseTo(2.25 / 8, within(1e-12));
        assertThat(s.mae()).isCloseTo(2.5 / 8, within(1e-12));
        assertThat(s.r2()).isCloseTo(0.775, within(1e-12));
    }

    @Test
    void readsRegressionTargetsFromLabels() {
        List<Example> truth = List.of(new Example("a:2", "", "1|3"), new Example("a:3", "", "2|3"));
        List<Prediction> preds = List.of(new Prediction("a:2", "", Map.of("t0", 1.5, "t1", 3.0)),
                new Prediction("a:3", "", Map.of("t0", 2.5, "t1", 2.0)));
        RegressionScores s = Evaluation.regression(List.of("t0", "t1"), truth, preds);
        // squared errors .25 0 .25 1 -> 1.5 / 4; absolute .5 0 .5 1 -> 2 / 4
        assertThat(s.mse()).isCloseTo(0.375, within(1e-12));
        assertThat(s.mae()).isCloseTo(0.5, within(1e-12));
        // t0: truth 1 2 (mean 1.5, SS_tot .5), SSE .5 -> R^2 0; t1 constant, not exact -> 0
        assertThat(s.r2()).isCloseTo(0.0, within(1e-12));
        List<Example> bad = List.of(new Example("a:9", "", "1|x"));
        assertThatThrownBy(() -> Evaluation.regression(List.of("t0", "t1"), bad, preds.subList(0, 1)))
                .hasMessageContaining("a:9").hasMessageContaining("'x'");
    }
}
