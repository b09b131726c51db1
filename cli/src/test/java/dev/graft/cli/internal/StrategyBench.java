package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.FineTuningRecipe;
import dev.graft.core.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (a main program, not a test): one strategy on the quickstart's task (Debian package
 * descriptions by section, BERT-Base or the backbone given third, max length 64, batch 16, head lr
 * 1e-3, seed 42), trained either with the transformer recipe ({@code recipe}, the default:
 * {@link FineTuningRecipe#transformer}, AdamW, 10 % warmup then linear decay, clipping, 10 epochs,
 * early stopping on val_loss with patience 3 restoring the best epoch; {@code recipe:4} = the same
 * with 4 epochs, the step budget of the quickstart's run) or as the quickstart's
 * fine-tuning run ({@code quickstart}: Adam, constant rate, 4 epochs, patience 2). Prints
 * one line: strategy, test accuracy, macro F1, train seconds, trainable parameters, optimizer steps,
 * process CPU seconds per step, peak resident memory (VmHWM). Run one strategy per JVM so the peak
 * memory is its own:
 *
 * <pre>
 * /work/bin/bert-slot java -Xmx8g -cp "$CP" dev.graft.cli.internal.StrategyBench lora [recipe|recipe:EPOCHS|quickstart] [backbone] [KEY=VALUE;...]
 * </pre>
 *
 * Strategies: {@code fine-tuning} (backboneLr 5e-5 on BERT-Base, else its default), {@code lora} (its
 * defaults; with {@code quickstart}: rank 8, alpha 16, query and value kernels, adapters at the head's
 * rate), {@code l2-sp} (as fine-tuning, alpha 0.01, beta 0.01); a fourth argument adds or overrides
 * strategy options ({@code targets=backbone.**.attention.*.kernel;lrFactor=2}). For a LoRA model it also writes the
 * merged model and the adapter-only file and prints their sizes.
 */
public final class StrategyBench {
    private StrategyBench() {
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    public static void main(String[] args) throws Exception {
        String run = args.length > 0 ? args[0] : "lora";
        String trainer = args.length > 1 ? args[1] : "recipe";
        String backbone = args.length > 2 ? args[2] : "bert-base-uncased";
        boolean quickstart = trainer.equals("quickstart");
        if (!quickstart && !trainer.matches("recipe(:[0-9]+)?")) {
            throw new IllegalArgumentException("trainer: recipe, recipe:EPOCHS or quickstart, got '" + trainer + "'");
        }
        Map<String, String> opts = new java.util.TreeMap<>(switch (run) {
            case "fine-tuning", "l2-sp" -> backbone.equals("bert-base-uncased") ? Map.of("backboneLr", "5e-5") : Map.of();
            case "lora" -> quickstart ? Map.of("rank", "8", "alpha", "16", "lrFactor", "1",
                    "targets", "backbone.**.query.kernel,backbone.**.value.kernel") : Map.of();
            default -> throw new IllegalArgumentException("strategy: fine-tuning, lora or l2-sp");
        });
        for (String kv : args.length > 3 ? args[3].split(";") : new String[0]) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("strategy option: KEY=VALUE, got '" + kv + "' in '" + args[3] + "'");
            }
            opts.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        Graft g = Graft.create();
        DebianPackages.Task task = DebianPackages.task(Path.of("/var/lib/dpkg/status"), 36, 8, 0.25, 42);
        TrainerConfig base = TrainerConfig.defaults().withBatchSize(16).withSeed(42).withValidationFraction(0.2).withLearningRate(1e-3)
                .withProgress(true); // one log line per epoch on stderr (no effect on the numbers)
        TrainerConfig tc = quickstart ? base.withEpochs(4).withEarlyStopping(EarlyStopping.on("val_loss", 2))
                : trainer.contains(":") ? FineTuningRecipe.transformer(base).withEpochs(Integer.parseInt(trainer.substring(7)))
                : FineTuningRecipe.transformer(base);
        PipelineConfig cfg = new PipelineConfig(ComponentRef.of(backbone, Map.of("maxLength", "64")),
                ComponentRef.of(run, opts), HeadConfig.linear(Task.CLASSIFICATION), tc, null, null);
        long cpu0 = cpuNanos();
        PrintStream log = System.err;
        Runs.Outcome o = Runs.fit(g, run, cfg, task.train(), null, task.test(), log);
        double cpu = (cpuNanos() - cpu0) / 1e9;
        long steps = o.result().history().steps();
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: ?").replaceAll("\\s+", " ");
        System.out.printf(Locale.ROOT, "%s %s %s: test accuracy %.3f, macro F1 %.3f, train %.1f s, trainable %,d, %d steps, "
                + "%.2f CPU s/step (whole process incl. evaluation), peak RSS %s, stop %s after %d epoch(s), best epoch %d%n", run, trainer, opts,
                o.test().accuracy(), o.test().macroF1(),
                o.seconds().getOrDefault("training", 0.0), o.trainable(), steps, cpu / Math.max(1, steps), hwm.substring(7),
                o.result().history().stopReason(), o.result().history().epochs().size(), o.result().history().bestEpoch() + 1);
        if (!o.result().model().adapterWeights().isEmpty()) {
            Path dir = Files.createTempDirectory("graft-strategy-bench");
            o.result().model().save(dir.resolve("merged"));
            o.result().model().saveAdapters(dir.resolve("adapters.safetensors"));
            System.out.printf(Locale.ROOT, "%s: adapter-only file %,d bytes, merged weights file %,d bytes (%s)%n", run,
                    Files.size(dir.resolve("adapters.safetensors")),
                    Files.size(dir.resolve("merged").resolve(dev.graft.core.model.TrainedModel.WEIGHTS)), dir);
        }
        System.out.println(run + ": plan: " + o.result().planReport().lines().findFirst().orElse(""));
        System.exit(0); // native engine threads must not keep the JVM alive
    }
}
