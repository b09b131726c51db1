package dev.graft.core.spi;

/**
 * An optional extension of a training run, beside the plan's parameter groups. A strategy returns
 * the extensions it needs in {@link TransferPlan#extensions()} (built from its options), or
 * implements them itself; the run applies each kind where it belongs:
 * <ul>
 *   <li>{@link NetworkAdapter}: rewrites the network definition before it is compiled (adds
 *       parameters, rewrites ops) and folds its parameters back for saving;</li>
 *   <li>{@link LossTerm}: adds a term to the task loss (it may read frozen copies of the
 *       pretrained weights);</li>
 *   <li>{@link StepHook}: per-step learning rates and inspection;</li>
 *   <li>{@link TrainingObjective}: replaces the task's batches and loss for some phases (pairs of
 *       examples and a contrastive loss, as SetFit does).</li>
 * </ul>
 * All of them work on the engine-neutral network definition, so every engine runs them unchanged.
 */
public interface RunExtension {
    /** One line for plans and errors, e.g. {@code lora r=8 alpha=16 on 24 kernels}. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
