package dev.graft.core.spi;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.train.LearningRateSchedule;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Called around every optimizer step. It may change the learning rate per step (the schedule it
 * returns is read by the engine at every step) and inspect the step's outcome and, on demand, the
 * current parameter values. It must not keep references to engine objects.
 */
public interface StepHook extends RunExtension {
    /** The schedule to train with, given the configured one (default: unchanged). */
    default LearningRateSchedule schedule(LearningRateSchedule configured) {
        return configured;
    }

    /**
     * After a step.
     *
     * @param step       the step just taken (0-based)
     * @param epoch      its epoch (0-based)
     * @param loss       the batch loss before the update
     * @param learningRate the base learning rate used
     * @param parameters current parameter values (copied from the engine when called: costly for big networks)
     */
    default void afterStep(long step, int epoch, double loss, double learningRate,
            Supplier<Map<String, HostTensor>> parameters) {
    }
}
