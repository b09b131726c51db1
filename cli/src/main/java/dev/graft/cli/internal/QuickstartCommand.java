package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.pipeline.ComponentRef;
import dev.graft.core.pipeline.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
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

/**
 * {@code graft quickstart}: the real pretrained BERT-Base adapted to the descriptions of this
 * machine's Debian packages labelled by section, with feature extraction, hybrid and fine-tuning
 * compared against the same architecture trained from scratch; a results table and a report.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a real transfer-learning task end to end, offline: the pretrained BERT-Base (bert-base-uncased) on "
                + "the descriptions of this machine's Debian packages labelled by section (the largest sections, balanced, "
                + "with a held-out stratified test split), comparing feature extraction, hybrid (top layers) and fine-tuning "
                + "against the same architecture trained from scratch (random initialisation).",
                "Prints a results table and writes an HTML report."})
final class QuickstartCommand implements Callable<Integer> {
    /** The runs, in order. */
    static final List<String> RUNS = List.of("feature-extraction", "hybrid", "fine-tuning", "from-scratch");

    @ParentCommand
    GraftCommand parent;

    @Option(names = "--status", defaultValue = "/var/lib/dpkg/status", description = "Debian package database (default ${DEFAULT-VALUE})")
    Path status;

    @Option(names = "--per-class", defaultValue = "36", description = "packages per section, train + test (default ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--max-classes", defaultValue = "8", description = "at most this many sections, the largest (default ${DEFAULT-VALUE})")
    int maxClasses;

    @Option(names = "--test-fraction", defaultValue = "0.25", description = "held-out test share of each section (default ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--backbone", defaultValue = "bert-base-uncased", description = "pretrained backbone (default ${DEFAULT-VALUE})")
    String backbone;

    @Option(names = "--max-length", defaultValue = "64", description = "tokens per description, dynamic padding below it (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--epochs", defaultValue = "4", description = "epochs of the runs that train the backbone (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--head-epochs", defaultValue = "40", description = "epochs of the head on cached features (default ${DEFAULT-VALUE})")
    int headEpochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "(default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--runs", split = ",", description = "which runs, of " + "feature-extraction,hybrid,fine-tuning,from-scratch (default: all)")
    List<String> runs = new ArrayList<>(RUNS);

    @Option(names = "--seed", defaultValue = "42", description = "(default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "report directory (default: graft-runs/quickstart-<time>)")
    Path output;

    @Option(names = "--save-models", description = "also save each trained model under <output>/models")
    boolean saveModels;

    @Mixin
    Args.EngineOption engine;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        PrintStream out = parent.out();
        PrintStream log = parent.err();
        Args.backbone(g, backbone);
        String engineId = Args.engine(g, engine.engine);
        for (String r : runs) {
            if (!RUNS.contains(r)) {
                throw new UsageException("unknown quickstart run '" + r + "'; valid runs: " + RUNS);
            }
        }
        Args.readable(status, "Debian package database");
        if (output == null) {
            output = Path.of("graft-runs", "quickstart-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        DebianPackages.Task task = DebianPackages.task(status, perClass, maxClasses, testFraction, seed);
        String taskText = String.format(Locale.ROOT, "Debian package descriptions from %s labelled by section: %d sections %s, "
                + "%d packages each (%d train incl. validation, %d held-out test); %d packages with a description and section "
                + "read, %d stanzas without one skipped.", status, task.labels().size(), task.labels(), perClass, task.train().size(),
                task.test().size(), task.packages(), task.skipped());
        out.println(taskText);
        Map<String, String> bopts = Map.of("maxLength", Integer.toString(maxLength));
        List<Block> blocks = g.backbones().create(backbone, bopts).blocks();
        String cut = blocks.stream().map(Block::name).filter(n -> n.equals("encoder.layer_10")).findFirst()
                .orElse(blocks.get(Math.max(1, blocks.size() - 3)).name());
        TrainerConfig base = TrainerConfig.defaults().withBatchSize(batchSize).withSeed(seed).withValidationFraction(0.2)
                .withProgress(true);
        TrainerConfig deep = base.withEpochs(epochs).withLearningRate(1e-3).withEarlyStopping(EarlyStopping.on("val_loss", 2));
        HeadConfig head = HeadConfig.linear(Task.CLASSIFICATION);
        Map<String, PipelineConfig> configs = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        names.put("feature-extraction", "feature extraction (frozen BERT-Base, linear head)");
        names.put("hybrid", "hybrid (frozen below " + cut + ")");
        names.put("fine-tuning", "fine-tuning (all blocks, backbone lr 5e-5)");
        names.put("from-scratch", "from scratch (same architecture, random init)");
        configs.put("feature-extraction", new PipelineConfig(ComponentRef.of(backbone, bopts), ComponentRef.of("feature-extraction"),
                head, base.withEpochs(headEpochs).withLearningRate(3e-3).withEarlyStopping(EarlyStopping.on("val_loss", 5)),
                engineId, null));
        configs.put("hybrid", new PipelineConfig(ComponentRef.of(backbone, bopts), ComponentRef.of("hybrid", Map.of("cut", cut)), head,
                deep, engineId, null));
        configs.put("fine-tuning", new PipelineConfig(ComponentRef.of(backbone, bopts),
                ComponentRef.of("fine-tuning", Map.of("backboneLr", "5e-5")), head, deep, engineId, null));
        Map<String, String> scratch = new LinkedHashMap<>(bopts);
        scratch.put("of", backbone);
        configs.put("from-scratch", new PipelineConfig(ComponentRef.of(ScratchBackboneProvider.NAME, scratch),
                ComponentRef.of("fine-tuning", Map.of("backboneLr", "1e-4")), head, deep, engineId, null));

        List<Runs.Outcome> outcomes = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String r : runs) {
            log.println();
            log.println("== " + names.get(r) + " ==");
            Runs.Outcome o = Runs.fit(g, names.get(r), configs.get(r), task.train(), null, task.test(), log);
            log.printf(Locale.ROOT, "%s: test accuracy %.3f, macro F1 %.3f%n", r, o.test().accuracy(), o.test().macroF1());
            outcomes.add(o);
            if (saveModels) {
                o.result().model().save(output.resolve("models").resolve(r));
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        out.println();
        out.printf("%-52s %9s %9s %11s %13s %s%n", "strategy", "test acc", "macro F1", "train (s)", "trainable", "epochs");
        List<RunReport.Section> sections = new ArrayList<>();
        for (Runs.Outcome o : outcomes) {
            RunReport.Section s = Runs.section(o);
            sections.add(s);
            out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %11.1f %,13d %d%n", o.name(), o.test().accuracy(), o.test().macroF1(),
                    s.trainSeconds(), o.trainable(), o.result().history().epochs().size());
        }
        BaselineRun.Result baseline = BaselineRun.run(task.train(), task.test(), seed);
        out.printf(Locale.ROOT, "%-52s %9.3f %9.3f %11.1f %13s %s%n", BaselineRun.NAME, baseline.scores().accuracy(),
                baseline.scores().macroF1(), baseline.wallSeconds(), "-", "-");
        out.printf(Locale.ROOT, "chance level: accuracy %.3f (%d balanced classes); all runs took %.0f s%n", 1.0 / task.labels().size(),
                task.labels().size(), total);
        List<String> notes = List.of(
                "Train time = backbone feature computation (feature extraction only) + training, including per-epoch validation.",
                "From scratch uses the 'scratch' backbone: " + backbone + "'s architecture and tokenizer with every weight randomly "
                        + "initialised (seed " + seed + "), fine-tuned like the pretrained one.",
                "Validation (for early stopping) is 20% of each class of the training part; the test set was never seen in training.",
                "Baseline (no pretraining), trained on the whole training part and scored on the same test set: " + baseline.line());
        RunReport report = new RunReport("graft quickstart: transfer learning with " + backbone, taskText, "test",
                Env.describe(g, g.engines().get(engineId)), task.labels(), sections, notes);
        Path html = ReportWriter.write(report, output);
        out.println("report: " + html.toAbsolutePath());
        return 0;
    }
}
