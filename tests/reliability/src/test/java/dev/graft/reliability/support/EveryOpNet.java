package dev.graft.reliability.support;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.Map;
import java.util.Random;

/** One small network using every op of Graft's op set, so its export shows every TensorFlow op Graft emits. */
public final class EveryOpNet {
    private EveryOpNet() {
    }

    public static Network network() {
        NetworkBuilder b = new NetworkBuilder();
        Node img = b.input("image", DType.FLOAT32, -1, 8, 8, 2);
        Node ids = b.input("ids", DType.INT32, -1, 4);
        Node y = b.input("y", DType.INT32, -1);
        Node c = b.relu(Layers.batchNorm(b, "bn", Layers.conv2d(b, "conv", img, 4, 3, 1, "SAME", true)));
        try (NetworkBuilder.Scope s = b.scope("dil")) {
            Node k = b.param("kernel", Initializer.glorotUniform(), 3, 3, 2, 4);
            c = b.add(c, b.conv2d(b.pad(img, new long[] {0, 0, 2, 2, 2, 2, 0, 0}, 0), k, new int[] {1, 1}, "VALID",
                    new int[] {2, 2}, 1));
        }
        Node p = b.maxPool(c, new int[] {2, 2}, new int[] {2, 2}, "VALID");
        Node q = b.avgPool(c, new int[] {2, 2}, new int[] {2, 2}, "VALID");
        Node g = b.concat(1, b.globalAvgPool(p), b.globalMaxPool(q));
        Node e = Layers.embedding(b, "emb", ids, 10, 8);
        Node att = b.softmax(b.batchMatmul(e, e, false, true), -1);
        Node seq = Layers.layerNorm(b, "ln", b.batchMatmul(att, e, false, false), 1e-5);
        Node pooled = b.mean(b.transpose(seq, 0, 2, 1), false, 2);
        Node t = b.slice(b.reshape(seq, -1, 32), new long[] {0, 0}, new long[] {-1, 8});
        Node h = b.concat(1, g, pooled, b.sum(b.reshape(t, -1, 8, 1), false, 2));
        h = b.dropout(b.gelu(Layers.dense(b, "fc", h, 16)), 0.1);
        h = b.mul(b.tanh(h), b.sigmoid(h));
        h = b.div(b.sub(h, b.scalar(0.5)), b.scalar(2));
        Node logits = Layers.dense(b, "out", h, 3);
        b.output("logits", logits);
        b.output("logp", b.logSoftmax(logits, -1));
        b.output("probs", b.softmax(logits, -1));
        Node yf = b.cast(y, DType.FLOAT32);
        Node aux = b.add(b.binaryCrossEntropy(b.slice(logits, new long[] {0, 0}, new long[] {-1, 1}), b.reshape(yf, -1, 1)),
                b.meanSquaredError(b.slice(logits, new long[] {0, 1}, new long[] {-1, 1}), b.reshape(yf, -1, 1)));
        b.loss("loss", b.add(b.softmaxCrossEntropy(logits, y), b.mul(aux, b.scalar(0.1))));
        return b.build();
    }

    public static Map<String, HostTensor> batch(int n, long seed) {
        Random r = new Random(seed);
        float[] img = new float[n * 8 * 8 * 2];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextGaussian();
        }
        int[] ids = new int[n * 4];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(10);
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        return Map.of("image", HostTensor.of(img, n, 8, 8, 2), "ids", HostTensor.ofInts(ids, n, 4), "y", HostTensor.ofInts(y, n));
    }
}
