package dev.graft.engine.spi.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void constantAndStepDecay() {
        assertThat(LearningRateSchedule.constant(0.3).at(1000)).isEqualTo(0.3);
        LearningRateSchedule s = LearningRateSchedule.step(0.1, 10, 0.5);
        assertThat(s.at(0)).isEqualTo(0.1);
        assertThat(s.at(9)).isEqualTo(0.1);
        assertThat(s.at(10)).isCloseTo(0.05, within(1e-15));
        assertThat(s.at(35)).isCloseTo(0.0125, within(1e-15));
    }

    @Test
    void cosineFallsFromLrToMinThenStaysFlat() {
        LearningRateSchedule s = LearningRateSchedule.cosine(1.0, 100, 0.1);
        assertThat(s.at(0)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(50)).isCloseTo(0.55, within(1e-12));
        assertThat(s.at(25)).isCloseTo(0.1 + 0.9 * (1 + Math.sqrt(0.5)) / 2, within(1e-12));
        assertThat(s.at(100)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(500)).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void warmupRisesLinearlyThenHandsOverShifted() {
        LearningRateSchedule s = LearningRateSchedule.warmup(4, LearningRateSchedule.step(1.0, 2, 0.1));
        assertThat(s.at(0)).isCloseTo(0.2, within(1e-12));
        assertThat(s.at(3)).isCloseTo(0.8, within(1e-12));
        assertThat(s.at(4)).isEqualTo(1.0);
        assertThat(s.at(6)).isCloseTo(0.1, within(1e-12));
        assertThat(LearningRateSchedule.warmup(0, LearningRateSchedule.constant(0.5)).at(0)).isEqualTo(0.5);
    }

    @Test
    void oneCycleRisesToMaxThenAnnealsFarBelowTheStart() {
        LearningRateSchedule s = LearningRateSchedule.oneCycle(1.0, 100, 0.3);
        assertThat(s.at(0)).isCloseTo(0.04, within(1e-12));
        assertThat(s.at(15)).isCloseTo(0.04 + 0.96 * 0.5, within(1e-12));
        assertThat(s.at(30)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(65)).isCloseTo((1.0 + 0.04e-4) / 2, within(1e-12));
        assertThat(s.at(100)).isCloseTo(0.04e-4, within(1e-15));
        for (int t = 1; t < 30; t++) {
            assertThat(s.at(t)).isGreaterThan(s.at(t - 1));
        }
        for (int t = 31; t <= 100; t++) {
            assertThat(s.at(t)).isLessThan(s.at(t - 1));
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThatThrownBy(() -> LearningRateSchedule.constant(0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> LearningRateSchedule.constant(Double.NaN)).hasMessageContaining("positive");
        assertThatThrownBy(() -> LearningRateSchedule.step(0.1, 0, 0.5)).hasMessageContaining("period");
        assertThatThrownBy(() -> LearningRateSchedule.cosine(0.1, 0, 0)).hasMessageContaining("totalSteps");
        assertThatThrownBy(() -> LearningRateSchedule.warmup(-1, LearningRateSchedule.constant(1))).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> LearningRateSchedule.oneCycle(0.1, 100, 1.0)).hasMessageContaining("pctStart");
    }
}
