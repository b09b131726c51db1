package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.recommend.FineTuningProbe;
import dev.graft.core.recommend.Recommendation;
import dev.graft.core.recommend.Recommender;
import dev.graft.core.spi.Example;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code graft recommend}: rank backbones by LogME on the data and suggest a strategy. */
@Command(name = "recommend", mixinStandardHelpOptions = true,
        description = {"Rank candidate backbones by LogME (You et al., ICML 2021) on their frozen features of your data, "
                + "judge each against chance (the same features with shuffled labels), and suggest a strategy.",
                "Features go to the feature cache, so a later 'graft fit --strategy feature-extraction' with the same "
                        + "backbone options and seed reuses them.",
                "When fine-tuning is suggested, a fine-tuning probe picks the backbone to fine-tune: each candidate is fine-tuned "
                        + "briefly on part of the data and scored on another part (LogME ranks frozen features, not fine-tuned "
                        + "ones)."})
final class RecommendCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-b", "--backbone"}, required = true, split = ",", paramLabel = "NAME",
            description = "candidate backbones (repeat or separate with commas)")
    List<String> backbones = new ArrayList<>();

    @Option(names = {"-B", "--backbone-option"}, paramLabel = "[NAME:]KEY=VALUE",
            description = "option for one candidate (NAME:KEY=VALUE) or for all (KEY=VALUE)")
    List<String> backboneOptions = new ArrayList<>();

    @Mixin
    Args.Data data;

    @Option(names = "--max-examples", defaultValue = "1000", description = "score a stratified sample of at most this many examples (default ${DEFAULT-VALUE})")
    int maxExamples;

    @Option(names = "--batch-size", defaultValue = "16", description = "backbone batch size (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "seed (use the one you will fit with, for feature-cache reuse; default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--cache-dir", description = "feature-cache root (default: -Dgraft.cache.dir, then ~/.cache/graft)")
    Path cacheDir;

    @Mixin
    Args.EngineOption engine;

    @Option(names = "--no-baseline", description = "skip the held-out check of each candidate's frozen features against the "
            + "TF-IDF + logistic-regression baseline (run by default on text data)")
    boolean noBaseline;

    @Option(names = "--probe", negatable = true, description = "fine-tune each candidate briefly on part of the data and score it on "
            + "another part, and suggest the best for fine-tuning (default: when fine-tuning is suggested and there are 2 or more "
            + "candidates; --no-probe skips it)")
    Boolean probe;

    @Option(names = "--probe-per-class", defaultValue = "" + FineTuningProbe.TRAIN_PER_CLASS, paramLabel = "N",
            description = "the probe's training examples per class, at most (default ${DEFAULT-VALUE})")
    int probePerClass;

    @Option(names = "--probe-epochs", defaultValue = "" + FineTuningProbe.EPOCHS, paramLabel = "N",
            description = "the probe's epochs (default ${DEFAULT-VALUE})")
    int probeEpochs;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        for (String b : backbones) {
            Args.backbone(g, b);
        }
        String engineId = Args.engine(g, engine.engine);
        List<ComponentRef> candidates = candidates(backbones, backboneOptions);
        if (probePerClass < 1 || probeEpochs < 1) {
            throw new UsageException("--probe-per-class and --probe-epochs want a number >= 1, got " + probePerClass + " and "
                    + probeEpochs);
        }
        List<Example> examples = data.read(g);
        PrintStream log = parent.err();
        Recommendation r = new Recommender(g.engines(), g.backbones()).recommend(examples, candidates,
                new Recommender.Options(engineId, cacheDir, seed, batchSize, maxExamples, 10), log::println);
        PrintStream out = parent.out();
        out.printf(Locale.ROOT, "%-4s %-32s %10s %10s %9s %9s %-6s %8s%n", "rank", "backbone", "LogME", "chance", "z", "random", "fits",
                "dim");
        int rank = 1;
        for (Recommendation.Candidate c : r.ranked()) {
            out.printf(Locale.ROOT, "%-4d %-32s %10.4f %10.4f %9.1f %9.4f %-6s %8d%n", rank++, c.backbone().name(), c.logMe(),
                    c.chanceMean(), c.zScore(), c.randomFeatures(), c.fits() ? "yes" : "no", c.featureDim());
        }
        if (probes(r, examples)) {
            ProbeRun.Result p = ProbeRun.run(g, candidates, Recommender.sample(examples, maxExamples, seed), engineId, cacheDir, seed,
                    probePerClass, probeEpochs, out, log);
            r = FineTuningProbe.apply(r, p.ranked(), p.split().train().size(), probeEpochs);
        } else if (r.strategy().equals("fine-tuning") && candidates.size() > 1) {
            out.println();
            out.println("no fine-tuning probe (--no-probe): the backbone below is LogME's pick, which ranks frozen features, not "
                    + "fine-tuned ones.");
        }
        out.println();
        StringBuilder cmd = new StringBuilder("graft fit -b " + r.best().backbone().name());
        r.best().backbone().options().forEach((k, v) -> cmd.append(" -B ").append(k).append('=').append(v));
        cmd.append(" -s ").append(r.strategy());
        r.strategyOptions().forEach((k, v) -> cmd.append(" -S ").append(k).append('=').append(v));
        out.println("suggested strategy: " + r.strategy() + (r.strategyOptions().isEmpty() ? "" : " " + r.strategyOptions()));
        out.println("why: " + r.explanation());
        out.println("try: " + cmd + " -d " + data.path + (data.format == null ? "" : " --format " + data.format) + " --seed " + seed
                + " -o model");
        FitDefaults.Kind kind = FitDefaults.kind(r.strategy(), FitDefaults.transformer(g, r.best().backbone().name(),
                r.best().backbone().options(), engineId, seed));
        out.println("     which trains with fit's defaults for " + kind.text + ": "
                + FitDefaults.describe(kind, FitDefaults.config(kind)));
        if (!noBaseline && BaselineCheck.applies(examples)) {
            BaselineCheck.run(g, candidates, examples, engineId, cacheDir, seed, batchSize, maxExamples, out, log);
        }
        return 0;
    }

    /** Whether to run the fine-tuning probe: asked for, or by default when fine-tuning is suggested among 2 or more candidates. */
    private boolean probes(Recommendation r, List<Example> examples) {
        boolean inputs = examples.stream().noneMatch(e -> e.input() instanceof dev.graft.core.spi.PrecomputedFeatures);
        if (Boolean.TRUE.equals(probe) && !inputs) {
            throw new UsageException("--probe fine-tunes the candidates, which needs the texts or images; " + data.path
                    + " holds feature vectors computed elsewhere");
        }
        if (probe != null) {
            return probe;
        }
        return inputs && r.strategy().equals("fine-tuning") && r.ranked().size() > 1;
    }

    static List<ComponentRef> candidates(List<String> names, List<String> options) {
        Map<String, Map<String, String>> by = new LinkedHashMap<>();
        names.forEach(n -> by.put(n, new LinkedHashMap<>()));
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--backbone-option wants [NAME:]KEY=VALUE, got '" + o + "'");
            }
            String key = o.substring(0, eq);
            String value = o.substring(eq + 1);
            int colon = key.indexOf(':');
            if (colon > 0) {
                String name = key.substring(0, colon);
                if (!by.containsKey(name)) {
                    throw new UsageException("--backbone-option for '" + name + "', which is not a candidate; candidates: " + names);
                }
                by.get(name).put(key.substring(colon + 1), value);
            } else {
                by.values().forEach(m -> m.put(key, value));
            }
        }
        List<ComponentRef> out = new ArrayList<>();
        by.forEach((n, m) -> out.add(ComponentRef.of(n, m)));
        return out;
    }
}
