package dev.graft.cli.internal;

import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.train.OptimizerSpec;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Trainer options of {@code graft fit}. */
final class TrainOptions {
    @Option(names = "--epochs", defaultValue = "10", description = "epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "stop after this many steps (0 = no limit)")
    long maxSteps;

    @Option(names = "--batch-size", defaultValue = "32", description = "examples per step (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "head learning rate; strategies scale the backbone's from it (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw, sgd, momentum or nesterov (default ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "decoupled weight decay of adamw (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "constant", paramLabel = "SCHEDULE",
            description = "constant, cosine, linear, step:every=N,gamma=G or one-cycle:pctStart=P, each optionally with "
                    + "warmup=F (linear warmup over that fraction of the steps, e.g. linear:warmup=0.1) (default ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--no-weight-decay", split = ",", paramLabel = "PATTERN",
            description = "parameter patterns the weight decay skips, e.g. '**.bias,**.norm.*' (biases and LayerNorms)")
    java.util.List<String> noWeightDecay = java.util.List.of();

    @Option(names = "--clip-norm", defaultValue = "0", description = "clip gradients to this global norm (0 = off)")
    double clipNorm;

    @Option(names = "--seed", defaultValue = "42", description = "seed of weights, split, shuffling and dropout (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--validation-fraction", defaultValue = "0.2", description = "share of each class held out for validation (default ${DEFAULT-VALUE})")
    double validationFraction;

    @Option(names = "--early-stopping", paramLabel = "METRIC[:PATIENCE]",
            description = "stop when METRIC (val_loss, val_accuracy, val_macro_f1, train_loss...) has not improved for PATIENCE epochs (default 3), restoring the best weights")
    String earlyStopping;

    @Option(names = "--checkpoint-dir", description = "write checkpoints here")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "also checkpoint every N steps")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from the checkpoint in --checkpoint-dir")
    boolean resume;

    TrainerConfig config() {
        OptimizerSpec opt = switch (optimizer) {
            case "adam" -> OptimizerSpec.adam();
            case "adamw" -> OptimizerSpec.adamW(weightDecay);
            case "sgd" -> OptimizerSpec.sgd(0);
            case "momentum" -> OptimizerSpec.sgd(0.9);
            case "nesterov" -> OptimizerSpec.nesterov(0.9);
            default -> throw new UsageException("unknown optimizer '" + optimizer + "'; valid: [adam, adamw, sgd, momentum, nesterov]");
        };
        TrainerConfig t = TrainerConfig.defaults().withEpochs(epochs).withMaxSteps(maxSteps).withBatchSize(batchSize)
                .withLearningRate(learningRate).withOptimizer(opt).withSchedule(schedule).withNoWeightDecay(noWeightDecay).withClipGlobalNorm(clipNorm)
                .withSeed(seed).withValidationFraction(validationFraction).withProgress(true);
        if (earlyStopping != null) {
            String[] p = earlyStopping.split(":", 2);
            int patience;
            try {
                patience = p.length > 1 ? Integer.parseInt(p[1]) : 3;
            } catch (NumberFormatException e) {
                throw new UsageException("--early-stopping wants METRIC[:PATIENCE], e.g. val_loss:3; got '" + earlyStopping + "'");
            }
            t = t.withEarlyStopping(EarlyStopping.on(p[0], patience));
        }
        if (checkpointDir != null) {
            t = t.withCheckpoints(checkpointDir, checkpointEvery);
        }
        return t.withResume(resume);
    }
}
