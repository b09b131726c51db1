package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.FineTuningRecipe;
import dev.graft.core.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LoRA tuning on a cheap proxy (a main program, not a test): every run spec on every task and seed,
 * in one JVM, each trained with the transformer recipe ({@link FineTuningRecipe#transformer}: AdamW,
 * linear warmup 10 % then linear decay, clipping, early stopping on val_loss restoring the best
 * epoch) at the given head learning rate, batch 16, 20 % validation. Prints one line per run.
 *
 * <pre>
 * java -Xmx6g -cp "$CP" dev.graft.cli.internal.LoraTuning --backbone all-minilm-l6-v2:maxLength=64 --tasks debian,perl \
 *     --seeds 42 --epochs 10 --runs 'fine-tuning@1e-3|lora:rank=8;alpha=16@1e-3|lora:rank=8;alpha=16;lrFactor=2@1e-3'
 * </pre>
 *
 * A run spec is {@code STRATEGY[:KEY=VALUE[;KEY=VALUE]][@HEAD_LR]}, specs separated by {@code |}.
 */
public final class LoraTuning {
    private LoraTuning() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--backbone", "all-minilm-l6-v2:maxLength=64", "--tasks", "debian,perl",
                "--seeds", "42", "--epochs", "10", "--runs", "lora@1e-3", "--batch-size", "16", "--patience", "3"));
        for (int i = 0; i < argv.length; i += 2) {
            if (!a.containsKey(argv[i]) || i + 1 == argv.length) {
                throw new IllegalArgumentException("unknown option or missing value: '" + argv[i] + "'; options: " + a.keySet());
            }
            a.put(argv[i], argv[i + 1]);
        }
        Graft g = Graft.create();
        ComponentRef backbone = ref(a.get("--backbone"), ":");
        PrintStream out = System.out;
        for (String taskName : a.get("--tasks").split(",")) {
            List<Example>[] task = task(taskName);
            for (String spec : a.get("--runs").split("\\|")) {
                String[] at = spec.split("@");
                double headLr = at.length > 1 ? Double.parseDouble(at[1]) : 1e-3;
                ComponentRef strategy = ref(at[0], ":");
                for (String seed : a.get("--seeds").split(",")) {
                    TrainerConfig tc = FineTuningRecipe.transformer(TrainerConfig.defaults()
                            .withBatchSize(Integer.parseInt(a.get("--batch-size"))).withSeed(Long.parseLong(seed))
                            .withValidationFraction(0.2).withLearningRate(headLr))
                            .withEpochs(Integer.parseInt(a.get("--epochs")))
                            .withEarlyStopping(dev.graft.core.train.EarlyStopping.on("val_loss", Integer.parseInt(a.get("--patience"))));
                    Path cache = Files.createTempDirectory("graft-lora-tuning");
                    PipelineConfig cfg = new PipelineConfig(backbone, strategy, HeadConfig.linear(Task.CLASSIFICATION), tc, null, cache);
                    double cpu0 = BaselineRun.processCpuSeconds();
                    long t0 = System.nanoTime();
                    Runs.Outcome o = Runs.fit(g, spec, cfg, task[0], null, task[1], System.err);
                    double wall = (System.nanoTime() - t0) / 1e9;
                    double cpu = BaselineRun.processCpuSeconds() - cpu0;
                    ClassificationScores s = o.test();
                    var h = o.result().history();
                    out.printf(Locale.ROOT, "%s | %s | seed %s | test acc %.4f | macro F1 %.4f | best epoch %d of %d | steps %d | "
                            + "trainable %,d | %.0f s wall | %.0f s CPU%n", taskName, spec, seed, s.accuracy(), s.macroF1(),
                            h.bestEpoch() + 1, h.epochs().size(), h.steps(), o.trainable(), wall, cpu);
                    out.flush();
                }
            }
        }
        System.exit(0); // native engine threads must not keep the JVM alive
    }

    @SuppressWarnings("unchecked")
    private static List<Example>[] task(String name) throws java.io.IOException {
        return switch (name) {
            case "debian" -> {
                DebianPackages.Task t = DebianPackages.task(DebianPackages.STATUS, 36, 8, 0.25, 42);
                yield new List[] {t.train(), t.test()};
            }
            case "perl" -> {
                PerlModules.Task t = PerlModules.task(PerlModules.roots(), 40, 80, 0.25, 42);
                yield new List[] {t.train(), t.test()};
            }
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; tasks: debian, perl");
        };
    }

    private static ComponentRef ref(String text, String sep) {
        int c = text.indexOf(sep);
        if (c < 0) {
            return ComponentRef.of(text, Map.of());
        }
        Map<String, String> o = new LinkedHashMap<>();
        for (String kv : text.substring(c + 1).split(";")) {
            int eq = kv.indexOf('=');
            o.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return ComponentRef.of(text.substring(0, c), o);
    }
}
