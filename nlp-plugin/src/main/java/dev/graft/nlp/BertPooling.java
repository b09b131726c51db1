package dev.graft.nlp;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;

/**
 * How a BERT-family encoder's per-token states become one feature vector per text, written on the
 * engine-neutral ops (so every engine runs it, and gradients flow through it when fine-tuning).
 * Padding never counts: every mode reads {@link BertEncoder#INPUT_MASK}.
 *
 * <ul>
 *   <li>{@code cls}: the top layer's {@code [CLS]} state;</li>
 *   <li>{@code pooler}: BERT's pre-trained pooler, {@code tanh(W [CLS] + b)} (needs pooler weights);</li>
 *   <li>{@code mean}: the mean of the top layer's states over the text's real tokens;</li>
 *   <li>{@code max}: the element-wise maximum over the real tokens;</li>
 *   <li>{@code mean-last-K}: for each real token the mean of the top K layers' states, then the mean
 *       over the real tokens ({@code mean-last-1} is {@code mean}).</li>
 * </ul>
 * With {@code normalize}, the pooled vector is divided by its L2 norm.
 *
 * @param mode      the pooling
 * @param lastK     layers averaged by {@link Mode#MEAN_LAST_K} (1 otherwise)
 * @param normalize whether to scale each vector to unit L2 norm
 */
public record BertPooling(Mode mode, int lastK, boolean normalize) {
    /** The valid names, for error messages. */
    public static final List<String> NAMES = List.of("cls", "pooler", "mean", "max", "mean-last-<k> (e.g. mean-last-4)");

    /** The pooling modes. */
    public enum Mode {
        CLS, POOLER, MEAN, MAX, MEAN_LAST_K
    }

    public BertPooling {
        if (lastK < 1 || (mode != Mode.MEAN_LAST_K && lastK != 1)) {
            throw new IllegalArgumentException("lastK must be 1, or >= 1 for mean-last-k; got " + lastK);
        }
    }

    /**
     * Parses {@code cls}, {@code pooler}, {@code mean}, {@code max} or {@code mean-last-K}; anything
     * else is an error listing the valid names.
     */
    public static BertPooling parse(String name, boolean normalize) {
        String n = name.trim();
        switch (n) {
            case "cls":
                return new BertPooling(Mode.CLS, 1, normalize);
            case "pooler":
                return new BertPooling(Mode.POOLER, 1, normalize);
            case "mean":
                return new BertPooling(Mode.MEAN, 1, normalize);
            case "max":
                return new BertPooling(Mode.MAX, 1, normalize);
            default:
                break;
        }
        if (n.startsWith("mean-last-")) {
            try {
                int k = Integer.parseInt(n.substring("mean-last-".length()));
                if (k >= 1) {
                    return new BertPooling(Mode.MEAN_LAST_K, k, normalize);
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + name + "'; valid: " + String.join(", ", NAMES));
    }

    /** The name this pooling parses from. */
    public String id() {
        return mode == Mode.MEAN_LAST_K ? "mean-last-" + lastK : mode.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the encoder must be built with its pooler. */
    public boolean needsPooler() {
        return mode == Mode.POOLER;
    }

    /** Fails unless this pooling fits an encoder of {@code c} (with or without pooler weights). */
    public void check(BertConfig c, boolean hasPooler, String backbone) {
        if (mode == Mode.POOLER && !hasPooler) {
            throw new IllegalArgumentException("backbone '" + backbone + "' has no pre-trained pooler; use pooling cls, mean, max "
                    + "or mean-last-<k>");
        }
        if (lastK > c.layers()) {
            throw new IllegalArgumentException("backbone '" + backbone + "': pooling " + id() + " averages more layers than the "
                    + c.layers() + " it has");
        }
    }

    /** Adds the pooling on top of the encoder's outputs; returns [N, H]. */
    public Node apply(NetworkBuilder b, BertConfig c, Map<String, Node> in, BertEncoder.Outputs o) {
        try (NetworkBuilder.Scope s = b.scope("pooling")) {
            Node ids = in.get(BertEncoder.INPUT_IDS);
            Node maskRows = b.reshape(b.cast(in.get(BertEncoder.INPUT_MASK), DType.FLOAT32), -1, 1);
            Node pooled = switch (mode) {
                case CLS -> o.cls();
                case POOLER -> {
                    if (o.pooled() == null) {
                        throw new IllegalStateException("encoder was built without its pooler");
                    }
                    yield o.pooled();
                }
                case MEAN -> maskedMean(b, lastMean(b, o, 1), maskRows, ids);
                case MEAN_LAST_K -> maskedMean(b, lastMean(b, o, lastK), maskRows, ids);
                case MAX -> maskedMax(b, lastMean(b, o, 1), maskRows, ids);
            };
            return normalize ? l2Normalize(b, pooled, c.hidden()) : pooled;
        }
    }

    /** The mean of the top k layers' flat rows [N*T, H]. */
    private static Node lastMean(NetworkBuilder b, BertEncoder.Outputs o, int k) {
        List<Node> layers = o.layers();
        if (k > layers.size()) {
            throw new IllegalArgumentException("pooling over the last " + k + " layers of an encoder with " + layers.size());
        }
        Node sum = layers.get(layers.size() - k);
        for (int i = layers.size() - k + 1; i < layers.size(); i++) {
            sum = b.add(sum, layers.get(i));
        }
        return k == 1 ? sum : b.mul(sum, b.scalar(1.0 / k));
    }

    /** Sum over real tokens / number of real tokens: [N*T, H] rows to [N, T, H], then [N, H]. */
    private static Node maskedMean(NetworkBuilder b, Node rows, Node maskRows, Node ids) {
        Node sum = b.sum(b.reshapeLike(b.mul(rows, maskRows), ids, 2, rows.shape().dim(1)), false, 1);
        Node count = b.sum(b.reshapeLike(maskRows, ids, 2, 1), false, 1);
        return b.div(sum, count);
    }

    /** Element-wise maximum over real tokens: padding rows are pushed 1e9 down, then a global max. */
    private static Node maskedMax(NetworkBuilder b, Node rows, Node maskRows, Node ids) {
        Node masked = b.add(rows, b.mul(b.sub(maskRows, b.scalar(1)), b.scalar(1e9)));
        // the rows as NHWC [N, T, 1, H], so that the global max runs over the tokens
        long hidden = rows.shape().dim(1);
        return b.globalMaxPool(b.reshapeLike(masked, ids, 2, 1, hidden));
    }

    /**
     * x / |x| without a square-root op: LayerNorm over [x, -x] (mean 0, variance 2|x|^2 / 2H = |x|^2 / H)
     * gives x * sqrt(H) / sqrt(|x|^2 + H eps); the first half scaled by 1 / sqrt(H) is x / |x|.
     */
    private static Node l2Normalize(NetworkBuilder b, Node x, int hidden) {
        Node both = b.concat(1, x, b.mul(x, b.scalar(-1)));
        Node zeroRow = b.mul(b.slice(both, new long[] {0, 0}, new long[] {1, -1}), b.scalar(0));
        Node ones = b.reshape(b.add(zeroRow, b.scalar(1)), 2L * hidden);
        Node zeros = b.reshape(zeroRow, 2L * hidden);
        Node norm = b.layerNorm(both, ones, zeros, 1e-24);
        return b.mul(b.slice(norm, new long[] {0, 0}, new long[] {-1, hidden}), b.scalar(1 / Math.sqrt(hidden)));
    }
}
