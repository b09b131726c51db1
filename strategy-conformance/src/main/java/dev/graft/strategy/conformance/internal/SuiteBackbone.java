package dev.graft.strategy.conformance.internal;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Three blocks of dense + BatchNorm + ReLU (width 16) over {@code float[8]} inputs, with
 * "pretrained" weights drawn from a fixed seed and non-trivial moving statistics, so the suite knows
 * every starting value. Parameter names: {@code backbone.blockN.fc.kernel}, {@code .bias},
 * {@code backbone.blockN.bn.gamma}, ... .
 */
public final class SuiteBackbone implements Backbone {
    public static final String NAME = "conformance-mlp";
    public static final int INPUTS = 8;
    public static final int WIDTH = 16;
    static final long PRETRAINED_SEED = 4242;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, INPUTS)));
    }

    @Override
    public Preprocessing preprocessing() {
        return new Preprocessing("identity", Map.of());
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
                x = b.relu(Layers.batchNorm(b, "bn", Layers.dense(b, "fc", x, WIDTH, true, Initializer.glorotUniform()), 1e-3, 0.9));
            }
        }
        return x;
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        float[] v = new float[batch.size() * INPUTS];
        for (int i = 0; i < batch.size(); i++) {
            if (!(batch.get(i).input() instanceof float[] f) || f.length != INPUTS) {
                throw new IllegalArgumentException(batch.get(i).source() + ": " + NAME + " needs float[" + INPUTS + "] inputs");
            }
            System.arraycopy(f, 0, v, i * INPUTS, INPUTS);
        }
        return Map.of("x", HostTensor.of(v, batch.size(), INPUTS));
    }

    @Override
    public Map<String, HostTensor> weights() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, INPUTS);
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("f", build(b, Map.of("x", x)));
        }
        Network net = b.build();
        Map<String, HostTensor> w = new LinkedHashMap<>(net.initialValues(PRETRAINED_SEED));
        for (String k : w.keySet()) {
            if (k.endsWith("moving_mean") || k.endsWith("moving_variance")) {
                float[] f = new float[WIDTH];
                java.util.Arrays.fill(f, k.endsWith("moving_mean") ? 0.1f : 2.0f);
                w.put(k, HostTensor.of(f, WIDTH));
            }
        }
        return w;
    }

    @Override
    public String fingerprint() {
        return NAME + "/" + PRETRAINED_SEED;
    }

    /** {@code classes} Gaussian clusters of {@code perClass} examples around fixed centres. */
    public static List<Example> data(int classes, int perClass, long seed) {
        SplittableRandom centres = new SplittableRandom(99);
        float[][] c = new float[classes][INPUTS];
        for (float[] row : c) {
            for (int j = 0; j < INPUTS; j++) {
                row[j] = (float) (centres.nextDouble(-2, 2));
            }
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int k = 0; k < classes; k++) {
                float[] v = new float[INPUTS];
                for (int j = 0; j < INPUTS; j++) {
                    v[j] = c[k][j] + (float) (r.nextDouble(-0.6, 0.6));
                }
                out.add(new Example("cluster" + k + "#" + i, v, "c" + k));
            }
        }
        return out;
    }
}
