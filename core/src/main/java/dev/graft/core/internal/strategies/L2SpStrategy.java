package dev.graft.core.internal.strategies;

import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.strategy.Plans;
import dev.graft.core.strategy.StrategyOptions;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * L2-SP (Li et al. 2018): fine-tuning of every block with the head, the loss plus
 * {@code alpha/2 ||w - w0||^2} pulling the backbone toward its pretrained weights {@code w0} and
 * {@code beta/2 ||w||^2} on the new head. Options: {@code alpha} (0.01), {@code beta} (0.01),
 * {@code backboneLr} (head lr / 10), {@code warmupEpochs} (0), {@code batchNorm}
 * ({@code frozen|affine|train}, default affine). The optimizer's own weight decay is switched off for
 * the backbone, which the penalty replaces.
 */
public final class L2SpStrategy implements TransferStrategy {
    public static final String ID = "l2-sp";
    static final Set<String> OPTIONS = Set.of("alpha", "beta", "backboneLr", "warmupEpochs", BatchNormOption.KEY);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "fine-tuning with a penalty pulling the backbone toward its pretrained weights (L2-SP)";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options, OPTIONS);
        double alpha = o.nonNegative("alpha", 0.01);
        double beta = o.nonNegative("beta", 0.01);
        double backboneLr = o.positive("backboneLr", c.headLearningRate() / 10);
        int warmup = o.integer("warmupEpochs", 0, 0);
        BatchNormPolicy bn = BatchNormOption.read(o, BatchNormPolicy.AFFINE_ONLY);
        List<ParamGroup> groups = FineTuningStrategy.trainTop(c, c.blocks().size(), backboneLr, 1.0).stream()
                .map(g -> g.pattern().startsWith(c.backboneScope()) && !g.frozen()
                        ? new ParamGroup(g.name(), g.pattern(), false, g.lrMultiplier(), 0.0, g.batchStatistics()) : g)
                .toList();
        List<Phase> phases = List.of(new Phase(0, "all blocks and the head, pulled toward the pretrained weights",
                Plans.batchNorm(c, groups, bn)));
        String text = String.format(Locale.ROOT, "l2-sp: all of backbone '%s' trains with the head (backbone lr %.3g, head lr "
                + "%.3g); the loss adds alpha/2 ||w - w0||^2 (alpha %s) toward the pretrained weights and beta/2 ||w||^2 "
                + "(beta %s) on the head.", c.backbone(), backboneLr, c.headLearningRate(), alpha, beta)
                + "\n" + Plans.describe(c, phases, bn);
        L2SpTerm term = new L2SpTerm(alpha, beta, Plans.backbonePattern(c), Plans.headPattern(c));
        return new TransferPlan(ID, phases, false, warmup, text, TransferPlan.FEATURES, List.of(term));
    }
}
