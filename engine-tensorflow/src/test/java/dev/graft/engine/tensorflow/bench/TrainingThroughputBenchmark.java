package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training-step throughput through Graft versus the same graph built with the raw TensorFlow Java
 * API, in one JVM: warmed up, interleaved (the order alternates each round), median of rounds.
 *
 * <pre>
 * mvn -q -pl engine-tensorflow -am test-compile exec:java \
 *     -Dexec.mainClass=dev.graft.engine.tensorflow.bench.TrainingThroughputBenchmark -Dexec.classpathScope=test
 * </pre>
 *
 * System properties: {@code bench.rounds} (default 9), {@code bench.steps} steps per round
 * (default 5), {@code bench.warmup} (default 5), {@code bench.models} (resnet,transformer).
 */
public final class TrainingThroughputBenchmark {
    private TrainingThroughputBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = Integer.getInteger("bench.rounds", 9);
        int steps = Integer.getInteger("bench.steps", 5);
        int warmup = Integer.getInteger("bench.warmup", 5);
        String models = System.getProperty("bench.models", "resnet,transformer");
        Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");
        System.out.printf("machine: %d cores, %s %s, Java %s; %s; oneDNN %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                engine.version(), engine.describe().get("onednn"));
        System.out.printf("method: %d warm-up steps each, then %d rounds of %d steps per side, order alternating; median ms/step%n",
                warmup, rounds, steps);
        for (String m : models.split(",")) {
            boolean resnet = m.trim().equals("resnet");
            Network net = resnet ? BenchNetworks.resnet() : BenchNetworks.transformer();
            int batch = resnet ? BenchNetworks.RESNET_BATCH : BenchNetworks.TRANSFORMER_BATCH;
            Map<String, HostTensor> data = batch(net, batch, resnet);
            run(engine, resnet ? "ResNet-style CNN (3 residual blocks, BN, 32x32x3, batch 32)"
                    : "Transformer encoder block (seq 128, hidden 256, 4 heads, batch 8)", net, data, batch, resnet, rounds, steps, warmup);
        }
    }

    static Map<String, HostTensor> batch(Network net, int n, boolean resnet) {
        SplittableRandom r = new SplittableRandom(1);
        long[] xs = net.input("x").shape().dims();
        xs[0] = n;
        int size = 1;
        for (long d : xs) {
            size *= (int) d;
        }
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(resnet ? BenchNetworks.CLASSES : 2);
        }
        return Map.of("x", HostTensor.of(x, xs), "y", HostTensor.ofInts(y, n));
    }

    private static void run(Engine engine, String title, Network net, Map<String, HostTensor> data, int batch, boolean resnet,
            int rounds, int steps, int warmup) {
        long seed = 7;
        try (CompiledModel graft = engine.compile(net, seed);
                RawTfModels raw = resnet ? RawTfModels.resnet(net, net.initialValues(seed), data)
                        : RawTfModels.transformer(net, net.initialValues(seed), data)) {
            graft.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-3)));
            double lg = graft.trainStep(data).loss();
            double lr = raw.step();
            for (int i = 1; i < warmup; i++) {
                lg = graft.trainStep(data).loss();
                lr = raw.step();
            }
            double[] g = new double[rounds];
            double[] t = new double[rounds];
            double[] gc = new double[rounds];
            double[] tc = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                alternate(k, () -> graft.trainStep(data), raw::step, steps, g, gc, t, tc);
            }
            double mg = median(g);
            double mt = median(t);
            System.out.println();
            System.out.println(title + ", " + net.trainableParameterCount() + " trainable parameters");
            System.out.printf("  loss after warm-up: Graft %.6f, raw TensorFlow %.6f (same graph, same start)%n", lg, lr);
            System.out.printf("  %-16s %10s %12s   per-round ms/step%n", "", "ms/step", "samples/s");
            System.out.printf("  %-16s %10.2f %12.1f   %s%n", "raw TensorFlow", mt, batch * 1000 / mt, fmt(t));
            System.out.printf("  %-16s %10.2f %12.1f   %s%n", "Graft", mg, batch * 1000 / mg, fmt(g));
            System.out.printf("  Graft overhead, wall time: median %+.1f%%, median of per-round ratios %+.1f%%, best round %+.1f%%%n",
                    (mg / mt - 1) * 100, (ratioMedian(g, t) - 1) * 100, (min(g) / min(t) - 1) * 100);
            System.out.printf("  CPU time of all threads per step (ms): raw TensorFlow %.2f, Graft %.2f: Graft overhead %+.1f%%"
                    + " (median of per-round ratios %+.1f%%)%n", median(tc), median(gc), (median(gc) / median(tc) - 1) * 100,
                    (ratioMedian(gc, tc) - 1) * 100);
        }
    }

    /**
     * Round {@code k} of a side-by-side comparison: {@code a} then {@code b} in even rounds, {@code b} then {@code a} in
     * odd ones, so neither always runs first; each one's wall and CPU ms per step stored at {@code k}.
     */
    static void alternate(int k, Runnable a, Runnable b, int steps, double[] wallA, double[] cpuA, double[] wallB, double[] cpuB) {
        if (k % 2 == 0) {
            time(a, steps, wallA, cpuA, k);
            time(b, steps, wallB, cpuB, k);
        } else {
            time(b, steps, wallB, cpuB, k);
            time(a, steps, wallA, cpuA, k);
        }
    }

    /** Wall and CPU (all threads of this process, from /proc) milliseconds per step, stored at {@code k}. */
    static void time(Runnable step, int steps, double[] wall, double[] cpu, int k) {
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        wall[k] = (System.nanoTime() - t0) / 1e6 / steps;
        cpu[k] = (cpuNanos() - c0) / 1e6 / steps;
    }

    /** Nanoseconds on CPU of every thread of this process (Linux schedstat); 0 elsewhere. */
    static long cpuNanos() {
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        long sum = 0;
        for (java.io.File t : tasks) {
            try {
                String s = java.nio.file.Files.readString(t.toPath().resolve("schedstat")).trim();
                sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended between listing and reading
            }
        }
        return sum;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double ratioMedian(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return median(r);
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(String.format("%.1f ", d));
        }
        return sb.toString().trim();
    }
}
