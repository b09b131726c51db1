package dev.graft.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.train.LearningRateSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    @Test
    void everyScheduleIsSelectableByTextAndReadsBackItsOwnText() {
        for (Schedule s : List.of(Schedule.constant(), Schedule.cosine(), Schedule.linear().withWarmup(0.1), Schedule.step(2, 0.5),
                Schedule.oneCycle(0.25))) {
            assertThat(Schedule.parse(s.toString())).isEqualTo(s);
            assertThat(TrainerConfig.defaults().withSchedule(s).scheduleSpec()).isEqualTo(s);
        }
        assertThat(Schedule.parse("step:every=3,gamma=0.2")).isEqualTo(Schedule.step(3, 0.2));
    }

    @Test
    void linearWarmupThenLinearDecayMatchesAPlainComputation() {
        LearningRateSchedule s = Schedule.linear().withWarmup(0.1).build(2e-5, 100, 10, 0);
        for (int step = 0; step < 100; step++) {
            double expected = step < 10 ? 2e-5 * (step + 1) / 11 : 2e-5 * Math.max(0, 1 - (step - 10) / 90.0);
            assertThat(s.at(step)).as("step %d", step).isCloseTo(expected, within(1e-15));
        }
    }

    @Test
    void stepScheduleDecaysEveryNEpochsAndStrategyWarmupWinsWhenLonger() {
        LearningRateSchedule s = Schedule.step(2, 0.5).build(0.1, 60, 10, 0);
        assertThat(s.at(19)).isEqualTo(0.1);
        assertThat(s.at(20)).isCloseTo(0.05, within(1e-15));
        assertThat(s.at(45)).isCloseTo(0.025, within(1e-15));
        LearningRateSchedule w = Schedule.constant().withWarmup(0.05).build(0.1, 100, 10, 20);
        assertThat(w.at(10)).isLessThan(0.1);
        assertThat(w.at(20)).isEqualTo(0.1);
    }

    @Test
    void oneCyclePeaksAtItsStartFraction() {
        LearningRateSchedule s = Schedule.oneCycle(0.3).build(1.0, 100, 10, 0);
        assertThat(s.at(30)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(0)).isCloseTo(1.0 / 25, within(1e-12));
        assertThat(s.at(99)).isLessThan(0.01);
    }

    @Test
    void badSchedulesNameThePartAtFault() {
        assertThatThrownBy(() -> Schedule.parse("exponential")).hasMessageContaining("'exponential'").hasMessageContaining("linear");
        assertThatThrownBy(() -> Schedule.parse("step:every=0")).hasMessageContaining("every");
        assertThatThrownBy(() -> Schedule.parse("cosine:gamma=0.5")).hasMessageContaining("'gamma'");
        assertThatThrownBy(() -> TrainerConfig.defaults().withSchedule("linear:warmup=1.5")).hasMessageContaining("warmup");
        assertThatThrownBy(() -> TrainerConfig.defaults().withNoWeightDecay(List.of("re:(")))
                .hasMessageContaining("noWeightDecay pattern 're:('");
    }
}
