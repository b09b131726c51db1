package dev.graft.core.train;

import dev.graft.engine.spi.train.OptimizerSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * How the trainer runs. Immutable; change it with the {@code with...} methods.
 *
 * @param epochs             full passes over the training set (>= 1)
 * @param maxSteps           stop after this many optimizer steps in total (0 = no limit)
 * @param batchSize          examples per step
 * @param learningRate       the head's learning rate; strategies scale the backbone's from it
 * @param optimizer          update rule
 * @param schedule           the learning-rate schedule in {@link Schedule}'s text form: {@code constant}, {@code cosine},
 *                           {@code linear}, {@code step:every=2,gamma=0.5}, {@code one-cycle:pctStart=0.3}, each
 *                           optionally with {@code warmup=0.1}
 * @param clipGlobalNorm     gradient clipping (0 = off)
 * @param seed               seeds initial weights, the split, shuffling, augmentation and dropout
 * @param validationFraction share of each class held out for validation when no validation set is given
 * @param topK               k of the top-k accuracy
 * @param earlyStopping      null for none
 * @param checkpointDir      where checkpoints go (null = no checkpoints)
 * @param checkpointEvery    also checkpoint every this many steps (0 = only when the run stops)
 * @param resume             continue from the checkpoint in {@code checkpointDir} if there is one
 * @param progress           draw a progress bar on a terminal, log lines elsewhere
 * @param noWeightDecay      parameter patterns (globs or {@code re:}) the optimizer's weight decay skips, e.g.
 *                           {@code **.bias} and LayerNorm {@code **.norm.*}; within each of the plan's groups
 */
public record TrainerConfig(int epochs, long maxSteps, int batchSize, double learningRate, OptimizerSpec optimizer,
        String schedule, double clipGlobalNorm, long seed, double validationFraction, int topK,
        EarlyStopping earlyStopping, Path checkpointDir, int checkpointEvery, boolean resume, boolean progress,
        List<String> noWeightDecay) {
    /** The schedule names (see {@link Schedule} for their parameters). */
    public static final List<String> SCHEDULES = List.of("constant", "cosine", "linear", "step", "one-cycle");

    public TrainerConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0, got " + maxSteps);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive finite number, got " + learningRate);
        }
        Schedule.parse(schedule);
        noWeightDecay = List.copyOf(noWeightDecay);
        for (String p : noWeightDecay) {
            try {
                dev.graft.engine.spi.train.ParamGroup.toRegex(p);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("noWeightDecay pattern '" + p + "' is invalid: " + e.getMessage(), e);
            }
        }
        if (!(clipGlobalNorm >= 0)) {
            throw new IllegalArgumentException("clipGlobalNorm must be >= 0, got " + clipGlobalNorm);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (topK < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, got " + topK);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0, got " + checkpointEvery);
        }
        if (resume && checkpointDir == null) {
            throw new IllegalArgumentException("resume needs a checkpoint directory");
        }
    }

    /** 10 epochs, batch 32, Adam at 1e-3, constant schedule, seed 42, 20% validation, top-5. */
    public static TrainerConfig defaults() {
        return new TrainerConfig(10, 0, 32, 1e-3, OptimizerSpec.adam(), "constant", 0, 42, 0.2, 5, null, null, 0,
                false, false, List.of());
    }

    public TrainerConfig withEpochs(int v) {
        return new TrainerConfig(v, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withMaxSteps(long v) {
        return new TrainerConfig(epochs, v, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withBatchSize(int v) {
        return new TrainerConfig(epochs, maxSteps, v, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withLearningRate(double v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, v, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withOptimizer(OptimizerSpec v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, v, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withSchedule(String v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, v, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    /** The schedule, typed. */
    public TrainerConfig withSchedule(Schedule v) {
        return withSchedule(v.toString());
    }

    /** The schedule, typed. */
    public Schedule scheduleSpec() {
        return Schedule.parse(schedule);
    }

    /**
     * Parameter patterns the optimizer's weight decay skips (e.g. {@code **.bias}, {@code **.norm.*} for
     * transformers' biases and LayerNorms), within each group of the plan.
     */
    public TrainerConfig withNoWeightDecay(List<String> patterns) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, patterns);
    }

    public TrainerConfig withClipGlobalNorm(double v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, v, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withSeed(long v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, v,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withValidationFraction(double v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                v, topK, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withTopK(int v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, v, earlyStopping, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    public TrainerConfig withEarlyStopping(EarlyStopping v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, v, checkpointDir, checkpointEvery, resume, progress, noWeightDecay);
    }

    /** Checkpoints into {@code dir} every {@code everySteps} steps (0 = only at the end) and when stopped. */
    public TrainerConfig withCheckpoints(Path dir, int everySteps) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, dir, everySteps, resume, progress, noWeightDecay);
    }

    public TrainerConfig withResume(boolean v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, v, progress, noWeightDecay);
    }

    public TrainerConfig withProgress(boolean v) {
        return new TrainerConfig(epochs, maxSteps, batchSize, learningRate, optimizer, schedule, clipGlobalNorm, seed,
                validationFraction, topK, earlyStopping, checkpointDir, checkpointEvery, resume, v, noWeightDecay);
    }
}
