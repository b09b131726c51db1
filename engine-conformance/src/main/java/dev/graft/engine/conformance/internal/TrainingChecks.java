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
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;

/** Small networks learn synthetic separable tasks; accuracy is measured on held-out samples. */
public final class TrainingChecks {
    /** Required held-out accuracy. */
    public static final double MIN_ACCURACY = 0.95;

    private TrainingChecks() {
    }

    /** Features and int labels. */
    record Data(HostTensor x, HostTensor y, int n) {
        Map<String, HostTensor> batch(int from, int to) {
            return Map.of("x", x.rows(from, to), "y", y.rows(from, to));
        }
    }

    /** XOR of the signs of two coordinates (not linearly separable), points kept 0.15 away from the axes. */
    static Data xor(SplittableRandom r, int n) {
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double a;
            double b;
            do {
                a = r.nextDouble(-1, 1);
                b = r.nextDouble(-1, 1);
            } while (Math.abs(a) < 0.15 || Math.abs(b) < 0.15);
            x[2 * i] = (float) a;
            x[2 * i + 1] = (float) b;
            y[i] = (a > 0) ^ (b > 0) ? 1 : 0;
        }
        return new Data(HostTensor.of(x, n, 2), HostTensor.ofInts(y, n), n);
    }

    /** 8x8 one-channel images with a horizontal (class 0) or vertical (class 1) bar of length 4 at a random place, plus noise. */
    static Data bars(SplittableRandom r, int n) {
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(2);
            for (int p = 0; p < 64; p++) {
                x[i * 64 + p] = (float) (0.3 * Arr.gaussian(r));
            }
            int row = r.nextInt(8);
            int col = r.nextInt(5);
            for (int k = 0; k < 4; k++) {
                int yy = y[i] == 0 ? row : col + k;
                int xx = y[i] == 0 ? col + k : row;
                x[i * 64 + yy * 8 + xx] += 1.0f;
            }
        }
        return new Data(HostTensor.of(x, n, 8, 8, 1), HostTensor.ofInts(y, n), n);
    }

    static Network mlp() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 2);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.dense(b, "fc1", x, 32));
        h = b.dropout(b.relu(Layers.dense(b, "fc2", h, 32)), 0.1);
        Node logits = Layers.dense(b, "out", h, 2);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    static Network cnn() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8, 8, 1);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn1", Layers.conv2d(b, "conv1", x, 8, 3, 1, "SAME", false)));
        h = b.maxPool(h, new int[] {2, 2}, new int[] {2, 2}, "VALID");
        h = b.relu(Layers.conv2d(b, "conv2", h, 16, 3, 1, "SAME", true));
        Node logits = Layers.dense(b, "out", b.globalMaxPool(h), 2);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    /** Trains with Adam in mini-batches and returns held-out accuracy. */
    static double trainAndEvaluate(Engine engine, Network net, Data train, Data test, int epochs, int batch, double lr) {
        try (CompiledModel m = engine.compile(net, 11)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(lr)).withSeed(5));
            for (int e = 0; e < epochs; e++) {
                for (int from = 0; from + batch <= train.n(); from += batch) {
                    m.trainStep(train.batch(from, from + batch));
                }
            }
            HostTensor logits = m.predict(Map.of("x", test.x()), "logits");
            int correct = 0;
            for (int i = 0; i < test.n(); i++) {
                int pred = logits.getFloat(2L * i + 1) > logits.getFloat(2L * i) ? 1 : 0;
                correct += pred == test.y().getInt(i) ? 1 : 0;
            }
            return (double) correct / test.n();
        }
    }

    public static void mlpLearnsXor(Engine engine) {
        SplittableRandom r = new SplittableRandom(12);
        double acc = trainAndEvaluate(engine, mlp(), xor(r, 512), xor(r, 256), 30, 64, 0.01);
        Check.isTrue(acc >= MIN_ACCURACY, "MLP held-out accuracy " + acc + " < " + MIN_ACCURACY);
    }

    public static void cnnLearnsBars(Engine engine) {
        SplittableRandom r = new SplittableRandom(13);
        double acc = trainAndEvaluate(engine, cnn(), bars(r, 320), bars(r, 200), 10, 32, 0.01);
        Check.isTrue(acc >= MIN_ACCURACY, "CNN held-out accuracy " + acc + " < " + MIN_ACCURACY);
    }
}
