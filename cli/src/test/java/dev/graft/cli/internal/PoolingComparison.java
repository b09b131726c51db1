package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineConfig;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures feature pooling on the quickstart's task (Debian package descriptions by section): a
 * frozen backbone, one pooling at a time, the quickstart's linear head and head training, over
 * several task seeds (each seed draws other packages and another test split). Not a test: a
 * program whose output goes into docs/nlp.md.
 *
 * <p>Arguments: backbone (default bert-base-uncased), poolings (comma-separated, default
 * cls,pooler,mean,mean-last-4), seeds (comma-separated, default 42,43,44), per-class (default 36),
 * extra backbone options as key=value.
 */
public final class PoolingComparison {
    private PoolingComparison() {
    }

    public static void main(String[] args) throws Exception {
        String backbone = args.length > 0 ? args[0] : "bert-base-uncased";
        List<String> poolings = List.of((args.length > 1 ? args[1] : "cls,pooler,mean,mean-last-4").split(","));
        List<String> seeds = List.of((args.length > 2 ? args[2] : "42,43,44").split(","));
        int perClass = args.length > 3 ? Integer.parseInt(args[3]) : 36;
        Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            extra.put(kv[0], kv[1]);
        }
        Graft g = Graft.create();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (String seedText : seeds) {
            long seed = Long.parseLong(seedText);
            DebianPackages.Task task = DebianPackages.task(DebianPackages.STATUS, perClass, 8, 0.25, seed);
            System.out.printf(Locale.ROOT, "seed %d: %d sections %s, %d train, %d test%n", seed, task.labels().size(), task.labels(),
                    task.train().size(), task.test().size());
            for (String pooling : poolings) {
                Map<String, String> bopts = new LinkedHashMap<>();
                bopts.put("maxLength", "64");
                bopts.put("pooling", pooling);
                bopts.putAll(extra);
                TrainerConfig head = TrainerConfig.defaults().withBatchSize(16).withSeed(seed).withValidationFraction(0.2)
                        .withEpochs(40).withLearningRate(3e-3).withEarlyStopping(EarlyStopping.on("val_loss", 5));
                PipelineConfig cfg = new PipelineConfig(ComponentRef.of(backbone, bopts), ComponentRef.of("feature-extraction"),
                        HeadConfig.linear(Task.CLASSIFICATION), head, "tensorflow", null);
                long t0 = System.nanoTime();
                Runs.Outcome o = Runs.fit(g, pooling, cfg, task.train(), null, task.test(), quiet);
                double s = (System.nanoTime() - t0) / 1e9;
                results.computeIfAbsent(pooling, k -> new ArrayList<>()).add(new double[] {o.test().accuracy(), o.test().macroF1()});
                System.out.printf(Locale.ROOT, "  %-12s test acc %.3f  macro F1 %.3f  (%.1f s)%n", pooling, o.test().accuracy(),
                        o.test().macroF1(), s);
            }
        }
        System.out.printf(Locale.ROOT, "%n%s, frozen, linear head, %d seeds: mean (std) over seeds%n", backbone, seeds.size());
        System.out.printf(Locale.ROOT, "%-12s %-16s %-16s%n", "pooling", "test accuracy", "macro F1");
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
            System.out.printf(Locale.ROOT, "%-12s %-16s %-16s%n", e.getKey(), stat(e.getValue(), 0), stat(e.getValue(), 1));
        }
    }

    private static String stat(List<double[]> rows, int col) {
        double mean = rows.stream().mapToDouble(r -> r[col]).average().orElse(Double.NaN);
        double var = rows.stream().mapToDouble(r -> (r[col] - mean) * (r[col] - mean)).sum() / Math.max(1, rows.size() - 1);
        return String.format(Locale.ROOT, "%.3f (%.3f)", mean, Math.sqrt(var));
    }
}
