package dev.graft.core.internal.strategies;

import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.strategy.Plans;
import dev.graft.core.strategy.StrategyOptions;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * LoRA (Hu et al. 2021): the backbone stays frozen; low-rank adapters on the target kernels train
 * with the head, and are merged into the kernels when the model is saved, so the saved model is the
 * plain network. Options: {@code rank} (8), {@code alpha} (2 x rank), {@code dropout} (0, on the
 * adapters' input where a kernel feeds a matmul), {@code targets} (comma-separated parameter
 * patterns; default: the attention query, key, value and output kernels of transformers,
 * {@link #DEFAULT_TARGETS}; convolution kernels are allowed),
 * {@code lrFactor} (adapter learning rate relative to the head's, which trains at the trainer's rate;
 * default 2, e.g. 2e-3 beside a head at 1e-3, and 1 for transformer encoders of more than 6 layers,
 * as the fine-tuning recipe's backbone rate also falls above 6 layers).
 *
 * <p>Adapters start at {@code B = 0} and need a higher rate than full fine-tuning (Hu et al.; PEFT
 * practice: 5e-4 to 2e-3 with warmup and linear decay). On the 6-layer MiniLM proxy, trained with
 * the transformer recipe, adapters at 2x the head's rate beat 1x on both project tasks, and
 * adapting all four attention kernels beat query and value alone on both; LoRA keeps improving
 * past 10 epochs, so {@code graft fit} trains it for 20 with early stopping. On 12-layer BERT-Base
 * adapters at 2x overfit within 3 epochs (0.746 test accuracy) while 1x matched full fine-tuning
 * (0.841 against 0.825, both at a 20-epoch budget). See
 * docs/strategies-benchmark.md for the runs and the BERT-Base comparison.
 */
public final class LoraStrategy implements TransferStrategy {
    public static final String ID = "lora";
    /** Query, key, value and attention output kernels: 0.54 % of BERT-Base's parameters at rank 8. */
    public static final String DEFAULT_TARGETS =
            "backbone.**.query.kernel,backbone.**.key.kernel,backbone.**.value.kernel,backbone.**.attention.output.kernel";
    /** Adapter learning rate relative to the head's (see docs/strategies-benchmark.md for the evidence). */
    public static final double DEFAULT_LR_FACTOR = 2.0;
    /** The same for transformer encoders of more than 6 layers (BERT-Base). */
    public static final double DEEP_LR_FACTOR = 1.0;
    static final Set<String> OPTIONS = Set.of("rank", "alpha", "dropout", "targets", "lrFactor");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "backbone frozen; low-rank adapters on attention (or chosen) kernels train with the head, merged when saved";
    }

    @Override
    public TransferPlan plan(PlanContext c, Map<String, String> options) {
        StrategyOptions o = StrategyOptions.of(ID, options, OPTIONS);
        int rank = o.integer("rank", 8, 1);
        double alpha = o.positive("alpha", 2.0 * rank);
        double dropout = o.fraction("dropout", 0);
        double lrFactor = o.positive("lrFactor",
                FineTuningStrategy.transformerLayers(c) > 6 ? DEEP_LR_FACTOR : DEFAULT_LR_FACTOR);
        String targetText = o.string("targets").orElse(DEFAULT_TARGETS);
        List<String> targets = Arrays.stream(targetText.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        if (targets.isEmpty()) {
            throw o.bad("targets", targetText, "comma-separated parameter patterns, e.g. " + DEFAULT_TARGETS);
        }
        for (String t : targets) {
            try {
                ParamGroup.toRegex(t);
            } catch (RuntimeException e) {
                throw o.bad("targets", t, "a parameter pattern (glob or re:regex): " + e.getMessage());
            }
        }
        if (!c.parameters().isEmpty()) {
            long hits = targets.stream().mapToLong(t -> Plans.matching(c, t).size()).sum();
            if (hits == 0) {
                throw o.bad("targets", targetText, "patterns that match kernels of backbone '" + c.backbone()
                        + "'; its parameters look like " + c.parameters().stream().limit(6).toList());
            }
        }
        LoraAdapter adapter = new LoraAdapter(rank, alpha, dropout, targets);
        List<Phase> phases = List.of(new Phase(0, "lora adapters and the head", List.of(
                ParamGroup.trainable("lora adapters", LoraAdapter.PATTERN, lrFactor),
                ParamGroup.frozen("backbone", Plans.backbonePattern(c)),
                Plans.head(c))));
        String text = String.format(Locale.ROOT, "lora: backbone '%s' frozen; rank-%d adapters (alpha %s, scale %.3g, "
                + "dropout %s) on %s train at lr %.3g with the head; merged into the kernels when saved.", c.backbone(), rank,
                alpha, alpha / rank, dropout, targets, c.headLearningRate() * lrFactor) + "\n" + Plans.describe(c, phases);
        return new TransferPlan(ID, phases, false, 0, text, TransferPlan.FEATURES, List.of(adapter));
    }
}
