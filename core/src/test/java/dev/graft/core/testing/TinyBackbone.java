package dev.graft.core.testing;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small real backbone for tests: three blocks of dense + BatchNorm + ReLU over a numeric feature
 * vector ({@code float[]} inputs). Its "pretrained" weights are drawn from a fixed seed, so tests
 * know them. Counts every example it encodes, so tests can count backbone executions.
 */
public final class TinyBackbone implements Backbone {
    /** Examples encoded since the last reset, across instances (tests run one pipeline at a time). */
    public static final AtomicInteger ENCODED = new AtomicInteger();
    public static final long PRETRAINED_SEED = 777;

    private final int inputs;
    private final int width;
    private final boolean pretrained;
    private final double inputScale;

    public TinyBackbone(int inputs, int width, boolean pretrained, double inputScale) {
        this.inputs = inputs;
        this.width = width;
        this.pretrained = pretrained;
        this.inputScale = inputScale;
    }

    @Override
    public String name() {
        return "tiny-mlp";
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, inputs)));
    }

    @Override
    public Preprocessing preprocessing() {
        return new Preprocessing("scale", Map.of("factor", Double.toString(inputScale)));
    }

    @Override
    public List<Block> blocks() {
        return List.of(new Block("block1", "block1.**"), new Block("block2", "block2.**"), new Block("block3", "block3.**"));
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> in) {
        Node x = in.get("x");
        for (int i = 1; i <= 3; i++) {
            try (NetworkBuilder.Scope s = b.scope("block" + i)) {
                x = b.relu(Layers.batchNorm(b, "bn", Layers.dense(b, "fc", x, width, true, Initializer.glorotUniform()), 1e-3, 0.9));
            }
        }
        return x;
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        float[] v = new float[batch.size() * inputs];
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.get(i);
            if (!(e.input() instanceof float[] f) || f.length != inputs) {
                throw new IllegalArgumentException(e.source() + ": tiny-mlp needs float[" + inputs + "] inputs");
            }
            for (int j = 0; j < inputs; j++) {
                v[i * inputs + j] = (float) (f[j] * inputScale);
            }
        }
        ENCODED.addAndGet(batch.size());
        return Map.of("x", HostTensor.of(v, batch.size(), inputs));
    }

    @Override
    public Map<String, HostTensor> weights() {
        if (!pretrained) {
            return Map.of();
        }
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, inputs);
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("f", build(b, Map.of("x", x)));
        }
        Network net = b.build();
        Map<String, HostTensor> w = new LinkedHashMap<>(net.initialValues(PRETRAINED_SEED));
        // non-trivial moving statistics, as a pretrained network would have
        for (String k : w.keySet()) {
            if (k.endsWith("moving_mean")) {
                w.put(k, filled(width, 0.1f));
            } else if (k.endsWith("moving_variance")) {
                w.put(k, filled(width, 2.0f));
            }
        }
        return w;
    }

    private static HostTensor filled(int n, float v) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        return HostTensor.of(f, n);
    }

    @Override
    public String fingerprint() {
        return "tiny-mlp/" + inputs + "/" + width + "/" + (pretrained ? PRETRAINED_SEED : "random");
    }
}
