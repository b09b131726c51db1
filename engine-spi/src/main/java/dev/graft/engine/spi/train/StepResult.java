package dev.graft.engine.spi.train;

/**
 * What one training step did.
 *
 * @param step          the optimizer step just taken (0-based)
 * @param loss          the batch loss before the update
 * @param gradientNorm  global L2 norm of the gradients before clipping
 * @param learningRate  the scheduled base learning rate used
 */
public record StepResult(long step, double loss, double gradientNorm, double learningRate) {
}
