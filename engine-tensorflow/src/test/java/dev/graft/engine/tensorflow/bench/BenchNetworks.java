package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;

/** The two benchmark networks as Graft definitions. {@link RawTfModels} builds the same graphs by hand. */
final class BenchNetworks {
    static final int RESNET_BATCH = 32;
    static final int RESNET_WIDTH = 16;
    static final int RESNET_BLOCKS = 3;
    static final int CLASSES = 10;
    static final int SEQ = 128;
    static final int HIDDEN = 256;
    static final int HEADS = 4;
    static final int FFN = 1024;
    static final int TRANSFORMER_BATCH = 8;

    private BenchNetworks() {
    }

    /** Stem conv-BN-ReLU, three residual blocks (conv-BN-ReLU-conv-BN + skip, ReLU), global average pool, dense. */
    static Network resnet() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 32, 32, 3);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "stem_bn", Layers.conv2d(b, "stem", x, RESNET_WIDTH, 3, 1, "SAME", false)));
        for (int i = 0; i < RESNET_BLOCKS; i++) {
            String p = "block" + i;
            Node r = b.relu(Layers.batchNorm(b, p + "_bn1", Layers.conv2d(b, p + "_conv1", h, RESNET_WIDTH, 3, 1, "SAME", false)));
            r = Layers.batchNorm(b, p + "_bn2", Layers.conv2d(b, p + "_conv2", r, RESNET_WIDTH, 3, 1, "SAME", false));
            h = b.relu(b.add(h, r));
        }
        Node logits = Layers.dense(b, "fc", b.globalAvgPool(h), CLASSES);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    /** One post-norm transformer encoder block over embedded tokens, mean-pooled into a classifier. */
    static Network transformer() {
        return transformer(HIDDEN, HEADS, FFN);
    }

    /** The same block at other sizes: {@code transformer(768, 12, 3072)} is one BERT-Base layer. */
    static Network transformer(int hiddenSize, int headCount, int ffnSize) {
        return transformer(hiddenSize, headCount, ffnSize, false);
    }

    /** The same block with the GELU's tanh approximation (BERT-Base's, as the TF-Hub weights were trained) if asked. */
    static Network transformer(int hiddenSize, int headCount, int ffnSize, boolean tanhGelu) {
        NetworkBuilder b = new NetworkBuilder();
        int bt = TRANSFORMER_BATCH;
        final int HIDDEN = hiddenSize;
        final int HEADS = headCount;
        final int FFN = ffnSize;
        int dh = HIDDEN / HEADS;
        Node x = b.input("x", DType.FLOAT32, bt, SEQ, HIDDEN);
        Node y = b.input("y", DType.INT32, bt);
        Node q = heads(b, Layers.dense(b, "query", x, HIDDEN), HEADS, HIDDEN);
        Node k = heads(b, Layers.dense(b, "key", x, HIDDEN), HEADS, HIDDEN);
        Node v = heads(b, Layers.dense(b, "value", x, HIDDEN), HEADS, HIDDEN);
        Node scores = b.mul(b.batchMatmul(q, k, false, true), b.scalar(1 / Math.sqrt(dh)));
        Node ctx = b.batchMatmul(b.softmax(scores, -1), v, false, false);
        ctx = b.reshape(b.transpose(ctx, 0, 2, 1, 3), bt, SEQ, HIDDEN);
        Node h1 = Layers.layerNorm(b, "ln1", b.add(x, Layers.dense(b, "attn_out", ctx, HIDDEN)), 1e-5);
        Node f = Layers.dense(b, "ffn_out", tanhGelu ? b.geluTanh(Layers.dense(b, "ffn_in", h1, FFN))
                : b.gelu(Layers.dense(b, "ffn_in", h1, FFN)), HIDDEN);
        Node h2 = Layers.layerNorm(b, "ln2", b.add(h1, f), 1e-5);
        Node logits = Layers.dense(b, "cls", b.mean(h2, false, 1), 2);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    private static Node heads(NetworkBuilder b, Node t, int heads, int hidden) {
        return b.transpose(b.reshape(t, TRANSFORMER_BATCH, SEQ, heads, hidden / heads), 0, 2, 1, 3);
    }
}
