package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.FineTuningRecipe;
import dev.graft.core.train.TrainerConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training defaults of {@code graft fit}, which depend on the strategy and the backbone; options
 * given on the command line win over them. {@code graft quickstart} trains with the same settings and
 * {@code graft recommend}'s "try:" line relies on them.
 * <ul>
 *   <li>A head on frozen features ({@code feature-extraction}) is cheap to train: up to
 *       {@value #FROZEN_EPOCHS} epochs at lr {@value #FROZEN_LR}, early stopping on validation loss
 *       (patience {@value #FROZEN_PATIENCE}) restoring the best epoch's weights. For classification the
 *       default head is solved in closed form and ignores epochs and learning rate; they apply to
 *       {@code -S head=sgd} and to the other tasks.</li>
 *   <li>Fine-tuning and hybrid of a transformer encoder follow {@link FineTuningRecipe}: AdamW with
 *       decoupled weight decay (biases and LayerNorms spared), linear warmup and decay, gradient
 *       clipping, {@value FineTuningRecipe#EPOCHS} epochs with early stopping, head lr {@value #LR}.</li>
 *   <li>LoRA on a transformer encoder: the same recipe for {@value #LORA_EPOCHS} epochs (adapters start at
 *       {@code B = 0}; on the MiniLM proxy they kept improving after 10 epochs, and early stopping ends
 *       the runs that converge sooner; docs/strategies-benchmark.md).</li>
 *   <li>Everything else: {@value #EPOCHS} epochs of Adam at lr {@value #LR}, early stopping on
 *       validation loss (patience {@value #PATIENCE}) restoring the best weights.</li>
 * </ul>
 * Batch size ({@value #BATCH}), seed and validation share are the same for all.
 */
final class FitDefaults {
    static final int FROZEN_EPOCHS = 100;
    static final double FROZEN_LR = 1e-2;
    static final int FROZEN_PATIENCE = 5;
    static final int EPOCHS = 10;
    static final int LORA_EPOCHS = 20;
    static final double LR = 1e-3;
    static final int PATIENCE = 3;
    static final int BATCH = 32;

    /** Which defaults a run gets. */
    enum Kind {
        FROZEN_HEAD("a head on frozen features"),
        TRANSFORMER_FINE_TUNING("fine-tuning a transformer (the field's recipe)"),
        TRANSFORMER_LORA("LoRA on a transformer (the field's recipe, " + LORA_EPOCHS + " epochs)"),
        GENERAL("training a backbone with its head");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private FitDefaults() {
    }

    /**
     * Whether a run needs examples held out of its training, when no validation file is given: a head solved by
     * cross-validation (the linear classification head of {@code feature-extraction} and {@code setfit} unless
     * {@code -S head=sgd}) chooses its one hyper-parameter inside the training examples and does not stop early, so
     * it trains on every example; anything else holds out a validation share for early stopping.
     */
    enum Holdout {
        /** Solved head on frozen features: its cross-validated figure is a held-out figure for every fold. */
        NONE_FROZEN,
        /** Solved head on a backbone tuned on the same labels (setfit): its cross-validated figure is optimistic. */
        NONE_TUNED,
        /** Validation examples held out (early stopping and the figures printed). */
        VALIDATION
    }

    /** The {@link Holdout} of a run of {@code strategy} with these options, head and task. */
    static Holdout holdout(String strategy, Map<String, String> options, String head, List<Integer> hidden,
            dev.graft.core.spi.Task task) {
        boolean solved = task == dev.graft.core.spi.Task.CLASSIFICATION && head.equals("linear") && hidden.isEmpty()
                && !"sgd".equals(options.get("head"));
        if (solved && strategy.equals("feature-extraction")) {
            return Holdout.NONE_FROZEN;
        }
        return solved && strategy.equals("setfit") ? Holdout.NONE_TUNED : Holdout.VALIDATION;
    }

    /** The kind of defaults for a strategy; {@code transformer}: the backbone is a transformer encoder. */
    static Kind kind(String strategy, boolean transformer) {
        if (strategy.equals("feature-extraction")) {
            return Kind.FROZEN_HEAD;
        }
        if (transformer && (strategy.equals("fine-tuning") || strategy.equals("hybrid"))) {
            return Kind.TRANSFORMER_FINE_TUNING;
        }
        if (transformer && strategy.equals("lora")) {
            return Kind.TRANSFORMER_LORA;
        }
        return Kind.GENERAL;
    }

    /** The defaults of {@code kind} on top of {@code base} (which holds batch size, seed, validation share, progress). */
    static TrainerConfig config(Kind kind, TrainerConfig base) {
        return switch (kind) {
            case FROZEN_HEAD -> base.withEpochs(FROZEN_EPOCHS).withLearningRate(FROZEN_LR)
                    .withEarlyStopping(EarlyStopping.on("val_loss", FROZEN_PATIENCE));
            case TRANSFORMER_FINE_TUNING -> FineTuningRecipe.transformer(base.withEpochs(FineTuningRecipe.EPOCHS).withLearningRate(LR));
            case TRANSFORMER_LORA -> FineTuningRecipe.transformer(base.withLearningRate(LR)).withEpochs(LORA_EPOCHS);
            case GENERAL -> base.withEpochs(EPOCHS).withLearningRate(LR).withEarlyStopping(EarlyStopping.on("val_loss", PATIENCE));
        };
    }

    /** The defaults for a run with the usual batch size, seed and validation share. */
    static TrainerConfig config(Kind kind) {
        return config(kind, TrainerConfig.defaults().withBatchSize(BATCH));
    }

    /** One line naming the settings of a run whose defaults were of {@code kind}, e.g. for the log of {@code graft fit}. */
    static String describe(Kind kind, TrainerConfig t) {
        EarlyStopping es = t.earlyStopping();
        return String.format(Locale.ROOT, "%d epochs, batch %d, lr %s, %s, schedule %s%s%s, %s", t.epochs(),
                t.batchSize(), num(t.learningRate()), optimizer(t.optimizer()), t.schedule(),
                t.clipGlobalNorm() > 0 ? ", gradients clipped to norm " + num(t.clipGlobalNorm()) : "",
                t.noWeightDecay().isEmpty() ? "" : ", no weight decay on " + t.noWeightDecay(),
                es == null ? "no early stopping" : "early stopping on " + es.metric() + " (patience " + es.patience()
                        + (es.restoreBest() ? ", best weights restored)" : ")"))
                + (kind == Kind.FROZEN_HEAD ? "; a solved head (the default for classification) ignores epochs and lr" : "");
    }

    static String optimizer(dev.graft.engine.spi.train.OptimizerSpec o) {
        if (o instanceof dev.graft.engine.spi.train.OptimizerSpec.Adam a) {
            return a.decoupledWeightDecay() > 0 ? "AdamW (weight decay " + num(a.decoupledWeightDecay()) + ")" : "Adam";
        }
        if (o instanceof dev.graft.engine.spi.train.OptimizerSpec.Sgd g) {
            return g.momentum() == 0 ? "SGD" : (g.nesterov() ? "Nesterov momentum " : "SGD with momentum ") + num(g.momentum());
        }
        return o.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3g", v).replaceAll("\\.?0+(e|$)", "$1");
    }

    /** Whether the blocks are a transformer encoder's ({@code encoder.layer_N}), as the fine-tuning strategy tells. */
    static boolean transformer(List<Block> blocks) {
        return dev.graft.core.recommend.Recommender.transformerEncoder(blocks.stream().map(Block::name).toList());
    }

    /** Whether a named backbone is a transformer encoder; false when it cannot be created here (it fails later, clearly). */
    static boolean transformer(Graft g, String backbone, Map<String, String> options, String engineId, long seed) {
        try (Backbone b = g.create(backbone, options, g.context(engineId, seed))) {
            return transformer(b.blocks());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
