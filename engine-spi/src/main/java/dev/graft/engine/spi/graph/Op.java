package dev.graft.engine.spi.graph;

/**
 * The backend-neutral op set that networks are written against. Layout conventions: images are
 * NHWC, convolution kernels HWIO, dense kernels [in, out]. Every engine implements every op.
 */
public enum Op {
    /** A value fed at run time. Attrs: name. */
    INPUT,
    /** A named parameter or state tensor held by the engine. Attrs: name. */
    PARAM,
    /** A float scalar constant, broadcast where used. Attrs: value. */
    SCALAR,
    /** [M,K] x [K,N]. Attrs: transposeA, transposeB. */
    MATMUL,
    /** [..., M, K] x [..., K, N] with equal batch dimensions. Attrs: adjointA, adjointB. */
    BATCH_MATMUL,
    /** x NHWC, kernel HWIO (I = C / groups). Attrs: strides[2], dilations[2], groups, padding. */
    CONV2D,
    /** Attrs: window[2], strides[2], padding (SAME or VALID). */
    MAX_POOL,
    /** Attrs: window[2], strides[2], padding (SAME or VALID); SAME averages the valid cells only. */
    AVG_POOL,
    /** NHWC to NC. */
    GLOBAL_AVG_POOL,
    /** NHWC to NC. */
    GLOBAL_MAX_POOL,
    /**
     * Inputs x, gamma, beta, movingMean, movingVariance; channels last. Attrs: epsilon, momentum.
     * Training mode normalises with the batch statistics (biased variance) and updates
     * {@code moving = moving * momentum + batch * (1 - momentum)}, the variance unbiased.
     */
    BATCH_NORM,
    /** Inputs x, gamma, beta; normalises over the last axis. Attrs: epsilon. */
    LAYER_NORM,
    /** Inputs table [V, D] and int ids of any shape; output ids.shape + [D]. */
    EMBEDDING,
    ADD,
    SUB,
    MUL,
    DIV,
    RELU,
    /** Exact GELU: x * (1 + erf(x / sqrt 2)) / 2. */
    GELU,
    /** GELU in its tanh approximation (Google's BERT): x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2. */
    GELU_TANH,
    TANH,
    SIGMOID,
    /** Attrs: axis. */
    SOFTMAX,
    /** Attrs: axis. */
    LOG_SOFTMAX,
    /** Inverted dropout, active only in training. Attrs: rate. */
    DROPOUT,
    /** Attrs: shape (one -1 allowed). */
    RESHAPE,
    /**
     * Inputs x and a reference tensor of any type; a reshape whose leading dimensions are read from
     * the reference at run time: the output shape is {@code like.shape[0:leading] ++ shape}, with
     * at most one -1 in {@code shape}. This is how a network whose batch and sequence lengths are
     * both unknown ({@code [-1, -1]}) goes from flat rows back to them: {@code [N*T, H]} with
     * {@code like = input_ids [N, T]}, leading 2, shape {@code [h, H/h]} gives {@code [N, T, h, H/h]}.
     * Gradients flow to x only. Attrs: leading, shape.
     */
    RESHAPE_LIKE,
    /** Attrs: perm. */
    TRANSPOSE,
    /** Attrs: axis. */
    CONCAT,
    /** Attrs: begin, size (-1 = to the end). */
    SLICE,
    /** Attrs: paddings (before, after per axis, flattened), value. */
    PAD,
    /** Attrs: axes, keepDims. */
    MEAN,
    /** Attrs: axes, keepDims. */
    SUM,
    /**
     * Running sum of a FLOAT32 tensor along an axis; exclusive starts each sum at 0, so element
     * {@code i} sums elements {@code 0..i-1}. With a 0/1 mask it counts positions in the graph
     * (BERT's position ids are the exclusive running sum of ones). Attrs: axis, exclusive.
     */
    CUMSUM,
    /** Attrs: dtype. */
    CAST,
    /** Mean softmax cross-entropy over the batch; labels int [N] or one-hot/soft float [N, C]. */
    SOFTMAX_CROSS_ENTROPY,
    /** Mean sigmoid cross-entropy over all elements, from logits. */
    BINARY_CROSS_ENTROPY,
    /** Mean squared error over all elements. */
    MEAN_SQUARED_ERROR;

    /** Whether gradients flow through this op to its float inputs. */
    public boolean isDifferentiable() {
        return this != INPUT && this != SCALAR && this != CAST;
    }
}
