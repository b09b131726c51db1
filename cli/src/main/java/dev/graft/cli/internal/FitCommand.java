package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code graft fit}: train a backbone + head on labelled data with a strategy; save the model and a report. */
@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a pretrained backbone with a new head on labelled data.",
                "Writes a model directory (definition, weights, preprocessing, labels) and an HTML report."},
        footer = {"", "Training defaults depend on the strategy and backbone; options given win:",
                "  feature-extraction: up to " + FitDefaults.FROZEN_EPOCHS + " epochs at lr " + FitDefaults.FROZEN_LR
                        + ", early stopping on val_loss (patience " + FitDefaults.FROZEN_PATIENCE + ", best weights restored);"
                        + " the solved head (default for classification) ignores epochs and lr",
                "  fine-tuning / hybrid of a transformer encoder: the field's recipe: AdamW (weight decay 0.01, not on biases "
                        + "and LayerNorms), linear warmup 10%% then linear decay, gradients clipped to norm 1, 10 epochs, "
                        + "head lr 1e-3, early stopping on val_loss (patience 3, best weights restored)",
                "  anything else: 10 epochs of Adam at lr 1e-3, early stopping on val_loss (patience 3, best weights restored)",
                "Use --early-stopping none to train every epoch."})
final class FitCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-b", "--backbone"}, required = true, paramLabel = "NAME", description = "backbone, e.g. bert-base-uncased; see 'graft list'")
    String backbone;

    @Option(names = {"-B", "--backbone-option"}, paramLabel = "KEY=VALUE", description = "backbone option, e.g. maxLength=64")
    Map<String, String> backboneOptions = new LinkedHashMap<>();

    @Option(names = {"-s", "--strategy"}, defaultValue = "feature-extraction", paramLabel = "ID",
            description = "feature-extraction, fine-tuning, hybrid or a plugin's (default ${DEFAULT-VALUE})")
    String strategy;

    @Option(names = {"-S", "--strategy-option"}, paramLabel = "KEY=VALUE", description = "strategy option, e.g. cut=encoder.layer_10")
    Map<String, String> strategyOptions = new LinkedHashMap<>();

    @Mixin
    Args.Data data;

    @Option(names = "--validation", paramLabel = "PATH", description = "validation data (same format); default: split off the training data")
    Path validation;

    @Option(names = "--head", defaultValue = "linear", description = "linear or mlp (default ${DEFAULT-VALUE})")
    String head;

    @Option(names = "--hidden", split = ",", paramLabel = "N", description = "hidden widths of an mlp head, e.g. 256,128")
    List<Integer> hidden = new ArrayList<>();

    @Option(names = "--dropout", defaultValue = "0", description = "head dropout (default ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--task", defaultValue = "CLASSIFICATION", description = "classification, multi_label or regression (default classification)")
    Task task;

    @ArgGroup(exclusive = false, heading = "Training%n")
    TrainOptions train = new TrainOptions();

    @Mixin
    Args.EngineOption engine;

    @Option(names = "--cache-dir", description = "feature-cache root (default: -Dgraft.cache.dir, then ~/.cache/graft)")
    Path cacheDir;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = {"model directory to write; "
            + "it must not exist or be empty (see --overwrite). The run locks it (.DIR.lock beside it), writes a hidden "
            + "sibling folder and renames that into place when done."})
    Path output;

    @Option(names = "--overwrite", description = "replace an existing model directory (the old one is removed only once "
            + "the new one is in place)")
    boolean overwrite;

    @Option(names = "--report", paramLabel = "DIR", description = "report directory (default: <output>/report)")
    Path report;

    @Option(names = "--baseline", description = {"also train the TF-IDF + logistic-regression baseline on the same training examples "
            + "and print it beside the transfer run (text classification only), scored on the same validation examples, or, for a "
            + "head solved on frozen features trained on every example (feature-extraction's default), by the same "
            + "cross-validation folds.",
            "Without --validation, a run that needs held-out examples (early stopping; setfit, whose backbone learns the labels) "
            + "splits the data (stratified, --validation-fraction, --seed) and gives both runs that split."})
    boolean baseline;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        PrintStream log = parent.err();
        Args.backbone(g, backbone);
        Args.strategy(g, strategy);
        Args.head(g, head);
        String engineId = Args.engine(g, engine.engine);
        try (OutputFolder folder = OutputFolder.claim(output, overwrite, "-o")) {
            return fit(g, log, engineId, folder);
        }
    }

    private int fit(Graft g, PrintStream log, String engineId, OutputFolder folder) throws Exception {
        List<Example> examples = data.read(g);
        List<Example> val = validation == null ? null : Args.read(g, validation, data.format, data.options, data.skipped);
        data.listSkipped(log);
        List<Example> fitData = examples;
        FitDefaults.Holdout holdout = FitDefaults.holdout(strategy, strategyOptions, head, hidden, task);
        if (baseline) {
            if (task != Task.CLASSIFICATION) {
                throw new UsageException("--baseline compares classifiers: it needs --task classification, got " + task);
            }
            examples.forEach(BaselineRun::text); // data that is not text fails here, before any training
        }
        // the share of the examples held out here: a solved head would train on every example, unless a fraction is given
        // or the baseline comparison needs examples neither run trained on (a tuned backbone's cross-validation cannot serve)
        Double heldOut = null;
        if (val == null && train.validationFraction != null && holdout != FitDefaults.Holdout.VALIDATION) {
            heldOut = train.validationFraction > 0 ? train.validationFraction : null;
        } else if (val == null && baseline && holdout != FitDefaults.Holdout.NONE_FROZEN) {
            heldOut = train.validationFraction();
        }
        String holdoutNote = null;
        if (heldOut != null) {
            BaselineRun.Split split = BaselineRun.split(examples, heldOut, train.seed);
            fitData = split.train();
            val = split.validation();
            if (holdout != FitDefaults.Holdout.VALIDATION) {
                holdoutNote = train.validationFraction != null
                        ? val.size() + " examples held out for validation (--validation-fraction " + train.validationFraction + ")"
                        : val.size() + " examples held out for the comparison with the baseline: " + strategy + " tunes its backbone "
                                + "on the labels, so only examples neither run trained on compare them fairly; the saved model is "
                                + "trained on the other " + fitData.size() + " (without --baseline it trains on all " + examples.size() + ")";
            }
        }
        if (holdoutNote != null) {
            log.println("fit: " + holdoutNote);
        }
        HeadConfig hc = new HeadConfig(head, task, hidden, dropout);
        FitDefaults.Kind kind = FitDefaults.kind(strategy, (strategy.equals("fine-tuning") || strategy.equals("hybrid") || strategy.equals("lora"))
                && FitDefaults.transformer(g, backbone, backboneOptions, engineId, train.seed));
        TrainerConfig tc = train.config(FitDefaults.config(kind, train.base()), val != null || train.validationFraction() > 0);
        PipelineConfig cfg = new PipelineConfig(ComponentRef.of(backbone, backboneOptions), ComponentRef.of(strategy, strategyOptions),
                hc, tc, engineId, cacheDir);
        log.printf(Locale.ROOT, "fit: %d examples from %s; backbone %s, strategy %s%n", examples.size(), data.path, backbone, strategy);
        log.println("settings: " + FitDefaults.describe(kind, tc) + " (defaults for " + kind.text + "; options given win)");
        Runs.Outcome o = Runs.fit(g, strategy, cfg, fitData, val, null, log);
        var cv = o.result().validation() == null ? o.result().crossValidation() : null;
        BaselineRun.Result b = baseline && val != null ? BaselineRun.run(fitData, val, train.seed) : null;
        dev.graft.core.baseline.BaselineModel bcv = baseline && val == null && cv != null ? BaselineRun.fit(fitData, train.seed)
                : null;
        if (baseline && b == null && bcv == null) {
            throw new IllegalStateException("--baseline: the run held out no validation examples and reported no cross-validation");
        }
        String figure = o.result().validation() != null ? "figures on the " + o.result().validation().examples() + " validation examples"
                : cv != null ? cvText(cv, holdout) : "no validation examples, no cross-validation";
        Path output = folder.target();
        o.result().model().save(folder.staging());
        Path reportDir = report == null ? folder.staging().resolve("report") : folder.staged(report);
        RunReport r = new RunReport("graft fit: " + backbone + " / " + strategy,
                examples.size() + " examples from " + data.path.toAbsolutePath() + data.skippedNote() + "; trained on " + fitData.size()
                        + (val == null ? "" : ", validated on " + val.size()) + "; " + figure,
                Runs.evaluatedOn(o), Env.describe(g, g.engines().get(engineId)), o.result().model().labels().labels(),
                List.of(Runs.section(o)), b != null ? List.of("Model directory: " + output.toAbsolutePath(), "Baseline on the same split: " + b.line())
                        : bcv != null ? List.of("Model directory: " + output.toAbsolutePath(), "Baseline cross-validated on the same "
                                + cv.folds() + " folds: accuracy " + String.format(Locale.ROOT, "%.4f", BaselineRun.crossValidated(bcv))
                                + " (" + bcv.describe() + ")")
                        : List.of("Model directory: " + output.toAbsolutePath()));
        Path html;
        try {
            html = folder.published(ReportWriter.write(r, reportDir));
        } finally {
            folder.commit(); // the trained model goes into place even if the report could not be written
        }
        PrintStream out = parent.out();
        if (o.result().validation() != null) {
            out.println("validation: " + o.result().validation());
        } else if (cv != null) {
            out.println(figure);
        }
        out.printf(Locale.ROOT, "trainable parameters: %,d; stopped: %s%n", o.trainable(), o.result().history().summary());
        if (b != null) {
            BaselineRun.printBeside(out, backbone + " / " + strategy, o, b);
        } else if (bcv != null) {
            BaselineRun.printCrossValidated(out, backbone + " / " + strategy, cv, bcv);
        }
        out.println("model:  " + output.toAbsolutePath());
        out.println("report: " + html.toAbsolutePath());
        return 0;
    }

    /** What the cross-validated figure of a run trained on every example is, honestly. */
    static String cvText(dev.graft.core.pipeline.PipelineResult.CrossValidation cv, FitDefaults.Holdout holdout) {
        String s = String.format(Locale.ROOT, "trained on all %d examples (no validation set: the head is solved, C chosen by "
                + "cross-validation); cross-validated accuracy %.4f (%d stratified folds, best of C %s)", cv.examples(), cv.accuracy(),
                cv.folds(), new java.util.TreeMap<>(cv.accuracyByC()).keySet());
        return s + (holdout == FitDefaults.Holdout.NONE_TUNED
                ? "; optimistic, not an estimate of accuracy on new data: the backbone was tuned on every fold's held-out "
                        + "examples too. Score the model on held-out data with graft evaluate"
                : "; features frozen, so each fold's examples are unseen by its head; slightly optimistic as the best of the C values");
    }
}
