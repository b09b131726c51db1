package dev.graft.nlp.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.nlp.BertBatch;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertWeights;
import dev.graft.nlp.PretrainedBert;
import dev.graft.weights.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Pretrained BERT-Base (Google's uncased weights) on several engine settings in one JVM,
 * interleaved (the order reverses every round): embedding inference ({@code pooled}, batch x 128
 * tokens) on TensorFlow fp32, TensorFlow bf16 and PyTorch fp32, and an Adam fine-tuning step on
 * every parameter on TensorFlow fp32 and bf16. Prints median wall and CPU milliseconds per batch,
 * the ratios to TensorFlow fp32, and how far each pooled output is from TensorFlow fp32's.
 *
 * <pre>
 * mvn -q -o -pl nlp-plugin -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
 * cd nlp-plugin && OMP_WAIT_POLICY=PASSIVE /work/bin/bert-slot java -Xmx3g -Dgraft.cache.dir=../.graft-cache \
 *     -cp target/test-classes:target/classes:$(cat target/bench.cp) dev.graft.nlp.bench.BertEnginePrecisionBenchmark
 * </pre>
 *
 * <p>System properties: {@code bench.batch} (8), {@code bench.iters} (2, timed batches per round),
 * {@code bench.rounds} (3), {@code bench.paths} (tf-fp32,tf-bf16,pt-fp32), {@code bench.train} (true).
 */
public final class BertEnginePrecisionBenchmark {
    private BertEnginePrecisionBenchmark() {
    }

    record Path_(String name, Engine engine) {
    }

    public static void main(String[] args) throws Exception {
        int batch = Integer.getInteger("bench.batch", 8);
        int iters = Integer.getInteger("bench.iters", 2);
        int rounds = Integer.getInteger("bench.rounds", 3);
        List<String> wanted = List.of(System.getProperty("bench.paths", "tf-fp32,tf-bf16,pt-fp32").split(","));
        boolean train = Boolean.parseBoolean(System.getProperty("bench.train", "true"));
        Path dir = PretrainedBert.savedModelDir();
        BertConfig c = BertConfig.bertBaseUncasedGoogle();
        List<BertBatch.Sequence> seqs = BertBenchmark.sentences(batch);
        Map<String, HostTensor> in128 = BertBatch.tensorsOfLength(c, seqs, 128);
        Map<String, HostTensor> trainBatch = new LinkedHashMap<>(in128);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 2;
        }
        trainBatch.put("label", HostTensor.ofInts(labels, batch));
        Map<String, HostTensor> weights = BertWeights.fromGoogle(dir.toString(), TensorBundle.read(TensorBundle.prefixOf(dir),
                n -> BertWeights.googleTarget(n) != null), c, "backbone", true).weights();

        List<Path_> paths = new ArrayList<>();
        for (String w : wanted) {
            switch (w.trim()) {
                case "tf-fp32" -> paths.add(new Path_("TensorFlow fp32", new ServiceLoaderEngineRegistry().get("tensorflow")));
                case "tf-bf16" -> paths.add(new Path_("TensorFlow bf16", new ServiceLoaderEngineRegistry(
                        EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16)).get("tensorflow")));
                case "pt-fp32" -> paths.add(new Path_("PyTorch fp32", new ServiceLoaderEngineRegistry(EngineSettings.fromEnvironment())
                        .get("pytorch")));
                default -> throw new IllegalArgumentException("bench.paths: unknown path '" + w + "'; valid: tf-fp32, tf-bf16, pt-fp32");
            }
        }
        System.out.printf("BERT-Base uncased, batch %d x 128 tokens; %d cores, native bf16 %s; load average at start %s%n", batch,
                Runtime.getRuntime().availableProcessors(), CpuFeatures.nativeBf16(), loadAverage());
        for (Path_ p : paths) {
            System.out.println("  " + p.name() + ": " + p.engine().version());
        }

        // inference: one compiled model per path, all alive together
        List<Bench> inference = new ArrayList<>();
        List<float[]> pooled = new ArrayList<>();
        List<CompiledModel> open = new ArrayList<>();
        try {
            for (Path_ p : paths) {
                CompiledModel m = p.engine().compile(BertBenchmark.network(c, false), 1, weights);
                open.add(m);
                pooled.add(m.predict(in128, "pooled").floats());
                inference.add(new Bench(p.name(), () -> m.predict(in128, "pooled")));
            }
            for (int i = 0; i < paths.size(); i++) {
                double d = 0;
                for (int j = 0; j < pooled.get(0).length; j++) {
                    d = Math.max(d, Math.abs(pooled.get(i)[j] - pooled.get(0)[j]));
                }
                System.out.printf("  pooled output, %s vs %s: max |diff| %.4g%n", paths.get(i).name(), paths.get(0).name(), d);
            }
            run("embedding inference (pooled)", inference, rounds, iters);
        } finally {
            for (CompiledModel m : open) {
                m.close();
            }
            open.clear();
        }
        if (!train) {
            return;
        }
        // fine-tuning: Adam on every parameter, no dropout, TensorFlow paths only (PyTorch trains BERT-Base far slower)
        List<Bench> steps = new ArrayList<>();
        try {
            for (Path_ p : paths) {
                if (!p.name().startsWith("TensorFlow")) {
                    continue;
                }
                CompiledModel m = p.engine().compile(BertBenchmark.network(c.withDropout(0, 0), true), 1, weights);
                open.add(m);
                m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-5)));
                double loss = m.trainStep(trainBatch).loss();
                System.out.printf("  first fine-tuning step loss, %s: %.5f%n", p.name(), loss);
                steps.add(new Bench(p.name(), () -> m.trainStep(trainBatch)));
            }
            run("fine-tuning step (Adam, every parameter)", steps, rounds, iters);
        } finally {
            for (CompiledModel m : open) {
                m.close();
            }
        }
    }

    record Bench(String name, Supplier<Object> run) {
    }

    private static void run(String what, List<Bench> benches, int rounds, int iters) {
        int n = benches.size();
        double[][] wall = new double[n][rounds];
        double[][] cpu = new double[n][rounds];
        for (Bench b : benches) {
            b.run().get();
        }
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < n; j++) {
                int i = r % 2 == 0 ? j : n - 1 - j;
                double c0 = BertBenchmark.cpuSeconds();
                long w0 = System.nanoTime();
                for (int k = 0; k < iters; k++) {
                    benches.get(i).run().get();
                }
                wall[i][r] = (System.nanoTime() - w0) / 1e6 / iters;
                cpu[i][r] = (BertBenchmark.cpuSeconds() - c0) * 1000 / iters;
            }
        }
        System.out.printf("%n%s: median of %d rounds of %d batches, load average at the end %s%n%n", what, rounds, iters, loadAverage());
        System.out.println("| path | wall ms per batch | CPU ms per batch | CPU vs first | wall vs first |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int i = 0; i < n; i++) {
            System.out.printf("| %s | %.0f | %.0f | x%.2f | x%.2f |%n", benches.get(i).name(), median(wall[i]), median(cpu[i]),
                    median(cpu[i]) / median(cpu[0]), median(wall[i]) / median(wall[0]));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
