package dev.graft.cli.internal;

import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.recommend.Recommender;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@code graft recommend}'s check against the classical baseline: on one seeded, stratified
 * 75/25 split of the scored examples, each candidate's frozen features + a linear head and the
 * TF-IDF + logistic-regression baseline are trained on the same 75% and scored on the same 25%.
 * The candidates' features of the scored examples come from the feature cache the ranking filled.
 */
final class BaselineCheck {
    private BaselineCheck() {
    }

    /** Whether every example holds text, so the baseline applies. */
    static boolean applies(List<Example> examples) {
        return examples.stream().allMatch(e -> e.input() instanceof String || e.input() instanceof Example.TextPair);
    }

    /** Runs the check, prints one row per candidate and the baseline's row, and says plainly what it means. */
    static void run(Graft g, List<ComponentRef> candidates, List<Example> data, String engine, Path cacheDir, long seed, int batchSize,
            int maxExamples, PrintStream out, PrintStream log) throws IOException {
        List<Example> sample = Recommender.sample(data, maxExamples, seed);
        List<Example> train = new ArrayList<>();
        List<Example> heldOut = new ArrayList<>();
        Map<String, List<Example>> by = new TreeMap<>();
        sample.forEach(e -> by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e));
        Random r = new Random(seed ^ 0xBA5EL);
        for (List<Example> xs : by.values()) {
            List<Example> copy = new ArrayList<>(xs);
            Collections.shuffle(copy, r);
            int t = copy.size() < 2 ? 0 : Math.max(1, (int) Math.round(copy.size() * 0.25));
            heldOut.addAll(copy.subList(0, t));
            train.addAll(copy.subList(t, copy.size()));
        }
        out.println();
        out.printf(Locale.ROOT, "check against the classical baseline (%d training / %d held-out examples of the %d scored):%n", train.size(),
                heldOut.size(), sample.size());
        out.printf(Locale.ROOT, "%-52s %9s %9s %10s%n", "run", "accuracy", "macro F1", "train (s)");
        TrainerConfig tc = TrainerConfig.defaults().withBatchSize(batchSize).withSeed(seed).withValidationFraction(0.2).withEpochs(40)
                .withLearningRate(3e-3).withEarlyStopping(EarlyStopping.on("val_loss", 5));
        double bestFrozen = Double.NEGATIVE_INFINITY;
        String bestName = null;
        for (ComponentRef c : candidates) {
            log.println("baseline check: frozen " + c.name() + " features + linear head...");
            PipelineConfig cfg = new PipelineConfig(c, ComponentRef.of("feature-extraction"), HeadConfig.linear(Task.CLASSIFICATION), tc,
                    engine, cacheDir);
            long t0 = System.nanoTime();
            PipelineResult pr = g.pipeline().config(cfg).data(train).run();
            double secs = (System.nanoTime() - t0) / 1e9;
            ClassificationScores s;
            try (Predictor p = Predictor.open(pr.model(), g.engines().get(engine), g.backbones())) {
                s = Evaluation.classification(pr.model().labels().labels(), heldOut, p.predict(heldOut));
            }
            out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %10.1f%n", "frozen " + c.name() + " + linear head", s.accuracy(), s.macroF1(), secs);
            if (s.accuracy() > bestFrozen) {
                bestFrozen = s.accuracy();
                bestName = c.name();
            }
        }
        BaselineRun.Result b = BaselineRun.run(train, heldOut, seed);
        out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %10.1f%n", BaselineRun.NAME, b.scores().accuracy(), b.scores().macroF1(), b.wallSeconds());
        if (bestFrozen <= b.scores().accuracy()) {
            out.printf(Locale.ROOT, "verdict: no backbone's frozen features beat the TF-IDF baseline here (best %s %.3f vs baseline %.3f held-out "
                    + "accuracy). Feature extraction is not worth it on this data: try fine-tuning (-s fine-tuning or -s hybrid) and "
                    + "compare it with 'graft fit --baseline', or use the baseline.%n", bestName, bestFrozen, b.scores().accuracy());
        } else {
            out.printf(Locale.ROOT, "verdict: frozen %s features beat the TF-IDF baseline (%.3f vs %.3f held-out accuracy).%n", bestName,
                    bestFrozen, b.scores().accuracy());
        }
    }
}
