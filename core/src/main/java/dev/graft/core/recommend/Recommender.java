package dev.graft.core.recommend;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.internal.cache.FeatureCache;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Ranks candidate backbones for a labelled classification dataset by LogME on their frozen
 * features, decides for each whether its features fit the labels better than chance, and suggests
 * a strategy from the dataset's size and the best score.
 *
 * <p>Features are computed through the same on-disk feature cache, under the same key, as a
 * feature-extraction pipeline run with the same backbone options and seed, so a later
 * {@code feature-extraction} fit skips the backbone for these examples.
 *
 * <p>Chance level: LogME of the same features with the labels randomly permuted. A permutation
 * keeps the features' spectrum and the class sizes and destroys only the link between the two, so
 * "above chance" is judged against the very features being scored (a Gaussian-features figure of
 * the same shape is reported too, for reference).
 */
public final class Recommender {
    /** Examples per class below which fine-tuning a large backbone tends to overfit. */
    public static final int SMALL_PER_CLASS = 100;
    /** Examples per class from which fine-tuning every block usually pays off. */
    public static final int LARGE_PER_CLASS = 1000;
    /** The least margin over chance, in LogME nats per example, that counts as a fit. */
    static final double MIN_MARGIN = 0.01;

    private final ServiceLoaderEngineRegistry engines;
    private final ServiceLoaderBackboneRegistry backbones;

    /**
     * @param engine      engine id (null = default)
     * @param cacheDir    feature-cache root (null = {@code graft.cache.dir}, then {@code ~/.cache/graft})
     * @param seed        seed of any randomly initialised backbone parameters (as the pipeline's trainer seed),
     *                    of the subsample and of the chance permutations
     * @param batchSize   backbone batch size
     * @param maxExamples score at most this many examples (a stratified subsample beyond it)
     * @param permutations label permutations for the chance level (>= 2)
     */
    public record Options(String engine, Path cacheDir, long seed, int batchSize, int maxExamples, int permutations) {
        public Options {
            if (batchSize < 1 || maxExamples < 4 || permutations < 2) {
                throw new IllegalArgumentException("recommend needs batchSize >= 1, maxExamples >= 4 and permutations >= 2");
            }
        }

        public static Options defaults() {
            return new Options(null, null, 42, 16, 1000, 10);
        }
    }

    public Recommender(ServiceLoaderEngineRegistry engines, ServiceLoaderBackboneRegistry backbones) {
        this.engines = engines;
        this.backbones = backbones;
    }

    /** Scores every candidate on {@code data} (labelled, single-label) and suggests a strategy. */
    public Recommendation recommend(List<Example> data, List<ComponentRef> candidates, Options o, Consumer<String> log)
            throws IOException {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidate backbones given; available: " + backbones.backbones().keySet());
        }
        for (ComponentRef c : candidates) {
            backbones.provider(c.name()); // unknown names fail here, listing the valid ones
        }
        List<Example> sample = sample(data, o.maxExamples(), o.seed());
        List<String> labels = new ArrayList<>(new TreeSet<>(sample.stream().map(Example::label).toList()));
        int[] y = new int[sample.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.indexOf(sample.get(i).label());
        }
        List<Backbone> created = new ArrayList<>();
        dev.graft.core.spi.RunContext context = dev.graft.core.spi.RunContext.of(engines, o.engine(), cacheRoot(o.cacheDir()),
                o.seed(), backbones);
        try {
            for (ComponentRef c : candidates) {
                created.add(backbones.create(c.name(), c.options(), context)); // bad options fail before any work
            }
            return scoreAll(candidates, created, sample, labels, y, o, log);
        } finally {
            for (Backbone b : created) {
                b.close();
            }
        }
    }

    private Recommendation scoreAll(List<ComponentRef> candidates, List<Backbone> created, List<Example> sample,
            List<String> labels, int[] y, Options o, Consumer<String> log) throws IOException {
        Engine engine = engines.get(o.engine());
        Path root = cacheRoot(o.cacheDir());
        List<Recommendation.Candidate> scored = new ArrayList<>();
        for (int ci = 0; ci < candidates.size(); ci++) {
            ComponentRef c = candidates.get(ci);
            Backbone b = created.get(ci);
            long t0 = System.nanoTime();
            log.accept("scoring backbone '" + c.name() + "' on " + sample.size() + " examples...");
            Network net = NetworkAssembler.backboneOnly(b);
            FeatureCache cache = new FeatureCache(root, NetworkAssembler.backboneKey(b, net, o.seed()));
            FeatureCache.Tally tally = new FeatureCache.Tally();
            float[][] f;
            try (dev.graft.core.internal.cache.LazyBackbone m = new dev.graft.core.internal.cache.LazyBackbone(
                    () -> engine.compile(net, o.seed(), b.weights()))) {
                f = cache.features(b, m, NetworkAssembler.FEATURES, sample, o.batchSize(), tally, null);
            }
            scored.add(score(c, f, y, labels.size(), o, b.blocks(), tally.fromDisk() + tally.repeated(), (System.nanoTime() - t0) / 1e9));
        }
        scored.sort(Comparator.comparingDouble(Recommendation.Candidate::logMe).reversed());
        Recommendation r = suggest(scored, sample.size(), labels.size(), minPerClass(y, labels.size()));
        return sample.stream().anyMatch(e -> e.input() instanceof dev.graft.core.spi.PrecomputedFeatures) ? vectorsOnly(r) : r;
    }

    /**
     * The suggestion for data that holds feature vectors computed elsewhere instead of the inputs: only
     * feature extraction trains on them (any strategy that runs the backbone needs the texts or images).
     */
    static Recommendation vectorsOnly(Recommendation r) {
        if (r.strategy().equals("feature-extraction")) {
            return r;
        }
        String why = r.explanation() + " But this data holds feature vectors computed elsewhere, not the inputs, so only "
                + "feature-extraction can train on it: to try " + r.strategy() + ", run it on the texts or images the vectors "
                + "were computed from.";
        return new Recommendation(r.ranked(), r.examples(), r.classes(), r.minPerClass(), "feature-extraction", Map.of(), why);
    }

    /** Scores one candidate's features against the labels and the chance levels. */
    static Recommendation.Candidate score(ComponentRef c, float[][] f, int[] y, int classes, Options o, List<Block> blocks,
            int cached, double seconds) {
        LogMe.Spectrum sp = LogMe.spectrum(f);
        double real = mean(sp, y, classes);
        Random r = new Random(o.seed() ^ 0x5DEECE66DL);
        double[] chance = new double[o.permutations()];
        for (int k = 0; k < chance.length; k++) {
            chance[k] = mean(sp, permuted(y, r), classes);
        }
        double mu = 0;
        for (double v : chance) {
            mu += v;
        }
        mu /= chance.length;
        double var = 0;
        for (double v : chance) {
            var += (v - mu) * (v - mu);
        }
        double sd = Math.sqrt(var / (chance.length - 1));
        float[][] g = new float[f.length][f[0].length];
        for (float[] row : g) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        double random = LogMe.classification(g, y, classes);
        return new Recommendation.Candidate(c, f[0].length, real, mu, sd, random, fits(real, mu, sd),
                blocks.stream().map(Block::name).toList(), cached, seconds);
    }

    /**
     * Whether a score is clearly above chance: more than 3 chance standard deviations and more
     * than 0.01 nats per example above the mean permuted-label score.
     */
    public static boolean fits(double logMe, double chanceMean, double chanceStd) {
        return logMe - chanceMean > Math.max(3 * chanceStd, MIN_MARGIN);
    }

    /**
     * Whether a candidate's features fit the labels, with both figures the rule of {@link #fits} weighs
     * and, when it does not fit, which one falls short. The distance in standard deviations measures
     * how unlikely the margin is under shuffled labels; the margin in nats per example measures how
     * large it is. A margin can be many standard deviations above chance and still too small to count.
     */
    static String chanceVerdict(Recommendation.Candidate c) {
        double margin = c.logMe() - c.chanceMean();
        String figures = String.format(java.util.Locale.ROOT,
                "LogME %.4f against %.4f +- %.4f with the labels shuffled: %+.4f nats per example, %.1f standard deviations of "
                        + "the shuffled-label scores", c.logMe(), c.chanceMean(), c.chanceStd(), margin, c.zScore());
        String name = "'" + c.backbone().name() + "'";
        if (c.fits()) {
            return name + " fits the labels clearly better than chance (" + figures + ").";
        }
        String why = margin <= 3 * c.chanceStd()
                ? "the margin is within 3 standard deviations of chance"
                : String.format(java.util.Locale.ROOT, "the margin, though %.1f standard deviations, is under the %.2f nats per "
                        + "example a clear fit needs", c.zScore(), MIN_MARGIN);
        return name + " does NOT fit the labels clearly better than chance (" + figures + "; " + why + ").";
    }

    private static double mean(LogMe.Spectrum sp, int[] y, int classes) {
        double sum = 0;
        double[] t = new double[y.length];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < y.length; i++) {
                t[i] = y[i] == c ? 1 : 0;
            }
            sum += LogMe.fit(sp, t).evidencePerExample();
        }
        return sum / classes;
    }

    private static int[] permuted(int[] y, Random r) {
        int[] p = y.clone();
        for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Whether {@code blocks} are a transformer encoder's ({@code encoder.layer_N}). */
    public static boolean transformerEncoder(List<String> blocks) {
        return blocks.stream().anyMatch(b -> b.matches("encoder\\.layer_\\d+"));
    }

    /**
     * The strategy rule: dataset size per class crossed with whether the best backbone fits; a
     * transformer encoder with {@value #SMALL_PER_CLASS} or more examples per class is fine-tuned whole.
     */
    static Recommendation suggest(List<Recommendation.Candidate> ranked, int n, int classes, int minPerClass) {
        Recommendation.Candidate best = ranked.get(0);
        String name = best.backbone().name();
        StringBuilder why = new StringBuilder();
        why.append(String.format(java.util.Locale.ROOT, "'%s' ranks first with LogME %.4f", name, best.logMe()));
        if (ranked.size() > 1) {
            Recommendation.Candidate second = ranked.get(1);
            why.append(String.format(java.util.Locale.ROOT, " (next: '%s' at %.4f)", second.backbone().name(), second.logMe()));
        }
        why.append(". ").append(chanceVerdict(best)).append(' ');
        for (Recommendation.Candidate c : ranked.subList(1, ranked.size())) {
            why.append(chanceVerdict(c)).append(' ');
        }
        why.append(String.format(java.util.Locale.ROOT, "The data has %d examples in %d classes, %d in the smallest class. ", n,
                classes, minPerClass));
        List<String> blocks = best.blocks();
        String strategy;
        Map<String, String> options = new TreeMap<>();
        if (best.fits() && minPerClass < SMALL_PER_CLASS) {
            strategy = "feature-extraction";
            why.append("With under " + SMALL_PER_CLASS + " examples per class and features that already separate the classes, "
                    + "train only a new head on the frozen backbone: fine-tuning millions of weights on so few examples tends to "
                    + "overfit, and the frozen features are computed once and cached.");
            if (transformerEncoder(blocks)) {
                why.append(" For more accuracy at 20 to 100 times the CPU, try -s setfit on a sentence encoder: contrastive "
                        + "tuning on pairs of the labelled examples, then the same head (at 10 examples per class on the project's "
                        + "Debian and Perl tasks it scored 0.847 and 0.817 with all-minilm-l6-v2, frozen features 0.767 and 0.774; "
                        + "docs/transfer-text.md).");
            }
        } else if (transformerEncoder(blocks) && minPerClass >= SMALL_PER_CLASS) {
            strategy = "fine-tuning";
            why.append("With " + SMALL_PER_CLASS + " or more examples per class, fine-tune every block of this transformer "
                    + "encoder with the field's recipe (small learning rate, warmup and decay, early stopping): freezing its lower "
                    + "blocks costs accuracy (on the project's task of Debian archive synopses, 6 sections, 166 examples per class, "
                    + "bge-small-en-v1.5 with its top 3 of 12 layers trained scored 0.684 test accuracy, fine-tuned whole 0.698, "
                    + "all-minilm-l6-v2 fine-tuned whole 0.745, the TF-IDF baseline 0.678; docs/transfer-text.md).");
        } else if (best.fits() && minPerClass < LARGE_PER_CLASS || !best.fits() && minPerClass < SMALL_PER_CLASS) {
            strategy = blocks.size() >= 2 ? "hybrid" : "fine-tuning";
            int cut = Math.max(1, blocks.size() - Math.max(1, blocks.size() / (best.fits() ? 4 : 2)));
            if (blocks.size() >= 2) {
                options.put("cut", blocks.get(cut));
            }
            why.append(best.fits()
                    ? "With " + SMALL_PER_CLASS + " to " + LARGE_PER_CLASS + " examples per class there is enough data to adapt "
                            + "the top blocks to the task while the lower, more general blocks stay frozen"
                    : "The features do not fit and there is little data: adapt the upper half of the backbone, keep the lower, "
                            + "generic blocks frozen, and expect modest results; more labelled data or a backbone pretrained "
                            + "closer to this task would help most");
            why.append(blocks.size() >= 2 ? " (cut at '" + blocks.get(cut) + "', " + (blocks.size() - cut) + " of "
                    + blocks.size() + " blocks trained)." : ".");
        } else {
            strategy = "fine-tuning";
            why.append(best.fits()
                    ? "With over " + LARGE_PER_CLASS + " examples per class, fine-tuning every block at a small learning rate "
                            + "usually beats frozen features."
                    : "The features do not fit but there is plenty of data: fine-tune every block (the pretrained weights are "
                            + "still a better start than random ones).");
        }
        return new Recommendation(ranked, n, classes, minPerClass, strategy, options, why.toString());
    }

    private static int minPerClass(int[] y, int classes) {
        int[] count = new int[classes];
        for (int v : y) {
            count[v]++;
        }
        int min = Integer.MAX_VALUE;
        for (int c : count) {
            min = Math.min(min, c);
        }
        return min;
    }

    /**
     * The examples the recommender scores: up to {@code max}, keeping each class's share
     * (stratified), in a seeded order. Callers that reuse the ranking's cached features draw the
     * same sample through this method.
     */
    public static List<Example> sample(List<Example> data, int max, long seed) {
        Map<String, List<Example>> by = new TreeMap<>();
        for (Example e : data) {
            if (e.label() == null || e.label().isBlank()) {
                throw new IllegalArgumentException(e.source() + ": recommend needs labelled examples");
            }
            by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e);
        }
        if (by.size() < 2) {
            throw new IllegalArgumentException("recommend needs at least 2 classes, got " + by.keySet());
        }
        if (data.size() <= max) {
            return List.copyOf(data);
        }
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (List<Example> xs : by.values()) {
            List<Example> copy = new ArrayList<>(xs);
            Collections.shuffle(copy, r);
            int k = Math.max(2, (int) Math.round((double) max * xs.size() / data.size()));
            out.addAll(copy.subList(0, Math.min(k, copy.size())));
        }
        Collections.shuffle(out, r);
        return out;
    }

    private static Path cacheRoot(Path dir) {
        return dir != null ? dir : dev.graft.engine.spi.io.CacheFolder.root();
    }

}
