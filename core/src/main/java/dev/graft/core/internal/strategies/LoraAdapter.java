package dev.graft.core.internal.strategies;

import dev.graft.core.spi.NetworkAdapter;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.NetworkRewriter;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Low-rank adaptation (Hu et al. 2021) of the kernels that match the target patterns: a kernel
 * {@code W} ([in, out], or HWIO for convolutions) is read as {@code W + (alpha/r) reshape(A B)}
 * with {@code A} [fan-in, r] (random) and {@code B} [r, out] (zeros), so the adapted network starts
 * equal to the base one. With dropout, a kernel read directly by matmuls is adapted on the
 * activations instead, {@code x W + (alpha/r) dropout(x) A B}, as in the paper. Merging folds
 * {@code (alpha/r) A B} into {@code W}.
 */
public final class LoraAdapter implements NetworkAdapter {
    /** Suffixes of the adapter parameters, after the adapted kernel's name without {@code .kernel}. */
    public static final String A = "lora_a";
    public static final String B = "lora_b";
    /** Suffix of the scalar {@code alpha/r} kept beside each adapter pair in {@link #adapterWeights}. */
    public static final String SCALE = "lora_scale";
    /** Group pattern selecting every LoRA parameter. */
    public static final String PATTERN = "re:.*\\.lora_[ab]";

    private final int rank;
    private final double alpha;
    private final double dropout;
    private final List<String> targets;
    private final List<String> adapted = new ArrayList<>();

    public LoraAdapter(int rank, double alpha, double dropout, List<String> targets) {
        if (rank < 1) {
            throw new IllegalArgumentException("lora rank must be >= 1, got " + rank);
        }
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.targets = List.copyOf(targets);
    }

    public double scale() {
        return alpha / rank;
    }

    /** The name stem of a kernel's adapter parameters. */
    public static String stem(String kernel) {
        return kernel.endsWith(".kernel") ? kernel.substring(0, kernel.length() - ".kernel".length()) : kernel;
    }

    /** Kernel names the targets select in {@code net}. */
    public List<String> targetsIn(Network net) {
        List<Pattern> res = targets.stream().map(ParamGroup::toRegex).toList();
        List<String> out = new ArrayList<>();
        for (ParamSpec p : net.params().values()) {
            if (p.trainable() && res.stream().anyMatch(r -> r.matcher(p.name()).matches())) {
                out.add(p.name());
            }
        }
        return out;
    }

    @Override
    public synchronized Network adapt(Network net) {
        List<String> names = targetsIn(net);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("lora: the target patterns " + targets + " match no trainable parameter; "
                    + "parameters look like " + net.params().keySet().stream().limit(6).toList() + " (option targets)");
        }
        Map<Integer, String> byParamNode = new LinkedHashMap<>();
        Map<Integer, String> byMatmul = new LinkedHashMap<>();
        for (String name : names) {
            ParamSpec p = net.param(name);
            int rk = p.shape().rank();
            if (rk != 2 && rk != 4) {
                throw new IllegalArgumentException("lora adapts kernels of rank 2 ([in, out]) or 4 (HWIO); '" + name + "' is "
                        + p.shape() + " (option targets)");
            }
            String stem = stem(name);
            if (net.params().containsKey(stem + "." + A) || net.params().containsKey(stem + "." + B)) {
                throw new IllegalArgumentException("lora: parameter '" + stem + "." + A + "' already exists (adapted twice?)");
            }
            Node pn = net.paramNode(name);
            List<int[]> users = NetworkRewriter.consumers(net, pn.id());
            boolean directMatmul = rk == 2 && !users.isEmpty() && users.stream().allMatch(u -> {
                Node m = net.node(u[0]);
                return m.op() == Op.MATMUL && u[1] == 1 && !m.attrs().getBool("transposeA", false)
                        && !m.attrs().getBool("transposeB", false);
            });
            if (dropout > 0 && directMatmul) {
                users.forEach(u -> byMatmul.put(u[0], name));
            } else if (dropout > 0) {
                throw new IllegalArgumentException("lora dropout applies to the input of a matmul, but kernel '" + name
                        + "' is read by " + users.stream().map(u -> net.node(u[0]).op().name()).distinct().toList()
                        + "; use dropout=0 for it (option dropout)");
            } else {
                byParamNode.put(pn.id(), name);
            }
        }
        adapted.clear();
        adapted.addAll(names);
        double s = scale();
        return NetworkRewriter.rewrite(net, (b, original, copy) -> {
            String w = byParamNode.get(original.id());
            if (w != null) {
                ParamSpec p = net.param(w);
                Node[] ab = params(b, p);
                Node delta = b.reshape(b.matmul(ab[0], ab[1]), p.shape().dims());
                return b.add(copy, b.mul(delta, b.scalar(s)));
            }
            String k = byMatmul.get(original.id());
            if (k != null) {
                Node[] ab = params(b, net.param(k));
                Node x = b.node(copy.input(0));
                Node low = b.matmul(b.matmul(b.dropout(x, dropout), ab[0]), ab[1]);
                return b.add(copy, b.mul(low, b.scalar(s)));
            }
            return copy;
        });
    }

    private Node[] params(NetworkBuilder b, ParamSpec p) {
        long out = p.shape().dim(-1);
        long fanIn = p.size() / out;
        String stem = stem(p.name());
        Node a = b.paramNamed(stem + "." + A, Initializer.normal(1.0 / Math.sqrt(fanIn)), true, p.dtype(), fanIn, rank);
        Node bb = b.paramNamed(stem + "." + B, Initializer.zeros(), true, p.dtype(), rank, out);
        return new Node[] {a, bb};
    }

    @Override
    public synchronized Map<String, HostTensor> merge(Map<String, HostTensor> w) {
        Map<String, HostTensor> out = new LinkedHashMap<>(w);
        for (String k : adapted) {
            String stem = stem(k);
            HostTensor a = out.remove(stem + "." + A);
            HostTensor bt = out.remove(stem + "." + B);
            HostTensor base = out.get(k);
            if (a == null || bt == null || base == null) {
                throw new IllegalStateException("lora merge: missing '" + k + "' or its adapters in the trained weights");
            }
            out.put(k, merged(base, a, bt, scale()));
        }
        return out;
    }

    /** {@code w + scale * reshape(a b)}, accumulated in double. */
    public static HostTensor merged(HostTensor w, HostTensor a, HostTensor b, double scale) {
        float[] wv = w.floats();
        float[] av = a.floats();
        float[] bv = b.floats();
        int fanIn = (int) a.shape().dim(0);
        int r = (int) a.shape().dim(1);
        int out = (int) b.shape().dim(1);
        if (fanIn * out != wv.length) {
            throw new DefinitionException("lora", "adapter shapes " + a.shape() + " x " + b.shape() + " do not fit kernel " + w.shape());
        }
        float[] res = new float[wv.length];
        for (int i = 0; i < fanIn; i++) {
            for (int j = 0; j < out; j++) {
                double acc = 0;
                for (int k = 0; k < r; k++) {
                    acc += (double) av[i * r + k] * bv[k * out + j];
                }
                res[i * out + j] = (float) (wv[i * out + j] + scale * acc);
            }
        }
        return HostTensor.of(res, w.shape().dims());
    }

    @Override
    public synchronized java.util.Set<String> adaptedParameters() {
        return java.util.Set.copyOf(adapted);
    }

    /**
     * Per adapted kernel: {@code A}, {@code B} and the scale {@code alpha/r} as a one-element tensor
     * ({@code <stem>.lora_scale}), so the adapters alone rebuild the merged kernels of their base
     * ({@link LoraAdapterFile}).
     */
    @Override
    public synchronized Map<String, HostTensor> adapterWeights(Map<String, HostTensor> w) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String k : adapted) {
            out.put(stem(k) + "." + A, w.get(stem(k) + "." + A));
            out.put(stem(k) + "." + B, w.get(stem(k) + "." + B));
            out.put(stem(k) + "." + SCALE, HostTensor.of(new float[] {(float) scale()}, 1));
        }
        return out;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "lora r=%d alpha=%s dropout=%s on %s", rank, alpha, dropout,
                adapted.isEmpty() ? targets.toString() : adapted.size() + " kernel(s)");
    }
}
