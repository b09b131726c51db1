package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.io.SafeTensorsException;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.NonFiniteLossException;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Bad definitions, bad feeds, non-finite training and damaged checkpoints give clear errors and change nothing. */
public final class BadInputChecks {
    private BadInputChecks() {
    }

    /** Runs {@code r} and returns what it threw, failing when it throws nothing or something else. */
    static <T extends Throwable> T expect(Class<T> type, String what, ThrowingRunnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            AssertionError e = new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + t);
            e.initCause(t);
            throw e;
        }
        throw new AssertionError(what + ": expected " + type.getSimpleName() + ", nothing was thrown");
    }

    /** A runnable that may throw anything. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void mentions(String what, Throwable t, String... parts) {
        for (String p : parts) {
            Check.isTrue(t.getMessage() != null && t.getMessage().contains(p), what + ": message should mention '" + p + "': " + t.getMessage());
        }
    }

    public static void shapeMismatchesNameLayerAndShapes() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        DefinitionException e = expect(DefinitionException.class, "matmul [?,4] x [5,3]", () -> {
            try (NetworkBuilder.Scope s = b.scope("encoder")) {
                b.matmul(x, b.param("kernel", Initializer.zeros(), 5, 3));
            }
        });
        mentions("matmul mismatch", e, "encoder", "[?, 4]", "[5, 3]");
        Check.isTrue(e.layer().startsWith("encoder"), "layer() is " + e.layer());

        Node img = b.input("img", DType.FLOAT32, 1, 8, 8, 3);
        e = expect(DefinitionException.class, "conv2d channel mismatch", () -> {
            try (NetworkBuilder.Scope s = b.scope("stem")) {
                b.conv2d(img, b.param("kernel", Initializer.zeros(), 3, 3, 4, 8), new int[] {1, 1}, "SAME", new int[] {1, 1}, 1);
            }
        });
        mentions("conv2d mismatch", e, "stem", "[1, 8, 8, 3]", "[3, 3, 4, 8]");

        Node h = Layers.dense(b, "fc1", x, 6);
        e = expect(DefinitionException.class, "broadcast mismatch", () -> {
            try (NetworkBuilder.Scope s = b.scope("residual")) {
                b.add(h, b.param("shift", Initializer.zeros(), 4));
            }
        });
        mentions("add mismatch", e, "residual", "[?, 6]", "[4]");
    }

    static CompiledModel twoGroupModel(Engine engine, TrainingConfig cfg) {
        NetworkBuilder b = new NetworkBuilder();
        Node x1 = b.input("x1", DType.FLOAT32, 3);
        Node x2 = b.input("x2", DType.FLOAT32, 3);
        Node head = b.paramNamed("head.w", Initializer.constant(0.5), true, DType.FLOAT32, 3);
        Node body = b.paramNamed("body.w", Initializer.constant(-0.25), true, DType.FLOAT32, 3);
        b.loss("loss", b.add(b.sum(b.mul(head, x1), false, 0), b.sum(b.mul(b.mul(body, body), x2), false, 0)));
        CompiledModel m = engine.compile(b.build(), 0);
        m.configureTraining(cfg.withGroups(List.of(ParamGroup.trainable("head", "head.*", 1), ParamGroup.trainable("body", "body.*", 1))));
        return m;
    }

    static Map<String, HostTensor> feeds(float[] x1, float[] x2) {
        return Map.of("x1", HostTensor.of(x1, 3), "x2", HostTensor.of(x2, 3));
    }

    /** An infinite input reaching only group 'body' stops training with that group and the step; nothing changes. */
    public static void nonFiniteInputNamesStepAndGroup(Engine engine, OptimizerSpec opt) {
        try (CompiledModel m = twoGroupModel(engine, TrainingConfig.of(opt, LearningRateSchedule.constant(0.1)))) {
            m.trainStep(feeds(new float[] {1, 2, 3}, new float[] {1, 1, 1}));
            Map<String, HostTensor> before = m.parameters();
            Map<String, HostTensor> slots = m.optimizerState();
            NonFiniteLossException e = expect(NonFiniteLossException.class, "infinite input",
                    () -> m.trainStep(feeds(new float[] {1, 2, 3}, new float[] {1, Float.POSITIVE_INFINITY, 1})));
            Check.isTrue(e.step() == 1, "exception names step " + e.step() + ", expected 1");
            Check.isTrue("body".equals(e.group()), "exception names group " + e.group() + ", expected 'body'");
            mentions("non-finite message", e, "step 1", "body");
            Map<String, HostTensor> after = m.parameters();
            before.forEach((k, v) -> Check.bitEqual("parameter " + k + " after the failed step", v, after.get(k)));
            Check.isTrue(m.step() == 1, "step counter moved to " + m.step() + " on a failed step");
            Map<String, HostTensor> slotsAfter = m.optimizerState();
            slots.forEach((k, v) -> Check.bitEqual("optimizer slot " + k + " after the failed step", v, slotsAfter.get(k)));
            Check.isTrue(m.trainStep(feeds(new float[] {1, 2, 3}, new float[] {1, 1, 1})).step() == 1,
                    "training resumes at step 1 after a rejected step");
        }
    }

    /** A learning rate of 1e30 blows the parameters up; the first non-finite step is rejected and changes nothing. */
    public static void hugeLearningRateStopsWithStep(Engine engine) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 4);
        Node t = b.input("t", DType.FLOAT32, -1, 2);
        b.loss("loss", b.meanSquaredError(b.mul(Layers.dense(b, "fc", x, 2), Layers.dense(b, "fc2", x, 2)), t));
        SplittableRandom r = new SplittableRandom(31);
        Map<String, HostTensor> batch = Map.of("x", Arr.randn(r, 8, 4).host(), "t", Arr.randn(r, 8, 2).host());
        try (CompiledModel m = engine.compile(b.build(), 0)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1e30)));
            for (int i = 0; i < 6; i++) {
                Map<String, HostTensor> before = m.parameters();
                long step = m.step();
                try {
                    m.trainStep(batch);
                } catch (NonFiniteLossException e) {
                    Check.isTrue(e.step() == step, "exception names step " + e.step() + ", expected " + step);
                    Check.isTrue(step > 0, "the first step had finite inputs and parameters");
                    mentions("non-finite message", e, "step " + step);
                    Map<String, HostTensor> after = m.parameters();
                    before.forEach((k, v) -> Check.bitEqual("parameter " + k + " after the failed step", v, after.get(k)));
                    return;
                }
            }
            throw new AssertionError("six steps at learning rate 1e30 never produced a non-finite loss");
        }
    }

    /** Wrongly shaped, typed or missing feeds name the input. */
    public static void badFeedsNameTheInput(Engine engine) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("features", DType.FLOAT32, -1, 4);
        Node y = b.input("labels", DType.INT32, -1);
        Node logits = Layers.dense(b, "fc", x, 3);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        try (CompiledModel m = engine.compile(b.build(), 0)) {
            Throwable e = expect(IllegalArgumentException.class, "features of shape [2, 5]",
                    () -> m.predict(Map.of("features", HostTensor.of(new float[10], 2, 5)), "logits"));
            mentions("wrong shape", e, "features", "[2, 5]");
            e = expect(IllegalArgumentException.class, "int features",
                    () -> m.predict(Map.of("features", HostTensor.ofInts(new int[8], 2, 4)), "logits"));
            mentions("wrong dtype", e, "features", "INT32");
            e = expect(IllegalArgumentException.class, "missing features", () -> m.predict(Map.of(), "logits"));
            mentions("missing input", e, "features");
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.1)));
            e = expect(IllegalArgumentException.class, "labels of rank 2", () -> m.trainStep(Map.of(
                    "features", HostTensor.of(new float[8], 2, 4), "labels", HostTensor.ofInts(new int[2], 2, 1))));
            mentions("wrong label shape", e, "labels", "[2, 1]");
            Check.isTrue(m.step() == 0, "a rejected batch advanced the step counter");
        }
    }

    /** Missing, truncated and malformed checkpoints raise SafeTensorsException naming the file; the model is unchanged. */
    public static void damagedCheckpointsAreRejected(Engine engine, Path dir) throws Exception {
        try (CompiledModel m = engine.compile(StateChecks.network(), 3)) {
            Path good = dir.resolve("good.safetensors");
            m.saveCheckpoint(good, Map.of());
            byte[] bytes = Files.readAllBytes(good);
            Map<String, HostTensor> before = m.parameters();
            Map<String, byte[]> damaged = new LinkedHashMap<>();
            damaged.put("empty.safetensors", new byte[0]);
            damaged.put("short.safetensors", new byte[] {1, 2, 3});
            damaged.put("truncated.safetensors", Arrays.copyOf(bytes, bytes.length / 2));
            damaged.put("truncated-by-one.safetensors", Arrays.copyOf(bytes, bytes.length - 1));
            damaged.put("huge-header.safetensors", withHeader(bytes, Long.MAX_VALUE));
            damaged.put("negative-header.safetensors", withHeader(bytes, -8));
            damaged.put("not-json.safetensors", header("{\"a\": [1, 2", 0));
            damaged.put("array-header.safetensors", header("[1, 2, 3]", 0));
            damaged.put("bad-dtype.safetensors", header("{\"t\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
            damaged.put("offsets-out-of-range.safetensors", header("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
            damaged.put("shape-overflow.safetensors",
                    header("{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4));
            damaged.put("negative-dim.safetensors", header("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
            damaged.put("not-utf8.safetensors", header(new String(new byte[] {'{', (byte) 0xC3, '}'}, StandardCharsets.ISO_8859_1), 0));
            byte[] flipped = bytes.clone();
            flipped[flipped.length - 3] ^= 0x40;
            damaged.put("corrupted-data.safetensors", flipped);
            Path missing = dir.resolve("missing.safetensors");
            SafeTensorsException e0 = expect(SafeTensorsException.class, "missing file", () -> m.loadCheckpoint(missing));
            mentions("missing file", e0, "missing.safetensors");
            for (Map.Entry<String, byte[]> d : damaged.entrySet()) {
                Path f = dir.resolve(d.getKey());
                Files.write(f, d.getValue());
                SafeTensorsException e = expect(SafeTensorsException.class, d.getKey(), () -> m.loadCheckpoint(f));
                mentions(d.getKey(), e, d.getKey());
            }
            Map<String, HostTensor> after = m.parameters();
            before.forEach((k, v) -> Check.bitEqual("parameter " + k + " after rejected checkpoints", v, after.get(k)));
        }
    }

    private static byte[] withHeader(byte[] file, long length) {
        byte[] out = file.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return out;
    }

    private static byte[] header(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }
}
