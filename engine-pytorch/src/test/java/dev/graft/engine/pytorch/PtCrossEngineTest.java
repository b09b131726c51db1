package dev.graft.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A model trained on one engine and saved as definition JSON + safetensors checkpoint is loaded
 * by the other engine through the engine-neutral API only (no engine-specific code), predicts the
 * same logits within 1e-4 with identical top-1 classes, and continues training from the saved
 * optimizer state to the same parameters.
 */
class PtCrossEngineTest {
    private static final int CLASSES = 3;
    private static ServiceLoaderEngineRegistry registry;

    @BeforeAll
    static void registry() {
        registry = new ServiceLoaderEngineRegistry();
    }

    /** Conv (SAME, stride 2) + BatchNorm + pooling + dense: the layout-sensitive ops. */
    static Network cnn() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8, 8, 2);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn1", Layers.conv2d(b, "conv1", x, 6, 3, 2, "SAME", false)));
        h = b.avgPool(h, new int[] {3, 3}, new int[] {1, 1}, "SAME");
        h = b.relu(Layers.conv2d(b, "conv2", h, 8, 3, 1, "VALID", true));
        Node logits = Layers.dense(b, "out", b.globalAvgPool(h), CLASSES);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    /**
     * Embedding + GELU feed-forward + mean pooling + dense: a tiny text classifier. (No layer norm
     * yet: the TensorFlow engine on main aborts the JVM on LAYER_NORM over an unknown batch
     * dimension, "libprotobuf FATAL ... map.h:1293 key not found: value".)
     */
    static Network text() {
        NetworkBuilder b = new NetworkBuilder();
        Node ids = b.input("x", DType.INT32, -1, 6);
        Node y = b.input("y", DType.INT32, -1);
        Node e = Layers.embedding(b, "emb", ids, 20, 8);
        Node h = b.gelu(Layers.dense(b, "ffn", e, 8));
        Node logits = Layers.dense(b, "out", b.mean(h, false, 1), CLASSES);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    static Map<String, HostTensor> batch(String kind, long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(CLASSES);
        }
        if (kind.equals("text")) {
            int[] ids = new int[n * 6];
            for (int i = 0; i < ids.length; i++) {
                int label = y[i / 6];
                ids[i] = r.nextDouble() < 0.5 ? label * 5 + r.nextInt(5) : 15 + r.nextInt(5);
            }
            return Map.of("x", HostTensor.ofInts(ids, n, 6), "y", HostTensor.ofInts(y, n));
        }
        float[] x = new float[n * 8 * 8 * 2];
        for (int i = 0; i < x.length; i++) {
            int label = y[i / 128];
            int col = (i / 2) % 8;
            x[i] = (float) (r.nextGaussian() * 0.5 + (col / 3 == label ? 1 : 0));
        }
        return Map.of("x", HostTensor.of(x, n, 8, 8, 2), "y", HostTensor.ofInts(y, n));
    }

    @ParameterizedTest(name = "{0} trained on {1}, served by {2}")
    @CsvSource({"cnn, tensorflow, pytorch", "cnn, pytorch, tensorflow", "text, tensorflow, pytorch", "text, pytorch, tensorflow"})
    void modelSavedByOneEngineLoadsAndPredictsOnTheOther(String kind, String from, String to, @TempDir Path dir)
            throws Exception {
        Engine source = registry.get(from);
        Engine target = registry.get(to);
        Network net = kind.equals("cnn") ? cnn() : text();
        TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.adamW(0.01), LearningRateSchedule.constant(0.01)).withSeed(5);
        Path json = dir.resolve("model.json");
        Path weights = dir.resolve("model.safetensors");
        Map<String, HostTensor> test = batch(kind, 99, 64);
        HostTensor expected;
        try (CompiledModel m = source.compile(net, 1)) {
            m.configureTraining(cfg);
            for (int step = 0; step < 40; step++) {
                m.trainStep(batch(kind, step, 32));
            }
            expected = m.predict(test, "logits");
            Files.writeString(json, net.toJson());
            m.saveCheckpoint(weights, Map.of("trained.on", from));
        }
        HostTensor actual;
        try (CompiledModel m = target.compile(Network.fromJson(Files.readString(json)), 7)) {
            Map<String, String> meta = m.loadCheckpoint(weights);
            assertThat(meta).containsEntry("trained.on", from).containsEntry("graft.step", "40");
            actual = m.predict(test, "logits");
            assertThat(actual.shape()).isEqualTo(expected.shape());
            float[] a = actual.floats();
            float[] e = expected.floats();
            double maxDiff = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - e[i]));
            }
            assertThat(maxDiff).as("largest logit difference " + from + " -> " + to).isLessThanOrEqualTo(1e-4);
            for (int i = 0; i < 64; i++) {
                assertThat(argmax(a, i)).as("top-1 of example " + i).isEqualTo(argmax(e, i));
            }
            // the saved optimizer state carries over: one more step on each engine gives the same weights
            m.configureTraining(cfg);
            m.trainStep(batch(kind, 40, 32));
            Map<String, HostTensor> continued = m.parameters();
            try (CompiledModel back = source.compile(net, 3)) {
                back.loadCheckpoint(weights);
                back.configureTraining(cfg);
                back.trainStep(batch(kind, 40, 32));
                back.parameters().forEach((name, v) -> {
                    float[] x = v.floats();
                    float[] z = continued.get(name).floats();
                    for (int i = 0; i < x.length; i++) {
                        assertThat((double) z[i]).as(name + "[" + i + "] after one more step")
                                .isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(x[i]))));
                    }
                });
            }
        }
    }

    private static int argmax(float[] logits, int row) {
        int best = 0;
        for (int j = 1; j < CLASSES; j++) {
            if (logits[row * CLASSES + j] > logits[row * CLASSES + best]) {
                best = j;
            }
        }
        return best;
    }
}
