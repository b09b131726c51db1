package dev.graft.core.internal.strategies;

import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.strategy.Plans;
import dev.graft.core.strategy.StrategyOptions;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import dev.graft.core.train.FineTuningRecipe;
import java.util.Map;
import java.util.Set;

/**
 * Blocks below the cut point ({@code cut=<block name or index>}) stay frozen; the cut block and
 * those above fine-tune with the head at {@code backboneLr} (default as fine-tuning's: for a
 * transformer encoder {@link FineTuningRecipe#backboneLearningRate}, otherwise head LR / 10). With
 * {@code unfreezeEvery=K} the head trains alone first and every K epochs one more block that holds
 * parameters unfreezes (a parameter-free block such as a pooling block goes with the next one), top
 * down, until the cut point is reached.
 */
public final class HybridStrategy implements TransferStrategy {
    public static final String ID = "hybrid";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "blocks below a cut point frozen, the rest fine-tuned with the head; optional gradual unfreezing";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options,
                Set.of("cut", "unfreezeEvery", "backboneLr", "warmupEpochs", BatchNormOption.KEY));
        int n = c.blocks().size();
        String cutText = o.string("cut").orElseThrow(() -> new IllegalArgumentException("strategy '" + ID
                + "' needs option cut=<block>; valid cut points for backbone '" + c.backbone() + "': "
                + c.blocks().stream().map(Block::name).toList()));
        int cut = Plans.blockIndex(c, ID, cutText);
        int every = o.integer("unfreezeEvery", 0, 0);
        int layers = FineTuningStrategy.transformerLayers(c);
        double backboneLr = o.positive("backboneLr", layers > 0 ? FineTuningRecipe.backboneLearningRate(layers)
                : c.headLearningRate() / 10);
        int warmup = o.integer("warmupEpochs", 0, 0);
        BatchNormPolicy bn = BatchNormOption.read(o, BatchNormPolicy.AFFINE_ONLY);
        int top = n - cut;
        List<Phase> phases = new ArrayList<>();
        if (every == 0) {
            phases.add(new Phase(0, "blocks from '" + c.blocks().get(cut).name() + "' up and the head",
                    Plans.batchNorm(c, FineTuningStrategy.trainTop(c, top, backboneLr, 1.0), bn)));
        } else {
            phases.add(new Phase(0, "head only", Plans.batchNorm(c, FineTuningStrategy.trainTop(c, 0, backboneLr, 1.0), bn)));
            // one more block with parameters each step: a block without any (a pooling block) joins the next step
            int k = 0;
            for (int i = n - 1; i >= cut; i--) {
                Block b = c.blocks().get(i);
                if (!Plans.hasParameters(c, b)) {
                    continue;
                }
                k++;
                phases.add(new Phase(k * every, "blocks down to '" + b.name() + "' (" + k + " with parameters) and the head",
                        Plans.batchNorm(c, FineTuningStrategy.trainTop(c, n - i, backboneLr, 1.0), bn)));
            }
        }
        String text = String.format(Locale.ROOT, "hybrid: backbone '%s' frozen below '%s' (%d of %d blocks frozen); "
                + "the rest trains at lr %.3g with the head (lr %.3g)%s.", c.backbone(), c.blocks().get(cut).name(), cut, n,
                backboneLr, c.headLearningRate(), every > 0 ? "; gradual unfreezing: one more block with parameters every "
                        + every + " epoch(s), top down" : "")
                + "\n" + Plans.describe(c, phases, bn);
        return new TransferPlan(ID, phases, false, warmup, text);
    }
}
