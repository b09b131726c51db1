package dev.graft.core.train;

/**
 * One optimizer step.
 *
 * @param epoch          0-based epoch
 * @param stepInEpoch    1-based step within the epoch
 * @param stepsPerEpoch  steps in a full epoch
 * @param globalStep     optimizer steps taken so far, this one included
 * @param totalSteps     steps the run will take if it is not stopped early
 * @param examples       examples in this step's batch
 * @param loss           batch loss
 * @param learningRate   base learning rate of the step
 */
public record StepEvent(int epoch, int stepInEpoch, int stepsPerEpoch, long globalStep, long totalSteps, int examples,
        double loss, double learningRate) {
}
