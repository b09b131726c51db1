package dev.graft.cli.internal;

import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.train.OptimizerSpec;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Trainer options of {@code graft fit}. Options left out take the defaults of the strategy and backbone
 * ({@link FitDefaults}); options given win.
 */
final class TrainOptions {
    static final String BY_STRATEGY = "default: by strategy, see below";

    @Option(names = "--epochs", description = "epochs (" + BY_STRATEGY + ")")
    Integer epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "stop after this many steps (0 = no limit)")
    long maxSteps;

    @Option(names = "--batch-size", defaultValue = "" + FitDefaults.BATCH, description = "examples per step (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", description = "head learning rate; strategies scale the backbone's from it (" + BY_STRATEGY + ")")
    Double learningRate;

    @Option(names = "--optimizer", description = "adam, adamw, sgd, momentum or nesterov (" + BY_STRATEGY + ")")
    String optimizer;

    @Option(names = "--weight-decay", description = "decoupled weight decay of adamw (default 0.01)")
    Double weightDecay;

    @Option(names = "--schedule", paramLabel = "SCHEDULE",
            description = "constant, cosine, linear, step:every=N,gamma=G or one-cycle:pctStart=P, each optionally with "
                    + "warmup=F (linear warmup over that fraction of the steps, e.g. linear:warmup=0.1) (" + BY_STRATEGY + ")")
    String schedule;

    @Option(names = "--no-weight-decay", split = ",", paramLabel = "PATTERN",
            description = "parameter patterns the weight decay skips, e.g. '**.bias,**.norm.*' (biases and LayerNorms)")
    List<String> noWeightDecay;

    @Option(names = "--clip-norm", description = "clip gradients to this global norm (0 = off; " + BY_STRATEGY + ")")
    Double clipNorm;

    @Option(names = "--seed", defaultValue = "42", description = "seed of weights, split, shuffling and dropout (default ${DEFAULT-VALUE})")
    long seed;

    static final double VALIDATION_FRACTION = 0.2;

    @Option(names = "--validation-fraction", paramLabel = "F", description = {"share of each class held out for validation "
            + "(default " + VALIDATION_FRACTION + " where the run uses a validation set; a head solved by cross-validation "
            + "(feature-extraction's and setfit's default) trains on every example instead, unless this is given)"})
    Double validationFraction;

    /** The validation share: the one given, else {@value #VALIDATION_FRACTION}. */
    double validationFraction() {
        return validationFraction != null ? validationFraction : VALIDATION_FRACTION;
    }

    @Option(names = "--early-stopping", paramLabel = "METRIC[:PATIENCE]|none",
            description = "stop when METRIC (val_loss, val_accuracy, val_macro_f1, train_loss...) has not improved for PATIENCE epochs "
                    + "(default 3), restoring the best weights; 'none' trains every epoch (" + BY_STRATEGY + ")")
    String earlyStopping;

    @Option(names = "--checkpoint-dir", description = "write checkpoints here")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "also checkpoint every N steps")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from the checkpoint in --checkpoint-dir")
    boolean resume;

    /** The settings every kind of default shares: batch size, seed, validation share, progress output. */
    TrainerConfig base() {
        return TrainerConfig.defaults().withBatchSize(batchSize).withSeed(seed).withValidationFraction(validationFraction())
                .withProgress(true);
    }

    /**
     * {@code defaults} (built on {@link #base}) with every option the user gave on top. Default early stopping is
     * dropped when there is no validation data to stop on ({@code validationData} false).
     */
    TrainerConfig config(TrainerConfig defaults, boolean validationData) {
        TrainerConfig t = defaults.withMaxSteps(maxSteps);
        if (epochs != null) {
            t = t.withEpochs(epochs);
        }
        if (learningRate != null) {
            t = t.withLearningRate(learningRate);
        }
        if (optimizer != null) {
            double wd = weightDecay != null ? weightDecay : 0.01;
            t = t.withOptimizer(switch (optimizer) {
                case "adam" -> OptimizerSpec.adam();
                case "adamw" -> OptimizerSpec.adamW(wd);
                case "sgd" -> OptimizerSpec.sgd(0);
                case "momentum" -> OptimizerSpec.sgd(0.9);
                case "nesterov" -> OptimizerSpec.nesterov(0.9);
                default -> throw new UsageException("unknown optimizer '" + optimizer + "'; valid: [adam, adamw, sgd, momentum, nesterov]");
            });
            if (weightDecay != null && !optimizer.equals("adamw")) {
                throw new UsageException("--weight-decay applies to --optimizer adamw, not " + optimizer);
            }
        } else if (weightDecay != null) {
            if (!(t.optimizer() instanceof OptimizerSpec.Adam a) || a.decoupledWeightDecay() == 0) {
                throw new UsageException("--weight-decay applies to --optimizer adamw; this run's default optimizer is "
                        + FitDefaults.optimizer(t.optimizer()) + ": add --optimizer adamw");
            }
            t = t.withOptimizer(OptimizerSpec.adamW(weightDecay));
        }
        if (schedule != null) {
            t = t.withSchedule(schedule);
        }
        if (noWeightDecay != null) {
            t = t.withNoWeightDecay(noWeightDecay);
        }
        if (clipNorm != null) {
            t = t.withClipGlobalNorm(clipNorm);
        }
        if (earlyStopping != null) {
            t = t.withEarlyStopping(earlyStopping.equals("none") ? null : parseEarlyStopping(earlyStopping));
        } else if (!validationData && t.earlyStopping() != null && !t.earlyStopping().metric().equals("train_loss")) {
            t = t.withEarlyStopping(null);
        }
        if (checkpointDir != null) {
            t = t.withCheckpoints(checkpointDir, checkpointEvery);
        }
        return t.withResume(resume);
    }

    private static EarlyStopping parseEarlyStopping(String text) {
        String[] p = text.split(":", 2);
        int patience;
        try {
            patience = p.length > 1 ? Integer.parseInt(p[1]) : 3;
        } catch (NumberFormatException e) {
            throw new UsageException("--early-stopping wants METRIC[:PATIENCE] or none, e.g. val_loss:3; got '" + text + "'");
        }
        return EarlyStopping.on(p[0], patience);
    }
}
