package dev.graft.example.strategy;

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
 * Linear probing, then fine-tuning (Kumar et al., "Fine-Tuning can Distort Pretrained Features",
 * ICLR 2022): for {@code probeEpochs} the backbone is frozen and only the head trains; then every
 * parameter trains, the whole network at {@code finetuneLrFactor} times the head learning rate.
 *
 * <p>Options: {@code probeEpochs} (default: half the epochs, at least 1), {@code finetuneLrFactor}
 * (in (0, 1], default 0.1), {@code batchNorm} ({@code frozen}, {@code affine} (default), {@code train}).
 */
public final class LinearProbeThenFinetune implements TransferStrategy {
    public static final String ID = "linear-probe-then-finetune";

    /** ServiceLoader needs a public no-argument constructor. */
    public LinearProbeThenFinetune() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "train the head on the frozen backbone, then fine-tune everything with a lower learning rate";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options, Set.of("probeEpochs", "finetuneLrFactor", "batchNorm"));
        int probe = o.integer("probeEpochs", Math.max(1, c.epochs() / 2), 1);
        if (probe >= c.epochs()) {
            throw o.bad("probeEpochs", Integer.toString(probe), "fewer than the " + c.epochs()
                    + " planned epochs, so that fine-tuning has at least one epoch");
        }
        double factor = o.inRange("finetuneLrFactor", 0.1, 0, 1);
        BatchNormPolicy bn = switch (o.choice("batchNorm", "affine", List.of("frozen", "affine", "train"))) {
            case "frozen" -> BatchNormPolicy.FROZEN;
            case "train" -> BatchNormPolicy.TRAIN;
            default -> BatchNormPolicy.AFFINE_ONLY;
        };
        Phase linearProbe = new Phase(0, "linear probe: head only",
                List.of(ParamGroup.frozen("backbone", Plans.backbonePattern(c)), Plans.head(c)));
        Phase fineTune = new Phase(probe, "fine-tune everything",
                Plans.batchNorm(c, List.of(ParamGroup.trainable("backbone", Plans.backbonePattern(c), factor),
                        ParamGroup.trainable("head", Plans.headPattern(c), factor)), bn));
        List<Phase> phases = List.of(linearProbe, fineTune);
        String text = String.format(Locale.ROOT, "linear probe then fine-tune: %d epoch(s) of head-only training on the "
                + "frozen backbone '%s', then all parameters at lr %.3g.", probe, c.backbone(), c.headLearningRate() * factor)
                + "\n" + Plans.describe(c, phases, bn);
        // the backbone trains in the second phase, so its features cannot be cached
        return new TransferPlan(ID, phases, false, 0, text);
    }
}
