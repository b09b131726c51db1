package dev.graft.cli.internal;

import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.Graft;
import dev.graft.core.baseline.LinearProbe;
import dev.graft.core.baseline.TextBaseline;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.InputSpec;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.core.model.Predictor;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.FineTuningRecipe;
import dev.graft.core.train.Schedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.core.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Data-efficiency benchmark (a main program, not a test): for each task, labelled examples per
 * class and seed, trains the TF-IDF baseline and every backbone x strategy given, and prints and
 * writes a markdown table of test accuracy and macro F1 (mean +- std over seeds) and train time
 * (wall and process CPU). Every transfer run gets a fresh, empty feature cache, so its train time
 * includes computing the backbone features of its training examples.
 *
 * <pre>
 * options (defaults):
 *   --tasks debian,perl (or archive) --sizes 10,25,50,all      --seeds 1,2,3
 *   --backbones bert-base-uncased:maxLength=64     (NAME[:KEY=VALUE[;KEY=VALUE]], comma-separated; "none" = baseline only)
 *   --strategies feature-extraction                (ID[:KEY=VALUE[;KEY=VALUE]], run with every backbone; e.g.
 *                                                  fine-tuning:backboneLr=5e-5,hybrid:cut=encoder.layer_10,setfit;
 *                                                  "probe" = the backbone's frozen features + the baseline's cross-validated
 *                                                  logistic regression (LinearProbe), features computed once per task and
 *                                                  charged to each run pro rata: features of its training examples + the fit;
 *                                                  options grid=wide: C from 10 log-spaced values 1e-4..1e4 as scikit-learn's
 *                                                  LogisticRegressionCV, rows=l2: each feature row scaled to unit length first;
 *                                                  a backbone named A+B: the two backbones' features concatenated)
 *   --epochs 4 (strategies that train the backbone)   --head-epochs 40 (feature-extraction)   --batch-size 16
 *   --engine (default engine)   --debian-per-class 36   --perl-per-class 80   --archive-per-class 333   --out data-efficiency.md
 *   tuned-probe                  (a pseudo-strategy after setfit in --strategies: the LinearProbe, options grid=wide, rows=l2,
 *                                 c=VALUE (fixed C), on the encoder the preceding setfit run tuned, same backbone, size and seed;
 *                                 with=NAME (its options as with.KEY=VALUE): another backbone's frozen features join the tuned
 *                                 ones, join=concat (one probe on both, default) or join=mean (a probe on each, probabilities
 *                                 averaged, weight=0.5 on the tuned encoder's))
 *   --setfit-trainer plain       (plain: Adam, constant rate; library: the SetFit library's body trainer, see libraryTrainer;
 *                                 a step holds batch-size / 2 pairs, so the library's 16 pairs a step is --batch-size 32)
 * </pre>
 */
public final class DataEfficiencyBenchmark {
    record NamedTask(String name, String description, List<Example> train, List<Example> test, List<String> labels) {
    }

    private record Cell(double accuracy, double macroF1, double wall, double cpu, int trainExamples) {
    }

    private DataEfficiencyBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--tasks", "debian,perl", "--sizes", "10,25,50,all", "--seeds", "1,2,3",
                "--backbones", "bert-base-uncased:maxLength=64", "--strategies", "feature-extraction", "--epochs", "4",
                "--head-epochs", "40", "--batch-size", "16", "--debian-per-class", "36", "--perl-per-class", "80"));
        a.put("--archive-per-class", "333");
        a.put("--out", "data-efficiency.md");
        a.put("--engine", "");
        a.put("--setfit-trainer", "plain");
        for (int i = 0; i < argv.length; i += 2) {
            if (!a.containsKey(argv[i]) || i + 1 == argv.length) {
                throw new IllegalArgumentException("unknown option or missing value: '" + argv[i] + "'; options: " + a.keySet());
            }
            a.put(argv[i], argv[i + 1]);
        }
        String engine = a.get("--engine").isEmpty() ? null : a.get("--engine");
        List<String> sizes = List.of(a.get("--sizes").split(","));
        long[] seeds = Arrays.stream(a.get("--seeds").split(",")).mapToLong(Long::parseLong).toArray();
        List<ComponentRef> backbones = a.get("--backbones").equals("none") ? List.of() : refs(a.get("--backbones"));
        List<ComponentRef> strategies = refs(a.get("--strategies"));
        Graft g = Graft.create();
        StringBuilder md = new StringBuilder();
        md.append("Command: `DataEfficiencyBenchmark");
        argvOrDefaults(a).forEach((k, v) -> md.append(' ').append(k).append(' ').append(v));
        md.append("`\n\nEnvironment:");
        Env.describe(g, g.engines().get(engine)).forEach((k, v) -> {
            if (!k.startsWith("module ")) {
                md.append(' ').append(k).append(": ").append(v).append(';');
            }
        });
        md.append("\n");
        for (String t : a.get("--tasks").split(",")) {
            NamedTask task = task(t, a);
            System.err.println("== task " + task.name() + ": " + task.description());
            md.append("\n### ").append(task.name()).append("\n\n").append(task.description()).append("\n\n");
            md.append("| method | labels/class | train examples | test accuracy | test macro F1 | train wall (s) | train CPU (s) |\n");
            md.append("|---|---|---|---|---|---|---|\n");
            List<String> methods = new ArrayList<>();
            methods.add(BaselineRun.NAME);
            for (ComponentRef b : backbones) {
                for (ComponentRef s : strategies) {
                    methods.add(label(b) + " / " + label(s));
                }
            }
            for (String method : methods) {
                for (String size : sizes) {
                    List<Cell> cells = new ArrayList<>();
                    for (long seed : seeds) {
                        List<Example> train = subsample(task.train(), size, seed);
                        Cell c;
                        if (method.equals(BaselineRun.NAME)) {
                            BaselineRun.Result r = BaselineRun.run(train, task.test(), seed);
                            c = new Cell(r.scores().accuracy(), r.scores().macroF1(), r.wallSeconds(), r.cpuSeconds(), train.size());
                        } else {
                            int slash = methods.indexOf(method) - 1;
                            ComponentRef b = backbones.get(slash / strategies.size());
                            ComponentRef s = strategies.get(slash % strategies.size());
                            c = s.name().equals("probe") ? probe(g, b, s.options(), engine, task, train, seed, a)
                                    : s.name().equals(TUNED_PROBE) ? tunedProbe(g, b, s.options(), engine, task, train, size, seed, a)
                                    : transfer(g, b, s, engine, train, task, size, seed, a);
                        }
                        System.err.printf(Locale.ROOT, "%s | %s | %s/class | seed %d: accuracy %.4f, macro F1 %.4f, %.1f s wall, %.1f s CPU%n",
                                task.name(), method, size, seed, c.accuracy(), c.macroF1(), c.wall(), c.cpu());
                        cells.add(c);
                    }
                    String row = String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %.1f | %.1f |", method, size,
                            cells.get(0).trainExamples(), meanStd(cells.stream().mapToDouble(Cell::accuracy).toArray()),
                            meanStd(cells.stream().mapToDouble(Cell::macroF1).toArray()),
                            cells.stream().mapToDouble(Cell::wall).average().orElse(Double.NaN),
                            cells.stream().mapToDouble(Cell::cpu).average().orElse(Double.NaN));
                    System.out.println(row);
                    md.append(row).append('\n');
                }
            }
            md.append(String.format(Locale.ROOT, "\nChance: accuracy %.3f (majority class of the test set).\n", majority(task.test())));
        }
        Files.writeString(Path.of(a.get("--out")), md.toString());
        System.err.println("wrote " + Path.of(a.get("--out")).toAbsolutePath());
        System.exit(0); // native engine threads must not keep the JVM alive
    }

    private static Map<String, String> argvOrDefaults(Map<String, String> a) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.remove("--out");
        m.values().removeIf(String::isEmpty);
        return m;
    }

    static NamedTask task(String name, Map<String, String> a) throws IOException {
        return switch (name) {
            case "debian" -> {
                int per = Integer.parseInt(a.get("--debian-per-class"));
                DebianPackages.Task t = DebianPackages.task(DebianPackages.STATUS, per, 8, 0.25, 42);
                yield new NamedTask("Debian package descriptions by section", String.format(Locale.ROOT,
                        "%s: %d sections %s, %d packages each; %d train, %d held-out test (the quickstart's task).",
                        DebianPackages.STATUS, t.labels().size(), t.labels(), per, t.train().size(), t.test().size()), t.train(), t.test(),
                        t.labels());
            }
            case "perl" -> {
                int per = Integer.parseInt(a.get("--perl-per-class"));
                PerlModules.Task t = PerlModules.task(PerlModules.roots(), 40, per, 0.25, 42);
                yield new NamedTask("Perl module descriptions by namespace family", String.format(Locale.ROOT,
                        "The NAME lines of the %d Perl modules installed under %s (qualified module names removed from the text), "
                                + "labelled by namespace family: %d families %s with at least 40 modules, at most %d each; "
                                + "train per family %s; %d train, %d held-out test.", t.modules(), PerlModules.roots(),
                        t.labels().size(), t.labels(), per, counts(t.train()), t.train().size(), t.test().size()), t.train(), t.test(),
                        t.labels());
            }
            case "archive" -> {
                int per = Integer.parseInt(a.get("--archive-per-class"));
                DebianArchive.Task t = DebianArchive.task(DebianArchive.read(DebianArchive.LISTS), per, 6, 0.5, 42);
                yield new NamedTask("Debian archive synopses by section", String.format(Locale.ROOT,
                        "The one-line synopses of the %d packages in APT's package lists (%s), one per source package and "
                                + "synopsis (%d in topical sections), labelled by section: the %d largest topical sections %s, "
                                + "%d packages each; %d train, %d held-out test.", t.packages(), DebianArchive.LISTS, t.kept(),
                        t.labels().size(), t.labels(), per, t.train().size(), t.test().size()), t.train(), t.test(), t.labels());
            }
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; tasks: debian, perl, archive");
        };
    }

    /** {@code size} examples of each class ("all" = every one), chosen with {@code seed}. */
    static List<Example> subsample(List<Example> train, String size, long seed) {
        Map<String, List<Example>> by = new TreeMap<>();
        train.forEach(e -> by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e));
        List<Example> out = new ArrayList<>();
        Random r = new Random(seed);
        for (List<Example> xs : by.values()) {
            List<Example> copy = new ArrayList<>(xs);
            Collections.shuffle(copy, r);
            int n = size.equals("all") ? copy.size() : Math.min(Integer.parseInt(size), copy.size());
            out.addAll(copy.subList(0, n));
        }
        Collections.shuffle(out, r);
        return out;
    }

    private static Cell transfer(Graft g, ComponentRef backbone, ComponentRef strategy, String engine, List<Example> train,
            NamedTask task, String size, long seed, Map<String, String> a) throws IOException {
        List<Example> test = task.test();
        boolean frozen = strategy.name().equals("feature-extraction");
        // a solved head (feature-extraction's and setfit's default) needs no validation set: it chooses C by CV on all drawn examples
        boolean solved = (frozen || strategy.name().equals("setfit")) && !"sgd".equals(strategy.options().get("head"));
        TrainerConfig base = TrainerConfig.defaults().withBatchSize(Integer.parseInt(a.get("--batch-size"))).withSeed(seed)
                .withValidationFraction(solved ? 0 : 0.2);
        boolean library = strategy.name().equals("setfit") && a.get("--setfit-trainer").equals("library");
        if (!List.of("plain", "library").contains(a.get("--setfit-trainer"))) {
            throw new IllegalArgumentException("--setfit-trainer must be plain or library, got '" + a.get("--setfit-trainer") + "'");
        }
        TrainerConfig tc = library ? libraryTrainer(base.withEpochs(Integer.parseInt(a.get("--epochs"))))
                : solved ? base.withEpochs(Integer.parseInt(a.get("--epochs")))
                : strategy.name().equals("fine-tuning") ? FineTuningRecipe.transformer(base.withLearningRate(1e-3))
                : frozen
                ? base.withEpochs(Integer.parseInt(a.get("--head-epochs"))).withLearningRate(3e-3)
                        .withEarlyStopping(EarlyStopping.on("val_loss", 5))
                : base.withEpochs(Integer.parseInt(a.get("--epochs"))).withLearningRate(1e-3)
                        .withEarlyStopping(EarlyStopping.on("val_loss", 2));
        System.err.println("  trainer: " + tc);
        Path cache = Files.createTempDirectory("graft-bench-cache");
        try {
            PipelineConfig cfg = new PipelineConfig(backbone, strategy, HeadConfig.linear(Task.CLASSIFICATION), tc, engine, cache);
            double cpu0 = BaselineRun.processCpuSeconds();
            long t0 = System.nanoTime();
            PipelineResult r = g.pipeline().config(cfg).data(train).run();
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = BaselineRun.processCpuSeconds() - cpu0;
            ClassificationScores s;
            try (Predictor p = Predictor.open(r.model(), g.engines().get(engine), g.backbones())) {
                s = Evaluation.classification(r.model().labels().labels(), test, p.predict(test));
            }
            if (strategy.name().equals("setfit")) { // the tuned encoder's features, for tuned-probe rows
                Map<String, dev.graft.engine.spi.HostTensor> tuned = new LinkedHashMap<>();
                r.model().weights().forEach((k, v) -> {
                    if (k.startsWith("backbone.")) {
                        tuned.put(k, v);
                    }
                });
                List<Example> all = new ArrayList<>(train);
                all.addAll(test);
                TUNED.put(tunedKey(task, backbone, size, seed), new Tuned(features(g, backbone, engine, all,
                        Integer.parseInt(a.get("--batch-size")), tuned), wall, cpu));
            }
            return new Cell(s.accuracy(), s.macroF1(), wall, cpu, train.size());
        } finally {
            deleteTree(cache);
        }
    }

    /**
     * The trainer settings of the SetFit library's body phase ({@code SentenceTransformer.fit} as
     * {@code SetFitTrainer} calls it): AdamW with weight decay 0.01 sparing biases and LayerNorms,
     * 10 % linear warmup then linear decay to 0 over the contrastive steps, gradients clipped at
     * global norm 1.0; no early stopping (one body epoch, a solved head).
     */
    static TrainerConfig libraryTrainer(TrainerConfig base) {
        return base.withOptimizer(OptimizerSpec.adamW(FineTuningRecipe.WEIGHT_DECAY))
                .withSchedule(Schedule.linear().withWarmup(FineTuningRecipe.WARMUP)).withNoWeightDecay(FineTuningRecipe.NO_WEIGHT_DECAY)
                .withClipGlobalNorm(FineTuningRecipe.CLIP);
    }

    private record Features(Map<Example, float[]> rows, double wallPerExample, double cpuPerExample) {
    }

    private static final Map<String, Features> FEATURES = new java.util.HashMap<>();

    private static Cell probe(Graft g, ComponentRef backbone, Map<String, String> options, String engine, NamedTask task,
            List<Example> train, long seed, Map<String, String> a) {
        Features f = concatenated(g, backbone, engine, task, Integer.parseInt(a.get("--batch-size")));
        if ("l2".equals(options.get("rows"))) {
            f = unitRows(f);
        }
        float[][] x = train.stream().map(f.rows()::get).toArray(float[][]::new);
        double cpu0 = BaselineRun.processCpuSeconds();
        long t0 = System.nanoTime();
        TextBaseline.Options po = TextBaseline.Options.defaults().withSeed(seed);
        if ("wide".equals(options.get("grid"))) { // scikit-learn LogisticRegressionCV's default: Cs=10, log-spaced 1e-4..1e4
            List<Double> grid = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                grid.add(Math.pow(10, -4 + 8.0 * i / 9));
            }
            po = po.withCGrid(grid);
        }
        LinearProbe p = LinearProbe.fit(x, train.stream().map(Example::label).toList(), po);
        double wall = (System.nanoTime() - t0) / 1e9 + f.wallPerExample() * train.size();
        double cpu = BaselineRun.processCpuSeconds() - cpu0 + f.cpuPerExample() * train.size();
        ClassificationScores s = testScores(p, task.test(), f.rows());
        return new Cell(s.accuracy(), s.macroF1(), wall, cpu, train.size());
    }

    /** Features of the encoder a setfit run tuned, with that run's train time. */
    private record Tuned(Features features, double wall, double cpu) {
    }

    /** Pseudo-strategy: other heads on the encoder tuned by the preceding {@code setfit} run of the same backbone, size and seed. */
    static final String TUNED_PROBE = "tuned-probe";
    private static final Map<String, Tuned> TUNED = new java.util.HashMap<>();

    private static String tunedKey(NamedTask task, ComponentRef backbone, String size, long seed) {
        return task.name() + "|" + backbone + "|" + size + "|" + seed;
    }

    /**
     * The LinearProbe on the tuned encoder's features of the preceding setfit run (same task, backbone,
     * size, seed), with options {@code grid=wide}, {@code rows=l2} and {@code c=VALUE} (one fixed C, no
     * cross-validation); charged the setfit run's train time plus its own fit. With {@code with=NAME}
     * (options of that backbone as {@code with.KEY=VALUE}; {@code A+B} allowed), the frozen features of
     * another backbone join the tuned ones: {@code join=concat} (the default) fits one probe on both
     * side by side, {@code join=mean} fits one on each and averages their probabilities with weight
     * {@code weight} (default 0.5) on the tuned encoder's; the frozen features are charged per example.
     */
    private static Cell tunedProbe(Graft g, ComponentRef backbone, Map<String, String> options, String engine, NamedTask task,
            List<Example> train, String size, long seed, Map<String, String> a) {
        Tuned t = TUNED.get(tunedKey(task, backbone, size, seed));
        if (t == null) {
            throw new IllegalArgumentException(TUNED_PROBE + " needs a setfit run of the same backbone before it in --strategies");
        }
        Features f = "l2".equals(options.get("rows")) ? unitRows(t.features()) : t.features();
        Features other = null;
        String join = options.getOrDefault("join", "concat");
        if (!List.of("concat", "mean").contains(join)) {
            throw new IllegalArgumentException(TUNED_PROBE + " option join must be concat or mean, got '" + join + "'");
        }
        if (options.containsKey("with")) {
            Map<String, String> wo = new LinkedHashMap<>();
            options.forEach((k, v) -> {
                if (k.startsWith("with.")) {
                    wo.put(k.substring("with.".length()), v);
                }
            });
            other = concatenated(g, ComponentRef.of(options.get("with"), wo), engine, task, Integer.parseInt(a.get("--batch-size")));
            if (join.equals("concat")) {
                f = new Features(Ensemble.concat(f.rows(), other.rows()), f.wallPerExample(), f.cpuPerExample());
            }
        }
        double cpu0 = BaselineRun.processCpuSeconds();
        long t0 = System.nanoTime();
        TextBaseline.Options po = TextBaseline.Options.defaults().withSeed(seed);
        if ("wide".equals(options.get("grid"))) {
            List<Double> grid = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                grid.add(Math.pow(10, -4 + 8.0 * i / 9));
            }
            po = po.withCGrid(grid);
        }
        if (options.containsKey("c")) {
            po = po.withCGrid(List.of(Double.parseDouble(options.get("c"))));
        }
        List<String> y = train.stream().map(Example::label).toList();
        Map<Example, float[]> rows = f.rows();
        LinearProbe p = LinearProbe.fit(train.stream().map(rows::get).toArray(float[][]::new), y, po);
        ClassificationScores s;
        if (other != null && join.equals("mean")) {
            Map<Example, float[]> orows = other.rows();
            LinearProbe q = LinearProbe.fit(train.stream().map(orows::get).toArray(float[][]::new), y, po);
            double w = Double.parseDouble(options.getOrDefault("weight", "0.5"));
            s = testScores(p.labels(), task.test(), e -> Ensemble.meanProbabilities(p, rows.get(e), q, orows.get(e), w));
            System.err.printf(Locale.ROOT, "  tuned-probe %s: frozen probe C %.4g, cross-validated %s%n", options, q.c(),
                    q.crossValidationAccuracy());
        } else {
            s = testScores(p, task.test(), rows);
        }
        double wall = (System.nanoTime() - t0) / 1e9 + t.wall() + (other == null ? 0 : other.wallPerExample() * train.size());
        double cpu = BaselineRun.processCpuSeconds() - cpu0 + t.cpu() + (other == null ? 0 : other.cpuPerExample() * train.size());
        System.err.printf(Locale.ROOT, "  tuned-probe %s: C %.4g, cross-validated %s%n", options, p.c(), p.crossValidationAccuracy());
        return new Cell(s.accuracy(), s.macroF1(), wall, cpu, train.size());
    }

    /**
     * The frozen features of every train and test example of {@code task}; a backbone named
     * {@code A+B} (each part without options, or with the whole ref's options) gets the parts' features concatenated.
     */
    private static Features concatenated(Graft g, ComponentRef backbone, String engine, NamedTask task, int batch) {
        List<Features> parts = new ArrayList<>();
        for (String name : backbone.name().split("\\+")) {
            ComponentRef part = ComponentRef.of(name, backbone.options());
            parts.add(FEATURES.computeIfAbsent(task.name() + "|" + part, k -> {
                List<Example> all = new ArrayList<>(task.train());
                all.addAll(task.test());
                return features(g, part, engine, all, batch);
            }));
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Map<Example, float[]> rows = new java.util.IdentityHashMap<>();
        for (Example e : parts.get(0).rows().keySet()) {
            int d = parts.stream().mapToInt(p -> p.rows().get(e).length).sum();
            float[] v = new float[d];
            int at = 0;
            for (Features p : parts) {
                float[] r = p.rows().get(e);
                System.arraycopy(r, 0, v, at, r.length);
                at += r.length;
            }
            rows.put(e, v);
        }
        return new Features(rows, parts.stream().mapToDouble(Features::wallPerExample).sum(),
                parts.stream().mapToDouble(Features::cpuPerExample).sum());
    }

    /** Each feature row scaled to unit L2 norm. */
    private static Features unitRows(Features f) {
        Map<Example, float[]> rows = new java.util.IdentityHashMap<>();
        f.rows().forEach((e, r) -> {
            double n = 0;
            for (float v : r) {
                n += v * v;
            }
            float[] u = r.clone();
            double inv = n > 0 ? 1 / Math.sqrt(n) : 1;
            for (int j = 0; j < u.length; j++) {
                u[j] = (float) (u[j] * inv);
            }
            rows.put(e, u);
        });
        return new Features(rows, f.wallPerExample(), f.cpuPerExample());
    }

    /** The backbone's frozen output for every example, built and run the way a feature-extraction pipeline does. */
    private static Features features(Graft g, ComponentRef ref, String engine, List<Example> xs, int batch) {
        return features(g, ref, engine, xs, batch, Map.of());
    }

    /** As above, with {@code tuned} weights (full names under {@code backbone.}) in place of the backbone's own. */
    private static Features features(Graft g, ComponentRef ref, String engine, List<Example> xs, int batch,
            Map<String, HostTensor> tuned) {
        double cpu0 = BaselineRun.processCpuSeconds();
        long t0 = System.nanoTime();
        Map<Example, float[]> out = new java.util.IdentityHashMap<>();
        try (Backbone b = g.backbones().create(ref.name(), ref.options())) {
            NetworkBuilder nb = new NetworkBuilder();
            Map<String, Node> inputs = new LinkedHashMap<>();
            for (InputSpec in : b.inputs()) {
                inputs.put(in.name(), nb.input(in.name(), in.dtype(), in.shape().dims()));
            }
            Node f;
            try (NetworkBuilder.Scope sc = nb.scope("backbone")) {
                f = b.build(nb, inputs);
            }
            nb.output("features", f);
            dev.graft.engine.spi.graph.Network net = nb.build();
            try (CompiledModel m = g.engines().get(engine).compile(net, 42)) {
                Map<String, HostTensor> w = new LinkedHashMap<>(tuned.isEmpty() ? b.weights() : tuned);
                w.keySet().retainAll(net.params().keySet());
                if (!tuned.isEmpty() && w.size() != net.params().size()) {
                    throw new IllegalStateException("the tuned model lacks encoder parameters: has " + w.size() + " of "
                            + net.params().size());
                }
                if (!w.isEmpty()) {
                    m.setParameters(w);
                }
                for (int from = 0; from < xs.size(); from += batch) {
                    List<Example> part = xs.subList(from, Math.min(xs.size(), from + batch));
                    HostTensor h = m.predict(b.encode(part, false, 0), "features");
                    int d = (int) h.shape().dim(1);
                    float[] v = h.floats();
                    for (int r = 0; r < part.size(); r++) {
                        out.put(part.get(r), Arrays.copyOfRange(v, r * d, (r + 1) * d));
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("features of " + ref + ": " + e.getMessage(), e);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = BaselineRun.processCpuSeconds() - cpu0;
        System.err.printf(Locale.ROOT, "features of %s: %d examples in %.1f s wall, %.1f s CPU%n", ref, xs.size(), wall, cpu);
        return new Features(out, wall / xs.size(), cpu / xs.size());
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Collections.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /** Parses NAME[:KEY=VALUE[;KEY=VALUE]] items separated by commas. */
    static List<ComponentRef> refs(String spec) {
        List<ComponentRef> out = new ArrayList<>();
        for (String item : spec.split(",")) {
            String[] p = item.split(":", 2);
            Map<String, String> o = new LinkedHashMap<>();
            if (p.length == 2) {
                for (String kv : p[1].split(";")) {
                    String[] x = kv.split("=", 2);
                    if (x.length != 2) {
                        throw new IllegalArgumentException("'" + item + "': options are KEY=VALUE separated by ';'");
                    }
                    o.put(x[0], x[1]);
                }
            }
            out.add(ComponentRef.of(p[0], o));
        }
        return out;
    }

    private static String label(ComponentRef r) {
        return r.options().isEmpty() ? r.name() : r.name() + " " + r.options();
    }

    static String meanStd(double[] v) {
        double m = Arrays.stream(v).average().orElse(Double.NaN);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        double sd = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.3f ± %.3f", m, sd);
    }

    private static String counts(List<Example> xs) {
        Map<String, Integer> m = new TreeMap<>();
        xs.forEach(e -> m.merge(e.label(), 1, Integer::sum));
        return m.toString();
    }

    private static double majority(List<Example> test) {
        Map<String, Integer> m = new TreeMap<>();
        test.forEach(e -> m.merge(e.label(), 1, Integer::sum));
        return m.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) test.size();
    }

    /** The probe's predictions on the test examples' feature rows, scored. */
    private static ClassificationScores testScores(LinearProbe p, List<Example> test, Map<Example, float[]> rows) {
        return testScores(p.labels(), test, e -> p.probabilities(rows.get(e)));
    }

    /** Predictions from {@code probabilities} (in {@code labels} order) on the test examples, scored. */
    private static ClassificationScores testScores(List<String> labels, List<Example> test,
            java.util.function.Function<Example, double[]> probabilities) {
        List<dev.graft.core.model.Prediction> preds = new ArrayList<>();
        for (Example e : test) {
            double[] pr = probabilities.apply(e);
            Map<String, Double> sc = new LinkedHashMap<>();
            for (int k = 0; k < pr.length; k++) {
                sc.put(labels.get(k), pr[k]);
            }
            preds.add(new dev.graft.core.model.Prediction(e.source(), Ensemble.argmax(labels, pr), sc));
        }
        return Evaluation.classification(labels, test, preds);
    }
}
