package dev.graft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressListenerTest {
    private static String run(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressListener p = new ProgressListener(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
        p.onStart(2, 4, 8, 64, "plan");
        for (int s = 1; s <= 4; s++) {
            p.onStep(new StepEvent(0, s, 4, s, 8, 16, 1.0 / s, 0.01));
        }
        p.onEpoch(new EpochMetrics(0, "head only", 0.5, null, 4, 0.1));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void drawsABarOnATerminalAndPlainLinesElsewhere() {
        String term = run(true);
        assertThat(term).contains("\r").contains("[==============================] 4/4").contains("ex/s").contains("left");
        String log = run(false);
        assertThat(log).doesNotContain("\r").doesNotContain("[===");
        assertThat(log.lines()).contains("training: 2 epochs x 4 steps (64 examples)");
        assertThat(log).contains("epoch 1: train loss 0.5000");
    }

    @Test
    void examplesPerSecondIsEachEpochsOwnTrainingRate() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressListener p = new ProgressListener(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, () -> now[0]);
        p.onStart(2, 4, 8, 64, "plan");
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int s = 1; s <= 4; s++) {
                now[0] += 80_000_000L; // 64 examples in 0.32 s of steps: 200 ex/s
                p.onStep(new StepEvent(epoch, s, 4, epoch * 4L + s, 8, 16, 1.0, 0.01));
            }
            now[0] += 600_000_000L; // validation: not training time
            p.onEpoch(new EpochMetrics(epoch, "head only", 0.5, null, epoch * 4L + 4, 0.9));
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) ex/s").matcher(bytes.toString(StandardCharsets.UTF_8));
        java.util.List<Double> rates = new java.util.ArrayList<>();
        while (m.find()) {
            rates.add(Double.parseDouble(m.group(1)));
        }
        // a cumulative figure (all examples over all time, validation included) would be 69.6 and 83.1
        assertThat(rates).hasSize(2).allSatisfy(r -> assertThat(r).isCloseTo(200.0, org.assertj.core.data.Offset.offset(0.5)));
    }

    @Test
    void topKIsShownOnlyWhenThereAreMoreClassesThanK() {
        Metrics three = new Metrics(9, 0.5, 0.6, 5, 1.0, 0.5, Double.NaN, java.util.List.of("a", "b", "c"), new int[3][3],
                new double[3], new double[3]);
        assertThat(three.toString()).doesNotContain("top-");
        java.util.List<String> ten = java.util.stream.IntStream.range(0, 10).mapToObj(i -> "c" + i).toList();
        Metrics many = new Metrics(9, 0.5, 0.6, 5, 0.9, 0.5, Double.NaN, ten, new int[10][10], new double[10], new double[10]);
        assertThat(many.toString()).contains("top-5 0.9000");
    }

    @Test
    void showsTheFeaturePassWithTheSameBarOrPlainLines() {
        for (boolean terminal : new boolean[] {true, false}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ProgressListener p = new ProgressListener(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
            p.onFeatures(0, 64);
            for (int done = 16; done <= 64; done += 16) {
                p.onFeatures(done, 64);
            }
            String out = bytes.toString(StandardCharsets.UTF_8);
            if (terminal) {
                assertThat(out).contains("\r").contains("features [==============================] 64/64").contains("ex/s")
                        .contains("left");
            } else {
                assertThat(out).doesNotContain("\r").doesNotContain("[===");
                assertThat(out.lines().findFirst()).hasValue(
                        "features: computing 64 examples with the backbone (the rest from the feature cache)");
            }
            assertThat(out.lines().filter(l -> l.contains("features: 64 computed in")).count()).as(out).isEqualTo(1);
        }
    }
}
