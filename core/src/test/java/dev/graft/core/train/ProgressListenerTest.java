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
