package dev.graft.core.train;

import dev.graft.engine.spi.train.OptimizerSpec;
import java.util.List;

/**
 * The field's recipe for fine-tuning a pretrained transformer on a small labelled set (Devlin et al.
 * 2019; Mosbach et al. 2021, "On the stability of fine-tuning BERT"; Sun et al. 2019, "How to
 * fine-tune BERT for text classification"), as trainer settings:
 * <ul>
 *   <li>AdamW with decoupled weight decay {@value #WEIGHT_DECAY}, not applied to biases and
 *       LayerNorm parameters ({@link #NO_WEIGHT_DECAY});</li>
 *   <li>linear warmup over {@value #WARMUP} of the steps, then linear decay to 0;</li>
 *   <li>gradients clipped to global norm {@value #CLIP};</li>
 *   <li>enough epochs for small data (Mosbach et al.: more steps, not fewer, make small-data runs
 *       stable), with early stopping on validation loss that restores the best epoch's weights.</li>
 * </ul>
 * The backbone's learning rate is the strategy's ({@code fine-tuning}'s {@code backboneLr}, whose
 * default for transformers follows {@link #backboneLearningRate}); layer-wise decay is its
 * {@code lrDecay} option (Sun et al.: 0.95).
 */
public final class FineTuningRecipe {
    public static final double WEIGHT_DECAY = 0.01;
    public static final double WARMUP = 0.1;
    public static final double CLIP = 1.0;
    public static final int EPOCHS = 10;
    public static final int PATIENCE = 3;
    /** Biases and LayerNorm gammas and betas, as Graft's BERT names them ({@code ...attention.norm.gamma}). */
    public static final List<String> NO_WEIGHT_DECAY = List.of("**.bias", "**.norm.*", "**LayerNorm*");

    private FineTuningRecipe() {
    }

    /**
     * {@code base} with the recipe's optimizer, schedule, weight-decay exclusions, clipping, epochs
     * ({@value #EPOCHS}, or more if {@code base} has more) and early stopping on {@code val_loss}
     * (patience {@value #PATIENCE}, best weights restored); batch size, seed, learning rate (the
     * head's) and validation share stay as in {@code base}.
     */
    public static TrainerConfig transformer(TrainerConfig base) {
        return base.withOptimizer(OptimizerSpec.adamW(WEIGHT_DECAY)).withSchedule(Schedule.linear().withWarmup(WARMUP))
                .withNoWeightDecay(NO_WEIGHT_DECAY).withClipGlobalNorm(CLIP).withEpochs(Math.max(EPOCHS, base.epochs()))
                .withEarlyStopping(EarlyStopping.on("val_loss", PATIENCE));
    }

    /**
     * The field's backbone learning rate for a transformer encoder of {@code blocks} layers: 2e-5 to
     * 5e-5 for BERT-Base-sized encoders (Devlin et al.); small sentence encoders such as the 6-layer
     * MiniLM are usually fine-tuned at higher rates, about 1e-4. Returns 1e-4 up to 6 layers and
     * 3e-5 above.
     */
    public static double backboneLearningRate(int blocks) {
        return blocks <= 6 ? 1e-4 : 3e-5;
    }
}
