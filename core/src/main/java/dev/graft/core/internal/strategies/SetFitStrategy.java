package dev.graft.core.internal.strategies;

import dev.graft.core.internal.heads.SolvedLinearHead;
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
 * SetFit (Tunstall et al. 2022) for few labels: first {@code bodyEpochs} epochs tune the backbone
 * contrastively on pairs of labelled examples ({@link SetFitObjective}); the remaining epochs train
 * the head on the tuned, frozen backbone. Options, with the paper's defaults: {@code bodyEpochs} (1),
 * {@code pairs} per example and epoch (40, half of them same-class: the paper's R = 20 iterations,
 * each drawing one positive and one negative partner per example), {@code bodyLr} (2e-5, the
 * paper's learning rate for the sentence encoder), {@code head=solve|sgd} (solve: logistic regression
 * on the tuned embeddings, as the paper's head, solved as {@link SolvedLinearHead} does; sgd: the
 * head trained by the run's optimizer for the remaining epochs).
 */
public final class SetFitStrategy implements TransferStrategy {
    public static final String ID = "setfit";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "contrastive tuning of the backbone on pairs of labelled examples, then the head on the tuned backbone";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options, Set.of("bodyEpochs", "pairs", "bodyLr",
                FeatureExtractionStrategy.HEAD));
        int bodyEpochs = o.integer("bodyEpochs", 1, 1);
        if (bodyEpochs >= c.epochs()) {
            throw o.bad("bodyEpochs", Integer.toString(bodyEpochs), "fewer than the " + c.epochs()
                    + " planned epochs, so that the head trains for at least one");
        }
        int pairs = o.integer("pairs", 40, 1);
        double bodyLr = o.positive("bodyLr", 2e-5);
        boolean solve = FeatureExtractionStrategy.solveHead(o, c);
        if (c.classes() < 2) {
            throw new IllegalArgumentException("strategy 'setfit' needs a classification task with at least two classes");
        }
        Phase body = new Phase(0, "contrastive tuning of the backbone on pairs",
                List.of(ParamGroup.trainable("backbone", Plans.backbonePattern(c), bodyLr / c.headLearningRate())
                        .withBatchStatistics(false)));
        Phase head = new Phase(bodyEpochs, "head on the tuned backbone",
                List.of(ParamGroup.frozen("backbone", Plans.backbonePattern(c)), Plans.head(c)));
        List<Phase> phases = List.of(body, head);
        String text = String.format(Locale.ROOT, "setfit: %d epoch(s) of contrastive tuning of backbone '%s' on %d pair(s) per "
                + "example (lr %.3g), then the head on the frozen tuned backbone (%s).", bodyEpochs, c.backbone(), pairs, bodyLr,
                solve ? "solved: logistic regression on the tuned embeddings" : "trained by gradient steps")
                + "\n" + Plans.describe(c, phases);
        TransferPlan plan = new TransferPlan(ID, phases, false, 0, text, TransferPlan.FEATURES,
                List.of(new SetFitObjective(body, pairs)));
        return solve ? plan.with(new SolvedLinearHead(o.string(FeatureExtractionStrategy.HEAD).isPresent())) : plan;
    }
}
