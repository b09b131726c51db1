package dev.graft.engine.pytorch.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The same training step and the same inference on the TensorFlow and PyTorch engines, side by
 * side in one JVM: a small CNN, an MLP and a linear head on cached features, identical definitions, weights, batches and optimizer
 * (Adam). Engines alternate in rounds (TF first, then PyTorch first) so that load from other
 * processes on the machine falls on both alike. Wall-clock medians and the process CPU time per
 * call are printed (on a shared machine the CPU time is the steadier figure). A program that prints
 * figures, not a test.
 *
 * <p>Arguments: [timed steps per round, default 60] [rounds, default 4]; {@code -Dbench.models=cnn,mlp,head}
 * picks the models, {@code -Dbench.warmup=15} the untimed steps per engine first.
 */
public final class EngineComparisonBenchmark {
    /** Untimed steps and predictions per engine before the rounds (the JIT compiles each engine's Java side meanwhile). */
    private static final int WARM_UP = Integer.getInteger("bench.warmup", 15);

    private EngineComparisonBenchmark() {
    }

    record Model(String name, Network net, Map<String, HostTensor> batch, int batchSize) {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        ServiceLoaderEngineRegistry registry = new ServiceLoaderEngineRegistry();
        List<Engine> engines = List.of(registry.get("tensorflow"), registry.get("pytorch"));
        for (Engine e : engines) {
            System.out.println(e.id() + ": " + e.describe());
        }
        System.out.println("load average before: " + loadAverage());
        List<String> wanted = List.of(System.getProperty("bench.models", "cnn,mlp,head").split(","));
        List<Model> models = new ArrayList<>();
        for (String w : wanted) {
            models.add(switch (w.trim()) {
                case "cnn" -> cnn();
                case "mlp" -> mlp();
                case "head" -> head();
                default -> throw new IllegalArgumentException("-Dbench.models: unknown model '" + w + "'; known: cnn, mlp, head");
            });
        }
        System.out.printf("%n| model | engine | train step median (ms) | train step p90 (ms) | train CPU (ms/step) | inference median (ms) | inference CPU (ms/call) | train samples/s | inference samples/s |%n");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Model m : models) {
            Map<String, List<Double>> train = new LinkedHashMap<>();
            Map<String, List<Double>> infer = new LinkedHashMap<>();
            Map<String, CompiledModel> compiled = new LinkedHashMap<>();
            Map<String, Double> trainCpu = new LinkedHashMap<>();
            Map<String, Double> inferCpu = new LinkedHashMap<>();
            try {
                for (Engine e : engines) {
                    CompiledModel cm = e.compile(m.net(), 1);
                    compiled.put(e.id(), cm);
                    cm.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-3)));
                    for (int i = 0; i < WARM_UP; i++) {
                        cm.trainStep(m.batch());
                        cm.predict(m.batch(), "logits");
                    }
                    train.put(e.id(), new ArrayList<>());
                    infer.put(e.id(), new ArrayList<>());
                }
                for (int r = 0; r < rounds; r++) {
                    List<Engine> order = new ArrayList<>(engines);
                    if (r % 2 == 1) {
                        java.util.Collections.reverse(order);
                    }
                    for (Engine e : order) {
                        CompiledModel cm = compiled.get(e.id());
                        long c0 = cpuNanos();
                        for (int i = 0; i < steps; i++) {
                            long t0 = System.nanoTime();
                            cm.trainStep(m.batch());
                            train.get(e.id()).add((System.nanoTime() - t0) / 1e6);
                        }
                        long c1 = cpuNanos();
                        for (int i = 0; i < steps; i++) {
                            long t0 = System.nanoTime();
                            cm.predict(m.batch(), "logits");
                            infer.get(e.id()).add((System.nanoTime() - t0) / 1e6);
                        }
                        trainCpu.merge(e.id(), (double) (c1 - c0), Double::sum);
                        inferCpu.merge(e.id(), (double) (cpuNanos() - c1), Double::sum);
                    }
                }
            } finally {
                compiled.values().forEach(CompiledModel::close);
            }
            for (Engine e : engines) {
                double tm = percentile(train.get(e.id()), 0.5);
                double t90 = percentile(train.get(e.id()), 0.9);
                double im = percentile(infer.get(e.id()), 0.5);
                double n = (double) steps * rounds * 1e6;
                System.out.printf("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |%n", m.name(), e.id(), tm, t90,
                        trainCpu.get(e.id()) / n, im, inferCpu.get(e.id()) / n, m.batchSize() * 1000 / tm, m.batchSize() * 1000 / im);
            }
        }
        System.out.println("\nload average after: " + loadAverage());
    }

    static Model cnn() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 32, 32, 3);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn1", Layers.conv2d(b, "conv1", x, 16, 3, 1, "SAME", false)));
        h = b.maxPool(h, new int[] {2, 2}, new int[] {2, 2}, "VALID");
        h = b.relu(Layers.batchNorm(b, "bn2", Layers.conv2d(b, "conv2", h, 32, 3, 1, "SAME", false)));
        h = b.maxPool(h, new int[] {2, 2}, new int[] {2, 2}, "VALID");
        h = b.relu(Layers.conv2d(b, "conv3", h, 64, 3, 1, "SAME", true));
        Node logits = Layers.dense(b, "out", b.globalAvgPool(h), 10);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        int n = 32;
        return new Model("CNN 32x32x3, 3 conv (16/32/64) + 2 BN, batch 32", b.build(),
                Map.of("x", HostTensor.of(random(1, n * 32 * 32 * 3), n, 32, 32, 3), "y", labels(n)), n);
    }

    static Model mlp() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 64);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.dense(b, "fc1", x, 256));
        h = b.relu(Layers.dense(b, "fc2", h, 256));
        Node logits = Layers.dense(b, "out", h, 10);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        int n = 128;
        return new Model("MLP 64-256-256-10, batch 128", b.build(),
                Map.of("x", HostTensor.of(random(2, n * 64), n, 64), "y", labels(n)), n);
    }

    /**
     * What a head trained on cached features is: one dense layer from BERT-Base's 768 features to
     * 7 classes (the Debian task's sections) with softmax cross-entropy, batch 32.
     */
    static Model head() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 768);
        Node y = b.input("y", DType.INT32, -1);
        Node logits = Layers.dense(b, "head", x, 7);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        int n = 32;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 7;
        }
        return new Model("linear head on cached features, 768 -> 7, batch 32", b.build(),
                Map.of("x", HostTensor.of(random(3, n * 768), n, 768), "y", HostTensor.ofInts(labels, n)), n);
    }

    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    private static HostTensor labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        return HostTensor.ofInts(y, n);
    }

    private static double percentile(List<Double> xs, double q) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(q * s.length))];
    }

    /** CPU time of the whole process (all threads, including the engines' own pools). */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
