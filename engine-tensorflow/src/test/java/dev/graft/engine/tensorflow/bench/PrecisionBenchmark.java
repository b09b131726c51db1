package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * fp32 versus bf16 training steps and inference of the same networks in one JVM, interleaved (the
 * order alternates each round): median wall and CPU milliseconds per step, their ratio, and how far
 * bf16's loss and outputs are from fp32's.
 *
 * <pre>
 * mvn -q -o -pl engine-tensorflow -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench.cp
 * java -Xmx4g -cp engine-tensorflow/target/test-classes:engine-tensorflow/target/classes:$(cat engine-tensorflow/target/bench.cp) \
 *     dev.graft.engine.tensorflow.bench.PrecisionBenchmark
 * </pre>
 *
 * System properties: {@code bench.rounds} (7), {@code bench.steps} (3), {@code bench.models} (transformer,resnet; bert-layer for one BERT-Base-sized layer).
 */
public final class PrecisionBenchmark {
    private PrecisionBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = Integer.getInteger("bench.rounds", 7);
        int steps = Integer.getInteger("bench.steps", 3);
        String models = System.getProperty("bench.models", "transformer,resnet");
        EngineProvider tf = ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("tensorflow")).findFirst().orElseThrow();
        Engine fp32 = tf.create(EngineSettings.defaults());
        Engine bf16 = tf.create(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16));
        System.out.printf("machine: %d cores, CPU bf16 native: %s, load average %.2f; %s%n", Runtime.getRuntime().availableProcessors(),
                CpuFeatures.nativeBf16(), loadAverage(),
                fp32.version());
        for (String m : models.split(",")) {
            boolean resnet = m.trim().equals("resnet");
            boolean bertLayer = m.trim().equals("bert-layer");
            Network net = resnet ? BenchNetworks.resnet() : bertLayer ? BenchNetworks.transformer(768, 12, 3072) : BenchNetworks.transformer();
            int batch = resnet ? BenchNetworks.RESNET_BATCH : BenchNetworks.TRANSFORMER_BATCH;
            Map<String, HostTensor> data = TrainingThroughputBenchmark.batch(net, batch, resnet);
            System.out.println();
            System.out.println((resnet ? "ResNet-style CNN (32x32x3, batch 32)" : bertLayer
                    ? "One BERT-Base-sized encoder layer (seq 128, hidden 768, 12 heads, FFN 3072, batch 8)"
                    : "Transformer encoder block (seq 128, hidden 256, batch 8)")
                    + ", " + net.trainableParameterCount() + " parameters");
            try (CompiledModel a = fp32.compile(net, 7); CompiledModel b = bf16.compile(net, 7)) {
                Map<String, HostTensor> x = Map.of("x", data.get("x"));
                float[] pa = a.predict(x, "logits").floats();
                float[] pb = b.predict(x, "logits").floats();
                double maxAbs = 0;
                double scale = 0;
                for (int i = 0; i < pa.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(pa[i] - pb[i]));
                    scale = Math.max(scale, Math.abs(pa[i]));
                }
                System.out.printf("  inference logits: max |bf16 - fp32| %.4g (largest |logit| %.4g)%n", maxAbs, scale);
                inference(a, b, x, rounds, steps);
                a.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-3)));
                b.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-3)));
                double la = 0;
                double lb = 0;
                for (int i = 0; i < 3; i++) {
                    la = a.trainStep(data).loss();
                    lb = b.trainStep(data).loss();
                }
                System.out.printf("  training loss after 3 steps from the same start: fp32 %.5f, bf16 %.5f%n", la, lb);
                try {
                    compare("training step", () -> a.trainStep(data), () -> b.trainStep(data), rounds, steps);
                } catch (dev.graft.engine.spi.train.NonFiniteLossException e) {
                    System.out.println("  training step: " + e.getMessage() + " (fp32 or bf16 diverged; no timing)");
                }
            }
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static void inference(CompiledModel a, CompiledModel b, Map<String, HostTensor> x, int rounds, int steps) {
        for (int i = 0; i < 2; i++) {
            a.predict(x, "logits");
            b.predict(x, "logits");
        }
        compare("inference", () -> a.predict(x, "logits"), () -> b.predict(x, "logits"), rounds, steps);
    }

    private static void compare(String what, Runnable fp32, Runnable bf16, int rounds, int steps) {
        double[] wa = new double[rounds];
        double[] ca = new double[rounds];
        double[] wb = new double[rounds];
        double[] cb = new double[rounds];
        for (int k = 0; k < rounds; k++) {
            TrainingThroughputBenchmark.alternate(k, fp32, bf16, steps, wa, ca, wb, cb);
        }
        System.out.printf("  %-13s fp32 %8.1f ms wall %8.1f ms CPU | bf16 %8.1f ms wall %8.1f ms CPU | speed-up x%.2f wall, x%.2f CPU"
                + " (median of per-round ratios x%.2f wall)%n", what, median(wa), median(ca), median(wb), median(cb),
                median(wa) / median(wb), median(ca) / median(cb), ratioMedian(wa, wb));
    }

    private static double median(double[] v) {
        return TrainingThroughputBenchmark.median(v);
    }

    private static double ratioMedian(double[] a, double[] b) {
        return TrainingThroughputBenchmark.ratioMedian(a, b);
    }
}
