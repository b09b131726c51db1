package dev.graft.cli.internal;

import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.baseline.BaselineModel;
import dev.graft.core.baseline.TextBaseline;
import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Example;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The classical TF-IDF + logistic-regression baseline on the same examples as a transfer run. */
final class BaselineRun {
    /** The row name printed beside transfer runs. */
    static final String NAME = "baseline: TF-IDF 1-2-grams + logistic regression";

    private BaselineRun() {
    }

    /** A fitted baseline, its scores on the evaluation examples, and the fit's wall and process-CPU seconds. */
    record Result(BaselineModel model, ClassificationScores scores, double wallSeconds, double cpuSeconds) {
        String line() {
            return String.format(Locale.ROOT, "accuracy %.4f, macro F1 %.4f (fit %.1f s wall, %.1f s CPU; %s)", scores.accuracy(),
                    scores.macroF1(), wallSeconds, cpuSeconds, model.describe());
        }
    }

    /** Fits on {@code train} (text examples), C chosen by cross-validation inside them. */
    static BaselineModel fit(List<Example> train, long seed) {
        return TextBaseline.fit(train.stream().map(BaselineRun::text).toList(), train.stream().map(Example::label).toList(),
                TextBaseline.Options.defaults().withSeed(seed));
    }

    /** Fits on {@code train} and scores on {@code evaluation}; both must hold text (or text-pair) examples. */
    static Result run(List<Example> train, List<Example> evaluation, long seed) {
        double cpu0 = processCpuSeconds();
        long t0 = System.nanoTime();
        BaselineModel m = fit(train, seed);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        List<Prediction> preds = new ArrayList<>(evaluation.size());
        for (Example e : evaluation) {
            double[] p = m.probabilities(text(e));
            Map<String, Double> scores = new LinkedHashMap<>();
            int best = 0;
            for (int k = 0; k < p.length; k++) {
                scores.put(m.labels().get(k), p[k]);
                best = p[k] > p[best] ? k : best;
            }
            preds.add(new Prediction(e.source(), m.labels().get(best), scores));
        }
        return new Result(m, Evaluation.classification(m.labels(), evaluation, preds), wall, cpu);
    }

    /** A train/validation split. */
    record Split(List<Example> train, List<Example> validation) {
    }

    /** Holds out {@code fraction} of each class (rounded, at least one of a class of two or more), seeded. */
    static Split split(List<Example> all, double fraction, long seed) {
        Map<String, List<Example>> by = new java.util.TreeMap<>();
        all.forEach(e -> by.computeIfAbsent(String.valueOf(e.label()), k -> new ArrayList<>()).add(e));
        java.util.Set<Example> held = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.Random r = new java.util.Random(seed ^ 0x5917L);
        for (List<Example> xs : by.values()) {
            List<Example> copy = new ArrayList<>(xs);
            java.util.Collections.shuffle(copy, r);
            int take = xs.size() < 2 ? 0 : Math.max(1, Math.min(xs.size() - 1, (int) Math.round(xs.size() * fraction)));
            held.addAll(copy.subList(0, take));
        }
        List<Example> train = new ArrayList<>();
        List<Example> val = new ArrayList<>();
        all.forEach(e -> (held.contains(e) ? val : train).add(e));
        if (val.isEmpty()) {
            throw new UsageException("--baseline needs validation examples: give --validation or a --validation-fraction > 0");
        }
        return new Split(train, val);
    }

    /** Prints the transfer run's validation figures and the baseline's on the same split, one row each. */
    static void printBeside(java.io.PrintStream out, String name, Runs.Outcome o, Result b) {
        var v = o.result().validation();
        double secs = o.seconds().getOrDefault("features", 0.0) + o.seconds().getOrDefault("training", 0.0);
        out.println();
        out.printf(Locale.ROOT, "%-52s %9s %9s %10s%n", "run (same validation examples)", "accuracy", "macro F1", "train (s)");
        out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %10.1f%n", name, v.accuracy(), v.macroF1(), secs);
        out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %10.1f%n", NAME, b.scores().accuracy(), b.scores().macroF1(), b.wallSeconds());
        if (b.scores().accuracy() >= v.accuracy()) {
            out.println("the baseline is at least as accurate as this transfer run on these examples");
        }
    }

    /**
     * Prints the solved head's cross-validated accuracy and the baseline's over the same folds: both fitted on the
     * same examples in the same order with the same seed, so {@code TextBaseline} and the solved head's
     * {@code LinearProbe} deal the same stratified folds (and try the same C values, each reporting its best).
     */
    static void printCrossValidated(java.io.PrintStream out, String name, dev.graft.core.pipeline.PipelineResult.CrossValidation cv,
            BaselineModel b) {
        out.println();
        out.printf(Locale.ROOT, "%-52s %9s %9s%n", "run (" + cv.folds() + "-fold cross-validation, same folds)", "accuracy", "C");
        out.printf(Locale.ROOT, "%-52s %9.3f %9s%n", name, cv.accuracy(), fmt(cv.c()));
        out.printf(Locale.ROOT, "%-52s %9.3f %9s%n", NAME, crossValidated(b), fmt(b.c()));
        out.println("both trained on all " + cv.examples() + " examples and scored by the same " + cv.folds() + " stratified folds "
                + "(features standardised and TF-IDF refitted inside each fold); each figure is the mean held-out accuracy "
                + "of the best of the C values tried, so both are slightly optimistic in the same way");
        if (crossValidated(b) >= cv.accuracy()) {
            out.println("the baseline is at least as accurate as this transfer run on these folds");
        }
    }

    /** The baseline's cross-validated accuracy at the C it chose. */
    static double crossValidated(BaselineModel b) {
        return b.crossValidationAccuracy().getOrDefault(b.c(), Double.NaN);
    }

    private static String fmt(double c) {
        return c == Math.rint(c) ? Long.toString((long) c) : Double.toString(c);
    }

    /** The text of a text example; a pair's two texts joined by a line break. */
    static String text(Example e) {
        if (e.input() instanceof String s) {
            if (s.isBlank()) {
                throw new UsageException(e.source() + ": empty text");
            }
            return s;
        }
        if (e.input() instanceof Example.TextPair p) {
            return p.first() + "\n" + p.second();
        }
        throw new UsageException(e.source() + ": the TF-IDF baseline needs text, got " + e.input().getClass().getSimpleName());
    }

    /** CPU seconds used by this process so far, every thread (native ones included). */
    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }
}
