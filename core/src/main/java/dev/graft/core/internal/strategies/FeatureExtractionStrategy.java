package dev.graft.core.internal.strategies;

import dev.graft.core.internal.heads.SolvedLinearHead;
import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.strategy.Plans;
import dev.graft.core.strategy.StrategyOptions;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backbone stays frozen (BatchNorm statistics too); only the new head trains. Option
 * {@code head=solve|sgd}: for a classification task the linear head is by default solved on the
 * cached features ({@link SolvedLinearHead}); {@code sgd} trains it with the run's optimizer,
 * epochs and early stopping. Other tasks default to {@code sgd}.
 */
public final class FeatureExtractionStrategy implements TransferStrategy {
    public static final String ID = "feature-extraction";
    /** Option: {@code solve} (default for classification) or {@code sgd} (the head trained by the optimizer). */
    static final String HEAD = "head";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "backbone frozen (BatchNorm statistics too), new head trained on cached backbone features";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options, Set.of("cache", HEAD));
        boolean cache = o.bool("cache", true);
        boolean solve = solveHead(o, c);
        List<Phase> phases = List.of(new Phase(0, "head only",
                List.of(ParamGroup.frozen("backbone", Plans.backbonePattern(c)), Plans.head(c))));
        String text = "feature extraction: the backbone '" + c.backbone() + "' is frozen"
                + (Plans.hasBatchNorm(c) ? ", BatchNorm layers use their moving statistics and never update them" : "")
                + "; only the head trains"
                + (solve ? ", solved as the linear probe is (standardised features, L2 logistic regression by L-BFGS, C by "
                        + "stratified cross-validation on the training part; the standardisation folded into the head)."
                        : " by gradient steps (head=sgd).")
                + (cache ? " Backbone features are computed once per example and cached on disk."
                        : " Features are recomputed every step (cache=false).")
                + "\n" + Plans.describe(c, phases, BatchNormPolicy.FROZEN);
        TransferPlan plan = new TransferPlan(ID, phases, cache, 0, text);
        return solve ? plan.with(new SolvedLinearHead(o.string(HEAD).isPresent())) : plan;
    }

    /** Whether the head is solved: option {@code head}, default {@code solve} for classification. */
    static boolean solveHead(StrategyOptions o, PlanContext c) {
        String v = o.choice(HEAD, c.classes() >= 2 ? "solve" : "sgd", java.util.List.of("solve", "sgd"));
        if (v.equals("solve") && c.classes() < 2) {
            throw o.bad(HEAD, v, "'sgd' (a solved head needs a classification task)");
        }
        return v.equals("solve");
    }
}
