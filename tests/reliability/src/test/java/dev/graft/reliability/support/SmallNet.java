package dev.graft.reliability.support;

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
import java.util.Map;
import java.util.Random;

/** A small MLP classifier (dense + layer norm + ReLU, twice) compiled on the default engine, and seeded batches. */
public final class SmallNet {
    public static final int IN = 32;
    public static final int CLASSES = 4;

    private SmallNet() {
    }

    public static Engine engine() {
        return new ServiceLoaderEngineRegistry().get();
    }

    public static Network network(int width) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.layerNorm(b, "ln1", Layers.dense(b, "fc1", x, width), 1e-5));
        h = b.relu(Layers.dense(b, "fc2", h, width));
        Node logits = Layers.dense(b, "out", h, CLASSES);
        b.output("logits", logits);
        b.output("probs", b.softmax(logits, -1));
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    public static CompiledModel trainable(Engine engine, int width, long seed) {
        CompiledModel m = engine.compile(network(width), seed);
        m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-3)));
        return m;
    }

    /** A batch of inputs (and labels: the argmax of a fixed random projection). */
    public static Map<String, HostTensor> batch(int n, long seed) {
        Random r = new Random(seed);
        Random proj = new Random(1);
        float[][] w = new float[CLASSES][IN];
        for (float[] row : w) {
            for (int j = 0; j < IN; j++) {
                row[j] = (float) proj.nextGaussian();
            }
        }
        float[] x = new float[n * IN];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < IN; j++) {
                x[i * IN + j] = (float) r.nextGaussian();
            }
            for (int k = 0; k < CLASSES; k++) {
                float s = 0;
                for (int j = 0; j < IN; j++) {
                    s += w[k][j] * x[i * IN + j];
                }
                if (s > best) {
                    best = s;
                    y[i] = k;
                }
            }
        }
        return Map.of("x", HostTensor.of(x, n, IN), "y", HostTensor.ofInts(y, n));
    }
}
