package dev.graft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingHistoryTest {
    private static Metrics val(double loss) {
        return new Metrics(10, loss, 0.5, 1, Double.NaN, 0.5, Double.NaN, List.of("a", "b"), new int[2][2], new double[2],
                new double[2]);
    }

    private static TrainingHistory history(String stop, double... valLosses) {
        List<EpochMetrics> e = new ArrayList<>();
        for (int i = 0; i < valLosses.length; i++) {
            e.add(new EpochMetrics(i, "head only", 1.0, val(valLosses[i]), i + 1L, 0.1));
        }
        return new TrainingHistory(e, valLosses.length - 1, stop, valLosses.length, 0);
    }

    @Test
    void saysWhenTheEpochLimitCameWhileValidationLossWasStillFalling() {
        TrainingHistory falling = history("completed", 0.9, 0.7, 0.6);
        assertThat(falling.stoppedWhileImproving()).isTrue();
        assertThat(falling.summary()).contains("validation loss was still falling at the last epoch (0.7000 -> 0.6000)");
        assertThat(history("max-steps", 0.9, 0.8).stoppedWhileImproving()).isTrue();
    }

    @Test
    void saysNothingWhenValidationLossHadTurnedOrEarlyStoppingEnded() {
        assertThat(history("completed", 0.9, 0.5, 0.6).stoppedWhileImproving()).isFalse();
        assertThat(history("completed", 0.5, 0.7, 0.6).stoppedWhileImproving()).as("last lower than the one before, not the lowest")
                .isFalse();
        assertThat(history("early-stopping", 0.9, 0.7, 0.6).stoppedWhileImproving()).isFalse();
        assertThat(history("completed", 0.9).stoppedWhileImproving()).isFalse();
        assertThat(history("completed", 0.9, 0.5, 0.6).summary()).doesNotContain("still falling");
    }
}
