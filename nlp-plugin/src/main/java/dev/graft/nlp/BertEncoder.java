package dev.graft.nlp;

import dev.graft.core.spi.Block;
import dev.graft.core.spi.InputSpec;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A BERT or RoBERTa encoder written against the engine-neutral op set, for any size, and for any
 * batch size and sequence length (inputs are {@code [-1, -1]}).
 *
 * <p>Hidden states are kept as {@code [N*T, H]} rows so that every dense layer is one matrix
 * product. Attention needs them split by example and head; the op set has no dynamic reshape, so
 * the split is a gather with host-computed row indices ({@link BertBatch}): row {@code (n*T+t)*3h+j}
 * of the fused query/key/value projection, viewed as {@code [N*T*3h, H/h]}, lands at
 * {@code [j, n, t]}. The gather is exact and differentiable, so training is unaffected.
 *
 * <p>Parameter names, under the caller's scope:
 * <pre>
 * embeddings.word.embeddings  embeddings.position.embeddings  embeddings.token_type.embeddings
 * embeddings.norm.{gamma,beta}
 * encoder.layer_K.attention.{query,key,value,output}.{kernel,bias}  encoder.layer_K.attention.norm.{gamma,beta}
 * encoder.layer_K.ffn.{intermediate,output}.{kernel,bias}            encoder.layer_K.ffn.norm.{gamma,beta}
 * pooler.{kernel,bias}
 * </pre>
 * Dense kernels are {@code [in, out]}.
 */
public final class BertEncoder {
    /** Token ids [N, T] (INT32). */
    public static final String INPUT_IDS = "input_ids";
    /** Segment (token-type) ids [N, T]. */
    public static final String SEGMENT_IDS = "segment_ids";
    /** 1 for real tokens, 0 for padding [N, T]. */
    public static final String INPUT_MASK = "input_mask";
    /** Position ids [N, T] (RoBERTa's start at padId + 1). */
    public static final String POSITION_IDS = "position_ids";
    /** n*T+t at [n, t]: gathers flat rows back into [N, T, ...]. */
    public static final String TOKEN_INDEX = "token_index";
    /** (n*T+t)*3h+j at [j, n, t]: splits the fused projection by head. */
    public static final String HEAD_INDEX = "head_index";

    private static final Initializer WEIGHT_INIT = Initializer.truncatedNormal(0.02);

    private BertEncoder() {
    }

    /**
     * What the encoder produces.
     *
     * @param pooled   {@code tanh} dense on {@code [CLS]}, [N, H]; null for an encoder built without a pooler
     * @param sequence the top layer's per-token states, [N, T, H]
     * @param cls      the top layer's {@code [CLS]} state, [N, H]
     * @param layers   every transformer layer's output bottom to top, as flat rows [N*T, H]
     */
    public record Outputs(Node pooled, Node sequence, Node cls, List<Node> layers) {
        public Outputs {
            layers = List.copyOf(layers);
        }
    }

    /** The network inputs the encoder reads. */
    public static List<InputSpec> inputs(BertConfig c) {
        Shape nt = Shape.of(-1, -1);
        return List.of(new InputSpec(INPUT_IDS, DType.INT32, nt), new InputSpec(SEGMENT_IDS, DType.INT32, nt),
                new InputSpec(INPUT_MASK, DType.INT32, nt), new InputSpec(POSITION_IDS, DType.INT32, nt),
                new InputSpec(TOKEN_INDEX, DType.INT32, nt),
                new InputSpec(HEAD_INDEX, DType.INT32, Shape.of(3L * c.heads(), -1, -1)));
    }

    /** Declares the inputs on {@code b} and returns them by name. */
    public static Map<String, Node> declareInputs(NetworkBuilder b, BertConfig c) {
        Map<String, Node> m = new java.util.LinkedHashMap<>();
        for (InputSpec s : inputs(c)) {
            m.put(s.name(), b.input(s.name(), s.dtype(), s.shape().dims()));
        }
        return m;
    }

    /**
     * The encoder's blocks bottom to top, as cut points: {@code embeddings}, {@code encoder.layer_0}
     * ... and {@code pooler}; {@code prefix} is the scope the encoder is built under (may be empty).
     */
    public static List<Block> blocks(BertConfig c, String prefix) {
        return blocks(c, prefix, true);
    }

    /** The blocks of an encoder built with or without its pooler. */
    public static List<Block> blocks(BertConfig c, String prefix, boolean withPooler) {
        String p = prefix.isEmpty() ? "" : prefix + ".";
        List<Block> out = new ArrayList<>();
        out.add(new Block("embeddings", p + "embeddings.**"));
        for (int i = 0; i < c.layers(); i++) {
            out.add(new Block("encoder.layer_" + i, p + "encoder.layer_" + i + ".**"));
        }
        if (withPooler) {
            out.add(new Block("pooler", p + "pooler.**"));
        }
        return out;
    }

    /** Adds the encoder, with its pooler, under the builder's current scope. */
    public static Outputs build(NetworkBuilder b, BertConfig c, Map<String, Node> in) {
        return build(b, c, in, true);
    }

    /**
     * Adds the encoder under the builder's current scope; {@code withPooler=false} leaves out the
     * pooler (sentence-embedding models have none), so no untrained parameter hangs off the graph.
     */
    public static Outputs build(NetworkBuilder b, BertConfig c, Map<String, Node> in, boolean withPooler) {
        for (InputSpec s : inputs(c)) {
            if (!in.containsKey(s.name())) {
                throw new IllegalArgumentException("BERT encoder needs input '" + s.name() + "'; got " + in.keySet());
            }
        }
        Node tokenIndex = in.get(TOKEN_INDEX);
        Node x = embeddings(b, c, in);
        Node maskBias = maskBias(b, in.get(INPUT_MASK), tokenIndex);
        List<Node> layers = new ArrayList<>();
        try (NetworkBuilder.Scope s = b.scope("encoder")) {
            for (int i = 0; i < c.layers(); i++) {
                try (NetworkBuilder.Scope l = b.scope("layer_" + i)) {
                    x = layer(b, c, x, maskBias, in.get(HEAD_INDEX));
                    layers.add(x);
                }
            }
        }
        Node sequence = b.embedding(x, tokenIndex);
        Node clsIndex = b.slice(tokenIndex, new long[] {0, 0}, new long[] {-1, 1});
        Node cls = b.reshape(b.embedding(x, clsIndex), -1, c.hidden());
        Node pooled = null;
        if (withPooler) {
            try (NetworkBuilder.Scope s = b.scope("pooler")) {
                Node k = b.param("kernel", WEIGHT_INIT, c.hidden(), c.hidden());
                Node bias = b.param("bias", Initializer.zeros(), c.hidden());
                pooled = b.tanh(b.add(b.matmul(cls, k), bias));
            }
        }
        return new Outputs(pooled, sequence, cls, layers);
    }

    private static Node embeddings(NetworkBuilder b, BertConfig c, Map<String, Node> in) {
        try (NetworkBuilder.Scope s = b.scope("embeddings")) {
            Node words = Layers.embedding(b, "word", in.get(INPUT_IDS), c.vocabSize(), c.hidden());
            Node pos = Layers.embedding(b, "position", in.get(POSITION_IDS), c.maxPositions(), c.hidden());
            Node types = Layers.embedding(b, "token_type", in.get(SEGMENT_IDS), c.typeVocabSize(), c.hidden());
            Node sum = b.reshape(b.add(b.add(words, pos), types), -1, c.hidden());
            return b.dropout(Layers.layerNorm(b, "norm", sum, c.layerNormEps()), c.hiddenDropout());
        }
    }

    /** (mask - 1) * 10000 as [N, 1, T], broadcast over heads and query positions. */
    private static Node maskBias(NetworkBuilder b, Node mask, Node tokenIndex) {
        try (NetworkBuilder.Scope s = b.scope("attention_mask")) {
            Node rows = b.reshape(b.cast(mask, DType.FLOAT32), -1, 1);
            Node m = b.transpose(b.embedding(rows, tokenIndex), 0, 2, 1);
            return b.mul(b.sub(m, b.scalar(1)), b.scalar(10000));
        }
    }

    private static Node layer(NetworkBuilder b, BertConfig c, Node x, Node maskBias, Node headIndex) {
        int h = c.hidden();
        int heads = c.heads();
        int dh = c.headSize();
        Node attended;
        try (NetworkBuilder.Scope s = b.scope("attention")) {
            Node kernel = b.concat(1, b.param("query.kernel", WEIGHT_INIT, h, h), b.param("key.kernel", WEIGHT_INIT, h, h),
                    b.param("value.kernel", WEIGHT_INIT, h, h));
            Node bias = b.concat(0, b.param("query.bias", Initializer.zeros(), h),
                    b.param("key.bias", Initializer.zeros(), h), b.param("value.bias", Initializer.zeros(), h));
            Node qkv = b.add(b.matmul(x, kernel), bias);
            Node split = b.embedding(b.reshape(qkv, -1, dh), headIndex);
            Node q = b.slice(split, new long[] {0, 0, 0, 0}, new long[] {heads, -1, -1, -1});
            Node k = b.slice(split, new long[] {heads, 0, 0, 0}, new long[] {heads, -1, -1, -1});
            Node v = b.slice(split, new long[] {2L * heads, 0, 0, 0}, new long[] {heads, -1, -1, -1});
            Node scores = b.mul(b.batchMatmul(q, k, false, true), b.scalar(1 / Math.sqrt(dh)));
            Node probs = b.dropout(b.softmax(b.add(scores, maskBias), -1), c.attentionDropout());
            Node context = b.reshape(b.transpose(b.batchMatmul(probs, v, false, false), 1, 2, 0, 3), -1, h);
            Node out = b.dropout(Layers.dense(b, "output", context, h, true, WEIGHT_INIT), c.hiddenDropout());
            attended = Layers.layerNorm(b, "norm", b.add(out, x), c.layerNormEps());
        }
        try (NetworkBuilder.Scope s = b.scope("ffn")) {
            Node inner = activation(b, c.activation(), Layers.dense(b, "intermediate", attended, c.intermediate(), true, WEIGHT_INIT));
            Node out = b.dropout(Layers.dense(b, "output", inner, h, true, WEIGHT_INIT), c.hiddenDropout());
            return Layers.layerNorm(b, "norm", b.add(out, attended), c.layerNormEps());
        }
    }

    private static Node activation(NetworkBuilder b, BertConfig.Activation a, Node x) {
        return switch (a) {
            case GELU -> b.gelu(x);
            case GELU_TANH -> {
                Node cube = b.mul(b.mul(x, x), x);
                Node inner = b.mul(b.add(x, b.mul(cube, b.scalar(0.044715))), b.scalar(Math.sqrt(2 / Math.PI)));
                yield b.mul(b.mul(x, b.scalar(0.5)), b.add(b.tanh(inner), b.scalar(1)));
            }
        };
    }
}
