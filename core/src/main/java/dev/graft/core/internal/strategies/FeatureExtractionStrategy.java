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
import java.util.Map;
import java.util.Set;

/** The backbone stays frozen (BatchNorm statistics too); only the new head trains. */
public final class FeatureExtractionStrategy implements TransferStrategy {
    public static final String ID = "feature-extraction";

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
        StrategyOptions o = StrategyOptions.of(ID, options, Set.of("cache"));
        boolean cache = o.bool("cache", true);
        List<Phase> phases = List.of(new Phase(0, "head only",
                List.of(ParamGroup.frozen("backbone", Plans.backbonePattern(c)), Plans.head(c))));
        String text = "feature extraction: the backbone '" + c.backbone() + "' is frozen, BatchNorm layers use their "
                + "moving statistics and never update them; only the head trains."
                + (cache ? " Backbone features are computed once per example and cached on disk."
                        : " Features are recomputed every step (cache=false).")
                + "\n" + Plans.describe(c, phases, BatchNormPolicy.FROZEN);
        return new TransferPlan(ID, phases, cache, 0, text);
    }
}
