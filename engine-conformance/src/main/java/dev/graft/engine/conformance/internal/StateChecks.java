package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Checkpoints restore a model exactly; concurrent inference gives exactly the single-thread results. */
public final class StateChecks {
    private StateChecks() {
    }

    /** A small CNN with BatchNorm, dropout and a dense head: every kind of state a checkpoint must carry. */
    static Network network() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 6, 6, 2);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn", Layers.conv2d(b, "conv", x, 4, 3, 1, "SAME", false)));
        h = b.dropout(b.globalAvgPool(h), 0.2);
        Node logits = Layers.dense(b, "head", h, 3);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    static Map<String, HostTensor> batch(SplittableRandom r, int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        return Map.of("x", Arr.randn(r, n, 6, 6, 2).host(), "y", HostTensor.ofInts(y, n));
    }

    static TrainingConfig config() {
        return TrainingConfig.of(OptimizerSpec.adamW(0.01), LearningRateSchedule.cosine(0.05, 20, 0.001))
                .withClipGlobalNorm(5).withSeed(3);
    }

    public static void checkpointRoundTrip(Engine engine, Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(21);
        List<Map<String, HostTensor>> batches = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batches.add(batch(r, 8));
        }
        Map<String, HostTensor> probe = Map.of("x", Arr.randn(r, 5, 6, 6, 2).host());
        Network net = network();
        Path file = dir.resolve("model.safetensors");
        try (CompiledModel a = engine.compile(net, 1)) {
            a.configureTraining(config());
            for (int i = 0; i < 3; i++) {
                a.trainStep(batches.get(i));
            }
            a.saveCheckpoint(file, Map.of("note", "conformance"));
            HostTensor before = a.predict(probe, "logits");
            try (CompiledModel b = engine.compile(Network.fromJson(net.toJson()), 99)) {
                Map<String, String> meta = b.loadCheckpoint(file);
                Check.isTrue("conformance".equals(meta.get("note")), "checkpoint metadata lost: " + meta);
                Check.isTrue(b.step() == 3, "restored step counter is " + b.step() + ", expected 3");
                Check.bitEqual("outputs after checkpoint round trip", before, b.predict(probe, "logits"));
                b.configureTraining(config());
                for (int i = 3; i < 6; i++) {
                    StepResult sa = a.trainStep(batches.get(i));
                    StepResult sb = b.trainStep(batches.get(i));
                    Check.isTrue(sa.equals(sb), "training after restore differs at step " + i + ": " + sa + " vs " + sb);
                }
                Map<String, HostTensor> pa = a.parameters();
                Map<String, HostTensor> pb = b.parameters();
                Check.isTrue(pa.keySet().equals(pb.keySet()), "parameter names differ");
                pa.forEach((k, v) -> Check.bitEqual("parameter " + k + " after continued training", v, pb.get(k)));
                Map<String, HostTensor> oa = a.optimizerState();
                Map<String, HostTensor> ob = b.optimizerState();
                Check.isTrue(oa.keySet().equals(ob.keySet()) && !oa.isEmpty(), "optimizer slots differ: " + oa.keySet() + " vs " + ob.keySet());
                oa.forEach((k, v) -> Check.bitEqual("optimizer slot " + k + " after continued training", v, ob.get(k)));
                Check.bitEqual("outputs after continued training", a.predict(probe, "logits"), b.predict(probe, "logits"));
            }
        }
    }

    /**
     * {@code compile(net, seed, values)} starts exactly where {@code compile(net, seed)} followed by
     * {@code setParameters(values)} does (the parameters not given keep their seeded initial values),
     * and refuses an unknown name or a wrong shape the same way.
     */
    public static void compileWithValues(Engine engine) {
        SplittableRandom r = new SplittableRandom(23);
        Network net = network();
        Map<String, HostTensor> given = Map.of("conv.kernel", Arr.randn(r, 3, 3, 2, 4).host(),
                "head.bias", Arr.randn(r, 3).host());
        Map<String, HostTensor> probe = Map.of("x", Arr.randn(r, 5, 6, 6, 2).host());
        try (CompiledModel a = engine.compile(net, 7); CompiledModel b = engine.compile(net, 7, given)) {
            a.setParameters(given);
            Map<String, HostTensor> pa = a.parameters();
            Map<String, HostTensor> pb = b.parameters();
            Check.isTrue(pa.keySet().equals(pb.keySet()), "parameter names differ: " + pa.keySet() + " vs " + pb.keySet());
            pa.forEach((k, v) -> Check.bitEqual("parameter " + k + " compiled with given values", v, pb.get(k)));
            Check.bitEqual("outputs of a model compiled with given values", a.predict(probe, "logits"), b.predict(probe, "logits"));
        }
        for (Map<String, HostTensor> bad : List.of(Map.of("no.such.param", HostTensor.of(new float[] {1}, 1)),
                Map.of("head.bias", HostTensor.of(new float[] {1, 2}, 2)))) {
            String name = bad.keySet().iterator().next();
            try (CompiledModel m = engine.compile(net, 7, bad)) {
                throw new AssertionError("compile accepted bad value for '" + name + "'");
            } catch (IllegalArgumentException e) {
                Check.isTrue(e.getMessage().contains(name), "error does not name parameter '" + name + "': " + e.getMessage());
            }
        }
    }

    public static void concurrentInference(Engine engine) throws Exception {
        SplittableRandom r = new SplittableRandom(22);
        int threads = 8;
        int perThread = 12;
        List<Map<String, HostTensor>> inputs = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            inputs.add(Map.of("x", Arr.randn(r, 1 + i % 4, 6, 6, 2).host()));
        }
        try (CompiledModel m = engine.compile(network(), 4)) {
            m.configureTraining(config());
            m.trainStep(batch(r, 8));
            List<HostTensor> single = new ArrayList<>();
            for (Map<String, HostTensor> in : inputs) {
                single.add(m.predict(in, "logits"));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<HostTensor>>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    Callable<List<HostTensor>> job = () -> {
                        List<HostTensor> out = new ArrayList<>();
                        for (int k = 0; k < perThread; k++) {
                            out.add(m.predict(inputs.get(first + k * threads), "logits"));
                        }
                        return out;
                    };
                    futures.add(pool.submit(job));
                }
                for (int t = 0; t < threads; t++) {
                    List<HostTensor> got = futures.get(t).get();
                    for (int k = 0; k < perThread; k++) {
                        int i = t + k * threads;
                        Check.bitEqual("thread " + t + ", input " + i, single.get(i), got.get(k));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Prediction works out once per list of outputs which inputs it reads, and keeps that per list: each list is
     * answered from its own inputs, however the calls interleave and whatever the caller does with its list afterwards.
     */
    public static void outputListsAnsweredFromTheirOwnInputs(Engine engine) {
        NetworkBuilder b = new NetworkBuilder();
        Node a = b.input("a", DType.FLOAT32, -1, 2);
        Node c = b.input("c", DType.FLOAT32, -1, 2);
        b.output("square", b.mul(a, a));
        b.output("double", b.add(c, c));
        HostTensor av = HostTensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        HostTensor cv = HostTensor.of(new float[] {5, 6, 7, 8}, 2, 2);
        HostTensor square = HostTensor.of(new float[] {1, 4, 9, 16}, 2, 2);
        HostTensor twice = HostTensor.of(new float[] {10, 12, 14, 16}, 2, 2);
        try (CompiledModel m = engine.compile(b.build(), 0)) {
            for (int round = 0; round < 2; round++) {
                Check.bitEqual("square, round " + round, square, m.predict(Map.of("a", av), "square"));
                Check.bitEqual("double, round " + round, twice, m.predict(Map.of("c", cv), "double"));
                try {
                    m.predict(Map.of("a", av), List.of("square", "double"));
                    throw new AssertionError("predict accepted a list of outputs without the input 'c' it reads");
                } catch (IllegalArgumentException e) {
                    Check.isTrue(e.getMessage().contains("'c'"), "error does not name input 'c': " + e.getMessage());
                }
                Map<String, HostTensor> both = m.predict(Map.of("a", av, "c", cv), List.of("double", "square"));
                Check.isTrue(new ArrayList<>(both.keySet()).equals(List.of("double", "square")),
                        "outputs returned: " + both.keySet());
                Check.bitEqual("square beside double, round " + round, square, both.get("square"));
            }
            List<String> outputs = new ArrayList<>(List.of("square"));
            Check.bitEqual("square from a caller's list", square, m.predict(Map.of("a", av), outputs).get("square"));
            outputs.set(0, "double"); // the caller's list changes: what it asks for now is answered, not what it asked before
            Check.bitEqual("double from the same list changed", twice, m.predict(Map.of("c", cv), outputs).get("double"));
        }
    }
}
