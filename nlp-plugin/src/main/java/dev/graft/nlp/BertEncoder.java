package dev.graft.nlp;

import dev.graft.core.spi.Block;
import dev.graft.core.spi.InputSpec;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A BERT or RoBERTa encoder written against the engine-neutral op set, for any size, and for any
 * batch size and sequence length (inputs are {@code [-1, -1]}).
 *
 * <p>The inputs are only what a client has: token ids, segment ids and the mask, {@code [N, T]}.
 * Position ids are counted in the graph from the mask (BERT: {@code 0..T-1}; RoBERTa: {@code padId + 1}
 * onwards on real tokens, {@code padId} on padding, as Hugging Face counts them).
 *
 * <p>Hidden states are kept as {@code [N*T, H]} rows so that every dense layer is one matrix
 * product. Attention splits them by example and head with a reshape whose leading dimensions
 * {@code [N, T]} are read from {@code input_ids} at run time ({@link Op#RESHAPE_LIKE}): the fused
 * query/key/value projection {@code [N*T, 3H]} becomes {@code [N, T, 3h, H/h]}, transposed to
 * {@code [3h, N, T, H/h]}. Models saved before this (with {@code position_ids}, {@code token_index}
 * and {@code head_index} inputs) are refused with a message to re-save ({@link #LEGACY_INPUTS}).
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
    /**
     * Inputs of encoders saved by earlier versions (host-computed position ids and gather indices);
     * a network that still reads them is refused with a message to re-save.
     */
    public static final List<String> LEGACY_INPUTS = List.of("position_ids", "token_index", "head_index");

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
                new InputSpec(INPUT_MASK, DType.INT32, nt));
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
        Node ids = in.get(INPUT_IDS);
        Node x = embeddings(b, c, in);
        Node maskBias = maskBias(b, in.get(INPUT_MASK), ids);
        List<Node> layers = new ArrayList<>();
        try (NetworkBuilder.Scope s = b.scope("encoder")) {
            for (int i = 0; i < c.layers(); i++) {
                try (NetworkBuilder.Scope l = b.scope("layer_" + i)) {
                    x = layer(b, c, x, maskBias, ids);
                    layers.add(x);
                }
            }
        }
        Node sequence = b.reshapeLike(x, ids, 2, c.hidden());
        Node cls = b.reshape(b.slice(sequence, new long[] {0, 0, 0}, new long[] {-1, 1, -1}), -1, c.hidden());
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
            Node pos = Layers.embedding(b, "position", positions(b, c, in.get(INPUT_MASK)), c.maxPositions(), c.hidden());
            Node types = Layers.embedding(b, "token_type", in.get(SEGMENT_IDS), c.typeVocabSize(), c.hidden());
            Node sum = b.reshape(b.add(b.add(words, pos), types), -1, c.hidden());
            return b.dropout(Layers.layerNorm(b, "norm", sum, c.layerNormEps()), c.hiddenDropout());
        }
    }

    /**
     * Position ids [N, T] (INT32) counted in the graph from the mask [N, T]: BERT (offset 0) numbers
     * every slot {@code 0..T-1}; RoBERTa numbers real tokens from {@code positionOffset} (padId + 1)
     * and gives padding {@code padId}: {@code mask * (exclusive cumsum(mask) + offset - padId) + padId}.
     * The sums are of small integers in float32, so they are exact.
     */
    public static Node positions(NetworkBuilder b, BertConfig c, Node mask) {
        try (NetworkBuilder.Scope s = b.scope("position_ids")) {
            Node m = b.cast(mask, DType.FLOAT32);
            if (c.positionOffset() == 0) {
                Node ones = b.add(b.mul(m, b.scalar(0)), b.scalar(1));
                return b.cast(b.cumsum(ones, 1, true), DType.INT32);
            }
            Node counted = b.add(b.cumsum(m, 1, true), b.scalar(c.positionOffset() - c.padId()));
            return b.cast(b.add(b.mul(m, counted), b.scalar(c.padId())), DType.INT32);
        }
    }

    /** (mask - 1) * 10000 as [N, 1, T], broadcast over heads and query positions. */
    private static Node maskBias(NetworkBuilder b, Node mask, Node ids) {
        try (NetworkBuilder.Scope s = b.scope("attention_mask")) {
            Node m = b.reshapeLike(b.cast(mask, DType.FLOAT32), ids, 1, 1, -1);
            return b.mul(b.sub(m, b.scalar(1)), b.scalar(10000));
        }
    }

    private static Node layer(NetworkBuilder b, BertConfig c, Node x, Node maskBias, Node ids) {
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
            // [N*T, 3H] -> [N, T, 3h, H/h] -> [3h, N, T, H/h]: queries, keys and values by head
            Node split = b.transpose(b.reshapeLike(qkv, ids, 2, 3L * heads, dh), 2, 0, 1, 3);
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
            case GELU_TANH -> b.geluTanh(x);
        };
    }
}
