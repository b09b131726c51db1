package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.recommend.FineTuningProbe;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@code graft recommend}'s fine-tuning probe: each candidate fine-tuned ({@code -s fine-tuning}
 * with {@code graft fit}'s defaults for it, but {@code epochs} epochs and no early stopping) on the
 * probe's training part of the user's data, then scored on its held-out part.
 */
final class ProbeRun {
    /** What the probe measured. */
    record Result(FineTuningProbe.Split split, List<FineTuningProbe.Score> ranked, double cpuSeconds) {
    }

    private ProbeRun() {
    }

    /** The trainer settings of one probe run: fit's defaults for fine-tuning this backbone, cut to {@code epochs}. */
    static TrainerConfig trainer(boolean transformer, long seed, int epochs) {
        FitDefaults.Kind kind = FitDefaults.kind("fine-tuning", transformer);
        TrainerConfig base = TrainerConfig.defaults().withBatchSize(FitDefaults.BATCH).withSeed(seed).withValidationFraction(0);
        return FitDefaults.config(kind, base).withEpochs(epochs).withEarlyStopping(null);
    }

    static Result run(Graft g, List<ComponentRef> candidates, List<Example> sample, String engine, Path cacheDir, long seed,
            int trainPerClass, int epochs, PrintStream out, PrintStream log) throws IOException {
        FineTuningProbe.Split split = FineTuningProbe.split(sample, trainPerClass, seed);
        out.println();
        out.printf(Locale.ROOT, "fine-tuning probe (%d epochs on %d training examples, scored on %d held-out examples of the %d scored; "
                + "--no-probe skips it):%n", epochs, split.train().size(), split.heldOut().size(), sample.size());
        double cpu0 = BaselineRun.processCpuSeconds();
        List<FineTuningProbe.Score> scores = new ArrayList<>();
        for (ComponentRef c : candidates) {
            boolean transformer = FitDefaults.transformer(g, c.name(), c.options(), engine, seed);
            TrainerConfig tc = trainer(transformer, seed, epochs);
            log.println("fine-tuning probe: " + c.name() + ", " + FitDefaults.describe(FitDefaults.kind("fine-tuning", transformer), tc)
                    + "...");
            double t0 = BaselineRun.processCpuSeconds();
            PipelineConfig cfg = new PipelineConfig(c, ComponentRef.of("fine-tuning"), HeadConfig.linear(Task.CLASSIFICATION), tc, engine,
                    cacheDir);
            PipelineResult pr = g.pipeline().config(cfg).data(split.train()).run();
            List<Prediction> predicted;
            try (Predictor p = Predictor.open(pr.model(), g.engines().get(engine), g.backbones())) {
                predicted = p.predict(split.heldOut());
            }
            ClassificationScores s = Evaluation.classification(pr.model().labels().labels(), split.heldOut(), predicted);
            boolean[] correct = new boolean[predicted.size()];
            for (int i = 0; i < correct.length; i++) {
                correct[i] = predicted.get(i).label().equals(split.heldOut().get(i).label());
            }
            scores.add(new FineTuningProbe.Score(c, correct, s.macroF1(), BaselineRun.processCpuSeconds() - t0));
        }
        List<FineTuningProbe.Score> ranked = FineTuningProbe.rank(scores);
        out.printf(Locale.ROOT, "%-4s %-32s %9s %9s %9s %9s%n", "rank", "backbone", "right", "accuracy", "macro F1", "CPU (s)");
        int rank = 1;
        for (FineTuningProbe.Score s : ranked) {
            out.printf(Locale.ROOT, "%-4d %-32s %9s %9.3f %9.3f %9.1f%n", rank++, s.backbone().name(),
                    s.right() + "/" + s.correct().length, s.accuracy(), s.macroF1(), s.cpuSeconds());
        }
        double cpu = BaselineRun.processCpuSeconds() - cpu0;
        out.printf(Locale.ROOT, "the probe took %.0f CPU seconds (process CPU, all threads)%n", cpu);
        return new Result(split, ranked, cpu);
    }
}
