package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One training run with its test evaluation, and its section of the report. */
final class Runs {
    private Runs() {
    }

    /** A finished run: the pipeline's result, the largest trainable count of any phase, and test figures. */
    record Outcome(String name, PipelineResult result, long trainable, ClassificationScores test, Map<String, Double> seconds) {
    }

    static Outcome fit(Graft g, String name, PipelineConfig cfg, List<Example> train, List<Example> validation,
            List<Example> test, PrintStream log) throws IOException {
        long[] trainable = {0};
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onPhase(int epoch, String description, long n) {
                trainable[0] = Math.max(trainable[0], n);
            }

            @Override
            public void onWarning(String message) {
                log.println(name + ": " + message);
            }
        };
        var p = g.pipeline().config(cfg).data(train).listener(counter);
        if (validation != null) {
            p.validation(validation);
        }
        PipelineResult r = p.run();
        r.warnings().forEach(w -> log.println(name + ": " + w)); // again after the progress lines, so it is seen
        Map<String, Double> seconds = new LinkedHashMap<>(r.seconds());
        ClassificationScores s = null;
        if (test != null && !test.isEmpty()) {
            long t0 = System.nanoTime();
            log.println(name + ": evaluating on " + test.size() + " held-out test examples...");
            s = evaluate(g, r.model(), cfg.engine(), test);
            seconds.put("test evaluation", (System.nanoTime() - t0) / 1e9);
        }
        return new Outcome(name, r, trainable[0], s, seconds);
    }

    static ClassificationScores evaluate(Graft g, TrainedModel model, String engine, List<Example> test) {
        return Evaluation.classification(model.labels().labels(), test, predict(g, model, engine, test));
    }

    static List<Prediction> predict(Graft g, TrainedModel model, String engine, List<Example> examples) {
        try (Predictor pr = openPredictor(g, model, engine, examples.size())) {
            return pr.predict(examples);
        }
    }

    /**
     * A predictor for one call on {@code inputs} inputs, its engine created for it: more than one batch runs on
     * several callers, each with its share of the cores ({@link Predictor#engineSettings}).
     */
    static Predictor openPredictor(Graft g, TrainedModel model, String engine, int inputs) {
        return Predictor.open(model, g.engines().get(engine, Predictor.engineSettings(g.engines().settings(), inputs)), g.backbones());
    }

    /** What the figures of {@link #section} were measured on, for a run without a test set. */
    static String evaluatedOn(Outcome o) {
        PipelineResult r = o.result();
        return r.validation() == null && r.crossValidation() != null ? "cross-validated" : "validation";
    }

    /**
     * The report section of a run; figures are test figures when there was a test set, else validation ones, else the
     * solved head's cross-validated accuracy ({@link #evaluatedOn} names which).
     */
    static RunReport.Section section(Outcome o) {
        PipelineResult r = o.result();
        List<RunReport.EpochRow> rows = new ArrayList<>();
        for (EpochMetrics e : r.history().epochs()) {
            rows.add(new RunReport.EpochRow(e.epoch() + 1, e.trainLoss(), e.trainAccuracy(),
                    e.validation() == null ? Double.NaN : e.validation().loss(),
                    e.validation() == null ? Double.NaN : e.validation().accuracy(), e.seconds()));
        }
        double acc;
        double f1;
        int[][] cm;
        if (o.test() != null) {
            acc = o.test().accuracy();
            f1 = o.test().macroF1();
            cm = o.test().confusion();
        } else if (r.validation() != null) {
            acc = r.validation().accuracy();
            f1 = r.validation().macroF1();
            cm = r.validation().confusion();
        } else if (r.crossValidation() != null) {
            // a solved head without a validation set: its cross-validated accuracy is the only held-out figure
            // there is (macro F1 and a confusion matrix are not kept per fold)
            acc = r.crossValidation().accuracy();
            f1 = Double.NaN;
            cm = null;
        } else {
            acc = Double.NaN;
            f1 = Double.NaN;
            cm = null;
        }
        String plan = r.planReport() + (r.featureCache() == null ? "" : String.format(java.util.Locale.ROOT,
                "%nfeature cache: %d examples: %d from disk, %d computed in %d backbone batches, %d repeating an earlier"
                        + " example's input (%s)", r.featureCache().examples(), r.featureCache().hits(), r.featureCache().computed(),
                r.featureCache().backboneBatches(), r.featureCache().repeated(), r.featureCache().directory()));
        return new RunReport.Section(o.name(), plan, rows, cm, o.seconds(), acc, f1,
                o.seconds().getOrDefault("features", 0.0) + o.seconds().getOrDefault("training", 0.0), o.trainable(),
                r.history().summary());
    }
}
