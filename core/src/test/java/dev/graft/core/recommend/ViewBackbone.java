package dev.graft.core.recommend;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A two-block ReLU network (randomly initialised, seeded by the run) that reads one half of a
 * {@code float[2k]} example: {@code view=signal} the first half, {@code view=noise} the second.
 * On data whose labels live in the first half, the signal backbone fits and the noise one cannot.
 */
final class ViewBackbone implements Backbone {
    static final AtomicInteger ENCODED = new AtomicInteger();
    private final String view;
    private final int half;

    ViewBackbone(String view, int half) {
        this.view = view;
        this.half = half;
    }

    /** Offers {@code view-signal} and {@code view-noise}. */
    static final class Provider implements BackboneProvider {
        private final int half;

        Provider(int half) {
            this.half = half;
        }

        @Override
        public String id() {
            return "test-views";
        }

        @Override
        public Set<String> backbones() {
            return Set.of("view-signal", "view-noise");
        }

        @Override
        public Backbone create(String name, Map<String, String> options) {
            if (!options.isEmpty()) {
                throw new IllegalArgumentException("no options expected");
            }
            return new ViewBackbone(name.substring("view-".length()), half);
        }
    }

    @Override
    public String name() {
        return "view-" + view;
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, half)));
    }

    @Override
    public Preprocessing preprocessing() {
        return new Preprocessing("view", Map.of("view", view, "half", Integer.toString(half)));
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
                x = b.relu(Layers.dense(b, "fc", x, 32, true, Initializer.glorotUniform()));
            }
        }
        return x;
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        float[] v = new float[batch.size() * half];
        int off = view.equals("signal") ? 0 : half;
        for (int i = 0; i < batch.size(); i++) {
            float[] f = (float[]) batch.get(i).input();
            System.arraycopy(f, off, v, i * half, half);
        }
        ENCODED.addAndGet(batch.size());
        return Map.of("x", HostTensor.of(v, batch.size(), half));
    }

    @Override
    public Map<String, HostTensor> weights() {
        return Map.of();
    }

    @Override
    public String fingerprint() {
        return "view/" + view + "/" + half;
    }
}
