package dev.graft.reliability.support;

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
import java.util.List;
import java.util.Map;

/**
 * A small real backbone: two blocks of dense + BatchNorm + ReLU over a {@code float[inputs]}
 * vector. Its "pretrained" weights come from a fixed seed, so every JVM starts from the same ones.
 */
public final class MlpBackbone implements Backbone {
    public static final String NAME = "reliability-mlp";
    private final int inputs;
    private final int width;

    public MlpBackbone(int inputs, int width) {
        this.inputs = inputs;
        this.width = width;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, inputs)));
    }

    @Override
    public Preprocessing preprocessing() {
        return new Preprocessing("identity", Map.of());
    }

    @Override
    public List<Block> blocks() {
        return List.of(new Block("block1", "block1.**"), new Block("block2", "block2.**"));
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> in) {
        Node x = in.get("x");
        for (int i = 1; i <= 2; i++) {
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
            if (!(batch.get(i).input() instanceof float[] f) || f.length != inputs) {
                throw new IllegalArgumentException(batch.get(i).source() + ": " + NAME + " needs float[" + inputs + "] inputs");
            }
            System.arraycopy(f, 0, v, i * inputs, inputs);
        }
        return Map.of("x", HostTensor.of(v, batch.size(), inputs));
    }

    @Override
    public Map<String, HostTensor> weights() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, inputs);
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("f", build(b, Map.of("x", x)));
        }
        Network net = b.build();
        return net.initialValues(4242);
    }

    @Override
    public String fingerprint() {
        return NAME + "/" + inputs + "/" + width;
    }
}
