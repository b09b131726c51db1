package dev.graft.core.train;

/**
 * Follows a training run: progress bars, learning curves, logs. Called on the training thread;
 * an exception thrown here aborts the run (the last checkpoint stays valid).
 */
public interface TrainingListener {
    /**
     * Something the user must know about the run before trusting its figures, e.g. that the backbone
     * has no pretrained weights so the run trains from scratch. Called before training starts.
     */
    default void onWarning(String message) {
    }

    /**
     * Frozen backbone features being computed before training: {@code done} of the {@code total} examples
     * that were not in the feature cache (called with 0 before the first batch, then after every batch).
     */
    default void onFeatures(int done, int total) {
    }

    /** Before the first step (or the first step after a resume). */
    default void onStart(int epochs, int stepsPerEpoch, long totalSteps, int trainExamples, String plan) {
    }

    /**
     * The run continues from {@code checkpoint}: epoch {@code epoch} (0-based) with {@code stepInEpoch} of its steps
     * already taken, at optimizer step {@code step}. Called right after {@link #onStart}.
     */
    default void onResume(java.nio.file.Path checkpoint, int epoch, int stepInEpoch, long step) {
    }

    /** A new strategy phase took effect (gradual unfreezing). */
    default void onPhase(int epoch, String description, long trainableParameters) {
    }

    default void onStep(StepEvent event) {
    }

    default void onEpoch(EpochMetrics metrics) {
    }

    /** A checkpoint was written. */
    default void onCheckpoint(java.nio.file.Path file, long step) {
    }

    default void onEnd(TrainingHistory history) {
    }
}
