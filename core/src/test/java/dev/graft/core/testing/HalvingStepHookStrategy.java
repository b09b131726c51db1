package dev.graft.core.testing;

import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.StepHook;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.strategy.Plans;
import dev.graft.core.strategy.StrategyOptions;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A test strategy that is its own step hook: head-only training whose learning rate is halved on
 * every odd step; it records each step it sees (step, learning rate, a head weight).
 */
public final class HalvingStepHookStrategy implements TransferStrategy, StepHook {
    public static final String ID = "test-halving-steps";
    /** {step, learning rate, head.out.kernel[0]} per step seen, across runs (tests run one at a time). */
    public static final List<double[]> SEEN = new CopyOnWriteArrayList<>();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "test: head only, learning rate halved on odd steps";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions.of(ID, options, Set.of());
        List<Phase> phases = List.of(new Phase(0, "head only",
                List.of(ParamGroup.frozen("backbone", Plans.backbonePattern(c)), Plans.head(c))));
        return new TransferPlan(ID, phases, false, 0, "test");
    }

    @Override
    public LearningRateSchedule schedule(LearningRateSchedule configured) {
        return step -> step % 2 == 1 ? configured.at(step) / 2 : configured.at(step);
    }

    @Override
    public void afterStep(long step, int epoch, double loss, double learningRate, Supplier<Map<String, HostTensor>> parameters) {
        SEEN.add(new double[] {step, learningRate, parameters.get().get("head.out.kernel").floats()[0]});
    }
}
